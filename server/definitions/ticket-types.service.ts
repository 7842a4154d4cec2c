import type { Connection } from 'mongoose';
import { effectRegistryOf } from '../tickets/effects.js';
import type { LocalizedText, Problem } from '../../runtime/common/types.js';
import { diffDefinitions, validateTicketType, type CategoryName } from '../../runtime/definitions/index.js';
import type { HttpProblem } from '../lib/problem.js';
import { badRequest, conflict, notFound } from '../lib/problem.js';
import { isDuplicateKey } from '../lib/sequence.js';
import { definitionSha256, parseDefinitionText, toDefinitionText } from './definition-json.js';
import { freezeDefinition, loadDefinitionRefs, resolveDefinition } from './definition-refs.js';
import { definitionsProblem, invalidDefinition } from './definitions.messages.js';
import {
  ticketTypes,
  ticketTypeVersions,
  versionId,
  type TicketTypeDoc,
  type TicketTypeVersionDoc,
} from './ticket-type.model.js';

/** The parts of a draft the API relies on before it is complete; everything else is the runtime's to check. */
export interface TicketTypeSource {
  key: string;
  name: LocalizedText;
  category: string;
  categoryName?: CategoryName;
  [part: string]: unknown;
}

export interface TicketTypeSummary {
  key: string;
  name: LocalizedText;
  category: string;
  /** What people call the category, when the (published, for non-designers) definition names it. */
  categoryName?: CategoryName;
  /** 0 before the first publish. */
  latestVersion: number;
  latestPublishedAt?: string;
  /** Only for designers: the draft differs from the newest published version (always true before a publish). */
  hasUnpublishedChanges?: boolean;
  draftRevision?: number;
  updatedAt?: string;
  updatedBy?: string;
}

export interface DraftView {
  key: string;
  name: LocalizedText;
  category: string;
  latestVersion: number;
  hasUnpublishedChanges: boolean;
  draftRevision: number;
  updatedAt: string;
  updatedBy: string;
  definition: TicketTypeSource;
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
  /** The frozen definition tickets run on. */
  definition: Record<string, unknown>;
  /** The draft as it was published, references unresolved. */
  source: Record<string, unknown>;
}

export interface ValidationReport {
  valid: boolean;
  problems: Problem[];
}

// ---- Reading ---------------------------------------------------------------------------------------------------

async function loadType(db: Connection, key: string): Promise<TicketTypeDoc> {
  const doc = await ticketTypes(db).findOne({ _id: key });
  if (!doc) throw notFound(`Ticket type ${key}`);
  return doc;
}

/** The newest version, read from the versions themselves (the type document's `latestVersion` is a cache). */
async function newestVersion(db: Connection, key: string): Promise<TicketTypeVersionDoc | null> {
  return ticketTypeVersions(db).find({ key }).sort({ version: -1 }).limit(1).next();
}

/** The newest version's number and hashes, without its bodies. */
async function newestVersionHead(
  db: Connection,
  key: string,
): Promise<Pick<TicketTypeVersionDoc, 'version' | 'sourceSha256' | 'publishedAt'> | null> {
  return ticketTypeVersions(db)
    .find({ key }, { projection: { version: 1, sourceSha256: 1, publishedAt: 1 } })
    .sort({ version: -1 })
    .limit(1)
    .next();
}

function hasUnpublishedChanges(doc: TicketTypeDoc): boolean {
  return doc.latestVersion === 0 || doc.draftSha256 !== doc.latestSourceSha256;
}

function toSummary(doc: TicketTypeDoc, forDesigner: boolean): TicketTypeSummary {
  const summary: TicketTypeSummary = {
    key: doc._id,
    name: doc.name,
    category: doc.category,
    ...(doc.categoryName ? { categoryName: doc.categoryName } : {}),
    latestVersion: doc.latestVersion,
  };
  if (doc.latestPublishedAt) summary.latestPublishedAt = doc.latestPublishedAt.toISOString();
  if (forDesigner) {
    summary.hasUnpublishedChanges = hasUnpublishedChanges(doc);
    summary.draftRevision = doc.draftRevision;
    summary.updatedAt = doc.updatedAt.toISOString();
    summary.updatedBy = doc.updatedBy;
  }
  return summary;
}

function toVersionSummary(doc: TicketTypeVersionDoc): VersionSummary {
  const summary: VersionSummary = {
    key: doc.key,
    version: doc.version,
    name: doc.name,
    category: doc.category,
    note: doc.note,
    publishedAt: doc.publishedAt.toISOString(),
    publishedBy: doc.publishedBy,
    sha256: doc.sha256,
  };
  if (doc.rolledBackFrom !== undefined) summary.rolledBackFrom = doc.rolledBackFrom;
  return summary;
}

function toVersionView(doc: TicketTypeVersionDoc): VersionView {
  return {
    ...toVersionSummary(doc),
    definition: parseDefinitionText(doc.definition),
    source: parseDefinitionText(doc.source),
  };
}

/**
 * Designers see every type with its draft state. Everyone else sees what can be opened: published types only, named
 * as their newest version names them (an unpublished rename stays in the draft).
 */
export async function listTicketTypes(
  db: Connection,
  options: { forDesigner: boolean; category?: string },
): Promise<TicketTypeSummary[]> {
  const filter: Record<string, unknown> = {};
  if (options.category !== undefined) filter.category = options.category;
  if (!options.forDesigner) filter.latestVersion = { $gt: 0 };
  const docs = await ticketTypes(db).find(filter).sort({ _id: 1 }).toArray();
  if (options.forDesigner) return docs.map((doc) => toSummary(doc, true));

  const published = await ticketTypeVersions(db)
    .find(
      { _id: { $in: docs.map((doc) => versionId(doc._id, doc.latestVersion)) } },
      { projection: { key: 1, name: 1, category: 1, categoryName: 1 } },
    )
    .toArray();
  const byKey = new Map(published.map((version) => [version.key, version]));
  return docs.map((doc) => {
    const version = byKey.get(doc._id);
    const { categoryName: _draftCategoryName, ...summary } = toSummary(doc, false);
    if (!version) return summary;
    return {
      ...summary,
      name: version.name,
      category: version.category,
      ...(version.categoryName ? { categoryName: version.categoryName } : {}),
    };
  });
}

export async function getDraft(db: Connection, key: string): Promise<DraftView> {
  let doc = await loadType(db, key);
  // A publisher that died between its version insert and the cache update left `latestVersion` behind: catch up.
  const newest = await newestVersionHead(db, key);
  if (newest && newest.version > doc.latestVersion) {
    await refreshLatestVersion(db, key);
    doc = await loadType(db, key);
  }
  return {
    key: doc._id,
    name: doc.name,
    category: doc.category,
    latestVersion: doc.latestVersion,
    hasUnpublishedChanges: hasUnpublishedChanges(doc),
    draftRevision: doc.draftRevision,
    updatedAt: doc.updatedAt.toISOString(),
    updatedBy: doc.updatedBy,
    definition: parseDefinitionText<TicketTypeSource>(doc.draft),
  };
}

/** The newest published version; 404 when the type does not exist or was never published. */
export async function getLatestPublished(db: Connection, key: string): Promise<VersionView> {
  const newest = await newestVersion(db, key);
  if (!newest) throw notFound(`Published ticket type ${key}`);
  return toVersionView(newest);
}

export async function listVersions(db: Connection, key: string): Promise<VersionSummary[]> {
  await loadType(db, key);
  const docs = await ticketTypeVersions(db)
    .find({ key }, { projection: { definition: 0, source: 0 } })
    .sort({ version: -1 })
    .toArray();
  return docs.map(toVersionSummary);
}

export async function getVersion(db: Connection, key: string, version: number): Promise<VersionView> {
  const doc = await ticketTypeVersions(db).findOne({ _id: versionId(key, version) });
  if (!doc) throw notFound(`Version ${version} of ticket type ${key}`);
  return toVersionView(doc);
}

/** The category's name as a draft gives it: a well-formed one, or null (shown by its key or the studio's words). */
function categoryNameOf(source: TicketTypeSource): CategoryName | null {
  const name = source.categoryName as unknown;
  if (typeof name !== 'object' || name === null) return null;
  const zh = (name as Record<string, unknown>)['zh-CN'];
  const en = (name as Record<string, unknown>).en;
  if (typeof zh !== 'string' || zh.trim() === '') return null;
  return { 'zh-CN': zh, ...(typeof en === 'string' && en.trim() !== '' ? { en } : {}) };
}

// ---- Drafts ----------------------------------------------------------------------------------------------------

export async function createTicketType(
  db: Connection,
  source: TicketTypeSource,
  actor: string,
  at: Date,
): Promise<DraftView> {
  const doc: TicketTypeDoc = {
    _id: source.key,
    name: source.name,
    category: source.category,
    categoryName: categoryNameOf(source),
    draft: toDefinitionText(source),
    draftRevision: 1,
    draftSha256: definitionSha256(source),
    createdAt: at,
    createdBy: actor,
    updatedAt: at,
    updatedBy: actor,
    latestVersion: 0,
  };
  try {
    await ticketTypes(db).insertOne(doc);
  } catch (error) {
    if (isDuplicateKey(error))
      throw conflict(
        {
          'zh-CN': `标识为 ${source.key} 的工单类型已存在`,
          en: `A ticket type with the key ${source.key} exists`,
        },
        {},
        'body.key',
      );
    throw error;
  }
  return getDraft(db, source.key);
}

/**
 * Replace the draft, guarded by the revision the editor saw: a stale revision is refused with the current one, so
 * the studio can reload and merge instead of overwriting a colleague's work. On MongoDB the guarded update is
 * atomic. On FerretDB 1.24 `updateOne` reads and then writes, so two saves of the same revision in the same few
 * milliseconds can both pass and the later one wins; the draft is only a draft, and what must never race —
 * publishing a version — commits with a unique insert instead.
 */
export async function saveDraft(
  db: Connection,
  key: string,
  draftRevision: number,
  source: TicketTypeSource,
  actor: string,
  at: Date,
): Promise<DraftView> {
  if (source.key !== key) {
    throw badRequest(
      'body.definition.key',
      `The key cannot change: the address names ${key}, the body ${source.key}`,
    );
  }
  const result = await ticketTypes(db).updateOne(
    { _id: key, draftRevision },
    {
      $set: {
        name: source.name,
        category: source.category,
        categoryName: categoryNameOf(source),
        draft: toDefinitionText(source),
        draftRevision: draftRevision + 1,
        draftSha256: definitionSha256(source),
        updatedAt: at,
        updatedBy: actor,
      },
    },
  );
  if (result.matchedCount === 0) {
    const current = await loadType(db, key);
    throw staleDraft(current);
  }
  return getDraft(db, key);
}

function staleDraft(current: TicketTypeDoc): HttpProblem {
  return conflict(
    {
      'zh-CN': `您打开草稿后，${current.updatedBy} 已保存过它（现为第 ${current.draftRevision} 次修订），请重新加载`,
      en: `The draft was saved by ${current.updatedBy} since you opened it (now revision ${current.draftRevision}); reload it`,
    },
    {
      currentRevision: current.draftRevision,
      updatedAt: current.updatedAt.toISOString(),
      updatedBy: current.updatedBy,
    },
    'body.draftRevision',
  );
}

// ---- Validation ------------------------------------------------------------------------------------------------

/**
 * Check a definition as it would be published: its SLA policy reference resolved, and the teams, calendars,
 * ticket types and templates that exist passed to the runtime's checks.
 */
export async function validateSource(
  db: Connection,
  source: Record<string, unknown>,
): Promise<ValidationReport & { resolved: Record<string, unknown> }> {
  const [refs, resolved] = await Promise.all([loadDefinitionRefs(db), resolveDefinition(db, source)]);
  const { slaPolicies: _policies, ...runtimeRefs } = refs;
  const checked = validateTicketType(resolved.definition, runtimeRefs);
  // An unknown policy key was reported once, in words; the runtime would add that a string is not a policy.
  const runtimeProblems =
    resolved.problems.length > 0
      ? checked.problems.filter((problem) => problem.path !== '/sla' && !problem.path.startsWith('/sla/'))
      : checked.problems;
  // Effects the flow asks for that this server cannot run (its tickets would wait forever): never published.
  const unhandled = effectRegistryOf(db)?.problemsOf(resolved.definition) ?? [];
  const problems = [...resolved.problems, ...runtimeProblems, ...unhandled];
  // The runtime may add notes that do not block (a part it cannot check yet); its verdict is the one to keep.
  const valid = resolved.problems.length === 0 && unhandled.length === 0 && checked.valid;
  return { valid, problems, resolved: resolved.definition };
}

export async function validateDraft(
  db: Connection,
  key: string,
): Promise<ValidationReport & { draftRevision: number }> {
  const doc = await loadType(db, key);
  const { valid, problems } = await validateSource(db, parseDefinitionText(doc.draft));
  return { valid, problems, draftRevision: doc.draftRevision };
}

// ---- Publishing ----------------------------------------------------------------------------------------------

export interface PublishOptions {
  note: string;
  /** The draft revision the publisher looked at; publishing a newer draft than that is refused. */
  draftRevision?: number;
  /** The newest version the publisher knew of; when another publish came in between, this one is refused. */
  baseVersion?: number;
}

/**
 * Freeze the draft as version N+1. The commit point is one insert under `<key>@<N+1>`: of two concurrent
 * publishes exactly one creates that version and the other gets 409, on MongoDB and FerretDB alike. Publishing
 * a definition identical to the newest version (after resolving its policy and calendars) is refused too, so a
 * double click never makes two versions.
 */
export async function publishDraft(
  db: Connection,
  key: string,
  options: PublishOptions,
  actor: string,
  at: Date,
): Promise<VersionSummary> {
  const doc = await loadType(db, key);
  if (options.draftRevision !== undefined && options.draftRevision !== doc.draftRevision)
    throw staleDraft(doc);
  const source = parseDefinitionText<TicketTypeSource>(doc.draft);
  const report = await validateSource(db, source);
  if (!report.valid) {
    throw invalidDefinition(report.problems, {
      detail: { 'zh-CN': '草稿无法发布', en: 'The draft cannot be published' },
    });
  }
  const frozen = await freezeDefinition(db, report.resolved);
  return commitVersion(db, doc, {
    frozen,
    sha256: definitionSha256(frozen),
    source: doc.draft,
    sourceSha256: doc.draftSha256,
    name: source.name,
    category: source.category,
    categoryName: categoryNameOf(source),
    note: options.note,
    baseVersion: options.baseVersion,
    actor,
    at,
  });
}

/**
 * Publish an older version's frozen definition, unchanged, as the newest version. The draft follows it when the
 * draft had no unpublished changes; otherwise the draft is left alone so no one's unpublished work is lost.
 */
export async function rollbackTo(
  db: Connection,
  key: string,
  options: { version: number; note: string; baseVersion?: number },
  actor: string,
  at: Date,
): Promise<VersionSummary & { draftRestored: boolean }> {
  const doc = await loadType(db, key);
  const target = await ticketTypeVersions(db).findOne({ _id: versionId(key, options.version) });
  if (!target) throw notFound(`Version ${options.version} of ticket type ${key}`);
  const draftWasPublished = !hasUnpublishedChanges(doc);
  const published = await commitVersion(db, doc, {
    frozen: parseDefinitionText(target.definition),
    sha256: target.sha256,
    source: target.source,
    sourceSha256: target.sourceSha256,
    name: target.name,
    category: target.category,
    categoryName: target.categoryName ?? null,
    note: options.note,
    baseVersion: options.baseVersion,
    rolledBackFrom: target.version,
    actor,
    at,
  });
  let draftRestored = false;
  if (draftWasPublished) {
    const result = await ticketTypes(db).updateOne(
      { _id: key, draftRevision: doc.draftRevision },
      {
        $set: {
          name: target.name,
          category: target.category,
          categoryName: target.categoryName ?? null,
          draft: target.source,
          draftRevision: doc.draftRevision + 1,
          draftSha256: target.sourceSha256,
          updatedAt: at,
          updatedBy: actor,
        },
      },
    );
    draftRestored = result.matchedCount === 1;
  }
  return { ...published, draftRestored };
}

interface VersionInput {
  frozen: Record<string, unknown>;
  sha256: string;
  source: string;
  sourceSha256: string;
  name: LocalizedText;
  category: string;
  categoryName: CategoryName | null;
  note: string;
  baseVersion?: number;
  rolledBackFrom?: number;
  actor: string;
  at: Date;
}

async function commitVersion(
  db: Connection,
  type: TicketTypeDoc,
  input: VersionInput,
): Promise<VersionSummary> {
  const key = type._id;
  const newest = await newestVersion(db, key);
  const newestNumber = newest?.version ?? 0;
  if (input.baseVersion !== undefined && input.baseVersion !== newestNumber) {
    throw conflict(
      {
        'zh-CN': `您查看之后已发布了第 ${newestNumber} 版（您看到的是第 ${input.baseVersion} 版）`,
        en: `Version ${newestNumber} was published since you looked (you saw version ${input.baseVersion})`,
      },
      { latestVersion: newestNumber },
      'body.baseVersion',
    );
  }
  if (newest && newest.sha256 === input.sha256) {
    const problem = definitionsProblem('definition.noChanges', '', { version: newestNumber });
    throw conflict(problem.text, { latestVersion: newestNumber, problems: [problem] });
  }
  const version = newestNumber + 1;
  const doc: TicketTypeVersionDoc = {
    _id: versionId(key, version),
    key,
    version,
    name: input.name,
    category: input.category,
    categoryName: input.categoryName,
    definition: toDefinitionText(input.frozen),
    source: input.source,
    note: input.note,
    publishedAt: input.at,
    publishedBy: input.actor,
    sha256: input.sha256,
    sourceSha256: input.sourceSha256,
  };
  if (input.rolledBackFrom !== undefined) doc.rolledBackFrom = input.rolledBackFrom;
  try {
    await ticketTypeVersions(db).insertOne(doc);
  } catch (error) {
    if (isDuplicateKey(error)) {
      throw conflict(`Version ${version} was just published by someone else`, { latestVersion: version });
    }
    throw error;
  }
  await refreshLatestVersion(db, key);
  return toVersionSummary(doc);
}

/**
 * Bring the type document's cached `latestVersion` up to the versions collection. Only ever raises it. A
 * conditional update is a read-then-write on FerretDB, so after writing, read again and repeat if a concurrent
 * refresh put back an older number; a process that dies before this leaves the cache behind until the next
 * publish or `refreshLatestVersion`, while single-type reads use the versions collection directly.
 */
export async function refreshLatestVersion(db: Connection, key: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const newest = await newestVersionHead(db, key);
    if (!newest) return;
    const type = await ticketTypes(db).findOne({ _id: key }, { projection: { latestVersion: 1 } });
    if (!type || type.latestVersion >= newest.version) return;
    await ticketTypes(db).updateOne(
      { _id: key, latestVersion: { $lt: newest.version } },
      {
        $set: {
          latestVersion: newest.version,
          latestSourceSha256: newest.sourceSha256,
          latestPublishedAt: newest.publishedAt,
        },
      },
    );
  }
}

// ---- Diff ------------------------------------------------------------------------------------------------------

export type DiffSide = number | 'draft';

/**
 * Compare two versions, or a version and the draft, as tickets would run them: both sides frozen, so a change of
 * the SLA policy or a calendar shows as well as the analyst's own edits.
 */
export async function diffVersions(
  db: Connection,
  key: string,
  from: DiffSide,
  to: DiffSide,
): Promise<{ from: DiffSide; to: DiffSide; diff: ReturnType<typeof diffDefinitions> }> {
  const [before, after] = await Promise.all([frozenSide(db, key, from), frozenSide(db, key, to)]);
  return { from, to, diff: diffDefinitions(before, after) };
}

async function frozenSide(db: Connection, key: string, side: DiffSide): Promise<Record<string, unknown>> {
  if (side === 'draft') {
    const doc = await loadType(db, key);
    const resolved = await resolveDefinition(db, parseDefinitionText(doc.draft));
    return freezeDefinition(db, resolved.definition);
  }
  return (await getVersion(db, key, side)).definition;
}
