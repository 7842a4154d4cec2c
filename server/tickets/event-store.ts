import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import { GroupInsert } from '../lib/group-insert.js';
import { writeGateOf } from '../lib/write-gate.js';
import { ensureQueryIndexes } from '../lib/query-indexes.js';
import { isDuplicateKey } from '../lib/sequence.js';

/**
 * The audit trail and source of truth of every ticket: one commit per accepted command, keyed by
 * (ticket, sequence). The insert of commit N+1 is the commit point of a change — a unique key, so two writers
 * that both read version N cannot both succeed, on MongoDB and on FerretDB alike. Nothing updates or deletes
 * a commit. Each commit's hash covers the previous commit's hash, so an edited or removed commit breaks the chain.
 *
 * The payload (the runtime's events and effects, the command, the actor) is stored as the exact JSON string that
 * was hashed: verification needs no canonical re-serialisation, and arbitrary form data (which may hold shapes
 * FerretDB cannot store as documents) passes through unchanged.
 */
export const EVENTS_COLLECTION = 'ticket_events';
export const GENESIS_HASH = '0'.repeat(64);

export interface CommitDoc {
  _id: string;
  ticketId: string;
  seq: number;
  at: Date;
  actorId: string;
  command: string;
  payload: string;
  prevHash: string;
  hash: string;
}

export interface Commit<P = CommitPayload> {
  ticketId: string;
  seq: number;
  at: Date;
  actorId: string;
  command: string;
  payload: P;
  prevHash: string;
  hash: string;
}

/** What one commit holds; the runtime's shapes are kept as they are. */
export interface CommitPayload {
  actor: { id: string; kind: string; name?: string };
  command: Record<string, unknown>;
  events: unknown[];
  effects: unknown[];
  /** Present on a ticket's first commit when it was opened with an Idempotency-Key. */
  request?: { idempotencyKey: string; bodyHash: string };
  [extra: string]: unknown;
}

export class ConcurrentChangeError extends Error {
  override name = 'ConcurrentChangeError';
  constructor(
    readonly ticketId: string,
    readonly seq: number,
  ) {
    super(`Ticket ${ticketId} already has a change number ${seq}`);
  }
}

export function commitHash(
  prevHash: string,
  ticketId: string,
  seq: number,
  at: Date,
  payload: string,
): string {
  return createHash('sha256')
    .update(`${prevHash}\n${ticketId}\n${seq}\n${at.toISOString()}\n${payload}`)
    .digest('hex');
}

export function commitId(ticketId: string, seq: number): string {
  return `${ticketId}:${String(seq).padStart(8, '0')}`;
}

function toCommit<P>(doc: CommitDoc): Commit<P> {
  return {
    ticketId: doc.ticketId,
    seq: doc.seq,
    at: doc.at,
    actorId: doc.actorId,
    command: doc.command,
    payload: JSON.parse(doc.payload) as P,
    prevHash: doc.prevHash,
    hash: doc.hash,
  };
}

export interface VerifyResult {
  valid: boolean;
  events: number;
  head: string;
  /** First sequence number where the chain breaks, and why. */
  brokenAt?: number;
  reason?: 'hash-mismatch' | 'link-mismatch' | 'gap' | 'behind-anchor';
}

export class EventStore {
  /** Commits of concurrent commands go to the database together (each insert is still its own commit point). */
  private readonly appends: GroupInsert<CommitDoc>;

  constructor(private readonly db: Connection) {
    this.appends = new GroupInsert(
      () => this.events,
      () => writeGateOf(db),
    );
  }

  private get events() {
    return this.db.collection<CommitDoc>(EVENTS_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    // `_id` is `ticket:seq`, so its uniqueness is the commit point; this index serves ordered reads on MongoDB.
    await ensureQueryIndexes(this.db, EVENTS_COLLECTION, [
      { key: { ticketId: 1, seq: 1 }, options: { unique: true } },
      { at: 1 },
    ]);
  }

  /** Append commit `seq` after `prevHash`. Throws ConcurrentChangeError when that number is taken. */
  async append<P extends CommitPayload>(input: {
    ticketId: string;
    seq: number;
    prevHash: string;
    at: Date;
    actorId: string;
    command: string;
    payload: P;
  }): Promise<Commit<P>> {
    const payload = JSON.stringify(input.payload);
    const hash = commitHash(input.prevHash, input.ticketId, input.seq, input.at, payload);
    const doc: CommitDoc = {
      _id: commitId(input.ticketId, input.seq),
      ticketId: input.ticketId,
      seq: input.seq,
      at: input.at,
      actorId: input.actorId,
      command: input.command,
      payload,
      prevHash: input.prevHash,
      hash,
    };
    try {
      await this.appends.insert(doc);
    } catch (error) {
      if (isDuplicateKey(error)) throw new ConcurrentChangeError(input.ticketId, input.seq);
      throw error;
    }
    return { ...input, hash };
  }

  /**
   * Every commit after `afterSeq`, in order. Commits are dense (commit n + 1 is only written after commit n), so
   * they are looked up by `_id` — a few at a time, in parallel — until one is missing: the one query the embedded
   * FerretDB answers without reading every commit of every ticket (on MongoDB either way is an index lookup).
   */
  async load<P = CommitPayload>(ticketId: string, afterSeq = 0): Promise<Commit<P>[]> {
    const commits: Commit<P>[] = [];
    for (let from = afterSeq + 1, size = 4; ; from += size, size = Math.min(size * 2, 32)) {
      const batch = await Promise.all(
        Array.from({ length: size }, (_, index) =>
          this.events.findOne({ _id: commitId(ticketId, from + index) }),
        ),
      );
      for (const doc of batch) {
        if (!doc) return commits;
        commits.push(toCommit<P>(doc));
      }
    }
  }

  /**
   * The commits after `afterSeq`, looked up one by one by `_id` until one is missing (commits are dense). For
   * folding a projection forward, which lags by none or one commit: a lookup by `_id` is the one query the embedded
   * FerretDB answers without reading the whole collection.
   */
  async loadAfter<P = CommitPayload>(ticketId: string, afterSeq: number): Promise<Commit<P>[]> {
    const commits: Commit<P>[] = [];
    for (let seq = afterSeq + 1; ; seq++) {
      const commit = await this.get<P>(ticketId, seq);
      if (!commit) return commits;
      commits.push(commit);
    }
  }

  async get<P = CommitPayload>(ticketId: string, seq: number): Promise<Commit<P> | undefined> {
    const doc = await this.events.findOne({ _id: commitId(ticketId, seq) });
    return doc ? toCommit<P>(doc) : undefined;
  }

  async head(ticketId: string): Promise<{ seq: number; hash: string } | undefined> {
    const doc = await this.events.find({ ticketId }).sort({ seq: -1 }).limit(1).next();
    return doc ? { seq: doc.seq, hash: doc.hash } : undefined;
  }

  /**
   * Recompute the chain from the stored strings. With an anchored head (from the daily digest), a chain that
   * ends before the anchored sequence, or disagrees with it, is invalid too: removing the newest commits shows.
   */
  async verify(ticketId: string, anchored?: { seq: number; hash: string }): Promise<VerifyResult> {
    const docs = await this.events.find({ ticketId }).sort({ seq: 1 }).toArray();
    let prev = GENESIS_HASH;
    let expectedSeq = 1;
    for (const doc of docs) {
      if (doc.seq !== expectedSeq)
        return { valid: false, events: docs.length, head: prev, brokenAt: expectedSeq, reason: 'gap' };
      if (doc.prevHash !== prev)
        return { valid: false, events: docs.length, head: prev, brokenAt: doc.seq, reason: 'link-mismatch' };
      const recomputed = commitHash(doc.prevHash, doc.ticketId, doc.seq, doc.at, doc.payload);
      if (recomputed !== doc.hash)
        return { valid: false, events: docs.length, head: prev, brokenAt: doc.seq, reason: 'hash-mismatch' };
      prev = doc.hash;
      expectedSeq += 1;
    }
    if (anchored) {
      const atAnchor = docs.find((doc) => doc.seq === anchored.seq);
      if (!atAnchor || atAnchor.hash !== anchored.hash) {
        return {
          valid: false,
          events: docs.length,
          head: prev,
          brokenAt: anchored.seq,
          reason: 'behind-anchor',
        };
      }
    }
    return { valid: true, events: docs.length, head: prev };
  }
}
