/**
 * Where the engine meets runtime/sla: clocks start at open, pause / resume / stop on status changes, first
 * response stops once; one `schedule` effect always points at the next SLA step due, and `timer-fired` with an
 * SLA key takes every step due (warning, breach, escalation ladder), each at most once per ticket, clock and step.
 */
import { PRIORITIES, type Priority, type StatusCategory } from '../common/types.js';
import { engineError } from '../flow/messages.js';
import type { EngineErrorShape } from '../flow/types.js';
import {
  applyStatusChange,
  dueSteps,
  recordFirstResponse,
  recordSteps,
  startClocks,
  type SlaAction,
  type SlaClocks,
  type SlaEnv,
  type SlaPolicy,
  type SlaStep,
} from '../sla/index.js';
import type { Session } from './session.js';

const SLA_KEY_PART = ':sla:';

export function isSlaTimerKey(key: string): boolean {
  return key.includes(SLA_KEY_PART);
}

function policyOf(session: Session): SlaPolicy | undefined {
  const sla = session.definition.sla as SlaPolicy | undefined;
  return sla !== undefined && Array.isArray(sla.targets) ? sla : undefined;
}

function envOf(session: Session): SlaEnv {
  const scope = session.ruleScope;
  return {
    now: session.now,
    calendars: session.context.calendars,
    ...(scope === undefined ? {} : { ruleScope: scope }),
  };
}

function clocksOf(session: Session): SlaClocks | undefined {
  return session.draft.sla as SlaClocks | undefined;
}

export function slaStart(session: Session): void {
  const policy = policyOf(session);
  if (policy === undefined) return;
  const started = startClocks(
    policy,
    session.ruleContext(),
    session.now,
    envOf(session),
    session.draft.status.category,
  );
  session.draft.explanations.sla = started.selection.explanation;
  if (started.clocks === undefined) return;
  session.draft.sla = started.clocks;
  session.emit('sla.started', { explanations: started.explanations });
  scheduleNext(session);
}

export function slaStatusChanged(session: Session, _before: StatusCategory, after: StatusCategory): void {
  const policy = policyOf(session);
  const clocks = clocksOf(session);
  if (policy === undefined || clocks === undefined) return;
  const update = applyStatusChange(clocks, policy, after, session.now, envOf(session));
  session.draft.sla = update.clocks;
  if (update.explanations.length > 0) session.emit('sla.changed', { explanations: update.explanations });
  scheduleNext(session);
}

export function slaFirstResponse(session: Session): void {
  const policy = policyOf(session);
  const clocks = clocksOf(session);
  if (policy === undefined || clocks === undefined) return;
  const update = recordFirstResponse(clocks, policy, session.now, envOf(session));
  session.draft.sla = update.clocks;
  if (update.explanations.length > 0) session.emit('sla.changed', { explanations: update.explanations });
  scheduleNext(session);
}

/** One timer for the next step due; an older timer that fires finds nothing due and is refused harmlessly. */
function scheduleNext(session: Session): void {
  const policy = policyOf(session);
  const clocks = clocksOf(session);
  if (policy === undefined || clocks === undefined) return;
  const { nextDueAt } = dueSteps(clocks, policy, session.now, new Set(clocks.stepsDone), envOf(session));
  if (nextDueAt === null) return;
  const timerKey = `${session.draft.id}${SLA_KEY_PART}${nextDueAt}`;
  session.effect('schedule', timerKey, { at: nextDueAt, timerKey, reason: 'sla' });
}

export function slaTimerFired(
  session: Session,
  key: string,
): { ok: true } | { ok: false; error: EngineErrorShape } {
  const policy = policyOf(session);
  const clocks = clocksOf(session);
  const due =
    policy === undefined || clocks === undefined
      ? []
      : dueSteps(clocks, policy, session.now, new Set(clocks.stepsDone), envOf(session)).steps;
  if (policy === undefined || clocks === undefined || due.length === 0) {
    return { ok: false, error: engineError('timer.unknown', { key }, 'key') };
  }
  for (const step of due) {
    session.emit('sla.step', {
      key: step.key,
      clock: step.clock,
      kind: step.kind,
      reachedAt: step.reachedAt,
      explanation: step.explanation,
    });
    step.actions.forEach((action, index) => takeAction(session, step, action, index));
  }
  session.draft.sla = recordSteps(clocksOf(session) ?? clocks, due);
  scheduleNext(session);
  return { ok: true };
}

function takeAction(session: Session, step: SlaStep, action: SlaAction, index: number): void {
  const { draft } = session;
  const key = `${draft.id}:sla-step:${step.key}:${index}`;
  if ('notify' in action) {
    const target = action.notify;
    const recipients =
      target === 'assignee'
        ? draft.assignee === undefined
          ? []
          : [{ user: draft.assignee }]
        : target === 'supervisor'
          ? draft.team === undefined
            ? []
            : [{ supervisorOf: draft.team }]
          : [{ role: target.role }];
    if (recipients.length > 0) {
      session.effect('notify', key, { template: `sla-${step.at}`, recipients, clock: step.clock });
    }
  } else if ('highlight' in action) {
    // A breach highlight is never downgraded back to a warning.
    if (draft.flags.highlight !== 'breached') draft.flags.highlight = action.highlight;
  } else if ('raisePriority' in action) {
    const before = draft.priority;
    const rank = Math.max(0, PRIORITIES.indexOf(before) - action.raisePriority);
    const after = PRIORITIES[rank] as Priority;
    if (after !== before) {
      draft.priority = after;
      session.emit('priority.changed', { before, after, reason: step.key });
    }
  } else {
    const target = action.reassign;
    const currentTeam = draft.team === undefined ? undefined : session.context.teams?.[draft.team];
    const team =
      target === 'backup-team'
        ? currentTeam?.backupTeam
        : target === 'backup-person'
          ? undefined
          : target.team;
    // Teams carry no backup person yet (runtime/assignment TeamState): a backup-person step is recorded as skipped.
    if (team === undefined) {
      session.emit('sla.reassign-skipped', { reason: step.key, target });
      return;
    }
    session.setHandler(session.pickFromTeam(team, 'least-loaded', {}), 'ticket.escalated', {
      reason: step.key,
    });
  }
}
