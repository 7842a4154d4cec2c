/**
 * Scenario packs against one database: which are installed and at what version, what a pack would add, installing
 * or upgrading it (teams, calendars, ticket types drafted and published through the definitions service), and
 * removing it (its types hidden, never their history). Routes and the CLI both call this.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Connection } from 'mongoose';
import type { LocalizedText, Problem } from '../../runtime/common/types.js';
import type { BusinessCalendarDefinition } from '../../runtime/time/index.js';
import { validateTicketType, type DefinitionRefs } from '../../runtime/definitions/index.js';
import {
  MANIFEST_FILE,
  loadPack,
  loadPacks,
  type LoadedPack,
  type PackLoadResult,
} from '../../templates/pack-loader.js';
import { PACK_ID_PATTERN } from '../../templates/pack.schema.js';
import { checkCalendarDefinition, createCalendar } from '../definitions/calendars.service.js';
import { definitionSha256 } from '../definitions/definition-json.js';
import { loadDefinitionRefs } from '../definitions/definition-refs.js';
import { ticketTypes } from '../definitions/ticket-type.model.js';
import {
  createTicketType,
  getDraft,
  publishDraft,
  refreshLatestVersion,
  saveDraft,
  type TicketTypeSource,
} from '../definitions/ticket-types.service.js';
import { HttpProblem } from '../lib/problem.js';
import { isDuplicateKey } from '../lib/sequence.js';
import { teamModel } from '../models/team.model.js';
import { compareVersions, highestVersion } from './pack-version.js';
import {
  installId,
  templateInstalls,
  templateRemovals,
  type InstalledTypeRecord,
  type TemplateInstallDoc,
  type TypeInstallAction,
} from './template-install.model.js';
import { packContents, ticketsOfTypes, type PackContents } from './templates.gallery.js';
import { templateProblem } from './templates.messages.js';

export type PackStatus = 'not-installed' | 'installed' | 'upgrade-available' | 'newer-installed' | 'invalid';

export interface PackSummary {
  id: string;
  /** The version on disk. */
  version?: string;
  name?: LocalizedText;
  description?: LocalizedText;
  category?: string;
  /** Each type with its category's name when its definition gives one (the gallery names a new scenario by it). */
  ticketTypes: { key: string; name: LocalizedText; categoryName?: { 'zh-CN': string; en?: string } }[];
  teams: string[];
  status: PackStatus;
  installedVersion: string | null;
  installedAt?: string;
  /** Why an invalid pack cannot be installed. */
  problems?: Problem[];
  /** What the pack holds (teams and calendars by name, roles, counts); absent for an invalid pack. */
  contents?: PackContents;
  /** Installed packs: tickets of its types, per type (removal is refused while any exist). */
  ticketsInUse?: { type: string; count: number }[];
}

export interface FieldPreview {
  field: string;
  label: LocalizedText;
  widget: string;
  required: boolean;
  requiredWhen: boolean;
  visibleWhen: boolean;
}

export interface TypePreview {
  key: string;
  name: LocalizedText;
  description?: LocalizedText;
  category: string;
  file: string;
  /** A ticket type with this key exists in the database already. */
  exists: boolean;
  /** Its newest published version there; 0 when none. */
  latestVersion: number;
  sections: { section: string; title: LocalizedText; fields: FieldPreview[] }[];
  flow: { nodes: number; edges: number; byKind: Record<string, number> };
  routingRules: number;
  slaTargets: number;
  notifications: string[];
  samples: number;
  /** What `validateTicketType` finds against this database (once the pack's teams and calendars exist). */
  problems: Problem[];
}

export interface PackPreview extends Omit<PackSummary, 'ticketTypes' | 'teams' | 'problems'> {
  ticketTypes: TypePreview[];
  teams: { key: string; name: LocalizedText; description?: LocalizedText; exists: boolean }[];
  roles: string[];
  calendars: { key: string; name: LocalizedText; exists: boolean }[];
  /** Problems of the calendars the pack would create. */
  problems: Problem[];
  /** True when installing now would succeed as far as the definitions are concerned. */
  installable: boolean;
}

export interface InstallOptions {
  /** Create the suggested teams that do not exist, with no members (default true). */
  createTeams?: boolean;
  /** Publish each ticket type after writing its draft (default true); false leaves drafts to review. */
  publish?: boolean;
  /** Replace drafts someone changed since the pack installed them, or that the pack did not write. */
  overwrite?: boolean;
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
  ticketTypes: { key: string; name: LocalizedText; action: TypeInstallAction; version: number | null }[];
}

export interface RemovalResult {
  id: string;
  version: string;
  removedTypes: string[];
  /** Teams and calendars stay: people and other types may use them. */
  keptTeams: string[];
  keptCalendars: string[];
}

// ---- Reading packs -----------------------------------------------------------------------------------------------

async function findPack(packsDir: string, id: string): Promise<PackLoadResult> {
  if (!new RegExp(PACK_ID_PATTERN).test(id)) throw templateProblem(404, 'template-not-found', { id });
  const dir = path.join(packsDir, id);
  try {
    await stat(path.join(dir, MANIFEST_FILE));
  } catch {
    throw templateProblem(404, 'template-not-found', { id });
  }
  return loadPack(dir);
}

export async function requirePack(packsDir: string, id: string): Promise<LoadedPack> {
  const loaded = await findPack(packsDir, id);
  if (!loaded.ok) throw invalidPack(id, loaded.problems);
  return loaded.pack;
}

function invalidPack(id: string, problems: Problem[]): HttpProblem {
  return templateProblem(
    422,
    'template-invalid',
    { id, count: problems.length },
    {
      field: 'params.id',
      extra: { problems },
      localizedParams: { first: problems[0]?.text ?? { 'zh-CN': '', en: '' } },
    },
  );
}

// ---- Install state -----------------------------------------------------------------------------------------------

interface InstalledState {
  records: TemplateInstallDoc[];
  latest?: TemplateInstallDoc;
}

function stateOf(records: TemplateInstallDoc[]): InstalledState {
  const version = highestVersion(records.map((record) => record.version));
  const latest = records.find((record) => record.version === version);
  return latest ? { records, latest } : { records };
}

export async function installedState(db: Connection, packId: string): Promise<InstalledState> {
  return stateOf(await templateInstalls(db).find({ packId }).toArray());
}

function statusOf(available: string, installed: TemplateInstallDoc | undefined): PackStatus {
  if (!installed) return 'not-installed';
  const order = compareVersions(available, installed.version);
  if (order > 0) return 'upgrade-available';
  return order < 0 ? 'newer-installed' : 'installed';
}

export function typeName(definition: Record<string, unknown>): LocalizedText {
  const name = definition.name as Partial<LocalizedText> | undefined;
  const key = String(definition.key);
  return { 'zh-CN': name?.['zh-CN'] ?? key, en: name?.en ?? key };
}

/** Every pack in the folder with its install status in this database; broken packs are listed with why. */
export async function listTemplates(db: Connection, packsDir: string): Promise<PackSummary[]> {
  const [loaded, records] = await Promise.all([loadPacks(packsDir), templateInstalls(db).find({}).toArray()]);
  const byPack = new Map<string, TemplateInstallDoc[]>();
  for (const record of records) byPack.set(record.packId, [...(byPack.get(record.packId) ?? []), record]);
  const summaries = loaded.map(async (result): Promise<PackSummary> => {
    const id = result.ok ? result.pack.manifest.id : result.id;
    const records = byPack.get(id) ?? [];
    const { latest } = stateOf(records);
    const installed = {
      installedVersion: latest?.version ?? null,
      ...(latest ? { installedAt: latest.installedAt.toISOString() } : {}),
      ...(latest
        ? {
            ticketsInUse: await ticketsOfTypes(db, [
              ...new Set(records.flatMap((record) => record.types.map((type) => type.key))),
            ]),
          }
        : {}),
    };
    if (!result.ok) {
      return { id, ticketTypes: [], teams: [], status: 'invalid', ...installed, problems: result.problems };
    }
    const { manifest, ticketTypes: types } = result.pack;
    return {
      id,
      version: manifest.version,
      name: manifest.name,
      description: manifest.description,
      category: manifest.category,
      ticketTypes: types.map((type) => ({
        key: type.key,
        name: typeName(type.definition),
        ...categoryNameOf(type.definition),
      })),
      teams: manifest.teams.map((team) => team.key),
      status: statusOf(manifest.version, latest),
      ...installed,
      contents: packContents(result.pack),
    };
  });
  return Promise.all(summaries);
}

// ---- Preview -------------------------------------------------------------------------------------------------------

interface DatabaseFacts {
  teams: Set<string>;
  calendars: Set<string>;
  types: Map<string, { draftSha256: string; latestVersion: number }>;
  refs: DefinitionRefs;
}

/** What exists in the database, and the references a pack's types may use once the pack's own things exist. */
async function databaseFacts(db: Connection, pack: LoadedPack, createTeams: boolean): Promise<DatabaseFacts> {
  const [refs, types] = await Promise.all([
    loadDefinitionRefs(db),
    ticketTypes(db)
      .find(
        { _id: { $in: pack.ticketTypes.map((type) => type.key) } },
        { projection: { draftSha256: 1, latestVersion: 1 } },
      )
      .toArray(),
  ]);
  const teams = new Set(refs.teams ?? []);
  const calendars = new Set(refs.calendars ?? []);
  const packTeams = createTeams ? pack.manifest.teams.map((team) => team.key) : [];
  return {
    teams,
    calendars,
    types: new Map(types.map((type) => [type._id, type])),
    refs: {
      teams: [...teams, ...packTeams],
      calendars: [...calendars, ...pack.calendars.map((calendar) => calendar.key)],
      ticketTypes: [...(refs.ticketTypes ?? []), ...pack.ticketTypes.map((type) => type.key)],
    },
  };
}

/** Problems of the calendars the pack would create (an existing calendar is the admin's and is not replaced). */
function calendarProblems(pack: LoadedPack, facts: DatabaseFacts): Problem[] {
  return pack.calendars
    .filter((calendar) => !facts.calendars.has(calendar.key))
    .flatMap((calendar) =>
      checkCalendarDefinition(calendar.definition).map((problem) => ({
        ...problem,
        path: `/calendars/${calendar.key}${problem.path}`,
      })),
    );
}

interface LayoutField {
  field: string;
  label: LocalizedText;
  widget: string;
  requiredWhen?: unknown;
  visibleWhen?: unknown;
}

function previewType(
  type: LoadedPack['ticketTypes'][number],
  facts: DatabaseFacts,
  problems: Problem[],
): TypePreview {
  const definition = type.definition as Record<string, unknown> & {
    form?: {
      schema?: { required?: string[] };
      layout?: { section: string; title: LocalizedText; fields: LayoutField[] }[];
    };
    flow?: { nodes?: { type: string }[]; edges?: unknown[] };
    routing?: unknown[];
    sla?: { targets?: unknown[] };
    notifications?: Record<string, unknown>;
  };
  const required = new Set(definition.form?.schema?.required ?? []);
  const byKind: Record<string, number> = {};
  for (const node of definition.flow?.nodes ?? []) byKind[node.type] = (byKind[node.type] ?? 0) + 1;
  const existing = facts.types.get(type.key);
  const preview: TypePreview = {
    key: type.key,
    name: typeName(definition),
    category: String(definition.category),
    file: type.file,
    exists: existing !== undefined,
    latestVersion: existing?.latestVersion ?? 0,
    sections: (definition.form?.layout ?? []).map((section) => ({
      section: section.section,
      title: section.title,
      fields: section.fields.map((field) => ({
        field: field.field,
        label: field.label,
        widget: field.widget,
        required: required.has(field.field),
        requiredWhen: field.requiredWhen !== undefined,
        visibleWhen: field.visibleWhen !== undefined,
      })),
    })),
    flow: { nodes: definition.flow?.nodes?.length ?? 0, edges: definition.flow?.edges?.length ?? 0, byKind },
    routingRules: definition.routing?.length ?? 0,
    slaTargets: definition.sla?.targets?.length ?? 0,
    notifications: Object.keys(definition.notifications ?? {}),
    samples: type.samples.length,
    problems,
  };
  if (definition.description) preview.description = definition.description as LocalizedText;
  return preview;
}

/** What installing the pack would add and whether it would go in, without writing anything. */
export async function previewTemplate(db: Connection, packsDir: string, id: string): Promise<PackPreview> {
  const pack = await requirePack(packsDir, id);
  const [facts, { latest }] = await Promise.all([databaseFacts(db, pack, true), installedState(db, id)]);
  const { manifest } = pack;
  const ticketTypePreviews = pack.ticketTypes.map((type) =>
    previewType(type, facts, validateTicketType(type.definition, facts.refs).problems),
  );
  return {
    id,
    version: manifest.version,
    name: manifest.name,
    description: manifest.description,
    category: manifest.category,
    status: statusOf(manifest.version, latest),
    installedVersion: latest?.version ?? null,
    ...(latest ? { installedAt: latest.installedAt.toISOString() } : {}),
    ticketTypes: ticketTypePreviews,
    teams: manifest.teams.map((team) => ({ ...team, exists: facts.teams.has(team.key) })),
    roles: manifest.roles,
    calendars: pack.calendars.map((calendar) => ({
      key: calendar.key,
      name: calendar.definition.name as LocalizedText,
      exists: facts.calendars.has(calendar.key),
    })),
    problems: calendarProblems(pack, facts),
    installable:
      ticketTypePreviews.every((type) => type.problems.length === 0) &&
      calendarProblems(pack, facts).length === 0,
  };
}

// ---- Install -------------------------------------------------------------------------------------------------------

function describeTypes(keys: readonly string[]): string {
  return keys.join(', ');
}

/**
 * Install or upgrade a pack. Everything is checked before the first write (the pack's types against this
 * database, drafts changed since the last install, teams); then teams, calendars and types are written, each
 * step safe to repeat, and the install is recorded last with one insert — so an install that died half way is
 * simply run again.
 */
export async function installTemplate(
  db: Connection,
  packsDir: string,
  id: string,
  options: InstallOptions,
  actor: string,
  at: Date,
): Promise<InstallResult & { created: boolean }> {
  const createTeams = options.createTeams ?? true;
  const publish = options.publish ?? true;
  const pack = await requirePack(packsDir, id);
  const { manifest } = pack;
  const state = await installedState(db, id);
  const previous = state.latest;
  const sameVersion = state.records.find((record) => record.version === manifest.version);

  if (previous && compareVersions(manifest.version, previous.version) < 0) {
    throw templateProblem(
      409,
      'template-newer-installed',
      { id, installed: previous.version, available: manifest.version },
      {
        field: 'params.id',
        extra: { installedVersion: previous.version, availableVersion: manifest.version },
      },
    );
  }
  if (sameVersion && (sameVersion.published || !publish)) {
    return { ...resultOf(pack, sameVersion, previous, true), created: false };
  }

  const facts = await databaseFacts(db, pack, createTeams);
  const missingTeams = manifest.teams.map((team) => team.key).filter((key) => !facts.teams.has(key));
  if (!createTeams && missingTeams.length > 0) {
    throw templateProblem(
      422,
      'template-missing-teams',
      { teams: missingTeams.join(', ') },
      { field: 'body.createTeams', extra: { missingTeams } },
    );
  }
  const problems = [
    ...calendarProblems(pack, facts),
    ...pack.ticketTypes.flatMap((type) =>
      validateTicketType(type.definition, facts.refs).problems.map((problem) => ({
        ...problem,
        path: `/${type.key}${problem.path}`,
      })),
    ),
  ];
  if (problems.length > 0) throw invalidPack(id, problems);

  const recordedSha = new Map((previous?.types ?? []).map((type) => [type.key, type.draftSha256]));
  const conflicts = pack.ticketTypes.flatMap((type) => {
    const existing = facts.types.get(type.key);
    if (!existing || existing.draftSha256 === definitionSha256(type.definition)) return [];
    if (recordedSha.get(type.key) === existing.draftSha256) return [];
    return [{ key: type.key, reason: recordedSha.has(type.key) ? 'modified' : 'not-from-pack' }];
  });
  if (conflicts.length > 0 && options.overwrite !== true) {
    throw templateProblem(
      409,
      'template-local-changes',
      { types: describeTypes(conflicts.map((conflict) => conflict.key)) },
      { field: 'body.overwrite', extra: { conflicts } },
    );
  }

  const teams = await ensureTeams(db, pack, createTeams, at);
  const calendars = await ensureCalendars(db, pack, actor, at);
  const installedTypes: InstalledTypeRecord[] = [];
  for (const type of pack.ticketTypes) {
    installedTypes.push(
      await installType(db, type.definition as TicketTypeSource, {
        publish,
        note: `${manifest.name.en} ${manifest.version} (template ${id})`,
        actor,
        at,
      }),
    );
  }

  const record: TemplateInstallDoc = {
    _id: installId(id, manifest.version),
    packId: id,
    version: manifest.version,
    installedAt: at,
    installedBy: actor,
    published: publish,
    types: installedTypes,
    teamsCreated: teams.created,
    calendarsCreated: calendars.created,
  };
  try {
    if (sameVersion) {
      // Drafts installed earlier are published now: the record of that install says so.
      await templateInstalls(db).updateOne(
        { _id: record._id },
        { $set: { published: true, types: installedTypes } },
      );
    } else {
      await templateInstalls(db).insertOne(record);
    }
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // Someone installed the same version at the same moment; theirs is the record.
    const theirs = await templateInstalls(db).findOne({ _id: record._id });
    if (theirs) return { ...resultOf(pack, theirs, previous, true), created: false };
    throw error;
  }
  return {
    id,
    version: manifest.version,
    previousVersion: previous?.version ?? null,
    alreadyInstalled: false,
    upgraded: previous !== undefined && compareVersions(manifest.version, previous.version) > 0,
    published: publish,
    teams,
    calendars,
    ticketTypes: installedTypes.map((type, index) => ({
      key: type.key,
      name: typeName(pack.ticketTypes[index]?.definition ?? { key: type.key }),
      action: type.action,
      version: type.version,
    })),
    created: true,
  };
}

function resultOf(
  pack: LoadedPack,
  record: TemplateInstallDoc,
  previous: TemplateInstallDoc | undefined,
  alreadyInstalled: boolean,
): InstallResult {
  const names = new Map(pack.ticketTypes.map((type) => [type.key, typeName(type.definition)]));
  return {
    id: record.packId,
    version: record.version,
    previousVersion: previous && previous.version !== record.version ? previous.version : null,
    alreadyInstalled,
    upgraded: false,
    published: record.published,
    teams: { created: [], existing: pack.manifest.teams.map((team) => team.key) },
    calendars: { created: [], existing: pack.calendars.map((calendar) => calendar.key) },
    ticketTypes: record.types.map((type) => ({
      key: type.key,
      name: names.get(type.key) ?? { 'zh-CN': type.key, en: type.key },
      action: 'unchanged' as const,
      version: type.version,
    })),
  };
}

async function ensureTeams(
  db: Connection,
  pack: LoadedPack,
  createTeams: boolean,
  at: Date,
): Promise<{ created: string[]; existing: string[] }> {
  const Team = teamModel(db);
  const created: string[] = [];
  const existing: string[] = [];
  for (const team of pack.manifest.teams) {
    if (await Team.exists({ key: team.key })) {
      existing.push(team.key);
      continue;
    }
    if (!createTeams) continue;
    try {
      await Team.create({ key: team.key, name: team.name, members: [], createdAt: at, updatedAt: at });
      created.push(team.key);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      existing.push(team.key);
    }
  }
  return { created, existing };
}

/** Calendars the pack ships are created when missing; an existing one is the admin's and is left alone. */
async function ensureCalendars(
  db: Connection,
  pack: LoadedPack,
  actor: string,
  at: Date,
): Promise<{ created: string[]; existing: string[] }> {
  const created: string[] = [];
  const existing: string[] = [];
  for (const calendar of pack.calendars) {
    try {
      await createCalendar(db, calendar.definition as unknown as BusinessCalendarDefinition, actor, at);
      created.push(calendar.key);
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status !== 409) throw error;
      existing.push(calendar.key);
    }
  }
  return { created, existing };
}

/** Write one type's draft (create it, or replace a different draft) and publish it when asked. */
async function installType(
  db: Connection,
  source: TicketTypeSource,
  options: { publish: boolean; note: string; actor: string; at: Date },
): Promise<InstalledTypeRecord> {
  const sha = definitionSha256(source);
  const key = source.key;
  let action: TypeInstallAction = 'unchanged';
  let draft = await getDraft(db, key).catch((error: unknown) => {
    if (error instanceof HttpProblem && error.status === 404) return undefined;
    throw error;
  });
  if (!draft) {
    try {
      draft = await createTicketType(db, source, options.actor, options.at);
      action = 'created';
    } catch (error) {
      // Created by a concurrent install between our read and our insert: continue with theirs.
      if (!(error instanceof HttpProblem) || error.status !== 409) throw error;
      draft = await getDraft(db, key);
    }
  }
  if (definitionSha256(draft.definition) !== sha) {
    draft = await saveDraft(db, key, draft.draftRevision, source, options.actor, options.at);
    action = 'updated';
  }
  if (!options.publish) return { key, action, version: draft.latestVersion || null, draftSha256: sha };
  if (!draft.hasUnpublishedChanges) return { key, action, version: draft.latestVersion, draftSha256: sha };
  try {
    const published = await publishDraft(db, key, { note: options.note }, options.actor, options.at);
    return {
      key,
      action: action === 'unchanged' ? 'updated' : action,
      version: published.version,
      draftSha256: sha,
    };
  } catch (error) {
    if (error instanceof HttpProblem && error.status === 422) throw typeProblem(key, error);
    if (!(error instanceof HttpProblem) || error.status !== 409) throw error;
    // Nothing new to publish (the newest version already holds this definition, e.g. reinstalled after a
    // removal) or a concurrent install published it first: the draft is published either way.
    await refreshLatestVersion(db, key);
    const now = await getDraft(db, key);
    if (now.hasUnpublishedChanges) throw error;
    return { key, action, version: now.latestVersion, draftSha256: sha };
  }
}

/** A publish refusal, naming the ticket type it is about. */
function typeProblem(key: string, error: HttpProblem): HttpProblem {
  const { extra, ...rest } = error.options;
  return new HttpProblem(error.status, error.title, {
    ...rest,
    detail: `${key}: ${rest.detail ?? error.title}`,
    extra: { ...extra, ticketType: key },
  });
}

// ---- Remove ------------------------------------------------------------------------------------------------------

/**
 * Remove an installed pack: refused while any ticket of its types exists (409 naming them). Otherwise its types
 * leave the designer and the portal (their drafts are archived with the removal); published versions stay, as do
 * the teams and calendars, which people and other types may use.
 */
export async function removeTemplate(
  db: Connection,
  id: string,
  actor: string,
  at: Date,
): Promise<RemovalResult> {
  const { records, latest } = await installedState(db, id);
  if (!latest) throw templateProblem(404, 'template-not-installed', { id }, { field: 'params.id' });
  const keys = [...new Set(records.flatMap((record) => record.types.map((type) => type.key)))];
  const inUse = await ticketsOfTypes(db, keys);
  if (inUse.length > 0) {
    throw templateProblem(
      409,
      'template-tickets-exist',
      { types: inUse.map((entry) => `${entry.type} (${entry.count})`).join(', ') },
      { field: 'params.id', extra: { tickets: inUse } },
    );
  }

  const types = await ticketTypes(db)
    .find({ _id: { $in: keys } })
    .toArray();
  const byKey = new Map(types.map((type) => [type._id, type]));
  // The removal is written first: if the process dies after it, the types are still there to remove again.
  await templateRemovals(db).insertOne({
    _id: `${installId(id, latest.version)}@${at.toISOString()}`,
    packId: id,
    version: latest.version,
    removedAt: at,
    removedBy: actor,
    types: keys.map((key) => ({
      key,
      draft: byKey.get(key)?.draft ?? null,
      latestVersion: byKey.get(key)?.latestVersion ?? 0,
    })),
    installs: records,
  });
  await ticketTypes(db).deleteMany({ _id: { $in: keys } });
  await templateInstalls(db).deleteMany({ packId: id });
  return {
    id,
    version: latest.version,
    removedTypes: keys,
    keptTeams: [...new Set(records.flatMap((record) => record.teamsCreated))],
    keptCalendars: [...new Set(records.flatMap((record) => record.calendarsCreated))],
  };
}

/** The installed pack's own types as a text for logs (CLI). */
export function summarizeInstall(result: InstallResult): string {
  const lines = [
    result.alreadyInstalled
      ? `${result.id} ${result.version} is already installed.`
      : `${result.id} ${result.version} installed${result.previousVersion ? ` (was ${result.previousVersion})` : ''}${result.published ? '' : ' as drafts'}.`,
  ];
  if (result.teams.created.length > 0)
    lines.push(`Teams created (no members yet): ${result.teams.created.join(', ')}`);
  if (result.calendars.created.length > 0)
    lines.push(`Calendars created: ${result.calendars.created.join(', ')}`);
  for (const type of result.ticketTypes) {
    lines.push(`  ${type.key}: ${type.action}${type.version ? `, version ${type.version}` : ''}`);
  }
  return lines.join('\n');
}

/** A pack type's category name, as its definition gives it (see runtime/definitions CategoryName). */
function categoryNameOf(definition: Record<string, unknown>): {
  categoryName?: { 'zh-CN': string; en?: string };
} {
  const name = definition.categoryName as Record<string, unknown> | undefined;
  if (typeof name !== 'object' || name === null || typeof name['zh-CN'] !== 'string') return {};
  return {
    categoryName: {
      'zh-CN': name['zh-CN'],
      ...(typeof name.en === 'string' ? { en: name.en } : {}),
    },
  };
}
