/**
 * Compiling a calendar definition into the form the arithmetic walks: a weekly pattern in local minutes, a map
 * of exception days, and a per-day cache of working intervals as instants. Converting local wall-clock times to
 * instants is the only place a time-zone library is called, once per local date and calendar.
 */
import { Info, type Zone } from 'luxon';
import { fail, ok, type Instant, type LocalizedText, type Problem, type Result } from '../common/types.js';
import {
  WEEKDAYS,
  type BusinessCalendarDefinition,
  type CalendarDayEntry,
  type CalendarDayName,
  type WorkingInterval,
} from './calendar.types.js';
import {
  MINUTES_PER_DAY,
  MS_PER_DAY,
  MS_PER_MINUTE,
  formatLocalDate,
  isoWeekdayOf,
  parseLocalDate,
  parseWallClock,
} from './civil-date.js';
import { timeProblem } from './time-messages.js';

/** Longest date range one holiday or working-day entry may span. */
export const MAX_RANGE_DAYS = 366;

/** Cached local days per calendar before the cache starts over (a few years of days both ways). */
const DAY_CACHE_LIMIT = 20_000;

/** `[from, to)` in minutes since local midnight. */
type MinuteInterval = readonly [number, number];

/** The working time of one local day as instants. */
export interface DayPlan {
  /** `[start, end)` epoch-ms pairs in increasing order, not touching each other. */
  readonly intervals: readonly (readonly [Instant, Instant])[];
  /** Sum of the intervals, in ms. */
  readonly totalMs: number;
}

export type DayKind = 'working' | 'non-working' | 'holiday' | 'extra-working';

/** What a calendar says about one local date. */
export interface CalendarDay {
  date: string;
  kind: DayKind;
  name?: CalendarDayName;
  intervals: { start: Instant; end: Instant }[];
}

type DayException =
  | { kind: 'holiday'; name?: CalendarDayName }
  | { kind: 'extra-working'; name?: CalendarDayName; minutes: readonly MinuteInterval[] };

const NO_WORK: DayPlan = Object.freeze({ intervals: Object.freeze([]), totalMs: 0 });

/** A calendar definition that cannot be compiled; `problems` says why, in the admin's words. */
export class CalendarDefinitionError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((problem) => problem.text.en).join(' '));
    this.name = 'CalendarDefinitionError';
  }
}

/** A compiled calendar. Build one with `compileCalendar`; the business-time functions take it. */
export interface BusinessCalendar {
  readonly key: string;
  readonly name: LocalizedText;
  readonly zone: string;
  /** The definition it was compiled from, for storage and display. */
  readonly definition: BusinessCalendarDefinition;
  /** Length of one business day in minutes (the standard working day); 0 when the calendar never works. */
  readonly standardDayMinutes: number;
  /** Open every minute of every day: business time equals elapsed time. */
  readonly alwaysOpen: boolean;
  /** False when no day is ever a working day: durations never end on it. */
  readonly hasWorkingTime: boolean;
  /** Local date (`YYYY-MM-DD`) of an instant in the calendar's zone. */
  localDateOf(instant: Instant): string;
  /** What the calendar says about a local date (`YYYY-MM-DD`); undefined for a malformed date. */
  describeDay(localDate: string): CalendarDay | undefined;
  /** Day number (days since 1970-01-01) of the local date an instant falls on. */
  dayNumberOf(instant: Instant): number;
  /** Working intervals of a local day, computed once and cached. */
  planOf(dayNumber: number): DayPlan;
  /** True when no day from `dayNumber` on can ever be a working day, so a forward walk may stop. */
  neverWorksFrom(dayNumber: number): boolean;
}

/** Parse, sort and merge intervals; malformed or empty ones are left out (checkCalendar reports them). */
function normalizeIntervals(intervals: readonly WorkingInterval[] | undefined): MinuteInterval[] {
  const parsed: [number, number][] = [];
  for (const interval of intervals ?? []) {
    const from = parseWallClock(interval.from);
    const to = parseWallClock(interval.to);
    if (from !== undefined && to !== undefined && from < to) parsed.push([from, to]);
  }
  parsed.sort((left, right) => left[0] - right[0]);
  const merged: [number, number][] = [];
  for (const interval of parsed) {
    const last = merged[merged.length - 1];
    if (last && interval[0] <= last[1]) last[1] = Math.max(last[1], interval[1]);
    else merged.push(interval);
  }
  return merged;
}

function lengthOf(intervals: readonly MinuteInterval[]): number {
  return intervals.reduce((sum, [from, to]) => sum + to - from, 0);
}

/**
 * The weekday schedule most weekdays share, ignoring days off; on a tie the longer one, then the earlier
 * weekday. 09:00–12:00 + 13:00–18:00 five days a week gives 480 minutes.
 */
function mostCommonSchedule(weekly: readonly (readonly MinuteInterval[])[]): readonly MinuteInterval[] {
  const counts = new Map<
    string,
    { intervals: readonly MinuteInterval[]; count: number; firstSeen: number }
  >();
  weekly.forEach((intervals, index) => {
    if (intervals.length === 0) return;
    const signature = JSON.stringify(intervals);
    const entry = counts.get(signature);
    if (entry) entry.count += 1;
    else counts.set(signature, { intervals, count: 1, firstSeen: index });
  });
  const ranked = [...counts.values()].sort(
    (left, right) =>
      right.count - left.count ||
      lengthOf(right.intervals) - lengthOf(left.intervals) ||
      left.firstSeen - right.firstSeen,
  );
  return ranked[0]?.intervals ?? [];
}

/** Day numbers an entry covers, or undefined when its dates are unusable (checkCalendar reports why). */
function daysOfEntry(entry: CalendarDayEntry): number[] | undefined {
  const first = parseLocalDate(entry.date ?? entry.from ?? '');
  const last = entry.date !== undefined ? first : parseLocalDate(entry.to ?? '');
  if (first === undefined || last === undefined || last < first || last - first >= MAX_RANGE_DAYS)
    return undefined;
  const days: number[] = [];
  for (let day = first; day <= last; day += 1) days.push(day);
  return days;
}

function checkIntervals(
  intervals: readonly WorkingInterval[] | undefined,
  path: string,
  problems: Problem[],
): void {
  let previousEnd = -1;
  const ordered = (intervals ?? [])
    .map((interval, index) => ({ interval, index }))
    .sort(
      (left, right) => (parseWallClock(left.interval.from) ?? 0) - (parseWallClock(right.interval.from) ?? 0),
    );
  for (const { interval, index } of ordered) {
    const from = parseWallClock(interval.from);
    const to = parseWallClock(interval.to);
    if (from === undefined || from === MINUTES_PER_DAY) {
      problems.push(timeProblem('calendar.time-invalid', `${path}/${index}/from`, { time: interval.from }));
      continue;
    }
    if (to === undefined) {
      problems.push(timeProblem('calendar.time-invalid', `${path}/${index}/to`, { time: interval.to }));
      continue;
    }
    if (to <= from) {
      problems.push(
        timeProblem('calendar.interval-empty', `${path}/${index}`, { from: interval.from, to: interval.to }),
      );
      continue;
    }
    if (from < previousEnd) {
      problems.push(
        timeProblem('calendar.intervals-overlap', `${path}/${index}`, {
          from: interval.from,
          to: interval.to,
        }),
      );
    }
    previousEnd = Math.max(previousEnd, to);
  }
}

function checkDayEntries(
  entries: readonly CalendarDayEntry[] | undefined,
  path: string,
  problems: Problem[],
): void {
  (entries ?? []).forEach((entry, index) => {
    const at = `${path}/${index}`;
    if (entry.date === undefined && (entry.from === undefined || entry.to === undefined)) {
      problems.push(timeProblem('calendar.day-missing', at));
      return;
    }
    const dates: [string, string][] =
      entry.date !== undefined
        ? [['date', entry.date]]
        : [
            ['from', entry.from ?? ''],
            ['to', entry.to ?? ''],
          ];
    let valid = true;
    for (const [field, date] of dates) {
      if (parseLocalDate(date) === undefined) {
        problems.push(timeProblem('calendar.date-invalid', `${at}/${field}`, { date }));
        valid = false;
      }
    }
    if (!valid || entry.date !== undefined) return;
    const first = parseLocalDate(entry.from ?? '') ?? 0;
    const last = parseLocalDate(entry.to ?? '') ?? 0;
    if (last < first)
      problems.push(timeProblem('calendar.range-reversed', at, { from: entry.from, to: entry.to }));
    else if (last - first >= MAX_RANGE_DAYS)
      problems.push(
        timeProblem('calendar.range-too-long', at, { from: entry.from, to: entry.to, limit: MAX_RANGE_DAYS }),
      );
  });
}

/**
 * The zone of a name: an IANA zone or a fixed offset (`UTC`, `UTC+8`). The host's own zone (`local`,
 * `system`) is refused: a calendar must mean the same on every server and browser.
 */
function zoneOf(name: unknown): Zone | undefined {
  if (typeof name !== 'string' || name.trim() === '') return undefined;
  const zone = Info.normalizeZone(name);
  return zone.isValid && (zone.type === 'iana' || zone.type === 'fixed') ? zone : undefined;
}

/** Problems that leave a definition without a meaning: the arithmetic cannot run on it. */
function blockingProblems(definition: BusinessCalendarDefinition, zone: Zone | undefined): Problem[] {
  const problems: Problem[] = [];
  if (!zone) problems.push(timeProblem('calendar.zone-unknown', '/zone', { zone: definition.zone }));
  for (const weekday of WEEKDAYS) checkIntervals(definition.week[weekday], `/week/${weekday}`, problems);
  checkIntervals(definition.standardDay, '/standardDay', problems);
  checkDayEntries(definition.holidays, '/holidays', problems);
  checkDayEntries(definition.workingDays, '/workingDays', problems);
  definition.workingDays?.forEach((entry, index) =>
    checkIntervals(entry.intervals, `/workingDays/${index}/intervals`, problems),
  );
  return problems;
}

/**
 * Problems of a calendar definition beyond its JSON shape (run `calendarSchema` first): unknown zone,
 * malformed, empty or overlapping intervals, impossible dates, reversed or overlong ranges, and a calendar that
 * never works. Overlapping intervals (merged when compiling) and a calendar that never works do not prevent
 * compiling; the others do.
 */
export function checkCalendar(definition: BusinessCalendarDefinition): Problem[] {
  const zone = zoneOf(definition.zone);
  const problems = blockingProblems(definition, zone);
  const blocking = problems.some((problem) => problem.code !== 'calendar.intervals-overlap');
  if (zone && !blocking && !new CompiledCalendar(definition, zone).hasWorkingTime) {
    problems.push(timeProblem('calendar.no-working-time', ''));
  }
  return problems;
}

/**
 * Is this a calendar compiled here? Its answers are fixed when it is built (working days, holidays, zone), so
 * what was worked out on it once stays true for as long as the object lives.
 */
export function isCompiledCalendar(calendar: BusinessCalendar): boolean {
  return calendar instanceof CompiledCalendar;
}

class CompiledCalendar implements BusinessCalendar {
  readonly key: string;
  readonly name: LocalizedText;
  readonly zone: string;
  readonly standardDayMinutes: number;
  readonly alwaysOpen: boolean;
  readonly hasWorkingTime: boolean;
  private readonly zoneObject: Zone;
  /** Index 1..7 = ISO weekday; index 0 unused. */
  private readonly weekly: readonly (readonly MinuteInterval[])[];
  private readonly exceptions = new Map<number, DayException>();
  private readonly weekWorks: boolean;
  private readonly lastExtraWorkingDay: number;
  private readonly plans = new Map<number, DayPlan>();
  /** Per local day: its offset when steady all day, `null` on a day the offset changes. */
  private readonly steadyOffsets = new Map<number, number | null>();
  /** Offset of the last instant looked up, the best first guess for the next one. */
  private lastOffset: number | undefined;

  constructor(
    readonly definition: BusinessCalendarDefinition,
    zoneObject: Zone,
  ) {
    this.key = definition.key;
    this.name = definition.name;
    this.zone = definition.zone;
    this.zoneObject = zoneObject;
    this.weekly = [[], ...WEEKDAYS.map((weekday) => normalizeIntervals(definition.week[weekday]))];
    const standardDay = definition.standardDay
      ? normalizeIntervals(definition.standardDay)
      : mostCommonSchedule(this.weekly);
    this.standardDayMinutes = lengthOf(standardDay);

    for (const entry of definition.holidays ?? []) {
      for (const day of daysOfEntry(entry) ?? [])
        this.exceptions.set(day, { kind: 'holiday', name: entry.name });
    }
    let lastExtraWorkingDay = Number.NEGATIVE_INFINITY;
    for (const entry of definition.workingDays ?? []) {
      const minutes = entry.intervals ? normalizeIntervals(entry.intervals) : standardDay;
      for (const day of daysOfEntry(entry) ?? []) {
        this.exceptions.set(day, { kind: 'extra-working', name: entry.name, minutes });
        if (minutes.length > 0) lastExtraWorkingDay = Math.max(lastExtraWorkingDay, day);
      }
    }
    this.lastExtraWorkingDay = lastExtraWorkingDay;
    this.weekWorks = this.weekly.some((intervals) => intervals.length > 0);
    this.hasWorkingTime = this.weekWorks || Number.isFinite(lastExtraWorkingDay);

    const isFullDay = (intervals: readonly MinuteInterval[]) =>
      intervals.length === 1 && intervals[0]?.[0] === 0 && intervals[0][1] === MINUTES_PER_DAY;
    this.alwaysOpen =
      this.weekly.slice(1).every(isFullDay) &&
      [...this.exceptions.values()].every(
        (exception) => exception.kind === 'extra-working' && isFullDay(exception.minutes),
      );
  }

  dayNumberOf(instant: Instant): number {
    // A zone offset look-up goes through Intl and costs microseconds; most instants fall on a day whose offset is
    // already known to hold all day long, which answers exactly without one.
    if (this.lastOffset !== undefined) {
      const day = Math.floor((instant + this.lastOffset * MS_PER_MINUTE) / MS_PER_DAY);
      if (this.steadyOffsetOf(day) === this.lastOffset) return day;
    }
    const offset = this.zoneObject.offset(instant);
    this.lastOffset = offset;
    return Math.floor((instant + offset * MS_PER_MINUTE) / MS_PER_DAY);
  }

  localDateOf(instant: Instant): string {
    return formatLocalDate(this.dayNumberOf(instant));
  }

  neverWorksFrom(dayNumber: number): boolean {
    return !this.weekWorks && dayNumber > this.lastExtraWorkingDay;
  }

  private minutesOf(dayNumber: number): readonly MinuteInterval[] {
    const exception = this.exceptions.get(dayNumber);
    if (exception) return exception.kind === 'holiday' ? [] : exception.minutes;
    return this.weekly[isoWeekdayOf(dayNumber)] ?? [];
  }

  /**
   * The first instant at which the wall clock of the zone reaches a local time. A time repeated when clocks go
   * back is its first occurrence; a time skipped when clocks go forward is the instant of the change (the clock
   * jumps past it there).
   */
  private instantAt(dayNumber: number, minuteOfDay: number): Instant {
    const local = (dayNumber * MINUTES_PER_DAY + minuteOfDay) * MS_PER_MINUTE;
    const zone = this.zoneObject;
    const wallClockAt = (instant: Instant) => instant + zone.offset(instant) * MS_PER_MINUTE;
    const candidates = [zone.offset(local - MS_PER_DAY), zone.offset(local + MS_PER_DAY)].map(
      (offset) => local - offset * MS_PER_MINUTE,
    );
    const matching = candidates.filter((instant) => wallClockAt(instant) === local);
    if (matching.length > 0) return Math.min(...matching);
    // Skipped local time: find the change by bisection between the two readings (about 22 steps for 1 h).
    let before = Math.min(...candidates);
    let after = Math.max(...candidates);
    while (after - before > 1) {
      const middle = Math.floor((before + after) / 2);
      if (wallClockAt(middle) >= local) after = middle;
      else before = middle;
    }
    return after;
  }

  /**
   * The zone's offset (minutes) through a whole local day, or undefined when it changes that day. Checked with
   * offset look-ups at both ends of the day, once per day (cached): most days of most zones keep one offset, and
   * only DST-change days take the slower exact path.
   */
  private steadyOffsetOf(dayNumber: number): number | undefined {
    const known = this.steadyOffsets.get(dayNumber);
    if (known !== undefined) return known ?? undefined;
    const zone = this.zoneObject;
    const localStart = dayNumber * MS_PER_DAY;
    const localEnd = localStart + MS_PER_DAY;
    const offset = zone.offset(localStart - zone.offset(localStart) * MS_PER_MINUTE);
    const steady =
      zone.offset(localStart - offset * MS_PER_MINUTE) === offset &&
      zone.offset(localEnd - offset * MS_PER_MINUTE - 1) === offset;
    if (this.steadyOffsets.size >= DAY_CACHE_LIMIT) this.steadyOffsets.clear();
    this.steadyOffsets.set(dayNumber, steady ? offset : null);
    return steady ? offset : undefined;
  }

  planOf(dayNumber: number): DayPlan {
    const minutes = this.minutesOf(dayNumber);
    if (minutes.length === 0) return NO_WORK;
    const cached = this.plans.get(dayNumber);
    if (cached) return cached;
    const intervals: [Instant, Instant][] = [];
    let totalMs = 0;
    let previousEnd = Number.NEGATIVE_INFINITY;
    const steadyOffset = this.steadyOffsetOf(dayNumber);
    const instantAt = (minuteOfDay: number): Instant =>
      steadyOffset === undefined
        ? this.instantAt(dayNumber, minuteOfDay)
        : (dayNumber * MINUTES_PER_DAY + minuteOfDay - steadyOffset) * MS_PER_MINUTE;
    for (const [from, to] of minutes) {
      // Around a DST change two wall-clock times can meet on one instant; keep the intervals ordered.
      const start = Math.max(instantAt(from), previousEnd);
      const end = Math.max(instantAt(to), start);
      if (end === start) continue;
      const last = intervals[intervals.length - 1];
      if (last && last[1] === start) last[1] = end;
      else intervals.push([start, end]);
      totalMs += end - start;
      previousEnd = end;
    }
    if (this.plans.size >= DAY_CACHE_LIMIT) this.plans.clear();
    const plan: DayPlan = { intervals, totalMs };
    this.plans.set(dayNumber, plan);
    return plan;
  }

  describeDay(localDate: string): CalendarDay | undefined {
    const dayNumber = parseLocalDate(localDate);
    if (dayNumber === undefined) return undefined;
    const exception = this.exceptions.get(dayNumber);
    const intervals = this.planOf(dayNumber).intervals.map(([start, end]) => ({ start, end }));
    const kind: DayKind = exception ? exception.kind : intervals.length > 0 ? 'working' : 'non-working';
    return exception?.name !== undefined
      ? { date: localDate, kind, name: exception.name, intervals }
      : { date: localDate, kind, intervals };
  }
}

/**
 * Compile a calendar definition. Only what the arithmetic needs is checked: an unknown zone or malformed times
 * and dates throw a `CalendarDefinitionError` listing them. A calendar that never works compiles; durations on
 * it never end (`addDuration` returns `Infinity`).
 */
export function compileCalendar(definition: BusinessCalendarDefinition): BusinessCalendar {
  const result = tryCompileCalendar(definition);
  if (!result.ok) throw new CalendarDefinitionError(result.error);
  return result.value;
}

/** `compileCalendar` that returns the problems instead of throwing. */
export function tryCompileCalendar(
  definition: BusinessCalendarDefinition,
): Result<BusinessCalendar, Problem[]> {
  const zone = zoneOf(definition.zone);
  const problems = blockingProblems(definition, zone).filter(
    (problem) => problem.code !== 'calendar.intervals-overlap',
  );
  if (!zone || problems.length > 0) return fail(problems);
  return ok(new CompiledCalendar(definition, zone));
}
