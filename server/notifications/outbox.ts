import type { Connection } from 'mongoose';
import type { Locale } from '../../runtime/common/types.js';
import { isDuplicateKey } from '../lib/sequence.js';

/**
 * The outbox: one entry per message to deliver (a notification to one recipient on one channel, or one webhook
 * call). Its `_id` is derived from the effect's deterministic key, so running an effect again inserts nothing
 * new; delivery attempts are claimed with unique inserts, so two workers never run the same attempt.
 */
export const OUTBOX_COLLECTION = 'outbox';
export const ATTEMPTS_COLLECTION = 'outbox_attempts';

export const CHANNELS = ['email', 'in-app', 'webhook'] as const;
export type DeliveryChannel = (typeof CHANNELS)[number];
export type DeliveryStatus = 'pending' | 'sent' | 'failed';

export interface OutboxEntry {
  /** `${effect.key}:${channel}:${recipient}` */
  _id: string;
  ticketId: string;
  ticketNumber: string;
  effectKey: string;
  /** Template key; `webhook` for webhook calls. */
  template: string;
  channel: DeliveryChannel;
  /** A user id, an email address, or the webhook's URL. */
  recipient: string;
  recipientKind: 'user' | 'address' | 'url';
  recipientName: string | null;
  /** Where email goes (the user's address, or the recipient itself). */
  address: string | null;
  locale: Locale | null;
  subject: string | null;
  /** HTML, values escaped. */
  body: string | null;
  /** The body as plain text. */
  text: string | null;
  /** A signed public link the message carries, if any (kept for the in-app notification's button). */
  link: string | null;
  /** Why the ticket type's template was replaced by a default text, if it was (English). */
  renderProblems: string[] | null;
  /** Webhook calls: method, headers (JSON object string) and body (JSON string) — strings, since arbitrary
   * JSON may hold keys the store cannot keep as document fields. */
  webhook: { url: string; method: string; headers: string; body: string } | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
  failedAt: Date | null;
}

interface AttemptClaim {
  /** `${entryId}#${attempt}` */
  _id: string;
  entryId: string;
  claimedAt: Date;
}

const MINUTE = 60 * 1000;
/** Waits before the 2nd, 3rd, 4th and 5th attempt; the 5th failure is final. */
export const RETRY_DELAYS_MS = [1 * MINUTE, 5 * MINUTE, 30 * MINUTE, 120 * MINUTE] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/**
 * An attempt claimed this long ago whose entry was never updated belongs to a process that died mid-delivery:
 * it counts as a failed attempt and the next one may start. Longer than any single send may take.
 */
export const ATTEMPT_LEASE_MS = 2 * MINUTE;

/** When to try again after `attempts` failed attempts, or null when that was the last one. */
export function nextAttemptAfterFailure(attempts: number, now: number): Date | null {
  const delay = RETRY_DELAYS_MS[attempts - 1];
  return delay === undefined ? null : new Date(now + delay);
}

export function outboxEntryId(effectKey: string, channel: DeliveryChannel, recipient: string): string {
  return `${effectKey}:${channel}:${recipient}`;
}

export class Outbox {
  constructor(private readonly db: Connection) {}

  get entries() {
    return this.db.collection<OutboxEntry>(OUTBOX_COLLECTION);
  }

  private get attempts() {
    return this.db.collection<AttemptClaim>(ATTEMPTS_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await this.entries.createIndex({ status: 1, nextAttemptAt: 1 });
    await this.entries.createIndex({ ticketId: 1, createdAt: 1 });
    await this.attempts.createIndex({ entryId: 1 });
  }

  /** Which of these ids are already in the outbox (so a repeated effect renders nothing). */
  async existingIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const found = await this.entries.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
    return new Set(found.map((entry) => entry._id));
  }

  /** Insert the entries that are not there yet; returns the ones this call inserted. */
  async add(entries: OutboxEntry[]): Promise<OutboxEntry[]> {
    const inserted: OutboxEntry[] = [];
    for (const entry of entries) {
      try {
        await this.entries.insertOne(entry);
        inserted.push(entry);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    return inserted;
  }

  due(now: number, limit: number): Promise<OutboxEntry[]> {
    return this.entries
      .find({ status: 'pending', nextAttemptAt: { $lte: new Date(now) } })
      .sort({ nextAttemptAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
  }

  /**
   * Claim the next attempt of an entry. `claimed`: this caller runs it. `busy`: someone else is running it.
   * `abandoned`: someone claimed it long ago and never finished (their process died); the caller should count it
   * as a failed attempt.
   */
  async claimAttempt(entry: OutboxEntry, now: number): Promise<'claimed' | 'busy' | 'abandoned'> {
    const attempt = entry.attempts + 1;
    const id = `${entry._id}#${attempt}`;
    try {
      await this.attempts.insertOne({ _id: id, entryId: entry._id, claimedAt: new Date(now) });
      return 'claimed';
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const claim = await this.attempts.findOne({ _id: id });
    return claim && now - claim.claimedAt.getTime() >= ATTEMPT_LEASE_MS ? 'abandoned' : 'busy';
  }

  /** Record the outcome of attempt `entry.attempts + 1`; the filter on `attempts` makes a late repeat a no-op. */
  async recordSent(entry: OutboxEntry, now: number): Promise<void> {
    await this.entries.updateOne(
      { _id: entry._id, attempts: entry.attempts, status: 'pending' },
      {
        $set: {
          status: 'sent',
          attempts: entry.attempts + 1,
          sentAt: new Date(now),
          nextAttemptAt: null,
          lastError: null,
        },
      },
    );
  }

  async recordFailure(entry: OutboxEntry, error: string, now: number): Promise<DeliveryStatus> {
    const attempts = entry.attempts + 1;
    const next = nextAttemptAfterFailure(attempts, now);
    const status: DeliveryStatus = next ? 'pending' : 'failed';
    await this.entries.updateOne(
      { _id: entry._id, attempts: entry.attempts, status: 'pending' },
      {
        $set: {
          status,
          attempts,
          nextAttemptAt: next,
          lastError: error.slice(0, 1000),
          ...(next ? {} : { failedAt: new Date(now) }),
        },
      },
    );
    return status;
  }

  forTicket(ticketId: string): Promise<OutboxEntry[]> {
    return this.entries.find({ ticketId }).sort({ createdAt: 1, _id: 1 }).toArray();
  }
}
