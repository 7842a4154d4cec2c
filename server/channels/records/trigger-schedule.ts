import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import type { LocalizedText } from '../../../runtime/common/types.js';
import type { TriggerRepeat } from './records.model.js';

/**
 * When a scheduled trigger is due, and which period a run belongs to. Cron text is read by croner (five fields:
 * minute hour day-of-month month day-of-week) in the trigger's IANA time zone; the worker looks once a minute, so
 * a seconds field would promise more than it keeps and is refused.
 */

/** A problem with the schedule, in both languages, or undefined when it is usable. */
export function scheduleProblem(schedule: string, timezone: string): LocalizedText | undefined {
  if (!isTimeZone(timezone)) {
    return {
      'zh-CN': `“${timezone}”不是可识别的时区（例如 Asia/Shanghai）`,
      en: `“${timezone}” is not a known time zone (e.g. Asia/Shanghai)`,
    };
  }
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) {
    return {
      'zh-CN': 'Cron 表达式需要 5 段：分 时 日 月 周（例如 “0 9 * * 1” 表示每周一 9:00）',
      en: 'A cron expression needs five fields: minute hour day month weekday (e.g. “0 9 * * 1” = Mondays 09:00)',
    };
  }
  let next: Date | null;
  try {
    next = cronOf(schedule, timezone).nextRun(new Date(0));
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
    return { 'zh-CN': `Cron 表达式无效：${reason}`, en: `The cron expression is not valid: ${reason}` };
  }
  if (next === null) {
    return {
      'zh-CN': 'Cron 表达式永远不会到期（例如 2 月 30 日）',
      en: 'The cron expression never comes due (e.g. 30 February)',
    };
  }
  return undefined;
}

export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function cronOf(schedule: string, timezone: string): Cron {
  return new Cron(schedule.trim(), { paused: true, timezone });
}

/** The first scheduled instant strictly after `after`, or undefined when the schedule never comes due again. */
export function nextRunAfter(schedule: string, timezone: string, after: Date): Date | undefined {
  return cronOf(schedule, timezone).nextRun(after) ?? undefined;
}

/** The next `count` scheduled instants after `after` (the editor shows them). */
export function upcomingRuns(schedule: string, timezone: string, after: Date, count: number): Date[] {
  return cronOf(schedule, timezone).nextRuns(count, after);
}

/** Calendar parts of an instant in a time zone. */
function partsIn(at: Date, timezone: string): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
  }).formatToParts(at);
  const read = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  return { year: read('year'), month: read('month'), day: read('day') };
}

const pad = (value: number) => String(value).padStart(2, '0');

/**
 * The period of a run at `at`: a record opens at most one ticket per trigger and period. `never` — one period for
 * ever; `day` / `week` (ISO week) / `month` — calendar periods in the trigger's zone; `run` — each scheduled run
 * (its scheduled instant, so a re-run of the same scheduled run is the same period).
 */
export function periodOf(repeat: TriggerRepeat, at: Date, timezone: string): string {
  if (repeat === 'never') return 'once';
  if (repeat === 'run') return at.toISOString();
  const { year, month, day } = partsIn(at, timezone);
  if (repeat === 'month') return `${year}-${pad(month)}`;
  if (repeat === 'day') return `${year}-${pad(month)}-${pad(day)}`;
  // ISO 8601 week: the week holding the year's first Thursday is week 1.
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const weekYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 + 1) / 7);
  return `${weekYear}-W${pad(week)}`;
}

/**
 * The id of the ticket a trigger opens for one source (a record key or `ticket:<id>`) in one period: the same for
 * every worker and every re-run, so the ticket's first commit — an insert under a unique `_id` — lets one open
 * through and turns every other attempt into "already there".
 */
export function triggerTicketId(triggerId: string, source: string, period: string): string {
  return `g${createHash('sha256').update(`trigger\n${triggerId}\n${source}\n${period}`).digest('hex').slice(0, 28)}`;
}
