/**
 * Messages of the business-calendar checks: a stable code and a sentence per language, written for the admin
 * who maintains the calendar.
 */
import { localize, type LocalizedText, type Problem } from '../common/types.js';

export const timeMessages = {
  'calendar.zone-unknown': {
    'zh-CN': '时区“{zone}”无法识别，请填写 IANA 时区名称，例如 Asia/Shanghai。',
    en: 'The time zone “{zone}” is not recognised; use an IANA zone name such as Asia/Shanghai.',
  },
  'calendar.time-invalid': {
    'zh-CN': '时间“{time}”的写法不正确，请使用 24 小时制 HH:mm（例如 09:00，一天结束可写 24:00）。',
    en: 'The time “{time}” is not written correctly; use 24-hour HH:mm (e.g. 09:00; 24:00 ends the day).',
  },
  'calendar.interval-empty': {
    'zh-CN': '工作时段 {from}–{to} 的结束时间必须晚于开始时间。',
    en: 'The working interval {from}–{to} must end after it starts.',
  },
  'calendar.intervals-overlap': {
    'zh-CN': '工作时段 {from}–{to} 与前一个时段重叠，请调整或合并。',
    en: 'The working interval {from}–{to} overlaps the one before it; adjust or merge them.',
  },
  'calendar.day-missing': {
    'zh-CN': '每一项都需要填写日期（date），或起止日期（from 与 to）。',
    en: 'Each entry needs a date, or a start and end date (from and to).',
  },
  'calendar.date-invalid': {
    'zh-CN': '日期“{date}”不是有效日期，请使用 YYYY-MM-DD 格式。',
    en: 'The date “{date}” is not a valid date; use YYYY-MM-DD.',
  },
  'calendar.range-reversed': {
    'zh-CN': '日期范围 {from} 至 {to} 的结束日期早于开始日期。',
    en: 'The date range {from} to {to} ends before it starts.',
  },
  'calendar.range-too-long': {
    'zh-CN': '日期范围 {from} 至 {to} 超过 {limit} 天，请拆分为多项。',
    en: 'The date range {from} to {to} is longer than {limit} days; split it into several entries.',
  },
  'calendar.no-working-time': {
    'zh-CN': '该日历没有任何工作时间，按它计算的期限将永远不会到期。',
    en: 'This calendar has no working time at all, so deadlines measured on it would never fall due.',
  },
} satisfies Record<string, LocalizedText>;

export type TimeMessageCode = keyof typeof timeMessages;

export function timeProblem(
  code: TimeMessageCode,
  path: string,
  params: Record<string, unknown> = {},
): Problem {
  return { code, path, params, text: localize(timeMessages[code], params) };
}
