import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Connection } from 'mongoose';
import { bulkWriteInChunks } from '../lib/bulk-write.js';
import { databaseCatalog, type TicketCatalog } from './ticket-catalog.js';
import { TICKETS_COLLECTION, type TicketDoc } from './ticket.projection.js';
import { isDuplicateKey } from '../lib/sequence.js';

/**
 * Chain-head anchors. A ticket's hash chain shows an edited or removed commit in the middle, but not the removal
 * of its newest ones; so every minute (the worker's `audit-anchor` job), and whenever an admin asks
 * (`POST /api/audit/anchors`), the heads of every ticket changed since the last anchor are recorded. Verification
 * (`GET /api/tickets/:id/audit/verify`) compares a ticket's chain with its last anchored head, so removing commits
 * is noticed once they have been anchored — within a minute of their commit.
 *
 * Anchors form a chain of their own: anchor n's digest is sha256 over anchor n-1's digest, its instant and the
 * sorted `ticketId:seq:hash` lines of the heads it records — all of which it carries. The whole chain can be
 * exported (`GET /api/audit/anchors`) and kept outside the database, where `verifyAnchorChain` (or any sha256 tool)
 * recomputes it; each digest also goes to the log. Anchor n is stored under `_id` n: two workers anchoring at
 * once cannot fork the chain — the second insert of the same number fails and that run records nothing.
 *
 * An anchor touches only what changed: the changed tickets come from the process's ticket catalog
 * (`anchorFromCatalog`) — the memory catalog holds every ticket of the embedded store, which reads a whole
 * collection for any filter but `_id` alone — their anchored heads are looked up by `_id` there, and the chain's
 * end is read once per process.
 */
/** The chain (numbered anchors; the daily, unnumbered ones of earlier versions stay in `audit_anchors`). */
export const ANCHORS_COLLECTION = 'audit_anchor_chain';
export const ANCHOR_HEADS_COLLECTION = 'audit_anchor_heads';

/** How often the worker anchors (Agenda interval); the detection window for removed newest commits. */
export const ANCHOR_INTERVAL = '1 minute';

/**
 * Tickets changed this long before the previous anchor are looked at again: a commit whose projection was written
 * just after the previous anchor read the tickets, with an `updatedAt` just before it, is not missed.
 */
const OVERLAP_MS = 5 * 60 * 1000;

export interface AnchorHead {
  ticketId: string;
  seq: number;
  hash: string;
}

export interface AnchorDoc {
  /** Position in the chain, from 1. */
  _id: number;
  at: Date;
  /** Tickets whose head this anchor recorded. */
  tickets: number;
  /** The heads it recorded, sorted by ticket id. */
  heads: AnchorHead[];
  /** sha256 (hex) over the previous digest, the instant and the heads (see `anchorDigest`). */
  digest: string;
  /** The previous anchor's digest (null for the first), so anchors form a chain of their own. */
  previousDigest: string | null;
  /** Who asked: `worker` (the minute job) or the admin's user id. */
  by: string;
}

export interface AnchorHeadDoc {
  _id: string;
  seq: number;
  hash: string;
  anchorId: number;
  at: Date;
}

/** The digest of an anchor, from what it carries — the same computation an outside copy can redo. */
export function anchorDigest(previousDigest: string | null, at: Date, heads: readonly AnchorHead[]): string {
  const hash = createHash('sha256');
  hash.update(`${previousDigest ?? '-'}\n${at.toISOString()}\n`);
  for (const head of heads) hash.update(`${head.ticketId}:${head.seq}:${head.hash}\n`);
  return hash.digest('hex');
}

export async function ensureAnchorIndexes(db: Connection): Promise<void> {
  await db.collection(ANCHORS_COLLECTION).createIndex({ at: -1 });
}

/** What the next anchor needs of the last one. */
type ChainEnd = Pick<AnchorDoc, '_id' | 'at' | 'digest'>;
const CHAIN_END = { projection: { _id: 1, at: 1, digest: 1 } } as const;

/**
 * The last anchor each connection recorded or found. The chain's `_id`s are numbers, which the embedded store looks
 * up only by reading the whole chain (as it sorts it), so the end is read once per connection and then kept: an
 * anchor another process recorded meanwhile shows as a duplicate position, and the end is read again.
 */
const chainEnds = new WeakMap<Connection, ChainEnd>();

/** Where each connection's anchors read the changed tickets from (`anchorFromCatalog`). */
const catalogs = new WeakMap<Connection, TicketCatalog>();

/**
 * Anchors of `db` read the tickets changed since the last one from `catalog`, this process's ticket catalog (with
 * the memory catalog, from the tickets it holds; with none, by a query on the tickets).
 */
export function anchorFromCatalog(db: Connection, catalog: TicketCatalog): void {
  catalogs.set(db, catalog);
}

/** The chain's last anchor: the one this connection knows, else read from the chain. */
async function lastAnchor(db: Connection): Promise<ChainEnd | null> {
  const known = chainEnds.get(db);
  if (known) return known;
  const last = await db
    .collection<AnchorDoc>(ANCHORS_COLLECTION)
    .find<ChainEnd>({}, CHAIN_END)
    .sort({ _id: -1 })
    .limit(1)
    .next();
  if (last) chainEnds.set(db, last);
  return last;
}

/** The seq each of `ids` was last anchored at: by `_id` one at a time where the store reads nothing else well. */
async function anchoredSeqs(
  db: Connection,
  ids: readonly string[],
  byId: boolean,
): Promise<Map<string, number>> {
  const heads = db.collection<AnchorHeadDoc>(ANCHOR_HEADS_COLLECTION);
  const recorded = new Map<string, number>();
  if (byId) {
    for (let i = 0; i < ids.length; i += 8)
      await Promise.all(
        ids.slice(i, i + 8).map(async (id) => {
          const head = await heads.findOne({ _id: id }, { projection: { seq: 1 } });
          if (head) recorded.set(id, head.seq);
        }),
      );
    return recorded;
  }
  for (let i = 0; i < ids.length; i += 500)
    for (const head of await heads
      .find({ _id: { $in: ids.slice(i, i + 500) } }, { projection: { seq: 1 } })
      .toArray())
      recorded.set(head._id, head.seq);
  return recorded;
}

/**
 * Record an anchor of every ticket whose head moved since the last anchor. Returns it, or null when no head moved
 * (nothing to anchor) or another process recorded the same position first. The changed tickets come from
 * `catalog` (by default the one `anchorFromCatalog` gave for `db`; without one, a query on the tickets).
 */
export async function recordAnchor(
  db: Connection,
  at: Date,
  log?: FastifyBaseLogger,
  by = 'worker',
  catalog: TicketCatalog | undefined = catalogs.get(db),
): Promise<AnchorDoc | null> {
  const source = catalog ?? databaseCatalog(() => db.collection<TicketDoc>(TICKETS_COLLECTION));
  const headsCollection = db.collection<AnchorHeadDoc>(ANCHOR_HEADS_COLLECTION);
  let anchor: AnchorDoc | undefined;
  // Twice at most: a position taken while this connection knew an older end is tried again from the real end.
  for (let attempt = 0; !anchor; attempt++) {
    const known = chainEnds.has(db);
    const previous = await lastAnchor(db);
    const since = previous ? previous.at.getTime() - OVERLAP_MS : 0;
    const changed = await source.changedSince(since);
    const recorded = await anchoredSeqs(
      db,
      changed.map((ticket) => ticket._id),
      source.kind === 'memory',
    );
    const heads: AnchorHead[] = [];
    for (const ticket of changed) {
      if (typeof ticket.headHash !== 'string') continue;
      const anchoredSeq = recorded.get(ticket._id) ?? 0;
      if (ticket.version > anchoredSeq)
        heads.push({ ticketId: ticket._id, seq: ticket.version, hash: ticket.headHash });
      // A head behind its anchored one lost commits: never anchor the shorter chain over the longer one.
      else if (ticket.version < anchoredSeq)
        log?.warn(
          { ticket: ticket._id, seq: ticket.version, anchoredSeq },
          'ticket head is behind its anchor',
        );
    }
    if (heads.length === 0) return null;

    const next: AnchorDoc = {
      _id: (previous?._id ?? 0) + 1,
      at,
      tickets: heads.length,
      heads,
      digest: anchorDigest(previous?.digest ?? null, at, heads),
      previousDigest: previous?.digest ?? null,
      by,
    };
    try {
      await db.collection<AnchorDoc>(ANCHORS_COLLECTION).insertOne(next);
      anchor = next;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      chainEnds.delete(db);
      // Another worker recorded this position first, from the same end: its anchor covers the same heads.
      if (!known || attempt > 0) return null;
    }
  }
  chainEnds.set(db, { _id: anchor._id, at, digest: anchor.digest });
  // The last anchored head of each ticket, which verification compares with (idempotent: replaying only
  // writes the same heads again).
  await bulkWriteInChunks(
    headsCollection,
    anchor.heads.map((head) => ({
      replaceOne: {
        filter: { _id: head.ticketId },
        replacement: { seq: head.seq, hash: head.hash, anchorId: anchor._id, at },
        upsert: true,
      },
    })),
  );
  log?.info(
    {
      anchor: anchor._id,
      tickets: anchor.tickets,
      digest: anchor.digest,
      previousDigest: anchor.previousDigest,
    },
    'audit anchor recorded',
  );
  return anchor;
}

export async function anchoredHead(
  db: Connection,
  ticketId: string,
): Promise<{ seq: number; hash: string; at: Date } | null> {
  const head = await db.collection<AnchorHeadDoc>(ANCHOR_HEADS_COLLECTION).findOne({ _id: ticketId });
  return head ? { seq: head.seq, hash: head.hash, at: head.at } : null;
}

/** A page of the anchor chain, oldest first, after position `after`. */
export async function anchorPage(
  db: Connection,
  after: number,
  limit: number,
): Promise<{ items: AnchorDoc[]; total: number }> {
  const anchors = db.collection<AnchorDoc>(ANCHORS_COLLECTION);
  const [items, total] = await Promise.all([
    anchors
      .find({ _id: { $gt: after } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray(),
    anchors.countDocuments({}),
  ]);
  return { items, total };
}

export type AnchorChainCheck =
  { valid: true; anchors: number } | { valid: false; anchors: number; brokenAt: number };

/**
 * Recompute an exported chain (oldest first, from any position): each digest from its content, each link to the
 * digest before it. Works on a copy kept outside the database as on the stored one.
 */
export function verifyAnchorChain(
  anchors: readonly {
    _id?: number;
    id?: number;
    at: Date | string;
    heads: readonly AnchorHead[];
    digest: string;
    previousDigest: string | null;
  }[],
): AnchorChainCheck {
  let before: string | null | undefined;
  for (const [index, anchor] of anchors.entries()) {
    const position = anchor._id ?? anchor.id ?? index + 1;
    const linked = before === undefined || anchor.previousDigest === before;
    if (!linked || anchorDigest(anchor.previousDigest, new Date(anchor.at), anchor.heads) !== anchor.digest)
      return { valid: false, anchors: anchors.length, brokenAt: position };
    before = anchor.digest;
  }
  return { valid: true, anchors: anchors.length };
}
