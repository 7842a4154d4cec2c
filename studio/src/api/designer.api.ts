/**
 * The designer's calls: drafts, validation, publishing, versions, diffs, rollback and simulation of ticket types
 * (`server/definitions/ticket-types.routes.ts` is the contract; `/docs` shows it whole).
 */
import type { Explanation, LocalizedText, Problem } from '../../../runtime/common/types';
import type { DraftDefinition } from '../designer/designer.types';
import { request } from './client';

const base = (key: string): string => `/api/ticket-types/${encodeURIComponent(key)}`;

/** A ticket type as the designer list shows it. */
export interface DesignerTypeSummary {
  key: string;
  name: LocalizedText;
  category: string;
  categoryName?: { 'zh-CN': string; en?: string };
  /** 0 before the first publish. */
  latestVersion: number;
  latestPublishedAt?: string;
  hasUnpublishedChanges?: boolean;
  draftRevision?: number;
  updatedAt?: string;
  updatedBy?: string;
}

export interface DraftView extends DesignerTypeSummary {
  view: 'draft';
  draftRevision: number;
  definition: DraftDefinition;
}

export interface VersionSummary {
  key: string;
  version: number;
  name: LocalizedText;
  category: string;
  note: string;
  publishedAt: string;
  publishedBy: string;
  sha256: string;
  rolledBackFrom?: number;
}

export interface VersionView extends VersionSummary {
  /** Frozen: SLA policy and calendars embedded. */
  definition: Record<string, unknown>;
  /** The draft as it was published. */
  source: DraftDefinition;
}

export interface ValidationReport {
  valid: boolean;
  problems: Problem[];
  draftRevision?: number;
}

/** One side of a diff: a version number or the draft. */
export type DiffSide = number | 'draft';

export interface SimulationSample {
  data: Record<string, unknown>;
  requester?: Record<string, unknown>;
  channel?: string;
  openedAt?: string;
  title?: string;
  /**
   * The decision taken at each waiting step, by node id: approval `approve` | `reject`; task one of its outcomes;
   * confirm `confirm` | `reopen` | `auto-close`; wait `timer` | `reply`; sub-ticket `finished`. A list is taken in
   * order, one entry each time the step asks.
   */
  decisions?: Record<string, string | string[]>;
  /** Steps with no scripted decision take their first choice, so the sample runs to the end. */
  autoDecide?: boolean;
}

export interface SimulatedPathStep {
  nodeId: string;
  kind: string;
  name?: LocalizedText;
  status?: string;
  outcome?: string;
  result?: string;
  assignee?: string;
  team?: string;
  /** The edge the ticket came in by. */
  edgeId?: string;
  /** What was decided here: approve / reject, the outcome, the gateway's edge id… */
  decision?: string;
  decidedBy?: 'script' | 'auto' | 'gateway';
  defaultBranch?: boolean;
}

export interface SimulatedSample {
  index: number;
  title?: string;
  openedAt: string;
  ok: boolean;
  error?: { code: string; field?: string; message?: LocalizedText };
  route?: {
    ruleId?: string;
    ruleIndex?: number;
    isDefault?: boolean;
    team?: string;
    strategy?: string;
    user?: string;
    explanation?: Explanation;
    problems?: Problem[];
  };
  priority?: { value: string; explanation?: Explanation };
  assignment?: { team?: string; assignee?: string; explanation?: Explanation };
  sla?: {
    targetIndex?: number;
    targetId?: string;
    calendar?: string;
    firstResponseDueAt?: string;
    resolutionDueAt?: string;
    firstResponseDueLocal?: string;
    resolutionDueLocal?: string;
    explanation?: Explanation;
    details?: Explanation[];
  };
  path?: {
    steps: SimulatedPathStep[];
    /** Edges taken, in order. */
    edges?: string[];
    waitingAt?: (SimulatedPathStep & {
      waitingFor?: string;
      explanation?: Explanation;
      choices?: string[];
    })[];
    status?: { category: string; key: string };
    ended?: boolean;
    events?: string[];
    decisions?: { nodeId: string; decision: string; by: 'script' | 'auto' }[];
    /** A decision the engine refused: the simulation stopped there. */
    refused?: { nodeId: string; decision: string; code: string; message: LocalizedText };
    limitReached?: boolean;
  };
  [more: string]: unknown;
}

export interface SimulationReport {
  samples: SimulatedSample[];
  problems?: Problem[];
  [more: string]: unknown;
}

export function listTypes(): Promise<DesignerTypeSummary[]> {
  return request<DesignerTypeSummary[]>('/api/ticket-types');
}

export function createType(definition: DraftDefinition): Promise<DraftView> {
  return request<DraftView>('/api/ticket-types', { method: 'POST', body: definition });
}

export function getDraft(key: string): Promise<DraftView> {
  return request<DraftView>(base(key), { query: { view: 'draft' } });
}

/** 409 (`ApiError.status`) when someone saved since `draftRevision`; its body carries `currentRevision`. */
export function saveDraft(
  key: string,
  draftRevision: number,
  definition: DraftDefinition,
): Promise<DraftView> {
  return request<DraftView>(`${base(key)}/draft`, { method: 'PUT', body: { draftRevision, definition } });
}

export function validateDraft(key: string): Promise<ValidationReport> {
  return request<ValidationReport>(`${base(key)}/validate`, { method: 'POST' });
}

export function publishDraft(key: string, note: string, draftRevision?: number): Promise<VersionView> {
  return request<VersionView>(`${base(key)}/publish`, {
    method: 'POST',
    body: draftRevision === undefined ? { note } : { note, draftRevision },
  });
}

export function listVersions(key: string): Promise<VersionSummary[]> {
  return request<VersionSummary[]>(`${base(key)}/versions`);
}

export function getVersion(key: string, version: number): Promise<VersionView> {
  return request<VersionView>(`${base(key)}/versions/${version}`);
}

/** One change between two sides (runtime/definitions/diff.ts `DefinitionChange`). */
export interface DefinitionChange {
  /** Pointer into the newer side (into the older one for a removal). */
  path: string;
  kind: 'added' | 'removed' | 'changed' | 'moved';
  before?: unknown;
  after?: unknown;
  where: LocalizedText;
  text: LocalizedText;
}

export interface DiffResult {
  from: DiffSide;
  to: DiffSide;
  diff: DefinitionChange[];
}

export function diffSides(key: string, from: DiffSide, to: DiffSide): Promise<DiffResult> {
  return request<DiffResult>(`${base(key)}/diff`, { query: { from: String(from), to: String(to) } });
}

export interface RollbackResult extends VersionSummary {
  /** The draft followed the version (it had no unpublished changes). */
  draftRestored: boolean;
}

/** Where the open tickets of a published version wait now. */
export interface FlowPositions {
  key: string;
  version: number;
  open: number;
  /** Open tickets waiting at each node, by node id. */
  nodes: Record<string, number>;
  /** Open tickets last written before positions were recorded. */
  unplaced: number;
  /** Counts stop at this many. */
  max: number;
}

export function flowPositions(key: string, version: number): Promise<FlowPositions> {
  return request<FlowPositions>(`${base(key)}/versions/${version}/positions`);
}

/** Publish an older version again, unchanged, as the newest version (the server's rollback). */
export function rollback(key: string, version: number, note?: string): Promise<RollbackResult> {
  return request<RollbackResult>(`${base(key)}/rollback`, {
    method: 'POST',
    body: note === undefined ? { version } : { version, note },
  });
}

export function simulate(key: string, samples: SimulationSample[]): Promise<SimulationReport> {
  return request<SimulationReport>(`${base(key)}/simulate`, { method: 'POST', body: { samples } });
}
