import type { Connection } from 'mongoose';

/**
 * What was installed from the scenario packs, per database. One insert per install under `<pack>@<version>`: the
 * unique `_id` is the commit point, so two admins installing the same version at once record it once and the
 * second is told it is already installed. Removing a pack moves its records into `template_removals`, with the
 * drafts of the types it hid, so a removal can be read back and nothing an analyst wrote is lost.
 */
export const TEMPLATE_INSTALLS_COLLECTION = 'template_installs';
export const TEMPLATE_REMOVALS_COLLECTION = 'template_removals';

export type TypeInstallAction = 'created' | 'updated' | 'unchanged';

export interface InstalledTypeRecord {
  key: string;
  action: TypeInstallAction;
  /** The published version this install left; null when installed as a draft only. */
  version: number | null;
  /** Hash of the draft the pack wrote: an upgrade finding another draft knows someone changed it since. */
  draftSha256: string;
}

export interface TemplateInstallDoc {
  /** `<pack id>@<version>`. */
  _id: string;
  packId: string;
  version: string;
  installedAt: Date;
  installedBy: string;
  /** False when installed with `publish: false` (drafts to review); a later install may publish them. */
  published: boolean;
  types: InstalledTypeRecord[];
  teamsCreated: string[];
  calendarsCreated: string[];
}

export interface RemovedTypeRecord {
  key: string;
  /** The draft as it was when the type was hidden (JSON text), or null when the type was already gone. */
  draft: string | null;
  /** Published versions stay in `ticket_type_versions`; this is the newest of them. */
  latestVersion: number;
}

export interface TemplateRemovalDoc {
  /** `<pack id>@<version>@<removal instant>`. */
  _id: string;
  packId: string;
  version: string;
  removedAt: Date;
  removedBy: string;
  types: RemovedTypeRecord[];
  installs: TemplateInstallDoc[];
}

export const installId = (packId: string, version: string): string => `${packId}@${version}`;

export function templateInstalls(db: Connection) {
  return db.collection<TemplateInstallDoc>(TEMPLATE_INSTALLS_COLLECTION);
}

export function templateRemovals(db: Connection) {
  return db.collection<TemplateRemovalDoc>(TEMPLATE_REMOVALS_COLLECTION);
}

export async function ensureTemplateIndexes(db: Connection): Promise<void> {
  await templateInstalls(db).createIndex({ packId: 1 });
  await templateRemovals(db).createIndex({ packId: 1 });
}
