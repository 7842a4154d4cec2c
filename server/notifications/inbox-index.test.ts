import fc from 'fast-check';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUri } from '../../test/support/database.js';
import { InAppInbox, NOTIFICATIONS_COLLECTION, type InAppNotification } from './in-app.js';
import type { InboxPageQuery } from './inbox-index.js';

const T0 = Date.parse('2026-11-02T01:00:00Z');
/** Small, so that a few notices already reach past what the memory inbox holds per person. */
const WINDOW = 3;

let memoryDb: Connection;
let databaseDb: Connection;
let recording: string[] | undefined;
const opened: InAppInbox[] = [];

function connect(name: string): Connection {
  return mongoose.createConnection(testDatabaseUri(name), {
    autoIndex: false,
    retryWrites: false,
    monitorCommands: true,
  });
}

beforeAll(async () => {
  memoryDb = connect('inbox_index_memory');
  databaseDb = connect('inbox_index_database');
  await Promise.all([memoryDb.asPromise(), databaseDb.asPromise()]);
  await Promise.all([memoryDb.dropDatabase(), databaseDb.dropDatabase()]);
  memoryDb.getClient().on('commandStarted', (event) => {
    if (!recording) return;
    const name = event.commandName;
    const command = event.command as Record<string, unknown>;
    const filter =
      command.filter ?? (command.updates as { q: unknown }[] | undefined)?.map((update) => update.q);
    recording.push(`${name} ${JSON.stringify(filter ?? null)}`);
  });
});
afterAll(async () => {
  for (const inbox of opened) inbox.index.close();
  await Promise.all([memoryDb.dropDatabase(), databaseDb.dropDatabase()]);
  await Promise.all([memoryDb.close(), databaseDb.close()]);
});

async function commandsOf(run: () => Promise<unknown>): Promise<string[]> {
  recording = [];
  try {
    await run();
    return recording;
  } finally {
    recording = undefined;
  }
}

/** Both kinds, each on an empty `notifications` collection of its own database. */
async function freshPair(
  window = WINDOW,
  documents = 1,
): Promise<{ memory: InAppInbox; database: InAppInbox }> {
  await Promise.all(
    [memoryDb, databaseDb].map((db) => db.collection(NOTIFICATIONS_COLLECTION).deleteMany({})),
  );
  const memory = new InAppInbox(memoryDb, 'memory', { window, documents });
  opened.push(memory);
  return { memory, database: new InAppInbox(databaseDb, 'database') };
}

function notice(userId: string, id: string, at: number): InAppNotification {
  return {
    _id: id,
    userId,
    ticketId: 't1',
    ticketNumber: 'INC-2026-000001',
    effectKey: id,
    template: 'mentioned',
    subject: id,
    body: `<p>${id}</p>`,
    text: id,
    link: null,
    createdAt: new Date(at),
    readAt: null,
  };
}

/** Every notice of a person, `limit` at a time, as the route pages them (one more than the page, for the cursor). */
async function walk(inbox: InAppInbox, userId: string, limit: number, unreadOnly: boolean) {
  const seen: { id: string; readAt: number | null }[] = [];
  let after: InboxPageQuery['after'];
  for (;;) {
    const found = await inbox.list(userId, {
      limit: limit + 1,
      ...(after ? { after } : {}),
      ...(unreadOnly ? { unreadOnly } : {}),
    });
    const page = found.slice(0, limit);
    seen.push(...page.map((item) => ({ id: item._id, readAt: item.readAt?.getTime() ?? null })));
    if (found.length <= limit) return seen;
    const last = page[page.length - 1]!;
    after = { createdAt: last.createdAt, id: last._id };
  }
}

type Step =
  | { kind: 'deliver'; user: number; at: number }
  | { kind: 'redeliver'; pick: number }
  | { kind: 'read'; user: number; pick: number }
  | { kind: 'read-all'; user: number }
  | { kind: 'walk'; user: number; limit: number; unreadOnly: boolean }
  | { kind: 'count'; user: number }
  | { kind: 'behind-back'; user: number; at: number; read: boolean };

const USERS = ['u-a', 'u-b'];
const user = fc.integer({ min: 0, max: USERS.length - 1 });
/** Few instants: many notices share one, and some arrive older than those already held. */
const at = fc.integer({ min: 0, max: 6 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), user, at }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), user, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('read-all' as const), user }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('walk' as const),
      user,
      limit: fc.integer({ min: 1, max: 4 }),
      unreadOnly: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('count' as const), user }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('behind-back' as const), user, at, read: fc.boolean() }),
  },
);

describe('memory inbox', () => {
  it('answers every list, count and mark exactly as the database queries do, within and past its window', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 16 }), async (steps) => {
        const { memory, database } = await freshPair();
        const both = async <T>(run: (inbox: InAppInbox) => Promise<T>): Promise<T> => {
          const [fromMemory, fromDatabase] = await Promise.all([run(memory), run(database)]);
          expect(fromMemory).toEqual(fromDatabase);
          return fromMemory;
        };
        const stored: InAppNotification[] = [];
        let now = T0 + 1000;
        for (const [index, next] of steps.entries()) {
          now += 1000;
          switch (next.kind) {
            case 'deliver': {
              const item = notice(USERS[next.user]!, `n${index}:${USERS[next.user]}`, T0 + next.at);
              expect(await both((inbox) => inbox.deliver({ ...item }))).toBe(true);
              stored.push(item);
              break;
            }
            case 'redeliver': {
              const again = stored[next.pick % Math.max(1, stored.length)];
              if (again) expect(await both((inbox) => inbox.deliver({ ...again }))).toBe(false);
              break;
            }
            case 'read': {
              const target = stored[next.pick % Math.max(1, stored.length)];
              const readAt = now;
              if (target) await both(async (inbox) => inbox.markRead(USERS[next.user]!, target._id, readAt));
              break;
            }
            case 'read-all': {
              const readAt = now;
              await both((inbox) => inbox.markAllRead(USERS[next.user]!, readAt));
              break;
            }
            case 'walk':
              await both((inbox) => walk(inbox, USERS[next.user]!, next.limit, next.unreadOnly));
              break;
            case 'count':
              await both((inbox) => inbox.unreadCount(USERS[next.user]!));
              break;
            case 'behind-back': {
              // Another writer, then the periodic re-read.
              const item = {
                ...notice(USERS[next.user]!, `x${index}:${USERS[next.user]}`, T0 + next.at),
                readAt: next.read ? new Date(now) : null,
              };
              await both(async (inbox) => {
                await inbox.notifications.insertOne({ ...item });
                await inbox.index.reload();
              });
              stored.push(item);
              break;
            }
          }
        }
        for (const name of USERS) {
          await both((inbox) => inbox.unreadCount(name));
          await both((inbox) => walk(inbox, name, 2, false));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('counts unread and pages within its window from memory, fetching by _id the notices it holds no whole', async () => {
    const { memory } = await freshPair(5, 2);
    for (let n = 0; n < 4; n++) await memory.deliver(notice('u-a', `c${n}`, T0 + n));
    await memory.index.reload();

    expect(await commandsOf(() => memory.unreadCount('u-a'))).toEqual([]);
    expect(await memory.unreadCount('u-a')).toBe(4);
    const listing = await commandsOf(() => memory.list('u-a', { limit: 3 }));
    expect(listing).toEqual(['find {"_id":"c1"}']);
    expect(await commandsOf(() => memory.list('u-a', { limit: 2 }))).toEqual([]);
    const after = { createdAt: new Date(T0 + 2), id: 'c2' };
    const rest = await commandsOf(() => memory.list('u-a', { limit: 3, unreadOnly: true, after }));
    expect(rest.sort()).toEqual(['find {"_id":"c0"}', 'find {"_id":"c1"}']);

    // Read-all names each unread notice by _id, in one command.
    const marking = await commandsOf(() => memory.markAllRead('u-a', T0 + 10));
    expect(marking).toEqual(['update [{"_id":"c3"},{"_id":"c2"},{"_id":"c1"},{"_id":"c0"}]']);
    expect(await memory.unreadCount('u-a')).toBe(0);
    // Someone with no notices costs nothing either.
    expect(await commandsOf(() => memory.list('u-nobody', { limit: 20 }))).toEqual([]);
  });

  it('asks the database for pages past its window, and marks all by the person when unread ones lie there', async () => {
    const { memory } = await freshPair(2);
    for (let n = 0; n < 5; n++) await memory.deliver(notice('u-a', `p${n}`, T0 + n));
    // The one full read (lazily, by the first question; at ready in the app).
    expect(await commandsOf(() => memory.index.reload())).toEqual(['find {}']);
    const firstPage = await commandsOf(() => memory.list('u-a', { limit: 2 }));
    expect(firstPage.every((command) => command.startsWith('find {"_id"'))).toBe(true);
    const past = await commandsOf(async () =>
      expect((await memory.list('u-a', { limit: 4 })).map((item) => item._id)).toEqual([
        'p4',
        'p3',
        'p2',
        'p1',
      ]),
    );
    expect(past).toEqual([expect.stringContaining('"userId":"u-a"')]);
    expect(await memory.unreadCount('u-a')).toBe(5);
    const marking = await commandsOf(async () => expect(await memory.markAllRead('u-a', T0 + 10)).toBe(5));
    expect(marking).toEqual([expect.stringContaining('"userId":"u-a"')]);
    expect(await memory.unreadCount('u-a')).toBe(0);
    expect(await memory.notifications.countDocuments({ readAt: null })).toBe(0);
  });

  it('loses no delivery or read mark made while it reads every notification again', async () => {
    const { memory } = await freshPair(1000, 25);
    for (let n = 0; n < 40; n++) await memory.deliver(notice(USERS[n % 2]!, `r${n}`, T0 + n));
    await memory.index.reload();
    const writes: Promise<unknown>[] = [memory.index.reload()];
    for (let n = 40; n < 60; n++) writes.push(memory.deliver(notice(USERS[n % 2]!, `r${n}`, T0 + n)));
    for (let n = 0; n < 10; n++) writes.push(memory.markRead(USERS[n % 2]!, `r${n}`, T0 + 100));
    writes.push(memory.index.reload());
    await Promise.all(writes);
    for (const name of USERS) {
      const truth = await memory.notifications.countDocuments({ userId: name, readAt: null });
      expect(truth).toBe(25);
      expect(await memory.unreadCount(name)).toBe(truth);
      expect((await walk(memory, name, 7, true)).length).toBe(truth);
    }
  });
});
