import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import type { Connection } from 'mongoose';
import { ensureQueryIndexes } from '../../lib/query-indexes.js';
import type {
  CustomMapping,
  MappingExpression,
  MappingPreset,
  NormalizedAlert,
  Priority,
} from './alert-mapping.js';

/** An alert channel: where one monitoring system posts, and what its alerts become. */
export interface AlertChannelDoc {
  /** The public id, in the webhook's path (`/api/channels/alerts/<_id>`). */
  _id: string;
  name: string;
  enabled: boolean;
  /** sha256 of the secret key the sender presents in `X-Ordo-Alert-Key`. */
  keyHash: string;
  /** The key's last four characters, to tell keys apart in lists. */
  keyHint: string;
  keyRotatedAt: Date;
  /** When set, every payload must carry `X-Ordo-Signature: sha256=<HMAC of the raw body>` made with this secret. */
  signingSecret?: string;
  preset: MappingPreset;
  mapping?: CustomMapping;
  typeKey: string;
  requesterId: string;
  /** A team the ticket is handed to once opened, whatever the type's routing chose. */
  team?: string;
  severityMap: Record<string, Priority>;
  defaultPriority: Priority;
  /** Form values per priority: how a mapped priority reaches the type's own priority rules. */
  priorityData: Partial<Record<Priority, Record<string, unknown>>>;
  /** Form field ← expression over `{ alert, priority, channel }`. */
  dataMapping: Record<string, MappingExpression>;
  /** A resolved alert resolves its ticket (else it is only recorded on it). */
  autoResolve: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The fields of a channel holding json-logic or free form values, kept as JSON text (see `encodeAlertChannel`). */
const JSON_TEXT_FIELDS = ['mapping', 'dataMapping', 'priorityData'] as const;
type JsonTextField = (typeof JSON_TEXT_FIELDS)[number];

/**
 * A channel as stored: its mapping and data mapping may hold json-logic, whose arrays inside arrays
 * (`{"in": [x, ["a", "b"]]}`) FerretDB 1.24 cannot store as a document (DESIGN.md §8), and its priority data holds
 * free form values; all three are kept as JSON text. Channels written before that hold them as documents;
 * `decodeAlertChannel` reads both forms.
 */
export type StoredAlertChannelDoc = Omit<AlertChannelDoc, JsonTextField> & {
  mapping?: unknown;
  dataMapping?: unknown;
  priorityData?: unknown;
};

/** A channel (or a `$set` on one) with its json-logic and form values as JSON text. */
export function encodeAlertChannel(channel: Partial<AlertChannelDoc>): Partial<StoredAlertChannelDoc> {
  const stored: Record<string, unknown> = { ...channel };
  for (const field of JSON_TEXT_FIELDS) {
    if (channel[field] !== undefined) stored[field] = JSON.stringify(channel[field]);
  }
  return stored;
}

/** A stored channel with its JSON text fields read back (documents of the older form taken as they are). */
export function decodeAlertChannel(stored: StoredAlertChannelDoc): AlertChannelDoc {
  const channel: Record<string, unknown> = { ...stored };
  for (const field of JSON_TEXT_FIELDS) {
    const value = stored[field];
    if (typeof value === 'string') channel[field] = JSON.parse(value) as unknown;
  }
  channel.priorityData ??= {};
  channel.dataMapping ??= {};
  return channel as unknown as AlertChannelDoc;
}

/**
 * One episode of a fingerprint: the claim that a ticket is (being) opened for it. Its `_id`
 * (`<channel>|<fingerprint>|<n>`) is the commit point: of concurrent firings exactly one inserts it, and the
 * ticket id derives from it, so a crash between the claim and the open is completed by the next firing.
 */
export interface AlertEpisodeDoc {
  _id: string;
  channelId: string;
  fingerprint: string;
  episode: number;
  ticketId: string;
  alert: NormalizedAlert;
  at: Date;
}

/** Ticket id → its episode, for the ticket page's occurrence panel (read by `_id`). */
export interface AlertTicketDoc {
  _id: string;
  episodeId: string;
  channelId: string;
  fingerprint: string;
}

/** A resolved alert recorded on an episode's ticket, once per alert instance (`_id` episode + start). */
export interface AlertResolutionDoc {
  _id: string;
  episodeId: string;
  at: Date;
  endsAt?: string;
  resolvedTicket: boolean;
}

/** A payload not turned into (or onto) tickets, with why; kept for an admin to read and replay. */
export interface AlertRejectionDoc {
  _id: string;
  channelId: string;
  at: Date;
  code: string;
  field?: string;
  reason: { 'zh-CN': string; en: string };
  /** The payload as received (UTF-8 text), cut at MAX_KEPT_PAYLOAD. */
  payload: string;
  truncated: boolean;
  replays: number;
  replayedAt?: Date;
  /** Set once a replay turned it into tickets. */
  settledAt?: Date;
}

/** The newest episode number known for a fingerprint: a hint to start probing from, never trusted alone. */
export interface AlertHeadDoc {
  _id: string;
  episode: number;
}

export const ALERT_CHANNELS = 'alert_channels';
export const ALERT_EPISODES = 'alert_episodes';
export const ALERT_TICKETS = 'alert_tickets';
export const ALERT_RESOLUTIONS = 'alert_resolutions';
export const ALERT_REJECTIONS = 'alert_rejections';
export const ALERT_HEADS = 'alert_heads';
export const MAX_KEPT_PAYLOAD = 256 * 1024;

export const alertCollections = (db: Connection) => ({
  channels: db.collection<StoredAlertChannelDoc>(ALERT_CHANNELS),
  episodes: db.collection<AlertEpisodeDoc>(ALERT_EPISODES),
  tickets: db.collection<AlertTicketDoc>(ALERT_TICKETS),
  resolutions: db.collection<AlertResolutionDoc>(ALERT_RESOLUTIONS),
  rejections: db.collection<AlertRejectionDoc>(ALERT_REJECTIONS),
  heads: db.collection<AlertHeadDoc>(ALERT_HEADS),
});

export async function ensureAlertIndexes(db: Connection): Promise<void> {
  await ensureQueryIndexes(db, ALERT_REJECTIONS, [{ channelId: 1, at: -1 }]);
  await ensureQueryIndexes(db, ALERT_CHANNELS, [{ createdAt: -1 }]);
}

// ---------------------------------------------------------------------------------------------- ids and keys

export const newChannelId = () => `ac${randomBytes(8).toString('hex')}`;
export const newRejectionId = () => `ar${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
export const episodeIdOf = (channelId: string, fingerprint: string, episode: number) =>
  `${channelId}|${fingerprint}|${episode}`;
export const headIdOf = (channelId: string, fingerprint: string) => `${channelId}|${fingerprint}`;

/** The ticket an episode opens: the same for every firing and every process. */
export function alertTicketIdOf(episodeId: string): string {
  return `a${createHash('sha256').update(`alert-episode\n${episodeId}`).digest('hex').slice(0, 28)}`;
}

/** The occurrence counter of an episode (`server/lib/sequence.ts` scope). */
export const occurrenceScopeOf = (episodeId: string) => `alert:${episodeId}`;

export const newAlertKey = () => `oak_${randomBytes(24).toString('base64url')}`;
export const newSigningSecret = () => `oas_${randomBytes(24).toString('base64url')}`;
export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** Does `presented` hash to `keyHash`? In constant time. */
export function keyMatches(presented: string, keyHash: string): boolean {
  const given = Buffer.from(hashKey(presented), 'hex');
  const stored = Buffer.from(keyHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

// The signing secret must be read back to check signatures, so it is kept encrypted with the app's secret.
const cipherKey = (appSecret: string) => createHash('sha256').update(`alert-signing\n${appSecret}`).digest();

export function sealSecret(secret: string, appSecret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cipherKey(appSecret), iv);
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url')).join('.');
}

export function openSecret(sealed: string, appSecret: string): string {
  const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  const decipher = createDecipheriv('aes-256-gcm', cipherKey(appSecret), iv!);
  decipher.setAuthTag(tag!);
  return Buffer.concat([decipher.update(data!), decipher.final()]).toString('utf8');
}

/** The signature a sender puts in `X-Ordo-Signature`: `sha256=` + hex HMAC-SHA256 of the raw body. */
export const signBody = (secret: string, body: Buffer | string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export function signatureMatches(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
