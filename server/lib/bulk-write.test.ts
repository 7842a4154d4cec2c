import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUri } from '../../test/support/database.js';
import { MAX_UPDATE_STATEMENTS, bulkWriteInChunks } from './bulk-write.js';

interface Head {
  _id: string;
  seq: number;
}

let db: Connection;
const heads = () => db.collection<Head>('heads');

beforeAll(async () => {
  db = await mongoose.createConnection(testDatabaseUri('lib_bulk_write'), { retryWrites: false }).asPromise();
  await db.dropDatabase();
});

afterAll(async () => {
  await db.dropDatabase();
  await db.close();
});

describe('bulkWriteInChunks', () => {
  it('applies hundreds of updates and upserts over existing and new documents (one command would stall FerretDB)', async () => {
    await heads().insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: `t${i}`, seq: 0 })));
    // 300 existing and 100 new documents, replaced by upsert; then 300 plain updates.
    await bulkWriteInChunks(
      heads(),
      Array.from({ length: 400 }, (_, i) => ({
        replaceOne: { filter: { _id: `t${i}` }, replacement: { seq: 1 }, upsert: true },
      })),
    );
    await bulkWriteInChunks(
      heads(),
      Array.from({ length: 300 }, (_, i) => ({
        updateOne: { filter: { _id: `t${i}` }, update: { $inc: { seq: 1 } } },
      })),
    );
    expect(await heads().countDocuments()).toBe(400);
    expect(await heads().countDocuments({ seq: 2 })).toBe(300);
    expect(await heads().countDocuments({ seq: 1 })).toBe(100);
    // The store still answers other commands afterwards.
    expect(await heads().findOne({ _id: 't399' })).toEqual({ _id: 't399', seq: 1 });
  });

  it('sends nothing for no operations and keeps each command within the limit', async () => {
    const sizes: number[] = [];
    const recording = {
      bulkWrite: (operations: unknown[]) => {
        sizes.push(operations.length);
        return Promise.resolve();
      },
    } as unknown as Parameters<typeof bulkWriteInChunks>[0];
    await bulkWriteInChunks(recording, []);
    expect(sizes).toEqual([]);
    await bulkWriteInChunks(
      recording,
      Array.from({ length: 2 * MAX_UPDATE_STATEMENTS + 1 }, () => ({ deleteOne: { filter: {} } })),
    );
    expect(sizes).toEqual([MAX_UPDATE_STATEMENTS, MAX_UPDATE_STATEMENTS, 1]);
  });
});
