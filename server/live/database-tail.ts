import type { Connection } from 'mongoose';
import { EVENTS_COLLECTION, type CommitDoc } from '../tickets/event-store.js';
import { TICKETS_COLLECTION } from '../tickets/ticket.projection.js';
import { NOTIFICATIONS_COLLECTION, type InAppNotification } from '../notifications/in-app.js';
import { LIVE_TICKET_FIELDS, type LiveHub, type LiveTicket } from './live-hub.js';
import type { PresenceStore } from './presence.js';

/** Commits and notices stored up to this long before the newest one seen are read again (clocks and gathered
 * inserts do not store them exactly in time order). */
const LAG_MS = 3_000;
/** A commit whose projection is not written yet is looked at again on the next passes, for this long. */
const PROJECTION_WAIT_MS = 10_000;
/** At most this many commits and notices per pass. */
const PAGE = 2_000;
/** Expired presence entries are deleted this often. */
const PURGE_MS = 60_000;

export interface TailOptions {
  /** Read other processes' commits and notices (several processes write); false: this process writes alone. */
  changes: boolean;
  /** Milliseconds between two passes over commits and notices. */
  intervalMs: number;
  /** Milliseconds between two reads of who has which ticket open. */
  presenceMs: number;
  now: () => number;
  onError: (error: unknown) => void;
}

/**
 * How this process learns of what other processes wrote (FerretDB has no change streams): while it holds at
 * least one event stream, one pass per interval — shared by all its streams — reads the commits (`ticket_events`
 * by `at`) and in-app notices (`notifications` by `createdAt`) stored since the last pass, then the projections of
 * the tickets they name by `_id`, and hands them to the hub. Who has which ticket open is read from the presence
 * collection on its own, slower beat. When the process writes alone (the embedded store), its own writes are all
 * there is and only presence is read.
 */
export class DatabaseTail {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private since = 0;
  private readonly seen = new Map<string, number>();
  /** Commits read before their projection was written: ticket → [seq, first seen]. */
  private readonly waiting = new Map<string, [number, number]>();
  private lastPresence = 0;
  private lastPurge = 0;
  private presenceShown = new Map<string, string>();

  constructor(
    private readonly db: Connection,
    private readonly hub: LiveHub,
    private readonly presence: PresenceStore,
    private readonly options: TailOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.since = this.options.now() - LAG_MS;
    this.timer = setInterval(
      () => void this.pass(),
      Math.min(this.options.intervalMs, this.options.presenceMs),
    );
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass (the timer's; tests may call it). Overlapping passes are skipped. */
  async pass(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (this.options.changes) await this.readChanges();
      const now = this.options.now();
      if (now - this.lastPresence >= this.options.presenceMs) {
        this.lastPresence = now;
        await this.readPresence(now);
      }
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.running = false;
    }
  }

  private async readChanges(): Promise<void> {
    const from = new Date(this.since - LAG_MS);
    const [commits, notices] = await Promise.all([
      this.db
        .collection<CommitDoc>(EVENTS_COLLECTION)
        .find({ at: { $gt: from } }, { projection: { _id: 1, ticketId: 1, seq: 1, at: 1 } })
        .sort({ at: 1 })
        .limit(PAGE)
        .toArray(),
      this.db
        .collection<InAppNotification>(NOTIFICATIONS_COLLECTION)
        .find({ createdAt: { $gt: from } }, { projection: { _id: 1, userId: 1, ticketId: 1, createdAt: 1 } })
        .sort({ createdAt: 1 })
        .limit(PAGE)
        .toArray(),
    ]);
    const now = this.options.now();
    for (const commit of commits) {
      this.since = Math.max(this.since, commit.at.getTime());
      if (this.seen.has(commit._id)) continue;
      this.seen.set(commit._id, commit.at.getTime());
      const waited = this.waiting.get(commit.ticketId);
      if (!waited || waited[0] < commit.seq)
        this.waiting.set(commit.ticketId, [commit.seq, waited?.[1] ?? now]);
    }
    for (const notice of notices) {
      this.since = Math.max(this.since, notice.createdAt.getTime());
      if (this.seen.has(notice._id)) continue;
      this.seen.set(notice._id, notice.createdAt.getTime());
      this.hub.notificationStored(notice);
    }
    await this.signalTickets(now);
    const forget = this.since - 2 * LAG_MS;
    for (const [id, at] of this.seen) if (at < forget) this.seen.delete(id);
  }

  private async signalTickets(now: number): Promise<void> {
    const ids = [...this.waiting.keys()];
    if (ids.length === 0) return;
    const tickets = this.db.collection<LiveTicket>(TICKETS_COLLECTION);
    // One `_id` lookup each: the one read FerretDB answers from an index.
    const found = await Promise.all(
      ids.map((_id) => tickets.findOne({ _id }, { projection: LIVE_TICKET_FIELDS })),
    );
    found.forEach((ticket, index) => {
      const id = ids[index]!;
      const [seq, firstSeen] = this.waiting.get(id)!;
      const late = now - firstSeen > PROJECTION_WAIT_MS;
      if (ticket && (ticket.version >= seq || late)) {
        this.hub.ticketChanged(ticket);
        this.waiting.delete(id);
      } else if (late) this.waiting.delete(id);
    });
  }

  private async readPresence(now: number): Promise<void> {
    if (now - this.lastPurge >= PURGE_MS) {
      this.lastPurge = now;
      await this.presence.purge(now);
    }
    const current = await this.presence.all(now);
    const changed: string[] = [];
    const shown = new Map<string, string>();
    for (const [ticketId, viewers] of current) {
      const signature = viewers.map((viewer) => viewer.id).join(',');
      shown.set(ticketId, signature);
      if (this.presenceShown.get(ticketId) !== signature) changed.push(ticketId);
    }
    for (const ticketId of this.presenceShown.keys()) if (!shown.has(ticketId)) changed.push(ticketId);
    this.presenceShown = shown;
    if (changed.length === 0) return;
    const tickets = this.db.collection<LiveTicket>(TICKETS_COLLECTION);
    await Promise.all(
      changed.map(async (_id) => {
        const ticket = await tickets.findOne({ _id }, { projection: LIVE_TICKET_FIELDS });
        if (ticket) this.hub.presenceChanged(ticket, current.get(_id) ?? []);
      }),
    );
  }
}
