/**
 * Time as people read it: reporting buckets in a zone, instants in explanations, durations in words.
 */
import { DateTime } from 'luxon';
import type { Duration, DurationUnit, Instant, LocalizedText } from '../common/types.js';

/** The day, ISO week and month an instant falls in, in a zone; tickets store these so reports group by them. */
export interface PeriodBuckets {
  /** `2026-10-08` */
  day: string;
  /** ISO week, `2026-W41` (the week-numbering year may differ from the calendar year around New Year). */
  week: string;
  /** `2026-10` */
  month: string;
}

function localDateTime(instant: Instant, zone: string): DateTime {
  const local = DateTime.fromMillis(instant, { zone });
  if (!local.isValid) throw new RangeError(`cannot read ${instant} in time zone "${zone}"`);
  return local;
}

/** @throws RangeError for an unknown zone or a non-finite instant. */
export function periodBuckets(instant: Instant, zone: string): PeriodBuckets {
  const local = localDateTime(instant, zone);
  return {
    day: local.toFormat('yyyy-MM-dd'),
    week: local.toFormat("kkkk-'W'WW"),
    month: local.toFormat('yyyy-MM'),
  };
}

/** `2026-10-08 11:00` in the zone, for explanation sentences (same in both languages). */
export function formatLocalDateTime(instant: Instant, zone: string): string {
  return localDateTime(instant, zone).toFormat('yyyy-MM-dd HH:mm');
}

const UNIT_WORDS: Record<DurationUnit, { zh: string; one: string; many: string }> = {
  minutes: { zh: '分钟', one: 'minute', many: 'minutes' },
  hours: { zh: '小时', one: 'hour', many: 'hours' },
  calendarDays: { zh: '个自然日', one: 'calendar day', many: 'calendar days' },
  businessHours: { zh: '个工作小时', one: 'business hour', many: 'business hours' },
  businessDays: { zh: '个工作日', one: 'business day', many: 'business days' },
};

/** "3 个工作日" / "3 business days". */
export function describeDuration(duration: Duration): LocalizedText {
  const words = UNIT_WORDS[duration.unit];
  return {
    'zh-CN': `${duration.amount} ${words.zh}`,
    en: `${duration.amount} ${duration.amount === 1 ? words.one : words.many}`,
  };
}

/** A number of minutes in words, rounded to the minute: "2 小时 5 分钟" / "2 h 5 min". */
export function describeMinutes(minutes: number): LocalizedText {
  const whole = Math.max(0, Math.round(minutes));
  const hours = Math.floor(whole / 60);
  const rest = whole % 60;
  if (hours === 0) return { 'zh-CN': `${rest} 分钟`, en: `${rest} min` };
  if (rest === 0) return { 'zh-CN': `${hours} 小时`, en: `${hours} h` };
  return { 'zh-CN': `${hours} 小时 ${rest} 分钟`, en: `${hours} h ${rest} min` };
}
