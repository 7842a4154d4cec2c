/**
 * A business calendar as an admin edits it and as it is stored: plain JSON, validated by `calendarSchema`.
 * `compileCalendar` turns it into a `BusinessCalendar` the arithmetic runs on.
 */
import type { LocalizedText } from '../common/types.js';

/** `HH:mm` local wall-clock time; `24:00` is allowed as the end of the day. */
export type WallClockTime = string;

/** One working interval of a day, `from` inclusive, `to` exclusive, in the calendar's zone. */
export interface WorkingInterval {
  from: WallClockTime;
  to: WallClockTime;
}

export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Working intervals per weekday; a weekday left out (or with no interval) is not a working day. */
export type WeeklySchedule = Partial<Record<Weekday, WorkingInterval[]>>;

/** A name shown next to a holiday or an extra working day: one text, or a text per language. */
export type CalendarDayName = string | Partial<LocalizedText>;

/**
 * One day (`date`) or an inclusive range of days (`from`..`to`), as local dates `YYYY-MM-DD` in the calendar's
 * zone.
 */
export interface CalendarDayEntry {
  date?: string;
  from?: string;
  to?: string;
  name?: CalendarDayName;
}

/** An extra working day (调休 make-up day, company working day); it works the standard day unless told. */
export interface ExtraWorkingDayEntry extends CalendarDayEntry {
  /** Working intervals of that day, when they differ from the standard working day (e.g. a half day). */
  intervals?: WorkingInterval[];
}

export interface BusinessCalendarDefinition {
  /** Stable key rules and SLA policies refer to, e.g. `cn-standard`. */
  key: string;
  name: LocalizedText;
  /** IANA time zone, e.g. `Asia/Shanghai`; local days and working hours are read in it. */
  zone: string;
  week: WeeklySchedule;
  /** Days off: statutory holidays, company closures. */
  holidays?: CalendarDayEntry[];
  /** Days worked although the week says otherwise; they win over a holiday listed for the same day. */
  workingDays?: ExtraWorkingDayEntry[];
  /**
   * The standard working day: its length is one business day and make-up days work it. When absent, the most
   * common non-empty weekday schedule of `week`.
   */
  standardDay?: WorkingInterval[];
}
