import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUri } from '../../test/support/database.js';
import { GroupInsert } from './group-insert.js';
import { isDuplicateKey } from './sequence.js';

interface Row {
  _id: string;
  key: string;
}

let db: Connection;
const rows = () => db.collection<Row>('rows');

beforeAll(async () => {
  db = await mongoose
    .createConnection(testDatabaseUri('lib_group_insert'), { retryWrites: false })
    .asPromise();
  await db.dropDatabase();
  await rows().createIndex({ key: 1 }, { unique: true });
});
afterAll(async () => {
  await db.dropDatabase();
  await db.close();
});

describe('GroupInsert', () => {
  it('stores every document of a burst, in fewer writes than documents', async () => {
    const inserts: number[] = [];
    const group = new GroupInsert<Row>(() => {
      inserts.push(1);
      return rows();
    });
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        group.insert({ _id: `burst-${index}`, key: `burst-${index}` }),
      ),
    );
    expect(await rows().countDocuments({ key: /^burst-/ })).toBe(40);
    expect(inserts.length).toBeLessThan(40);
  });

  it('fails only the callers whose documents the store refused, with the code insertOne would give', async () => {
    await rows().insertOne({ _id: 'taken', key: 'taken-key' });
    const group = new GroupInsert<Row>(() => rows());
    const outcomes = await Promise.allSettled([
      group.insert({ _id: 'first', key: 'first' }),
      group.insert({ _id: 'a', key: 'a' }),
      group.insert({ _id: 'taken', key: 'other' }),
      group.insert({ _id: 'b', key: 'taken-key' }),
      group.insert({ _id: 'c', key: 'c' }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    for (const outcome of outcomes)
      if (outcome.status === 'rejected') expect(isDuplicateKey(outcome.reason)).toBe(true);
    expect(
      (
        await rows()
          .find({ _id: { $in: ['first', 'a', 'b', 'c'] } })
          .toArray()
      )
        .map((row) => row._id)
        .sort(),
    ).toEqual(['a', 'c', 'first']);
  });

  it('rejects a lone duplicate as insertOne does', async () => {
    const group = new GroupInsert<Row>(() => rows());
    await group.insert({ _id: 'lone', key: 'lone' });
    await expect(group.insert({ _id: 'lone', key: 'lone-2' })).rejects.toMatchObject({ code: 11000 });
  });
});
