/**
 * Shapes of the flow graph (as @vue-flow/core stores it, plus node `data`) and of what node executors return.
 * Executors never mutate: they read a frozen view of the ticket and answer with a decision; the runner applies it.
 */
import type { Duration, Instant, LocalizedText, Problem, StatusCategory } from '../common/types.js';

export interface FlowNode {
  id: string;
  type: string;
  position?: { x: number; y: number };
  data?: Record<string, unknown>;
}

export interface FlowEdgeData {
  /** json-logic over the ticket rule context; only read on edges leaving an exclusive gateway. */
  when?: unknown;
  /** The edge an exclusive gateway takes when no condition matches. */
  default?: boolean;
  label?: LocalizedText;
}

export interface FlowEdge {
  id: string;
  source: string;
  target: string;
  /** The outcome of the source node this edge leaves by; absent when the node has a single way out. */
  sourceHandle?: string | null;
  targetHandle?: string | null;
  data?: FlowEdgeData;
}

export interface FlowDefinition {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

/** A JSON Schema document (draft 2020-12 / ajv 8) — kept loose so schemas can be written as plain objects. */
export type JsonSchema = Record<string, unknown>;

/** What a waiting token waits for. Stored in the ticket state, so it stays plain JSON. */
export type WaitingFor =
  | { kind: 'task'; timerKey?: string }
  | { kind: 'approval' }
  | { kind: 'timer'; key: string; at: Instant; reason: 'wait' | 'auto-close' | 'reply-timeout' }
  | { kind: 'reply'; timerKey?: string; at?: Instant }
  | {
      kind: 'subticket';
      key: string;
      subticketId?: string;
      /** Keys of the `open-subticket` effects of the sub-tickets waited for (one key per sub-ticket). */
      children?: string[];
      /** `all` (default): go on once every sub-ticket is finished; `any`: once the first one is. */
      mode?: 'all' | 'any';
      /** The sub-tickets finished so far. */
      finished?: SubticketFinish[];
      /** Cancel the sub-tickets still open when the step stops waiting for them (default true). */
      cancelUnfinished?: boolean;
    }
  | { kind: 'confirm'; timerKey: string; at: Instant }
  | { kind: 'join'; edgeId: string | null };

/** A sub-ticket that finished: how (`closed`, `cancelled`, `failed` when it could not be opened) and its status. */
export interface SubticketFinish {
  subticketId: string;
  outcome: string;
  status?: string;
}

export interface Token {
  id: string;
  nodeId: string;
  since: Instant;
  waitingFor?: WaitingFor;
}

/** Where the ticket has been: one entry per node visited, keyed by node id (`step.<nodeId>.*` in rules). */
export interface StepState {
  kind: string;
  status: 'active' | 'done' | 'cancelled';
  /** How many times the token entered this node; makes effect keys unique per loop round. */
  visits: number;
  enteredAt: Instant;
  leftAt?: Instant;
  outcome?: string;
  /** `approved` / `rejected` for approvals, `replied` / `timed-out` for waits, ... */
  result?: string;
  assignee?: string;
  team?: string;
  /** The node the token came from on its last entry (used to find earlier human steps for send-back). */
  from?: string;
  /** Extra facts a node records (sub-ticket id, webhook key, ...). */
  detail?: Record<string, unknown>;
}

export type ApproverSlot =
  { kind: 'user'; userId: string } | { kind: 'role'; role: string } | { kind: 'team'; team: string };

export interface ApproverRecord {
  /** Who must decide now (after delegation, the delegate). */
  slot: ApproverSlot;
  /** The approver originally asked, kept on record when the slot was delegated. */
  delegatedFrom?: ApproverSlot[];
  decision?: 'approved' | 'rejected' | 'sent-back' | 'skipped';
  decidedBy?: string;
  at?: Instant;
  comment?: string;
}

export type ApprovalMode = 'single' | 'sequential' | 'any-of' | 'all-of';

export interface ApprovalState {
  mode: ApprovalMode;
  /** Round of this approval (its step visit); earlier rounds are kept in `history`. */
  round: number;
  approvers: ApproverRecord[];
  result?: 'approved' | 'rejected' | 'sent-back';
  history?: { round: number; result?: string; approvers: ApproverRecord[] }[];
}

/** What the server can be asked to do after a commit (each kind needs a handler there). */
export type EffectKind =
  'notify' | 'schedule' | 'cancel-schedule' | 'webhook' | 'open-subticket' | 'cancel-subtickets' | 'survey';

/** An effect a node asks for; the runner adds the deterministic key prefix and the ticket id. */
export interface EffectRequest {
  kind: EffectKind;
  /** Suffix that makes the key unique inside one visit of the node (`notify`, `timer`, ...). */
  keySuffix: string;
  payload: Record<string, unknown>;
}

export interface EventRequest {
  type: string;
  data: Record<string, unknown>;
}

/** How the token goes on once a node has done its part. */
export type NodeNext =
  /** Stay here until a command or signal arrives. */
  | { kind: 'wait'; waitingFor: WaitingFor }
  /** Leave by one outcome (a sourceHandle), or by the single way out when `outcome` is absent. */
  | { kind: 'leave'; outcome?: string }
  /** Let the runner pick ONE outgoing edge by the edges' conditions (exclusive gateway). */
  | { kind: 'choose-one' }
  /** Leave by every outgoing edge at once, one token each (parallel split). */
  | { kind: 'leave-all' }
  /** Park this token until the join is complete; the runner merges parked tokens once `complete`. */
  | { kind: 'join'; complete: boolean }
  /** Jump back to an earlier node (send back), without following an edge. */
  | { kind: 'jump'; nodeId: string }
  /** The ticket reaches a final status; every token ends. */
  | { kind: 'end'; category: StatusCategory; statusKey?: string };

export interface NodeDecision {
  next: NodeNext;
  /** Merged into `steps[nodeId]`. */
  step?: Partial<StepState>;
  /** Replaces `approvals[nodeId]`. */
  approval?: ApprovalState;
  /** Form values to set (already computed). */
  setData?: Record<string, unknown>;
  /** Ticket status to move to while the token is here (a status key of the type, or the first of a category). */
  status?: { category?: StatusCategory; key?: string };
  /** Who works this step (the runner resolves `routing` / team strategies through runtime/assignment). */
  assign?: StepAssignRequest;
  effects?: EffectRequest[];
  events?: EventRequest[];
}

export type StepAssignRequest =
  | { kind: 'routing' }
  | { kind: 'team'; team: string; strategy?: string; skills?: string[] }
  | { kind: 'user'; userId: string }
  | { kind: 'requester-manager' }
  | { kind: 'field'; field: string };

export interface EngineErrorShape {
  code: string;
  message: LocalizedText;
  field?: string;
  /** Every problem when there are several (a form with many wrong fields); `field` names the first. */
  problems?: Problem[];
}

export type Decided = { ok: true; value: NodeDecision } | { ok: false; error: EngineErrorShape };

/** Everything an executor may look at. Read-only by contract (and frozen in tests). */
export interface NodeInput<Config> {
  node: FlowNode;
  config: Config;
  token: Token;
  /** The ticket as it is now (read-only view of runtime/engine TicketState). */
  ticket: TicketView;
  step: StepState;
  now: Instant;
  flow: FlowDefinition;
  /** Edges coming into / going out of this node, in definition order. */
  incoming: FlowEdge[];
  outgoing: FlowEdge[];
  /** Other tokens currently parked at this node (joins count them). */
  tokensHere: Token[];
  /** The edge the token arrived by (absent on start and jumps). */
  viaEdgeId?: string;
  /** Prefix for deterministic keys of this visit: `<ticketId>:<nodeId>:<visit>`. */
  keyPrefix: string;
  env: NodeEnv;
}

export interface NodeEnv {
  /** Adds a duration on the named calendar; returns undefined when the calendar is unknown. */
  addDuration(calendarKey: string | undefined, start: Instant, duration: Duration): Instant | undefined;
  /**
   * Evaluate a json-logic expression over the ticket rule context, with `extra` variables beside it (e.g. the
   * `item` a sub-ticket is opened for); errors become `{ ok: false }`.
   */
  evaluate(
    logic: unknown,
    path: string,
    extra?: Record<string, unknown>,
  ): { ok: true; value: unknown } | { ok: false; error: { code: string; text: LocalizedText } };
  /** Users known to hold a role (empty when the caller passed no directory). */
  roleMembers(role: string): string[];
  /** Members of a team (empty when unknown). */
  teamMembers(team: string): string[];
  /** Ids of earlier human steps on the path the token took to `nodeId`, most recent first. */
  earlierHumanSteps(nodeId: string): string[];
}

/** The parts of a ticket state executors read. */
export interface TicketView {
  id: string;
  typeKey: string;
  status: { category: StatusCategory; key: string };
  priority: string;
  data: Record<string, unknown>;
  requester: { id: string; manager?: string; [key: string]: unknown };
  assignee?: string;
  team?: string;
  watchers: string[];
  steps: Record<string, StepState>;
  approvals: Record<string, ApprovalState>;
}

/** A command addressed to a waiting token, after the engine checked the ticket-level rules. */
export type NodeSignal =
  | { type: 'complete-step'; outcome?: string; comment?: string }
  | { type: 'approve'; comment?: string }
  | { type: 'reject'; comment?: string }
  | { type: 'send-back'; to: string; comment?: string }
  | { type: 'delegate'; to: string; comment?: string }
  | { type: 'timer-fired'; key: string }
  | { type: 'reply-received' }
  | {
      type: 'subticket-finished';
      key: string;
      subticketId?: string;
      number?: string;
      outcome?: string;
      status?: string;
    }
  | { type: 'confirm' }
  | { type: 'reopen' };

export interface SignalActor {
  id: string;
  roles: string[];
  teams: string[];
  kind: 'user' | 'system' | 'requester';
  /**
   * An integration calling with an API key: it reaches records as the system does (`kind: 'system'`), but is not
   * the platform — the commands only the platform sends (a timer firing, a sub-ticket's report, a failed effect)
   * are refused to it as to any person (`actor.system-only`).
   */
  external?: boolean;
}

/** The platform itself (timers, sub-ticket reports, effect failures) — not an integration acting through a key. */
export const isPlatformActor = (actor: Pick<SignalActor, 'kind' | 'external'>): boolean =>
  actor.kind === 'system' && actor.external !== true;

export interface NodeKindModule<Config = Record<string, unknown>> {
  kind: string;
  title: LocalizedText;
  description: LocalizedText;
  /** Palette group in the studio. */
  group: 'event' | 'human' | 'gateway' | 'automation';
  /** A person or a timer must act before the token moves on: cycles through such a node are not automatic. */
  waits(config: Config): boolean;
  /** JSON Schema of `node.data`, with titles/descriptions the studio renders as a property panel. */
  configSchema: JsonSchema;
  /**
   * The kinds of effect the node may ask for with this config (the server refuses to publish, and to start with, a
   * definition asking for a kind it has no handler for). Absent = none.
   */
  effects?(config: Config): EffectKind[];
  /** The sourceHandles the node can leave by; empty = one way out, edges carry no sourceHandle. */
  outcomes(config: Config): string[];
  /** Entering the node: what happens now. */
  execute(input: NodeInput<Config>): Decided;
  /** A signal for a token waiting here. Absent for kinds that never wait. */
  resume?(input: NodeInput<Config>, signal: NodeSignal, actor: SignalActor): Decided;
  /** Signals `actor` may send to a token waiting here (drives allowedCommands). */
  signals?(input: NodeInput<Config>, actor: SignalActor): NodeSignal['type'][];
}
