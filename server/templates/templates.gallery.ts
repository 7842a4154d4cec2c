/**
 * What the studio's template gallery reads besides the list: what each pack holds (teams and calendars by name, SLA
 * targets, steps), a pack type's form and flow as shipped (to draw them read-only), and, before an upgrade, what
 * installing the pack would change in each type's draft and what was edited locally since the pack installed it.
 * Nothing here writes.
 */
import type { Connection } from 'mongoose';
import type { LocalizedText } from '../../runtime/common/types.js';
import { diffDefinitions, type DefinitionChange } from '../../runtime/definitions/index.js';
import type { LoadedPack } from '../../templates/pack-loader.js';
import { definitionSha256, parseDefinitionText } from '../definitions/definition-json.js';
import { ticketTypes, ticketTypeVersions } from '../definitions/ticket-type.model.js';
import { TICKETS_COLLECTION } from '../tickets/ticket.projection.js';
import type { TemplateInstallDoc } from './template-install.model.js';
import { templateProblem } from './templates.messages.js';
import { installedState, requirePack, typeName } from './templates.service.js';

export interface PackContents {
  teams: { key: string; name: LocalizedText }[];
  calendars: { key: string; name: LocalizedText }[];
  roles: string[];
  /** SLA targets over all the pack's types. */
  slaTargets: number;
  /** Flow steps (nodes other than start and end) over all the pack's types. */
  flowSteps: number;
  /** Form fields over all the pack's types. */
  formFields: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** What a pack holds, counted from its files. */
export function packContents(pack: LoadedPack): PackContents {
  let slaTargets = 0;
  let flowSteps = 0;
  let formFields = 0;
  for (const { definition } of pack.ticketTypes) {
    slaTargets += listOf(isRecord(definition.sla) ? definition.sla.targets : undefined).length;
    const nodes = listOf(isRecord(definition.flow) ? definition.flow.nodes : undefined);
    flowSteps += nodes.filter(
      (node) => isRecord(node) && node.type !== 'start' && node.type !== 'end',
    ).length;
    const form = isRecord(definition.form) ? definition.form : {};
    const properties = isRecord(isRecord(form.schema) ? form.schema.properties : undefined)
      ? ((form.schema as Record<string, unknown>).properties as Record<string, unknown>)
      : {};
    formFields += Object.keys(properties).length;
  }
  return {
    teams: pack.manifest.teams.map((team) => ({ key: team.key, name: team.name })),
    calendars: pack.calendars.map((calendar) => ({
      key: calendar.key,
      name: calendar.definition.name as LocalizedText,
    })),
    roles: [...pack.manifest.roles],
    slaTargets,
    flowSteps,
    formFields,
  };
}

/** Tickets of an installed pack's types (removal is refused while there is one), per type with at least one. */
export async function ticketsOfTypes(
  db: Connection,
  keys: readonly string[],
): Promise<{ type: string; count: number }[]> {
  const tickets = db.collection(TICKETS_COLLECTION);
  const counts = await Promise.all(
    keys.map(async (key) => ({ type: key, count: await tickets.countDocuments({ typeKey: key }) })),
  );
  return counts.filter((entry) => entry.count > 0);
}

export interface PackTypeDefinition {
  packId: string;
  key: string;
  name: LocalizedText;
  description?: LocalizedText;
  category: string;
  /** The form as shipped: `schema`, `layout`, rules. */
  form: Record<string, unknown>;
  /** The flow as shipped: `nodes`, `edges`. */
  flow: Record<string, unknown>;
  statuses: unknown[];
}

/** One of a pack's ticket types as shipped, for a read-only preview of its form and flow. */
export async function packTypeDefinition(
  packsDir: string,
  id: string,
  key: string,
): Promise<PackTypeDefinition> {
  const pack = await requirePack(packsDir, id);
  const type = pack.ticketTypes.find((candidate) => candidate.key === key);
  if (!type) throw templateProblem(404, 'template-type-not-found', { id, key }, { field: 'params.key' });
  const { definition } = type;
  return {
    packId: id,
    key,
    name: typeName(definition),
    ...(isRecord(definition.description) ? { description: definition.description as LocalizedText } : {}),
    category: typeof definition.category === 'string' ? definition.category : pack.manifest.category,
    form: isRecord(definition.form) ? definition.form : {},
    flow: isRecord(definition.flow) ? definition.flow : { nodes: [], edges: [] },
    statuses: listOf(definition.statuses),
  };
}

/**
 * Where one type stands before an install:
 * - `new`: not in this database; installing creates it.
 * - `same`: its draft is already what the pack holds.
 * - `pack-changed`: the pack changed it and nobody edited the draft since the last install; the upgrade applies.
 * - `locally-changed`: the draft was edited since the pack installed it; installing replaces those edits only
 *   with “overwrite local changes”.
 * - `not-from-pack`: a type with this key exists that the pack did not write; same as above.
 */
export type TypeUpgradeState = 'new' | 'same' | 'pack-changed' | 'locally-changed' | 'not-from-pack';

export interface TypeUpgradeDiff {
  key: string;
  name: LocalizedText;
  state: TypeUpgradeState;
  /** Installing would be refused for this type without `overwrite: true`. */
  conflict: boolean;
  /** What installing changes in the draft: from the draft now to the pack's definition. */
  changes: DefinitionChange[];
  /** What was edited locally since the pack last installed the type (empty when unknown or none). */
  localChanges: DefinitionChange[];
}

export interface PackUpgradeDiff {
  id: string;
  version: string;
  installedVersion: string | null;
  /** True when some type would be refused without `overwrite: true`. */
  needsOverwrite: boolean;
  ticketTypes: TypeUpgradeDiff[];
}

/** What the pack last installed for this type, as its source: the version that install published. */
async function installedSource(
  db: Connection,
  key: string,
  record: TemplateInstallDoc | undefined,
): Promise<unknown> {
  const typeRecord = record?.types.find((type) => type.key === key);
  if (!typeRecord) return undefined;
  const doc = await ticketTypeVersions(db).findOne(
    { key, sourceSha256: typeRecord.draftSha256 },
    { sort: { version: -1 }, projection: { source: 1 } },
  );
  return doc ? parseDefinitionText(doc.source) : undefined;
}

/** For each of the pack's types, what installing this version would change, and what was edited here. */
export async function packUpgradeDiff(
  db: Connection,
  packsDir: string,
  id: string,
): Promise<PackUpgradeDiff> {
  const pack = await requirePack(packsDir, id);
  const { latest } = await installedState(db, id);
  const docs = await ticketTypes(db)
    .find({ _id: { $in: pack.ticketTypes.map((type) => type.key) } })
    .toArray();
  const byKey = new Map(docs.map((doc) => [doc._id, doc]));
  const recordedSha = new Map((latest?.types ?? []).map((type) => [type.key, type.draftSha256]));
  const types: TypeUpgradeDiff[] = [];
  for (const type of pack.ticketTypes) {
    const base = { key: type.key, name: typeName(type.definition) };
    const doc = byKey.get(type.key);
    if (!doc) {
      types.push({ ...base, state: 'new', conflict: false, changes: [], localChanges: [] });
      continue;
    }
    const packSha = definitionSha256(type.definition);
    const draft = parseDefinitionText(doc.draft);
    if (doc.draftSha256 === packSha) {
      types.push({ ...base, state: 'same', conflict: false, changes: [], localChanges: [] });
      continue;
    }
    const changes = diffDefinitions(draft, type.definition);
    const recorded = recordedSha.get(type.key);
    if (recorded === undefined) {
      types.push({ ...base, state: 'not-from-pack', conflict: true, changes, localChanges: [] });
      continue;
    }
    if (recorded === doc.draftSha256) {
      types.push({ ...base, state: 'pack-changed', conflict: false, changes, localChanges: [] });
      continue;
    }
    const installed = await installedSource(db, type.key, latest);
    types.push({
      ...base,
      state: 'locally-changed',
      conflict: true,
      changes,
      localChanges: installed === undefined ? [] : diffDefinitions(installed, draft),
    });
  }
  return {
    id,
    version: pack.manifest.version,
    installedVersion: latest?.version ?? null,
    needsOverwrite: types.some((type) => type.conflict),
    ticketTypes: types,
  };
}
