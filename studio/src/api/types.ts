/** Shapes of the HTTP API the studio uses (see the API contract); the runtime's shared types are reused. */
import type {
  Explanation,
  Locale,
  LocalizedText,
  Priority,
  StatusCategory,
} from '../../../runtime/common/types';
import type { CommandName } from '../../../runtime/engine/types';
import type { FormDefinition } from '../../../runtime/form/form.types';

export type { CommandName, Explanation, FormDefinition, Locale, LocalizedText, Priority, StatusCategory };
export { PRIORITIES, STATUS_CATEGORIES } from '../../../runtime/common/types';

export const ROLES = ['admin', 'designer', 'agent', 'requester'] as const;
export type Role = (typeof ROLES)[number];

export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];

export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
}

export interface LoginAnswer {
  token: string;
  user: SessionUser;
}

export interface Me extends SessionUser {
  email: string;
  /** Keys of the teams the person works in, and of those they supervise. */
  teams: string[];
  supervises?: string[];
  locale: Locale;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string;
  roles: Role[];
  locale: Locale;
  department?: string;
  /** Requester attributes routing and priority rules read (`requester.level`, `requester.<custom key>`). */
  level?: string;
  location?: string;
  costCenter?: string;
  attributes?: Record<string, RequesterAttributeValue>;
  /** Calendar key of the person's working hours (escalations wait for them); absent: the team's or the organisation's. */
  calendar?: string;
  /** The user id of this user's manager (approvals can go to "the requester's manager"). */
  manager?: string;
  active: boolean;
  createdAt?: string;
}

export type RequesterAttributeValue = string | number | boolean;

/** Custom attribute keys may not reuse these names (the server refuses them). */
export const RESERVED_ATTRIBUTE_KEYS = [
  'id',
  'name',
  'email',
  'locale',
  'level',
  'department',
  'location',
  'costCenter',
  'manager',
  'attributes',
  'calendar',
] as const;

/** One attribute a rule may read on the requester (`GET /api/requester-attributes`). */
export interface RequesterAttribute {
  var: string;
  key: string;
  label: LocalizedText;
  type: 'string' | 'number' | 'boolean';
  source: 'built-in' | 'custom';
  values: RequesterAttributeValue[];
}

export interface UserCreate {
  username: string;
  displayName: string;
  email: string;
  /** Without one the person cannot sign in until an admin sets it. */
  password?: string;
  roles: Role[];
  locale: Locale;
  department?: string;
  level?: string;
  location?: string;
  costCenter?: string;
  attributes?: Record<string, RequesterAttributeValue>;
  calendar?: string;
  manager?: string;
  active: boolean;
}

type Clearable = 'department' | 'level' | 'location' | 'costCenter' | 'attributes' | 'calendar' | 'manager';

/** Only what changes; `null` clears department, attributes, calendar and manager. */
export type UserPatch = Partial<Omit<UserCreate, 'username' | Clearable>> & {
  [Field in Clearable]?: UserCreate[Field] | null;
};

/** One page of a collection. */
export interface Page<T> {
  items: T[];
  total: number;
}

export interface TeamMember {
  userId: string;
  /** Skill name → level 1 (beginner) … 5 (expert). */
  skills: Record<string, number>;
  /** Most open tickets this member should hold at once. */
  capacity?: number;
  /** ISO date-time; until then assignment skips this member. */
  awayUntil?: string;
}

/** A team as sent to the server (PUT replaces the whole team). */
export interface TeamInput {
  key: string;
  name: LocalizedText;
  supervisor?: string;
  backupTeam?: string;
  /** Calendar key of the team's working hours (escalations wait for them); absent: the organisation's. */
  calendar?: string;
  members: TeamMember[];
}

export interface Team extends TeamInput {
  id: string;
  createdAt: string;
  updatedAt: string;
}

/** What an integration key may do; the server accepts exactly these. */
export const API_KEY_SCOPES = [
  'tickets:read',
  'tickets:write',
  'channels:write',
  'records:write',
  'analytics:read',
  'definitions:read',
  'people:write',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKey {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  lastUsedAt?: string;
  /** Set once revoked; the key answers 401 from then on but stays listed for the record. */
  revokedAt?: string;
}

export interface CreatedApiKey extends ApiKey {
  /** The secret itself: returned once, never again. */
  key: string;
}

export interface Health {
  status: 'ok' | 'unavailable';
  db: 'ok' | 'down';
  details?: {
    role?: string;
    uptimeSeconds?: number;
    /** The worker's last beat and its age by the server's clock (so a skewed browser clock does not matter). */
    worker?: { heartbeatAt?: string | null; ageSeconds?: number | null };
  };
}

// ---- Ticket types (definitions as the portal and the agent console read them) --------------------------------

/** What people call a category of ticket types, when its definition names it (else the studio's word, then the key). */
export interface CategoryName {
  'zh-CN': string;
  en?: string;
}

export interface TicketTypeSummary {
  key: string;
  name: LocalizedText;
  category: string;
  categoryName?: CategoryName;
  /** 0 before the first publish: such a type cannot be opened yet. */
  latestVersion: number;
  latestPublishedAt?: string;
}

export interface StatusDefinition {
  key: string;
  name?: LocalizedText;
}

export interface FlowNodeDefinition {
  id: string;
  type: string;
  data?: Record<string, unknown>;
}

export interface FlowEdgeDefinition {
  id: string;
  source: string;
  target: string;
  sourceHandle?: string | null;
  data?: { label?: LocalizedText; [key: string]: unknown };
}

/**
 * A published definition: requesters receive only its names, statuses and form; staff the whole of it (the flow
 * included, which names steps and their outcomes).
 */
export interface TicketTypeDefinition {
  key: string;
  name: LocalizedText;
  description?: LocalizedText;
  category?: string;
  categoryName?: CategoryName;
  statuses?: Partial<Record<StatusCategory, StatusDefinition[]>>;
  form?: FormDefinition;
  flow?: { nodes: FlowNodeDefinition[]; edges: FlowEdgeDefinition[] };
}

export interface PublishedTicketType {
  key: string;
  name: LocalizedText;
  category: string;
  latestVersion: number;
  version: number;
  definition: TicketTypeDefinition;
}

// ---- Tickets -----------------------------------------------------------------------------------------------------

export const TICKET_CHANNELS = [
  'web',
  'portal',
  'email',
  'phone',
  'social',
  'api',
  'alert',
  'schedule',
  'erp',
  'crm',
  'oa',
  'chat',
  'walk-in',
] as const;
export type TicketChannel = (typeof TICKET_CHANNELS)[number];
/** Channels an agent records when typing in a ticket received some other way. */
export const AGENT_ENTRY_CHANNELS: readonly TicketChannel[] = [
  'web',
  'phone',
  'chat',
  'walk-in',
  'email',
  'social',
];

export type TicketHighlight = 'warning' | 'breached';

export interface TicketSummary {
  id: string;
  number: string;
  type: string;
  title: string;
  status: { category: StatusCategory; key: string };
  priority: Priority;
  team: string | null;
  assignee: string | null;
  requester: string;
  channel: string;
  /** The nearest SLA due time (first response, else resolution); null when no clock runs. */
  slaDueAt: string | null;
  /** Time left on that clock, counted as the ticket page counts it (lists only). */
  slaLeft?: TimeLeftView | null;
  firstResponseDueAt?: string | null;
  resolutionDueAt?: string | null;
  highlight: TicketHighlight | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface TicketPage {
  items: TicketSummary[];
  nextCursor: string | null;
  /** Names of the assignees and teams of these tickets. */
  names?: NameBook;
}

/** Display names of the people and teams an answer mentions, resolved by the server for this reader. */
export interface NameBook {
  users: Record<string, string>;
  teams: Record<string, LocalizedText>;
}

/**
 * "Time left" on an SLA clock, as the server counts it: business minutes of the clock's calendar between `asOf`
 * and the due time (negative once overdue; standing still while paused), with the working intervals of the next
 * two days (epoch ms; null when the calendar always works) so a page counts down on its own.
 */
export interface TimeLeftView {
  minutes: number;
  asOf: string;
  calendar: string;
  calendarName: LocalizedText;
  zone: string;
  business: boolean;
  paused: boolean;
  working: [number, number][] | null;
}

export type TicketSort =
  | 'sla'
  | 'created'
  | '-created'
  | 'updated'
  | '-updated'
  | 'priority'
  /** Longest first by a measured duration (only measured tickets): a percentile's drill-down. */
  | '-firstResponse'
  | '-firstResponseBusiness'
  | '-resolution'
  | '-resolutionBusiness';

export interface TicketListQuery {
  status?: string;
  type?: string;
  /** With `type`: only tickets running this published version. */
  version?: number;
  /** With `type`: only tickets waiting at this flow node now. */
  node?: string;
  team?: string;
  assignee?: string;
  requester?: string;
  priority?: string;
  channel?: string;
  text?: string;
  /** Waiting for me now: `approval` (my approvals), `step` (my steps), `me` (either). */
  awaiting?: 'me' | 'approval' | 'step';
  /** Tickets whose flow names me, now or before. */
  involved?: 'me';
  sort?: TicketSort;
  limit?: number;
  cursor?: string;
  /** From a report (server/analytics): created on or after / before these days (YYYY-MM-DD). */
  createdFrom?: string;
  createdTo?: string;
  createdWeek?: string;
  createdMonth?: string;
  /** Created at or after / before these instants. */
  createdAfter?: string;
  createdBefore?: string;
  category?: string;
  /** Created on this weekday (1 Monday … 7 Sunday) / in this hour (0–23), in the report zone; need the days. */
  createdWeekday?: string;
  createdHour?: string;
  /** Measured durations of at least so many minutes (a percentile's drill-down). */
  firstResponseAtLeast?: string;
  firstResponseBusinessAtLeast?: string;
  resolutionAtLeast?: string;
  resolutionBusinessAtLeast?: string;
  /** Reporting facts, comma-separated, each optionally negated with "!" (breached, fcr, open…). */
  flag?: string;
}

/** A colleague who may be @mentioned on a ticket. */
export interface MentionablePerson {
  id: string;
  username: string;
  displayName: string;
}

/** How many approvals and steps wait for me (the bell). */
export interface AwaitingCounts {
  approvals: number;
  steps: number;
}

export interface SlaClockView {
  state: 'running' | 'paused' | 'stopped';
  target: { amount: number; unit: string };
  calendar: string;
  startedAt: string;
  dueAt: string | null;
  warnAt: string | null;
  stoppedAt: string | null;
  pausedMinutes: number;
  /** In minutes of the clock's calendar (business minutes on a business calendar); negative once breached. */
  remainingMinutes: number | null;
  /** Time left while the clock runs or is paused (null once stopped). */
  left?: TimeLeftView | null;
  /** Time zone of the clock's calendar. */
  zone?: string;
  fractionUsed: number;
  warned: boolean;
  breached: boolean;
}

export interface TicketStep {
  nodeId: string;
  kind: string;
  status: 'active' | 'done' | 'cancelled';
  visits: number;
  enteredAt: number;
  leftAt?: number;
  outcome?: string;
  result?: string;
  assignee?: string;
  team?: string;
}

export interface ApproverRecord {
  slot: { kind: 'user'; userId: string } | { kind: 'role'; role: string } | { kind: 'team'; team: string };
  decision?: 'approved' | 'rejected' | 'sent-back' | 'skipped';
  decidedBy?: string;
  at?: number;
  comment?: string;
}

export interface ApprovalView {
  mode: 'single' | 'sequential' | 'any-of' | 'all-of';
  round: number;
  approvers: ApproverRecord[];
  result?: 'approved' | 'rejected' | 'sent-back';
}

export type SurveyRating = 'satisfied' | 'neutral' | 'dissatisfied';
export const SURVEY_RATINGS: readonly SurveyRating[] = ['satisfied', 'neutral', 'dissatisfied'];

export interface TicketParentLink {
  id: string;
  number: string;
  typeKey: string;
  nodeId: string;
}

export interface TicketSubticketLink {
  id: string;
  number: string;
  typeKey: string;
  nodeId: string;
  openedAt: number;
  /** `closed`, `cancelled`, or `failed` (could not be opened); absent while it runs. */
  outcome?: string;
  status?: string;
  finishedAt?: number;
  error?: string;
}

export interface TicketView extends TicketSummary {
  typeVersion: number;
  data: Record<string, unknown>;
  requesterName?: string;
  watchers: string[];
  assistants: string[];
  tags: string[];
  /** The ticket whose flow step opened this one (when this is a sub-ticket). */
  parent?: TicketParentLink;
  /** Sub-tickets this ticket's flow opened, with how each ended once it has. */
  subtickets?: TicketSubticketLink[];
  sla: { firstResponse: SlaClockView | null; resolution: SlaClockView | null };
  steps: TicketStep[];
  tokens: { id: string; nodeId: string; since: number; waitingFor?: { kind: string } }[];
  approvals: Record<string, ApprovalView>;
  /** Why routing, priority, assignment and the SLA target are what they are (staff only). */
  explanations: Partial<Record<string, Explanation>>;
  flags: {
    resolvedAt?: number;
    closedAt?: number;
    reopenCount: number;
    rating?: { value: SurveyRating; comment?: string; at: number };
  };
  allowedCommands: CommandName[];
  /** Names of the people and teams the ticket mentions. */
  names?: NameBook;
}

/** One commit of the audit trail: who did what, and the events it wrote. */
export interface TicketCommit {
  seq: number;
  at: string;
  actor: { id: string; kind: 'user' | 'system' | 'requester'; name?: string };
  command: string;
  hash: string;
  events: TicketEventView[];
}

export interface TicketEventView {
  type: string;
  at: number;
  data?: Record<string, unknown>;
}

/** A command as the ticket page sends it (the version is added by the page). */
export type TicketCommandInput = { command: Exclude<CommandName, 'open'> } & Record<string, unknown>;

/** Sends a command with the version on screen; resolves true when it went through. */
export type TicketCommandRunner = (command: TicketCommandInput) => Promise<boolean>;

export interface OpenTicketInput {
  type: string;
  data: Record<string, unknown>;
  channel?: TicketChannel;
  /** Staff registering a ticket for someone: that person's id (absent: the caller). */
  requester?: string;
}

// ---- Notifications -----------------------------------------------------------------------------------------------

export interface InAppNotification {
  id: string;
  ticketId: string;
  ticketNumber: string;
  template: string;
  subject: string;
  /** HTML with every inserted value escaped; the bell shows `text`. */
  body: string;
  text: string;
  link: string | null;
  createdAt: string;
  readAt: string | null;
}

// ---- Public pages (signed links, no sign-in) ---------------------------------------------------------------------

export interface PublicTicketSummary {
  number: string;
  title: string;
  status: { category: StatusCategory; key: string; name: LocalizedText };
  /** The requester's language: what a signed-link page speaks when the browser's language is neither of ours. */
  requesterLocale?: Locale;
}

export interface ConfirmPageAnswer {
  ticket: PublicTicketSummary;
  choices: ('confirm' | 'reopen')[];
  expiresAt: string;
}

export interface ConfirmResult {
  result: 'confirmed' | 'reopened';
  ticket: PublicTicketSummary;
}

export interface SurveyPageAnswer {
  ticket: PublicTicketSummary;
  choices: SurveyRating[];
  rating: SurveyRating | null;
  expiresAt: string;
}

export interface SurveyResult {
  rating: SurveyRating;
  ticket: PublicTicketSummary;
}
