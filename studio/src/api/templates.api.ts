/** Scenario packs (admins): the gallery list, a pack's preview and type definitions, the diff, install, remove. */
import type { FormDefinition } from '../../../runtime/form/index';
import { request } from './client';
import type { DefinitionChange } from './designer.api';
import type { LocalizedText } from './types';

export type PackStatus = 'not-installed' | 'installed' | 'upgrade-available' | 'newer-installed' | 'invalid';

export interface PackProblem {
  code: string;
  path: string;
  text: LocalizedText;
}

export interface PackContents {
  teams: { key: string; name: LocalizedText }[];
  calendars: { key: string; name: LocalizedText }[];
  roles: string[];
  slaTargets: number;
  flowSteps: number;
  formFields: number;
}

export interface PackSummary {
  id: string;
  version?: string;
  name?: LocalizedText;
  description?: LocalizedText;
  category?: string;
  /** With the category's name when the type's definition gives one. */
  ticketTypes: { key: string; name: LocalizedText; categoryName?: { 'zh-CN': string; en?: string } }[];
  teams: string[];
  status: PackStatus;
  installedVersion: string | null;
  installedAt?: string;
  problems?: PackProblem[];
  contents?: PackContents;
  ticketsInUse?: { type: string; count: number }[];
}

export interface PackTypePreview {
  key: string;
  name: LocalizedText;
  description?: LocalizedText;
  exists: boolean;
  latestVersion: number;
  flow: { nodes: number; edges: number; byKind: Record<string, number> };
  routingRules: number;
  slaTargets: number;
  notifications: string[];
  problems: PackProblem[];
}

export interface PackPreview {
  id: string;
  version: string;
  name: LocalizedText;
  description: LocalizedText;
  status: PackStatus;
  installedVersion: string | null;
  ticketTypes: PackTypePreview[];
  teams: { key: string; name: LocalizedText; exists: boolean }[];
  roles: string[];
  calendars: { key: string; name: LocalizedText; exists: boolean }[];
  problems: PackProblem[];
  installable: boolean;
}

export interface PackTypeDefinition {
  packId: string;
  key: string;
  name: LocalizedText;
  description?: LocalizedText;
  category: string;
  form: FormDefinition;
  flow: { nodes?: unknown[]; edges?: unknown[] };
  statuses: unknown[];
}

export type TypeUpgradeState = 'new' | 'same' | 'pack-changed' | 'locally-changed' | 'not-from-pack';

export interface PackDiff {
  id: string;
  version: string;
  installedVersion: string | null;
  needsOverwrite: boolean;
  ticketTypes: {
    key: string;
    name: LocalizedText;
    state: TypeUpgradeState;
    conflict: boolean;
    changes: DefinitionChange[];
    localChanges: DefinitionChange[];
  }[];
}

export interface InstallResult {
  id: string;
  version: string;
  previousVersion: string | null;
  alreadyInstalled: boolean;
  upgraded: boolean;
  published: boolean;
  teams: { created: string[]; existing: string[] };
  calendars: { created: string[]; existing: string[] };
  ticketTypes: { key: string; name: LocalizedText; action: string; version: number | null }[];
}

export interface RemovalResult {
  id: string;
  version: string;
  removedTypes: string[];
  keptTeams: string[];
  keptCalendars: string[];
}

const base = (id: string) => `/api/templates/${encodeURIComponent(id)}`;

export async function listPacks(): Promise<PackSummary[]> {
  return (await request<{ items: PackSummary[] }>('/api/templates')).items;
}

export function previewPack(id: string): Promise<PackPreview> {
  return request<PackPreview>(base(id));
}

export function packTypeDefinition(id: string, key: string): Promise<PackTypeDefinition> {
  return request<PackTypeDefinition>(`${base(id)}/types/${encodeURIComponent(key)}`);
}

export function packDiff(id: string): Promise<PackDiff> {
  return request<PackDiff>(`${base(id)}/diff`);
}

export function installPack(id: string, options: { overwrite?: boolean } = {}): Promise<InstallResult> {
  return request<InstallResult>(`${base(id)}/install`, { method: 'POST', body: options });
}

export function removePack(id: string): Promise<RemovalResult> {
  return request<RemovalResult>(base(id), { method: 'DELETE' });
}
