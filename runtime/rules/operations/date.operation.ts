import { DateTime } from 'luxon';
import type { Instant } from '../../common/types.js';
import { currentRuleEnv } from '../rule-env.js';
import { RuleOperationError } from '../rule-problem.js';

const MINUTE = 60_000;
const FIXED_UNITS: Record<string, number> = { minutes: MINUTE, hours: 60 * MINUTE, days: 24 * 60 * MINUTE };

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

export function unitFactor(
  unit: unknown,
  operation: string,
  extraUnits: readonly string[],
): number | undefined {
  if (typeof unit === 'string' && Object.hasOwn(FIXED_UNITS, unit)) return FIXED_UNITS[unit];
  if (typeof unit === 'string' && extraUnits.includes(unit)) return undefined;
  throw new RuleOperationError('rule.invalidUnit', {
    operation,
    unit: describe(unit),
    allowed: [...Object.keys(FIXED_UNITS), ...extraUnits].join(', '),
  });
}

/** `{"now": []}`: the caller's clock, in epoch milliseconds. */
export function nowOperation(): Instant {
  return requireNow('now');
}

/** `{"dateAdd": [instant, amount, unit]}`: the instant moved by the amount, in epoch milliseconds. */
export function dateAddOperation(start: unknown, amount: unknown, unit: unknown): Instant {
  const instant = toInstant(start, 'dateAdd');
  const count = toAmount(amount, 'dateAdd');
  const factor = unitFactor(unit, 'dateAdd', []) as number;
  return instant + count * factor;
}

/** `{"dateDiff": [from, to, unit]}`: whole units elapsed from `from` to `to` (negative when `to` is earlier). */
export function dateDiffOperation(from: unknown, to: unknown, unit: unknown): number {
  const start = toInstant(from, 'dateDiff');
  const end = toInstant(to, 'dateDiff');
  const factor = unitFactor(unit, 'dateDiff', []) as number;
  return Math.trunc((end - start) / factor) + 0;
}
