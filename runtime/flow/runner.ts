/**
 * The token runner: walks the flow graph, owns the tokens and the step records, and applies what node executors
 * decide. It works on a draft of the ticket state the engine hands it (a copy: the stored state is never touched)
 * and reports events and effects through the engine's journal.
 */
import type { Instant, StatusCategory } from '../common/types.js';
import { isTruthy } from '../rules/index.js';
import type { TicketState } from '../engine/types.js';
import { engineError } from './messages.js';
import { nodeKindOf } from './registry.js';
import type {
  EffectRequest,
  EngineErrorShape,
  FlowDefinition,
  FlowEdge,
  FlowNode,
  NodeDecision,
  NodeEnv,
  NodeInput,
  NodeKindModule,
  NodeSignal,
  SignalActor,
  StepAssignRequest,
  StepState,
  Token,
  WaitingFor,
} from './types.js';

export const DEFAULT_MAX_VISITS = 1000;

/** Steps an approver may send a ticket back to, and where a reopened ticket returns by default. */
const WORK_STEP_KINDS: ReadonlySet<string> = new Set(['task', 'approval']);

type Outcome = { ok: true } | { ok: false; error: EngineErrorShape };
const DONE: Outcome = { ok: true };

export interface RunnerHooks {
  /** Move the ticket to a status (by key, or the first status of a category); records the change. */
  setStatus(target: { category?: StatusCategory; key?: string }, cause: { nodeId: string }): Outcome;
  /** Decide who works a human step; the engine uses routing / runtime/assignment. */
  assignStep(request: StepAssignRequest, nodeId: string): { assignee?: string; team?: string };
  emit(type: string, data: Record<string, unknown>): void;
  effect(kind: EffectRequest['kind'], key: string, payload: Record<string, unknown>): void;
}

export interface RunnerScope {
  flow: FlowDefinition;
  /** Draft state: the runner mutates it. */
  state: TicketState;
  now: Instant;
  hooks: RunnerHooks;
  env: Omit<NodeEnv, 'earlierHumanSteps'>;
  maxVisits?: number;
}

interface Arrival {
  token: Token;
  nodeId: string;
  viaEdgeId?: string;
  fromNodeId?: string;
  /** Arrived by a jump (send back, reopen, resolve) rather than along an edge. */
  jumped?: boolean;
}

/** A flow's nodes by id and its edges by the node they leave and enter, in the flow's edge order. */
interface FlowIndex {
  nodesById: ReadonlyMap<string, FlowNode>;
  outgoing: ReadonlyMap<string, readonly FlowEdge[]>;
  incoming: ReadonlyMap<string, readonly FlowEdge[]>;
}

const NO_EDGES: readonly FlowEdge[] = Object.freeze([]);

/**
 * Indexes of frozen flows (published versions): a frozen flow whose node and edge lists and every node and edge
 * are frozen can never change, so its index cannot go stale. Any other flow is indexed afresh by each runner.
 */
const indexOfFrozenFlow = new WeakMap<FlowDefinition, FlowIndex>();

function isDeeplyFrozenGraph(flow: FlowDefinition): boolean {
  return (
    Object.isFrozen(flow) &&
    Object.isFrozen(flow.nodes) &&
    Object.isFrozen(flow.edges) &&
    flow.nodes.every((node) => Object.isFrozen(node)) &&
    flow.edges.every((edge) => Object.isFrozen(edge))
  );
}

function buildFlowIndex(flow: FlowDefinition): FlowIndex {
  const outgoing = new Map<string, FlowEdge[]>();
  const incoming = new Map<string, FlowEdge[]>();
  for (const edge of flow.edges) {
    const leaving = outgoing.get(edge.source);
    if (leaving === undefined) outgoing.set(edge.source, [edge]);
    else leaving.push(edge);
    const entering = incoming.get(edge.target);
    if (entering === undefined) incoming.set(edge.target, [edge]);
    else entering.push(edge);
  }
  // Frozen: node executors get these lists and must only read them.
  for (const list of outgoing.values()) Object.freeze(list);
  for (const list of incoming.values()) Object.freeze(list);
  return { nodesById: new Map(flow.nodes.map((node) => [node.id, node])), outgoing, incoming };
}

export function flowIndexOf(flow: FlowDefinition): FlowIndex {
  const known = indexOfFrozenFlow.get(flow);
  if (known !== undefined) return known;
  const index = buildFlowIndex(flow);
  if (isDeeplyFrozenGraph(flow)) indexOfFrozenFlow.set(flow, index);
  return index;
}

export class FlowRunner {
  private visits = 0;
  private readonly nodesById: ReadonlyMap<string, FlowNode>;
  private readonly index: FlowIndex;
  private readonly maxVisits: number;

  /** What every node executor gets as `env` (the same for the whole run; executors only read it). */
  private nodeEnv: NodeInput<Record<string, unknown>>['env'] | undefined;

  constructor(private readonly scope: RunnerScope) {
    this.index = flowIndexOf(scope.flow);
    this.nodesById = this.index.nodesById;
    this.maxVisits = scope.maxVisits ?? DEFAULT_MAX_VISITS;
  }

  /** Put the first token on the start node and run until every token waits or the flow ends. */
  start(): Outcome {
    const start = this.scope.flow.nodes.find((node) => node.type === 'start');
    if (start === undefined) return { ok: false, error: engineError('flow.start-missing') };
    return this.run([{ token: this.newToken(start.id), nodeId: start.id }]);
  }

  /** Deliver a signal to a waiting token and run on from there. */
  signal(token: Token, signal: NodeSignal, actor: SignalActor): Outcome {
    const located = this.locate(token.nodeId);
    if (!located.ok) return located;
    const { node, module } = located;
    const decision = module.resume?.(this.input(token, node), signal, actor);
    if (decision === undefined)
      return { ok: false, error: engineError('step.not-waiting', { command: signal.type }) };
    if (!decision.ok) return decision;
    const next = this.apply(token, node, decision.value);
    return next.ok ? this.run(next.arrivals) : next;
  }

  /** Why the node would refuse this signal from `actor` (its own specific reason), without running anything. */
  refusalOf(token: Token, signal: NodeSignal, actor: SignalActor): EngineErrorShape | undefined {
    const located = this.locate(token.nodeId);
    if (!located.ok) return located.error;
    const decision = located.module.resume?.(this.input(token, located.node), signal, actor);
    return decision !== undefined && !decision.ok ? decision.error : undefined;
  }

  /** Signals `actor` may send to `token` now. */
  signalsFor(token: Token, actor: SignalActor): NodeSignal['type'][] {
    const located = this.locate(token.nodeId);
    if (!located.ok || token.waitingFor === undefined || token.waitingFor.kind === 'join') return [];
    return located.module.signals?.(this.input(token, located.node), actor) ?? [];
  }

  /**
   * End every branch and start one token at `nodeId` (resolve jumps to the confirm step); `fromNodeId` is the step
   * it is reached from, so a reopen can find its way back.
   */
  restartAt(nodeId: string, fromNodeId?: string): Outcome {
    this.cancelAll();
    const token = this.newToken(nodeId);
    return this.run([
      fromNodeId === undefined ? { token, nodeId, jumped: true } : { token, nodeId, fromNodeId },
    ]);
  }

  /** Remove every token (cancel, end): open steps are marked cancelled and their timers cancelled. */
  cancelAll(): void {
    const { state, now, hooks } = this.scope;
    for (const token of state.tokens) {
      const timerKey = timerKeyOf(token.waitingFor);
      if (timerKey !== undefined) hooks.effect('cancel-schedule', `${timerKey}:cancel`, { timerKey });
      const waiting = token.waitingFor;
      // Sub-tickets a step stops waiting for are cancelled too, unless the step says to leave them running.
      if (waiting?.kind === 'subticket' && waiting.cancelUnfinished !== false) {
        hooks.effect('cancel-subtickets', `${waiting.key}:cancel`, {
          children: waiting.children ?? [waiting.key],
          finished: (waiting.finished ?? []).map((entry) => entry.subticketId),
        });
      }
      const step = state.steps[token.nodeId];
      if (step !== undefined && step.status === 'active') {
        step.status = 'cancelled';
        step.leftAt = now;
      }
    }
    state.tokens = [];
  }

  /**
   * Going back to `nodeId` undoes what was started after it: every other token whose path runs through that node
   * (e.g. the sibling branch of a parallel approval that sends the request back before the split) ends. Branches
   * that split off before it carry on.
   */
  private cancelBranchesAfter(nodeId: string, keep: Token): void {
    const { state } = this.scope;
    const doomed = state.tokens.filter(
      (token) => token !== keep && this.pathOf(token.nodeId).includes(nodeId),
    );
    if (doomed.length === 0) return;
    const kept = state.tokens.filter((token) => !doomed.includes(token));
    state.tokens = doomed;
    this.cancelAll();
    state.tokens = kept;
  }

  /** The node and the nodes before it on the path taken, most recent first. */
  private pathOf(nodeId: string): string[] {
    const { steps } = this.scope.state;
    const path: string[] = [];
    for (let current: string | undefined = nodeId; current !== undefined && !path.includes(current);) {
      path.push(current);
      current = steps[current]?.from;
    }
    return path;
  }

  earlierHumanSteps(nodeId: string): string[] {
    const { steps } = this.scope.state;
    return this.pathOf(nodeId)
      .slice(1)
      .filter((id) => WORK_STEP_KINDS.has(steps[id]?.kind ?? ''));
  }

  private run(queue: Arrival[]): Outcome {
    for (let arrival = queue.shift(); arrival !== undefined; arrival = queue.shift()) {
      this.visits += 1;
      if (this.visits > this.maxVisits) {
        return { ok: false, error: engineError('flow.step-limit-exceeded', { limit: this.maxVisits }) };
      }
      const entered = this.enter(arrival);
      if (!entered.ok) return entered;
      queue.push(...entered.arrivals);
    }
    return DONE;
  }

  private enter(
    arrival: Arrival,
  ): { ok: true; arrivals: Arrival[] } | { ok: false; error: EngineErrorShape } {
    const located = this.locate(arrival.nodeId);
    if (!located.ok) return located;
    const { node, module } = located;
    const { state, now, hooks } = this.scope;
    const previous = state.steps[node.id];
    const from = arrival.jumped === true ? previous?.from : arrival.fromNodeId;
    // Built without spreads (a spread site seeing several shapes is slow in V8); `from` last, as before.
    const entered: StepState = {
      kind: node.type,
      status: 'active',
      visits: (previous?.visits ?? 0) + 1,
      enteredAt: now,
    };
    if (from !== undefined) entered.from = from;
    state.steps[node.id] = entered;
    const { token } = arrival;
    token.nodeId = node.id;
    token.since = now;
    delete token.waitingFor;
    const enteredEvent: Record<string, unknown> = {
      nodeId: node.id,
      kind: node.type,
      visit: state.steps[node.id]?.visits,
    };
    if (arrival.viaEdgeId !== undefined) enteredEvent.edgeId = arrival.viaEdgeId;
    hooks.emit('step.entered', enteredEvent);
    const decision = module.execute(this.input(token, node, arrival.viaEdgeId));
    if (!decision.ok) return decision;
    return this.apply(token, node, decision.value, arrival.viaEdgeId);
  }

  private apply(
    token: Token,
    node: FlowNode,
    decision: NodeDecision,
    viaEdgeId?: string,
  ): { ok: true; arrivals: Arrival[] } | { ok: false; error: EngineErrorShape } {
    const { state, now, hooks } = this.scope;
    const step = state.steps[node.id];
    /* c8 ignore next */
    if (step === undefined)
      return { ok: false, error: engineError('flow.node-missing', { nodeId: node.id }) };
    const keyPrefix = this.keyPrefix(node.id);

    if (decision.step !== undefined) Object.assign(step, decision.step);
    if (decision.approval !== undefined) state.approvals[node.id] = decision.approval;
    if (decision.setData !== undefined && Object.keys(decision.setData).length > 0) {
      const before: Record<string, unknown> = {};
      for (const key of Object.keys(decision.setData)) before[key] = state.data[key] ?? null;
      Object.assign(state.data, decision.setData);
      hooks.emit('data.changed', { nodeId: node.id, before, after: decision.setData });
    }
    if (decision.assign !== undefined) {
      const who = hooks.assignStep(decision.assign, node.id);
      if (who.assignee !== undefined) step.assignee = who.assignee;
      if (who.team !== undefined) step.team = who.team;
    }
    for (const event of decision.events ?? []) hooks.emit(event.type, event.data);
    for (const effect of decision.effects ?? []) {
      hooks.effect(effect.kind, `${keyPrefix}:${effect.keySuffix}`, effect.payload);
    }
    if (decision.status !== undefined) {
      const changed = hooks.setStatus(decision.status, { nodeId: node.id });
      if (!changed.ok) return changed;
    }

    const next = decision.next;
    switch (next.kind) {
      case 'wait':
        token.waitingFor = next.waitingFor;
        return { ok: true, arrivals: [] };
      case 'leave': {
        const chosen = this.edgesFor(node, next.outcome);
        if (!chosen.ok) return chosen;
        return { ok: true, arrivals: this.leaveBy(step, token, node, [chosen.edge]) };
      }
      case 'choose-one': {
        const chosen = this.chooseOne(node);
        if (!chosen.ok) return chosen;
        return { ok: true, arrivals: this.leaveBy(step, token, node, [chosen.edge]) };
      }
      case 'join': {
        if (!next.complete) {
          token.waitingFor = { kind: 'join', edgeId: viaEdgeId ?? null };
          return { ok: true, arrivals: [] };
        }
        state.tokens = state.tokens.filter(
          (other) => other === token || other.nodeId !== node.id || other.waitingFor?.kind !== 'join',
        );
        hooks.emit('parallel.joined', { nodeId: node.id });
        return this.leaveAll(step, token, node);
      }
      case 'leave-all':
        return this.leaveAll(step, token, node);
      case 'jump': {
        if (!this.nodesById.has(next.nodeId)) {
          return { ok: false, error: engineError('flow.node-missing', { nodeId: next.nodeId }) };
        }
        step.status = 'done';
        step.leftAt = now;
        this.cancelBranchesAfter(next.nodeId, token);
        return { ok: true, arrivals: [{ token, nodeId: next.nodeId, jumped: true }] };
      }
      case 'end': {
        step.status = 'done';
        step.leftAt = now;
        state.tokens = state.tokens.filter((other) => other !== token);
        this.cancelAll();
        const target = next.statusKey === undefined ? { category: next.category } : { key: next.statusKey };
        const changed = hooks.setStatus(target, { nodeId: node.id });
        if (!changed.ok) return changed;
        hooks.emit('flow.ended', { nodeId: node.id, category: next.category });
        return { ok: true, arrivals: [] };
      }
    }
  }

  private leaveAll(
    step: StepState,
    token: Token,
    node: FlowNode,
  ): { ok: true; arrivals: Arrival[] } | { ok: false; error: EngineErrorShape } {
    const edges = this.outgoing(node.id);
    if (edges.length === 0) {
      return { ok: false, error: engineError('flow.no-edge-for-outcome', { nodeId: node.id, outcome: '' }) };
    }
    return { ok: true, arrivals: this.leaveBy(step, token, node, edges) };
  }

  /**
   * Leave a step along `edges`. A method rather than an arrow made per step applied (a `name` definition each
   * under tsx's keepNames).
   */
  private leaveBy(step: StepState, token: Token, node: FlowNode, edges: FlowEdge[]): Arrival[] {
    step.status = 'done';
    step.leftAt = this.scope.now;
    return edges.map((edge, index) => {
      // The first edge carries the arriving token on; every other edge gets a new token (a split).
      const carrier = index === 0 ? token : this.newToken(node.id);
      return { token: carrier, nodeId: edge.target, viaEdgeId: edge.id, fromNodeId: node.id };
    });
  }

  private edgesFor(
    node: FlowNode,
    outcome: string | undefined,
  ): { ok: true; edge: FlowEdge } | { ok: false; error: EngineErrorShape } {
    const module = nodeKindOf(node.type) as NodeKindModule<Record<string, unknown>>;
    const single = module.outcomes(node.data ?? {}).length <= 1;
    const matching = this.outgoing(node.id).filter((edge) => {
      const handle = edge.sourceHandle ?? undefined;
      if (outcome === undefined) return handle === undefined || single;
      return handle === outcome || (handle === undefined && single);
    });
    const params = { nodeId: node.id, outcome: outcome ?? '' };
    const [edge, ...others] = matching;
    if (edge === undefined) return { ok: false, error: engineError('flow.no-edge-for-outcome', params) };
    if (others.length > 0) return { ok: false, error: engineError('flow.ambiguous-exit', params) };
    return { ok: true, edge };
  }

  /**
   * Exclusive gateway: conditions are tried in edge order; a non-default edge without a condition always holds; a
   * condition that fails to evaluate is reported and counts as not met; the default edge is the fallback.
   */
  private chooseOne(node: FlowNode): { ok: true; edge: FlowEdge } | { ok: false; error: EngineErrorShape } {
    const { hooks, env } = this.scope;
    const edges = this.outgoing(node.id);
    for (const edge of edges) {
      if (edge.data?.default === true) continue;
      const when = edge.data?.when;
      let holds = true;
      if (when !== undefined) {
        const index = this.scope.flow.edges.indexOf(edge);
        const result = env.evaluate(when, `/flow/edges/${index}/data/when`);
        if (result.ok) holds = isTruthy(result.value);
        else {
          holds = false;
          hooks.emit('rule.failed', { nodeId: node.id, edgeId: edge.id, error: result.error });
        }
      }
      if (holds) {
        hooks.emit('gateway.decided', { nodeId: node.id, edgeId: edge.id, default: false });
        return { ok: true, edge };
      }
    }
    const fallback = edges.find((edge) => edge.data?.default === true);
    if (fallback === undefined)
      return { ok: false, error: engineError('flow.no-branch-matched', { nodeId: node.id }) };
    hooks.emit('gateway.decided', { nodeId: node.id, edgeId: fallback.id, default: true });
    return { ok: true, edge: fallback };
  }

  /** The edges leaving a node, in flow order (read only). */
  private outgoing(nodeId: string): FlowEdge[] {
    return (this.index.outgoing.get(nodeId) ?? NO_EDGES) as FlowEdge[];
  }

  private input(token: Token, node: FlowNode, viaEdgeId?: string): NodeInput<Record<string, unknown>> {
    const { state, now, flow } = this.scope;
    const step = state.steps[node.id] ?? { kind: node.type, status: 'active', visits: 0, enteredAt: now };
    // Built without a spread (slow in V8 on a site that sees several shapes); `viaEdgeId` absent when unknown.
    const input: NodeInput<Record<string, unknown>> = {
      node,
      config: node.data ?? {},
      token,
      ticket: state,
      step,
      now,
      flow,
      incoming: (this.index.incoming.get(node.id) ?? NO_EDGES) as FlowEdge[],
      outgoing: this.outgoing(node.id),
      tokensHere: state.tokens.filter((other) => other !== token && other.nodeId === node.id),
      keyPrefix: this.keyPrefix(node.id),
      env: (this.nodeEnv ??= this.buildNodeEnv()),
    };
    if (viaEdgeId !== undefined) input.viaEdgeId = viaEdgeId;
    return input;
  }

  /** What every node executor gets as `env`: the caller's services plus this run's path, without a spread. */
  private buildNodeEnv(): NodeInput<Record<string, unknown>>['env'] {
    const { env } = this.scope;
    const earlierHumanSteps = this.earlierHumanSteps.bind(this);
    return {
      addDuration: env.addDuration,
      evaluate: env.evaluate,
      roleMembers: env.roleMembers,
      teamMembers: env.teamMembers,
      earlierHumanSteps,
    };
  }

  private keyPrefix(nodeId: string): string {
    const { state } = this.scope;
    return `${state.id}:${nodeId}:${state.steps[nodeId]?.visits ?? 0}`;
  }

  private newToken(nodeId: string): Token {
    const { state, now } = this.scope;
    state.tokenSeq += 1;
    const token: Token = { id: `t${state.tokenSeq}`, nodeId, since: now };
    state.tokens.push(token);
    return token;
  }

  private locate(
    nodeId: string,
  ):
    | { ok: true; node: FlowNode; module: NodeKindModule<Record<string, unknown>> }
    | { ok: false; error: EngineErrorShape } {
    const node = this.nodesById.get(nodeId);
    if (node === undefined) return { ok: false, error: engineError('flow.node-missing', { nodeId }) };
    const module = nodeKindOf(node.type);
    if (module === undefined) {
      return { ok: false, error: engineError('flow.unknown-node-kind', { nodeId, kind: node.type }) };
    }
    return { ok: true, node, module };
  }
}

/** The timer a waiting token owns, if any (cancelled when the token goes away). */
export function timerKeyOf(waitingFor: WaitingFor | undefined): string | undefined {
  switch (waitingFor?.kind) {
    case 'timer':
      return waitingFor.key;
    case 'confirm':
      return waitingFor.timerKey;
    case 'reply':
    case 'task':
      return waitingFor.timerKey;
    default:
      return undefined;
  }
}
