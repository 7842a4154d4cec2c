import type { Connection } from 'mongoose';
import { notFound } from '../lib/problem.js';
import { parseDefinitionText } from './definition-json.js';
import { ticketTypeVersions, versionId, type TicketTypeVersionDoc } from './ticket-type.model.js';

export interface PublishedVersion {
  key: string;
  version: number;
  /**
   * The frozen definition: the ticket type with its SLA policy embedded under `sla` and every calendar it measures
   * on under `calendars` (key → calendar definition). Shared by every caller: treat it as read-only.
   */
  definition: Record<string, unknown>;
}

const MAX_CACHED_VERSIONS = 500;

/**
 * Frozen versions never change once inserted, so a version read once can be kept for the life of the process in
 * every process, with no invalidation. Bounded: the oldest-used entry goes first.
 */
const cache = new Map<string, PublishedVersion>();

// Keyed by database too: tests and tools may hold apps on several databases in one process.
const cacheId = (db: Connection, key: string, version: number): string =>
  `${db.name}/${versionId(key, version)}`;

function remember(id: string, entry: PublishedVersion): PublishedVersion {
  cache.delete(id);
  cache.set(id, entry);
  if (cache.size > MAX_CACHED_VERSIONS) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return entry;
}

function fromDoc(doc: TicketTypeVersionDoc): PublishedVersion {
  const definition = parseDefinitionText(doc.definition);
  deepFreeze(definition);
  return { key: doc.key, version: doc.version, definition };
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

/**
 * The published definition a ticket runs on. With `version`, that exact version (a running ticket's); without,
 * the newest (opening a ticket) — the newest number is read from the database every time, only the version's body
 * is cached. 404 when there is no such published version.
 */
export async function loadPublishedVersion(
  db: Connection,
  key: string,
  version?: number,
): Promise<PublishedVersion> {
  if (version !== undefined) {
    const id = cacheId(db, key, version);
    const cached = cache.get(id);
    if (cached) return remember(id, cached);
    const doc = await ticketTypeVersions(db).findOne({ _id: versionId(key, version) });
    if (!doc) throw notFound(`Version ${version} of ticket type ${key}`);
    return remember(id, fromDoc(doc));
  }
  const newest = await ticketTypeVersions(db)
    .find({ key }, { projection: { version: 1 } })
    .sort({ version: -1 })
    .limit(1)
    .next();
  if (!newest) throw notFound(`Published ticket type ${key}`);
  return loadPublishedVersion(db, key, newest.version);
}

/** For tests: forget every cached version. */
export function clearPublishedVersionCache(): void {
  cache.clear();
}
