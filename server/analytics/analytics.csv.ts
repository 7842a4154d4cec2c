import type { Locale } from '../../runtime/common/types.js';
import type { Dashboard, DurationFigures, Figure } from './analytics.service.js';

/** A cell as RFC 4180 wants it: quoted when it holds a comma, quote or line break. */
function cell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const HEADERS: Record<Locale, string[]> = {
  'zh-CN': ['部分', '项', '指标', '数值', '基数', '定义', '工单列表'],
  en: ['section', 'item', 'measure', 'value', 'count', 'definition', 'tickets'],
};

/**
 * The dashboard as one table: a row per figure with its definition and the ticket-list query behind it. UTF-8
 * with a byte-order mark, so that Excel opens the Chinese text correctly.
 */
export function dashboardCsv(dashboard: Dashboard, locale: Locale): string {
  const rows: (string | number | null)[][] = [HEADERS[locale]];
  const figure = (section: string, item: string, measure: string, value: Figure) =>
    rows.push([
      section,
      item,
      measure,
      value.value,
      value.count,
      value.listDefinition
        ? `${value.definition[locale]} ${value.listDefinition[locale]}`
        : value.definition[locale],
      value.tickets ?? '',
    ]);
  const { kpis } = dashboard;
  const period = `${dashboard.period.from}..${dashboard.period.to}`;
  figure('kpi', period, 'volume', kpis.volume);
  figure('kpi', period, 'resolved', kpis.resolved);
  const times = (name: string, clocks: { calendar: DurationFigures; business: DurationFigures }) => {
    for (const clock of ['calendar', 'business'] as const)
      for (const measure of ['mean', 'p50', 'p90'] as const)
        figure('kpi', period, `${name}.${clock}.${measure}.minutes`, clocks[clock][measure]);
  };
  times('firstResponse', kpis.firstResponse);
  times('resolution', kpis.resolution);
  for (const name of [
    'fcr',
    'csat',
    'slaAttainment',
    'breached',
    'currentBreaches',
    'backlog',
    'reopenRate',
    'transferRate',
    'deflections',
  ] as const)
    figure('kpi', period, name, kpis[name]);
  for (const answer of ['satisfied', 'neutral', 'dissatisfied'] as const)
    figure('csat', answer, 'share', dashboard.csat[answer]);
  for (const bucket of dashboard.trend.buckets)
    for (const measure of ['opened', 'resolved', 'breached'] as const)
      rows.push([
        `trend.${dashboard.trend.granularity}`,
        bucket.period,
        measure,
        bucket[measure],
        bucket.opened,
        dashboard.trend.definition[locale],
        measure === 'breached' ? bucket.breachedTickets : bucket.tickets,
      ]);
  for (const [dimension, distribution] of Object.entries(dashboard.distributions))
    for (const row of distribution.rows)
      for (const measure of ['count', 'resolved', 'breached', 'slaMet', 'fcr', 'satisfied', 'open'] as const)
        rows.push([
          `by.${dimension}`,
          row.key ?? 'none',
          measure,
          row[measure],
          row.count,
          distribution.definition[locale],
          measure === 'breached' ? row.breachedTickets : row.tickets,
        ]);
  for (const bucket of dashboard.backlogByAge.buckets)
    rows.push([
      'backlog',
      bucket.key,
      'open',
      bucket.count,
      bucket.count,
      dashboard.backlogByAge.definition[locale],
      bucket.tickets,
    ]);
  dashboard.heatmap.cells.forEach((hours, weekday) =>
    hours.forEach((value, hour) => {
      if (value > 0)
        rows.push([
          'heatmap',
          `${weekday + 1}-${String(hour).padStart(2, '0')}`,
          'opened',
          value,
          value,
          dashboard.heatmap.definition[locale],
          dashboard.heatmap.tickets[weekday]![hour]!,
        ]);
    }),
  );
  return `\uFEFF${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}
