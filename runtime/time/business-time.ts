/**
 * Business-time arithmetic. Every function walks local days: a day without working time costs one map lookup,
 * a working day at most one pass over its few intervals. Cost grows with the days spanned, never with the
 * minutes. Instants are epoch milliseconds; arithmetic is exact to the millisecond.
 */
import type { Duration, DurationUnit, Instant } from '../common/types.js';
import { isCompiledCalendar, type BusinessCalendar } from './calendar.js';
import { MS_PER_MINUTE } from './civil-date.js';
import { ALWAYS_OPEN_CALENDAR } from './presets.js';

/**
 * Longest walk, in days, of any function here (100 years). A duration that would end later ends "never"
 * (`Infinity`); a span to measure that is longer throws a RangeError.
 */
export const MAX_WALK_DAYS = 36_525;

const CALENDAR_TIME_UNITS: ReadonlySet<DurationUnit> = new Set(['minutes', 'hours', 'calendarDays']);

/** Minutes, hours and calendar days run around the clock whatever the calendar says. */
export function isCalendarTimeUnit(unit: DurationUnit): boolean {
  return CALENDAR_TIME_UNITS.has(unit);
}

/**
 * The calendar a duration is measured on: around the clock for calendar-time units, the given calendar for
 * business units.
 */
export function measuringCalendar(calendar: BusinessCalendar, unit: DurationUnit): BusinessCalendar {
  return isCalendarTimeUnit(unit) ? ALWAYS_OPEN_CALENDAR : calendar;
}

/**
 * A duration in minutes of its measuring calendar: a business day is the calendar's standard working day
 * (8 h for 09:00–12:00 + 13:00–18:00), a calendar day 24 h.
 */
export function durationInMinutes(calendar: BusinessCalendar, duration: Duration): number {
  switch (duration.unit) {
    case 'minutes':
      return duration.amount;
    case 'hours':
    case 'businessHours':
      return duration.amount * 60;
    case 'calendarDays':
      return duration.amount * 1440;
    case 'businessDays':
      return duration.amount * calendar.standardDayMinutes;
  }
}

function assertInstant(instant: Instant, name: string): void {
  if (!Number.isFinite(instant))
    throw new RangeError(`${name} must be a finite epoch-ms instant, got ${instant}`);
}

/**
 * The last start walked from on each compiled calendar, with the instants reached from it by amount: opening a
 * ticket walks from the same instant several times (each SLA clock's warning and due time, then the next step
 * due). Keyed by the calendar object, whose answers never change (`isCompiledCalendar`), and by the exact start
 * and amount, so a remembered instant is the walk's own answer; a new start forgets the old one's.
 */
interface RecentWalks {
  start: Instant;
  reached: Map<number, Instant>;
}
const recentWalks = new WeakMap<BusinessCalendar, RecentWalks>();
const MAX_WALKS_PER_START = 16;

function addBusinessMs(calendar: BusinessCalendar, start: Instant, amountMs: number): Instant {
  assertInstant(start, 'start');
  if (!Number.isFinite(amountMs) || amountMs < 0) {
    throw new RangeError(
      `a duration must be a finite amount of at least 0, got ${amountMs / MS_PER_MINUTE} min`,
    );
  }
  if (amountMs === 0) return start;
  if (calendar.alwaysOpen) return start + amountMs;
  if (!calendar.hasWorkingTime) return Number.POSITIVE_INFINITY;
  if (!isCompiledCalendar(calendar)) return walkBusinessMs(calendar, start, amountMs);
  let recent = recentWalks.get(calendar);
  if (recent === undefined || recent.start !== start) {
    recent = { start, reached: new Map() };
    recentWalks.set(calendar, recent);
  }
  const known = recent.reached.get(amountMs);
  if (known !== undefined) return known;
  const reached = walkBusinessMs(calendar, start, amountMs);
  if (recent.reached.size < MAX_WALKS_PER_START) recent.reached.set(amountMs, reached);
  return reached;
}

function walkBusinessMs(calendar: BusinessCalendar, start: Instant, amountMs: number): Instant {
  let remaining = amountMs;
  let day = calendar.dayNumberOf(start);
  for (let walked = 0; walked <= MAX_WALK_DAYS; walked += 1, day += 1) {
    if (calendar.neverWorksFrom(day)) return Number.POSITIVE_INFINITY;
    const plan = calendar.planOf(day);
    if (plan.totalMs === 0) continue;
    const firstStart = plan.intervals[0]?.[0] ?? start;
    if (firstStart >= start && plan.totalMs < remaining) {
      remaining -= plan.totalMs;
      continue;
    }
    for (const [intervalStart, intervalEnd] of plan.intervals) {
      if (intervalEnd <= start) continue;
      const from = Math.max(intervalStart, start);
      const available = intervalEnd - from;
      if (available >= remaining) return from + remaining;
      remaining -= available;
    }
  }
  return Number.POSITIVE_INFINITY;
}

function businessMsBetween(calendar: BusinessCalendar, from: Instant, to: Instant): number {
  assertInstant(from, 'from');
  assertInstant(to, 'to');
  if (to < from) return -businessMsBetween(calendar, to, from);
  if (to === from || !calendar.hasWorkingTime) return 0;
  if (calendar.alwaysOpen) return to - from;
  const firstDay = calendar.dayNumberOf(from);
  const lastDay = calendar.dayNumberOf(to);
  if (lastDay - firstDay > MAX_WALK_DAYS) {
    throw new RangeError(`cannot measure business time over more than ${MAX_WALK_DAYS} days`);
  }
  let totalMs = 0;
  for (let day = firstDay; day <= lastDay; day += 1) {
    if (calendar.neverWorksFrom(day)) break;
    const plan = calendar.planOf(day);
    if (plan.totalMs === 0) continue;
    const firstStart = plan.intervals[0]?.[0] ?? from;
    const lastEnd = plan.intervals[plan.intervals.length - 1]?.[1] ?? to;
    if (firstStart >= from && lastEnd <= to) {
      totalMs += plan.totalMs;
      continue;
    }
    for (const [intervalStart, intervalEnd] of plan.intervals) {
      const overlap = Math.min(intervalEnd, to) - Math.max(intervalStart, from);
      if (overlap > 0) totalMs += overlap;
    }
  }
  return totalMs;
}

/**
 * The instant at which `minutes` of working time of the calendar have passed since `start`. Starting outside
 * working time, counting begins at the next working instant; a result that lands exactly on the end of a
 * working interval stays there (it does not jump to the next morning). Adding 0 returns `start` unchanged.
 * Returns `Infinity` when the calendar never works again (or not within MAX_WALK_DAYS).
 * @throws RangeError for a negative or non-finite amount, or a non-finite start.
 */
export function addBusinessMinutes(calendar: BusinessCalendar, start: Instant, minutes: number): Instant {
  return addBusinessMs(calendar, start, Math.round(minutes * MS_PER_MINUTE));
}

/**
 * Add a duration as an analyst writes it. Minutes, hours and calendar days (24 h each) are calendar time and
 * ignore the calendar; business hours and business days (of `standardDayMinutes`) count only its working time.
 * Returns `Infinity` when the duration never ends on this calendar (it has no working time).
 */
export function addDuration(calendar: BusinessCalendar, start: Instant, duration: Duration): Instant {
  if (duration.unit === 'businessDays' && duration.amount > 0 && calendar.standardDayMinutes === 0) {
    assertInstant(start, 'start');
    return Number.POSITIVE_INFINITY;
  }
  return addBusinessMinutes(
    measuringCalendar(calendar, duration.unit),
    start,
    durationInMinutes(calendar, duration),
  );
}

/**
 * Minutes of working time between two instants (fractional when they are not on whole minutes; negative when
 * `to` is before `from`).
 * @throws RangeError for non-finite instants or a span over MAX_WALK_DAYS days.
 */
export function businessMinutesBetween(calendar: BusinessCalendar, from: Instant, to: Instant): number {
  return businessMsBetween(calendar, from, to) / MS_PER_MINUTE;
}

/** Milliseconds of working time between two instants; integer for integer instants. */
export function businessMillisecondsBetween(calendar: BusinessCalendar, from: Instant, to: Instant): number {
  return businessMsBetween(calendar, from, to);
}

/** True when `instant` lies in a working interval (start inclusive, end exclusive). */
export function isWorkingInstant(calendar: BusinessCalendar, instant: Instant): boolean {
  assertInstant(instant, 'instant');
  if (calendar.alwaysOpen) return true;
  return calendar
    .planOf(calendar.dayNumberOf(instant))
    .intervals.some(([start, end]) => start <= instant && instant < end);
}

/** `instant` itself when it is working time, else the start of the next working interval; `Infinity` if none. */
export function nextWorkingInstant(calendar: BusinessCalendar, instant: Instant): Instant {
  assertInstant(instant, 'instant');
  if (calendar.alwaysOpen) return instant;
  let day = calendar.dayNumberOf(instant);
  for (let walked = 0; walked <= MAX_WALK_DAYS; walked += 1, day += 1) {
    if (calendar.neverWorksFrom(day)) return Number.POSITIVE_INFINITY;
    for (const [start, end] of calendar.planOf(day).intervals) {
      if (end > instant) return Math.max(start, instant);
    }
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * Start of the first working interval on a local day after the one `instant` falls on ("tomorrow morning");
 * `Infinity` if none.
 */
export function nextBusinessDayStart(calendar: BusinessCalendar, instant: Instant): Instant {
  assertInstant(instant, 'instant');
  let day = calendar.dayNumberOf(instant) + 1;
  for (let walked = 0; walked <= MAX_WALK_DAYS; walked += 1, day += 1) {
    if (calendar.neverWorksFrom(day)) return Number.POSITIVE_INFINITY;
    const first = calendar.planOf(day).intervals[0];
    if (first) return first[0];
  }
  return Number.POSITIVE_INFINITY;
}
