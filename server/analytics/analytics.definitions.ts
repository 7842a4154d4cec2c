import type { LocalizedText } from '../../runtime/common/types.js';
import type { Measure } from './analytics.filters.js';

/**
 * What each figure means, shown beside it on the dashboard and in the CSV export: which tickets, which clock
 * (calendar time runs 24×7; business time only in the working hours of the SLA policy's calendar).
 */
export const DEFINITIONS = {
  volume: {
    'zh-CN': '统计期间内创建的工单数（按工单类型日历所在时区的创建日期）。',
    en: 'Tickets created in the period (by the day of creation in the ticket type calendar’s zone).',
  },
  resolved: {
    'zh-CN': '期间内创建、现已解决或关闭的工单数。',
    en: 'Tickets created in the period that are resolved or closed now.',
  },
  firstResponseCalendar: {
    'zh-CN':
      '从创建到首次响应（处理人首个对提单人可见的动作）的时长，按自然时间（全天候）计；只计期间内创建且已有首次响应的工单。',
    en: 'Time from creation to the first response (the first agent action the requester can see), in calendar time (round the clock); tickets created in the period that have had one.',
  },
  firstResponseBusiness: {
    'zh-CN':
      '从创建到首次响应的时长，按 SLA 策略日历的工作时间计（只计工作时段，节假日除外）；只计期间内创建且已有首次响应的工单。',
    en: 'Time from creation to the first response, in business time of the SLA policy’s calendar (working hours only, holidays excluded); tickets created in the period that have had one.',
  },
  resolutionCalendar: {
    'zh-CN': '从创建到解决的时长，按自然时间（全天候）计；只计期间内创建、现已解决或关闭的工单。',
    en: 'Time from creation to resolution, in calendar time (round the clock); tickets created in the period that are resolved or closed now.',
  },
  resolutionBusiness: {
    'zh-CN': '从创建到解决的时长，按 SLA 策略日历的工作时间计；只计期间内创建、现已解决或关闭的工单。',
    en: 'Time from creation to resolution, in business time of the SLA policy’s calendar; tickets created in the period that are resolved or closed now.',
  },
  fcr: {
    'zh-CN': '一次解决率：已解决的工单中，由第一位处理人解决、未转派也未重开的比例。',
    en: 'First-contact resolution: the share of resolved tickets solved by their first assignee, never transferred nor reopened.',
  },
  csat: {
    'zh-CN': '满意度：满意度调查答复（满意 / 一般 / 不满意）中“满意”的比例。',
    en: 'Satisfaction (CSAT): the share of “satisfied” among survey answers (satisfied / neutral / dissatisfied).',
  },
  csatAnswer: {
    'zh-CN': '期间内创建的工单中，给出此评价的工单数。',
    en: 'Tickets created in the period whose requester gave this answer.',
  },
  slaAttainment: {
    'zh-CN': 'SLA 达成率：已解决的工单中，首次响应和解决目标都未超时的比例（按 SLA 策略日历的工作时间计）。',
    en: 'SLA attainment: the share of resolved tickets that met both their first-response and resolution targets (business time of the SLA policy’s calendar).',
  },
  breached: {
    'zh-CN': '期间内创建、首次响应或解决目标已超时的工单数。',
    en: 'Tickets created in the period that breached their first-response or resolution target.',
  },
  currentBreaches: {
    'zh-CN': '当前超时：现在仍未完成（新建、处理中、挂起）且已超时的工单数，不论创建日期。',
    en: 'Current breaches: tickets still open now (new, open, pending) that have breached a target, whatever their creation date.',
  },
  backlog: {
    'zh-CN': '积压：现在仍未完成的工单数，按自创建以来的自然时间分段，不论创建日期。',
    en: 'Backlog: tickets still open now, by calendar time since creation, whatever their creation date.',
  },
  reopenRate: {
    'zh-CN': '重开率：期间内创建的工单中，至少重开过一次的比例。',
    en: 'Reopen rate: the share of tickets created in the period that were reopened at least once.',
  },
  transferRate: {
    'zh-CN': '转派率：期间内创建的工单中，至少转派过一次的比例。',
    en: 'Transfer rate: the share of tickets created in the period that were transferred at least once.',
  },
  deflections: {
    'zh-CN':
      '自助解决：期间内提单人在门户填写表单时打开了推荐的知识文章、随后未提交而离开的次数（每次填写、每篇文章计一次；按期间和工单类型筛选，不按团队、处理人、渠道或优先级）。',
    en: 'Deflections: times in the period a requester filling a portal form opened a suggested article and left without submitting (once per form session and article; filtered by period and ticket type, not by team, agent, channel or priority).',
  },
  trend: {
    'zh-CN': '每个时段内创建的工单数，及其中现已解决和已超时的工单数。',
    en: 'Tickets created in each period, and those of them resolved and breached now.',
  },
  distribution: {
    'zh-CN': '期间内创建的工单按此维度的分布。',
    en: 'Tickets created in the period, by this dimension.',
  },
  heatmap: {
    'zh-CN': '期间内创建的工单按创建时的星期和小时分布（北京时间，即默认工作日历的时区）。',
    en: 'Tickets created in the period, by weekday and hour of creation (Asia/Shanghai, the default business calendar’s zone).',
  },
} satisfies Record<string, LocalizedText>;

export type DefinitionKey = keyof typeof DEFINITIONS;

const MEASURE_NAMES: Record<Measure, LocalizedText> = {
  firstResponse: { 'zh-CN': '首次响应时长（自然时间）', en: 'first response (calendar time)' },
  firstResponseBusiness: { 'zh-CN': '首次响应时长（工作时间）', en: 'first response (business time)' },
  resolution: { 'zh-CN': '解决时长（自然时间）', en: 'resolution time (calendar time)' },
  resolutionBusiness: { 'zh-CN': '解决时长（工作时间）', en: 'resolution time (business time)' },
};

/** What the list of a percentile holds: the tickets at or beyond it, longest first. */
export function percentileListDefinition(
  measure: Measure,
  percentile: 'p50' | 'p90',
  minutes: number,
): LocalizedText {
  const name = MEASURE_NAMES[measure];
  return {
    'zh-CN': `列表：${name['zh-CN']}不少于 ${minutes} 分钟（${percentile} 值）的工单，按时长从长到短排列。`,
    en: `The list: tickets whose ${name.en} is at least ${minutes} min (the ${percentile} value), longest first.`,
  };
}
