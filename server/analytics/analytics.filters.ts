/**
 * What a report is computed over, said once for both sides of a drill-down: the analytics filters become one
 * MongoDB filter over the ticket projections, and every figure carries the `GET /api/tickets` query that lists
 * exactly the tickets it counted (the list understands the same reporting filters, `reportingListFilters`).
 */
import { DateTime } from 'luxon';
import { periodBuckets } from '../../runtime/time/index.js';
import { badRequest } from '../lib/problem.js';
import { weekHourCell } from './analytics.tally.js';

/** The zone reports read days, weekdays and hours in when a ticket carries none of its own (heat map, defaults). */
export const REPORT_ZONE = 'Asia/Shanghai';

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DAY_PATTERN = '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$';

const MAX_DAYS = 3 * 366;

const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / 86_400_000;
export const dayOf = (n: number) => new Date(n * 86_400_000).toISOString().slice(0, 10);

export const GRANULARITIES = ['day', 'week', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/**
 * 0/1 reporting facts a ticket list can be narrowed to (`flag=breached,!fcr`): the first filter is the fact, the
 * second its negation. Both are plain equality or range tests, so they run on MongoDB, FerretDB and in the memory
 * catalog alike.
 */
export const TICKET_FLAGS: Record<string, readonly [Record<string, unknown>, Record<string, unknown>]> = {
  open: [{ open: 1 }, { open: 0 }],
  resolved: [{ resolved: 1 }, { resolved: 0 }],
  breached: [{ breached: 1 }, { breached: 0 }],
  slaMet: [{ slaMet: 1 }, { slaMet: 0 }],
  fcr: [{ fcr: 1 }, { fcr: 0 }],
  rated: [{ rated: 1 }, { rated: 0 }],
  satisfied: [{ satisfied: 1 }, { satisfied: 0 }],
  neutral: [{ neutral: 1 }, { neutral: 0 }],
  dissatisfied: [{ dissatisfied: 1 }, { dissatisfied: 0 }],
  reopened: [{ reopenCount: { $gt: 0 } }, { reopenCount: 0 }],
  transferred: [{ transferCount: { $gt: 0 } }, { transferCount: 0 }],
  responded: [{ firstResponseMinutes: { $gt: -1 } }, { firstResponseMinutes: null }],
};

/**
 * Measured durations (minutes, in the reporting projection) a ticket list can be narrowed to — at least so many
 * minutes, `firstResponseAtLeast=120` — and sorted by, longest first (`sort=-firstResponse`): the drill-down of a
 * percentile lists the tickets at or beyond it, slowest first.
 */
export const MEASURES = {
  firstResponse: 'firstResponseMinutes',
  firstResponseBusiness: 'firstResponseBusinessMinutes',
  resolution: 'resolutionMinutes',
  resolutionBusiness: 'resolutionBusinessMinutes',
} as const;
export type Measure = keyof typeof MEASURES;

const MEASURE_WORDS: Record<Measure, string> = {
  firstResponse: 'first response, calendar minutes',
  firstResponseBusiness: 'first response, business minutes',
  resolution: 'resolution, calendar minutes',
  resolutionBusiness: 'resolution, business minutes',
};

/** The list sorts by a measure, longest first; tickets not measured yet are not in such a list. */
export const MEASURE_SORTS = Object.fromEntries(
  (Object.keys(MEASURES) as Measure[]).map((measure) => [
    `-${measure}`,
    { field: MEASURES[measure], direction: -1 as const, date: false as const },
  ]),
) as Record<`-${Measure}`, { field: (typeof MEASURES)[Measure]; direction: -1; date: false }>;

const atLeastProperties = Object.fromEntries(
  (Object.keys(MEASURES) as Measure[]).map((measure) => [
    `${measure}AtLeast`,
    {
      type: 'integer',
      minimum: 0,
      maximum: 100_000_000,
      description: `Tickets whose ${MEASURE_WORDS[measure]} are at least this many (measured ones only)`,
    },
  ]),
) as Record<`${Measure}AtLeast`, { type: 'integer'; minimum: 0; maximum: number; description: string }>;

/** The reporting filters `GET /api/tickets` accepts beside its own (merged into its query schema). */
export const reportingListQueryProperties = {
  createdFrom: {
    type: 'string',
    pattern: DAY_PATTERN,
    description: 'Created on or after this day (YYYY-MM-DD, in the ticket type calendar’s zone)',
  },
  createdTo: {
    type: 'string',
    pattern: DAY_PATTERN,
    description: 'Created on or before this day (YYYY-MM-DD)',
  },
  createdWeek: { type: 'string', pattern: '^\\d{4}-W\\d{2}$', description: 'Created in this ISO week' },
  createdMonth: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'Created in this month' },
  createdAfter: { type: 'string', format: 'date-time', description: 'Created at or after this instant' },
  createdBefore: { type: 'string', format: 'date-time', description: 'Created before this instant' },
  createdWeekday: {
    type: 'integer',
    minimum: 1,
    maximum: 7,
    description: `Created on this weekday (1 Monday … 7 Sunday) in ${REPORT_ZONE}, the dashboard's zone; needs createdFrom and createdTo`,
  },
  createdHour: {
    type: 'integer',
    minimum: 0,
    maximum: 23,
    description: `Created in this hour of the day (0–23) in ${REPORT_ZONE}; needs createdFrom and createdTo`,
  },
  ...atLeastProperties,
  category: { type: 'string', maxLength: 200, description: 'Ticket type categories, comma-separated' },
  flag: {
    type: 'string',
    maxLength: 300,
    description: `Reporting facts, comma-separated, each optionally negated with "!": ${Object.keys(TICKET_FLAGS).join(', ')}`,
  },
} as const;

const list = (value: unknown): string[] =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : [];

/** `none` in a team or agent list means "no team / nobody": stored as null. */
const orNone = (values: string[]) => values.map((value) => (value === 'none' ? null : value));

/** The database filters of the reporting part of a ticket list query. */
export function reportingListFilters(query: Record<string, unknown>): Record<string, unknown>[] {
  const filters: Record<string, unknown>[] = [];
  const from = query.createdFrom as string | undefined;
  const to = query.createdTo as string | undefined;
  if (from && to && from > to)
    throw badRequest('query.createdTo', {
      'zh-CN': '结束日期早于开始日期',
      en: 'is before createdFrom',
    });
  if (from || to)
    filters.push({ createdDay: { ...(from ? { $gte: from } : {}), ...(to ? { $lte: to } : {}) } });
  if (query.createdWeek) filters.push({ createdWeek: query.createdWeek });
  if (query.createdMonth) filters.push({ createdMonth: query.createdMonth });
  if (query.createdAfter) filters.push({ createdAt: { $gte: new Date(query.createdAfter as string) } });
  if (query.createdBefore) filters.push({ createdAt: { $lt: new Date(query.createdBefore as string) } });
  const weekday = query.createdWeekday;
  const hour = query.createdHour;
  if (weekday !== undefined || hour !== undefined) {
    const field = hour !== undefined ? 'query.createdHour' : 'query.createdWeekday';
    if (!from || !to)
      throw badRequest(field, {
        'zh-CN': '需同时给出创建日期范围（createdFrom 和 createdTo）',
        en: 'needs createdFrom and createdTo (the days it counts in)',
      });
    if (dayNumber(to) - dayNumber(from) > MAX_DAYS)
      throw badRequest(field, {
        'zh-CN': '按星期或小时筛选时，创建日期范围最长三年',
        en: 'needs createdFrom and createdTo at most three years apart',
      });
    filters.push(
      createdSlotsFilter(
        from,
        to,
        weekday === undefined ? undefined : Number(weekday) - 1,
        hour === undefined ? undefined : Number(hour),
      ),
    );
  }
  for (const measure of Object.keys(MEASURES) as Measure[]) {
    const least = query[`${measure}AtLeast`];
    if (least !== undefined) filters.push({ [MEASURES[measure]]: { $gte: Number(least) } });
  }
  const sort = Object.hasOwn(MEASURE_SORTS, String(query.sort))
    ? MEASURE_SORTS[query.sort as `-${Measure}`]
    : undefined;
  // A list sorted by a measure holds the measured tickets (an unmeasured one has nothing to be placed by).
  if (sort) filters.push({ [sort.field]: { $gte: 0 } });
  const categories = list(query.category);
  if (categories.length) filters.push({ category: { $in: categories } });
  for (const flag of list(query.flag)) {
    const negated = flag.startsWith('!');
    const tests = TICKET_FLAGS[negated ? flag.slice(1) : flag];
    if (!tests)
      throw badRequest('query.flag', {
        'zh-CN': `未知的统计条件“${flag}”`,
        en: `names an unknown fact "${flag}" (known: ${Object.keys(TICKET_FLAGS).join(', ')})`,
      });
    filters.push(tests[negated ? 1 : 0]);
  }
  return filters;
}

const SLOT_MS = 15 * 60_000;

/**
 * Tickets created on a weekday (Monday 0) and/or in an hour of the day in the report zone, between the days
 * `from` and `to`: the instants whose heat map cell (`weekHourCell`, the same function the dashboard places tickets
 * with) matches, as `createdAt` ranges — plain range tests, so the database and the memory catalog (sift) answer
 * the same. The ranges run a day beyond the period on each side: the period is read in each ticket type's zone
 * (`createdDay`, beside this filter), which may be a day apart from the report zone's. Offsets are whole quarter
 * hours, so quarter-hour steps place every instant as the heat map does.
 */
export function createdSlotsFilter(
  from: string,
  to: string,
  weekday?: number,
  hour?: number,
): Record<string, unknown> {
  const cellOf = weekHourCell(REPORT_ZONE);
  const ranges: [number, number][] = [];
  const end = (dayNumber(to) + 2) * 86_400_000;
  for (let at = (dayNumber(from) - 1) * 86_400_000; at < end; at += SLOT_MS) {
    const cell = cellOf(at);
    if (weekday !== undefined && Math.floor(cell / 24) !== weekday) continue;
    if (hour !== undefined && cell % 24 !== hour) continue;
    const last = ranges[ranges.length - 1];
    if (last && last[1] === at) last[1] = at + SLOT_MS;
    else ranges.push([at, at + SLOT_MS]);
  }
  if (ranges.length === 0) return { _id: { $in: [] } };
  return {
    $or: ranges.map(([start, stop]) => ({ createdAt: { $gte: new Date(start), $lt: new Date(stop) } })),
  };
}

/** The analytics filters, as the dashboard, the distribution pages and the CSV export accept them. */
export const analyticsFilterProperties = {
  from: { type: 'string', pattern: DAY_PATTERN, description: 'First day of the period (YYYY-MM-DD)' },
  to: { type: 'string', pattern: DAY_PATTERN, description: 'Last day of the period (YYYY-MM-DD), included' },
  granularity: { type: 'string', enum: [...GRANULARITIES], default: 'day' },
  type: { type: 'string', maxLength: 200, description: 'Ticket type keys, comma-separated' },
  team: { type: 'string', maxLength: 200, description: 'Team keys, comma-separated; `none`: no team' },
  agent: { type: 'string', maxLength: 64, description: 'Assignee user id; `none`: unassigned' },
  channel: { type: 'string', maxLength: 200, description: 'Channels, comma-separated' },
  priority: { type: 'string', maxLength: 100, description: 'Priorities, comma-separated' },
} as const;

export interface AnalyticsFilters {
  from: string;
  to: string;
  granularity: Granularity;
  type: string[];
  team: string[];
  agent?: string;
  channel: string[];
  priority: string[];
}

/** Today in the report zone, and the last 30 days ending today when no period is given. */
export function parseAnalyticsFilters(query: Record<string, unknown>, now: number): AnalyticsFilters {
  const today = periodBuckets(now, REPORT_ZONE).day;
  const to = (query.to as string | undefined) ?? (query.from ? undefined : today);
  const from = (query.from as string | undefined) ?? dayOf(dayNumber(to ?? today) - 29);
  const last = to ?? dayOf(Math.max(dayNumber(from) + 29, dayNumber(from)));
  for (const [field, day] of [
    ['query.from', from],
    ['query.to', last],
  ] as const)
    if (!DAY.test(day) || dayOf(dayNumber(day)) !== day)
      throw badRequest(field, { 'zh-CN': '不是有效的日期', en: 'is not a calendar day' });
  if (from > last)
    throw badRequest('query.to', {
      'zh-CN': '结束日期早于开始日期',
      en: 'is before from: the period is inverted',
    });
  if (dayNumber(last) - dayNumber(from) > MAX_DAYS)
    throw badRequest('query.to', {
      'zh-CN': '统计期间最长三年',
      en: 'is more than three years after from',
    });
  const agent = query.agent as string | undefined;
  if (agent !== undefined && agent !== 'none' && !/^[0-9a-f]{24}$/.test(agent))
    throw badRequest('query.agent', { 'zh-CN': '不是用户编号', en: 'is not a user id (or none)' });
  return {
    from,
    to: last,
    granularity: (query.granularity as Granularity | undefined) ?? 'day',
    type: list(query.type),
    team: list(query.team),
    agent,
    channel: list(query.channel),
    priority: list(query.priority),
  };
}

/** The days of the period, oldest first. */
export function daysOf(filters: Pick<AnalyticsFilters, 'from' | 'to'>): string[] {
  const days: string[] = [];
  for (let n = dayNumber(filters.from); n <= dayNumber(filters.to); n++) days.push(dayOf(n));
  return days;
}

/** The database filter of everything but the period (dimension filters). */
export function dimensionFilter(filters: AnalyticsFilters): Record<string, unknown>[] {
  const parts: Record<string, unknown>[] = [];
  if (filters.type.length) parts.push({ typeKey: { $in: filters.type } });
  if (filters.team.length) parts.push({ team: { $in: orNone(filters.team) } });
  if (filters.agent) parts.push({ assignee: filters.agent === 'none' ? null : filters.agent });
  if (filters.channel.length) parts.push({ channel: { $in: filters.channel } });
  if (filters.priority.length) parts.push({ priority: { $in: filters.priority } });
  return parts;
}

export const periodFilter = (filters: AnalyticsFilters) => ({
  createdDay: { $gte: filters.from, $lte: filters.to },
});

/** The `GET /api/tickets` query of the tickets a figure counted: the same dimensions, plus what is given. */
export function ticketsQuery(
  filters: AnalyticsFilters,
  extra: Record<string, string | null | undefined>,
  { period = true }: { period?: boolean } = {},
): string {
  const query = new URLSearchParams();
  if (period) {
    query.set('createdFrom', filters.from);
    query.set('createdTo', filters.to);
  }
  if (filters.type.length) query.set('type', filters.type.join(','));
  if (filters.team.length) query.set('team', filters.team.join(','));
  if (filters.agent) query.set('assignee', filters.agent);
  if (filters.channel.length) query.set('channel', filters.channel.join(','));
  if (filters.priority.length) query.set('priority', filters.priority.join(','));
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) continue;
    // A narrower value of a dimension already filtered replaces it (a bar of one team within "team=a,b").
    query.set(key, value === null ? 'none' : value);
  }
  return query.toString();
}

/** The period as instants: from the first day's midnight to the midnight after the last day, in the report zone. */
export function periodInstants(filters: Pick<AnalyticsFilters, 'from' | 'to'>): { from: Date; to: Date } {
  const start = DateTime.fromISO(filters.from, { zone: REPORT_ZONE }).startOf('day');
  const end = DateTime.fromISO(filters.to, { zone: REPORT_ZONE }).startOf('day').plus({ days: 1 });
  return { from: start.toJSDate(), to: end.toJSDate() };
}
