/**
 * One `decide()` at work: a draft copy of the ticket, the events and effects it produces, and the services the
 * flow runner calls back (status changes, step assignment, rule evaluation, calendars). The input state is never
 * touched; the draft is returned only when the whole command succeeded.
 */
import { assign, type AssignmentRequest } from '../assignment/index.js';
import type { Duration, Explanation, Instant, Priority, StatusCategory } from '../common/types.js';
import { copyJson } from '../common/json-copy.js';
import { engineError } from '../flow/messages.js';
import { FlowRunner, type RunnerHooks, type RunnerScope } from '../flow/runner.js';
import type { EngineErrorShape, SignalActor, StepAssignRequest } from '../flow/types.js';
import type { AssignmentStrategy, SkillRequirement } from '../routing/index.js';
import { sharedRuleCache, type RuleScope } from '../rules/index.js';
import { PRESET_CALENDARS, addDuration, type BusinessCalendar } from '../time/index.js';
import { ticketRuleContext } from './rule-context.js';
import { slaFirstResponse, slaPriorityChanged, slaStatusChanged } from './sla-bridge.js';
import { resolveStatus } from './statuses.js';
import type { EngineContext, EngineDefinition, TicketEffect, TicketEvent, TicketState } from './types.js';

type Outcome = { ok: true } | { ok: false; error: EngineErrorShape };

export class Session {
  readonly draft: TicketState;
  readonly events: TicketEvent[] = [];
  readonly effects: TicketEffect[] = [];
  readonly now: Instant;
  readonly actor: SignalActor;
  private runnerInstance: FlowRunner | undefined;
  private readonly baseVersion: number;
  private ruleScopeMemo: RuleScope | undefined | null = null;

  constructor(
    readonly definition: EngineDefinition,
    state: TicketState,
    readonly context: EngineContext,
    /**
     * The state was built for this decide from copies (`open`): nothing in it is the caller's, so it is the draft
     * as it is rather than copied again.
     */
    stateIsOwn = false,
  ) {
    // A JSON copy: the state is plain JSON by contract, and this keeps the caller's object untouched.
    this.draft = stateIsOwn ? state : copyJson(state);
    this.now = context.now;
    this.actor = context.actor;
    this.baseVersion = state.version;
  }

  /**
   * Rules are prepared once per published version. A definition without a version (a draft being edited or
   * dry-run) is prepared on every call, since its text may still change.
   */
  get ruleScope(): RuleScope | undefined {
    // Asked for by every rule evaluated: built once per decide (the definition does not change during one).
    if (this.ruleScopeMemo === null) {
      const { version, key } = this.definition;
      this.ruleScopeMemo = version === undefined ? undefined : { definitionKey: key, version };
    }
    return this.ruleScopeMemo;
  }

  /** Cache key of the compiled form, on the same terms as `ruleScope`. */
  get formCacheKey(): string | undefined {
    const scope = this.ruleScope;
    return scope === undefined ? undefined : `${scope.definitionKey}@${scope.version}`;
  }

  get runner(): FlowRunner {
    this.runnerInstance ??= new FlowRunner({
      flow: this.definition.flow,
      state: this.draft,
      now: this.now,
      ...(this.context.maxVisits === undefined ? {} : { maxVisits: this.context.maxVisits }),
      hooks: runnerHooksOf(this),
      env: runnerEnvOf(this),
    });
    return this.runnerInstance;
  }

  emit(type: string, data: Record<string, unknown>): void {
    this.events.push({ type, at: this.now, actor: { id: this.actor.id, kind: this.actor.kind }, data });
  }

  effect(kind: TicketEffect['kind'], key: string, payload: Record<string, unknown>): void {
    // A key seen twice in one decide is the same effect asked twice (e.g. a timer cancelled by two paths).
    for (const known of this.effects) if (known.key === key) return;
    // Not a spread: payloads of every shape meet here, and V8's spread turns slow on a site that sees many shapes.
    // Object.assign writes the same own enumerable properties in the same order, except that it would set a
    // prototype from an own `__proto__` key (possible in JSON an analyst wrote), so such payloads take the spread.
    const effect = Object.hasOwn(payload, '__proto__')
      ? { ...payload, kind, key, ticketId: this.draft.id }
      : Object.assign({}, payload, { kind, key, ticketId: this.draft.id });
    this.effects.push(effect);
  }

  /** Key for an effect of the command itself (not of a flow step): unique per resulting version. */
  commandKey(suffix: string): string {
    return `${this.draft.id}:v${this.baseVersion + 1}:${suffix}`;
  }

  finish(): { ok: true; state: TicketState; events: TicketEvent[]; effects: TicketEffect[] } {
    if (this.events.length > 0) {
      // One accepted command is one commit of the ticket's trail (the server stores it under this sequence).
      this.draft.version = this.baseVersion + 1;
      this.draft.updatedAt = this.now;
    }
    return { ok: true, state: this.draft, events: this.events, effects: this.effects };
  }

  ruleContext(): Record<string, unknown> {
    return ticketRuleContext(this.draft, this.now);
  }

  evaluate(
    logic: unknown,
    path: string,
    extra?: Record<string, unknown>,
  ):
    | { ok: true; value: unknown }
    | { ok: false; error: { code: string; text: { 'zh-CN': string; en: string } } } {
    const prepared = sharedRuleCache.prepare(this.ruleScope, path, logic);
    if (!prepared.ok) return { ok: false, error: { code: prepared.error.code, text: prepared.error.text } };
    const calendar = this.calendar(undefined);
    const context = extra === undefined ? this.ruleContext() : { ...this.ruleContext(), ...extra };
    const result = prepared.value.evaluate(context, {
      now: this.now,
      ...(calendar === undefined ? {} : { calendar }),
    });
    if (!result.ok) return { ok: false, error: { code: result.error.code, text: result.error.text } };
    return result;
  }

  /** The named calendar; without a name, the SLA policy's calendar, else the business preset. */
  calendar(key: string | undefined): BusinessCalendar | undefined {
    const name = key ?? slaCalendarKey(this.definition) ?? 'cn-standard';
    return this.context.calendars[name] ?? PRESET_CALENDARS.get(name);
  }

  addDuration(calendarKey: string | undefined, start: Instant, duration: Duration): Instant | undefined {
    const calendar = this.calendar(calendarKey);
    return calendar === undefined ? undefined : addDuration(calendar, start, duration);
  }

  setStatus(target: { category?: StatusCategory; key?: string }, cause: Record<string, unknown>): Outcome {
    const status = resolveStatus(this.definition, target);
    if (status === undefined) {
      return {
        ok: false,
        error: engineError('status.unknown', { status: target.key ?? target.category ?? '' }),
      };
    }
    const before = this.draft.status;
    if (before.key === status.key && before.category === status.category) return { ok: true };
    this.draft.status = status;
    const { flags } = this.draft;
    if (status.category === 'resolved') flags.resolvedAt = this.now;
    if (status.category === 'closed') flags.closedAt = this.now;
    if (status.category === 'cancelled') flags.cancelledAt = this.now;
    this.emit('status.changed', { before, after: status, ...cause });
    slaStatusChanged(this, before.category, status.category);
    return { ok: true };
  }

  /**
   * Every priority change goes through here: the SLA target is selected again for the new priority (ITIL: due
   * times follow the priority), and why is recorded with the change.
   */
  changePriority(after: Priority, cause: { reason: string; explanation: Explanation }): void {
    const before = this.draft.priority;
    if (after === before) return;
    this.draft.priority = after;
    this.draft.explanations.priority = cause.explanation;
    this.emit('priority.changed', { before, after, reason: cause.reason, explanation: cause.explanation });
    slaPriorityChanged(this);
  }

  /** Staff started working: a ticket still `new` moves to its first `open` status. */
  markWorkStarted(): void {
    if (this.draft.status.category !== 'new' || this.actor.kind !== 'user') return;
    if (this.actor.id === this.draft.requester.id) return;
    this.setStatus({ category: 'open' }, { reason: 'work-started' });
  }

  /** A staff action the requester can see: stops the first-response clock once. */
  recordFirstResponse(): void {
    if (this.actor.kind !== 'user' || this.actor.id === this.draft.requester.id) return;
    if (this.draft.flags.firstResponseAt !== undefined) return;
    this.draft.flags.firstResponseAt = this.now;
    this.draft.flags.firstResponseBy = this.actor.id;
    slaFirstResponse(this);
  }

  /** Set the ticket's handler (and the open steps that followed the previous one). */
  setHandler(
    next: { assignee?: string | undefined; team?: string | undefined },
    eventType: string,
    extra: Record<string, unknown> = {},
    moveOpenSteps = true,
  ): void {
    const before = { assignee: this.draft.assignee ?? null, team: this.draft.team ?? null };
    const team = next.team ?? this.draft.team;
    const assignee =
      next.team !== undefined && next.team !== this.draft.team
        ? next.assignee
        : (next.assignee ?? this.draft.assignee);
    for (const token of moveOpenSteps ? this.draft.tokens : []) {
      const step = this.draft.steps[token.nodeId];
      if (step === undefined || step.status !== 'active' || step.kind !== 'task') continue;
      if (step.team === undefined || step.team === before.team) {
        if (team === undefined) delete step.team;
        else step.team = team;
      }
      if (step.assignee === undefined || step.assignee === before.assignee) {
        if (assignee === undefined) delete step.assignee;
        else step.assignee = assignee;
      }
    }
    if (team === undefined) delete this.draft.team;
    else this.draft.team = team;
    if (assignee === undefined) delete this.draft.assignee;
    else {
      this.draft.assignee = assignee;
      if (!this.draft.flags.assignees.includes(assignee)) this.draft.flags.assignees.push(assignee);
    }
    this.emit(eventType, { before, after: { assignee: assignee ?? null, team: team ?? null }, ...extra });
    if (assignee !== undefined && assignee !== before.assignee) {
      this.effect('notify', this.commandKey(`assigned-${assignee}`), {
        template: 'ticket-assigned',
        recipients: [{ user: assignee }],
      });
    }
  }

  /**
   * Pick a person in a team with runtime/assignment. Without the team's state (the caller did not pass it) the
   * ticket waits in the team queue.
   */
  pickFromTeam(
    team: string,
    strategy: AssignmentStrategy,
    options: { skills?: SkillRequirement[]; user?: string },
  ): { assignee?: string; team: string } {
    const teamState = this.context.teams?.[team];
    if (teamState === undefined) {
      this.emit('assignment.queued', { team, reason: 'team-state-unknown' });
      return { team };
    }
    // Built without spreads (slow in V8 on a site that sees several shapes); what is unknown stays absent.
    const request: AssignmentRequest = { strategy, now: this.now };
    if (options.skills !== undefined) request.skills = options.skills;
    if (options.user !== undefined) request.user = options.user;
    const { id: userId, manager } = this.draft.requester;
    request.requester = manager === undefined ? { userId } : { userId, manager };
    const decision = assign(request, teamState);
    this.draft.explanations.assignment = decision.explanation;
    this.emit('assignment.decided', {
      team: decision.team,
      assignee: decision.assignee ?? null,
      queued: decision.queued,
      skipped: decision.skipped,
      explanation: decision.explanation,
    });
    if (decision.cursor !== undefined) {
      this.effect('assign-cursor', this.commandKey(`cursor-${team}`), {
        team,
        cursor: decision.cursor,
        previous: teamState.cursor,
      });
    }
    if (decision.notifySupervisor === true) {
      this.effect('notify', this.commandKey(`queued-${team}`), {
        template: 'team-queue-unassigned',
        recipients:
          decision.supervisor === undefined ? [{ supervisorOf: team }] : [{ user: decision.supervisor }],
      });
    }
    return decision.assignee === undefined
      ? { team: decision.team }
      : { team: decision.team, assignee: decision.assignee };
  }

  assignStep(request: StepAssignRequest, nodeId: string): { assignee?: string; team?: string } {
    let picked: { assignee?: string; team?: string };
    switch (request.kind) {
      case 'routing':
        // The step is worked by whoever works the ticket (routing decided it at open; transfers move it).
        return {};
      case 'team': {
        const strategy = (request.strategy ?? 'round-robin') as AssignmentStrategy | 'queue';
        picked =
          strategy === 'queue'
            ? { team: request.team }
            : this.pickFromTeam(
                request.team,
                strategy,
                request.skills === undefined
                  ? {}
                  : { skills: request.skills.map((name) => ({ name, level: 1 })) },
              );
        break;
      }
      case 'user':
        picked = { assignee: request.userId };
        break;
      case 'requester-manager':
        picked = this.draft.requester.manager === undefined ? {} : { assignee: this.draft.requester.manager };
        break;
      case 'field': {
        const value = this.draft.data[request.field];
        picked = typeof value === 'string' && value.length > 0 ? { assignee: value } : {};
        break;
      }
    }
    if (picked.assignee === undefined && picked.team === undefined) {
      this.emit('assignment.unresolved', { nodeId, request });
      return {};
    }
    // A step's own assignment must not move the steps of other branches.
    this.setHandler(
      picked.team === undefined ? { assignee: picked.assignee } : picked,
      'ticket.assigned',
      { nodeId },
      false,
    );
    return picked;
  }
}

function slaCalendarKey(definition: EngineDefinition): string | undefined {
  const sla = definition.sla;
  if (typeof sla === 'object' && sla !== null && 'calendar' in sla && typeof sla.calendar === 'string') {
    return sla.calendar;
  }
  return undefined;
}

/*
 * The runner's callbacks into one session, written as methods of a literal rather than arrow functions: a named
 * arrow made per decide costs a `name` property definition each under the bench's and dev server's tsx (esbuild
 * keepNames), eight per decide here.
 */
function runnerHooksOf(session: Session): RunnerHooks {
  return {
    setStatus(target, cause) {
      return session.setStatus(target, cause);
    },
    assignStep(request, nodeId) {
      return session.assignStep(request, nodeId);
    },
    emit(type, data) {
      session.emit(type, data);
    },
    effect(kind, key, payload) {
      session.effect(kind, key, payload);
    },
  };
}

function runnerEnvOf(session: Session): RunnerScope['env'] {
  const { context } = session;
  return {
    addDuration(calendarKey, start, duration) {
      return session.addDuration(calendarKey, start, duration);
    },
    evaluate(logic, path, extra) {
      return session.evaluate(logic, path, extra);
    },
    roleMembers(role) {
      return context.roleMembers?.[role] ?? [];
    },
    teamMembers(team) {
      return context.teams?.[team]?.members.map((member) => member.userId) ?? [];
    },
  };
}
