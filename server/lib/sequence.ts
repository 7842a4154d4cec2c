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

/**
 * Claim the next number of a scope (ticket numbers per type and year, round-robin turns per team) so that no
 * number is ever handed out twice, on MongoDB and on FerretDB alike: the claim is one insert whose `_id` is the
 * scope and the number, so of two concurrent claims of the same number exactly one succeeds and the other tries
 * the next one. Numbers are dense unless a claimer dies between claiming and using (a gap, never a repeat).
 */
export async function claimNext(db: Connection, scope: string, at = new Date()): Promise<number> {
  const sequences = db.collection<SequenceDoc>(SEQUENCES_COLLECTION);
  const last = await sequences.find({ scope }).sort({ n: -1 }).limit(1).next();
  let candidate = (last?.n ?? 0) + 1;
  for (let attempt = 0; attempt < 1000; attempt++) {
    try {
      await sequences.insertOne({ _id: `${scope}#${candidate}`, scope, n: candidate, at });
      return candidate;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Someone took it: jump to the newest claimed number rather than walking one by one.
      const newest = await sequences.find({ scope }).sort({ n: -1 }).limit(1).next();
      candidate = Math.max(candidate, newest?.n ?? 0) + 1;
    }
  }
  throw new Error(`Could not claim a number in ${scope} after 1000 attempts`);
}

export { isDuplicateKey };
