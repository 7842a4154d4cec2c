import { MongoClient, type Collection, type Db, type Filter } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { testDatabaseUri } from '../../test/support/database.js';
import { waitFor } from '../../test/support/server-app.js';
import { seededChoices } from '../../test/support/ticket-history.js';
import {
  databaseCatalog,
  memoryCatalog,
  type CatalogEntry,
  type CatalogSort,
  type TicketCatalog,
} from './ticket-catalog.js';
import { NO_DUE, OPEN_CATEGORIES, PRIORITY_RANK, type TicketDoc } from './ticket.projection.js';

type StoredDoc = TicketDoc & { nextTimerAt?: Date | null };

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const BASE = Date.parse('2026-10-08T02:00:00.000Z');

let client: MongoClient;
let db: Db;
let collections = 0;
const catalogs: TicketCatalog[] = [];

beforeAll(async () => {
  client = new MongoClient(testDatabaseUri('ticket_catalog'));
  await client.connect();
  db = client.db();
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  for (const catalog of catalogs) catalog.close();
  await db.dropDatabase();
  await client.close();
});

/** A collection of this test's own, holding `docs`. */
async function ticketsWith(docs: StoredDoc[]): Promise<Collection<TicketDoc>> {
  const collection = db.collection<TicketDoc>(`tickets_${++collections}`);
  if (docs.length) await collection.insertMany(docs.map((doc) => ({ ...doc })));
  return collection;
}

function memoryOf(collection: Collection<TicketDoc>, resyncMs = 0): TicketCatalog {
  const catalog = memoryCatalog(() => collection, { resyncMs });
  catalogs.push(catalog);
  return catalog;
}

/** A whole projection document with plausible defaults. */
function ticketDoc(id: string, fields: Partial<StoredDoc> = {}): StoredDoc {
  const createdAt = fields.createdAt ?? new Date(BASE);
  return {
    _id: id,
    number: `INC-2026-${id}`,
    typeKey: 'it.incident',
    typeVersion: 1,
    category: 'it',
    title: `Ticket ${id}`,
    searchText: `inc-2026-${id} ticket ${id}`,
    statusCategory: 'new',
    statusKey: 'submitted',
    priority: 'low',
    priorityRank: PRIORITY_RANK.low!,
    team: 'it-desk',
    assignee: null,
    requesterId: 'r1',
    watchers: [],
    assistants: [],
    awaitingApproval: [],
    awaitingStep: [],
    involved: [],
    channel: 'web',
    tags: [],
    atNodes: [],
    createdAt,
    updatedAt: createdAt,
    version: 1,
    headHash: `hash-${id}`,
    state: JSON.stringify({ id, data: { secret: 'runtime state' } }),
    firstResponseDueAt: null,
    resolutionDueAt: null,
    slaDueAt: NO_DUE,
    highlight: null,
    firstResponseBreached: 0,
    resolutionBreached: 0,
    slaPaused: false,
    createdDay: '2026-10-08',
    createdWeek: '2026-W41',
    createdMonth: '2026-10',
    resolvedDay: null,
    resolvedWeek: null,
    resolvedMonth: null,
    firstResponseMinutes: null,
    firstResponseBusinessMinutes: null,
    resolutionMinutes: null,
    resolutionBusinessMinutes: null,
    resolved: 0,
    breached: 0,
    slaMet: 0,
    reopenCount: 0,
    transferCount: 0,
    fcr: 0,
    rated: 0,
    satisfied: 0,
    neutral: 0,
    dissatisfied: 0,
    open: 1,
    nextTimerAt: null,
    ...fields,
  };
}

const withoutState = ({ state: _state, ...entry }: StoredDoc): CatalogEntry => entry;

const random = seededChoices;

const STATUS_KEYS: Record<string, string[]> = {
  new: ['submitted'],
  open: ['in-progress'],
  pending: ['awaiting-customer', 'awaiting-vendor'],
  resolved: ['awaiting-confirmation'],
  closed: ['closed'],
  cancelled: ['cancelled'],
};
const TITLES = [
  'Outlook 无法发送邮件',
  'VPN 连接失败 [urgent]',
  '打印机卡纸 (3楼)',
  'Database server DOWN',
  '交换机端口故障 a.b',
  '交换机端口故障 axb',
  'ERP 报表导出 100% 卡住',
  'C++ 编译服务器 Slow',
  '邮箱容量已满',
  '网络很慢 ^_^',
];
const AGENTS = ['a1', 'a2', 'a3', 'a4', 'a5'];
const REQUESTERS = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'];
const TEAMS = ['it-desk', 'it-ops', 'facilities', null];
const CHANNELS = ['web', 'portal', 'email', 'phone', 'alert', 'api'];
const TAGS = ['vip', 'hardware', '网络', '重复'];

/**
 * Projections as the service writes them, with ties on purpose: creation on whole hours, SLA due times from a
 * handful of instants, many tickets without a running clock (NO_DUE), nullable dates and people, arrays of
 * every length.
 */
function syntheticTickets(count: number, seed: number): StoredDoc[] {
  const { next, pick, some } = random(seed);
  const used = new Set<string>();
  const docs: StoredDoc[] = [];
  const dueInstants = Array.from({ length: 6 }, (_, i) => new Date(BASE + (i + 1) * 90 * MINUTE));
  while (docs.length < count) {
    const id = `t${Math.floor(next() * 36 ** 8)
      .toString(36)
      .padStart(8, '0')}`;
    if (used.has(id)) continue;
    used.add(id);
    const statusCategory = pick(Object.keys(STATUS_KEYS));
    const running = OPEN_CATEGORIES.has(statusCategory);
    const priority = pick(['urgent', 'high', 'medium', 'low']);
    const createdAt = new Date(BASE + Math.floor(next() * 48) * HOUR);
    const title = pick(TITLES);
    const number = `INC-2026-${String(docs.length + 1).padStart(6, '0')}`;
    const firstResponseDueAt = next() < 0.3 ? null : pick(dueInstants);
    const resolutionDueAt = next() < 0.2 ? null : new Date(createdAt.getTime() + 8 * HOUR);
    const timer = next();
    docs.push(
      ticketDoc(id, {
        number,
        typeKey: pick(['it.incident', 'it.incident', 'hr.onboarding', 'fac.repair']),
        title,
        searchText: `${number} ${title} ${pick(['', '详情见标题', 'see title'])}`.toLowerCase(),
        statusCategory,
        statusKey: pick(STATUS_KEYS[statusCategory]!),
        priority,
        priorityRank: PRIORITY_RANK[priority]!,
        team: pick(TEAMS),
        assignee: pick([...AGENTS, null, null]),
        requesterId: pick(REQUESTERS),
        watchers: some([...REQUESTERS, ...AGENTS], 3),
        assistants: some(AGENTS, 2),
        channel: pick(CHANNELS),
        tags: some(TAGS, 2),
        createdAt,
        updatedAt: new Date(createdAt.getTime() + Math.floor(next() * 6) * 10 * MINUTE),
        version: 1 + Math.floor(next() * 20),
        firstResponseDueAt,
        resolutionDueAt,
        slaDueAt: running && next() < 0.8 ? pick(dueInstants) : NO_DUE,
        highlight: pick([null, null, 'warning', 'breached'] as const),
        open: running ? 1 : 0,
        nextTimerAt: timer < 0.4 ? null : pick(dueInstants),
      }),
    );
  }
  return docs;
}

/** MongoDB's order for the values these documents hold: null first, then numbers, strings, dates by value. */
function mongoCompare(a: unknown, b: unknown): number {
  const rank = (value: unknown) =>
    value === null || value === undefined
      ? 0
      : typeof value === 'number'
        ? 1
        : typeof value === 'string'
          ? 2
          : 3;
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (a === null || a === undefined) return 0;
  const left = a instanceof Date ? a.getTime() : (a as number | string);
  const right = b instanceof Date ? b.getTime() : (b as number | string);
  return left < right ? -1 : left > right ? 1 : 0;
}

function expectedIds(
  docs: StoredDoc[],
  matches: (doc: StoredDoc) => boolean,
  sort: CatalogSort,
  limit: number,
) {
  return docs
    .filter(matches)
    .sort(
      (a, b) => sort.direction * (mongoCompare(a[sort.field], b[sort.field]) || mongoCompare(a._id, b._id)),
    )
    .slice(0, limit)
    .map((doc) => doc._id);
}

describe('memoryCatalog', () => {
  it('reads the projections already stored on first use, without the runtime state', async () => {
    const docs = syntheticTickets(40, 7);
    const memory = memoryOf(await ticketsWith(docs));
    expect(memory.kind).toBe('memory');
    const found = await memory.find({}, { field: 'createdAt', direction: 1 }, 1000);
    expect(found).toHaveLength(40);
    for (const entry of found) expect(entry).not.toHaveProperty('state');
    const byId = new Map(found.map((entry) => [entry._id, entry]));
    for (const doc of docs) expect(byId.get(doc._id)).toEqual(withoutState(doc));
  });

  it('does not see a projection written behind its back until it reads again', async () => {
    const collection = await ticketsWith([ticketDoc('t-old')]);
    const memory = memoryOf(collection);
    const all = { field: 'createdAt', direction: 1 } as const;
    expect((await memory.find({}, all, 10)).map((entry) => entry._id)).toEqual(['t-old']);
    await collection.insertOne(ticketDoc('t-behind', { createdAt: new Date(BASE + HOUR) }));
    await collection.updateOne({ _id: 't-old' }, { $set: { title: 'changed elsewhere', version: 2 } });
    expect((await memory.find({}, all, 10)).map((entry) => entry._id)).toEqual(['t-old']);
    await memory.reload();
    const found = await memory.find({}, all, 10);
    expect(found.map((entry) => entry._id)).toEqual(['t-old', 't-behind']);
    expect(found[0]).toMatchObject({ title: 'changed elsewhere', version: 2 });
  });

  it('keeps the newest version noted: an older note after a newer one changes nothing', async () => {
    const collection = await ticketsWith([ticketDoc('t1', { version: 3, title: 'stored v3' })]);
    const memory = memoryOf(collection);
    const byId = async (id: string) =>
      (await memory.find({ _id: id }, { field: 'createdAt', direction: 1 }, 10))[0];
    memory.note(ticketDoc('t1', { version: 5, title: 'noted v5', statusCategory: 'open' }));
    expect(await byId('t1')).toMatchObject({ version: 5, title: 'noted v5', statusCategory: 'open' });
    memory.note(ticketDoc('t1', { version: 4, title: 'late v4', statusCategory: 'pending' }));
    expect(await byId('t1')).toMatchObject({ version: 5, title: 'noted v5', statusCategory: 'open' });
    memory.note(withoutState(ticketDoc('t1', { version: 6, title: 'entry v6' })));
    expect(await byId('t1')).toMatchObject({ version: 6, title: 'entry v6' });
    // Reading the stored (older) projection again keeps the newer one noted.
    await memory.reload();
    expect(await byId('t1')).toMatchObject({ version: 6, title: 'entry v6' });
    memory.note(ticketDoc('t-new', { version: 1 }));
    const fresh = await byId('t-new');
    expect(fresh).toBeDefined();
    expect(fresh).not.toHaveProperty('state');
  });

  it('keeps a note made before the first read when it is newer than the stored projection', async () => {
    const collection = await ticketsWith([
      ticketDoc('t1', { version: 2, title: 'stored v2' }),
      ticketDoc('t2', { version: 9, title: 'stored v9' }),
    ]);
    const memory = memoryOf(collection);
    memory.note(ticketDoc('t1', { version: 3, title: 'noted v3' }));
    memory.note(ticketDoc('t2', { version: 8, title: 'noted v8' }));
    const found = await memory.find({}, { field: 'version', direction: 1 }, 10);
    expect(found.map((entry) => [entry._id, entry.title])).toEqual([
      ['t1', 'noted v3'],
      ['t2', 'stored v9'],
    ]);
  });

  it('tries the first read again after it failed', async () => {
    const collection = await ticketsWith([ticketDoc('t1')]);
    let failing = true;
    const memory = memoryCatalog(() => {
      if (failing) throw new Error('database not connected yet');
      return collection;
    });
    catalogs.push(memory);
    await expect(memory.find({}, { field: 'createdAt', direction: 1 }, 10)).rejects.toThrow('not connected');
    failing = false;
    expect(await memory.find({}, { field: 'createdAt', direction: 1 }, 10)).toHaveLength(1);
  });

  it('re-reads every ticket every resyncMs, reports a failed re-read, and stops when closed', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const collection = await ticketsWith([ticketDoc('t1')]);
    let failing = false;
    const errors: unknown[] = [];
    const memory = memoryCatalog(
      () => {
        if (failing) throw new Error('re-read failed');
        return collection;
      },
      { resyncMs: 15 * MINUTE, onError: (error) => errors.push(error) },
    );
    catalogs.push(memory);
    const all = { field: 'createdAt', direction: 1 } as const;
    expect(await memory.find({}, all, 10)).toHaveLength(1);
    await collection.insertOne(ticketDoc('t2', { createdAt: new Date(BASE + HOUR) }));
    vi.advanceTimersByTime(15 * MINUTE);
    await waitFor(async () => (await memory.find({}, all, 10)).length === 2, { what: 'the re-read' });
    failing = true;
    vi.advanceTimersByTime(15 * MINUTE);
    await waitFor(() => errors.length > 0, { what: 'the reported failure' });
    expect(String(errors[0])).toContain('re-read failed');
    memory.close();
    expect(vi.getTimerCount()).toBe(0);
  });
  it('warms up in the background, reports a failed warm-up, and reads on the next use', async () => {
    const collection = await ticketsWith([ticketDoc('t1'), ticketDoc('t2')]);
    let failing = true;
    const errors: unknown[] = [];
    const memory = memoryCatalog(
      () => {
        if (failing) throw new Error('store still starting');
        return collection;
      },
      { onError: (error) => errors.push(error) },
    );
    catalogs.push(memory);
    memory.warm();
    await waitFor(() => errors.length > 0, { what: 'the failed warm-up' });
    expect(String(errors[0])).toContain('store still starting');
    failing = false;
    const found = await memory.find({}, { field: 'createdAt', direction: 1 }, 10);
    expect(found.map((entry) => entry._id)).toEqual(['t1', 't2']);
    const warmed = memoryOf(collection);
    warmed.warm();
    expect(await warmed.find({}, { field: 'createdAt', direction: -1 }, 10)).toHaveLength(2);
    databaseCatalog(() => collection).warm();
  });

  it('sorts null before strings and dates, as MongoDB does, in both directions', async () => {
    const collection = await ticketsWith([
      ticketDoc('t1', { assignee: 'a2', team: 'it-ops', firstResponseDueAt: new Date(BASE) }),
      ticketDoc('t2', { assignee: null, team: null, firstResponseDueAt: null }),
      ticketDoc('t3', { assignee: 'a1', team: 'it-desk', firstResponseDueAt: new Date(BASE - HOUR) }),
      ticketDoc('t4', { assignee: null, team: 'it-desk', firstResponseDueAt: null }),
      ticketDoc('t5', { assignee: 'a1', team: null, firstResponseDueAt: new Date(BASE + HOUR) }),
    ]);
    const database = databaseCatalog(() => collection);
    const memory = memoryOf(collection);
    const expected: [CatalogSort, string[]][] = [
      [{ field: 'assignee', direction: 1 }, ['t2', 't4', 't3', 't5', 't1']],
      [{ field: 'assignee', direction: -1 }, ['t1', 't5', 't3', 't4', 't2']],
      [{ field: 'team', direction: 1 }, ['t2', 't5', 't3', 't4', 't1']],
      [{ field: 'firstResponseDueAt', direction: 1 }, ['t2', 't4', 't3', 't1', 't5']],
      [{ field: 'firstResponseDueAt', direction: -1 }, ['t5', 't1', 't3', 't4', 't2']],
    ];
    for (const [sort, ids] of expected) {
      const order = `${sort.field} ${sort.direction}`;
      expect(
        (await database.find({}, sort, 10)).map((entry) => entry._id),
        `database ${order}`,
      ).toEqual(ids);
      expect(
        (await memory.find({}, sort, 10)).map((entry) => entry._id),
        `memory ${order}`,
      ).toEqual(ids);
    }
  });
});

describe('dueTimers and openLoads, on both catalogs', () => {
  it('answers the tickets whose next timer is due, earliest first, ties by id, at most limit', async () => {
    const at = (minutes: number) => new Date(BASE + minutes * MINUTE);
    const docs = [
      ticketDoc('t-late', { nextTimerAt: at(50) }),
      ticketDoc('t-b', { nextTimerAt: at(10) }),
      ticketDoc('t-a', { nextTimerAt: at(10) }),
      ticketDoc('t-first', { nextTimerAt: at(-30) }),
      ticketDoc('t-now', { nextTimerAt: at(30) }),
      ticketDoc('t-none', { nextTimerAt: null }),
      ticketDoc('t-future', { nextTimerAt: at(31) }),
    ];
    const missing = ticketDoc('t-missing');
    delete missing.nextTimerAt;
    const collection = await ticketsWith([...docs, missing]);
    const now = BASE + 30 * MINUTE;
    for (const catalog of [databaseCatalog(() => collection), memoryOf(collection)]) {
      expect(await catalog.dueTimers(now, 100), catalog.kind).toEqual(['t-first', 't-a', 't-b', 't-now']);
      expect(await catalog.dueTimers(now, 2), catalog.kind).toEqual(['t-first', 't-a']);
      expect(await catalog.dueTimers(BASE - HOUR, 100), catalog.kind).toEqual([]);
    }
  });

  it('moves a ticket in or out of the due timers as soon as its projection is noted', async () => {
    const collection = await ticketsWith([ticketDoc('t1', { nextTimerAt: new Date(BASE) })]);
    const memory = memoryOf(collection);
    expect(await memory.dueTimers(BASE, 10)).toEqual(['t1']);
    memory.note(ticketDoc('t1', { version: 2, nextTimerAt: new Date(BASE + HOUR) }));
    expect(await memory.dueTimers(BASE, 10)).toEqual([]);
    memory.note(ticketDoc('t2', { version: 1, nextTimerAt: new Date(BASE - MINUTE) }));
    expect(await memory.dueTimers(BASE, 10)).toEqual(['t2']);
  });

  it('answers only the timers that fell due after `since`, on both catalogs', async () => {
    const at = (minutes: number) => new Date(BASE + minutes * MINUTE);
    const collection = await ticketsWith([
      ticketDoc('t-old', { nextTimerAt: at(-90) }),
      ticketDoc('t-edge', { nextTimerAt: at(-30) }),
      ticketDoc('t-after', { nextTimerAt: at(-29) }),
      ticketDoc('t-now', { nextTimerAt: at(0) }),
      ticketDoc('t-later', { nextTimerAt: at(1) }),
    ]);
    for (const catalog of [databaseCatalog(() => collection), memoryOf(collection)]) {
      expect(await catalog.dueTimers(BASE, 10, BASE - 30 * MINUTE), catalog.kind).toEqual([
        't-after',
        't-now',
      ]);
      expect(await catalog.dueTimers(BASE, 1, BASE - 30 * MINUTE - 1), catalog.kind).toEqual(['t-edge']);
      expect(await catalog.dueTimers(BASE, 10, BASE), catalog.kind).toEqual([]);
      expect(await catalog.dueTimers(BASE, 10), catalog.kind).toEqual([
        't-old',
        't-edge',
        't-after',
        't-now',
      ]);
    }
  });

  it('holds a ticket once, at its next timer, as its timers move on and end', async () => {
    // A ticket's several timers (warning, breach, a flow wait) come one after another in its projection.
    const at = (minutes: number) => new Date(BASE + minutes * MINUTE);
    const memory = memoryOf(await ticketsWith([ticketDoc('t1', { nextTimerAt: at(10) })]));
    const due = (minutes: number) => memory.dueTimers(BASE + minutes * MINUTE, 10);
    expect(await due(9)).toEqual([]);
    expect(await due(10)).toEqual(['t1']);
    memory.note(ticketDoc('t1', { version: 2, nextTimerAt: at(20) }));
    expect(await due(19)).toEqual([]);
    expect(await due(60)).toEqual(['t1']);
    // The same instant again (a re-read of the unchanged projection) keeps one place.
    memory.note(ticketDoc('t1', { version: 2, nextTimerAt: at(20), title: 'renamed' }));
    expect(await due(60)).toEqual(['t1']);
    memory.note(ticketDoc('t1', { version: 3, nextTimerAt: at(5) }));
    expect(await due(5)).toEqual(['t1']);
    memory.note(ticketDoc('t1', { version: 4, nextTimerAt: null }));
    expect(await due(10_000)).toEqual([]);
    memory.note(ticketDoc('t1', { version: 5, nextTimerAt: at(30) }));
    expect(await due(10_000)).toEqual(['t1']);
    const missing = ticketDoc('t1', { version: 6 });
    delete missing.nextTimerAt;
    memory.note(missing);
    expect(await due(10_000)).toEqual([]);
  });

  it('keeps its due order through thousands of notes, as a plain scan of the newest projections finds it', async () => {
    // A model: the newest version of every ticket, scanned and sorted in full for every question.
    const { next, pick } = random(912);
    const ids = Array.from({ length: 150 }, (_, i) => `t${String(i).padStart(3, '0')}`);
    const instants = [
      ...Array.from({ length: 8 }, (_, i) => new Date(BASE + i * 15 * MINUTE)),
      null,
      undefined,
    ];
    const timerOf = () => {
      const instant = pick(instants);
      // Ties on a few instants, and instants of their own.
      return instant === undefined
        ? undefined
        : next() < 0.3
          ? new Date(BASE + Math.floor(next() * 2 * HOUR))
          : instant;
    };
    const stored = ids.slice(0, 100).map((id) => ticketDoc(id, { nextTimerAt: timerOf() ?? null }));
    const model = new Map(stored.map((doc) => [doc._id, withoutState(doc)]));
    const memory = memoryOf(await ticketsWith(stored));
    const expected = (now: number, limit: number, since?: number) =>
      [...model.values()]
        .filter((entry) => entry.nextTimerAt instanceof Date)
        .filter((entry) => entry.nextTimerAt!.getTime() <= now)
        .filter((entry) => since === undefined || entry.nextTimerAt!.getTime() > since)
        .sort((a, b) => a.nextTimerAt!.getTime() - b.nextTimerAt!.getTime() || mongoCompare(a._id, b._id))
        .slice(0, limit)
        .map((entry) => entry._id);
    const check = async () => {
      for (const now of [BASE - 1, BASE, BASE + 30 * MINUTE, BASE + 100 * MINUTE, BASE + 3 * HOUR])
        for (const [limit, since] of [[500], [7], [500, BASE], [3, BASE + 15 * MINUTE]] as const)
          expect(await memory.dueTimers(now, limit, since), `${now - BASE} ${limit} ${since}`).toEqual(
            expected(now, limit, since),
          );
    };
    await check();
    for (let round = 0; round < 3000; round++) {
      const id = pick(ids);
      const current = model.get(id);
      // Mostly newer versions; now and then a stale one, which changes nothing.
      const version = current ? current.version + (next() < 0.15 ? -1 : 1) : 1;
      const doc = ticketDoc(id, { version, nextTimerAt: timerOf() ?? null });
      if (next() < 0.1) delete doc.nextTimerAt;
      memory.note(doc);
      if (!current || current.version <= version) model.set(id, withoutState(doc));
      if (round % 300 === 299) await check();
    }
    expect(model.size).toBe(ids.length);
  });

  it('agrees with its own count and the database on synthetic tickets', async () => {
    const docs = syntheticTickets(300, 42);
    const collection = await ticketsWith(docs);
    const database = databaseCatalog(() => collection);
    const memory = memoryOf(collection);
    for (const now of [BASE, BASE + 3 * HOUR, BASE + 9 * HOUR + 1]) {
      const expected = docs
        .filter((doc) => doc.nextTimerAt && doc.nextTimerAt.getTime() <= now)
        .sort((a, b) => a.nextTimerAt!.getTime() - b.nextTimerAt!.getTime() || mongoCompare(a._id, b._id))
        .map((doc) => doc._id);
      for (const limit of [500, 13]) {
        expect(await database.dueTimers(now, limit)).toEqual(expected.slice(0, limit));
        expect(await memory.dueTimers(now, limit)).toEqual(expected.slice(0, limit));
      }
    }
    const expectedLoads = new Map<string, number>();
    for (const doc of docs) {
      if (doc.assignee && OPEN_CATEGORIES.has(doc.statusCategory))
        expectedLoads.set(doc.assignee, (expectedLoads.get(doc.assignee) ?? 0) + 1);
    }
    expect(expectedLoads.size).toBe(AGENTS.length);
    expect(await database.openLoads(OPEN_CATEGORIES)).toEqual(expectedLoads);
    expect(await memory.openLoads(OPEN_CATEGORIES)).toEqual(expectedLoads);
    const onlyPending = new Set(['pending']);
    expect(await memory.openLoads(onlyPending)).toEqual(await database.openLoads(onlyPending));
  });

  it('counts open loads from the newest noted projections', async () => {
    const collection = await ticketsWith([
      ticketDoc('t1', { assignee: 'a1', statusCategory: 'open' }),
      ticketDoc('t2', { assignee: 'a1', statusCategory: 'pending' }),
      ticketDoc('t3', { assignee: 'a2', statusCategory: 'resolved' }),
      ticketDoc('t4', { assignee: null, statusCategory: 'new' }),
    ]);
    const memory = memoryOf(collection);
    expect(await memory.openLoads(OPEN_CATEGORIES)).toEqual(new Map([['a1', 2]]));
    memory.note(ticketDoc('t2', { version: 2, assignee: 'a2', statusCategory: 'open' }));
    memory.note(ticketDoc('t1', { version: 2, assignee: 'a1', statusCategory: 'closed' }));
    expect(await memory.openLoads(OPEN_CATEGORIES)).toEqual(new Map([['a2', 1]]));
  });
});

describe('find: the memory catalog answers exactly as the database', () => {
  const docs = syntheticTickets(240, 20261008);
  let database: TicketCatalog;
  let memory: TicketCatalog;

  /**
   * The database's answer in each order over every ticket, asked once per order. MongoDB sorts a filtered set as
   * it sorts the whole (ties by `_id`: a total order), so its answer to a (filter, order) pair is this restricted
   * to the tickets it matches for the filter — which the database is asked itself, once per filter, in one of
   * the orders. The memory catalog is asked every pair.
   */
  const wholeOrders = new Map<string, CatalogEntry[]>();
  const orderKey = (sort: CatalogSort) => `${sort.field} ${sort.direction}`;
  const databaseAnswer = (matched: CatalogEntry[], sort: CatalogSort, limit: number) => {
    const ids = new Set(matched.map((entry) => entry._id));
    return wholeOrders
      .get(orderKey(sort))!
      .filter((entry) => ids.has(entry._id))
      .slice(0, limit);
  };

  beforeAll(async () => {
    const collection = await ticketsWith(docs);
    database = databaseCatalog(() => collection);
    memory = memoryOf(collection);
    for (const sort of [...LIST_SORTS, ...OTHER_SORTS])
      wholeOrders.set(orderKey(sort), await database.find({}, sort, 1000));
  });

  const boundary = docs[17]!;
  const dueBoundary = docs.find((doc) => doc.slaDueAt.getTime() !== NO_DUE.getTime())!;
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const text = (needle: string) => (doc: StoredDoc) => doc.searchText.includes(needle.toLowerCase());
  const agentTeams = ['it-ops', 'facilities'];
  const openish = ['new', 'open', 'pending'];

  /** Each filter beside what it means, written out in plain code. */
  const CASES: { name: string; filter: Filter<TicketDoc>; matches: (doc: StoredDoc) => boolean }[] = [
    { name: 'everything', filter: {}, matches: () => true },
    {
      name: 'a requester’s own and watched',
      filter: { $or: [{ requesterId: 'r3' }, { watchers: 'r3' }] },
      matches: (doc) => doc.requesterId === 'r3' || doc.watchers.includes('r3'),
    },
    {
      name: 'an agent’s teams, assigned and assisted',
      filter: {
        $or: [
          { requesterId: 'a2' },
          { watchers: 'a2' },
          { assignee: 'a2' },
          { assistants: 'a2' },
          { team: { $in: agentTeams } },
        ],
      },
      matches: (doc) =>
        doc.requesterId === 'a2' ||
        doc.watchers.includes('a2') ||
        doc.assignee === 'a2' ||
        doc.assistants.includes('a2') ||
        (doc.team !== null && agentTeams.includes(doc.team)),
    },
    {
      name: 'status by category or key',
      filter: {
        $or: [
          { statusCategory: { $in: ['open', 'awaiting-vendor'] } },
          { statusKey: { $in: ['open', 'awaiting-vendor'] } },
        ],
      },
      matches: (doc) => doc.statusCategory === 'open' || doc.statusKey === 'awaiting-vendor',
    },
    {
      name: 'type',
      filter: { typeKey: { $in: ['hr.onboarding', 'fac.repair'] } },
      matches: (doc) => doc.typeKey !== 'it.incident',
    },
    {
      name: 'teams',
      filter: { team: { $in: ['it-ops', 'facilities'] } },
      matches: (doc) => doc.team === 'it-ops' || doc.team === 'facilities',
    },
    { name: 'no team', filter: { team: null }, matches: (doc) => doc.team === null },
    { name: 'unassigned', filter: { assignee: null }, matches: (doc) => doc.assignee === null },
    { name: 'assigned to a3', filter: { assignee: 'a3' }, matches: (doc) => doc.assignee === 'a3' },
    { name: 'assigned at all', filter: { assignee: { $ne: null } }, matches: (doc) => doc.assignee !== null },
    {
      name: 'priorities',
      filter: { priority: { $in: ['urgent', 'low'] } },
      matches: (doc) => doc.priority === 'urgent' || doc.priority === 'low',
    },
    {
      name: 'channels',
      filter: { channel: { $in: ['alert', 'api'] } },
      matches: (doc) => doc.channel === 'alert' || doc.channel === 'api',
    },
    { name: 'watched by a1', filter: { watchers: 'a1' }, matches: (doc) => doc.watchers.includes('a1') },
    { name: 'assisted by a4', filter: { assistants: 'a4' }, matches: (doc) => doc.assistants.includes('a4') },
    {
      name: 'tags',
      filter: { tags: { $in: ['网络', 'hardware'] } },
      matches: (doc) => doc.tags.includes('网络') || doc.tags.includes('hardware'),
    },
    ...['vpn', '交换机端口', 'a.b', '[urgent]', '100%', '^_^', 'c++', '(3楼)', 'inc-2026-0001', '详情'].map(
      (needle) => ({
        name: `text ${needle}`,
        filter: { searchText: { $regex: escape(needle.toLowerCase()) } },
        matches: text(needle),
      }),
    ),
    {
      name: 'after an SLA cursor',
      filter: {
        $or: [
          { slaDueAt: { $gt: dueBoundary.slaDueAt } },
          { slaDueAt: dueBoundary.slaDueAt, _id: { $gt: dueBoundary._id } },
        ],
      },
      matches: (doc) =>
        doc.slaDueAt > dueBoundary.slaDueAt ||
        (doc.slaDueAt.getTime() === dueBoundary.slaDueAt.getTime() && doc._id > dueBoundary._id),
    },
    {
      name: 'after an SLA cursor among tickets without a clock',
      filter: { $or: [{ slaDueAt: { $gt: NO_DUE } }, { slaDueAt: NO_DUE, _id: { $gt: boundary._id } }] },
      matches: (doc) => doc.slaDueAt.getTime() === NO_DUE.getTime() && doc._id > boundary._id,
    },
    {
      name: 'before a -created cursor',
      filter: {
        $or: [
          { createdAt: { $lt: boundary.createdAt } },
          { createdAt: boundary.createdAt, _id: { $lt: boundary._id } },
        ],
      },
      matches: (doc) =>
        doc.createdAt < boundary.createdAt ||
        (doc.createdAt.getTime() === boundary.createdAt.getTime() && doc._id < boundary._id),
    },
    {
      name: 'after a priority cursor',
      filter: {
        $or: [
          { priorityRank: { $gt: boundary.priorityRank } },
          { priorityRank: boundary.priorityRank, _id: { $gt: boundary._id } },
        ],
      },
      matches: (doc) =>
        doc.priorityRank > boundary.priorityRank ||
        (doc.priorityRank === boundary.priorityRank && doc._id > boundary._id),
    },
    {
      name: 'created within a day',
      filter: { createdAt: { $gte: new Date(BASE + 6 * HOUR), $lt: new Date(BASE + 30 * HOUR) } },
      matches: (doc) =>
        doc.createdAt.getTime() >= BASE + 6 * HOUR && doc.createdAt.getTime() < BASE + 30 * HOUR,
    },
    {
      name: 'first response due by an instant (nulls never match)',
      filter: { firstResponseDueAt: { $lte: new Date(BASE + 5 * HOUR) } },
      matches: (doc) =>
        doc.firstResponseDueAt !== null && doc.firstResponseDueAt.getTime() <= BASE + 5 * HOUR,
    },
    {
      name: 'no resolution target',
      filter: { resolutionDueAt: null },
      matches: (doc) => doc.resolutionDueAt === null,
    },
    {
      name: 'highlighted',
      filter: { highlight: { $in: ['warning', 'breached'] } },
      matches: (doc) => doc.highlight !== null,
    },
    {
      name: 'not finished',
      filter: { statusCategory: { $nin: ['resolved', 'closed', 'cancelled'] } },
      matches: (doc) => openish.includes(doc.statusCategory),
    },
    {
      name: 'ids',
      filter: { _id: { $in: [docs[3]!._id, docs[99]!._id, 'missing'] } },
      matches: (doc) => doc._id === docs[3]!._id || doc._id === docs[99]!._id,
    },
    {
      name: 'what a list asks: visibility, status, team, text and a cursor together',
      filter: {
        $and: [
          {
            $or: [
              { requesterId: 'a1' },
              { watchers: 'a1' },
              { assignee: 'a1' },
              { team: { $in: ['it-desk'] } },
            ],
          },
          { $or: [{ statusCategory: { $in: openish } }, { statusKey: { $in: openish } }] },
          { priority: { $in: ['urgent', 'high', 'medium'] } },
          { searchText: { $regex: escape('交换机') } },
          {
            $or: [
              { updatedAt: { $gt: new Date(BASE + 4 * HOUR) } },
              { updatedAt: new Date(BASE + 4 * HOUR), _id: { $gt: 't' } },
            ],
          },
        ],
      },
      matches: (doc) =>
        (doc.requesterId === 'a1' ||
          doc.watchers.includes('a1') ||
          doc.assignee === 'a1' ||
          doc.team === 'it-desk') &&
        openish.includes(doc.statusCategory) &&
        doc.priority !== 'low' &&
        doc.searchText.includes('交换机') &&
        doc.updatedAt.getTime() >= BASE + 4 * HOUR,
    },
    { name: 'nothing', filter: { typeKey: 'no.such.type' }, matches: () => false },
  ];

  const LIST_SORTS: CatalogSort[] = [
    { field: 'slaDueAt', direction: 1 },
    { field: 'createdAt', direction: 1 },
    { field: 'createdAt', direction: -1 },
    { field: 'updatedAt', direction: 1 },
    { field: 'updatedAt', direction: -1 },
    { field: 'priorityRank', direction: 1 },
  ];
  const OTHER_SORTS: CatalogSort[] = [
    { field: 'slaDueAt', direction: -1 },
    { field: 'priorityRank', direction: -1 },
    { field: 'firstResponseDueAt', direction: 1 },
    { field: 'firstResponseDueAt', direction: -1 },
    { field: 'assignee', direction: 1 },
    { field: 'team', direction: -1 },
    { field: 'number', direction: -1 },
    { field: 'version', direction: 1 },
  ];

  it('the synthetic tickets hold what the cases need', () => {
    for (const { name, matches } of CASES.filter((c) => c.name !== 'nothing')) {
      const count = docs.filter(matches).length;
      expect(count, name).toBeGreaterThan(0);
    }
    expect(docs.filter((doc) => doc.slaDueAt.getTime() === NO_DUE.getTime()).length).toBeGreaterThan(50);
  });

  it('the database answers every order over every ticket as plain code sorts them', () => {
    for (const sort of [...LIST_SORTS, ...OTHER_SORTS])
      expect(
        wholeOrders.get(orderKey(sort))!.map((entry) => entry._id),
        orderKey(sort),
      ).toEqual(expectedIds(docs, () => true, sort, 1000));
  });

  it.each(CASES.map((c, index) => ({ ...c, asked: LIST_SORTS[index % LIST_SORTS.length]! })))(
    '$name: same tickets in every list order',
    async ({ filter, matches, asked }) => {
      const matched = await database.find(filter, asked, 1000);
      expect(
        matched.map((entry) => entry._id),
        `database ${orderKey(asked)}`,
      ).toEqual(expectedIds(docs, matches, asked, 1000));
      for (const sort of LIST_SORTS) {
        const expected = expectedIds(docs, matches, sort, 1000);
        const fromDatabase = databaseAnswer(matched, sort, 1000);
        const fromMemory = await memory.find(filter, sort, 1000);
        const order = orderKey(sort);
        expect(
          fromDatabase.map((entry) => entry._id),
          `database ${order}`,
        ).toEqual(expected);
        expect(
          fromMemory.map((entry) => entry._id),
          `memory ${order}`,
        ).toEqual(expected);
        expect(fromMemory).toEqual(fromDatabase);
      }
    },
  );

  it.each(LIST_SORTS)(
    'pages $field $direction with the cursor filter and `after`, as a list does, on both catalogs',
    async (sort) => {
      const filter: Filter<TicketDoc> = { $or: [{ statusCategory: { $in: ['new', 'open', 'pending'] } }] };
      const whole = expectedIds(docs, (doc) => openish.includes(doc.statusCategory), sort, 1000);
      for (const catalog of [database, memory]) {
        const paged: string[] = [];
        let after: { value: Date | number; id: string } | undefined;
        for (let pages = 0; pages < 100; pages++) {
          const beyond = sort.direction === 1 ? '$gt' : '$lt';
          const page = await catalog.find(
            after
              ? {
                  $and: [
                    filter,
                    {
                      $or: [
                        { [sort.field]: { [beyond]: after.value } },
                        { [sort.field]: after.value, _id: { [beyond]: after.id } },
                      ],
                    },
                  ],
                }
              : filter,
            sort,
            25,
            after,
          );
          paged.push(...page.map((entry) => entry._id));
          if (page.length < 25) break;
          const last = page[page.length - 1]!;
          after = { value: (last as unknown as Record<string, Date | number>)[sort.field]!, id: last._id };
        }
        expect(paged, catalog.kind).toEqual(whole);
      }
      expect(whole.length).toBeGreaterThan(50);
    },
  );

  it.each([CASES[0]!, CASES[2]!, CASES[7]!].map((c, index) => ({ ...c, asked: OTHER_SORTS[index * 3]! })))(
    '$name: same first page of 7 in other orders, nulls included',
    async ({ filter, matches, asked }) => {
      const sorts = [...LIST_SORTS, ...OTHER_SORTS];
      const matched = await database.find(filter, asked, 1000);
      expect(matched.map((entry) => entry._id)).toEqual(expectedIds(docs, matches, asked, 1000));
      // A first page as the database cuts it.
      expect(await database.find(filter, asked, 7)).toEqual(matched.slice(0, 7));
      for (const sort of sorts) {
        const fromDatabase = databaseAnswer(matched, sort, 7);
        expect(fromDatabase.map((entry) => entry._id)).toEqual(expectedIds(docs, matches, sort, 7));
        expect(await memory.find(filter, sort, 7), orderKey(sort)).toEqual(fromDatabase);
      }
    },
  );
});
