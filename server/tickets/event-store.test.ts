import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUri } from '../../test/support/database.js';
import {
  ConcurrentChangeError,
  EVENTS_COLLECTION,
  EventStore,
  GENESIS_HASH,
  commitId,
} from './event-store.js';

let db: Connection;
let store: EventStore;
const start = Date.parse('2026-10-08T02:00:00Z');

beforeAll(async () => {
  db = await mongoose.createConnection(testDatabaseUri('event_store'), { retryWrites: false }).asPromise();
  await db.dropDatabase();
  store = new EventStore(db);
  await store.ensureIndexes();
});
afterAll(async () => {
  await db.dropDatabase();
  await db.close();
});

/** Append `count` chained commits to `ticketId`, one after another as the service does. */
async function appendCommits(ticketId: string, count: number): Promise<void> {
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const commit = await store.append({
      ticketId,
      seq,
      prevHash,
      at: new Date(start + seq * 1000),
      actorId: 'tester',
      command: seq === 1 ? 'open' : 'comment',
      payload: {
        actor: { id: 'tester', kind: 'user' },
        command: { command: seq === 1 ? 'open' : 'comment', body: `change ${seq}` },
        events: [{ type: 'test', data: { seq } }],
        effects: [],
      },
    });
    prevHash = commit.hash;
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

// The batches are 4, 8, 16, 32, 32… lookups: 4, 12, 28, 60 and 92 commits end a batch exactly.
const counts = [1, 3, 4, 5, 11, 12, 13, 27, 28, 29, 59, 60, 61, 93];

describe('EventStore.load', () => {
  beforeAll(async () => {
    await Promise.all(counts.map((count) => appendCommits(`T-${count}`, count)));
    // Ids that begin like another ticket's do not mix with it.
    await appendCommits('T-1:', 2);
    await appendCommits('T-10', 7);
  });

  for (const count of counts) {
    it(`loads all ${count} commits of a ticket, in order and chained`, async () => {
      const commits = await store.load(`T-${count}`);
      expect(commits.map((commit) => commit.seq)).toEqual(range(1, count));
      expect(commits.every((commit) => commit.ticketId === `T-${count}`)).toBe(true);
      expect(commits.map((commit) => commit.payload.command.body)).toEqual(
        range(1, count).map((seq) => `change ${seq}`),
      );
      expect(commits[0]!.prevHash).toBe(GENESIS_HASH);
      for (let index = 1; index < commits.length; index++)
        expect(commits[index]!.prevHash).toBe(commits[index - 1]!.hash);
      expect(commits.at(-1)!.at).toEqual(new Date(start + count * 1000));
      expect((await store.verify(`T-${count}`)).valid).toBe(true);
    });
  }

  it('answers only the commits after afterSeq', async () => {
    for (const afterSeq of [0, 1, 3, 4, 5, 12, 27, 30, 59, 60, 61, 100]) {
      const commits = await store.load('T-60', afterSeq);
      expect(
        commits.map((commit) => commit.seq),
        `after ${afterSeq}`,
      ).toEqual(range(afterSeq + 1, 60));
    }
    const loadAfter = await store.loadAfter('T-13', 5);
    expect(await store.load('T-13', 5)).toEqual(loadAfter);
  });

  it('answers [] for a ticket with no commits', async () => {
    expect(await store.load('T-none')).toEqual([]);
    expect(await store.load('T-none', 7)).toEqual([]);
  });

  it('keeps tickets whose ids begin alike apart', async () => {
    expect((await store.load('T-1')).map((commit) => commit.ticketId)).toEqual(['T-1']);
    expect((await store.load('T-1:')).map((commit) => commit.seq)).toEqual([1, 2]);
    expect((await store.load('T-10')).map((commit) => commit.seq)).toEqual(range(1, 7));
  });

  it('sees a commit appended after an earlier load', async () => {
    await appendCommits('T-growing', 4);
    expect(await store.load('T-growing')).toHaveLength(4);
    const head = (await store.head('T-growing'))!;
    await store.append({
      ticketId: 'T-growing',
      seq: 5,
      prevHash: head.hash,
      at: new Date(start + 5000),
      actorId: 'tester',
      command: 'comment',
      payload: { actor: { id: 'tester', kind: 'user' }, command: {}, events: [], effects: [] },
    });
    expect((await store.load('T-growing')).map((commit) => commit.seq)).toEqual(range(1, 5));
    await expect(
      store.append({
        ticketId: 'T-growing',
        seq: 5,
        prevHash: head.hash,
        at: new Date(start + 6000),
        actorId: 'other',
        command: 'comment',
        payload: { actor: { id: 'other', kind: 'user' }, command: {}, events: [], effects: [] },
      }),
    ).rejects.toBeInstanceOf(ConcurrentChangeError);
  });

  it('stops at the first missing commit (commits are dense; verify reports such a gap)', async () => {
    await appendCommits('T-gap', 9);
    await db.collection(EVENTS_COLLECTION).deleteOne({ _id: commitId('T-gap', 6) as never });
    expect((await store.load('T-gap')).map((commit) => commit.seq)).toEqual(range(1, 5));
    expect((await store.load('T-gap', 6)).map((commit) => commit.seq)).toEqual([7, 8, 9]);
    expect(await store.verify('T-gap')).toMatchObject({ valid: false, reason: 'gap', brokenAt: 6 });
  });
});
