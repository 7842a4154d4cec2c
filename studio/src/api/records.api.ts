import { request } from './client';
import type { LocalizedText, Page } from './types';

/** Records from other systems and the triggers that open tickets from them (server/channels/records). */

export interface LinkedTicket {
  id: string;
  number: string;
}

export interface ExternalRecord {
  system: string;
  type: string;
  id: string;
  title: string;
  owner?: string;
  url?: string;
  data: Record<string, unknown>;
  updatedAt: string;
  receivedAt: string;
  createdAt: string;
  tickets: LinkedTicket[];
}

export interface RecordQuery {
  system?: string;
  type?: string;
  owner?: string;
  q?: string;
  linked?: boolean;
  limit?: number;
  offset?: number;
}

export interface RecordSystem {
  key: string;
  name: LocalizedText;
  types: { key: string; name: LocalizedText }[];
  urlTemplate?: string;
  registered: boolean;
  records: number;
  updatedAt: string | null;
}

export type TriggerKind = 'schedule' | 'event';
export type TriggerRepeat = 'never' | 'day' | 'week' | 'month' | 'run';

export const TRIGGER_EVENTS = [
  'ticket.opened',
  'priority.changed',
  'status.changed',
  'ticket.assigned',
  'ticket.transferred',
  'ticket.resolved',
  'ticket.cancelled',
  'ticket.rated',
  'sla.step',
  'reply.received',
  'comment.added',
] as const;

/** What the editor sends. */
export interface TriggerInput {
  name: string;
  description?: string;
  enabled?: boolean;
  kind: TriggerKind;
  schedule?: string;
  timezone?: string;
  source?: { system: string; type: string };
  events?: string[];
  condition?: unknown;
  ticketType: string;
  team?: string;
  requester?: string;
  requesterFromOwner?: boolean;
  channel?: string;
  mapping?: Record<string, unknown>;
  repeat?: TriggerRepeat;
}

export interface TriggerRun {
  runId: string;
  startedAt: string;
  finishedAt?: string;
  status: 'running' | 'finished' | 'failed';
  reason: 'schedule' | 'manual' | 'event';
  scheduledAt?: string;
  period?: string;
  attempt?: number;
  error?: string;
  failures?: { record: string; reason: string }[];
  examined: number;
  matched: number;
  opened: number;
  existing: number;
  failed: number;
}

export interface Trigger extends TriggerInput {
  id: string;
  enabled: boolean;
  timezone: string;
  requesterFromOwner: boolean;
  channel: string;
  mapping: Record<string, unknown>;
  repeat: TriggerRepeat;
  nextRunAt?: string;
  upcoming: string[];
  lastRun?: TriggerRun;
  revision: number;
  createdAt: string;
  updatedAt: string;
  updatedBy?: string;
}

export interface TriggerPreviewItem {
  source: string;
  title?: string;
  matched: boolean;
  ticketId?: string;
  exists?: boolean;
  requester?: { id: string; name?: string };
  data?: Record<string, unknown>;
  problems?: { field?: string; text: Partial<LocalizedText> }[];
}

export interface TriggerPreview {
  period: string;
  examined: number;
  matched: number;
  items: TriggerPreviewItem[];
}

const path = (system: string, type: string, id: string) =>
  `/api/records/${encodeURIComponent(system)}/${encodeURIComponent(type)}/${encodeURIComponent(id)}`;

export function listRecords(query: RecordQuery): Promise<Page<ExternalRecord>> {
  return request<Page<ExternalRecord>>('/api/records', { query: { ...query } });
}

export function removeRecord(record: Pick<ExternalRecord, 'system' | 'type' | 'id'>): Promise<void> {
  return request<void>(path(record.system, record.type, record.id), { method: 'DELETE' });
}

export async function listRecordSystems(): Promise<RecordSystem[]> {
  return (await request<{ items: RecordSystem[] }>('/api/record-systems')).items;
}

export function saveRecordSystem(
  key: string,
  input: { name: LocalizedText; types?: RecordSystem['types']; urlTemplate?: string },
): Promise<RecordSystem> {
  return request<RecordSystem>(`/api/record-systems/${encodeURIComponent(key)}`, {
    method: 'PUT',
    body: input,
  });
}

export async function listTriggers(): Promise<Trigger[]> {
  return (await request<{ items: Trigger[] }>('/api/triggers')).items;
}

export function createTrigger(input: TriggerInput): Promise<Trigger> {
  return request<Trigger>('/api/triggers', { method: 'POST', body: input });
}

export function updateTrigger(id: string, input: TriggerInput): Promise<Trigger> {
  return request<Trigger>(`/api/triggers/${encodeURIComponent(id)}`, { method: 'PUT', body: input });
}

export function removeTrigger(id: string): Promise<void> {
  return request<void>(`/api/triggers/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function setTriggerEnabled(id: string, enabled: boolean): Promise<Trigger> {
  return request<Trigger>(`/api/triggers/${encodeURIComponent(id)}/${enabled ? 'enable' : 'disable'}`, {
    method: 'POST',
  });
}

export function runTrigger(id: string): Promise<{ runId: string }> {
  return request<{ runId: string }>(`/api/triggers/${encodeURIComponent(id)}/run`, { method: 'POST' });
}

export async function listTriggerRuns(id: string): Promise<TriggerRun[]> {
  return (await request<{ items: TriggerRun[] }>(`/api/triggers/${encodeURIComponent(id)}/runs`)).items;
}

/** What an unsaved trigger would open now (stored records, or pasted samples); nothing is stored. */
export function testTrigger(input: {
  trigger: TriggerInput;
  records?: Record<string, unknown>[];
  ticketId?: string;
  limit?: number;
}): Promise<TriggerPreview> {
  return request<TriggerPreview>('/api/triggers/test', { method: 'POST', body: input });
}
