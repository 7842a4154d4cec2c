/**
 * Warnings, breaches and the escalation ladder. Every step is a threshold on a clock's own count (so a pause
 * holds back what comes next), has a deterministic key, and is reported once its instant has passed and until
 * the caller records it as done — each step is decided at most once per ticket, clock (cycle) and step.
 *
 * Keys: `<clock>:warning`, `<clock>:breach`, and `<clock>:<warning|breach>:<index of the escalation in the
 * policy>`, where `<clock>` is `firstResponse` or `resolution`, suffixed `#<cycle>` from the second cycle of
 * a restarted clock on (`resolution#2:breach:1`).
 */
import type { Explanation, Instant, LocalizedText } from '../common/types.js';
import {
  ALWAYS_OPEN_CALENDAR,
  describeDuration,
  durationInMinutes,
  formatLocalDateTime,
  nextWorkingInstant,
} from '../time/index.js';
import { clockCalendar, elapsedMs, thresholdInstant, warnMinutesOf } from './sla-clock.js';
import { CLOCK_NAMES, slaExplanation } from './sla-messages.js';
import { findCalendar, policyCalendarKey, type SlaEnv } from './sla-target.js';
import {
  SLA_CLOCK_KINDS,
  type SlaAction,
  type SlaClock,
  type SlaClockKind,
  type SlaClocks,
  type SlaEscalation,
  type SlaPolicy,
} from './sla.types.js';

export type SlaStepKind = 'warning' | 'breach' | 'escalation';

export interface SlaStep {
  key: string;
  clock: SlaClockKind;
  cycle: number;
  kind: SlaStepKind;
  /** The instant the step counts from. */
  at: 'warning' | 'breach';
  escalationIndex?: number;
  escalationId?: string;
  /** When the clock's count reached the step's threshold. */
  reachedAt: Instant;
  /**
   * When the step is to be taken: `reachedAt`, or for `businessHoursOnly` the next working instant of the
   * recipient's calendar (`SlaEnv.holdCalendar`), else of the policy's.
   */
  dueAt: Instant;
  /** What to do: empty for the warning and breach marks themselves (the caller records and shows them). */
  actions: SlaAction[];
  explanation: Explanation;
}

export interface SlaDueSteps {
  /** Steps whose instant has passed and are not done yet, by due instant then key. */
  steps: SlaStep[];
  /** The earliest step instant still in the future: schedule one timer for it. `null` when nothing is pending. */
  nextDueAt: Instant | null;
}

const MS_PER_MINUTE = 60_000;

function clockKeyPrefix(clock: SlaClock): string {
  return clock.cycle > 1 ? `${clock.kind}#${clock.cycle}` : clock.kind;
}

function actionText(action: SlaAction): LocalizedText {
  if ('notify' in action) {
    const who = action.notify;
    if (who === 'assignee') return { 'zh-CN': '通知处理人', en: 'notify the assignee' };
    if (who === 'supervisor') return { 'zh-CN': '通知主管', en: 'notify the supervisor' };
    return { 'zh-CN': `通知角色“${who.role}”`, en: `notify the role “${who.role}”` };
  }
  if ('highlight' in action) {
    return action.highlight === 'warning'
      ? { 'zh-CN': '在列表中标记为即将超时', en: 'highlight as at risk in lists' }
      : { 'zh-CN': '在列表中标记为已超时', en: 'highlight as breached in lists' };
  }
  if ('raisePriority' in action) {
    return {
      'zh-CN': `优先级提升 ${action.raisePriority} 级`,
      en: `raise the priority by ${action.raisePriority} level${action.raisePriority === 1 ? '' : 's'}`,
    };
  }
  const to = action.reassign;
  if (to === 'backup-person') return { 'zh-CN': '转派给备用处理人', en: 'reassign to the backup person' };
  if (to === 'backup-team') return { 'zh-CN': '转派给升级团队', en: 'reassign to the escalation team' };
  return { 'zh-CN': `转派给团队“${to.team}”`, en: `reassign to the team “${to.team}”` };
}

/** "通知主管、在列表中标记为已超时" / "notify the supervisor, highlight as breached in lists". */
export function describeActions(actions: readonly SlaAction[]): LocalizedText {
  const texts = actions.map(actionText);
  return {
    'zh-CN': texts.map((text) => text['zh-CN']).join('、'),
    en: texts.map((text) => text.en).join(', '),
  };
}

function momentText(escalation: SlaEscalation): LocalizedText {
  if (!escalation.after) {
    return escalation.at === 'warning'
      ? { 'zh-CN': '达到预警线', en: 'reached its warning threshold' }
      : { 'zh-CN': '已超时', en: 'was breached' };
  }
  const delay = describeDuration(escalation.after);
  return escalation.at === 'warning'
    ? { 'zh-CN': `达到预警线后又过了 ${delay['zh-CN']}`, en: `passed its warning threshold ${delay.en} ago` }
    : { 'zh-CN': `超时已达 ${delay['zh-CN']}`, en: `has been breached for ${delay.en}` };
}

interface Threshold {
  key: string;
  kind: SlaStepKind;
  at: 'warning' | 'breach';
  minutes: number;
  escalation?: { index: number; definition: SlaEscalation };
}

function thresholdsOf(clock: SlaClock, policy: SlaPolicy, env: SlaEnv): Threshold[] {
  const prefix = clockKeyPrefix(clock);
  const calendar = clockCalendar(clock, env);
  const warnMinutes = warnMinutesOf(clock);
  const thresholds: Threshold[] = [
    { key: `${prefix}:warning`, kind: 'warning', at: 'warning', minutes: warnMinutes },
    { key: `${prefix}:breach`, kind: 'breach', at: 'breach', minutes: clock.targetMinutes },
  ];
  (policy.escalations ?? []).forEach((escalation, index) => {
    if (escalation.clock !== 'any' && escalation.clock !== clock.kind) return;
    const base = escalation.at === 'warning' ? warnMinutes : clock.targetMinutes;
    const delay = escalation.after ? durationInMinutes(calendar, escalation.after) : 0;
    thresholds.push({
      key: `${prefix}:${escalation.at}:${index}`,
      kind: 'escalation',
      at: escalation.at,
      minutes: base + delay,
      escalation: { index, definition: escalation },
    });
  });
  return thresholds;
}

function stepExplanation(
  threshold: Threshold,
  clock: SlaClock,
  reachedAt: Instant,
  zone: string,
): Explanation {
  const common = {
    clock: CLOCK_NAMES[clock.kind],
    clockKind: clock.kind,
    target: describeDuration(clock.target),
    reachedAt,
  };
  if (threshold.kind === 'warning') {
    return slaExplanation('sla.step.warning', {
      ...common,
      percent: Math.round(clock.warnFraction * 100),
      due: clock.dueAt === null ? '—' : formatLocalDateTime(clock.dueAt, zone),
      dueAt: clock.dueAt,
    });
  }
  if (threshold.kind === 'breach') {
    return slaExplanation('sla.step.breach', { ...common, due: formatLocalDateTime(reachedAt, zone) });
  }
  const escalation = threshold.escalation?.definition;
  return slaExplanation('sla.step.escalation', {
    ...common,
    escalationIndex: threshold.escalation?.index,
    escalationId: escalation?.id,
    moment: escalation ? momentText(escalation) : '',
    actions: describeActions(escalation?.do ?? []),
  });
}

/**
 * The warning, breach and escalation steps due at `now` that are not in `alreadyDone` (by default the keys
 * recorded in `clocks.stepsDone`), and when the next one falls due. Stopped clocks have no steps; a paused
 * clock still reports steps it reached before pausing, but schedules nothing new until it resumes.
 */
export function dueSteps(
  clocks: SlaClocks,
  policy: SlaPolicy,
  now: Instant,
  alreadyDone: ReadonlySet<string> = new Set(clocks.stepsDone),
  env: SlaEnv = {},
): SlaDueSteps {
  const policyCalendar = findCalendar(policyCalendarKey(policy), env) ?? ALWAYS_OPEN_CALENDAR;
  const steps: SlaStep[] = [];
  let nextDueAt: Instant | null = null;
  for (const kind of SLA_CLOCK_KINDS) {
    const clock = clocks[kind];
    if (!clock || clock.state === 'stopped' || clock.dueAt === null) continue;
    const calendar = clockCalendar(clock, env);
    const used = elapsedMs(clock, calendar, now);
    // Escalations at the warning or breach itself share its threshold: walk the calendar once per threshold.
    const instants = new Map<number, Instant | null>();
    for (const threshold of thresholdsOf(clock, policy, env)) {
      if (alreadyDone.has(threshold.key)) continue;
      const reached = used >= Math.round(threshold.minutes * MS_PER_MINUTE);
      if (!reached && clock.state !== 'running') continue;
      let reachedAt = instants.get(threshold.minutes);
      if (reachedAt === undefined) {
        reachedAt = thresholdInstant(clock, calendar, threshold.minutes);
        instants.set(threshold.minutes, reachedAt);
      }
      if (reachedAt === null) continue;
      const dueAt = threshold.escalation?.definition.businessHoursOnly
        ? nextWorkingInstant(env.holdCalendar?.(threshold.escalation.definition) ?? policyCalendar, reachedAt)
        : reachedAt;
      if (!Number.isFinite(dueAt)) continue;
      if (reached && dueAt <= now) {
        steps.push({
          key: threshold.key,
          clock: kind,
          cycle: clock.cycle,
          kind: threshold.kind,
          at: threshold.at,
          ...(threshold.escalation
            ? {
                escalationIndex: threshold.escalation.index,
                ...(threshold.escalation.definition.id !== undefined
                  ? { escalationId: threshold.escalation.definition.id }
                  : {}),
              }
            : {}),
          reachedAt,
          dueAt,
          actions: threshold.escalation?.definition.do ?? [],
          explanation: stepExplanation(threshold, clock, reachedAt, policyCalendar.zone),
        });
      } else if (dueAt > now && (nextDueAt === null || dueAt < nextDueAt)) {
        nextDueAt = dueAt;
      }
    }
  }
  steps.sort((left, right) => left.dueAt - right.dueAt || left.key.localeCompare(right.key));
  return { steps, nextDueAt };
}

/**
 * Record steps as decided: their keys join `stepsDone` (so `dueSteps` never reports them again) and a warning or
 * breach mark sets the clock's `warnedAt` / `breachedAt`. Recording a step twice changes nothing.
 */
export function recordSteps(
  clocks: SlaClocks,
  steps: readonly Pick<SlaStep, 'key' | 'clock' | 'kind' | 'reachedAt'>[],
) {
  const next: SlaClocks = structuredClone(clocks);
  const done = new Set(next.stepsDone);
  for (const step of steps) {
    if (done.has(step.key)) continue;
    done.add(step.key);
    next.stepsDone.push(step.key);
    const clock = next[step.clock];
    if (!clock) continue;
    if (step.kind === 'warning') clock.warnedAt ??= step.reachedAt;
    if (step.kind === 'breach') clock.breachedAt ??= step.reachedAt;
  }
  return next;
}
