import { ensureQueryIndexes } from '../lib/query-indexes.js';
import type { Connection } from 'mongoose';
import type { Locale } from '../../runtime/common/types.js';
import { GroupInsert } from '../lib/group-insert.js';
import { isDuplicateKey } from '../lib/sequence.js';

/**
 * The outbox: one entry per email or webhook call to deliver (in-app notifications need none: see in-app.ts). Its
 * `_id` is derived from the effect's deterministic key, so running an effect again inserts nothing new; delivery
 * attempts are claimed with unique inserts, so two workers never run the same attempt; what is pending is marked
 * in a small collection of its own, so finding it does not read every entry ever sent.
 */
export const OUTBOX_COLLECTION = 'outbox';
export const ATTEMPTS_COLLECTION = 'outbox_attempts';
export const PENDING_COLLECTION = 'outbox_pending';

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

/**
 * One entry still to deliver: when its next attempt is due. The periodic pass reads these, not the outbox, so its
 * cost follows the pending work instead of every message ever sent (the embedded store answers only `_id` filters
 * without reading the whole collection). Inserted before its entry, deleted once the entry is sent or has failed
 * for good; a marker without a pending entry behind it is dropped by the pass that finds it.
 */
export interface PendingMarker {
  /** The entry's `_id`. */
  _id: string;
  nextAttemptAt: Date;
  createdAt: Date;
}

export class Outbox {
  private readonly entryInserts = new GroupInsert<OutboxEntry>(() => this.entries);
  private readonly markerInserts = new GroupInsert<PendingMarker>(() => this.pending);

  constructor(private readonly db: Connection) {}

  get entries() {
    return this.db.collection<OutboxEntry>(OUTBOX_COLLECTION);
  }

  get pending() {
    return this.db.collection<PendingMarker>(PENDING_COLLECTION);
  }

  private get attempts() {
    return this.db.collection<AttemptClaim>(ATTEMPTS_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await ensureQueryIndexes(this.db, OUTBOX_COLLECTION, [
      { status: 1, nextAttemptAt: 1 },
      { ticketId: 1, createdAt: 1 },
    ]);
    await ensureQueryIndexes(this.db, ATTEMPTS_COLLECTION, [{ entryId: 1 }]);
    await ensureQueryIndexes(this.db, PENDING_COLLECTION, [{ nextAttemptAt: 1 }]);
  }

  /**
   * Give every pending entry that has no marker one: entries queued before markers existed. One read of the
   * pending entries when the process starts (on the embedded store, of the whole outbox).
   */
  async markUnmarkedPending(now: number): Promise<number> {
    const pending = await this.entries
      .find({ status: 'pending' }, { projection: { _id: 1, nextAttemptAt: 1 } })
      .toArray();
    const results = await Promise.allSettled(
      pending.map((entry) =>
        this.markerInserts.insert({
          _id: entry._id,
          nextAttemptAt: entry.nextAttemptAt ?? new Date(now),
          createdAt: new Date(now),
        }),
      ),
    );
    let marked = 0;
    for (const result of results) {
      if (result.status === 'fulfilled') marked += 1;
      else if (!isDuplicateKey(result.reason)) throw result.reason;
    }
    return marked;
  }

  /**
   * Insert the entries that are not there yet (a duplicate `_id` means an earlier run of the same effect queued
   * it); returns the ones this call inserted. Concurrent callers' inserts go together (server/lib/group-insert.ts).
   */
  async add(entries: OutboxEntry[]): Promise<OutboxEntry[]> {
    const pending = entries.filter((entry) => entry.status === 'pending');
    // The markers first: an entry is never pending without one. A marker whose entry is not stored yet (or never
    // will be: the process died in between) is skipped, then dropped, by the delivery pass.
    await Promise.all(
      pending.map((entry) =>
        this.ignoreDuplicate(
          this.markerInserts.insert({
            _id: entry._id,
            nextAttemptAt: entry.nextAttemptAt ?? entry.createdAt,
            createdAt: entry.createdAt,
          }),
        ),
      ),
    );
    const stored = await Promise.all(
      entries.map((entry) => this.ignoreDuplicate(this.entryInserts.insert(entry))),
    );
    return entries.filter((_entry, index) => stored[index]);
  }

  private async ignoreDuplicate(insert: Promise<void>): Promise<boolean> {
    try {
      await insert;
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /**
   * The pending entries due at `now`, soonest first, read through their markers (each entry by `_id`). Markers
   * that no longer lead to a pending entry are dropped on the way; a marker that says earlier than its entry (the
   * process died between updating the two) is moved to the entry's time.
   */
  async due(now: number, limit: number): Promise<OutboxEntry[]> {
    const markers = await this.pending
      .find({ nextAttemptAt: { $lte: new Date(now) } })
      .sort({ nextAttemptAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
    const entries = await Promise.all(markers.map((marker) => this.entries.findOne({ _id: marker._id })));
    const due: OutboxEntry[] = [];
    for (const [index, marker] of markers.entries()) {
      const entry = entries[index];
      if (!entry) {
        // Its entry may still be on its way; past the lease, it never will be.
        if (now - marker.createdAt.getTime() >= ATTEMPT_LEASE_MS) await this.unmark(marker._id);
      } else if (entry.status !== 'pending' || !entry.nextAttemptAt) {
        await this.unmark(marker._id);
      } else if (entry.nextAttemptAt.getTime() > now) {
        await this.pending.updateOne({ _id: marker._id }, { $set: { nextAttemptAt: entry.nextAttemptAt } });
      } else {
        due.push(entry);
      }
    }
    return due;
  }

  private async unmark(entryId: string): Promise<void> {
    await this.pending.deleteOne({ _id: entryId });
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

  /**
   * Whether the stored entry is still at the attempt `entry` describes: a late report (of an attempt already
   * counted as abandoned) changes nothing. Read and then written by `_id` alone: the attempt claim already lets
   * one runner report each attempt, and an `_id` filter is the one the embedded store answers without a scan.
   */
  private async stillAt(entry: OutboxEntry): Promise<boolean> {
    const stored = await this.entries.findOne({ _id: entry._id }, { projection: { attempts: 1, status: 1 } });
    return stored !== null && stored.status === 'pending' && stored.attempts === entry.attempts;
  }

  /** Record that attempt `entry.attempts + 1` delivered the message. */
  async recordSent(entry: OutboxEntry, now: number): Promise<void> {
    if (!(await this.stillAt(entry))) return;
    await this.entries.updateOne(
      { _id: entry._id },
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
    await this.unmark(entry._id);
  }

  /** Record that attempt `entry.attempts + 1` failed: pending again after the backoff, or failed for good. */
  async recordFailure(entry: OutboxEntry, error: string, now: number): Promise<DeliveryStatus> {
    const attempts = entry.attempts + 1;
    const next = nextAttemptAfterFailure(attempts, now);
    const status: DeliveryStatus = next ? 'pending' : 'failed';
    if (!(await this.stillAt(entry))) return status;
    await this.entries.updateOne(
      { _id: entry._id },
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
    if (next)
      await this.pending.updateOne(
        { _id: entry._id },
        { $set: { nextAttemptAt: next }, $setOnInsert: { createdAt: new Date(now) } },
        { upsert: true },
      );
    else await this.unmark(entry._id);
    return status;
  }

  /** A ticket's email and webhook entries (a scan on the embedded store: only when someone opens the list). */
  forTicket(ticketId: string): Promise<OutboxEntry[]> {
    return this.entries.find({ ticketId }).sort({ createdAt: 1, _id: 1 }).toArray();
  }
}
