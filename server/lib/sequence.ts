import type { Connection } from 'mongoose';

interface SequenceDoc {
  _id: string;
  scope: string;
  n: number;
  at: Date;
}

export const SEQUENCES_COLLECTION = 'sequences';

export async function ensureSequenceIndexes(db: Connection): Promise<void> {
  await db.collection(SEQUENCES_COLLECTION).createIndex({ scope: 1, n: -1 });
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: number }).code === 11000;
}

/** The last number this process claimed per scope, and a queue per scope so its own claims never collide. */
const lastClaimed = new Map<string, number>();
const queues = new Map<string, Promise<unknown>>();

/**
 * Claim the next number of a scope (ticket numbers per type and year, round-robin turns per team) so that no
 * number is ever handed out twice, on MongoDB and on FerretDB alike: the claim is one insert whose `_id` is the
 * scope and the number, so of two concurrent claims of the same number exactly one succeeds and the other tries
 * the next one. Claims from one process queue behind each other and start from the number it claimed last, so
 * only claims from other processes ever collide. Numbers are dense unless a claimer dies between claiming and
 * using (a gap, never a repeat).
 */
export function claimNext(db: Connection, scope: string, at = new Date()): Promise<number> {
  const queueKey = `${db.name}/${scope}`;
  const previous = queues.get(queueKey) ?? Promise.resolve();
  const claim = previous.then(
    () => claimUnqueued(db, scope, queueKey, at),
    () => claimUnqueued(db, scope, queueKey, at),
  );
  queues.set(queueKey, claim);
  void claim
    .finally(() => {
      if (queues.get(queueKey) === claim) queues.delete(queueKey);
    })
    .catch(() => undefined);
  return claim;
}

async function claimUnqueued(db: Connection, scope: string, queueKey: string, at: Date): Promise<number> {
  const sequences = db.collection<SequenceDoc>(SEQUENCES_COLLECTION);
  const newest = async () => (await sequences.find({ scope }).sort({ n: -1 }).limit(1).next())?.n ?? 0;
  const known = lastClaimed.get(queueKey);
  let candidate = (known ?? (await newest())) + 1;
  for (let attempt = 0; attempt < 1000; attempt++) {
    try {
      await sequences.insertOne({ _id: `${scope}#${candidate}`, scope, n: candidate, at });
      lastClaimed.set(queueKey, candidate);
      return candidate;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Another process took it: jump past the newest claimed number rather than walking one by one.
      candidate = Math.max(candidate, await newest()) + 1;
    }
  }
  throw new Error(`Could not claim a number in ${scope} after 1000 attempts`);
}

export { isDuplicateKey };
