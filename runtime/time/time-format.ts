/**
 * Time as people read it: reporting buckets in a zone, instants in explanations, durations in words.
 */
import { DateTime, Info, type Zone } from 'luxon';
import type { Duration, DurationUnit, Instant, LocalizedText } from '../common/types.js';
import { MS_PER_DAY, MS_PER_MINUTE } from './civil-date.js';

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

/** Bound on the UTC days remembered per zone (and on the zones remembered), so a long-running process stays small. */
const OFFSET_CACHE_LIMIT = 4096;

/**
 * A zone's offset per UTC day when it holds all that day (the same test as the business calendars: equal at both
 * ends of the day), `null` for a day it changes. Each look-up through luxon goes to Intl and costs microseconds,
 * and every SLA explanation writes an instant or two; a day is read once per zone and process.
 */
class ZoneOffsets {
  private readonly steady = new Map<number, number | null>();

  constructor(private readonly zone: Zone) {}

  offsetOf(instant: Instant): number | undefined {
    const day = Math.floor(instant / MS_PER_DAY);
    let offset = this.steady.get(day);
    if (offset === undefined) {
      const start = day * MS_PER_DAY;
      const first = this.zone.offset(start);
      offset = this.zone.offset(start + MS_PER_DAY - 1) === first ? first : null;
      if (this.steady.size >= OFFSET_CACHE_LIMIT) this.steady.clear();
      this.steady.set(day, offset);
    }
    return offset ?? undefined;
  }
}

const zoneOffsets = new Map<string, ZoneOffsets | null>();

function zoneOffsetsOf(zone: string): ZoneOffsets | undefined {
  let known = zoneOffsets.get(zone);
  if (known === undefined) {
    const zoneObject = Info.normalizeZone(zone);
    // Only named and fixed zones: the host's zone (`local`, `system`) may change under a running process.
    known =
      zoneObject.isValid && (zoneObject.type === 'iana' || zoneObject.type === 'fixed')
        ? new ZoneOffsets(zoneObject)
        : null;
    if (zoneOffsets.size >= OFFSET_CACHE_LIMIT) zoneOffsets.clear();
    zoneOffsets.set(zone, known);
  }
  return known ?? undefined;
}

const twoDigits = (value: number): string => (value < 10 ? `0${value}` : String(value));

/** `2026-10-08 11:00` in the zone, for explanation sentences (same in both languages). */
export function formatLocalDateTime(instant: Instant, zone: string): string {
  const offset = Number.isFinite(instant) ? zoneOffsetsOf(zone)?.offsetOf(instant) : undefined;
  if (offset !== undefined) {
    // The wall clock as luxon computes it (instant plus offset, read in UTC), written without building a DateTime.
    const wallClock = new Date(instant + offset * MS_PER_MINUTE);
    const year = wallClock.getUTCFullYear();
    if (year >= 1000 && year <= 9999) {
      return `${year}-${twoDigits(wallClock.getUTCMonth() + 1)}-${twoDigits(wallClock.getUTCDate())} ${twoDigits(
        wallClock.getUTCHours(),
      )}:${twoDigits(wallClock.getUTCMinutes())}`;
    }
  }
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
