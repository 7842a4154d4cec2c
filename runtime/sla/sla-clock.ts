/**
 * SLA clocks as plain JSON. A clock is a list of runs (periods it counted); everything else — time used, due and
 * warning instants, when it breached — follows from the runs and the calendar it counts on, so a restarted
 * worker recomputes every timer from the stored clock alone.
 *
 * Lifecycle (DESIGN.md §4): both clocks start when the ticket is created; first response stops at the first
 * agent action the requester sees (or at resolution); resolution stops at `resolved` / `closed` / `cancelled`;
 * both pause while the status category is in `pauseIn`, and the due time moves later by exactly the paused
 * time. Reopening a resolved ticket restarts the resolution clock: by default it carries on from the time
 * already used (`reopen: 'resume'`); `reopen: 'restart'` starts a new full cycle instead.
 */
import type { Duration, Explanation, Instant, LocalizedText, StatusCategory } from '../common/types.js';
import {
  ALWAYS_OPEN_CALENDAR,
  addBusinessMinutes,
  businessMillisecondsBetween,
  describeDuration,
  describeMinutes,
  durationInMinutes,
  formatLocalDateTime,
  isCalendarTimeUnit,
  type BusinessCalendar,
} from '../time/index.js';
import {
  CLOCK_NAMES,
  STATUS_CATEGORY_NAMES,
  STOP_REASONS,
  slaExplanation,
  type SlaMessageCode,
} from './sla-messages.js';
import {
  findCalendar,
  policyCalendarKey,
  selectSlaTarget,
  type SlaEnv,
  type SlaTargetSelection,
} from './sla-target.js';
import {
  DEFAULT_PAUSE_IN,
  DEFAULT_WARN_AT,
  SLA_CLOCKS_VERSION,
  SLA_CLOCK_KINDS,
  type SlaClock,
  type SlaClockKind,
  type SlaClockState,
  type SlaClocks,
  type SlaPolicy,
  type SlaStopReason,
  type SlaTarget,
} from './sla.types.js';

const MS_PER_MINUTE = 60_000;
const NEVER: LocalizedText = { 'zh-CN': '永不', en: 'never' };
const STOPPING_CATEGORIES: ReadonlySet<StatusCategory> = new Set(['resolved', 'closed', 'cancelled']);

/** The new clocks and why they are what they are. */
export interface SlaUpdate {
  clocks: SlaClocks;
  explanations: Explanation[];
}

/** Clocks of a ticket that may have none (no target applied), with the selection that decided it. */
export interface SlaStart {
  clocks: SlaClocks | undefined;
  selection: SlaTargetSelection;
  explanations: Explanation[];
}

/** The calendar a clock counts on; a missing one counts around the clock and says so. */
export function clockCalendar(clock: Pick<SlaClock, 'calendar'>, env: SlaEnv, explanations?: Explanation[]) {
  const calendar = findCalendar(clock.calendar, env);
  if (calendar) return calendar;
  explanations?.push(slaExplanation('sla.calendar.missing', { calendar: clock.calendar }));
  return ALWAYS_OPEN_CALENDAR;
}

function policyZone(policy: SlaPolicy, env: SlaEnv): string {
  return (findCalendar(policyCalendarKey(policy), env) ?? ALWAYS_OPEN_CALENDAR).zone;
}

function finiteOrNull(instant: Instant): Instant | null {
  return Number.isFinite(instant) ? instant : null;
}

function minutesToMs(minutes: number): number {
  return Math.round(minutes * MS_PER_MINUTE);
}

/** Time counted by the clock up to `at`, in ms of its calendar. */
export function elapsedMs(clock: SlaClock, calendar: BusinessCalendar, at: Instant): number {
  let total = 0;
  for (const run of clock.runs) {
    if (run.to !== undefined) total += minutesToMs(run.businessMinutes ?? 0);
    else if (at > run.from) total += businessMillisecondsBetween(calendar, run.from, at);
  }
  return total;
}

/**
 * The instant the clock's count reaches `thresholdMinutes`: exact when already reached; otherwise projected as
 * if the clock ran on from its open run (or from where it paused or stopped). `null` when never.
 */
export function thresholdInstant(clock: SlaClock, calendar: BusinessCalendar, thresholdMinutes: number) {
  let remainingMs = minutesToMs(thresholdMinutes);
  let lastEnd = clock.startedAt;
  for (const run of clock.runs) {
    if (run.to === undefined)
      return finiteOrNull(addBusinessMinutes(calendar, run.from, remainingMs / MS_PER_MINUTE));
    const runMs = minutesToMs(run.businessMinutes ?? 0);
    if (runMs >= remainingMs)
      return finiteOrNull(addBusinessMinutes(calendar, run.from, remainingMs / MS_PER_MINUTE));
    remainingMs -= runMs;
    lastEnd = run.to;
  }
  return finiteOrNull(addBusinessMinutes(calendar, lastEnd, remainingMs / MS_PER_MINUTE));
}

/** The latest instant the clock has recorded; later changes are clamped to it so runs never go backwards. */
function lastChange(clock: SlaClock): Instant {
  const lastRun = clock.runs[clock.runs.length - 1];
  return Math.max(
    clock.startedAt,
    lastRun?.from ?? clock.startedAt,
    lastRun?.to ?? clock.startedAt,
    clock.pausedSince ?? clock.startedAt,
    clock.stoppedAt ?? clock.startedAt,
  );
}

/** Recompute due and warning instants and record a warning or breach the clock has passed by `at`. */
function refresh(clock: SlaClock, calendar: BusinessCalendar, at: Instant): void {
  clock.elapsedBusinessMinutes =
    clock.runs.reduce(
      (sum, run) => sum + minutesToMs(run.to !== undefined ? (run.businessMinutes ?? 0) : 0),
      0,
    ) / MS_PER_MINUTE;
  const never = !calendar.hasWorkingTime || (clock.targetMinutes <= 0 && clock.target.amount > 0);
  clock.dueAt = never ? null : thresholdInstant(clock, calendar, clock.targetMinutes);
  clock.warnAt = never ? null : thresholdInstant(clock, calendar, warnMinutesOf(clock));
  if (never) return;
  const used = elapsedMs(clock, calendar, at);
  if (clock.warnedAt === undefined && clock.warnAt !== null && used >= minutesToMs(warnMinutesOf(clock))) {
    clock.warnedAt = clock.warnAt;
  }
  if (clock.breachedAt === undefined && clock.dueAt !== null && used >= minutesToMs(clock.targetMinutes)) {
    clock.breachedAt = clock.dueAt;
  }
}

/** The warning threshold in minutes of the clock's calendar. */
export function warnMinutesOf(clock: SlaClock): number {
  return clock.targetMinutes * clock.warnFraction;
}

function closeRun(clock: SlaClock, calendar: BusinessCalendar, at: Instant): void {
  const run = clock.runs[clock.runs.length - 1];
  if (!run || run.to !== undefined) return;
  run.to = Math.max(at, run.from);
  run.businessMinutes = businessMillisecondsBetween(calendar, run.from, run.to) / MS_PER_MINUTE;
  delete clock.runningSince;
}

function openRun(clock: SlaClock, at: Instant): void {
  clock.runs.push({ from: at });
  clock.runningSince = at;
  clock.state = 'running';
  delete clock.pausedSince;
}

function measuringCalendarKey(policy: SlaPolicy, target: SlaTarget, duration: Duration): string {
  return isCalendarTimeUnit(duration.unit)
    ? ALWAYS_OPEN_CALENDAR.key
    : (target.calendar ?? policyCalendarKey(policy));
}

interface ClockSpec {
  duration: Duration;
  calendarKey: string;
  warnFraction: number;
}

function clockSpec(policy: SlaPolicy, target: SlaTarget, duration: Duration): ClockSpec {
  return {
    duration,
    calendarKey: measuringCalendarKey(policy, target, duration),
    warnFraction: policy.warnAt ?? DEFAULT_WARN_AT,
  };
}

function newClock(
  kind: SlaClockKind,
  spec: ClockSpec,
  state: 'running' | 'paused',
  at: Instant,
  env: SlaEnv,
  explanations: Explanation[],
  cycle = 1,
): SlaClock {
  const calendar = clockCalendar({ calendar: spec.calendarKey }, env, explanations);
  const clock: SlaClock = {
    kind,
    state,
    startedAt: at,
    cycle,
    target: spec.duration,
    targetMinutes: durationInMinutes(calendar, spec.duration),
    warnFraction: spec.warnFraction,
    calendar: spec.calendarKey,
    elapsedBusinessMinutes: 0,
    pausedBusinessMinutes: 0,
    runs: [],
    dueAt: null,
    warnAt: null,
  };
  if (state === 'running') openRun(clock, at);
  else clock.pausedSince = at;
  refresh(clock, calendar, at);
  return clock;
}

function clockParams(
  clock: SlaClock,
  zone: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const params: Record<string, unknown> = {
    clock: CLOCK_NAMES[clock.kind],
    clockKind: clock.kind,
    target: describeDuration(clock.target),
    due: clock.dueAt === null ? NEVER : formatLocalDateTime(clock.dueAt, zone),
    dueAt: clock.dueAt,
    elapsed: describeMinutes(clock.elapsedBusinessMinutes),
    elapsedMinutes: clock.elapsedBusinessMinutes,
  };
  // What `...extra` wrote (the extras are this module's own literals: no `__proto__` key), without a spread.
  return Object.assign(params, extra);
}

function explain(code: SlaMessageCode, clock: SlaClock, zone: string, extra: Record<string, unknown> = {}) {
  return slaExplanation(code, clockParams(clock, zone, extra));
}

function desiredState(policy: SlaPolicy, status: StatusCategory): SlaClockState {
  if (STOPPING_CATEGORIES.has(status)) return 'stopped';
  return (policy.pauseIn ?? DEFAULT_PAUSE_IN).includes(status) ? 'paused' : 'running';
}

function stopReasonFor(status: StatusCategory): SlaStopReason {
  return status === 'closed' ? 'closed' : status === 'cancelled' ? 'cancelled' : 'resolved';
}

function copyClocks(clocks: SlaClocks): SlaClocks {
  return structuredClone(clocks);
}

/** Stop a running or paused clock at `at`. */
function stop(clock: SlaClock, calendar: BusinessCalendar, at: Instant, reason: SlaStopReason, zone: string) {
  closeRun(clock, calendar, at);
  delete clock.pausedSince;
  clock.state = 'stopped';
  clock.stoppedAt = at;
  clock.stopReason = reason;
  refresh(clock, calendar, at);
  const breached = clock.breachedAt !== undefined;
  return explain(breached ? 'sla.clock.stopped-breached' : 'sla.clock.stopped-met', clock, zone, {
    reason: STOP_REASONS[reason],
    stopReason: reason,
    met: !breached,
    breached: clock.breachedAt !== undefined ? formatLocalDateTime(clock.breachedAt, zone) : '',
  });
}

/**
 * Start the clocks of a new ticket: select the target, then start a clock per target duration. `status` is the
 * ticket's first status category (clocks start paused if it is in `pauseIn`). No target ⇒ no clocks.
 */
export function startClocks(
  policy: SlaPolicy,
  ticketContext: unknown,
  at: Instant,
  env: SlaEnv = {},
  status: StatusCategory = 'new',
): SlaStart {
  const selection = selectSlaTarget(policy, ticketContext, env);
  const explanations = [...selection.skipped, selection.explanation];
  const { target } = selection;
  if (!target) return { clocks: undefined, selection, explanations };
  const clocks: SlaClocks = {
    version: SLA_CLOCKS_VERSION,
    targetIndex: selection.index,
    ...(target.id !== undefined ? { targetId: target.id } : {}),
    status,
    stepsDone: [],
  };
  const zone = policyZone(policy, env);
  const initial = desiredState(policy, status);
  for (const kind of SLA_CLOCK_KINDS) {
    const duration = target[kind];
    if (!duration) continue;
    const clock = newClock(
      kind,
      clockSpec(policy, target, duration),
      initial === 'paused' ? 'paused' : 'running',
      at,
      env,
      explanations,
    );
    if (initial === 'stopped') stop(clock, clockCalendar(clock, env), at, stopReasonFor(status), zone);
    clocks[kind] = clock;
    explanations.push(
      clock.dueAt === null
        ? explain('sla.clock.started-never-due', clock, zone, { calendar: clock.calendar })
        : explain('sla.clock.started', clock, zone),
    );
  }
  return { clocks, selection, explanations };
}

/**
 * The ticket's status category changed to `to` at `at`: pause, resume, stop or reopen the clocks. Reopening
 * (from resolved, closed or cancelled to any other category) brings the resolution clock back per
 * `policy.reopen`; a stopped first-response clock stays stopped.
 */
export function applyStatusChange(
  clocks: SlaClocks,
  policy: SlaPolicy,
  to: StatusCategory,
  at: Instant,
  env: SlaEnv = {},
): SlaUpdate {
  if (clocks.status === to) return { clocks, explanations: [] };
  const next = copyClocks(clocks);
  const explanations: Explanation[] = [];
  const zone = policyZone(policy, env);
  const wanted = desiredState(policy, to);
  next.status = to;
  for (const kind of SLA_CLOCK_KINDS) {
    const clock = next[kind];
    if (!clock) continue;
    const calendar = clockCalendar(clock, env, explanations);
    const when = Math.max(at, lastChange(clock));
    if (clock.state === 'stopped') {
      if (wanted === 'stopped' || kind === 'firstResponse') continue;
      if ((policy.reopen ?? 'resume') === 'restart') {
        const spec = {
          duration: clock.target,
          calendarKey: clock.calendar,
          warnFraction: clock.warnFraction,
        };
        const restarted = newClock(kind, spec, wanted, when, env, explanations, clock.cycle + 1);
        next[kind] = restarted;
        explanations.push(
          explain('sla.clock.reopened-restarted', restarted, zone, { cycle: restarted.cycle }),
        );
        continue;
      }
      // Resume: the time spent resolved does not count, exactly like a pause.
      clock.pausedBusinessMinutes +=
        businessMillisecondsBetween(calendar, clock.stoppedAt ?? when, when) / MS_PER_MINUTE;
      delete clock.stoppedAt;
      delete clock.stopReason;
      if (wanted === 'running') openRun(clock, when);
      else {
        clock.state = 'paused';
        clock.pausedSince = when;
      }
      refresh(clock, calendar, when);
      explanations.push(explain('sla.clock.reopened-resumed', clock, zone));
      continue;
    }
    if (wanted === 'stopped') {
      explanations.push(stop(clock, calendar, when, stopReasonFor(to), zone));
      continue;
    }
    if (clock.state === 'running' && wanted === 'paused') {
      closeRun(clock, calendar, when);
      clock.state = 'paused';
      clock.pausedSince = when;
      refresh(clock, calendar, when);
      explanations.push(
        explain('sla.clock.paused', clock, zone, { status: STATUS_CATEGORY_NAMES[to], category: to }),
      );
    } else if (clock.state === 'paused' && wanted === 'running') {
      const pausedMinutes =
        businessMillisecondsBetween(calendar, clock.pausedSince ?? when, when) / MS_PER_MINUTE;
      clock.pausedBusinessMinutes += pausedMinutes;
      openRun(clock, when);
      refresh(clock, calendar, when);
      explanations.push(
        explain('sla.clock.resumed', clock, zone, { paused: describeMinutes(pausedMinutes), pausedMinutes }),
      );
    }
  }
  return { clocks: next, explanations };
}

/** The first agent action visible to the requester happened at `at`: stop the first-response clock. */
export function recordFirstResponse(
  clocks: SlaClocks,
  policy: SlaPolicy,
  at: Instant,
  env: SlaEnv = {},
): SlaUpdate {
  const clock = clocks.firstResponse;
  if (!clock || clock.state === 'stopped') return { clocks, explanations: [] };
  const next = copyClocks(clocks);
  const firstResponse = next.firstResponse as SlaClock;
  const explanations: Explanation[] = [];
  const calendar = clockCalendar(firstResponse, env, explanations);
  explanations.push(
    stop(
      firstResponse,
      calendar,
      Math.max(at, lastChange(firstResponse)),
      'responded',
      policyZone(policy, env),
    ),
  );
  return { clocks: next, explanations };
}

/**
 * The ticket changed in a way that may change its target (priority raised, data edited): select again and, if
 * another target applies, re-aim the clocks that are still counting at the new target. Time already used is
 * re-measured on the new target's calendar; a stopped clock keeps its result. With no clocks yet, they start now.
 */
export function retargetClocks(
  clocks: SlaClocks | undefined,
  policy: SlaPolicy,
  ticketContext: unknown,
  at: Instant,
  env: SlaEnv = {},
): SlaStart {
  if (!clocks) return startClocks(policy, ticketContext, at, env);
  const selection = selectSlaTarget(policy, ticketContext, env);
  const { target } = selection;
  if (!target || selection.index === clocks.targetIndex) {
    return { clocks, selection, explanations: [...selection.skipped] };
  }
  const next = copyClocks(clocks);
  const explanations: Explanation[] = [...selection.skipped, selection.explanation];
  const zone = policyZone(policy, env);
  next.targetIndex = selection.index;
  if (target.id !== undefined) next.targetId = target.id;
  else delete next.targetId;
  const state = desiredState(policy, next.status);
  for (const kind of SLA_CLOCK_KINDS) {
    const duration = target[kind];
    const clock = next[kind];
    if (clock?.state === 'stopped') continue;
    if (!duration) {
      if (clock) {
        delete next[kind];
        explanations.push(slaExplanation('sla.clock.dropped', { clock: CLOCK_NAMES[kind], clockKind: kind }));
      }
      continue;
    }
    if (!clock) {
      if (state === 'stopped') continue;
      const started = newClock(kind, clockSpec(policy, target, duration), state, at, env, explanations);
      next[kind] = started;
      explanations.push(explain('sla.clock.started', started, zone));
      continue;
    }
    const spec = clockSpec(policy, target, duration);
    const calendar = clockCalendar({ calendar: spec.calendarKey }, env, explanations);
    clock.target = duration;
    clock.calendar = spec.calendarKey;
    clock.warnFraction = spec.warnFraction;
    clock.targetMinutes = durationInMinutes(calendar, duration);
    let pausedMs = 0;
    clock.runs.forEach((run, index) => {
      if (run.to !== undefined)
        run.businessMinutes = businessMillisecondsBetween(calendar, run.from, run.to) / MS_PER_MINUTE;
      const following = clock.runs[index + 1];
      if (run.to !== undefined && following)
        pausedMs += businessMillisecondsBetween(calendar, run.to, following.from);
    });
    clock.pausedBusinessMinutes = pausedMs / MS_PER_MINUTE;
    delete clock.warnedAt;
    delete clock.breachedAt;
    refresh(clock, calendar, Math.max(at, lastChange(clock)));
    explanations.push(explain('sla.clock.retargeted', clock, zone));
  }
  return { clocks: next, selection, explanations };
}

/** How far a clock is at `now`, for lists and highlighting. */
export interface SlaClockProgress {
  state: SlaClockState;
  elapsedMinutes: number;
  /** Negative once breached; `null` when it can never fall due. */
  remainingMinutes: number | null;
  /** Share of the target used (1 = due). */
  fractionUsed: number;
  warned: boolean;
  breached: boolean;
  dueAt: Instant | null;
}

export function clockProgress(clock: SlaClock, now: Instant, env: SlaEnv = {}): SlaClockProgress {
  const calendar = clockCalendar(clock, env);
  const used = elapsedMs(clock, calendar, Math.max(now, lastChange(clock)));
  const elapsedMinutes = used / MS_PER_MINUTE;
  const never = clock.dueAt === null;
  return {
    state: clock.state,
    elapsedMinutes,
    remainingMinutes: never ? null : clock.targetMinutes - elapsedMinutes,
    fractionUsed: clock.targetMinutes > 0 ? elapsedMinutes / clock.targetMinutes : 0,
    warned: !never && used >= minutesToMs(warnMinutesOf(clock)),
    breached: !never && used >= minutesToMs(clock.targetMinutes),
    dueAt: clock.dueAt,
  };
}
