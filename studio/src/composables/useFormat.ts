import { useI18n } from 'vue-i18n';

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

const knownZones = new Map<string, boolean>();

/** True for a time zone this browser knows (a calendar may name one it does not). */
function isZone(zone: string): boolean {
  let known = knownZones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    knownZones.set(zone, known);
  }
  return known;
}

/**
 * Dates and times in the studio's current language and the reader's time zone; inputs are ISO strings or epoch
 * milliseconds.
 */
export function useFormat() {
  const { locale, t } = useI18n();

  function toDate(value: string | number | null | undefined): Date | undefined {
    if (value === null || value === undefined || value === '') return undefined;
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }

  function dateTime(value: string | number | null | undefined): string {
    const date = toDate(value);
    if (!date) return '—';
    return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  }

  /**
   * A date and time in the reader's zone — the one rule for every time shown — followed, when the calendar the
   * time belongs to keeps another clock, by the same instant in that zone: "12月9日 10:00（中国标准时间 18:00）".
   */
  function zonedDateTime(value: string | number | null | undefined, calendarZone?: string): string {
    const date = toDate(value);
    if (!date) return '—';
    const shown = dateTime(value);
    if (!calendarZone || !isZone(calendarZone)) return shown;
    const options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };
    const there = new Intl.DateTimeFormat(locale.value, { ...options, timeZone: calendarZone }).format(date);
    if (there === shown) return shown;
    return t('time.inZone', { time: shown, local: there, zone: zoneName(calendarZone, date) });
  }

  /** The zone's name as people say it ("中国标准时间", "China Standard Time"), else its IANA id. */
  function zoneName(zone: string, at: Date): string {
    const part = new Intl.DateTimeFormat(locale.value, { timeZone: zone, timeZoneName: 'long' })
      .formatToParts(at)
      .find((candidate) => candidate.type === 'timeZoneName');
    return part?.value ?? zone;
  }

  function time(value: string | number | null | undefined): string {
    const date = toDate(value);
    if (!date) return '—';
    return new Intl.DateTimeFormat(locale.value, { timeStyle: 'medium' }).format(date);
  }

  /** "3 分钟前" / "3 minutes ago"; `now` is passed in so a ticking ref can refresh it. */
  function relative(value: string | number | null | undefined, now: number = Date.now()): string {
    const date = toDate(value);
    if (!date) return '—';
    const seconds = Math.round((date.getTime() - now) / 1000);
    const format = new Intl.RelativeTimeFormat(locale.value, { numeric: 'auto' });
    for (const [unit, size] of UNITS) {
      if (Math.abs(seconds) >= size || unit === 'second')
        return format.format(Math.round(seconds / size), unit);
    }
    return format.format(0, 'second');
  }

  /** A span of minutes as people say it: "2 小时 5 分钟" / "2 h 5 min", "3 天 2 小时" / "3 d 2 h". */
  function duration(minutes: number): string {
    const total = Math.max(0, Math.round(Math.abs(minutes)));
    const days = Math.floor(total / (24 * 60));
    const hours = Math.floor((total % (24 * 60)) / 60);
    const rest = total % 60;
    const parts: string[] = [];
    if (days > 0) parts.push(t('time.days', { n: days }));
    if (hours > 0) parts.push(t('time.hours', { n: hours }));
    // Minutes matter only while the span is short.
    if (rest > 0 && days === 0) parts.push(t('time.minutes', { n: rest }));
    if (parts.length === 0) return t('time.underMinute');
    return parts.join(' ');
  }

  return { toDate, dateTime, zonedDateTime, zoneName, time, relative, duration };
}
