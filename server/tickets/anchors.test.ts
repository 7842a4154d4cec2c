import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUri } from '../../test/support/database.js';
import { ANCHOR_HEADS_COLLECTION, ensureAnchorIndexes, recordAnchor } from './anchors.js';
import { TICKETS_COLLECTION } from './ticket.projection.js';

let db: Connection;
const tickets = () =>
  db.collection<{ _id: string; version: number; headHash: string; updatedAt: Date }>(TICKETS_COLLECTION);

beforeAll(async () => {
  db = await mongoose
    .createConnection(testDatabaseUri('tickets_anchors'), { retryWrites: false })
    .asPromise();
  await db.dropDatabase();
  await ensureAnchorIndexes(db);
});

afterAll(async () => {
  await db.dropDatabase();
  await db.close();
});

describe('recordAnchor', () => {
  it('anchors hundreds of changed tickets, minute after minute, and the store keeps answering', async () => {
    // 250 tickets change before the first anchor; 250 again (plus 50 new) before the second. Writing the second
    // anchor's heads as one command of 300 replacements stalled the embedded FerretDB for good.
    const head = (id: number, version: number) => ({
      _id: `t${String(id).padStart(4, '0')}`,
      version,
      headHash: `h${id}-${version}`,
      updatedAt: new Date(Date.UTC(2026, 11, 6, 10, 0, 30)),
    });
    await tickets().insertMany(Array.from({ length: 250 }, (_, id) => head(id, 1)));
    const first = await recordAnchor(db, new Date(Date.UTC(2026, 11, 6, 10, 1)));
    expect(first?.tickets).toBe(250);

    for (let id = 0; id < 250; id++)
      await tickets().updateOne(
        { _id: head(id, 2)._id },
        { $set: { version: 2, headHash: `h${id}-2`, updatedAt: new Date(Date.UTC(2026, 11, 6, 10, 1, 30)) } },
      );
    await tickets().insertMany(
      Array.from({ length: 50 }, (_, n) => ({
        ...head(250 + n, 1),
        updatedAt: new Date(Date.UTC(2026, 11, 6, 10, 1, 30)),
      })),
    );
    const second = await recordAnchor(db, new Date(Date.UTC(2026, 11, 6, 10, 2)));
    expect(second?.tickets).toBe(300);
    expect(second?.previousDigest).toBe(first?.digest);

    const heads = db.collection<{ _id: string; seq: number; anchorId: number }>(ANCHOR_HEADS_COLLECTION);
    expect(await heads.countDocuments()).toBe(300);
    expect(await heads.countDocuments({ seq: 2, anchorId: second!._id })).toBe(250);
    expect(await heads.findOne({ _id: 't0299' })).toMatchObject({ seq: 1, anchorId: second!._id });
    // Nothing changed since: no third anchor.
    expect(await recordAnchor(db, new Date(Date.UTC(2026, 11, 6, 10, 3)))).toBeNull();
  });
});
