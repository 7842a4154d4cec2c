/**
 * The dashboard: every KPI of DESIGN.md §7 from one tally (analytics.tally.ts), each figure with its definition
 * and the ticket-list query of the tickets it counted (and, for a share, of the tickets it is a share of).
 */
import type { Filter } from 'mongodb';
import type { LocalizedText } from '../../runtime/common/types.js';
import { periodBuckets } from '../../runtime/time/index.js';
import type { TicketCatalog } from '../tickets/ticket-catalog.js';
import type { TicketDoc } from '../tickets/ticket.projection.js';
import { DEFINITIONS, percentileListDefinition, type DefinitionKey } from './analytics.definitions.js';
import {
  daysOf,
  dimensionFilter,
  MEASURES,
  type Measure,
  REPORT_ZONE,
  ticketsQuery,
  type AnalyticsFilters,
} from './analytics.filters.js';
import {
  percentileOf,
  tallyDatabase,
  tallyMemory,
  type Group,
  type GroupSpec,
  type TallyResult,
} from './analytics.tally.js';
import type { Collection } from 'mongodb';

export interface Figure {
  value: number | null;
  /** How many tickets the figure was computed from (the denominator of a share or mean). */
  count: number;
  definition: LocalizedText;
  /** `GET /api/tickets` query of the tickets counted (the numerator of a share); null when none can be listed. */
  tickets: string | null;
  /** For a share: the query of the tickets it is a share of. */
  of?: string;
  /** How many tickets `tickets` lists, when that is not `count` (a percentile lists the tickets at or beyond it). */
  listed?: number;
  /** What `tickets` lists, when that is not simply the tickets counted (a percentile's), said beside it. */
  listDefinition?: LocalizedText;
}

export interface DurationFigures {
  mean: Figure;
  p50: Figure;
  p90: Figure;
}

export const DIMENSIONS = {
  channel: 'channel',
  type: 'typeKey',
  category: 'category',
  priority: 'priority',
  team: 'team',
  agent: 'assignee',
} as const;
export type Dimension = keyof typeof DIMENSIONS;

/** The ticket-list parameter that narrows to one value of a dimension. */
const LIST_PARAM: Record<Dimension, string> = {
  channel: 'channel',
  type: 'type',
  category: 'category',
  priority: 'priority',
  team: 'team',
  agent: 'assignee',
};

export interface DistributionRow {
  key: string | null;
  count: number;
  resolved: number;
  breached: number;
  slaMet: number;
  fcr: number;
  rated: number;
  satisfied: number;
  open: number;
  tickets: string;
  breachedTickets: string;
}

export const AGE_BUCKETS = [
  { key: 'lt1d', days: 1 },
  { key: 'd1to3', days: 3 },
  { key: 'd3to7', days: 7 },
  { key: 'd7to30', days: 30 },
  { key: 'gte30d', days: null },
] as const;

const DAY_MS = 86_400_000;

export interface Dashboard {
  period: { from: string; to: string; granularity: string; zone: string };
  generatedAt: string;
  source: 'memory' | 'database';
  kpis: {
    volume: Figure;
    resolved: Figure;
    firstResponse: { calendar: DurationFigures; business: DurationFigures };
    resolution: { calendar: DurationFigures; business: DurationFigures };
    fcr: Figure;
    csat: Figure;
    slaAttainment: Figure;
    breached: Figure;
    currentBreaches: Figure;
    backlog: Figure;
    reopenRate: Figure;
    transferRate: Figure;
    deflections: Figure & { recorded: boolean };
  };
  csat: { satisfied: Figure; neutral: Figure; dissatisfied: Figure };
  trend: {
    granularity: string;
    definition: LocalizedText;
    buckets: {
      period: string;
      opened: number;
      resolved: number;
      breached: number;
      tickets: string;
      breachedTickets: string;
    }[];
  };
  distributions: Record<Dimension, { definition: LocalizedText; rows: DistributionRow[]; total: number }>;
  backlogByAge: { definition: LocalizedText; buckets: { key: string; count: number; tickets: string }[] };
  /** Opens by weekday (Monday first) and hour; `tickets[weekday][hour]` lists exactly the tickets of a cell. */
  heatmap: { definition: LocalizedText; zone: string; cells: number[][]; tickets: string[][] };
}

/** Rows of a distribution kept on the dashboard; the rest are paged by `GET /api/analytics/distribution`. */
export const DASHBOARD_ROWS = 20;

const def = (key: DefinitionKey): LocalizedText => DEFINITIONS[key];
const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);

function specsFor(filters: AnalyticsFilters): GroupSpec[] {
  const bucket =
    filters.granularity === 'day'
      ? 'createdDay'
      : filters.granularity === 'week'
        ? 'createdWeek'
        : 'createdMonth';
  return [
    { name: 'totals', scope: 'cohort', by: null },
    { name: 'trend', scope: 'cohort', by: bucket },
    ...Object.entries(DIMENSIONS).map(([name, field]): GroupSpec => ({
      name: `by.${name}`,
      scope: 'cohort',
      by: field,
    })),
    ...(Object.keys(MEASURES) as Measure[]).map((measure): GroupSpec => ({
      name: MEASURES[measure],
      scope: 'cohort',
      by: MEASURES[measure],
      ...(measure.startsWith('resolution') ? { where: { resolved: 1 as const } } : {}),
      skipNull: true,
      countOnly: true,
    })),
    { name: 'reopenCount', scope: 'cohort', by: 'reopenCount', countOnly: true },
    { name: 'transferCount', scope: 'cohort', by: 'transferCount', countOnly: true },
    { name: 'current', scope: 'current', by: null },
  ];
}

export interface TallySources {
  catalog: TicketCatalog;
  tickets: Collection<TicketDoc>;
}

/** Count once: in the memory catalog when this process holds one, else on the database. */
export async function tallyFor(
  sources: TallySources,
  visibility: Record<string, unknown>,
  filters: AnalyticsFilters,
  now: number,
): Promise<TallyResult> {
  const base = { $and: [visibility, ...dimensionFilter(filters)] } as Filter<TicketDoc>;
  const request = {
    base,
    from: filters.from,
    to: filters.to,
    specs: specsFor(filters),
    ageBounds: AGE_BUCKETS.filter((bucket) => bucket.days !== null).map(
      (bucket) => now - bucket.days * DAY_MS,
    ),
    zone: REPORT_ZONE,
  };
  return sources.catalog.kind === 'memory'
    ? tallyMemory(sources.catalog, request)
    : tallyDatabase(sources.tickets, request);
}

/**
 * Mean, p50 and p90 of one measure from its histogram. The mean lists every measured ticket (`tickets`); a
 * percentile lists the tickets at or beyond it, longest first, and says so (`listDefinition`, `listed`).
 */
function durations(
  groups: Group[],
  measure: Measure,
  definition: LocalizedText,
  tickets: string,
  filters: AnalyticsFilters,
  base: Record<string, string>,
): DurationFigures {
  const histogram = groups.map((group): [number, number] => [Number(group.key), group.n]);
  const count = histogram.reduce((sum, [, n]) => sum + n, 0);
  const total = histogram.reduce((sum, [value, n]) => sum + value * n, 0);
  const percentile = (share: 0.5 | 0.9): Figure => {
    const value = percentileOf(histogram, share);
    if (value === null) return { value, count, definition, tickets };
    return {
      value,
      count,
      definition,
      tickets: ticketsQuery(filters, {
        ...base,
        [`${measure}AtLeast`]: String(value),
        sort: `-${measure}`,
      }),
      listed: histogram.reduce((sum, [minutes, n]) => (minutes >= value ? sum + n : sum), 0),
      listDefinition: percentileListDefinition(measure, share === 0.5 ? 'p50' : 'p90', value),
    };
  };
  return {
    mean: { value: count > 0 ? Math.round((total / count) * 10) / 10 : null, count, definition, tickets },
    p50: percentile(0.5),
    p90: percentile(0.9),
  };
}

/** Periods of the trend axis: every day, ISO week or month the period touches, with nothing missing. */
function periodsOf(filters: AnalyticsFilters): string[] {
  const days = daysOf(filters);
  if (filters.granularity === 'day') return days;
  const seen = new Set<string>();
  for (const day of days) {
    // Noon UTC of the day is the same calendar day in every zone within ±11 h; the zone's own buckets decide.
    const buckets = periodBuckets(Date.parse(`${day}T04:00:00Z`), REPORT_ZONE);
    seen.add(filters.granularity === 'week' ? buckets.week : buckets.month);
  }
  return [...seen];
}

export function distributionRows(
  groups: Group[],
  dimension: Dimension,
  filters: AnalyticsFilters,
): DistributionRow[] {
  const param = LIST_PARAM[dimension];
  return groups
    .map((group): DistributionRow => ({
      key: group.key === null ? null : String(group.key),
      count: group.n,
      resolved: group.sums.resolved,
      breached: group.sums.breached,
      slaMet: group.sums.slaMet,
      fcr: group.sums.fcr,
      rated: group.sums.rated,
      satisfied: group.sums.satisfied,
      open: group.sums.open,
      tickets: ticketsQuery(filters, { [param]: group.key === null ? null : String(group.key) }),
      breachedTickets: ticketsQuery(filters, {
        [param]: group.key === null ? null : String(group.key),
        flag: 'breached',
      }),
    }))
    .sort((a, b) => b.count - a.count || String(a.key).localeCompare(String(b.key)));
}

export function buildDashboard(
  tally: TallyResult,
  filters: AnalyticsFilters,
  now: number,
  /** Deflections the knowledge base recorded in the period; absent: not counted (shown as 0, not recorded). */
  deflections?: number,
): Dashboard {
  const groups = (name: string) => tally.groups.get(name) ?? [];
  const totals = groups('totals')[0] ?? { n: 0, sums: {} as Group['sums'] };
  const sum = (field: keyof Group['sums']) => totals.sums[field] ?? 0;
  const n = totals.n;
  const current = groups('current')[0];
  const all = ticketsQuery(filters, {});
  const flagged = (flag: string) => ticketsQuery(filters, { flag });
  const count = (value: number, key: DefinitionKey, tickets: string | null): Figure => ({
    value,
    count: value,
    definition: def(key),
    tickets,
  });
  const rate = (part: number, whole: number, key: DefinitionKey, tickets: string, of: string): Figure => ({
    value: share(part, whole),
    count: whole,
    definition: def(key),
    tickets,
    of,
  });
  const histogramTotal = (name: string) =>
    groups(name)
      .filter((group) => Number(group.key) > 0)
      .reduce((total, group) => total + group.n, 0);

  const responded = flagged('responded');
  const resolvedList = flagged('resolved');
  const measured = (measure: Measure, key: DefinitionKey, tickets: string, base: Record<string, string>) =>
    durations(groups(MEASURES[measure]), measure, def(key), tickets, filters, base);
  const trendRows = new Map(groups('trend').map((group) => [String(group.key), group]));
  const param =
    filters.granularity === 'day' ? null : filters.granularity === 'week' ? 'createdWeek' : 'createdMonth';
  const bucketQuery = (period: string, extra: Record<string, string> = {}) =>
    param
      ? ticketsQuery(filters, { [param]: period, ...extra })
      : ticketsQuery({ ...filters, from: period, to: period }, extra);

  const distributions = Object.fromEntries(
    (Object.keys(DIMENSIONS) as Dimension[]).map((dimension) => {
      const rows = distributionRows(groups(`by.${dimension}`), dimension, filters);
      return [
        dimension,
        { definition: def('distribution'), rows: rows.slice(0, DASHBOARD_ROWS), total: rows.length },
      ];
    }),
  ) as Dashboard['distributions'];

  const bounds = AGE_BUCKETS.map((bucket) => (bucket.days === null ? null : now - bucket.days * DAY_MS));
  return {
    period: { from: filters.from, to: filters.to, granularity: filters.granularity, zone: REPORT_ZONE },
    generatedAt: new Date(now).toISOString(),
    source: tally.source,
    kpis: {
      volume: count(n, 'volume', all),
      resolved: count(sum('resolved'), 'resolved', resolvedList),
      firstResponse: {
        calendar: measured('firstResponse', 'firstResponseCalendar', responded, {}),
        business: measured('firstResponseBusiness', 'firstResponseBusiness', responded, {}),
      },
      resolution: {
        calendar: measured('resolution', 'resolutionCalendar', resolvedList, { flag: 'resolved' }),
        business: measured('resolutionBusiness', 'resolutionBusiness', resolvedList, { flag: 'resolved' }),
      },
      fcr: rate(sum('fcr'), sum('resolved'), 'fcr', flagged('fcr'), resolvedList),
      csat: rate(sum('satisfied'), sum('rated'), 'csat', flagged('satisfied'), flagged('rated')),
      slaAttainment: rate(sum('slaMet'), sum('resolved'), 'slaAttainment', flagged('slaMet'), resolvedList),
      breached: count(sum('breached'), 'breached', flagged('breached')),
      currentBreaches: count(
        current?.sums.breached ?? 0,
        'currentBreaches',
        ticketsQuery(filters, { flag: 'open,breached' }, { period: false }),
      ),
      backlog: count(current?.n ?? 0, 'backlog', ticketsQuery(filters, { flag: 'open' }, { period: false })),
      reopenRate: rate(histogramTotal('reopenCount'), n, 'reopenRate', flagged('reopened'), all),
      transferRate: rate(histogramTotal('transferCount'), n, 'transferRate', flagged('transferred'), all),
      deflections:
        deflections === undefined
          ? { ...count(0, 'deflections', null), recorded: false }
          : { ...count(deflections, 'deflections', null), recorded: true },
    },
    csat: {
      satisfied: rate(sum('satisfied'), sum('rated'), 'csatAnswer', flagged('satisfied'), flagged('rated')),
      neutral: rate(sum('neutral'), sum('rated'), 'csatAnswer', flagged('neutral'), flagged('rated')),
      dissatisfied: rate(
        sum('dissatisfied'),
        sum('rated'),
        'csatAnswer',
        flagged('dissatisfied'),
        flagged('rated'),
      ),
    },
    trend: {
      granularity: filters.granularity,
      definition: def('trend'),
      buckets: periodsOf(filters).map((period) => {
        const group = trendRows.get(period);
        return {
          period,
          opened: group?.n ?? 0,
          resolved: group?.sums.resolved ?? 0,
          breached: group?.sums.breached ?? 0,
          tickets: bucketQuery(period),
          breachedTickets: bucketQuery(period, { flag: 'breached' }),
        };
      }),
    },
    distributions,
    backlogByAge: {
      definition: def('backlog'),
      buckets: AGE_BUCKETS.map((bucket, index) => ({
        key: bucket.key,
        count: tally.ages[index] ?? 0,
        tickets: ticketsQuery(
          filters,
          {
            flag: 'open',
            createdBefore: index > 0 ? new Date(bounds[index - 1]!).toISOString() : undefined,
            createdAfter: bounds[index] !== null ? new Date(bounds[index]!).toISOString() : undefined,
          },
          { period: false },
        ),
      })),
    },
    heatmap: {
      definition: def('heatmap'),
      zone: REPORT_ZONE,
      cells: tally.heatmap,
      tickets: tally.heatmap.map((hours, weekday) =>
        hours.map((_, hour) =>
          ticketsQuery(filters, { createdWeekday: String(weekday + 1), createdHour: String(hour) }),
        ),
      ),
    },
  };
}
