import type { Collection, Document, Filter } from 'mongodb';
import type { Connection } from 'mongoose';
import type { LocalizedText } from '../../../runtime/common/types.js';
import { ensureQueryIndexes } from '../../lib/query-indexes.js';
import { isDuplicateKey } from '../../lib/sequence.js';

/**
 * Records from other systems (an ERP order, a CRM opportunity, an asset), the optional registry naming their
 * systems, the triggers that open tickets from records or ticket events, the runs of those triggers, the summary of
 * each trigger's newest run, the tickets each trigger opened, and which tickets link to which record. Plain
 * collections on the app's connection: every "only once" here rests on a unique `_id` insert (DESIGN.md §8).
 */
export const RECORDS_COLLECTION = 'records';
export const RECORD_SYSTEMS_COLLECTION = 'record_systems';
export const TRIGGERS_COLLECTION = 'triggers';
export const TRIGGER_RUNS_COLLECTION = 'trigger_runs';
export const TRIGGER_OPENINGS_COLLECTION = 'trigger_openings';
export const RECORD_LINKS_COLLECTION = 'record_links';
export const TRIGGER_LAST_RUNS_COLLECTION = 'trigger_last_runs';

/** `system` and `type` of a record: lower-case keys; `id` is the other system's own id (case kept). */
export const RECORD_KEY_PATTERN = '^[a-z][a-z0-9_-]{0,63}$';
export const RECORD_ID_MAX = 200;
/** The JSON a record carries, serialised: past this a record is a document store's job, not Ordo's. */
export const RECORD_DATA_MAX_BYTES = 64 * 1024;

export interface RecordDoc {
  /** `<system>:<type>:<id>` — system and type hold no `:`, so the key is unique per record. */
  _id: string;
  system: string;
  type: string;
  id: string;
  title: string;
  owner?: string;
  url?: string;
  data: Record<string, unknown>;
  /** When the record last changed in its own system (sent by it; else when Ordo received it). */
  updatedAt: Date;
  receivedAt: Date;
  createdAt: Date;
  /** Who sent the last version: a user id or `api-key:<id>`. */
  sentBy: string;
}

export interface RecordSystemDoc {
  _id: string;
  name: LocalizedText;
  /** Display names of the record types of this system, by type key. */
  types: { key: string; name: LocalizedText }[];
  /** `https://crm.example.com/opportunity/{id}`: the address of a record in its own system. */
  urlTemplate?: string;
  updatedAt: Date;
  updatedBy: string;
}

export type TriggerKind = 'schedule' | 'event';
/** How often one record (or source ticket) may open a ticket for a trigger. */
export type TriggerRepeat = 'never' | 'day' | 'week' | 'month' | 'run';

export interface TriggerDoc {
  _id: string;
  name: string;
  description?: string;
  enabled: boolean;
  kind: TriggerKind;
  /** Schedule triggers: five-field cron text (croner) in `timezone`. */
  schedule?: string;
  timezone: string;
  /** Schedule triggers: the records looked at. */
  source?: { system: string; type: string };
  /** Event triggers: the ticket events that fire it (`ticket.opened`, `priority.changed`, …). */
  events?: string[];
  /** json-logic over the record (or the event and its ticket); absent: every record / event. */
  condition?: unknown;
  ticketType: string;
  team?: string;
  /** The person tickets are opened for (a user id). */
  requester: string;
  /** Open for the record's owner when it names an active person (id, username or e-mail). */
  requesterFromOwner: boolean;
  channel: string;
  /** json-logic per form field of the ticket type. */
  mapping: Record<string, unknown>;
  repeat: TriggerRepeat;
  /** Schedule triggers: the next due instant (advanced once a run finished). */
  nextRunAt?: Date;
  /**
   * The newest run's summary. Runs write it into `trigger_last_runs`, never into the trigger (see
   * `TriggerLastRunDoc`); a trigger stored before that may still carry one here, read when no newer one is there.
   */
  lastRun?: TriggerRunSummary;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

/**
 * A trigger as stored: its condition and mapping are json-logic, which holds arrays inside arrays
 * (`{"in": [x, ["a", "b"]]}`) that FerretDB 1.24 cannot store as a document (DESIGN.md §8), so both are kept as
 * JSON text. Triggers written before that hold them as documents; `decodeTrigger` reads both forms.
 */
export type StoredTriggerDoc = Omit<TriggerDoc, 'condition' | 'mapping'> & {
  condition?: unknown;
  mapping?: unknown;
};

/** The condition and mapping of a trigger (or of a `$set` on one) as JSON text. */
export function encodeTrigger<T extends Partial<Pick<TriggerDoc, 'condition' | 'mapping'>>>(
  trigger: T,
): Omit<T, 'condition' | 'mapping'> & { condition?: string; mapping?: string } {
  const { condition, mapping, ...rest } = trigger;
  return {
    ...rest,
    ...(condition === undefined ? {} : { condition: JSON.stringify(condition) }),
    ...(mapping === undefined ? {} : { mapping: JSON.stringify(mapping) }),
  };
}

/** A stored trigger with its condition and mapping read back from JSON text (or taken as they are, older form). */
export function decodeTrigger(stored: StoredTriggerDoc): TriggerDoc {
  const { condition, mapping, ...rest } = stored;
  return {
    ...rest,
    ...(condition === undefined ? {} : { condition: fromJsonText(condition) }),
    mapping: (fromJsonText(mapping) ?? {}) as Record<string, unknown>,
  };
}

function fromJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

export interface TriggerRunCounts {
  /** Records (or events) looked at. */
  examined: number;
  /** Of those, the ones the condition held for. */
  matched: number;
  /** Tickets opened by this run. */
  opened: number;
  /** Matching records whose ticket for this period already existed. */
  existing: number;
  /** Matching records that could not open a ticket (the reasons are on the run). */
  failed: number;
}

export interface TriggerRunSummary extends TriggerRunCounts {
  runId: string;
  startedAt: Date;
  finishedAt?: Date;
  status: 'running' | 'finished' | 'failed';
  reason: 'schedule' | 'manual' | 'event';
}

export interface TriggerRunDoc extends TriggerRunSummary {
  /** `<trigger>@<scheduled instant ISO>#<attempt>` for scheduled runs: its insert claims the run. */
  _id: string;
  triggerId: string;
  scheduledAt: Date;
  period: string;
  attempt: number;
  /** The first failures of the run (up to 20): which record and why. */
  failures: { record: string; reason: string }[];
  error?: string;
}

export interface TriggerOpeningDoc {
  /** The ticket id (derived from trigger, record or source ticket, and period). */
  _id: string;
  triggerId: string;
  /** `<system>:<type>:<id>` of the record, or `ticket:<id>` of the source ticket. */
  source: string;
  period: string;
  runId: string;
  at: Date;
}

/**
 * The summary of a trigger's newest run, one document per trigger (`_id`: the trigger's id). Kept apart from the
 * trigger because the embedded store rewrites a whole document on every update: a run's summary written into the
 * trigger while another worker moved its `nextRunAt` on could put the old instant back. Here each document has
 * one kind of write (the summary, whole), and the trigger's next instant is only ever written by itself.
 */
export interface TriggerLastRunDoc {
  _id: string;
  lastRun: TriggerRunSummary;
}

/** A trigger with the summary of its newest run: the one runs wrote apart, else one an older trigger carries. */
export function withLastRun(trigger: TriggerDoc, stored: TriggerLastRunDoc | null | undefined): TriggerDoc {
  return stored ? { ...trigger, lastRun: stored.lastRun } : trigger;
}

export interface RecordLinkDoc {
  /** `<record key>|<ticket id>` */
  _id: string;
  record: string;
  ticketId: string;
  number: string;
  at: Date;
}

export const recordKeyOf = (system: string, type: string, id: string): string => `${system}:${type}:${id}`;

export function recordCollections(db: Connection) {
  return {
    records: db.collection<RecordDoc>(RECORDS_COLLECTION),
    systems: db.collection<RecordSystemDoc>(RECORD_SYSTEMS_COLLECTION),
    triggers: db.collection<StoredTriggerDoc>(TRIGGERS_COLLECTION),
    runs: db.collection<TriggerRunDoc>(TRIGGER_RUNS_COLLECTION),
    openings: db.collection<TriggerOpeningDoc>(TRIGGER_OPENINGS_COLLECTION),
    links: db.collection<RecordLinkDoc>(RECORD_LINKS_COLLECTION),
    lastRuns: db.collection<TriggerLastRunDoc>(TRIGGER_LAST_RUNS_COLLECTION),
  };
}

export type RecordCollections = ReturnType<typeof recordCollections>;

/** Query indexes (MongoDB only: FerretDB 1.24 uses none for queries, see lib/query-indexes.ts). */
export async function ensureRecordIndexes(db: Connection): Promise<void> {
  await ensureQueryIndexes(db, RECORDS_COLLECTION, [
    { system: 1, type: 1, updatedAt: -1 },
    { updatedAt: -1 },
    { owner: 1 },
  ]);
  await ensureQueryIndexes(db, TRIGGER_RUNS_COLLECTION, [{ triggerId: 1, startedAt: -1 }]);
  await ensureQueryIndexes(db, TRIGGER_OPENINGS_COLLECTION, [{ triggerId: 1, at: -1 }]);
  await ensureQueryIndexes(db, RECORD_LINKS_COLLECTION, [{ record: 1 }, { ticketId: 1 }]);
}

/**
 * Store `doc` whole under its `_id`, inserting it when there is none. Two first writers at once may both try the
 * insert: the one that lost the race replaces the other's, as if it came after.
 */
export async function replaceWhole<T extends Document & { _id: string }>(
  collection: Collection<T>,
  doc: T,
): Promise<void> {
  const filter = { _id: doc._id } as Filter<T>;
  await collection.replaceOne(filter, doc, { upsert: true }).catch(async (error: unknown) => {
    if (!isDuplicateKey(error)) throw error;
    await collection.replaceOne(filter, doc);
  });
}
