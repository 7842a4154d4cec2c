/**
 * The ticket as the engine sees it — plain JSON, versioned (`stateVersion`), stored as is and read back — and the
 * commands, context, events and effects of `decide()`.
 */
import type {
  Explanation,
  Instant,
  LocalizedText,
  Locale,
  Priority,
  StatusCategory,
} from '../common/types.js';
import type { TeamState } from '../assignment/index.js';
import type {
  ApprovalState,
  EffectKind,
  EngineErrorShape,
  FlowDefinition,
  StepState,
  Token,
} from '../flow/types.js';
import type { PriorityDefinition, RoutingRules } from '../routing/index.js';
import type { WorkingHours } from '../sla/index.js';
import type { BusinessCalendar } from '../time/index.js';

export const STATE_VERSION = 1 as const;

export interface Requester {
  id: string;
  name?: string;
  email?: string;
  /** Customer level (vip, ...), department, manager: what routing and approval rules look at. */
  level?: string;
  department?: string;
  manager?: string;
  locale?: Locale;
  [attribute: string]: unknown;
}

/**
 * A record in another system the ticket relates to (an ERP order, a CRM opportunity, an asset). Identified by
 * `system` + `type` + `id`; `system` and `type` compare case-insensitively, `id` exactly.
 */
export interface TicketLink {
  system: string;
  type: string;
  id: string;
  /** http(s) only. */
  url?: string;
  title?: string;
  addedBy: string;
  at: Instant;
}

export type SurveyRating = 'satisfied' | 'neutral' | 'dissatisfied';

/** The ticket a sub-ticket was opened from, and the step that opened it. */
export interface ParentLink {
  id: string;
  number: string;
  typeKey: string;
  nodeId: string;
  /** The parent's `open-subticket` effect key (one per sub-ticket). */
  key: string;
  /** The key the parent's step waits under (absent when it does not wait). */
  waitKey?: string;
}

/** A sub-ticket opened from this ticket: recorded when it is opened, its outcome when it finishes. */
export interface SubticketLink {
  id: string;
  number: string;
  typeKey: string;
  nodeId: string;
  key: string;
  openedAt: Instant;
  /** `closed`, `cancelled`, or `failed` (it could not be opened); absent while it runs. */
  outcome?: string;
  /** Its final status key. */
  status?: string;
  finishedAt?: Instant;
  /** Why it could not be opened. */
  error?: string;
}

export interface TicketFlags {
  firstResponseAt?: Instant;
  firstResponseBy?: string;
  resolvedAt?: Instant;
  closedAt?: Instant;
  cancelledAt?: Instant;
  reopenCount: number;
  transferCount: number;
  /** Distinct people the ticket was assigned to, in order (first-contact resolution looks at it). */
  assignees: string[];
  rating?: { value: SurveyRating; comment?: string; at: Instant; by: string };
  /** List highlight set by SLA escalations. */
  highlight?: 'warning' | 'breached';
}

export interface TicketState {
  stateVersion: typeof STATE_VERSION;
  id: string;
  typeKey: string;
  typeVersion: number;
  number: string;
  channel: string;
  status: { category: StatusCategory; key: string };
  priority: Priority;
  data: Record<string, unknown>;
  requester: Requester;
  assignee?: string;
  team?: string;
  watchers: string[];
  /** People asked to help (request-assist); they may comment and see internal notes. */
  assistants: string[];
  tags: string[];
  /**
   * Links to records in other systems. Optional so states stored before links existed read as they are (absent =
   * no links) without a `stateVersion` bump; read it through `linksOf(state)`.
   */
  links?: TicketLink[];
  /** The ticket this one was opened from by a flow step (optional: absent on ordinary tickets). */
  parent?: ParentLink;
  /** Sub-tickets this ticket's flow opened, in the order they were opened (optional, like `links`). */
  subtickets?: SubticketLink[];
  /** Keys of effects the server could not run and reported on the ticket (each reported once). */
  failedEffects?: string[];
  tokens: Token[];
  steps: Record<string, StepState>;
  approvals: Record<string, ApprovalState>;
  /** SLA clocks, owned by runtime/sla (plain JSON). */
  sla?: unknown;
  /** Why routing, priority, assignment and SLA targets are what they are. */
  explanations: Record<string, Explanation>;
  /** Sequence of the last event of this ticket. */
  version: number;
  createdAt: Instant;
  updatedAt: Instant;
  flags: TicketFlags;
  /** Counter for token ids, so ids are deterministic. */
  tokenSeq: number;
}

export interface EngineActor {
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

export type { TeamState, TeamMember } from '../assignment/index.js';

export interface EngineContext {
  now: Instant;
  actor: EngineActor;
  /** Compiled business calendars by key (the presets `cn-standard` and `24x7` are always known). */
  calendars: Record<string, BusinessCalendar>;
  teams?: Record<string, TeamState>;
  /** Users holding each role, when the caller knows them (all-of approvals by role expand to them). */
  roleMembers?: Record<string, string[]>;
  /** People's and teams' own calendars: "business hours only" escalations wait for their recipient's hours. */
  workingHours?: WorkingHours;
  idempotencyKey?: string;
  /** Bound on node visits in one decide (guards against automatic cycles). */
  maxVisits?: number;
}

export interface TicketEvent {
  type: string;
  at: Instant;
  actor: { id: string; kind: EngineActor['kind'] };
  data: Record<string, unknown>;
}

/** Something for the server to do after storing the events; `key` is deterministic for idempotency. */
export interface TicketEffect {
  /**
   * The engine's kinds, or `server.<name>`: an effect the server adds to a commit it stores (an event trigger that
   * matched, the record-link index), so that the reconciler runs it again after a crash like any other.
   */
  kind: EffectKind | 'assign-cursor' | `server.${string}`;
  key: string;
  ticketId: string;
  [payload: string]: unknown;
}

export type DecideResult =
  | { ok: true; state: TicketState; events: TicketEvent[]; effects: TicketEffect[] }
  | { ok: false; error: EngineError };

export type EngineError = EngineErrorShape;

export type CommandName = Command['command'];

export interface OpenCommand {
  command: 'open';
  id: string;
  number: string;
  /** The published version of the type; `definition.version` (else 1) when absent. */
  typeVersion?: number;
  data: Record<string, unknown>;
  requester: Requester;
  channel?: string;
  watchers?: string[];
  tags?: string[];
  /** Set when a flow step of another ticket opens this one (a sub-ticket). */
  parent?: ParentLink;
  /**
   * The team whose queue takes the ticket (a channel's or a trigger's team): in place of the team and person the
   * routing rules would pick; their priority, tags and watchers still apply. Unknown to the context: refused.
   */
  team?: string;
  /** Records in other systems the ticket is about, linked by the open itself (as `link` would, by its opener). */
  links?: OpenLink[];
}

/** A link an open carries: what `link` takes. */
export type OpenLink = Omit<LinkCommand, 'command'>;

/** The server opened (or could not open) a sub-ticket a step of this ticket asked for. */
export interface SubticketOpenedCommand {
  command: 'subticket-opened';
  /** The `open-subticket` effect's key. */
  key: string;
  subticketId: string;
  number?: string;
  typeKey: string;
  nodeId?: string;
  /** Why it could not be opened (then it counts as finished with the outcome `failed`). */
  error?: string;
}

export type Command =
  | OpenCommand
  | { command: 'submit'; data: Record<string, unknown>; nodeId?: string }
  | { command: 'claim'; nodeId?: string }
  | { command: 'assign'; assignee?: string; team?: string; nodeId?: string }
  | { command: 'transfer'; assignee?: string; team?: string; reason?: string }
  | { command: 'request-assist'; users: string[]; comment?: string }
  | {
      command: 'comment';
      body: string;
      visibility: 'public' | 'internal';
      mentions?: string[];
      attachments?: string[];
    }
  | {
      command: 'complete-step';
      nodeId?: string;
      outcome?: string;
      data?: Record<string, unknown>;
      comment?: string;
    }
  | { command: 'approve'; nodeId?: string; comment?: string }
  | { command: 'reject'; nodeId?: string; comment?: string }
  | { command: 'send-back'; nodeId?: string; to: string; comment?: string }
  | { command: 'delegate'; nodeId?: string; to: string; comment?: string }
  | { command: 'set-status'; status: string; reason?: string }
  | { command: 'resolve'; comment?: string }
  | { command: 'confirm' }
  | { command: 'reopen'; reason?: string }
  | { command: 'cancel'; reason?: string }
  | { command: 'rate'; rating: SurveyRating; comment?: string }
  | { command: 'timer-fired'; key: string }
  | {
      command: 'subticket-finished';
      key: string;
      subticketId?: string;
      /** The sub-ticket's number, for the parent's trail. */
      number?: string;
      outcome?: string;
      status?: string;
    }
  | SubticketOpenedCommand
  | { command: 'effect-failed'; key: string; kind: string; reason: string }
  | { command: 'reply-received'; body?: string }
  | { command: 'watch'; user?: string }
  | { command: 'unwatch'; user?: string }
  | LinkCommand
  | { command: 'unlink'; system: string; type: string; id: string };

export interface LinkCommand {
  command: 'link';
  system: string;
  type: string;
  id: string;
  url?: string;
  title?: string;
}

export const COMMAND_NAMES = [
  'open',
  'submit',
  'claim',
  'assign',
  'transfer',
  'request-assist',
  'comment',
  'complete-step',
  'approve',
  'reject',
  'send-back',
  'delegate',
  'set-status',
  'resolve',
  'confirm',
  'reopen',
  'cancel',
  'rate',
  'timer-fired',
  'subticket-finished',
  'subticket-opened',
  'effect-failed',
  'reply-received',
  'watch',
  'unwatch',
  'link',
  'unlink',
] as const satisfies readonly CommandName[];

/**
 * The parts of a published ticket type the engine runs (runtime/definitions owns the full schema). Running tickets
 * keep the version they started on.
 */
export interface EngineDefinition {
  key: string;
  version?: number;
  name?: LocalizedText;
  statuses?: Partial<Record<StatusCategory, { key: string; name?: LocalizedText }[]>>;
  form?: unknown;
  priority?: PriorityDefinition;
  routing?: RoutingRules;
  sla?: unknown;
  flow: FlowDefinition;
  notifications?: Record<string, unknown>;
}

export type { LocalizedText };
