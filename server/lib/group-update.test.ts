import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUri } from '../../test/support/database.js';
import { MAX_UPDATE_STATEMENTS } from './bulk-write.js';
import { GroupUpdate } from './group-update.js';
import { isDuplicateKey } from './sequence.js';
import { WriteGate } from './write-gate.js';

interface Row {
  _id: string;
  key: string;
  n?: number;
}

let db: Connection;
const rows = () => db.collection<Row>('rows');
/** Statements of every `update` command sent on `rows`, command by command. */
const updateCommands: number[] = [];

beforeAll(async () => {
  db = await mongoose
    .createConnection(testDatabaseUri('lib_group_update'), { retryWrites: false, monitorCommands: true })
    .asPromise();
  db.getClient().on('commandStarted', (event) => {
    if (event.commandName === 'update' && event.command.update === 'rows')
      updateCommands.push((event.command.updates as unknown[]).length);
  });
  await db.dropDatabase();
  await rows().createIndex({ key: 1 }, { unique: true });
});
afterAll(async () => {
  await db.dropDatabase();
  await db.close();
});

describe('GroupUpdate', () => {
  it('applies every update of a burst in fewer commands than updates, none over the statement limit', async () => {
    await rows().insertMany(
      Array.from({ length: 130 }, (_, i) => ({ _id: `burst-${i}`, key: `burst-${i}` })),
    );
    updateCommands.length = 0;
    // One write at a time, as on the embedded store: the updates made meanwhile wait and go together.
    const gate = new WriteGate(1);
    const group = new GroupUpdate<Row>(
      () => rows(),
      () => gate,
    );
    await Promise.all(Array.from({ length: 130 }, (_, i) => group.set(`burst-${i}`, { n: i })));
    const stored = await rows()
      .find({ key: /^burst-/ })
      .toArray();
    expect(stored).toHaveLength(130);
    for (const row of stored) expect(row.n).toBe(Number(row._id.slice('burst-'.length)));
    expect(updateCommands.reduce((sum, n) => sum + n, 0)).toBe(130);
    expect(updateCommands.length).toBeLessThan(10);
    expect(Math.max(...updateCommands)).toBeLessThanOrEqual(MAX_UPDATE_STATEMENTS);
  });

  it('fails only the callers whose statements the store refused', async () => {
    await rows().insertMany(['u1', 'u2', 'u3', 'u4'].map((id) => ({ _id: id, key: id })));
    const gate = new WriteGate(1);
    const group = new GroupUpdate<Row>(
      () => rows(),
      () => gate,
    );
    // The first goes alone; the other four wait for it and go in one command, where one meets a taken key.
    updateCommands.length = 0;
    const outcomes = await Promise.allSettled([
      group.set('u1', { n: 1 }),
      group.set('u2', { n: 2 }),
      group.set('u3', { key: 'u4' }),
      group.set('u4', { n: 4 }),
      group.set('missing', { n: 5 }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    // MongoDB names the statement (a duplicate key, 11000); FerretDB fails the command and each is sent again.
    const refused = outcomes[2] as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(Error);
    if ((refused.reason as { code?: number }).code !== 1) expect(isDuplicateKey(refused.reason)).toBe(true);
    const stored = await rows()
      .find({ _id: { $in: ['u1', 'u2', 'u3', 'u4', 'missing'] } })
      .sort({ _id: 1 })
      .toArray();
    // Four in one command: the group did gather them.
    expect(updateCommands.slice(0, 2)).toEqual([1, 4]);
    // Without `upsert` a missing document stays missing, as with updateOne.
    expect(stored.map((row) => [row._id, row.key, row.n ?? null])).toEqual([
      ['u1', 'u1', 1],
      ['u2', 'u2', 2],
      ['u3', 'u3', null],
      ['u4', 'u4', 4],
    ]);
  });

  it('applies two updates of one document in the order they were made, and upserts when asked', async () => {
    await rows().insertOne({ _id: 'twice', key: 'twice' });
    updateCommands.length = 0;
    const gate = new WriteGate(1);
    const group = new GroupUpdate<Row>(
      () => rows(),
      () => gate,
    );
    await Promise.all([
      group.set('twice', { n: 0 }),
      group.set('twice', { n: 1 }),
      group.set('other', { key: 'other', n: 7 }, { upsert: true }),
      group.set('twice', { n: 2 }),
    ]);
    expect((await rows().findOne({ _id: 'twice' }))?.n).toBe(2);
    expect(await rows().findOne({ _id: 'other' })).toEqual({ _id: 'other', key: 'other', n: 7 });
    // Never the same document twice in one command.
    expect(updateCommands.reduce((sum, n) => sum + n, 0)).toBe(4);
    expect(updateCommands.length).toBeGreaterThanOrEqual(3);
  });
});
