import type { Connection } from 'mongoose';
import { writeGateOf } from '../lib/write-gate.js';
import type { LiveViewer } from './live-hub.js';

/**
 * Who has which ticket open, shared by every API process through the database: one document per open tab,
 * `_id` = `<ticket>:<tab>`, refreshed by the page every `PRESENCE_BEAT_MS` and gone `PRESENCE_TTL_MS` after the
 * last beat. No TTL index (FerretDB 1.24 has none): expired ones are skipped by every read and deleted by the
 * presence tail now and then.
 */
export const PRESENCE_COLLECTION = 'live_presence';
export const PRESENCE_BEAT_MS = 15_000;
export const PRESENCE_TTL_MS = 40_000;

export interface PresenceDoc {
  _id: string;
  ticketId: string;
  tab: string;
  userId: string;
  name: string;
  since: Date;
  expiresAt: Date;
}

/** One entry per person (several tabs of one person are one viewer), earliest first. */
export function viewersOf(docs: readonly PresenceDoc[]): LiveViewer[] {
  const byPerson = new Map<string, LiveViewer>();
  for (const doc of [...docs].sort((a, b) => a.since.getTime() - b.since.getTime())) {
    if (!byPerson.has(doc.userId))
      byPerson.set(doc.userId, { id: doc.userId, name: doc.name, since: doc.since.toISOString() });
  }
  return [...byPerson.values()];
}

export class PresenceStore {
  constructor(private readonly db: Connection) {}

  private get presence() {
    return this.db.collection<PresenceDoc>(PRESENCE_COLLECTION);
  }

  /** The tab is open at the ticket now: insert or refresh its entry. */
  async beat(input: {
    ticketId: string;
    tab: string;
    userId: string;
    name: string;
    now: number;
  }): Promise<void> {
    const { ticketId, tab, userId, name, now } = input;
    await writeGateOf(this.db).run(() =>
      this.presence.updateOne(
        { _id: `${ticketId}:${tab}` },
        {
          $set: { ticketId, tab, userId, name, expiresAt: new Date(now + PRESENCE_TTL_MS) },
          $setOnInsert: { since: new Date(now) },
        },
        { upsert: true },
      ),
    );
  }

  /** The tab left the ticket (only the person who opened it may say so). */
  async leave(ticketId: string, tab: string, userId: string): Promise<void> {
    await writeGateOf(this.db).run(() => this.presence.deleteOne({ _id: `${ticketId}:${tab}`, userId }));
  }

  /** Who has this ticket open now. */
  async viewers(ticketId: string, now: number): Promise<LiveViewer[]> {
    const docs = await this.presence.find({ ticketId, expiresAt: { $gt: new Date(now) } }).toArray();
    return viewersOf(docs);
  }

  /** Every ticket someone has open now, with its viewers: one read of the (small) collection. */
  async all(now: number): Promise<Map<string, LiveViewer[]>> {
    const docs = await this.presence.find({ expiresAt: { $gt: new Date(now) } }).toArray();
    const byTicket = new Map<string, PresenceDoc[]>();
    for (const doc of docs) {
      const list = byTicket.get(doc.ticketId) ?? [];
      list.push(doc);
      byTicket.set(doc.ticketId, list);
    }
    return new Map([...byTicket].map(([ticketId, list]) => [ticketId, viewersOf(list)]));
  }

  /** Delete the entries of tabs that stopped beating. */
  async purge(now: number): Promise<void> {
    await writeGateOf(this.db).run(() => this.presence.deleteMany({ expiresAt: { $lte: new Date(now) } }));
  }
}
