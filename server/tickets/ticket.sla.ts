import type { LocalizedText } from '../../runtime/common/types.js';
import type { TicketState } from '../../runtime/engine/types.js';
import {
  clockProgress,
  findCalendar,
  dueSteps,
  recipientCalendar,
  type SlaEscalation,
  type WorkingHours,
  type SlaClock,
  type SlaClocks,
  type SlaPolicy,
} from '../../runtime/sla/index.js';
import {
  ALWAYS_OPEN_CALENDAR,
  businessMinutesBetween,
  type BusinessCalendar,
} from '../../runtime/time/index.js';
import { NO_DUE, type SlaProjection } from './ticket.projection.js';
import type { LoadedDefinition } from './ticket.service.js';

/** A timer the ticket waits for: its key (what `timer-fired` names) and when it falls due. */
export interface DueTimer {
  key: string;
  at: number;
}

/**
 * SLA timer keys name the ticket, `:sla:` and the instant; the engine takes every SLA step due when one fires
 * (warnings, breaches, escalations), and refuses one that finds nothing due, so a repeat changes nothing.
 */
export const slaTimerKey = (ticketId: string, at: number): string => `${ticketId}:sla:${at}`;

/** Flow timers: tokens waiting until an instant (wait steps, auto-close, reply time-outs, step SLAs). */
export function flowTimers(state: TicketState): DueTimer[] {
  const timers: DueTimer[] = [];
  for (const token of state.tokens ?? []) {
    const waiting = token.waitingFor;
    if (!waiting) continue;
    if (waiting.kind === 'timer' && typeof waiting.at === 'number')
      timers.push({ key: waiting.key, at: waiting.at });
    else if (waiting.kind === 'confirm' && typeof waiting.at === 'number')
      timers.push({ key: waiting.timerKey, at: waiting.at });
    else if (waiting.kind === 'reply' && waiting.timerKey && typeof waiting.at === 'number') {
      timers.push({ key: waiting.timerKey, at: waiting.at });
    }
  }
  return timers;
}

function clocksOf(state: TicketState): SlaClocks | undefined {
  const sla = state.sla as SlaClocks | undefined;
  return sla && typeof sla === 'object' && 'stepsDone' in sla ? sla : undefined;
}

function policyOf(definition: LoadedDefinition): SlaPolicy | undefined {
  const sla = definition.definition.sla as SlaPolicy | undefined;
  return sla && Array.isArray(sla.targets) ? sla : undefined;
}

/**
 * The next SLA step instant, as of the ticket's last change: a step already due (it fell due while nothing
 * happened to the ticket) or the next one to come. Recomputed from the stored clocks on every commit, so a
 * restarted worker needs nothing but the ticket.
 */
export function slaTimers(
  state: TicketState,
  definition: LoadedDefinition,
  calendars: Record<string, BusinessCalendar>,
  hours?: WorkingHours,
): DueTimer[] {
  const clocks = clocksOf(state);
  const policy = policyOf(definition);
  if (!clocks || !policy) return [];
  // An escalation held to business hours waits for its recipient's calendar, as the engine does when it fires.
  const holdCalendar =
    hours === undefined
      ? undefined
      : (escalation: SlaEscalation) =>
          recipientCalendar(
            escalation,
            {
              ...(state.assignee === undefined ? {} : { assignee: state.assignee }),
              ...(state.team === undefined ? {} : { team: state.team }),
            },
            hours,
          );
  const { steps, nextDueAt } = dueSteps(clocks, policy, state.updatedAt, undefined, {
    calendars,
    ...(holdCalendar ? { holdCalendar } : {}),
  });
  const at = steps.length > 0 ? Math.min(...steps.map((step) => step.dueAt)) : nextDueAt;
  return at === null ? [] : [{ key: slaTimerKey(state.id, at), at }];
}

export function allTimers(
  state: TicketState,
  definition: LoadedDefinition,
  calendars: Record<string, BusinessCalendar>,
  hours?: WorkingHours,
): DueTimer[] {
  return [...flowTimers(state), ...slaTimers(state, definition, calendars, hours)];
}

const date = (instant: number | null | undefined): Date | null =>
  instant === null || instant === undefined ? null : new Date(instant);

function breached(clock: SlaClock | undefined): 0 | 1 {
  if (!clock) return 0;
  if (clock.breachedAt !== undefined) return 1;
  if (
    clock.state === 'stopped' &&
    clock.dueAt !== null &&
    clock.stoppedAt !== undefined &&
    clock.stoppedAt > clock.dueAt
  )
    return 1;
  return 0;
}

export function slaProjection(
  state: TicketState,
  definition: LoadedDefinition,
  calendars: Record<string, BusinessCalendar>,
  hours?: WorkingHours,
): SlaProjection & { nextTimerAt: Date | null } {
  const clocks = clocksOf(state);
  const timers = allTimers(state, definition, calendars, hours);
  const next = timers.length ? Math.min(...timers.map((timer) => timer.at)) : null;
  const running = [clocks?.firstResponse, clocks?.resolution].filter(
    (clock): clock is SlaClock => clock !== undefined && clock.state !== 'stopped' && clock.dueAt !== null,
  );
  const slaDue = running.length ? Math.min(...running.map((clock) => clock.dueAt!)) : null;
  // The clock lists count down: its calendar, and what it has left while paused (a paused clock's time stands still).
  const nearest = running.find((clock) => clock.dueAt === slaDue);
  const nearestLeft =
    nearest?.state === 'paused'
      ? clockProgress(nearest, state.updatedAt, { calendars }).remainingMinutes
      : null;
  const firstResponseBreached = breached(clocks?.firstResponse);
  const resolutionBreached = breached(clocks?.resolution);
  const warned = [clocks?.firstResponse, clocks?.resolution].some(
    (clock) => clock?.warnedAt !== undefined && clock.state !== 'stopped',
  );
  return {
    firstResponseDueAt: date(clocks?.firstResponse?.dueAt),
    resolutionDueAt: date(clocks?.resolution?.dueAt),
    slaDueAt: slaDue === null ? NO_DUE : new Date(slaDue),
    highlight:
      state.flags.highlight ??
      (firstResponseBreached || resolutionBreached ? 'breached' : warned ? 'warning' : null),
    firstResponseBreached,
    resolutionBreached,
    slaPaused: running.some((clock) => clock.state === 'paused'),
    slaCalendar: nearest?.calendar ?? null,
    slaPausedLeft: nearestLeft,
    nextTimerAt: next === null ? null : new Date(next),
  };
}

/** The SLA clocks as the API shows them: due and warning instants, progress at `now`, breach marks. */
export function slaView(
  state: TicketState,
  now: number,
  calendars: Record<string, BusinessCalendar>,
): Record<string, unknown> {
  const clocks = clocksOf(state);
  const view = (clock: SlaClock | undefined) => {
    if (!clock) return null;
    const progress = clockProgress(clock, now, { calendars });
    const left =
      clock.state === 'stopped' || clock.dueAt === null
        ? null
        : timeLeft(
            {
              calendar: clock.calendar,
              dueAt: clock.dueAt,
              paused: clock.state === 'paused',
              pausedLeft: progress.remainingMinutes,
            },
            now,
            calendars,
          );
    return {
      state: clock.state,
      target: clock.target,
      calendar: clock.calendar,
      startedAt: new Date(clock.startedAt).toISOString(),
      dueAt: clock.dueAt === null ? null : new Date(clock.dueAt).toISOString(),
      warnAt: clock.warnAt === null ? null : new Date(clock.warnAt).toISOString(),
      stoppedAt: clock.stoppedAt === undefined ? null : new Date(clock.stoppedAt).toISOString(),
      pausedMinutes: clock.pausedBusinessMinutes,
      remainingMinutes: left?.minutes ?? progress.remainingMinutes,
      left,
      zone: clockCalendar(clock, { calendars }).zone,
      fractionUsed: progress.fractionUsed,
      warned: progress.warned,
      breached: progress.breached,
    };
  };
  return {
    firstResponse: view(clocks?.firstResponse),
    resolution: view(clocks?.resolution),
    stepsDone: clocks?.stepsDone ?? [],
  };
}

/** How long the working-time windows sent with a time left reach: the studio counts down within them. */
const WINDOW_MS = 2 * 24 * 3_600_000;

/**
 * "Time left" on an SLA clock, the one definition every screen shows: business minutes of the clock's calendar
 * between now and its due time (negative once overdue), or — while paused — what it had left when it paused.
 * `working` lists the calendar's working intervals of the next two days so a page can count down on its own.
 */
export interface TimeLeft {
  minutes: number;
  asOf: string;
  calendar: string;
  calendarName: LocalizedText;
  zone: string;
  /** Counted in working hours only (false for a 24×7 calendar). */
  business: boolean;
  paused: boolean;
  /** Working intervals [from, to) in epoch ms from `asOf` on; null when the calendar always works. */
  working: [number, number][] | null;
}

/** The calendar a clock counts on, as the runtime finds it (a missing one counts around the clock). */
function clockCalendar(clock: { calendar: string }, env: { calendars: Record<string, BusinessCalendar> }) {
  return findCalendar(clock.calendar, env) ?? ALWAYS_OPEN_CALENDAR;
}

function workingWindows(calendar: BusinessCalendar, from: number): [number, number][] | null {
  if (calendar.alwaysOpen) return null;
  const until = from + WINDOW_MS;
  const windows: [number, number][] = [];
  for (let day = calendar.dayNumberOf(from); day <= calendar.dayNumberOf(until); day += 1) {
    for (const [start, end] of calendar.planOf(day).intervals)
      if (end > from && start < until) windows.push([Math.max(start, from), Math.min(end, until)]);
  }
  return windows;
}

export function timeLeft(
  clock: { calendar: string; dueAt: number; paused: boolean; pausedLeft?: number | null },
  now: number,
  calendars: Record<string, BusinessCalendar>,
): TimeLeft {
  return timeLeftOn(clockFace(clock.calendar, now, calendars), clock);
}

/**
 * What the time left on every clock counting on one calendar shares at one moment: all of `TimeLeft` but the
 * minutes and the pause. A list works it out once per calendar for its page.
 */
export interface ClockFace {
  /** The moment it shows (epoch ms); `asOf` writes it. */
  at: number;
  asOf: string;
  calendar: string;
  calendarName: LocalizedText;
  zone: string;
  business: boolean;
  working: [number, number][] | null;
  /** The calendar the minutes are counted on. */
  counted: BusinessCalendar;
  /** Its JSON, written on first use: the fields between `minutes` and `paused`, and `working`. */
  json?: { middle: string; working: string };
}

export function clockFace(
  calendarKey: string,
  now: number,
  calendars: Record<string, BusinessCalendar>,
): ClockFace {
  const calendar = clockCalendar({ calendar: calendarKey }, { calendars });
  return {
    at: now,
    asOf: new Date(now).toISOString(),
    calendar: calendarKey,
    calendarName: calendar.name,
    zone: calendar.zone,
    business: !calendar.alwaysOpen,
    working: workingWindows(calendar, now),
    counted: calendar,
  };
}

function minutesLeft(
  calendar: BusinessCalendar,
  clock: { dueAt: number; paused: boolean; pausedLeft?: number | null },
  now: number,
): number {
  return clock.paused && typeof clock.pausedLeft === 'number'
    ? clock.pausedLeft
    : clock.dueAt >= now
      ? businessMinutesBetween(calendar, now, clock.dueAt)
      : -businessMinutesBetween(calendar, clock.dueAt, now);
}

/** A clock's time left, at its calendar's face's moment. */
export function timeLeftOn(
  face: ClockFace,
  clock: { dueAt: number; paused: boolean; pausedLeft?: number | null },
): TimeLeft {
  return {
    minutes: minutesLeft(face.counted, clock, face.at),
    asOf: face.asOf,
    calendar: face.calendar,
    calendarName: face.calendarName,
    zone: face.zone,
    business: face.business,
    paused: clock.paused,
    working: clock.paused ? [] : face.working,
  };
}

/**
 * `JSON.stringify(timeLeftOn(face, clock))`, with what the face shares written once for all the clocks on it: the
 * list writes one for each ticket of its page.
 */
export function timeLeftJson(
  face: ClockFace,
  clock: { dueAt: number; paused: boolean; pausedLeft?: number | null },
): string {
  const { asOf, calendar, calendarName, zone, business } = face;
  face.json ??= {
    middle: JSON.stringify({ asOf, calendar, calendarName, zone, business }).slice(1, -1),
    working: JSON.stringify(face.working),
  };
  const minutes = JSON.stringify(minutesLeft(face.counted, clock, face.at));
  const working = clock.paused ? '[]' : face.json.working;
  return `{"minutes":${minutes},${face.json.middle},"paused":${clock.paused},"working":${working}}`;
}
