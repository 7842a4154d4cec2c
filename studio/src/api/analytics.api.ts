/** The dashboard (`GET /api/analytics/dashboard`), its CSV export and the paged distributions. */
import { request } from './client';
import type { LocalizedText } from './types';

/** A figure with what it means and the ticket-list query of the tickets it counted. */
export interface AnalyticsFigure {
  value: number | null;
  count: number;
  definition: LocalizedText;
  /** `GET /api/tickets` query (and the ticket queue's address query) of the tickets counted; null: none listable. */
  tickets: string | null;
  /** For a share: the query of the tickets it is a share of. */
  of?: string;
  /** How many tickets `tickets` lists, when that is not `count` (a percentile lists those at or beyond it). */
  listed?: number;
  /** What `tickets` lists, when that is not simply the tickets counted (a percentile's tail). */
  listDefinition?: LocalizedText;
}

export interface DurationFigures {
  mean: AnalyticsFigure;
  p50: AnalyticsFigure;
  p90: AnalyticsFigure;
}

export const ANALYTICS_DIMENSIONS = ['channel', 'type', 'category', 'priority', 'team', 'agent'] as const;
export type AnalyticsDimension = (typeof ANALYTICS_DIMENSIONS)[number];

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

export interface TrendBucket {
  period: string;
  opened: number;
  resolved: number;
  breached: number;
  tickets: string;
  breachedTickets: string;
}

export interface Dashboard {
  period: { from: string; to: string; granularity: Granularity; zone: string };
  generatedAt: string;
  kpis: {
    volume: AnalyticsFigure;
    resolved: AnalyticsFigure;
    firstResponse: { calendar: DurationFigures; business: DurationFigures };
    resolution: { calendar: DurationFigures; business: DurationFigures };
    fcr: AnalyticsFigure;
    csat: AnalyticsFigure;
    slaAttainment: AnalyticsFigure;
    breached: AnalyticsFigure;
    currentBreaches: AnalyticsFigure;
    backlog: AnalyticsFigure;
    reopenRate: AnalyticsFigure;
    transferRate: AnalyticsFigure;
    deflections: AnalyticsFigure & { recorded: boolean };
  };
  csat: { satisfied: AnalyticsFigure; neutral: AnalyticsFigure; dissatisfied: AnalyticsFigure };
  trend: { granularity: Granularity; definition: LocalizedText; buckets: TrendBucket[] };
  distributions: Record<
    AnalyticsDimension,
    { definition: LocalizedText; rows: DistributionRow[]; total: number }
  >;
  backlogByAge: { definition: LocalizedText; buckets: { key: string; count: number; tickets: string }[] };
  /** Opens by weekday (Monday first) × hour; `tickets[weekday][hour]` lists exactly a cell's tickets. */
  heatmap: { definition: LocalizedText; zone: string; cells: number[][]; tickets: string[][] };
  /** Display names of the agents and teams in the distributions. */
  names: { users: Record<string, string>; teams: Record<string, LocalizedText> };
}

export type Granularity = 'day' | 'week' | 'month';

/** The zone the heat map and its drill-down (`createdWeekday`, `createdHour`) read weekdays and hours in. */
export const REPORT_ZONE = 'Asia/Shanghai';

/** Measured durations a ticket list can be narrowed to (`<measure>AtLeast`) and sorted by (`-<measure>`). */
export const MEASURES = [
  'firstResponse',
  'firstResponseBusiness',
  'resolution',
  'resolutionBusiness',
] as const;
export type Measure = (typeof MEASURES)[number];
export const MEASURE_SORTS = MEASURES.map((measure) => `-${measure}` as const);

/** The filters, as the dashboard's address and the API both hold them. */
export interface AnalyticsQuery {
  from?: string;
  to?: string;
  granularity?: Granularity;
  type?: string;
  team?: string;
  agent?: string;
  channel?: string;
  priority?: string;
}

export function loadDashboard(query: AnalyticsQuery, signal?: AbortSignal): Promise<Dashboard> {
  return request<Dashboard>('/api/analytics/dashboard', { query: { ...query }, signal });
}

/** The address of the CSV export of the same figures (the browser downloads it with the session cookie). */
export function dashboardCsvUrl(query: AnalyticsQuery, locale: string): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) search.set(name, String(value));
  search.set('locale', locale === 'en' ? 'en' : 'zh-CN');
  return `/api/analytics/dashboard.csv?${search.toString()}`;
}
