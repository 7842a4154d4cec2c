/**
 * Business time: calendars (weekly hours, holidays, make-up working days) in an IANA zone, and arithmetic on
 * them exact to the minute at a cost proportional to the days spanned. See README.md.
 */
export type {
  BusinessCalendarDefinition,
  CalendarDayEntry,
  CalendarDayName,
  ExtraWorkingDayEntry,
  WallClockTime,
  Weekday,
  WeeklySchedule,
  WorkingInterval,
} from './calendar.types.js';
export { WEEKDAYS } from './calendar.types.js';
export {
  CalendarDefinitionError,
  MAX_RANGE_DAYS,
  checkCalendar,
  compileCalendar,
  tryCompileCalendar,
  type BusinessCalendar,
  type CalendarDay,
  type DayKind,
  type DayPlan,
} from './calendar.js';
export {
  calendarSchema,
  durationSchema,
  holidayEntrySchema,
  workingDayEntrySchema,
  workingIntervalSchema,
} from './calendar.schema.js';
export {
  MAX_WALK_DAYS,
  addBusinessMinutes,
  addDuration,
  businessMillisecondsBetween,
  businessMinutesBetween,
  durationInMinutes,
  isCalendarTimeUnit,
  isWorkingInstant,
  measuringCalendar,
  nextBusinessDayStart,
  nextWorkingInstant,
} from './business-time.js';
export {
  ALWAYS_OPEN_CALENDAR,
  ALWAYS_OPEN_CALENDAR_DEFINITION,
  CN_STANDARD_CALENDAR,
  CN_STANDARD_CALENDAR_DEFINITION,
  PRESET_CALENDARS,
} from './presets.js';
export {
  describeDuration,
  describeMinutes,
  formatLocalDateTime,
  periodBuckets,
  type PeriodBuckets,
} from './time-format.js';
export { timeMessages, timeProblem, type TimeMessageCode } from './time-messages.js';
