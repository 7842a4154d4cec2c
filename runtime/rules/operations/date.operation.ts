import { DateTime } from 'luxon';
import type { Instant } from '../../common/types.js';
import {
  addBusinessMinutes,
  businessMinutesBetween,
  isWorkingInstant,
  type BusinessCalendar,
} from '../../time/index.js';
import { currentRuleEnv } from '../rule-env.js';
import { RuleOperationError } from '../rule-problem.js';

const MINUTE = 60_000;

/** Units counted around the clock: milliseconds per unit. `calendarDays` is the Duration spelling of `days`. */
const CLOCK_UNITS: Record<string, number> = {
  minutes: MINUTE,
  hours: 60 * MINUTE,
  days: 24 * 60 * MINUTE,
  calendarDays: 24 * 60 * MINUTE,
};

/** Units counted on the business calendar; the value is minutes per unit (a business day: the standard day). */
const BUSINESS_UNITS: Record<string, (calendar: BusinessCalendar) => number> = {
  businessMinutes: () => 1,
  businessHours: () => 60,
  businessDays: (calendar) => calendar.standardDayMinutes,
};

const ALL_UNITS = [...Object.keys(CLOCK_UNITS), ...Object.keys(BUSINESS_UNITS)].join(', ');

/** Accept what a ticket holds for a moment: epoch milliseconds, or an ISO 8601 text (UTC when it has no offset). */
export function toInstant(value: unknown, operation: string): Instant {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = DateTime.fromISO(value.trim(), { zone: 'utc' });
    if (parsed.isValid) return parsed.toMillis();
  }
  throw new RuleOperationError('rule.invalidDate', { operation, value: describe(value) });
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function toAmount(value: unknown, operation: string): number {
  const amount = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof amount === 'number' && Number.isFinite(amount)) return amount;
  throw new RuleOperationError('rule.invalidNumber', { operation, value: describe(value) });
}

export function requireNow(operation: string): Instant {
  const { now } = currentRuleEnv();
  if (now === undefined) throw new RuleOperationError('rule.clockMissing', { operation });
  return now;
}

export function requireCalendar(operation: string): BusinessCalendar {
  const { calendar } = currentRuleEnv();
  if (calendar === undefined) throw new RuleOperationError('rule.calendarMissing', { operation });
  return calendar;
}

type UnitKind = { kind: 'clock'; msPerUnit: number } | { kind: 'business'; minutesPerUnit: number };

function unitOf(unit: unknown, operation: string): UnitKind {
  if (typeof unit === 'string' && Object.hasOwn(CLOCK_UNITS, unit)) {
    return { kind: 'clock', msPerUnit: CLOCK_UNITS[unit] as number };
  }
  const business =
    typeof unit === 'string' && Object.hasOwn(BUSINESS_UNITS, unit) ? BUSINESS_UNITS[unit] : undefined;
  if (business) return { kind: 'business', minutesPerUnit: business(requireCalendar(operation)) };
  throw new RuleOperationError('rule.invalidUnit', { operation, unit: describe(unit), allowed: ALL_UNITS });
}

/** `{"now": []}`: the caller's clock, in epoch milliseconds. */
export function nowOperation(): Instant {
  return requireNow('now');
}

/**
 * `{"dateAdd": [instant, amount, unit]}`: the instant moved by the amount, in epoch milliseconds. Clock units may
 * be negative; business units count forward on RuleEnv.calendar.
 */
export function dateAddOperation(start: unknown, amount: unknown, unit: unknown): Instant {
  const instant = toInstant(start, 'dateAdd');
  const count = toAmount(amount, 'dateAdd');
  const measure = unitOf(unit, 'dateAdd');
  if (measure.kind === 'clock') return instant + count * measure.msPerUnit;
  if (count < 0)
    throw new RuleOperationError('rule.negativeBusinessAmount', { operation: 'dateAdd', value: count });
  const calendar = requireCalendar('dateAdd');
  const end = addBusinessMinutes(calendar, instant, count * measure.minutesPerUnit);
  if (!Number.isFinite(end)) {
    throw new RuleOperationError('rule.noWorkingTime', { operation: 'dateAdd', calendar: calendar.key });
  }
  return end;
}

/** `{"dateDiff": [from, to, unit]}`: whole units elapsed from `from` to `to` (negative when `to` is earlier). */
export function dateDiffOperation(from: unknown, to: unknown, unit: unknown): number {
  const start = toInstant(from, 'dateDiff');
  const end = toInstant(to, 'dateDiff');
  const measure = unitOf(unit, 'dateDiff');
  const units =
    measure.kind === 'clock'
      ? (end - start) / measure.msPerUnit
      : measure.minutesPerUnit === 0
        ? 0
        : businessMinutesBetween(requireCalendar('dateDiff'), start, end) / measure.minutesPerUnit;
  // `+ 0` turns -0 into 0, which JSON and strict equality treat the same anyway, but tables read better.
  return Math.trunc(units) + 0;
}

/** `{"inBusinessHours": []}` or `{"inBusinessHours": [instant]}`: is the instant (default: now) working time? */
export function inBusinessHoursOperation(...args: unknown[]): boolean {
  const instant =
    args.length === 0 || args[0] === null
      ? requireNow('inBusinessHours')
      : toInstant(args[0], 'inBusinessHours');
  return isWorkingInstant(requireCalendar('inBusinessHours'), instant);
}
