import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUri } from '../../test/support/database.js';
import { claimNext, ensureSequenceIndexes, peekNext, raiseTo, SEQUENCES_COLLECTION } from './sequence.js';

let db: Connection;

beforeAll(async () => {
  db = await mongoose.createConnection(testDatabaseUri('lib_sequence'), { retryWrites: false }).asPromise();
  await db.dropDatabase();
  await ensureSequenceIndexes(db);
});
afterAll(async () => {
  await db.dropDatabase();
  await db.close();
});

const stored = async (scope: string) =>
  (await db.collection(SEQUENCES_COLLECTION).find({ scope }).toArray()).map((doc) => Number(doc.n));

describe('claimNext', () => {
  it('hands out 1, 2, 3… one at a time', async () => {
    expect(await claimNext(db, 'one-by-one')).toBe(1);
    expect(await claimNext(db, 'one-by-one')).toBe(2);
    expect(await claimNext(db, 'one-by-one')).toBe(3);
  });

  it('gives a burst of concurrent claims dense numbers in the order they were made', async () => {
    const claims = Array.from({ length: 60 }, () => claimNext(db, 'burst'));
    expect(await Promise.all(claims)).toEqual(Array.from({ length: 60 }, (_, index) => index + 1));
    expect((await stored('burst')).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, index) => index + 1),
    );
  });

  it('never repeats a number another process took, in the middle of a burst too', async () => {
    expect(await claimNext(db, 'shared')).toBe(1);
    // Another process claims 2, 3 and 5 (as its own inserts of the same documents).
    await db
      .collection(SEQUENCES_COLLECTION)
      .insertMany(
        [2, 3, 5].map((n) => ({ _id: `shared#${n}` as never, scope: 'shared', n, at: new Date() })),
      );
    const claims = await Promise.all(Array.from({ length: 4 }, () => claimNext(db, 'shared')));
    expect(new Set(claims).size).toBe(4);
    for (const claimed of claims) expect([2, 3, 5]).not.toContain(claimed);
    expect(claims).toEqual([...claims].sort((a, b) => a - b));
    const all = await stored('shared');
    expect(new Set(all).size).toBe(all.length);
  });

  it('starts after the newest stored number when this process has not claimed in the scope', async () => {
    await db
      .collection(SEQUENCES_COLLECTION)
      .insertOne({ _id: 'resumed#41' as never, scope: 'resumed', n: 41, at: new Date() });
    expect(await claimNext(db, 'resumed')).toBe(42);
  });
});

describe('raiseTo', () => {
  it('moves a counter past the newest number of the counter it takes over, and never back', async () => {
    await db
      .collection(SEQUENCES_COLLECTION)
      .insertMany([4, 5].map((n) => ({ _id: `old#${n}` as never, scope: 'old', n, at: new Date() })));
    await raiseTo(db, 'merged', 'old');
    await raiseTo(db, 'merged', 'old');
    await raiseTo(db, 'merged', 'never-used');
    expect(await claimNext(db, 'merged')).toBe(6);
    // Known already in this process and ahead: nothing changes.
    await raiseTo(db, 'merged', 'old');
    expect(await claimNext(db, 'merged')).toBe(7);
  });

  it('raises the next claim of this process too when it has claimed there before', async () => {
    expect(await claimNext(db, 'busy')).toBe(1);
    await db
      .collection(SEQUENCES_COLLECTION)
      .insertOne({ _id: 'busy-old#9' as never, scope: 'busy-old', n: 9, at: new Date() });
    await raiseTo(db, 'busy', 'busy-old');
    expect(await claimNext(db, 'busy')).toBe(10);
  });
});

describe('peekNext', () => {
  it('knows nothing before the first claim, then the number the next claim gets, counting queued claims', async () => {
    expect(peekNext(db, 'peek')).toBeUndefined();
    expect(await claimNext(db, 'peek')).toBe(1);
    expect(peekNext(db, 'peek')).toBe(2);
    const queued = [claimNext(db, 'peek'), claimNext(db, 'peek')];
    expect(peekNext(db, 'peek')).toBe(4);
    expect(await Promise.all(queued)).toEqual([2, 3]);
    expect(peekNext(db, 'peek')).toBe(4);
  });
});

describe('claims from several processes', () => {
  it('shares a sustained load fairly between two claimers, the later one too, numbers unique and dense', async () => {
    // A second connection claims on its own, as another process does.
    const other = await mongoose
      .createConnection(testDatabaseUri('lib_sequence'), { retryWrites: false })
      .asPromise();
    try {
      /**
       * Claims the first claimer makes alone before the second starts; claims of the second before counting starts
       * (it is in: it won an insert, twice); claims counted from then on.
       */
      const ALONE = 40;
      const SECOND_IN = 20;
      const TOGETHER = 400;
      const counts = [0, 0];
      /** Claims of each claimer once the second is in. */
      const together = [0, 0];
      let bothIn = false;
      let enough = false;
      const numbers: number[] = [];
      // Not a pause: a bound, so a claimer that never gets its share fails the test instead of hanging it.
      const deadline = Date.now() + 30_000;
      let aloneDone = () => {};
      const alone = new Promise<void>((resolve) => (aloneDone = resolve));
      // Each claimer keeps 10 claims on their way, like 10 clients opening tickets one after another. The second
      // starts once the first has claimed alone for a while (without pauses, seeing nobody else): the first learns
      // of the second only from the mark the second leaves when it loses, and must then leave it its turns.
      const client = async (connection: Connection, index: number) => {
        while (!enough && Date.now() < deadline) {
          numbers.push(await claimNext(connection, 'two-processes'));
          counts[index]! += 1;
          if (index === 0 && counts[0]! >= ALONE) aloneDone();
          if (index === 1 && counts[1]! >= SECOND_IN) bothIn = true;
          if (bothIn) {
            together[index]! += 1;
            if (together[0]! + together[1]! >= TOGETHER) enough = true;
          }
        }
      };
      const first = Promise.all(Array.from({ length: 10 }, () => client(db, 0)));
      await Promise.race([alone, first]);
      expect(counts[0]).toBeGreaterThanOrEqual(ALONE);
      const second = Promise.all(Array.from({ length: 10 }, () => client(other, 1)));
      await Promise.all([first, second]);
      expect(enough, `${JSON.stringify(together)} claims together by the deadline`).toBe(true);
      expect(together[1]! / (together[0]! + together[1]!)).toBeGreaterThanOrEqual(0.3);
      const total = counts[0]! + counts[1]!;
      expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect((await stored('two-processes')).length).toBe(total);
    } finally {
      await other.close();
    }
  });
});
