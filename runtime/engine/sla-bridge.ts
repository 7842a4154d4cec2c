/**
 * Where the engine meets runtime/sla: clocks start at open, pause / resume / stop on status changes, first
 * response stops once; one `schedule` effect always points at the next SLA step due, and `timer-fired` with an
 * SLA key takes every step due (warning, breach, escalation ladder), each at most once per ticket, clock and step.
 * A priority change selects the target again (`retargetClocks`), so due times follow the priority.
 */
import { PRIORITIES, type Explanation, type Priority, type StatusCategory } from '../common/types.js';
import { PRIORITY_NAMES } from '../routing/index.js';
import { engineError } from '../flow/messages.js';
import type { EngineErrorShape } from '../flow/types.js';
import {
  applyStatusChange,
  dueSteps,
  recipientCalendar,
  recordFirstResponse,
  recordSteps,
  retargetClocks,
  startClocks,
  type SlaAction,
  type SlaClocks,
  type SlaEnv,
  type SlaEscalation,
  type SlaPolicy,
  type SlaStep,
  type TicketHandler,
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
  const hours = session.context.workingHours;
  return {
    now: session.now,
    calendars: session.context.calendars,
    ...(scope === undefined ? {} : { ruleScope: scope }),
    ...(hours === undefined
      ? {}
      : {
          holdCalendar: (escalation: SlaEscalation) =>
            recipientCalendar(escalation, handlerOf(session.draft), hours),
        }),
  };
}

/** Who holds the ticket now, for the recipient of an escalation. */
function handlerOf(state: { assignee?: string; team?: string }): TicketHandler {
  return {
    ...(state.assignee === undefined ? {} : { assignee: state.assignee }),
    ...(state.team === undefined ? {} : { team: state.team }),
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

/**
 * One timer for the next step due; an older timer that fires finds nothing due and is refused harmlessly. With
 * `dueNow`, steps already due (a retarget moved them into the past) get a timer right away.
 */
function scheduleNext(session: Session, dueNow = false): void {
  const policy = policyOf(session);
  const clocks = clocksOf(session);
  if (policy === undefined || clocks === undefined) return;
  const due = dueSteps(clocks, policy, session.now, new Set(clocks.stepsDone), envOf(session));
  const at = dueNow && due.steps.length > 0 ? session.now : due.nextDueAt;
  if (at === null) return;
  const timerKey = `${session.draft.id}${SLA_KEY_PART}${at}`;
  session.effect('schedule', timerKey, { at, timerKey, reason: 'sla' });
}

/** Sessions inside `slaTimerFired`: it takes the steps a retarget makes due itself, then schedules once. */
const takingSteps = new WeakSet<Session>();

/** Bound on rounds of due steps in one timer (each round records at least one new step, so it ends anyway). */
const MAX_STEP_ROUNDS = 20;

function dueNowOf(session: Session, policy: SlaPolicy): SlaStep[] {
  const clocks = clocksOf(session);
  if (clocks === undefined) return [];
  return dueSteps(clocks, policy, session.now, new Set(clocks.stepsDone), envOf(session)).steps;
}

export function slaTimerFired(
  session: Session,
  key: string,
): { ok: true } | { ok: false; error: EngineErrorShape } {
  const policy = policyOf(session);
  let due = policy === undefined ? [] : dueNowOf(session, policy);
  if (policy === undefined || due.length === 0) {
    return { ok: false, error: engineError('timer.unknown', { key }, 'key') };
  }
  takingSteps.add(session);
  try {
    // A step that raises the priority shortens the target: steps of the new target already passed are taken now.
    for (let round = 0; round < MAX_STEP_ROUNDS && due.length > 0; round++) {
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
      session.draft.sla = recordSteps(clocksOf(session) as SlaClocks, due);
      due = dueNowOf(session, policy);
    }
  } finally {
    takingSteps.delete(session);
  }
  scheduleNext(session);
  return { ok: true };
}

const targetSummary = (clocks: SlaClocks) => ({
  targetIndex: clocks.targetIndex,
  ...(clocks.targetId === undefined ? {} : { targetId: clocks.targetId }),
  firstResponseDueAt: clocks.firstResponse?.dueAt ?? null,
  resolutionDueAt: clocks.resolution?.dueAt ?? null,
});

/**
 * The priority changed: select the SLA target again. Clocks still counting are re-aimed at the new target (time
 * already used is kept); a ticket that had no target may get one now. The new selection is the SLA explanation.
 */
export function slaPriorityChanged(session: Session): void {
  const policy = policyOf(session);
  if (policy === undefined) return;
  const before = clocksOf(session);
  const next =
    before === undefined
      ? startClocks(policy, session.ruleContext(), session.now, envOf(session), session.draft.status.category)
      : retargetClocks(before, policy, session.ruleContext(), session.now, envOf(session));
  if (next.clocks === undefined || next.clocks === before) return;
  session.draft.sla = next.clocks;
  session.draft.explanations.sla = next.selection.explanation;
  session.emit('sla.retargeted', {
    reason: 'priority',
    priority: session.draft.priority,
    before: before === undefined ? null : targetSummary(before),
    after: targetSummary(next.clocks),
    explanations: next.explanations,
  });
  if (!takingSteps.has(session)) scheduleNext(session, true);
}

function priorityRaisedExplanation(before: Priority, after: Priority, step: SlaStep): Explanation {
  const from = PRIORITY_NAMES[before];
  const to = PRIORITY_NAMES[after];
  return {
    code: 'priority.raised-by-sla',
    params: { before, after, step: step.key },
    text: {
      'zh-CN': `SLA 升级将优先级从“${from['zh-CN']}”提升为“${to['zh-CN']}”：${step.explanation.text['zh-CN']}`,
      en: `An SLA escalation raised the priority from ${from.en} to ${to.en}: ${step.explanation.text.en}`,
    },
  };
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
    session.changePriority(after, {
      reason: step.key,
      explanation: priorityRaisedExplanation(before, after, step),
    });
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
