import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Connection } from 'mongoose';
import { TICKETS_COLLECTION, type TicketDoc } from './ticket.projection.js';

/**
 * Chain-head anchors. A hash chain shows an edited or removed commit in the middle, but not the removal of the
 * newest ones; so, daily and on demand, the heads of every ticket changed since the last anchor are recorded with
 * a digest over all of them, and the digest goes to the log (which lives outside the database). Verification
 * compares a ticket's chain with its last anchored head.
 */
export const ANCHORS_COLLECTION = 'audit_anchors';
export const ANCHOR_HEADS_COLLECTION = 'audit_anchor_heads';

export interface AnchorDoc {
  _id: string;
  at: Date;
  /** Tickets whose head this anchor recorded. */
  tickets: number;
  /** sha256 over `ticketId:seq:hash` lines of those heads, sorted by ticket id. */
  digest: string;
  /** The previous anchor's digest, so anchors form a chain of their own. */
  previousDigest: string | null;
}

export interface AnchorHeadDoc {
  _id: string;
  seq: number;
  hash: string;
  anchorId: string;
  at: Date;
}

export async function ensureAnchorIndexes(db: Connection): Promise<void> {
  await db.collection(ANCHORS_COLLECTION).createIndex({ at: -1 });
}

export async function recordAnchor(db: Connection, at: Date, log?: FastifyBaseLogger): Promise<AnchorDoc> {
  const anchors = db.collection<AnchorDoc>(ANCHORS_COLLECTION);
  const previous = await anchors.find({}).sort({ at: -1 }).limit(1).next();
  const since = previous?.at ?? new Date(0);
  const changed = await db
    .collection<TicketDoc>(TICKETS_COLLECTION)
    .find({ updatedAt: { $gte: since } }, { projection: { _id: 1, version: 1, headHash: 1 } })
    .sort({ _id: 1 })
    .toArray();
  const hash = createHash('sha256');
  for (const ticket of changed) hash.update(`${ticket._id}:${ticket.version}:${ticket.headHash}\n`);
  const anchor: AnchorDoc = {
    _id: `${at.toISOString()}-${Math.random().toString(36).slice(2, 8)}`,
    at,
    tickets: changed.length,
    digest: hash.digest('hex'),
    previousDigest: previous?.digest ?? null,
  };
  const heads = db.collection<AnchorHeadDoc>(ANCHOR_HEADS_COLLECTION);
  for (let i = 0; i < changed.length; i += 500) {
    const batch = changed.slice(i, i + 500);
    await heads.bulkWrite(
      batch.map((ticket) => ({
        replaceOne: {
          filter: { _id: ticket._id },
          replacement: { seq: ticket.version, hash: ticket.headHash, anchorId: anchor._id, at },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }
  await anchors.insertOne(anchor);
  log?.info({ anchor: anchor._id, tickets: anchor.tickets, digest: anchor.digest }, 'audit anchor recorded');
  return anchor;
}

export async function anchoredHead(
  db: Connection,
  ticketId: string,
): Promise<{ seq: number; hash: string; at: Date } | null> {
  const head = await db.collection<AnchorHeadDoc>(ANCHOR_HEADS_COLLECTION).findOne({ _id: ticketId });
  return head ? { seq: head.seq, hash: head.hash, at: head.at } : null;
}
