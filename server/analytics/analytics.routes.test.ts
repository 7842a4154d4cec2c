import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessMinutesBetween, CN_STANDARD_CALENDAR } from '../../runtime/time/index.js';
import { ManualClock } from '../lib/clock.js';
import type { Dashboard, DistributionRow, DurationFigures } from './analytics.service.js';
import { bearer, buildTestApp, call, createUser } from '../../test/support/server-app.js';
import { generateHistory, type History, type HistoryTicket } from '../../test/support/ticket-history.js';
import { markSubmitted, recordDeflection } from '../knowledge/deflections.js';

/**
 * Every KPI of the dashboard against values this test computes on its own from the history it made: the
 * instants of each open, response, pause, transfer, resolution, reopen and rating, and the SLA targets of the
 * IT incident policy (urgent and high round the clock, medium and low in business time of the standard calendar).
 */
const DATABASE = 'analytics_routes';
const clock = new ManualClock(Date.parse('2026-11-01T08:00:00+08:00'));
let app: FastifyInstance;
let history: History;
let tickets: HistoryTicket[];
const FROM = '2026-11-02';
const TO = '2026-11-16';

const calendarMinutes = (from: number, to: number) => Math.max(0, Math.round((to - from) / 60_000));
const businessMinutes = (from: number, to: number) =>
  Math.round(businessMinutesBetween(CN_STANDARD_CALENDAR, from, to));

/** The reference SLA table: [first response, resolution] in minutes, and the clock they run on. */
const TARGETS: Record<string, { firstResponse: number; resolution: number; business: boolean }> = {
  urgent: { firstResponse: 15, resolution: 120, business: false },
  high: { firstResponse: 60, resolution: 480, business: false },
  medium: { firstResponse: 240, resolution: 3 * 480, business: true },
  low: { firstResponse: 24 * 60, resolution: 7 * 480, business: true },
};

function used(ticket: HistoryTicket, from: number, to: number): number {
  const target = TARGETS[ticket.priority]!;
  return target.business
    ? businessMinutesBetween(CN_STANDARD_CALENDAR, from, to)
    : Math.max(0, to - from) / 60_000;
}

function breached(ticket: HistoryTicket, now: number): boolean {
  const target = TARGETS[ticket.priority]!;
  const firstResponse = used(ticket, ticket.createdAt, ticket.firstResponseAt ?? ticket.cancelledAt ?? now);
  const resolution = ticket.runs.reduce((total, run) => total + used(ticket, run.from, run.to ?? now), 0);
  return firstResponse >= target.firstResponse || resolution >= target.resolution;
}

const isResolved = (ticket: HistoryTicket) => ticket.status === 'resolved' || ticket.status === 'closed';
const isOpen = (ticket: HistoryTicket) => ['new', 'open', 'pending'].includes(ticket.status);

function nearestRank(values: number[], share: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(share * sorted.length)) - 1]!;
}

const mean = (values: number[]) =>
  values.length ? Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10 : null;

function durationsOf(values: number[]) {
  return { mean: mean(values), p50: nearestRank(values, 0.5), p90: nearestRank(values, 0.9) };
}

const figures = (group: DurationFigures) => ({
  mean: group.mean.value,
  p50: group.p50.value,
  p90: group.p90.value,
});

async function dashboard(query = `from=${FROM}&to=${TO}`, on = app): Promise<Dashboard> {
  const { status, body } = await call(on, {
    method: 'GET',
    url: `/api/analytics/dashboard?${query}`,
    headers: bearer(history.admin),
  });
  expect(status, JSON.stringify(body)).toBe(200);
  return body as unknown as Dashboard;
}

/** Every ticket of a figure's ticket list, page after page: sorted ids, or in the list's order when `ordered`. */
async function listed(
  query: string | null | undefined,
  {
    on = app,
    ordered = false,
    limit = 200,
  }: { on?: FastifyInstance; ordered?: boolean; limit?: number } = {},
): Promise<string[]> {
  expect(query, 'a figure with a ticket list').toEqual(expect.any(String));
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const { status, body } = await call(on, {
      method: 'GET',
      url: `/api/tickets?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      headers: bearer(history.admin),
    });
    expect(status, JSON.stringify(body)).toBe(200);
    ids.push(...(body.items as { id: string }[]).map((item) => item.id));
    cursor = body.nextCursor as string | null;
  } while (cursor);
  return ordered ? ids : ids.sort();
}

/** Weekday (Monday 0) and hour of an instant in Shanghai (UTC+8 all year). */
function cellOf(at: number): [number, number] {
  const local = new Date(at + 8 * 3_600_000);
  return [(local.getUTCDay() + 6) % 7, local.getUTCHours()];
}

beforeAll(async () => {
  app = await buildTestApp(DATABASE, { clock, ticketCatalog: 'memory' });
  history = await generateHistory(app, clock, { tickets: 40, seed: 11 });
  tickets = history.tickets;
  // What the knowledge base records while requesters fill portal forms: two sessions left after opening an article
  // (one opened two), one submitted anyway, and one deflection before the period.
  const at = (iso: string) => new Date(iso);
  const opened = [
    { session: 's1', articleId: 'a1', at: at('2026-11-03T10:00:00+08:00') },
    { session: 's1', articleId: 'a2', at: at('2026-11-03T10:01:00+08:00') },
    { session: 's2', articleId: 'a1', at: at('2026-11-16T23:30:00+08:00') },
    { session: 's3', articleId: 'a1', at: at('2026-11-05T09:00:00+08:00') },
    { session: 's4', articleId: 'a1', at: at('2026-11-01T23:59:00+08:00') },
  ];
  for (const open of opened)
    await recordDeflection(app.db, { ...open, userId: 'requester-1', typeKey: 'it.incident' });
  await markSubmitted(app.db, 's3', 'requester-1', 'ticket-from-s3');
}, 120_000);
afterAll(async () => {
  await app?.close();
});

describe('GET /api/analytics/dashboard', () => {
  it('answers every KPI as computed independently from the generated history', async () => {
    const now = history.now;
    const body = await dashboard();
    const { kpis } = body;
    const resolved = tickets.filter(isResolved);
    const responded = tickets.filter((ticket) => ticket.firstResponseAt !== undefined);
    const rated = tickets.filter((ticket) => ticket.rating !== undefined);
    // The history is varied enough for every figure to mean something.
    expect(resolved.length).toBeGreaterThan(20);
    expect(tickets.filter(isOpen).length).toBeGreaterThan(3);
    expect(tickets.filter((ticket) => breached(ticket, now)).length).toBeGreaterThan(3);
    expect(tickets.some((ticket) => ticket.reopenCount > 0)).toBe(true);
    expect(tickets.some((ticket) => ticket.transferCount > 0)).toBe(true);

    expect(kpis.volume.value).toBe(tickets.length);
    expect(kpis.resolved.value).toBe(resolved.length);
    expect(figures(kpis.firstResponse.calendar)).toEqual(
      durationsOf(responded.map((t) => calendarMinutes(t.createdAt, t.firstResponseAt!))),
    );
    expect(figures(kpis.firstResponse.business)).toEqual(
      durationsOf(responded.map((t) => businessMinutes(t.createdAt, t.firstResponseAt!))),
    );
    expect(figures(kpis.resolution.calendar)).toEqual(
      durationsOf(resolved.map((t) => calendarMinutes(t.createdAt, t.resolvedAt!))),
    );
    expect(figures(kpis.resolution.business)).toEqual(
      durationsOf(resolved.map((t) => businessMinutes(t.createdAt, t.resolvedAt!))),
    );
    const fcr = resolved.filter(
      (t) => t.transferCount === 0 && t.reopenCount === 0 && new Set(t.assignees).size <= 1,
    );
    expect(kpis.fcr).toMatchObject({ value: fcr.length / resolved.length, count: resolved.length });
    const satisfied = rated.filter((t) => t.rating === 'satisfied');
    expect(kpis.csat).toMatchObject({ value: satisfied.length / rated.length, count: rated.length });
    for (const answer of ['satisfied', 'neutral', 'dissatisfied'] as const)
      expect(body.csat[answer].value).toBe(rated.filter((t) => t.rating === answer).length / rated.length);
    const breaches = tickets.filter((t) => breached(t, now));
    expect(kpis.breached.value).toBe(breaches.length);
    const met = resolved.filter((t) => !breached(t, now));
    expect(kpis.slaAttainment).toMatchObject({ value: met.length / resolved.length, count: resolved.length });
    expect(kpis.currentBreaches.value).toBe(breaches.filter(isOpen).length);
    expect(kpis.backlog.value).toBe(tickets.filter(isOpen).length);
    expect(kpis.reopenRate.value).toBe(tickets.filter((t) => t.reopenCount > 0).length / tickets.length);
    expect(kpis.transferRate.value).toBe(tickets.filter((t) => t.transferCount > 0).length / tickets.length);
    // s1 (two articles) and s2 in the period; s3 submitted anyway; s4 the day before it.
    expect(kpis.deflections).toMatchObject({ value: 3, recorded: true, tickets: null });
    const otherType = await dashboard(`from=${FROM}&to=${TO}&type=facility.issue`);
    expect(otherType.kpis.deflections.value).toBe(0);
    for (const figure of [kpis.volume, kpis.fcr, kpis.firstResponse.business.p90, kpis.backlog])
      expect(figure.definition['zh-CN'].length && figure.definition.en.length).toBeGreaterThan(10);
  });

  it('splits the tickets by channel, type, category, priority, team and agent, and by day', async () => {
    const body = await dashboard();
    const fields: Record<string, (t: HistoryTicket) => string | null> = {
      channel: (t) => t.channel,
      type: (t) => t.type,
      category: (t) => t.category,
      priority: (t) => t.priority,
      team: (t) => t.team,
      agent: (t) => t.assignee,
    };
    for (const [dimension, field] of Object.entries(fields)) {
      const expected = new Map<string | null, { count: number; breached: number }>();
      for (const ticket of tickets) {
        const row = expected.get(field(ticket)) ?? { count: 0, breached: 0 };
        row.count += 1;
        row.breached += breached(ticket, history.now) ? 1 : 0;
        expected.set(field(ticket), row);
      }
      const rows = body.distributions[dimension as keyof Dashboard['distributions']].rows;
      expect(
        new Map(rows.map((row) => [row.key, { count: row.count, breached: row.breached }])),
        dimension,
      ).toEqual(expected);
    }
    const days = new Map<string, number>();
    for (const ticket of tickets) {
      const day = new Date(ticket.createdAt + 8 * 3_600_000).toISOString().slice(0, 10);
      days.set(day, (days.get(day) ?? 0) + 1);
    }
    const buckets = body.trend.buckets;
    expect(buckets).toHaveLength(15);
    for (const bucket of buckets) expect(bucket.opened, bucket.period).toBe(days.get(bucket.period) ?? 0);
    const cells = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
    for (const ticket of tickets) {
      const [weekday, hour] = cellOf(ticket.createdAt);
      cells[weekday]![hour]! += 1;
    }
    expect(body.heatmap.cells).toEqual(cells);
    const ages = [0, 0, 0, 0, 0];
    for (const ticket of tickets.filter(isOpen)) {
      const days = (history.now - ticket.createdAt) / 86_400_000;
      ages[days < 1 ? 0 : days < 3 ? 1 : days < 7 ? 2 : days < 30 ? 3 : 4]! += 1;
    }
    expect(body.backlogByAge.buckets.map((bucket) => bucket.count)).toEqual(ages);
  });

  it('opens, for each figure, the ticket list that holds exactly the tickets it counted', async () => {
    const body = await dashboard();
    const { kpis } = body;
    const ids = (filter: (t: HistoryTicket) => boolean) =>
      tickets
        .filter(filter)
        .map((t) => t.id)
        .sort();
    expect(await listed(kpis.volume.tickets)).toEqual(ids(() => true));
    expect(await listed(kpis.breached.tickets)).toEqual(ids((t) => breached(t, history.now)));
    expect(await listed(kpis.currentBreaches.tickets)).toEqual(
      ids((t) => isOpen(t) && breached(t, history.now)),
    );
    expect(await listed(kpis.fcr.of)).toEqual(ids(isResolved));
    expect(await listed(kpis.csat.tickets)).toEqual(ids((t) => t.rating === 'satisfied'));
    const team = body.distributions.team.rows[0]!;
    expect((await listed(team.breachedTickets)).length).toBe(team.breached);
    for (const bucket of body.backlogByAge.buckets)
      expect((await listed(bucket.tickets)).length, bucket.key).toBe(bucket.count);
    const week = await dashboard(`from=${FROM}&to=${TO}&granularity=week`);
    for (const bucket of week.trend.buckets)
      expect((await listed(bucket.tickets)).length, bucket.period).toBe(bucket.opened);
  });

  it('opens, for each heat map cell, exactly the tickets it counted (and by weekday or hour alone)', async () => {
    const { heatmap } = await dashboard();
    const ids = (filter: (t: HistoryTicket) => boolean) =>
      tickets
        .filter(filter)
        .map((t) => t.id)
        .sort();
    let filled = 0;
    for (let weekday = 0; weekday < 7; weekday++)
      for (let hour = 0; hour < 24; hour++) {
        const count = heatmap.cells[weekday]![hour]!;
        // Every cell with tickets, and one without: its list is empty.
        if (count === 0 && !(weekday === 6 && hour === 3)) continue;
        filled += count > 0 ? 1 : 0;
        const inCell = await listed(heatmap.tickets[weekday]![hour]);
        expect(inCell.length, `cell ${weekday}/${hour}`).toBe(count);
        expect(inCell).toEqual(ids((t) => cellOf(t.createdAt).join() === `${weekday},${hour}`));
      }
    expect(filled).toBeGreaterThan(5);
    const period = `createdFrom=${FROM}&createdTo=${TO}`;
    expect(await listed(`${period}&createdWeekday=1`)).toEqual(ids((t) => cellOf(t.createdAt)[0] === 0));
    const hour = cellOf(tickets[0]!.createdAt)[1];
    expect(await listed(`${period}&createdHour=${hour}`)).toEqual(
      ids((t) => cellOf(t.createdAt)[1] === hour),
    );
  });

  it('lists, for a percentile, the tickets at or beyond it, longest first; for the mean, all measured', async () => {
    const { kpis } = await dashboard();
    const byId = new Map(tickets.map((t) => [t.id, t]));
    const responded = tickets.filter((t) => t.firstResponseAt !== undefined);
    const resolved = tickets.filter(isResolved);
    const cases: [string, DurationFigures, HistoryTicket[], (t: HistoryTicket) => number][] = [
      [
        'first response',
        kpis.firstResponse.calendar,
        responded,
        (t) => calendarMinutes(t.createdAt, t.firstResponseAt!),
      ],
      [
        'first response (business)',
        kpis.firstResponse.business,
        responded,
        (t) => businessMinutes(t.createdAt, t.firstResponseAt!),
      ],
      ['resolution', kpis.resolution.calendar, resolved, (t) => calendarMinutes(t.createdAt, t.resolvedAt!)],
      [
        'resolution (business)',
        kpis.resolution.business,
        resolved,
        (t) => businessMinutes(t.createdAt, t.resolvedAt!),
      ],
    ];
    for (const [what, figures, measured, minutesOf] of cases) {
      expect(await listed(figures.mean.tickets), what).toEqual(measured.map((t) => t.id).sort());
      expect(figures.mean.listDefinition).toBeUndefined();
      for (const share of ['p50', 'p90'] as const) {
        const figure = figures[share];
        const tail = measured.filter((t) => minutesOf(t) >= figure.value!);
        // Small pages: the order holds across the list's cursor.
        const order = await listed(figure.tickets, { ordered: true, limit: 3 });
        expect([...order].sort(), `${what} ${share}`).toEqual(tail.map((t) => t.id).sort());
        expect(figure.listed).toBe(tail.length);
        if (share === 'p90') expect(tail.length).toBeLessThan(measured.length);
        const minutes = order.map((id) => minutesOf(byId.get(id)!));
        expect(minutes).toEqual([...minutes].sort((a, b) => b - a));
        expect(figure.listDefinition!.en).toContain(`at least ${figure.value} min (the ${share} value)`);
        expect(figure.listDefinition!['zh-CN']).toContain(`不少于 ${figure.value} 分钟`);
      }
    }
  });

  it('narrows every figure by type, team, agent, channel and priority', async () => {
    const agent = history.agents[0]!.id;
    const body = await dashboard(`from=${FROM}&to=${TO}&type=it.incident&team=it-desk&agent=${agent}`);
    const expected = tickets.filter(
      (t) => t.type === 'it.incident' && t.team === 'it-desk' && t.assignee === agent,
    );
    expect(body.kpis.volume.value).toBe(expected.length);
    expect(await listed(body.kpis.volume.tickets)).toEqual(expected.map((t) => t.id).sort());
    const phone = await dashboard(`from=${FROM}&to=${TO}&channel=phone,email&priority=low,medium`);
    expect(phone.kpis.volume.value).toBe(
      tickets.filter((t) => ['phone', 'email'].includes(t.channel) && ['low', 'medium'].includes(t.priority))
        .length,
    );
    const lastWeek = await dashboard(`from=2026-11-09&to=${TO}`);
    expect(lastWeek.kpis.volume.value).toBe(
      tickets.filter((t) => t.createdAt >= Date.parse('2026-11-09T00:00:00+08:00')).length,
    );
  });

  it('counts the same from the memory catalog as on the database', async () => {
    const database = await buildTestApp(DATABASE, { clock, ticketCatalog: 'database' });
    try {
      const [fromDatabase, fromMemory] = [await dashboard(undefined, database), await dashboard()];
      expect(fromDatabase.source).toBe('database');
      expect(fromMemory.source).toBe('memory');
      const { source: _a, generatedAt: _b, ...databaseFigures } = fromDatabase;
      const { source: _c, generatedAt: _d, ...memoryFigures } = fromMemory;
      expect(memoryFigures).toEqual(databaseFigures);
      // The lists behind them agree too: a heat map cell, and a percentile's tail in its order.
      const [weekday, hour] = cellOf(tickets[0]!.createdAt);
      const cell = fromMemory.heatmap.tickets[weekday]![hour]!;
      expect(await listed(cell, { on: database })).toEqual(await listed(cell));
      const tail = fromMemory.kpis.resolution.business.p90.tickets;
      expect(await listed(tail, { on: database, ordered: true, limit: 2 })).toEqual(
        await listed(tail, { ordered: true, limit: 2 }),
      );
    } finally {
      await database.close();
    }
  });

  it('shows an agent only the tickets they may see', async () => {
    const outsider = await createUser(app, history.admin, { username: 'outside.agent', roles: ['agent'] });
    const { body } = await call(app, {
      method: 'GET',
      url: `/api/analytics/dashboard?from=${FROM}&to=${TO}`,
      headers: bearer(outsider.token),
    });
    expect(body.kpis).toMatchObject({ volume: { value: 0 } });
    const requester = await createUser(app, history.admin, { username: 'just.asking', roles: ['requester'] });
    const refused = await call(app, {
      method: 'GET',
      url: '/api/analytics/dashboard',
      headers: bearer(requester.token),
    });
    expect(refused.status).toBe(403);
  });

  it.each([
    ['an unknown filter', 'from=2026-11-01&colour=red', 'query.colour'],
    ['an inverted period', 'from=2026-11-10&to=2026-11-01', 'query.to'],
    ['a day that does not exist', 'from=2026-02-30', 'query.from'],
    ['an agent that is not an id', 'agent=zhang', 'query.agent'],
    ['an unknown granularity', 'granularity=hour', 'query.granularity'],
  ])('refuses %s with problem+json naming the parameter', async (_what, query, field) => {
    const { status, body, response } = await call(app, {
      method: 'GET',
      url: `/api/analytics/dashboard?${query}`,
      headers: bearer(history.admin),
    });
    expect(status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(body.field).toBe(field);
  });
});

describe('GET /api/tickets with the drill-down filters', () => {
  it.each([
    ['an hour without the days it counts in', 'createdHour=9', 'query.createdHour'],
    ['a weekday without the days', 'createdFrom=2026-11-02&createdWeekday=2', 'query.createdWeekday'],
    [
      'a weekday past Sunday',
      'createdFrom=2026-11-02&createdTo=2026-11-09&createdWeekday=8',
      'query.createdWeekday',
    ],
    ['an hour past 23', 'createdFrom=2026-11-02&createdTo=2026-11-09&createdHour=24', 'query.createdHour'],
    [
      'over more than three years',
      'createdFrom=2020-01-01&createdTo=2026-11-09&createdHour=9',
      'query.createdHour',
    ],
    ['a negative duration', 'firstResponseAtLeast=-5', 'query.firstResponseAtLeast'],
    ['an unknown sort', 'sort=-satisfaction', 'query.sort'],
  ])('refuses %s with problem+json naming the parameter', async (_what, query, field) => {
    const { status, body, response } = await call(app, {
      method: 'GET',
      url: `/api/tickets?${query}`,
      headers: bearer(history.admin),
    });
    expect(status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(body.field).toBe(field);
  });
});

describe('GET /api/analytics/distribution', () => {
  it('pages the rows of one dimension, and refuses a page past the end', async () => {
    const page = await call(app, {
      method: 'GET',
      url: `/api/analytics/distribution?by=agent&from=${FROM}&to=${TO}&limit=2&offset=1`,
      headers: bearer(history.admin),
    });
    expect(page.status).toBe(200);
    const total = new Set(tickets.map((t) => t.assignee)).size;
    expect(page.body.total).toBe(total);
    expect(page.body.items).toHaveLength(2);
    const names = (page.body.names as { users: Record<string, unknown> }).users;
    for (const row of page.body.items as DistributionRow[]) if (row.key) expect(names[row.key]).toBeDefined();
    const past = await call(app, {
      method: 'GET',
      url: `/api/analytics/distribution?by=agent&from=${FROM}&to=${TO}&offset=${total}`,
      headers: bearer(history.admin),
    });
    expect(past.status).toBe(400);
    expect(past.body.field).toBe('query.offset');
  });
});

describe('GET /api/analytics/dashboard.csv', () => {
  it('exports every figure with its definition, as UTF-8 with a byte-order mark', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/api/analytics/dashboard.csv?from=${FROM}&to=${TO}&locale=zh-CN`,
      headers: bearer(history.admin),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    const bytes = response.rawPayload;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).trim().split('\r\n');
    expect(lines[0]).toBe('部分,项,指标,数值,基数,定义,工单列表');
    const volume = lines.find((line) => line.startsWith(`kpi,${FROM}..${TO},volume,`))!;
    expect(volume).toContain(`,${tickets.length},`);
    expect(volume).toContain('统计期间内创建的工单数');
  });
});
