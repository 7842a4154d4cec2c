import type { Collection, Filter } from 'mongodb';
import sift from 'sift';
import { describe, expect, it } from 'vitest';
import type { AccessContext } from '../access/record-rules.js';
import { memoryCatalog, type CatalogEntry, type CatalogSort } from './ticket-catalog.js';
import { NO_DUE, PRIORITY_RANK, type TicketDoc } from './ticket.projection.js';
import { cursorOf, ticketListQuery } from './tickets.routes.js';
import { seededChoices } from '../../test/support/ticket-history.js';

/**
 * The memory catalog answers lists and counts from value indexes and cheap tests where a filter allows (its query
 * planner). Whatever it reads first, its answers must be those of testing the whole filter with sift against every
 * ticket, in the list's order: here on random tickets that change between rounds, with random list queries built
 * by the list route's own code for random callers, paged by its cursors to the end.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BASE = Date.parse('2026-10-08T02:00:00.000Z');

const random = seededChoices;

const STATUS_KEYS: Record<string, string[]> = {
  new: ['submitted'],
  open: ['in-progress', 'open'],
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
  'printer $5 fee? ^_^',
  '网络很慢 \\ back|slash',
];
const NEEDLES = [
  'vpn',
  '交换机',
  'a.b',
  '[urgent]',
  '100%',
  '^_^',
  'c++',
  '(3楼)',
  '$5',
  'fee?',
  '\\ b',
  '|s',
  'x',
];
const PEOPLE = ['a1', 'a2', 'a3', 'r1', 'r2', 'r3', 'r4'];
const TEAMS = ['it-desk', 'it-ops', 'facilities'];
const TYPES = ['it.incident', 'hr.onboarding', 'fac.repair'];
const NODES = ['triage', 'fix', 'approve', 'confirm'];
const CHANNELS = ['web', 'portal', 'email', 'alert'];
const KEYS = [
  ...PEOPLE.map((id) => `user:${id}`),
  ...TEAMS.map((team) => `team:${team}`),
  'role:agent',
  'role:requester',
];

function ticketOf(id: string, version: number, rng: ReturnType<typeof random>): TicketDoc {
  const { next, pick, some } = rng;
  const statusCategory = pick(Object.keys(STATUS_KEYS));
  const priority = pick(['urgent', 'high', 'medium', 'low']);
  const createdAt = new Date(BASE + Math.floor(next() * 96) * HOUR);
  const day = createdAt.toISOString().slice(0, 10);
  const title = pick(TITLES);
  const measured = next() < 0.5 ? Math.floor(next() * 300) : null;
  const doc = {
    _id: id,
    number: `INC-${id}`,
    typeKey: pick(TYPES),
    typeVersion: 1 + Math.floor(next() * 2),
    category: pick(['it', 'hr', 'facilities']),
    title,
    searchText: `inc-${id} ${title}`.toLowerCase(),
    statusCategory,
    statusKey: pick(STATUS_KEYS[statusCategory]!),
    priority,
    priorityRank: PRIORITY_RANK[priority]!,
    team: next() < 0.2 ? null : pick(TEAMS),
    assignee: next() < 0.4 ? null : pick(PEOPLE),
    requesterId: pick(PEOPLE),
    watchers: some(PEOPLE, 3),
    assistants: some(PEOPLE, 2),
    awaitingApproval: some(KEYS, 2),
    awaitingStep: some(KEYS, 2),
    involved: some(KEYS, 4),
    channel: pick(CHANNELS),
    tags: [],
    atNodes: some(NODES, 2),
    createdAt,
    updatedAt: new Date(createdAt.getTime() + Math.floor(next() * 8) * 10 * MINUTE),
    version,
    headHash: `hash-${id}-${version}`,
    state: '{}',
    firstResponseDueAt: null,
    resolutionDueAt: null,
    // Ties on a handful of instants, and tickets without a running clock.
    slaDueAt: next() < 0.3 ? NO_DUE : new Date(BASE + Math.floor(next() * 6) * 90 * MINUTE),
    highlight: null,
    firstResponseBreached: 0,
    resolutionBreached: 0,
    slaPaused: false,
    createdDay: day,
    createdWeek: '2026-W41',
    createdMonth: day.slice(0, 7),
    resolvedDay: null,
    resolvedWeek: null,
    resolvedMonth: null,
    firstResponseMinutes: measured,
    firstResponseBusinessMinutes: measured,
    resolutionMinutes: next() < 0.5 ? Math.floor(next() * 900) : null,
    resolutionBusinessMinutes: null,
    resolved: next() < 0.3 ? 1 : 0,
    breached: next() < 0.2 ? 1 : 0,
    slaMet: 0,
    reopenCount: next() < 0.1 ? 1 : 0,
    transferCount: 0,
    fcr: 0,
    rated: 0,
    satisfied: 0,
    neutral: 0,
    dissatisfied: 0,
    open: next() < 0.5 ? 1 : 0,
  } as TicketDoc;
  // Projections written before the flow actors existed lack them.
  if (next() < 0.05) delete (doc as Partial<TicketDoc>).awaitingApproval;
  if (next() < 0.05) delete (doc as Partial<TicketDoc>).involved;
  return doc;
}

/** A collection that answers `find` with the given documents (what the first read asks), nothing else. */
function storeOf(docs: TicketDoc[]): Collection<TicketDoc> {
  return {
    find: () => ({
      async *[Symbol.asyncIterator]() {
        for (const { state: _state, ...entry } of docs) yield entry;
      },
    }),
  } as unknown as Collection<TicketDoc>;
}

function user(
  id: string,
  roles: string[],
  memberOf: string[] = [],
  supervises: string[] = [],
): AccessContext {
  return {
    principal: {
      kind: 'user',
      id,
      username: id,
      displayName: id,
      roles: roles as never,
      locale: 'en',
      sessionId: `session-${id}`,
    },
    teams: { memberOf, supervises },
  };
}

const CALLERS: AccessContext[] = [
  user('admin', ['admin']),
  user('r1', ['requester']),
  user('a1', ['agent'], ['it-desk']),
  user('a2', ['agent'], ['it-ops', 'facilities'], ['it-desk']),
  user('a3', ['agent']),
  {
    principal: { kind: 'integration', id: 'k1', name: 'key', scopes: ['tickets:read'] },
    teams: { memberOf: [], supervises: [] },
  },
];

const SORT_NAMES = [
  'sla',
  'created',
  '-created',
  'updated',
  '-updated',
  'priority',
  '-firstResponse',
  '-resolution',
];

/** A random list query, as the validated query string of `GET /api/tickets` holds it. */
function queryOf(rng: ReturnType<typeof random>): Record<string, string | number | undefined> {
  const { next, pick, some } = rng;
  const query: Record<string, string | number | undefined> = {};
  const maybe = (share: number, set: () => void) => {
    if (next() < share) set();
  };
  const listOf = (items: readonly string[]) => some(items, 3).join(',') || items[0]!;
  maybe(0.4, () => {
    query.status = listOf([...Object.keys(STATUS_KEYS), 'open', 'awaiting-vendor', 'in-progress']);
  });
  maybe(0.25, () => {
    query.type = next() < 0.6 ? pick(TYPES) : listOf(TYPES);
    if (!query.type.includes(',')) {
      maybe(0.4, () => {
        query.node = pick(NODES);
      });
      maybe(0.3, () => {
        query.version = 1 + Math.floor(next() * 2);
      });
    }
  });
  maybe(0.25, () => {
    query.team = listOf([...TEAMS, 'none']);
  });
  maybe(0.3, () => {
    query.priority = listOf(['urgent', 'high', 'medium', 'low']);
  });
  maybe(0.15, () => {
    query.channel = listOf(CHANNELS);
  });
  maybe(0.2, () => {
    query.assignee = pick(['me', 'none', ...PEOPLE]);
  });
  maybe(0.15, () => {
    query.requester = pick(['me', ...PEOPLE]);
  });
  maybe(0.1, () => {
    query.watching = pick(['me', ...PEOPLE]);
  });
  maybe(0.2, () => {
    query.awaiting = pick(['approval', 'step', 'me']);
  });
  maybe(0.1, () => {
    query.involved = 'me';
  });
  maybe(0.1, () => {
    query.createdFrom = '2026-10-09';
    query.createdTo = pick(['2026-10-09', '2026-10-10']);
  });
  maybe(0.1, () => {
    query.category = listOf(['it', 'hr', 'facilities']);
  });
  maybe(0.1, () => {
    query.flag = pick(['open', '!resolved', 'breached', 'reopened', 'responded', '!responded']);
  });
  maybe(0.25, () => {
    query.text = pick(NEEDLES);
  });
  maybe(0.7, () => {
    query.sort = pick(SORT_NAMES);
  });
  query.limit = pick([1, 2, 5, 20, 50, 200]);
  return query;
}

/** The order a list sorts in: null and missing first, then numbers, strings, dates; ties by `_id`. */
function compareBy(sort: CatalogSort) {
  const rank = (value: unknown) =>
    value === null || value === undefined
      ? 0
      : typeof value === 'number'
        ? 1
        : typeof value === 'string'
          ? 2
          : 3;
  const plain = (value: unknown) => (value instanceof Date ? value.getTime() : (value as number | string));
  const compare = (a: unknown, b: unknown) => {
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    if (rank(a) === 0) return 0;
    const [left, right] = [plain(a), plain(b)];
    return left < right ? -1 : left > right ? 1 : 0;
  };
  return (a: CatalogEntry, b: CatalogEntry) =>
    sort.direction *
    (compare(a[sort.field as keyof CatalogEntry], b[sort.field as keyof CatalogEntry]) ||
      compare(a._id, b._id));
}

describe('the memory catalog’s query planner', () => {
  it.each([20261206, 4242])(
    'lists and counts exactly what sift finds over every ticket, page by page (seed %i)',
    async (seed) => {
      const rng = random(seed);
      const ids = Array.from({ length: 900 }, (_, n) => `t${String(n).padStart(4, '0')}`);
      const model = new Map<string, CatalogEntry>();
      const stored = ids.slice(0, 700).map((id) => ticketOf(id, 1, rng));
      for (const { state: _state, ...entry } of stored) model.set(entry._id, entry);
      const catalog = memoryCatalog(() => storeOf(stored));
      let pages = 0;
      let collected = 0;
      for (let round = 0; round < 6; round++) {
        for (let query = 0; query < 20; query++) {
          const context = rng.pick(CALLERS);
          const asked = queryOf(rng);
          const described = `seed ${seed}, round ${round}, ${JSON.stringify(asked)} as ${context.principal.id}`;
          const first = ticketListQuery(context, asked);
          expect(first, described).not.toBeNull();
          const everything = [...model.values()];
          const expected = everything.filter(sift.default(first!.filter)).sort(compareBy(first!.sort));
          const counted = await catalog.count(first!.filter, 10_000);
          expect(counted, `count: ${described}`).toBe(expected.length);
          expect(await catalog.count(first!.filter as Filter<TicketDoc>, 3), described).toBe(
            Math.min(3, expected.length),
          );
          // Page by the list's own cursors: to the end, or 12 pages of it.
          const limit = Number(asked.limit);
          const listed: string[] = [];
          let cursor: string | undefined;
          let ended = false;
          for (let page = 0; page < 12 && !ended; page++) {
            const { filter, sort, sortName, after } = ticketListQuery(context, { ...asked, cursor })!;
            const docs = await catalog.find(filter, sort, limit + 1, after);
            pages += 1;
            const shown = docs.slice(0, limit);
            listed.push(...shown.map((doc) => doc._id));
            ended = docs.length <= limit;
            if (!ended) cursor = cursorOf(shown[shown.length - 1] as TicketDoc, sortName);
          }
          expect(listed, `list: ${described}`).toEqual(
            expected.slice(0, ended ? undefined : listed.length).map((entry) => entry._id),
          );
          collected += expected.length;
        }
        // Tickets change between rounds: newer versions (moving between every index), new tickets, and stale
        // versions that change nothing.
        for (let change = 0; change < 150; change++) {
          const id = rng.pick(ids);
          const current = model.get(id);
          const stale = current !== undefined && rng.next() < 0.15;
          const version = current ? current.version + (stale ? -1 : 1) : 1;
          const doc = ticketOf(id, version, rng);
          catalog.note(doc);
          if (!stale) {
            const { state: _state, ...entry } = doc;
            model.set(id, entry);
          }
        }
      }
      catalog.close();
      // The queries found tickets and paged, not only empty lists.
      expect(collected).toBeGreaterThan(2_000);
      expect(pages).toBeGreaterThan(200);
    },
  );

  it('finds texts as they change, through thousands of changes, as sift does', async () => {
    const rng = random(5);
    const ids = Array.from({ length: 60 }, (_, n) => `x${n}`);
    const model = new Map<string, CatalogEntry>();
    const stored = ids.map((id) => ticketOf(id, 1, rng));
    for (const { state: _state, ...entry } of stored) model.set(entry._id, entry);
    const catalog = memoryCatalog(() => storeOf(stored));
    const sort: CatalogSort = { field: 'createdAt', direction: 1 };
    for (let change = 0; change < 3000; change++) {
      const id = rng.pick(ids);
      const doc = ticketOf(id, model.get(id)!.version + 1, rng);
      if (rng.next() < 0.3)
        doc.searchText = `${rng.pick(NEEDLES)} ${rng.pick(['', '\u0000', 'é'])}${doc.searchText}`;
      catalog.note(doc);
      const { state: _state, ...entry } = doc;
      model.set(id, entry);
      if (change % 100 !== 99) continue;
      for (const needle of [...NEEDLES, 'inc-x1', '\u0000', 'é v']) {
        const filter = { searchText: { $regex: needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') } };
        const expected = [...model.values()].filter(sift.default(filter)).sort(compareBy(sort));
        expect(
          (await catalog.find(filter as Filter<TicketDoc>, sort, 1000)).map((entry) => entry._id),
          `${needle} after ${change} changes`,
        ).toEqual(expected.map((entry) => entry._id));
      }
    }
    catalog.close();
  });

  it("finds common and rare texts across the text index's blocks, through changes, as sift does", async () => {
    const rng = random(17);
    // Thousands of tickets (several joined blocks); one word in about one ticket in five, one in a few dozen.
    const ids = Array.from({ length: 7000 }, (_, n) => `b${n}`);
    const withWords = (doc: TicketDoc) => {
      const roll = rng.next();
      if (roll < 0.2) doc.searchText = `printer ${doc.searchText}`;
      else if (roll < 0.203) doc.searchText = `${doc.searchText} 交换机故障`;
      return doc;
    };
    const stored = ids.map((id) => withWords(ticketOf(id, 1, rng)));
    const model = new Map<string, CatalogEntry>();
    for (const { state: _state, ...entry } of stored) model.set(entry._id, entry);
    const catalog = memoryCatalog(() => storeOf(stored));
    const check = async (when: string) => {
      for (const needle of ['printer', '交换机故障', 'inc-b69', 'no such words'])
        for (const sort of [
          { field: 'createdAt', direction: 1 },
          { field: 'slaDueAt', direction: -1 },
        ] as CatalogSort[]) {
          const filter = { searchText: { $regex: needle } };
          const expected = [...model.values()].filter(sift.default(filter)).sort(compareBy(sort));
          expect(
            (await catalog.find(filter as Filter<TicketDoc>, sort, 50)).map((entry) => entry._id),
            `${needle} ${when}`,
          ).toEqual(expected.slice(0, 50).map((entry) => entry._id));
          expect(await catalog.count(filter as Filter<TicketDoc>, 100_000), `${needle} ${when}`).toBe(
            expected.length,
          );
        }
    };
    await check('at first');
    // Changes here and there: texts gaining and losing the words, in early blocks and late ones.
    for (let change = 0; change < 3000; change++) {
      const id = rng.pick(ids);
      const doc = withWords(ticketOf(id, model.get(id)!.version + 1, rng));
      catalog.note(doc);
      const { state: _state, ...entry } = doc;
      model.set(id, entry);
      if (change % 1000 === 999) await check(`after ${change + 1} changes`);
    }
    catalog.close();
  });

  it('answers filters the list does not build (ids, ranges, negations, arrays) as sift does', async () => {
    const rng = random(99);
    const stored = Array.from({ length: 400 }, (_, n) => ticketOf(`u${n}`, 1, rng));
    const entries = stored.map(({ state: _state, ...entry }) => entry as CatalogEntry);
    const catalog = memoryCatalog(() => storeOf(stored));
    const filters: Record<string, unknown>[] = [
      { _id: { $in: ['u1', 'u7', 'missing'] } },
      { _id: 'u3' },
      { team: { $eq: null } },
      { team: { $in: [null, 'it-ops'] } },
      { awaitingApproval: null },
      { awaitingApproval: { $in: [null] } },
      { involved: { $exists: false } },
      { watchers: { $size: 0 } },
      { watchers: ['a1'] },
      { assignee: { $ne: null }, team: 'it-desk' },
      { $or: [{ assignee: 'a1' }, { createdAt: { $gte: new Date(BASE + 20 * HOUR) } }] },
      { $nor: [{ team: 'it-desk' }] },
      { statusCategory: { $in: ['open'], $nin: ['closed'] } },
      { atNodes: 'fix', typeKey: 'it.incident', typeVersion: 2 },
      { searchText: { $regex: 'a.b' } },
      { searchText: { $regex: 'A\\.B', $options: 'i' } },
      { searchText: /vpn|打印/ },
      { $and: [{ priority: 'high' }, { $or: [{ watchers: 'r1' }, { assistants: { $in: ['a2', 'a3'] } }] }] },
    ];
    for (const filter of filters)
      for (const sort of [
        { field: 'slaDueAt', direction: 1 },
        { field: 'createdAt', direction: -1 },
      ] as CatalogSort[]) {
        const expected = entries.filter(sift.default(filter)).sort(compareBy(sort));
        for (const limit of [3, 1000])
          expect(
            (await catalog.find(filter as Filter<TicketDoc>, sort, limit)).map((entry) => entry._id),
            JSON.stringify(filter),
          ).toEqual(expected.slice(0, limit).map((entry) => entry._id));
        expect(await catalog.count(filter as Filter<TicketDoc>, 1000), JSON.stringify(filter)).toBe(
          expected.length,
        );
      }
    catalog.close();
  });
});
