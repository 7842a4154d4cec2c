import { request } from './client';
import type { Page } from './types';

/** Alert channels (server/channels/alerts): monitoring systems posting alerts that open or update tickets. */

export type AlertPreset = 'alertmanager' | 'generic' | 'custom';
export type AlertPriority = 'urgent' | 'high' | 'medium' | 'low';
export type MappingExpression = { path: string } | { logic: unknown };

export interface AlertChannel {
  id: string;
  name: string;
  enabled: boolean;
  webhookPath: string;
  keyHint: string;
  keyRotatedAt: string;
  signed: boolean;
  preset: AlertPreset;
  mapping?: Record<string, unknown>;
  typeKey: string;
  requesterId: string;
  team?: string;
  severityMap: Record<string, AlertPriority>;
  defaultPriority: AlertPriority;
  priorityData: Partial<Record<AlertPriority, Record<string, unknown>>>;
  dataMapping: Record<string, MappingExpression>;
  autoResolve: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface AlertChannelSettings {
  name?: string;
  enabled?: boolean;
  typeKey?: string;
  requesterId?: string;
  team?: string | null;
  preset?: AlertPreset;
  mapping?: Record<string, unknown> | null;
  severityMap?: Record<string, AlertPriority>;
  defaultPriority?: AlertPriority;
  priorityData?: Partial<Record<AlertPriority, Record<string, unknown>>>;
  dataMapping?: Record<string, MappingExpression>;
  autoResolve?: boolean;
  signed?: boolean;
}

/** The key and signing secret come only in the answers that create them. */
export interface AlertChannelSecrets {
  channel: AlertChannel;
  key?: string;
  signingSecret?: string;
}

export interface NormalizedAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  title: string;
  description: string;
  severity: string;
  labels: Record<string, string>;
}

export interface AlertTestItem {
  alert: NormalizedAlert;
  action: 'open' | 'add-occurrence' | 'record-resolution' | 'resolve' | 'nothing';
  priority: AlertPriority;
  data: Record<string, unknown>;
  ticket?: { id: string; number?: string; occurrences?: number };
  opens?: {
    ok: boolean;
    priority?: string;
    team?: string;
    assignee?: string;
    error?: { code: string; field?: string; message?: { 'zh-CN': string; en: string } };
  };
}

export interface AlertRejection {
  id: string;
  at: string;
  code: string;
  field?: string;
  reason: { 'zh-CN': string; en: string };
  payload: string;
  truncated: boolean;
  replays: number;
  replayedAt?: string;
  settledAt?: string;
}

export interface AlertOutcome {
  fingerprint: string;
  status: 'firing' | 'resolved';
  outcome: string;
  ticketId?: string;
  number?: string;
}

export interface AlertOccurrences {
  channelId: string;
  channelName: string;
  fingerprint: string;
  episode: number;
  count: number;
  firstSeen?: string;
  lastSeen?: string;
  severity: string;
  title: string;
  url?: string;
  resolutions: { at: string; endsAt?: string; resolvedTicket: boolean }[];
}

const base = '/api/channels/alert-channels';
const at = (id: string) => `${base}/${encodeURIComponent(id)}`;

export async function listAlertChannels(): Promise<AlertChannel[]> {
  return (await request<Page<AlertChannel>>(base)).items;
}

export function createAlertChannel(settings: AlertChannelSettings): Promise<AlertChannelSecrets> {
  return request<AlertChannelSecrets>(base, { method: 'POST', body: settings });
}

export function updateAlertChannel(id: string, settings: AlertChannelSettings): Promise<AlertChannelSecrets> {
  return request<AlertChannelSecrets>(at(id), { method: 'PATCH', body: settings });
}

export function rotateAlertKey(id: string): Promise<AlertChannelSecrets> {
  return request<AlertChannelSecrets>(`${at(id)}/rotate`, { method: 'POST' });
}

export async function testAlertPayload(id: string, payload: unknown): Promise<AlertTestItem[]> {
  return (await request<{ items: AlertTestItem[] }>(`${at(id)}/test`, { method: 'POST', body: { payload } }))
    .items;
}

export function listAlertRejections(id: string, offset = 0, limit = 20): Promise<Page<AlertRejection>> {
  return request<Page<AlertRejection>>(`${at(id)}/rejections?offset=${offset}&limit=${limit}`);
}

export async function replayAlertRejection(id: string, rejection: string): Promise<AlertOutcome[]> {
  return (
    await request<{ items: AlertOutcome[] }>(`${at(id)}/rejections/${encodeURIComponent(rejection)}/replay`, {
      method: 'POST',
    })
  ).items;
}

export function alertOccurrences(ticketId: string): Promise<AlertOccurrences> {
  return request<AlertOccurrences>(`/api/channels/alerts/tickets/${encodeURIComponent(ticketId)}`);
}
