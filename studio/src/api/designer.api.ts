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
    waitingAt?: (SimulatedPathStep & { waitingFor?: string; explanation?: Explanation })[];
    status?: { category: string; key: string };
    ended?: boolean;
    events?: string[];
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

export function diffSides(key: string, from: DiffSide, to: DiffSide): Promise<unknown> {
  return request<unknown>(`${base(key)}/diff`, { query: { from: String(from), to: String(to) } });
}

export function rollback(key: string, version: number, note?: string): Promise<unknown> {
  return request<unknown>(`${base(key)}/rollback`, {
    method: 'POST',
    body: note === undefined ? { version } : { version, note },
  });
}

export function simulate(key: string, samples: SimulationSample[]): Promise<SimulationReport> {
  return request<SimulationReport>(`${base(key)}/simulate`, { method: 'POST', body: { samples } });
}
