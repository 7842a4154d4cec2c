/**
 * What the SLA tab and the calendar page compute, kept out of the components so it can be tested: reading a
 * target's rule as a "priority is …" shortcut, the escalation actions as one choice each, the calendars the
 * policy may use (presets + the server's), and the due-time calculator — which only ever calls the runtime's
 * own target selection and business-time arithmetic.
 */
import { DateTime } from 'luxon';
import {
  PRIORITIES,
  type Duration,
  type Explanation,
  type Instant,
  type Priority,
} from '../../../../runtime/common/types';
import {
  DEFAULT_POLICY_CALENDAR,
  findCalendar,
  policyCalendarKey,
  selectSlaTarget,
  type SlaAction,
  type SlaEscalation,
  type SlaPolicy,
  type SlaTarget,
} from '../../../../runtime/sla';
import {
  PRESET_CALENDARS,
  addDuration,
  formatLocalDateTime,
  tryCompileCalendar,
  type BusinessCalendar,
  type BusinessCalendarDefinition,
} from '../../../../runtime/time';

/** A target rule the quick picker can show: one priority, or every ticket (`true`). */
export type PriorityShortcut = Priority | 'always';

/** `{"==":[{"var":"priority"},"high"]}` → `high`, `true` → `always`; any other rule → undefined. */
export function priorityShortcutOf(when: unknown): PriorityShortcut | undefined {
  if (when === true) return 'always';
  if (!when || typeof when !== 'object' || Array.isArray(when)) return undefined;
  const entries = Object.entries(when as Record<string, unknown>);
  if (entries.length !== 1) return undefined;
  const [operator, args] = entries[0] as [string, unknown];
  if ((operator !== '==' && operator !== '===') || !Array.isArray(args) || args.length !== 2)
    return undefined;
  const [left, right] = args as [unknown, unknown];
  const isPriorityVar = (value: unknown): boolean =>
    !!value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    (value as { var?: unknown }).var === 'priority';
  const literal = isPriorityVar(left) ? right : isPriorityVar(right) ? left : undefined;
  return typeof literal === 'string' && (PRIORITIES as readonly string[]).includes(literal)
    ? (literal as Priority)
    : undefined;
}

/** The rule the quick picker writes. */
export function ruleOfPriorityShortcut(shortcut: PriorityShortcut): unknown {
  return shortcut === 'always' ? true : { '==': [{ var: 'priority' }, shortcut] };
}

/** Is `sla` a policy written in the type (an object), rather than the key of a shared policy? */
export function isInlinePolicy(sla: unknown): sla is SlaPolicy {
  return !!sla && typeof sla === 'object' && !Array.isArray(sla);
}

// ---- Escalation actions: one choice in a select each ---------------------------------------------------------

export const ACTION_KINDS = [
  'notify-assignee',
  'notify-supervisor',
  'notify-role',
  'highlight-warning',
  'highlight-breached',
  'raise-priority',
  'reassign-backup-person',
  'reassign-backup-team',
  'reassign-team',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** Kinds that need one more value (a role, a number of levels, a team). */
export const ACTION_PARAMETER: Partial<Record<ActionKind, 'role' | 'levels' | 'team'>> = {
  'notify-role': 'role',
  'raise-priority': 'levels',
  'reassign-team': 'team',
};

export function actionKindOf(action: SlaAction): ActionKind | undefined {
  if ('notify' in action) {
    if (action.notify === 'assignee') return 'notify-assignee';
    if (action.notify === 'supervisor') return 'notify-supervisor';
    return typeof action.notify === 'object' ? 'notify-role' : undefined;
  }
  if ('highlight' in action)
    return action.highlight === 'breached' ? 'highlight-breached' : 'highlight-warning';
  if ('raisePriority' in action) return 'raise-priority';
  if ('reassign' in action) {
    if (action.reassign === 'backup-person') return 'reassign-backup-person';
    if (action.reassign === 'backup-team') return 'reassign-backup-team';
    return typeof action.reassign === 'object' ? 'reassign-team' : undefined;
  }
  return undefined;
}

/** The value of a kind's parameter in an action ('' or 1 when it has none yet). */
export function actionParameterOf(action: SlaAction): string | number | undefined {
  if ('notify' in action && typeof action.notify === 'object') return action.notify.role;
  if ('raisePriority' in action) return action.raisePriority;
  if ('reassign' in action && typeof action.reassign === 'object') return action.reassign.team;
  return undefined;
}

/** The action a choice (and its parameter, kept when it still fits) stands for. */
export function actionOf(kind: ActionKind, parameter?: string | number): SlaAction {
  switch (kind) {
    case 'notify-assignee':
      return { notify: 'assignee' };
    case 'notify-supervisor':
      return { notify: 'supervisor' };
    case 'notify-role':
      return { notify: { role: typeof parameter === 'string' ? parameter : '' } };
    case 'highlight-warning':
      return { highlight: 'warning' };
    case 'highlight-breached':
      return { highlight: 'breached' };
    case 'raise-priority':
      return { raisePriority: typeof parameter === 'number' ? parameter : 1 };
    case 'reassign-backup-person':
      return { reassign: 'backup-person' };
    case 'reassign-backup-team':
      return { reassign: 'backup-team' };
    case 'reassign-team':
      return { reassign: { team: typeof parameter === 'string' ? parameter : '' } };
  }
}

// ---- Calendars ------------------------------------------------------------------------------------------------

/**
 * Compiled calendars by key: the runtime's presets, overlaid by the server's definitions (an admin may have
 * extended a preset with more years). A definition that does not compile is left out (its page shows why).
 */
export function compileCalendars(
  definitions: readonly BusinessCalendarDefinition[],
): Record<string, BusinessCalendar> {
  const calendars: Record<string, BusinessCalendar> = Object.fromEntries(PRESET_CALENDARS);
  for (const definition of definitions) {
    const compiled = tryCompileCalendar(definition);
    if (compiled.ok) calendars[definition.key] = compiled.value;
  }
  return calendars;
}

/** `2026-10-08 09:30` (or with seconds / a `T`) read as a wall-clock time in `zone`; undefined if not a time. */
export function parseLocalDateTime(text: string, zone: string): Instant | undefined {
  const trimmed = text.trim().replace('T', ' ');
  for (const format of ['yyyy-MM-dd HH:mm', 'yyyy-MM-dd HH:mm:ss']) {
    const parsed = DateTime.fromFormat(trimmed, format, { zone });
    if (parsed.isValid) return parsed.toMillis();
  }
  return undefined;
}

/** A due time: the instant, and the wall clock in the calendar's zone; `never` when the calendar never works. */
export interface DueTime {
  duration: Duration;
  /** Key of the calendar the duration was counted on (business units) — calendar units ignore it. */
  calendar: string;
  at: Instant | null;
  /** `2026-10-08 11:00` in `zone`, empty when never. */
  local: string;
  zone: string;
}

/** Opened at `openedAt` + `duration` on `calendar` → due time (the runtime's `addDuration`). */
export function dueAfter(calendar: BusinessCalendar, openedAt: Instant, duration: Duration): DueTime {
  const at = addDuration(calendar, openedAt, duration);
  const finite = Number.isFinite(at);
  return {
    duration,
    calendar: calendar.key,
    at: finite ? at : null,
    local: finite ? formatLocalDateTime(at, calendar.zone) : '',
    zone: calendar.zone,
  };
}

export interface PolicyDueTimes {
  /** Position of the applied target; -1 when none applies. */
  targetIndex: number;
  explanation: Explanation;
  /** The target's calendar key, and whether it is known (preset or on the server). */
  calendar: string;
  calendarKnown: boolean;
  firstResponse?: DueTime;
  resolution?: DueTime;
}

/**
 * The calculator of the SLA tab: the target the runtime selects for a ticket of this priority (and the shared
 * sample's data, requester and channel), then each clock's due time from `openedAt` on the target's calendar.
 */
export function policyDueTimes(
  policy: SlaPolicy,
  ticket: Record<string, unknown>,
  openedAt: Instant,
  calendars: Readonly<Record<string, BusinessCalendar>>,
): PolicyDueTimes {
  const selection = selectSlaTarget(policy, ticket, { calendars, now: openedAt });
  const target: SlaTarget | undefined = selection.target;
  const calendarKey = target?.calendar ?? policyCalendarKey(policy) ?? DEFAULT_POLICY_CALENDAR;
  const calendar = findCalendar(calendarKey, { calendars });
  const result: PolicyDueTimes = {
    targetIndex: selection.index,
    explanation: selection.explanation,
    calendar: calendarKey,
    calendarKnown: calendar !== undefined,
  };
  if (!target || !calendar) return result;
  if (target.firstResponse && validDuration(target.firstResponse))
    result.firstResponse = dueAfter(calendar, openedAt, target.firstResponse);
  if (target.resolution && validDuration(target.resolution))
    result.resolution = dueAfter(calendar, openedAt, target.resolution);
  return result;
}

function validDuration(duration: Duration): boolean {
  return typeof duration.amount === 'number' && Number.isFinite(duration.amount) && duration.amount > 0;
}

/** Now, as a wall-clock text in `zone` to start the calculator from (rounded down to the minute). */
export function localNow(zone: string, now: Instant = Date.now()): string {
  return formatLocalDateTime(Math.floor(now / 60_000) * 60_000, zone);
}

/** A change to the inline policy, or to one escalation of it (the tab applies it through `designer.change`). */
export type PolicyChange = (policy: SlaPolicy) => void;
export type EscalationChange = (escalation: SlaEscalation) => void;
