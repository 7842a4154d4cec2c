import { ensureQueryIndexes } from './query-indexes.js';
import { writeGateOf } from './write-gate.js';
import type { Connection } from 'mongoose';

interface SequenceDoc {
  _id: string;
  scope: string;
  n: number;
  at: Date;
}

export const SEQUENCES_COLLECTION = 'sequences';

export async function ensureSequenceIndexes(db: Connection): Promise<void> {
  await ensureQueryIndexes(db, SEQUENCES_COLLECTION, [{ scope: 1, n: -1 }]);
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: number }).code === 11000;
}

interface WaitingClaim {
  at: Date;
  resolve(claimed: number): void;
  reject(error: unknown): void;
}

/** Claims of one scope in this process: those waiting for the next insert, and how many the current one carries. */
interface ScopeQueue {
  waiting: WaitingClaim[];
  inFlight: number;
}

/** The last number this process claimed per scope, and the claims it has queued per scope. */
const lastClaimed = new Map<string, number>();
const queues = new Map<string, ScopeQueue>();
/** Most claims one insert carries; a burst larger than this takes several inserts, one after the other. */
const MAX_BATCH = 100;

const queueKeyOf = (db: Connection, scope: string) => `${db.name}/${scope}`;

/**
 * Claim the next number of a scope (ticket numbers per rendered number format, round-robin turns per team) so that no
 * number is ever handed out twice, on MongoDB and on FerretDB alike: each number is a document whose `_id` is the
 * scope and the number, so of two concurrent claims of the same number exactly one insert succeeds and the other
 * tries the next one. Claims from one process queue per scope and start from the number it claimed last, so only
 * claims from other processes ever collide; the claims that queued up while one insert was on its way go together
 * in the next ordered `insertMany` (one round trip for a burst, in the order they were made). Numbers are dense
 * unless a claimer dies between claiming and using (a gap, never a repeat).
 */
export function claimNext(db: Connection, scope: string, at = new Date()): Promise<number> {
  const queueKey = queueKeyOf(db, scope);
  let queue = queues.get(queueKey);
  const start = queue === undefined;
  if (!queue) {
    queue = { waiting: [], inFlight: 0 };
    queues.set(queueKey, queue);
  }
  const claim = new Promise<number>((resolve, reject) => queue.waiting.push({ at, resolve, reject }));
  if (start) void drain(db, scope, queueKey, queue);
  return claim;
}

/**
 * The number a claim made now would get if no other process claims in between: what this process claimed last,
 * plus the claims it has queued. Undefined before its first claim of the scope. A guess, for work that can be
 * redone when the real claim differs (see the ticket service's round-robin turns).
 */
export function peekNext(db: Connection, scope: string): number | undefined {
  const queueKey = queueKeyOf(db, scope);
  const last = lastClaimed.get(queueKey);
  if (last === undefined) return undefined;
  const queue = queues.get(queueKey);
  return last + (queue ? queue.waiting.length + queue.inFlight : 0) + 1;
}

/** The newest number stored in `scope` (0 when none). */
async function newestOf(db: Connection, scope: string): Promise<number> {
  const sequences = db.collection<SequenceDoc>(SEQUENCES_COLLECTION);
  return (await sequences.find({ scope }).sort({ n: -1 }).limit(1).next())?.n ?? 0;
}

/**
 * Make sure `scope` hands out only numbers past the newest one of `fromScope` (a counter `scope` takes over, such
 * as a type's own ticket numbers before types sharing a number format shared one counter): stores that number in
 * `scope` when `scope` is behind it. Run before this process's first claim in `scope` for each counter it takes
 * over; harmless to run again.
 */
export async function raiseTo(db: Connection, scope: string, fromScope: string): Promise<void> {
  const floor = await newestOf(db, fromScope);
  if (floor === 0) return;
  const queueKey = queueKeyOf(db, scope);
  const known = lastClaimed.get(queueKey);
  if (known !== undefined && known >= floor) return;
  if ((await newestOf(db, scope)) < floor) {
    try {
      await writeGateOf(db).run(() =>
        db
          .collection<SequenceDoc>(SEQUENCES_COLLECTION)
          .insertOne({ _id: `${scope}#${floor}`, scope, n: floor, at: new Date() }),
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
  // A process that has not claimed here yet reads the newest number with its first claim.
  const now = lastClaimed.get(queueKey);
  if (now !== undefined) lastClaimed.set(queueKey, Math.max(now, floor));
}

async function drain(db: Connection, scope: string, queueKey: string, queue: ScopeQueue): Promise<void> {
  try {
    const gate = writeGateOf(db);
    while (queue.waiting.length > 0) {
      // The batch is taken once the gate lets it through, so claims made meanwhile go in the same insert.
      await gate.run(async () => {
        const batch = queue.waiting.splice(0, MAX_BATCH);
        queue.inFlight = batch.length;
        try {
          await claimBatch(db, scope, queueKey, queue, batch);
        } catch (error) {
          for (const claim of batch) claim.reject(error);
        } finally {
          queue.inFlight = 0;
        }
      });
    }
  } finally {
    // No await between the last check of `waiting` and here: a claim made from now on starts a new queue.
    queues.delete(queueKey);
  }
}

/** Index of the first document an ordered insert did not store because of a duplicate key, if that is why. */
function firstDuplicateIndex(error: unknown, single: boolean): number | undefined {
  if (single) return isDuplicateKey(error) ? 0 : undefined;
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const first = (Array.isArray(writeErrors) ? writeErrors[0] : writeErrors) as
    { index?: number; code?: number } | undefined;
  return first?.code === 11000 && typeof first.index === 'number' ? first.index : undefined;
}

/** Claim consecutive numbers for `batch`, in order; resolves each claim, or throws for those it could not claim. */
async function claimBatch(
  db: Connection,
  scope: string,
  queueKey: string,
  queue: ScopeQueue,
  batch: WaitingClaim[],
): Promise<void> {
  const sequences = db.collection<SequenceDoc>(SEQUENCES_COLLECTION);
  const newest = () => newestOf(db, scope);
  const known = lastClaimed.get(queueKey);
  let candidate = (known ?? (await newest())) + 1;
  let pending = batch;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const docs = pending.map((claim, index) => ({
      _id: `${scope}#${candidate + index}`,
      scope,
      n: candidate + index,
      at: claim.at,
    }));
    let stored = docs.length;
    try {
      if (docs.length === 1) await sequences.insertOne(docs[0]!);
      else await sequences.insertMany(docs, { ordered: true });
    } catch (error) {
      const index = firstDuplicateIndex(error, docs.length === 1);
      if (index === undefined) throw error;
      // Ordered: everything before the duplicate was stored, nothing after it.
      stored = index;
    }
    // Counted as claimed before anyone hears of it, so `peekNext` stays right in between.
    if (stored > 0) lastClaimed.set(queueKey, candidate + stored - 1);
    queue.inFlight -= stored;
    for (let index = 0; index < stored; index++) pending[index]!.resolve(candidate + index);
    pending = pending.slice(stored);
    if (pending.length === 0) return;
    // Another process took `candidate + stored`: jump past the newest claimed number rather than walking one by one.
    candidate = Math.max(candidate + stored + 1, (await newest()) + 1);
  }
  throw new Error(`Could not claim a number in ${scope} after 1000 attempts`);
}

export { isDuplicateKey };
