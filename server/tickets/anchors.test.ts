import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUri } from '../../test/support/database.js';
import { buildTestApp } from '../../test/support/server-app.js';
import {
  ANCHOR_HEADS_COLLECTION,
  ANCHORS_COLLECTION,
  anchorFromCatalog,
  ensureAnchorIndexes,
  recordAnchor,
  verifyAnchorChain,
  type AnchorDoc,
} from './anchors.js';
import { databaseCatalog, memoryCatalog, type CatalogEntry } from './ticket-catalog.js';
import { TICKETS_COLLECTION, type TicketDoc } from './ticket.projection.js';

interface Head {
  _id: string;
  version: number;
  headHash: string;
  updatedAt: Date;
}

let db: Connection;
/** The same changes again, anchored from each kind of catalog (a database each). */
let fromDatabase: Connection;
let fromMemory: Connection;
const tickets = (on = db) => on.collection<Head>(TICKETS_COLLECTION);
const connect = (name: string) =>
  mongoose.createConnection(testDatabaseUri(name), { retryWrites: false }).asPromise();

beforeAll(async () => {
  [db, fromDatabase, fromMemory] = await Promise.all([
    connect('tickets_anchors'),
    connect('tickets_anchors_db'),
    connect('tickets_anchors_mem'),
  ]);
  for (const connection of [db, fromDatabase, fromMemory]) {
    await connection.dropDatabase();
    await ensureAnchorIndexes(connection);
  }
});

afterAll(async () => {
  for (const connection of [db, fromDatabase, fromMemory]) {
    await connection.dropDatabase();
    await connection.close();
  }
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

describe('anchors from the memory catalog', () => {
  const minute = (m: number, s = 0, ms = 0) => new Date(Date.UTC(2026, 11, 6, 11, m, s, ms));
  const head = (id: string, version: number, updatedAt: Date): Head => ({
    _id: id,
    version,
    headHash: `${id}-h${version}`,
    updatedAt,
  });

  it('anchors exactly the tickets the database would, a projection written after the last anchor read included', async () => {
    const byQuery = databaseCatalog(() => fromDatabase.collection<TicketDoc>(TICKETS_COLLECTION));
    const inMemory = memoryCatalog(() => fromMemory.collection<TicketDoc>(TICKETS_COLLECTION));
    anchorFromCatalog(fromMemory, inMemory);
    /** A projection written, as the service writes it: stored, then told to this process's catalog. */
    const write = async (...heads: Head[]) => {
      for (const connection of [fromDatabase, fromMemory])
        for (const doc of heads)
          await tickets(connection).replaceOne({ _id: doc._id }, doc, { upsert: true });
      for (const doc of heads) inMemory.note(doc as unknown as CatalogEntry);
    };
    const both = async (at: Date) => {
      const [queried, held] = [
        await recordAnchor(fromDatabase, at, undefined, 'worker', byQuery),
        // The catalog registered for the connection, as the worker's job finds it.
        await recordAnchor(fromMemory, at),
      ];
      expect(held).toEqual(queried);
      return held;
    };

    // a and b were there before the process started (the catalog reads them at first use); c it writes itself.
    for (const connection of [fromDatabase, fromMemory])
      await tickets(connection).insertMany([head('a', 1, minute(0, 20)), head('b', 1, minute(0, 30))]);
    await write(head('c', 1, minute(0, 40)));
    const first = await both(minute(1));
    expect(first?.heads.map((anchored) => `${anchored.ticketId}:${anchored.seq}`)).toEqual([
      'a:1',
      'b:1',
      'c:1',
    ]);

    // b's commit came just before the first anchor read the tickets, its projection just after: the overlap
    // takes it up next time. a is unchanged (not anchored again); d is new. Five minutes before the first
    // anchor is the edge of the overlap: e, exactly there, is taken up; f, a millisecond older, is not (nor by the
    // database: the overlap is the one window both read).
    await write(
      head('b', 2, minute(0, 59, 900)),
      head('d', 1, minute(1, 30)),
      head('e', 1, new Date(minute(1).getTime() - 5 * 60_000)),
      head('f', 1, new Date(minute(1).getTime() - 5 * 60_000 - 1)),
    );
    const second = await both(minute(2));
    expect(second?.heads.map((anchored) => `${anchored.ticketId}:${anchored.seq}`)).toEqual([
      'b:2',
      'd:1',
      'e:1',
    ]);
    expect(second?.previousDigest).toBe(first?.digest);

    // A head behind its anchor is never anchored over it; nothing else changed: no anchor from either.
    await tickets(fromDatabase).updateOne({ _id: 'c' }, { $set: { version: 0, updatedAt: minute(2, 30) } });
    expect(await both(minute(3))).toBeNull();

    const headsOf = async (connection: Connection) =>
      connection.collection(ANCHOR_HEADS_COLLECTION).find({}).sort({ _id: 1 }).toArray();
    expect(await headsOf(fromMemory)).toEqual(await headsOf(fromDatabase));
    inMemory.close();
  });

  it('chains onto anchors another process recorded meanwhile, and goes on from the end it knows when the chain was removed', async () => {
    const other = await connect('tickets_anchors');
    try {
      await tickets().insertOne(head('x1', 1, minute(10)));
      const mine = await recordAnchor(db, minute(11));
      await tickets().insertOne(head('x2', 1, minute(11, 30)));
      const theirs = await recordAnchor(other, minute(12));
      expect(theirs?._id).toBe(mine!._id + 1);
      await tickets().insertOne(head('x3', 1, minute(12, 30)));
      const next = await recordAnchor(db, minute(13));
      expect(next).toMatchObject({ _id: theirs!._id + 1, previousDigest: theirs!.digest });
      const chain = await db.collection<AnchorDoc>(ANCHORS_COLLECTION).find({}).sort({ _id: 1 }).toArray();
      expect(verifyAnchorChain(chain)).toEqual({ valid: true, anchors: chain.length });

      // The chain removed from the store: this process goes on from the end it knows, so a copy kept outside
      // shows what went missing, and the new part links to it.
      await db.collection(ANCHORS_COLLECTION).drop();
      await tickets().insertOne(head('x4', 1, minute(13, 30)));
      const after = await recordAnchor(db, minute(14));
      expect(after).toMatchObject({ _id: next!._id + 1, previousDigest: next!.digest });
      expect(verifyAnchorChain([...chain, after!])).toEqual({ valid: true, anchors: chain.length + 1 });
      // A process that knows no end reads it from the chain.
      const started = await connect('tickets_anchors');
      await tickets().insertOne(head('x5', 1, minute(14, 30)));
      expect(await recordAnchor(started, minute(15))).toMatchObject({
        _id: after!._id + 1,
        previousDigest: after!.digest,
      });
      await started.close();
    } finally {
      await other.close();
    }
  });

  it('the app anchors from its memory catalog when it holds one', async () => {
    const app = await buildTestApp('tickets_anchors_app', { ticketCatalog: 'memory' });
    try {
      await app.ready();
      await app.tickets.catalog.reload();
      // Written behind the process's back (as no projection of its own is): the catalog, hence the anchor, has
      // not seen it — where a query on the tickets would.
      await tickets(app.db).insertOne(head('behind', 1, minute(20)));
      expect(await recordAnchor(app.db, minute(21))).toBeNull();
      app.tickets.catalog.note(head('behind', 1, minute(20)) as unknown as CatalogEntry);
      expect((await recordAnchor(app.db, minute(21)))?.heads).toEqual([
        { ticketId: 'behind', seq: 1, hash: 'behind-h1' },
      ]);
    } finally {
      await app.close();
    }
  });
});
