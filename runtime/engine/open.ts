/**
 * `open`: validate the intake form, link the records the opener names, work out priority and routing, assign (or
 * queue in the team the opener names), start the SLA clocks and run the flow from its start to the first step
 * that waits. Channels and triggers open, place and link a ticket in this one decision: one commit.
 */
import type { Instant } from '../common/types.js';
import { copyJson } from '../common/json-copy.js';
import { applyRoutingPriority, computePriority, route, type RulesRunEnv } from '../routing/index.js';
import type { RuleScope } from '../rules/index.js';
import type { BusinessCalendar } from '../time/index.js';
import { engineError } from '../flow/messages.js';
import { checkIntakeForm, formRefusal } from './form-bridge.js';
import { addLink } from './links.js';
import { Session } from './session.js';
import { slaStart } from './sla-bridge.js';
import { resolveStatus } from './statuses.js';
import {
  STATE_VERSION,
  type DecideResult,
  type EngineContext,
  type EngineDefinition,
  type OpenCommand,
  type TicketState,
} from './types.js';

export function openTicket(
  definition: EngineDefinition,
  command: OpenCommand,
  context: EngineContext,
): DecideResult {
  const now = context.now;
  const typeVersion = command.typeVersion ?? definition.version ?? 1;
  if (
    command.team !== undefined &&
    context.teams !== undefined &&
    context.teams[command.team] === undefined
  ) {
    return { ok: false, error: engineError('open.team-unknown', { team: command.team }, 'team') };
  }
  const form = checkIntakeForm(definition.form, command.data, {
    ...(definition.version === undefined ? {} : { cacheKey: `${definition.key}@${definition.version}` }),
    env: { now },
  });
  if (form.errors.length > 0) return { ok: false, error: formRefusal(form.errors) };
  // The state is the session's own from the start: what comes from the caller (or the definition) is copied as the
  // JSON copy of a whole state would copy it, the rest is new here, so the session need not copy it all again.
  // Strings (shape-checked) and the string lists rebuilt from sets are kept as they are.
  const status = resolveStatus(definition, { category: 'new' }) ?? { category: 'new', key: 'new' };
  const initial: TicketState = {
    stateVersion: STATE_VERSION,
    id: command.id,
    typeKey: copyJson(definition.key),
    typeVersion: copyJson(typeVersion),
    number: command.number,
    channel: command.channel ?? 'web',
    status: { category: copyJson(status.category), key: copyJson(status.key) },
    priority: 'medium',
    data: copyJson(form.data),
    requester: copyJson(command.requester),
    watchers: distinct(command.watchers),
    assistants: [],
    tags: distinct(command.tags),
    tokens: [],
    steps: {},
    approvals: {},
    explanations: {},
    version: 0,
    createdAt: copyJson(now),
    updatedAt: copyJson(now),
    flags: { reopenCount: 0, transferCount: 0, assignees: [] },
    tokenSeq: 0,
  };
  if (command.parent !== undefined) initial.parent = copyJson(command.parent);
  const session = new Session(definition, initial, context, true);
  const { draft } = session;
  const opened: Record<string, unknown> = {
    number: draft.number,
    typeKey: draft.typeKey,
    typeVersion: draft.typeVersion,
    channel: draft.channel,
    requester: draft.requester.id,
    after: { data: draft.data, status: draft.status },
  };
  if (context.idempotencyKey !== undefined) opened.idempotencyKey = context.idempotencyKey;
  if (draft.parent !== undefined)
    opened.parent = { id: draft.parent.id, number: draft.parent.number, nodeId: draft.parent.nodeId };
  session.emit('ticket.opened', opened);
  // Links the opener names come with the open (one commit), each as its own `link.added`, as `link` would add it.
  for (const [index, link] of (command.links ?? []).entries()) {
    const added = addLink(session, link, `links/${index}/id`);
    if (!added.ok) return added;
  }

  const calendar = session.calendar(undefined);
  const scope = session.ruleScope;
  if (definition.priority !== undefined) {
    const priority = computePriority(
      definition.priority,
      session.ruleContext(),
      rulesRunEnv(now, '/priority', scope, calendar),
    );
    draft.priority = priority.priority;
    draft.explanations.priority = priority.explanation;
    for (const problem of priority.problems)
      session.emit('rule.failed', { path: problem.path, error: problem });
  }
  let handler: { assignee?: string; team?: string } = {};
  if (definition.routing !== undefined) {
    const routed = route(
      definition.routing,
      session.ruleContext(),
      rulesRunEnv(now, '/routing', scope, calendar),
    );
    if (!routed.ok) {
      session.emit('routing.failed', { error: routed.error });
    } else {
      const { then, ruleId, explanation, problems } = routed.value;
      for (const problem of problems) session.emit('rule.failed', { path: problem.path, error: problem });
      draft.explanations.routing = explanation;
      // A rule that says nothing of the priority leaves it as it is (and its explanation unused): not worded.
      if (then.priority !== undefined || then.priorityAtLeast !== undefined) {
        const raised = applyRoutingPriority(draft.priority, then, ruleId);
        if (raised.changed) {
          draft.priority = raised.priority;
          draft.explanations.priority = raised.explanation;
        }
      }
      for (const tag of then.tags ?? []) if (!draft.tags.includes(tag)) draft.tags.push(tag);
      for (const watcher of then.watchers ?? [])
        if (!draft.watchers.includes(watcher)) draft.watchers.push(watcher);
      // A team named by the opener takes the ticket instead: no one is picked (nor a turn taken) in the routed one.
      if (command.team === undefined)
        handler =
          then.strategy === 'direct' && then.user !== undefined
            ? { team: then.team, assignee: then.user }
            : session.pickFromTeam(then.team, then.strategy, {
                skills: then.skills,
                ...(then.user === undefined ? {} : { user: then.user }),
              });
      session.emit('ticket.routed', { ruleId, priority: draft.priority, explanation });
    }
  }
  // The team's queue, as an `assign` to the team right after the open would leave it (one commit instead of two).
  if (command.team !== undefined) handler = { team: command.team };
  if (handler.team !== undefined || handler.assignee !== undefined)
    session.setHandler(handler, 'ticket.assigned');
  slaStart(session);
  const ran = session.runner.start();
  if (!ran.ok) return ran;
  return session.finish();
}

/** The list without repeats, first occurrence first (what `[...new Set(list)]` gives, without the set when short). */
function distinct(list: readonly string[] | undefined): string[] {
  const kept: string[] = [];
  if (list === undefined) return kept;
  if (list.length > 16) return [...new Set(list)];
  for (const item of list) if (!kept.includes(item)) kept.push(item);
  return kept;
}

/**
 * Built without spreads (slow in V8 on a site that sees several shapes); what is unknown stays absent. A module
 * function, not an arrow made per open (a `name` definition each under tsx's keepNames).
 */
function rulesRunEnv(
  now: Instant,
  basePath: string,
  scope: RuleScope | undefined,
  calendar: BusinessCalendar | undefined,
): RulesRunEnv {
  const built: RulesRunEnv = { now, basePath };
  if (scope !== undefined) built.scope = scope;
  if (calendar !== undefined) built.calendar = calendar;
  return built;
}
