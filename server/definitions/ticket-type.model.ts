import type { Connection } from 'mongoose';
import type { LocalizedText } from '../../runtime/common/types.js';
import type { CategoryName } from '../../runtime/definitions/index.js';

/**
 * Ticket types: one document per type holding its draft and the metadata lists query by, plus one frozen document
 * per published version. Bodies are JSON text (see definition-json.ts).
 */
export const TICKET_TYPES_COLLECTION = 'ticket_types';
export const TICKET_TYPE_VERSIONS_COLLECTION = 'ticket_type_versions';

export interface TicketTypeDoc {
  /** The type's key, e.g. `it.incident`. */
  _id: string;
  name: LocalizedText;
  category: string;
  /** What people call the category, when the definition names it (null: it does not). */
  categoryName?: CategoryName | null;
  /** The draft as the studio saved it (JSON text); it may be incomplete or invalid. */
  draft: string;
  /** Bumped on every draft save; an editor sends the revision it saw, a stale one is refused. */
  draftRevision: number;
  draftSha256: string;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
  /**
   * Newest published version, 0 before the first publish. A cache for lists: the versions collection is the
   * truth (publishing commits by inserting the version document, this field follows).
   */
  latestVersion: number;
  /** Hash of the source of `latestVersion`, so a list can tell whether the draft has unpublished changes. */
  latestSourceSha256?: string;
  latestPublishedAt?: Date;
}

export interface TicketTypeVersionDoc {
  /** `<key>@<version>`: the unique key that makes publishing version N an insert only one writer can win. */
  _id: string;
  key: string;
  version: number;
  name: LocalizedText;
  category: string;
  /** What people call the category, when the definition names it (null: it does not). */
  categoryName?: CategoryName | null;
  /**
   * The definition tickets run on (JSON text): the source with its SLA policy and every calendar it measures on
   * resolved and embedded, so later edits of those never change a running ticket.
   */
  definition: string;
  /** The draft as published (JSON text), references unresolved: what a rollback restores into the draft. */
  source: string;
  note: string;
  publishedAt: Date;
  publishedBy: string;
  /** Hash of `definition` (canonical JSON). */
  sha256: string;
  sourceSha256: string;
  /** Set when this version re-published an older one. */
  rolledBackFrom?: number;
}

export const versionId = (key: string, version: number): string => `${key}@${version}`;

export function ticketTypes(db: Connection) {
  return db.collection<TicketTypeDoc>(TICKET_TYPES_COLLECTION);
}

export function ticketTypeVersions(db: Connection) {
  return db.collection<TicketTypeVersionDoc>(TICKET_TYPE_VERSIONS_COLLECTION);
}

export async function ensureTicketTypeIndexes(db: Connection): Promise<void> {
  await ticketTypeVersions(db).createIndex({ key: 1, version: -1 }, { unique: true });
  await ticketTypes(db).createIndex({ category: 1 });
}
