import { HttpProblem } from './problem.js';
import { ensureQueryIndexes } from './query-indexes.js';
import { writeGateOf } from './write-gate.js';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';

interface SequenceDoc {
  _id: string;
  scope: string;
  n: number;
  /** The last number of the insert this document came with (its batch); the next claimer looks there first. */
  end?: number;
  at: Date;
}

/** A hint of how far a scope has got (`_id` `<scope>#head`), written every HINT_EVERY numbers; never trusted alone. */
interface HeadHintDoc {
  _id: string;
  head: string;
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

/** A claim that could not get a number within its attempts (the store is overloaded): 503, to be retried. */
export function sequenceBusy(scope: string, attempts: number): HttpProblem {
  return new HttpProblem(503, 'Service Unavailable', {
    code: 'sequence-busy',
    detail: `Could not claim a number in ${scope} after ${attempts} attempts`,
    text: {
      'zh-CN': '系统繁忙，暂时无法分配编号，请稍后重试。',
      en: 'The system is busy and could not assign a number; please try again shortly.',
    },
    extra: { retryAfter: 1 },
  });
}

interface WaitingClaim {
  at: Date;
  /** Inserts this claim was part of and lost (another process took the number first). */
  lost: number;
  resolve(claimed: number): void;
  reject(error: unknown): void;
}

/** Claims of one scope in this process: those waiting for the next insert, and how many the current one carries. */
interface ScopeQueue {
  waiting: WaitingClaim[];
  inFlight: number;
  /** Numbers of this scope run 1, 2, 3… with none raised into it (see `ClaimOptions.fromOne`). */
  fromOne: boolean;
}

export interface ClaimOptions {
  /**
   * The scope's numbers run 1, 2, 3… and nothing is ever raised into it (`raiseTo`): a process new to it, finding no
   * head hint, looks forward from 0 by `_id` instead of sorting the collection (which FerretDB answers by reading
   * every document). Counters created in great numbers (an alert episode's occurrences) want it.
   */
  fromOne?: boolean;
}

/** The last number this process claimed per scope, and the claims it has queued per scope. */
const lastClaimed = new Map<string, number>();
const queues = new Map<string, ScopeQueue>();
/** Most claims one insert carries; a burst larger than this takes several inserts, one after the other. */
const MAX_BATCH = 500;
/** Inserts a claim may lose before it is given up (answered 503, to be retried by its client). */
export const MAX_LOST_INSERTS = 60;
/** How often (in numbers) the head hint of a scope is brought forward. */
const HINT_EVERY = 500;
/**
 * Least time between two inserts of one claimer in one scope while none of its claims has lost (sustained load):
 * the window in which a claimer that just lost gets its turn. Claims arriving meanwhile join the next insert.
 */
const YIELD_MS = 10;
/** Longest random pause of a claimer whose claims keep losing (several claimers meeting at the same number). */
const MAX_BACKOFF_MS = 20;
/** When each claimer's last insert finished (performance.now()). */
const lastInsertEnd = new Map<string, number>();
/**
 * Per claimer, the number around which it last saw another claimer in its scope: an insert of its own that lost,
 * numbers it did not take, or another claimer's mark (`<scope>#contended`, written by a claimer that lost). Within
 * CONTENDED_SPAN numbers of that, the claimer yields after its own inserts; else nobody is waiting for the store's
 * lock behind it and it goes straight on. Counted in numbers, not time: clocks of processes differ.
 */
const contendedAt = new Map<string, number>();
const CONTENDED_SPAN = 1000;
/** The number of the last mark each claimer wrote; it writes a newer one only MARK_EVERY numbers later. */
const lastMark = new Map<string, number>();
const MARK_EVERY = 50;
/** When each claimer last read its scope's mark (performance.now()); it reads it at most every MARK_CHECK_MS. */
const markReadAt = new Map<string, number>();
const MARK_CHECK_MS = 25;

/** Each connection claims on its own (two connections of one process are two claimers, as two processes are). */
const claimers = new WeakMap<Connection, number>();
let claimerCount = 0;
function queueKeyOf(db: Connection, scope: string): string {
  let claimer = claimers.get(db);
  if (claimer === undefined) {
    claimer = ++claimerCount;
    claimers.set(db, claimer);
  }
  return `${claimer}/${db.name}/${scope}`;
}
/**
 * Scopes a process keeps what it knows of (its last number, when it inserted, contention) beyond this many, it
 * forgets those without claims under way (counters are made in great numbers, one per alert episode): a claim in a
 * forgotten scope finds its place again by lookups.
 */
const MAX_KNOWN_SCOPES = 20_000;
function forgetIdleScopes(): void {
  for (const known of [lastClaimed, lastInsertEnd, contendedAt, lastMark, markReadAt])
    for (const key of known.keys()) if (!queues.has(key)) known.delete(key);
}

const idOf = (scope: string, n: number) => `${scope}#${n}`;
const hintIdOf = (scope: string) => `${scope}#head`;
const markIdOf = (scope: string) => `${scope}#contended`;

function noteContended(queueKey: string, n: number): void {
  contendedAt.set(queueKey, Math.max(contendedAt.get(queueKey) ?? 0, n));
}
/** Whether the claimer is due to read its scope's mark again (and notes that it does). */
function markDue(queueKey: string): boolean {
  const now = performance.now();
  if (now - (markReadAt.get(queueKey) ?? -Infinity) < MARK_CHECK_MS) return false;
  markReadAt.set(queueKey, now);
  return true;
}
const isContended = (queueKey: string, newest: number) =>
  (contendedAt.get(queueKey) ?? -Infinity) > newest - CONTENDED_SPAN;

/**
 * Claim the next number of a scope (ticket numbers per rendered number format, round-robin turns per team) so that no
 * number is ever handed out twice and none is skipped, on MongoDB and on FerretDB alike, by one process or several.
 *
 * Each number is a document whose `_id` is the scope and the number: of two concurrent inserts of the same number
 * exactly one succeeds (the commit point; FerretDB has no atomic conditional update). Claims from one process queue
 * per scope; the claims that queued up while one insert was on its way go together in the next ordered
 * `insertMany` (one round trip for a burst, in the order they were made).
 *
 * Several processes stay fair and cheap:
 * - Before each insert a process looks up (by `_id`, the only lookup FerretDB answers from an index) whether the
 *   number after its own last one is still free, so a process that keeps winning does the same work per insert as
 *   one that just lost — neither is ahead by more than one lookup.
 * - A process that lost learns the newest number from the documents themselves: each carries the last number of
 *   its insert (`end`), so one or two lookups jump past a whole batch of the other process; beyond that it gallops
 *   (lookups at +1, +2, +4…, then halves the interval) — never a scan or sort of the collection.
 * - A process whose insert would follow its own previous one within YIELD_MS (sustained load) waits out the rest
 *   of it plus a random bit, unless its claims have lost before — but only while another claimer is about: one of
 *   its inserts lost, it found numbers it did not take, or it read another's mark (a claimer that lost marks the
 *   scope, `<scope>#contended`), within the last CONTENDED_SPAN numbers. Then the process that just lost (its insert
 *   perhaps still waiting for the store's lock) gets the next number; without the pause the process that is ahead
 *   wins every race — FerretDB's SQLite lets a writer that keeps coming back take its lock again and again. With
 *   nobody else about (one process, a burst) there is no pause: the claims that queued up meanwhile go in the next
 *   insert at once. Waiting claims go in one larger insert when a process wins, so shares even out. A claim that keeps
 *   losing waits random pauses growing with its losses; a claim gives up after MAX_LOST_INSERTS losses (`sequenceBusy`, 503).
 * - The write gate (server/lib/write-gate.ts) is held for the insert only: lookups and pauses leave this process's
 *   other writes free to go.
 * Numbers are dense unless a claimer dies between claiming and using (a gap, never a repeat).
 */
export function claimNext(
  db: Connection,
  scope: string,
  at = new Date(),
  options: ClaimOptions = {},
): Promise<number> {
  const queueKey = queueKeyOf(db, scope);
  let queue = queues.get(queueKey);
  const start = queue === undefined;
  if (!queue) {
    if (lastClaimed.size > MAX_KNOWN_SCOPES) forgetIdleScopes();
    queue = { waiting: [], inFlight: 0, fromOne: false };
    queues.set(queueKey, queue);
  }
  if (options.fromOne) queue.fromOne = true;
  const claim = new Promise<number>((resolve, reject) =>
    queue.waiting.push({ at, lost: 0, resolve, reject }),
  );
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

/** The newest number stored in `scope` (0 when none), by sorting: reads every document on FerretDB. */
async function newestBySort(db: Connection, scope: string): Promise<number> {
  const sequences = db.collection<SequenceDoc>(SEQUENCES_COLLECTION);
  return (await sequences.find({ scope }).sort({ n: -1 }).limit(1).next())?.n ?? 0;
}

/**
 * The newest number of `scope` as far as anyone can tell without a scan: from `from` (a number known to be taken,
 * or 0) forward by `_id` lookups. Numbers are taken densely, so the taken ones are a prefix and a galloping search
 * finds its end.
 */
async function newestFrom(db: Connection, scope: string, from: number): Promise<number> {
  const sequences = db.collection<SequenceDoc>(SEQUENCES_COLLECTION);
  const get = (n: number) =>
    sequences.findOne({ _id: idOf(scope, n) }, { projection: { _id: 0, n: 1, end: 1 } });
  let low = from;
  // The number after `low` is free: the common case, one lookup. Else the document there says where its insert
  // ended — most often another process's whole batch is taken — and the search goes on from there.
  for (let jumps = 0; jumps < 8; jumps++) {
    const next = await get(low + 1);
    if (!next) return low;
    low += 1;
    if (next.end !== undefined && next.end > low && (await get(next.end))) low = next.end;
  }
  let step = 1;
  let high: number | undefined;
  while (high === undefined) {
    if (await get(low + step)) {
      low += step;
      step *= 2;
    } else high = low + step;
  }
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (await get(middle)) low = middle;
    else high = middle;
  }
  return low;
}

/**
 * Where this process starts in a scope it has not claimed in: the head hint, else 0 for a scope numbered from one,
 * else (older data) a sort, once.
 */
async function startOf(db: Connection, scope: string, fromOne = false): Promise<number> {
  const hint = await db
    .collection<HeadHintDoc>(SEQUENCES_COLLECTION)
    .findOne({ _id: hintIdOf(scope) }, { projection: { n: 1 } });
  return newestFrom(db, scope, hint ? hint.n : fromOne ? 0 : await newestBySort(db, scope));
}

/** The number at which another claimer last marked the scope as contended (see `claimNext`), if any. */
async function markOf(db: Connection, scope: string): Promise<number | undefined> {
  const mark = await db
    .collection<HeadHintDoc>(SEQUENCES_COLLECTION)
    .findOne({ _id: markIdOf(scope) }, { projection: { n: 1 } });
  return mark?.n;
}

/**
 * Make sure `scope` hands out only numbers past the newest one of `fromScope` (a counter `scope` takes over, such
 * as a type's own ticket numbers before types sharing a number format shared one counter): stores that number in
 * `scope` when `scope` is behind it. Run before this process's first claim in `scope` for each counter it takes
 * over; harmless to run again.
 */
export async function raiseTo(db: Connection, scope: string, fromScope: string): Promise<void> {
  const floor = await newestBySort(db, fromScope);
  if (floor === 0) return;
  const queueKey = queueKeyOf(db, scope);
  const known = lastClaimed.get(queueKey);
  if (known !== undefined && known >= floor) return;
  if ((await startOf(db, scope)) < floor) {
    try {
      await writeGateOf(db).run(() =>
        db
          .collection<SequenceDoc>(SEQUENCES_COLLECTION)
          .insertOne({ _id: idOf(scope, floor), scope, n: floor, at: new Date() }),
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
  // A process that has not claimed here yet finds the newest number with its first claim.
  const now = lastClaimed.get(queueKey);
  if (now !== undefined) lastClaimed.set(queueKey, Math.max(now, floor));
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function drain(db: Connection, scope: string, queueKey: string, queue: ScopeQueue): Promise<void> {
  const sequences = db.collection<SequenceDoc>(SEQUENCES_COLLECTION);
  const gate = writeGateOf(db);
  try {
    while (queue.waiting.length > 0) {
      try {
        const last = lastClaimed.get(queueKey);
        const losses = queue.waiting[0]?.lost ?? 0;
        const sinceLastOf = () => performance.now() - (lastInsertEnd.get(queueKey) ?? -Infinity);
        // The next free number, as far as this process can see: outside the gate, by `_id` lookups only. With it,
        // when this claimer may have to yield (close after its own insert) and saw nobody else lately, whether
        // another claimer marked the scope.
        const readMark =
          losses === 0 && sinceLastOf() < YIELD_MS && !isContended(queueKey, last ?? 0) && markDue(queueKey);
        const [newest, mark] = await Promise.all([
          last === undefined ? startOf(db, scope, queue.fromOne) : newestFrom(db, scope, last),
          readMark ? markOf(db, scope) : undefined,
        ]);
        // Numbers this claimer did not take: another one is claiming here.
        if (last !== undefined && newest > last) noteContended(queueKey, newest);
        if (mark !== undefined) noteContended(queueKey, mark);
        lastClaimed.set(queueKey, Math.max(last ?? 0, newest));
        const candidate = newest + 1;
        const sinceLast = sinceLastOf();
        if (losses === 0 && sinceLast < YIELD_MS && isContended(queueKey, newest)) {
          // Another claimer is about: this one waits out the rest of YIELD_MS and a random bit more, so that a
          // claimer that lost to it (whose insert may still be waiting for the store's lock, then looks up the
          // newest number) gets the next number. The claims arriving meanwhile join this insert. Then the
          // lookup again, as the other may have taken the number.
          await pause(YIELD_MS - sinceLast + (Math.random() * YIELD_MS) / 2);
          if ((await newestFrom(db, scope, newest)) !== newest) continue;
        } else if (losses >= 4) {
          // Lost again and again (several claimers meeting at the same number): a random pause growing with it.
          await pause(Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** (losses - 3)));
        }
        // The batch is taken once the gate lets it through, so claims made meanwhile go in the same insert.
        await gate.run(() => insertBatch(sequences, scope, queueKey, queue, candidate));
        lastInsertEnd.set(queueKey, performance.now());
      } catch (error) {
        for (const claim of queue.waiting.splice(0)) claim.reject(error);
      }
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

/**
 * Insert the waiting claims (up to MAX_BATCH) as `candidate`, `candidate + 1`…, in order; resolves those stored and
 * puts the others back at the head of the queue. Returns how many were not stored (0: all claimed).
 */
async function insertBatch(
  sequences: Collection<SequenceDoc>,
  scope: string,
  queueKey: string,
  queue: ScopeQueue,
  candidate: number,
): Promise<number> {
  const batch = queue.waiting.splice(0, MAX_BATCH);
  if (batch.length === 0) return 0;
  queue.inFlight = batch.length;
  const end = candidate + batch.length - 1;
  const docs: SequenceDoc[] = batch.map((claim, index) => ({
    _id: idOf(scope, candidate + index),
    scope,
    n: candidate + index,
    ...(batch.length > 1 ? { end } : {}),
    at: claim.at,
  }));
  let stored = docs.length;
  try {
    if (docs.length === 1) await sequences.insertOne(docs[0]!);
    else await sequences.insertMany(docs, { ordered: true });
  } catch (error) {
    const index = firstDuplicateIndex(error, docs.length === 1);
    if (index === undefined) {
      queue.inFlight = 0;
      queue.waiting.unshift(...batch);
      throw error;
    }
    // Ordered: everything before the duplicate was stored, nothing after it.
    stored = index;
  }
  // Counted as claimed before anyone hears of it, so `peekNext` stays right in between.
  if (stored > 0) lastClaimed.set(queueKey, candidate + stored - 1);
  queue.inFlight = 0;
  for (let index = 0; index < stored; index++) batch[index]!.resolve(candidate + index);
  const rest = batch.slice(stored);
  for (const claim of rest) claim.lost += 1;
  const givenUp = rest.filter((claim) => claim.lost >= MAX_LOST_INSERTS);
  for (const claim of givenUp) claim.reject(sequenceBusy(scope, claim.lost));
  queue.waiting.unshift(...rest.filter((claim) => claim.lost < MAX_LOST_INSERTS));
  if (
    stored > 0 &&
    Math.floor((candidate + stored - 1) / HINT_EVERY) > Math.floor((candidate - 1) / HINT_EVERY)
  )
    // A hint only: a failed write leaves it older, which costs the next starting process a few more lookups.
    await raiseNote(sequences, hintIdOf(scope), { head: scope }, candidate + stored - 1).catch(
      () => undefined,
    );
  if (rest.length > 0) {
    // Lost to another claimer: yield to it from now on, and mark the scope so that it yields too (it may not
    // know of this one, whose inserts never got in). At most one mark per MARK_EVERY numbers.
    const lostAt = candidate + stored;
    noteContended(queueKey, lostAt);
    if (lostAt - (lastMark.get(queueKey) ?? -Infinity) >= MARK_EVERY) {
      lastMark.set(queueKey, lostAt);
      await raiseNote(sequences, markIdOf(scope), { mark: scope }, lostAt).catch(() => undefined);
    }
  }
  return rest.length;
}

/**
 * Bring a note of a scope (its head hint, its contention mark) forward to `n` (`$max`: a late writer never moves it
 * back; lost updates only make it older). Notes carry no `scope` field: only numbers have one.
 */
async function raiseNote(
  sequences: Collection<SequenceDoc>,
  id: string,
  label: Record<string, string>,
  n: number,
): Promise<void> {
  const note = { _id: id } as never;
  try {
    await sequences.updateOne(note, { $max: { n }, $set: { ...label, at: new Date() } }, { upsert: true });
  } catch (error) {
    // Upserts are not atomic on FerretDB: another process inserted the note first.
    if (!isDuplicateKey(error)) throw error;
    await sequences.updateOne(note, { $max: { n }, $set: { at: new Date() } });
  }
}

export { isDuplicateKey };
