/**
 * `decide(definition, state, command, context)`: the one entry point. A command is checked against the state,
 * the actor's rights and the step; a refused command changes nothing and says why; an accepted one returns the
 * new state, the events to append and the effects to run.
 */
import { engineError } from '../flow/messages.js';
import { nodeKindOf } from '../flow/registry.js';
import { timerKeyOf } from '../flow/runner.js';
import { taskOutcomes } from '../flow/nodes/task.node.js';
import { isPlatformActor, type EngineErrorShape, type NodeSignal, type Token } from '../flow/types.js';
import { checkCommandShape } from './command-shape.js';
import { checkStepForm, formRefusal, stepRightsOf } from './form-bridge.js';
import { OK, refuse, type CommandOf, type Handler, type Outcome } from './handler.js';
import { linkHandlers } from './links.js';
import { subticketHandlers } from './subtickets.js';
import { openTicket } from './open.js';
import { isAdmin, isRequesterOf, isStaff, worksTicket } from './rights.js';
import { Session } from './session.js';
import { slaTimerFired, isSlaTimerKey } from './sla-bridge.js';
import { FINAL_CATEGORIES, resolveStatus } from './statuses.js';
import { watchHandlers } from './watchers.js';
import {
  COMMAND_NAMES,
  STATE_VERSION,
  type Command,
  type CommandName,
  type DecideResult,
  type EngineActor,
  type EngineContext,
  type EngineDefinition,
  type TicketState,
} from './types.js';

/** An approval knows the precise reason it refuses (switched off, not your turn, bad target): ask it. */
function preciseRefusal(session: Session, command: object, signal: NodeSignal): EngineErrorShape | undefined {
  const nodeId = 'nodeId' in command && typeof command.nodeId === 'string' ? command.nodeId : undefined;
  const approval = session.draft.tokens.find(
    (token) => token.waitingFor?.kind === 'approval' && (nodeId === undefined || token.nodeId === nodeId),
  );
  return approval === undefined ? undefined : session.runner.refusalOf(approval, signal, session.actor);
}

/** Staff commands that show the ticket is being worked on (a `new` ticket becomes `open`). */
const WORK_COMMANDS: ReadonlySet<CommandName> = new Set([
  'claim',
  'comment',
  'complete-step',
  'approve',
  'reject',
  'send-back',
  'submit',
]);

/** Is `state` an opened ticket (the server passes `{ version: 0 }` before the first commit)? */
export function isOpened(state: TicketState | undefined | null): state is TicketState {
  return state !== undefined && state !== null && (state as Partial<TicketState>).stateVersion !== undefined;
}

export function decide(
  definition: EngineDefinition,
  state: TicketState | undefined | null,
  command: Command,
  context: EngineContext,
): DecideResult {
  const shape = checkCommandShape(command);
  if (!shape.ok) return shape;
  const checked = shape.command;
  if (checked.command === 'open') {
    if (isOpened(state)) return { ok: false, error: engineError('ticket.already-open') };
    return openTicket(definition, checked, context);
  }
  if (!isOpened(state)) return { ok: false, error: engineError('ticket.not-open') };
  if (state.stateVersion !== STATE_VERSION) {
    return {
      ok: false,
      error: engineError('ticket.state-version-unsupported', { stateVersion: state.stateVersion }),
    };
  }
  if (state.typeKey !== definition.key) return { ok: false, error: engineError('ticket.type-mismatch') };
  const session = new Session(definition, state, context);
  const gate = finalGate(session, checked.command);
  if (!gate.ok) return gate;
  const handler = HANDLERS[checked.command] as Handler<typeof checked.command>;
  const allowed = handler.check(session);
  if (!allowed.ok) return { ok: false, error: handler.explain?.(session, checked) ?? allowed.error };
  const done = handler.run(session, checked);
  if (!done.ok) return done;
  if (
    WORK_COMMANDS.has(checked.command) &&
    !(checked.command === 'comment' && checked.visibility === 'internal')
  ) {
    session.markWorkStarted();
  }
  return session.finish();
}

/** What `actor` may do on the ticket now (the ticket API returns it with the ticket). */
export function allowedCommands(
  definition: EngineDefinition,
  state: TicketState | undefined | null,
  actor: EngineActor,
  context: Partial<Omit<EngineContext, 'actor'>> = {},
): CommandName[] {
  if (!isOpened(state)) return ['open'];
  const session = new Session(definition, state, { calendars: {}, now: state.updatedAt, ...context, actor });
  return COMMAND_NAMES.filter((name) => {
    if (name === 'open') return false;
    if (!finalGate(session, name).ok) return false;
    return (HANDLERS[name] as Handler<typeof name>).check(session).ok;
  });
}

/** What the server reports on a finished ticket too: its sub-tickets' fates and effects it could not run. */
const RECORDS_AFTER_THE_END: ReadonlySet<CommandName> = new Set([
  'subticket-opened',
  'subticket-finished',
  'effect-failed',
]);

function finalGate(session: Session, command: CommandName): Outcome {
  const { category } = session.draft.status;
  if (!FINAL_CATEGORIES.has(category)) return OK;
  if (category === 'closed' && command === 'rate') return OK;
  if (RECORDS_AFTER_THE_END.has(command) && session.actor.kind === 'system') return OK;
  return refuse(engineError('ticket.finished', { category, command }));
}

// ---------------------------------------------------------------------------------------------------------------
// Commands delivered to a waiting step.

/** Tokens a signal could go to, with the reason when none will take it from this actor. */
function signalTargets(
  session: Session,
  type: NodeSignal['type'],
  nodeId: string | undefined,
): { ok: true; tokens: Token[] } | { ok: false; error: EngineErrorShape } {
  const { draft, actor, runner } = session;
  const waiting = draft.tokens.filter(
    (token) =>
      token.waitingFor !== undefined &&
      token.waitingFor.kind !== 'join' &&
      (nodeId === undefined || token.nodeId === nodeId),
  );
  const tokens = waiting.filter((token) => runner.signalsFor(token, actor).includes(type));
  if (tokens.length > 0) return { ok: true, tokens };
  // Someone could send it (an admin stands for "anyone"): the actor lacks the right rather than the step the wait.
  const anyone = { id: '\u0000', roles: ['admin'], teams: [], kind: 'user' as const };
  const accepting = waiting.find((token) => runner.signalsFor(token, anyone).includes(type));
  if (accepting === undefined)
    return { ok: false, error: engineError('step.not-waiting', { command: type }) };
  if (draft.steps[accepting.nodeId]?.kind === 'approval') {
    return { ok: false, error: engineError('approval.not-approver', { nodeId: accepting.nodeId }) };
  }
  if (['confirm', 'reopen'].includes(type) && !isRequesterOf(draft, actor)) {
    return { ok: false, error: engineError('actor.requester-only', { command: type }) };
  }
  return { ok: false, error: engineError('actor.forbidden', { command: type }) };
}

function signalHandler<N extends 'approve' | 'reject' | 'send-back' | 'delegate' | 'confirm' | 'reopen'>(
  type: N,
  toSignal: (command: CommandOf<N>) => NodeSignal,
  after?: (session: Session) => void,
): Handler<N> {
  return {
    check: (session) => signalTargets(session, type, undefined),
    explain: (session, command) => preciseRefusal(session, command, toSignal(command)),
    run: (session, command) => {
      const nodeId = 'nodeId' in command ? command.nodeId : undefined;
      const targets = signalTargets(session, type, nodeId);
      if (!targets.ok) return refuse(preciseRefusal(session, command, toSignal(command)) ?? targets.error);
      const [token, ...others] = targets.tokens;
      if (token === undefined) return refuse(engineError('step.not-waiting', { command: type }));
      if (others.length > 0) return refuse(engineError('step.ambiguous', { command: type }, 'nodeId'));
      const done = session.runner.signal(token, toSignal(command), session.actor);
      if (done.ok) after?.(session);
      return done;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Step data.

/** Merge step-form values into the ticket, with the step's field rights, through the same form check. */
function submitStepData(session: Session, token: Token, data: Record<string, unknown>): Outcome {
  const { draft, definition } = session;
  const node = definition.flow.nodes.find((candidate) => candidate.id === token.nodeId);
  const config = (node?.data ?? {}) as { editable?: string[]; readOnly?: string[]; hidden?: string[] };
  const nodeRights = {
    ...(config.editable === undefined ? {} : { editable: config.editable }),
    ...(config.readOnly === undefined ? {} : { readOnly: config.readOnly }),
    ...(config.hidden === undefined ? {} : { hidden: config.hidden }),
  };
  const check = checkStepForm(definition.form, draft.data, data, {
    stepId: token.nodeId,
    stepRights: stepRightsOf(definition.form, token.nodeId, nodeRights),
    ...(session.formCacheKey === undefined ? {} : { cacheKey: session.formCacheKey }),
    env: { now: session.now },
  });
  if (check.errors.length > 0) return refuse(formRefusal(check.errors));
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const field of new Set([...Object.keys(draft.data), ...Object.keys(check.data)])) {
    if (JSON.stringify(draft.data[field]) === JSON.stringify(check.data[field])) continue;
    before[field] = draft.data[field] ?? null;
    after[field] = check.data[field] ?? null;
  }
  draft.data = check.data;
  if (Object.keys(after).length > 0) session.emit('data.changed', { nodeId: token.nodeId, before, after });
  return OK;
}

/** The task token the actor works, by node id or the only one. */
function workedTask(
  session: Session,
  nodeId: string | undefined,
): { ok: true; token: Token } | { ok: false; error: EngineErrorShape } {
  const targets = signalTargets(session, 'complete-step', nodeId);
  if (!targets.ok) return targets;
  const [token, ...others] = targets.tokens;
  /* c8 ignore next */
  if (token === undefined)
    return { ok: false, error: engineError('step.not-waiting', { command: 'submit' }) };
  if (others.length > 0)
    return { ok: false, error: engineError('step.ambiguous', { command: 'submit' }, 'nodeId') };
  return { ok: true, token };
}

// ---------------------------------------------------------------------------------------------------------------

const staffOnly =
  (command: CommandName) =>
  (session: Session): Outcome =>
    worksTicket(session) ? OK : refuse(engineError('actor.forbidden', { command }));

const systemOnly =
  (command: CommandName) =>
  (session: Session): Outcome =>
    isPlatformActor(session.actor) ? OK : refuse(engineError('actor.system-only', { command }));

function notifyRecipients(session: Session, suffix: string, template: string, recipients: unknown[]): void {
  if (recipients.length === 0) return;
  session.effect('notify', session.commandKey(suffix), { template, recipients });
}

const HANDLERS: { [N in Exclude<CommandName, 'open'>]: Handler<N> } = {
  submit: {
    check: (session) => {
      const target = workedTask(session, undefined);
      return target.ok || target.error.code === 'step.ambiguous' ? OK : target;
    },
    run: (session, command) => {
      const target = workedTask(session, command.nodeId);
      if (!target.ok) return target;
      const done = submitStepData(session, target.token, command.data);
      if (done.ok && session.events.length === 0) {
        session.emit('data.submitted', { nodeId: target.token.nodeId, fields: [] });
      }
      return done;
    },
  },

  claim: {
    check: (session) => {
      const { draft, actor } = session;
      if (!isStaff(draft, actor)) return refuse(engineError('actor.forbidden', { command: 'claim' }));
      if (draft.assignee === actor.id)
        return refuse(engineError('claim.already-assigned', { assignee: actor.id }));
      if (draft.assignee !== undefined && !isAdmin(actor)) {
        return refuse(engineError('claim.already-assigned', { assignee: draft.assignee }));
      }
      const inTeam =
        (draft.team !== undefined && actor.teams.includes(draft.team)) ||
        draft.tokens.some((token) => {
          const team = draft.steps[token.nodeId]?.team;
          return team !== undefined && actor.teams.includes(team);
        });
      return inTeam || isAdmin(actor) ? OK : refuse(engineError('actor.forbidden', { command: 'claim' }));
    },
    run: (session) => {
      session.setHandler({ assignee: session.actor.id }, 'ticket.claimed');
      return OK;
    },
  },

  assign: {
    check: staffOnly('assign'),
    run: (session, command) => {
      if (command.assignee === undefined && command.team === undefined) {
        return refuse(engineError('assign.target-required', {}, 'assignee'));
      }
      session.setHandler({ assignee: command.assignee, team: command.team }, 'ticket.assigned');
      return OK;
    },
  },

  transfer: {
    check: staffOnly('transfer'),
    run: (session, command) => {
      const { draft } = session;
      if (command.assignee === undefined && command.team === undefined) {
        return refuse(engineError('assign.target-required', {}, 'assignee'));
      }
      let target: { assignee?: string; team?: string } = { assignee: command.assignee, team: command.team };
      if (command.assignee === undefined && command.team !== undefined && command.team !== draft.team) {
        target = session.pickFromTeam(command.team, 'round-robin', {});
      }
      draft.flags.transferCount += 1;
      session.setHandler(
        target,
        'ticket.transferred',
        command.reason === undefined ? {} : { reason: command.reason },
      );
      return OK;
    },
  },

  'request-assist': {
    check: staffOnly('request-assist'),
    run: (session, command) => {
      const { draft } = session;
      const added = command.users.filter(
        (user) => !draft.assistants.includes(user) && user !== draft.assignee,
      );
      draft.assistants.push(...added);
      session.emit('assist.requested', {
        users: command.users,
        ...(command.comment === undefined ? {} : { comment: command.comment }),
      });
      notifyRecipients(
        session,
        'assist',
        'assist-requested',
        command.users.map((user) => ({ user })),
      );
      return OK;
    },
  },

  comment: {
    check: (session) => {
      const { draft, actor } = session;
      if (isRequesterOf(draft, actor) && !isAdmin(actor)) return OK;
      if (worksTicket(session) || (isStaff(draft, actor) && draft.watchers.includes(actor.id))) return OK;
      return refuse(engineError('actor.forbidden', { command: 'comment' }));
    },
    run: (session, command) => {
      const { draft, actor } = session;
      const byRequester = isRequesterOf(draft, actor) && !isAdmin(actor);
      if (byRequester && command.visibility === 'internal') {
        return refuse(engineError('actor.forbidden', { command: 'comment' }, 'visibility'));
      }
      const mentions = command.mentions ?? [];
      session.emit('comment.added', {
        body: command.body,
        visibility: command.visibility,
        ...(mentions.length === 0 ? {} : { mentions }),
        ...(command.attachments === undefined ? {} : { attachments: command.attachments }),
      });
      // A public mention makes the person a watcher; one in an internal note asks them to help (an assistant
      // reads internal notes), since a note is for staff only — the server refuses to mention others there.
      for (const user of mentions) {
        if (command.visibility === 'internal') {
          if (!draft.assistants.includes(user) && user !== draft.assignee) draft.assistants.push(user);
        } else if (!draft.watchers.includes(user)) draft.watchers.push(user);
      }
      notifyRecipients(
        session,
        'mentions',
        'mentioned',
        mentions.map((user) => ({ user })),
      );
      if (command.visibility === 'public' && !byRequester) {
        session.recordFirstResponse();
        notifyRecipients(session, 'comment-requester', 'comment-added', [{ user: draft.requester.id }]);
      } else if (byRequester && draft.assignee !== undefined) {
        notifyRecipients(session, 'comment-assignee', 'comment-added', [{ user: draft.assignee }]);
      }
      return OK;
    },
  },

  'complete-step': {
    check: (session) => signalTargets(session, 'complete-step', undefined),
    run: (session, command) => {
      const target = workedTask(session, command.nodeId);
      if (!target.ok) return target;
      const { token } = target;
      if (command.data !== undefined) {
        const submitted = submitStepData(session, token, command.data);
        if (!submitted.ok) return submitted;
      }
      const node = session.definition.flow.nodes.find((candidate) => candidate.id === token.nodeId);
      if (command.outcome !== undefined && node !== undefined) {
        // Checked here too so the field is named before any data is merged into the audit trail.
        const outcomes = taskOutcomes(node.data ?? {});
        if (!outcomes.includes(command.outcome)) {
          return refuse(
            engineError(
              'step.outcome-unknown',
              { nodeId: node.id, outcome: command.outcome, outcomes: outcomes.join(', ') },
              'outcome',
            ),
          );
        }
      }
      return session.runner.signal(
        token,
        {
          type: 'complete-step',
          ...(command.outcome === undefined ? {} : { outcome: command.outcome }),
          ...(command.comment === undefined ? {} : { comment: command.comment }),
        },
        session.actor,
      );
    },
  },

  approve: signalHandler('approve', (command) => ({ type: 'approve', ...withComment(command.comment) })),
  reject: signalHandler('reject', (command) => ({ type: 'reject', ...withComment(command.comment) })),
  'send-back': signalHandler('send-back', (command) => ({
    type: 'send-back',
    to: command.to,
    ...withComment(command.comment),
  })),
  delegate: signalHandler('delegate', (command) => ({
    type: 'delegate',
    to: command.to,
    ...withComment(command.comment),
  })),
  confirm: signalHandler('confirm', () => ({ type: 'confirm' })),
  reopen: {
    check: (session) =>
      session.draft.status.category === 'resolved'
        ? signalTargets(session, 'reopen', undefined)
        : refuse(engineError('reopen.not-resolved')),
    run: (session, command) => {
      const inner = signalHandler('reopen', () => ({ type: 'reopen' }));
      const done = inner.run(session, command);
      if (!done.ok) return done;
      session.draft.flags.reopenCount += 1;
      delete session.draft.flags.resolvedAt;
      if (command.reason !== undefined) session.emit('reopen.reason', { reason: command.reason });
      return OK;
    },
  },

  'set-status': {
    check: staffOnly('set-status'),
    run: (session, command) => {
      const status = resolveStatus(session.definition, { key: command.status });
      if (status === undefined)
        return refuse(engineError('status.unknown', { status: command.status }, 'status'));
      if (status.category !== 'open' && status.category !== 'pending') {
        return refuse(engineError('status.not-settable', { status: command.status }, 'status'));
      }
      if (status.key === session.draft.status.key) {
        return refuse(engineError('status.unchanged', { status: command.status }, 'status'));
      }
      const done = session.setStatus(status, command.reason === undefined ? {} : { reason: command.reason });
      if (done.ok) session.recordFirstResponse();
      return done;
    },
  },

  resolve: {
    check: (session) => {
      const allowed = staffOnly('resolve')(session);
      if (!allowed.ok) return allowed;
      const { category } = session.draft.status;
      const atConfirm = session.draft.tokens.some(
        (token) => session.draft.steps[token.nodeId]?.kind === 'confirm',
      );
      return category === 'resolved' || atConfirm ? refuse(engineError('resolve.not-possible')) : OK;
    },
    run: (session, command) => {
      const { definition, draft } = session;
      // Resolving skips the rest of the flow: to its confirm step when it has one, else straight to its end.
      const target =
        definition.flow.nodes.find((node) => node.type === 'confirm') ??
        definition.flow.nodes.find(
          (node) => node.type === 'end' && (node.data?.status ?? 'closed') === 'closed',
        );
      if (target === undefined) return refuse(engineError('resolve.not-possible'));
      const working = draft.tokens.find((token) => {
        const kind = draft.steps[token.nodeId]?.kind;
        return kind !== undefined && nodeKindOf(kind)?.group === 'human';
      });
      session.emit('ticket.resolved', { to: target.id, ...withComment(command.comment) });
      session.recordFirstResponse();
      return session.runner.restartAt(target.id, working?.nodeId);
    },
  },

  cancel: {
    // The server cancels a sub-ticket its parent's step no longer waits for (see action.node cancelUnfinished).
    check: (session) =>
      session.actor.kind === 'system' && session.draft.parent !== undefined
        ? OK
        : staffOnly('cancel')(session),
    run: (session, command) => {
      session.runner.cancelAll();
      session.emit('ticket.cancelled', command.reason === undefined ? {} : { reason: command.reason });
      notifyRecipients(session, 'cancelled', 'ticket-cancelled', [{ user: session.draft.requester.id }]);
      return session.setStatus({ category: 'cancelled' }, {});
    },
  },

  rate: {
    check: (session) => {
      const { draft, actor } = session;
      if (!isRequesterOf(draft, actor))
        return refuse(engineError('actor.requester-only', { command: 'rate' }));
      if (draft.flags.rating !== undefined) return refuse(engineError('rate.already'));
      return draft.status.category === 'resolved' || draft.status.category === 'closed'
        ? OK
        : refuse(engineError('rate.not-yet'));
    },
    run: (session, command) => {
      const rating = {
        value: command.rating,
        at: session.now,
        by: session.actor.id,
        ...withComment(command.comment),
      };
      session.draft.flags.rating = rating;
      session.emit('ticket.rated', { rating: command.rating, ...withComment(command.comment) });
      return OK;
    },
  },

  'timer-fired': {
    check: systemOnly('timer-fired'),
    run: (session, command) => {
      const token = session.draft.tokens.find(
        (candidate) => timerKeyOf(candidate.waitingFor) === command.key,
      );
      if (token !== undefined) {
        return session.runner.signal(token, { type: 'timer-fired', key: command.key }, session.actor);
      }
      if (isSlaTimerKey(command.key)) return slaTimerFired(session, command.key);
      return refuse(engineError('timer.unknown', { key: command.key }, 'key'));
    },
  },

  ...subticketHandlers,

  'reply-received': {
    check: (session) => {
      const { draft, actor } = session;
      return actor.kind === 'system' || isRequesterOf(draft, actor) || isAdmin(actor)
        ? OK
        : refuse(engineError('actor.requester-only', { command: 'reply-received' }));
    },
    run: (session, command) => {
      const { draft } = session;
      session.emit('reply.received', command.body === undefined ? {} : { body: command.body });
      const token = draft.tokens.find((candidate) => candidate.waitingFor?.kind === 'reply');
      if (token !== undefined) return session.runner.signal(token, { type: 'reply-received' }, session.actor);
      if (draft.assignee !== undefined) {
        notifyRecipients(session, 'reply-assignee', 'reply-received', [{ user: draft.assignee }]);
      }
      // A reply to a ticket parked as "awaiting customer" outside any wait step puts it back to work.
      return draft.status.category === 'pending'
        ? session.setStatus({ category: 'open' }, { reason: 'reply' })
        : OK;
    },
  },

  ...watchHandlers,
  ...linkHandlers,
};

function withComment(comment: string | undefined): { comment?: string } {
  return comment === undefined ? {} : { comment };
}

export const __test = { finalGate, signalTargets };
