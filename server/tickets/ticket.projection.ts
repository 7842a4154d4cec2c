import type { TicketState } from '../../runtime/engine/types.js';
import { flowActorsOf, type FlowActors } from './ticket.actors.js';

/**
 * The `tickets` collection: one document per ticket, a projection of its commits that lists, filters, sorts and
 * reports read. It can always be rebuilt from the commits (see ticket.service.ts `rebuild`). The full runtime
 * state rides along as a JSON string (form data may hold shapes FerretDB cannot store as documents); the flat
 * fields beside it are what queries use.
 */
export const TICKETS_COLLECTION = 'tickets';

/** Sort key for tickets with no running SLA clock: after every real due time. */
export const NO_DUE = new Date('9999-12-31T00:00:00.000Z');

export const PRIORITY_RANK: Record<string, number> = { urgent: 0, high: 1, medium: 2, low: 3 };

export interface SlaProjection {
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  /** Earliest due instant of a running clock; NO_DUE when none runs. Lists sort by it. */
  slaDueAt: Date;
  highlight: 'warning' | 'breached' | null;
  firstResponseBreached: 0 | 1;
  resolutionBreached: 0 | 1;
  slaPaused: boolean;
  /** Calendar key of the clock due first (`slaDueAt`): time left is counted in its business time. */
  slaCalendar?: string | null;
  /** Business minutes that clock has left when it is paused (they stand still until it runs again), else null. */
  slaPausedLeft?: number | null;
}

export interface ReportingProjection {
  /** Period buckets of creation, in the ticket type calendar's zone. */
  createdDay: string;
  createdWeek: string;
  createdMonth: string;
  resolvedDay: string | null;
  resolvedWeek: string | null;
  resolvedMonth: string | null;
  firstResponseMinutes: number | null;
  firstResponseBusinessMinutes: number | null;
  resolutionMinutes: number | null;
  resolutionBusinessMinutes: number | null;
  /** 0/1 flags so reports can `$sum` them. */
  resolved: 0 | 1;
  breached: 0 | 1;
  slaMet: 0 | 1;
  reopenCount: number;
  transferCount: number;
  fcr: 0 | 1;
  rated: 0 | 1;
  satisfied: 0 | 1;
  neutral: 0 | 1;
  dissatisfied: 0 | 1;
  open: 0 | 1;
}

export interface TicketDoc extends SlaProjection, ReportingProjection, FlowActors {
  _id: string;
  number: string;
  typeKey: string;
  typeVersion: number;
  category: string;
  title: string;
  /** Lower-cased title, description and number for the text filter (no $text on FerretDB). */
  searchText: string;
  statusCategory: string;
  statusKey: string;
  priority: string;
  priorityRank: number;
  team: string | null;
  assignee: string | null;
  requesterId: string;
  watchers: string[];
  assistants: string[];
  channel: string;
  tags: string[];
  /**
   * Flow nodes the ticket's tokens are at now (empty once it ended): the live overlay counts open tickets per
   * node and the list filters by one (`GET /api/tickets?type=…&node=…`).
   */
  atNodes: string[];
  createdAt: Date;
  updatedAt: Date;
  /** Sequence of the last commit folded in, and its hash (the audit chain head). */
  version: number;
  headHash: string;
  state: string;
}

export const OPEN_CATEGORIES = new Set(['new', 'open', 'pending']);

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The flat fields of the projection that do not need the calendar or SLA module. */
export function baseProjection(
  state: TicketState,
  meta: { category: string; headHash: string },
): Omit<TicketDoc, keyof SlaProjection | keyof ReportingProjection> {
  return { ...listingFields(state, meta), state: JSON.stringify(state) };
}

/** `baseProjection` without the state itself (its JSON text): the fields lists, filters and access read. */
export function listingFields(
  state: TicketState,
  meta: { category: string; headHash: string },
): Omit<TicketDoc, keyof SlaProjection | keyof ReportingProjection | 'state'> {
  const actors = flowActorsOf(state);
  const title = text(state.data.title) || text(state.data.subject) || state.number;
  const description = text(state.data.description);
  return {
    _id: state.id,
    number: state.number,
    typeKey: state.typeKey,
    typeVersion: state.typeVersion,
    category: meta.category,
    title,
    searchText: `${state.number} ${title} ${description}`.toLowerCase().slice(0, 4000),
    statusCategory: state.status.category,
    statusKey: state.status.key,
    priority: state.priority,
    priorityRank: PRIORITY_RANK[state.priority] ?? 9,
    team: state.team ?? null,
    assignee: state.assignee ?? null,
    requesterId: state.requester.id,
    watchers: state.watchers,
    assistants: state.assistants,
    awaitingApproval: actors.awaitingApproval,
    awaitingStep: actors.awaitingStep,
    involved: actors.involved,
    channel: state.channel,
    tags: state.tags,
    atNodes: [...new Set(state.tokens.map((token) => token.nodeId))],
    createdAt: new Date(state.createdAt),
    updatedAt: new Date(state.updatedAt),
    version: state.version,
    headHash: meta.headHash,
  };
}

/**
 * The fields of the projection that a held write may leave behind in the database for a while: its bookkeeping
 * (version, head, time of the last change; the state itself is not compared). Every other flat field (status,
 * team, assignee, the people involved, the flow's nodes, tags…) must be unchanged for a projection to wait.
 */
const BOOKKEEPING_FIELDS = new Set(['version', 'headHash', 'updatedAt']);

/**
 * Whether the projections of `before` and `after` agree on every flat field other than the bookkeeping, the SLA
 * and the reporting ones: who may see and work the ticket, where it is and how lists filter it are the same.
 */
export function sameListing(before: TicketState, after: TicketState): boolean {
  const meta = { category: '', headHash: '' };
  const left = listingFields(before, meta) as unknown as Record<string, unknown>;
  const right = listingFields(after, meta) as unknown as Record<string, unknown>;
  for (const key of Object.keys(right)) {
    if (BOOKKEEPING_FIELDS.has(key)) continue;
    if (JSON.stringify(left[key]) !== JSON.stringify(right[key])) return false;
  }
  return true;
}
