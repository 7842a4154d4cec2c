import type { Types } from 'mongoose';
import type { PeopleModels } from '../models/index.js';
import type { IntegrationPrincipal, UserPrincipal } from './principal.js';
import { readSessionHolder, type AccessCache } from './access-cache.js';
import { newSessionToken, parseApiKey, sha256 } from './tokens.js';

/** A session lasts a working day and a half: long enough for a shift, short enough for a shared computer. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

/** `lastUsedAt` of a key is refreshed at most this often, so a busy integration does not write on every call. */
const LAST_USED_RESOLUTION_MS = 60 * 1000;

/** What a request presented to identify its caller, in the order it is honoured. */
export type PresentedCredential =
  | { kind: 'api-key'; value: string }
  | { kind: 'bearer'; value: string }
  | { kind: 'cookie'; value: string }
  | { kind: 'malformed' }
  | { kind: 'none' };

export function presentedCredential(
  headers: Record<string, string | string[] | undefined>,
  sessionCookie: string | undefined,
): PresentedCredential {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return { kind: 'api-key', value: apiKey };
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && authorization !== '') {
    const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(authorization);
    return match ? { kind: 'bearer', value: match[1]! } : { kind: 'malformed' };
  }
  if (sessionCookie) return { kind: 'cookie', value: sessionCookie };
  return { kind: 'none' };
}

/** Start a session for a user; the token is returned once and only its hash is stored. */
export async function createSession(
  models: PeopleModels,
  userId: Types.ObjectId,
  now: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newSessionToken();
  const expiresAt = new Date(now + SESSION_LIFETIME_MS);
  await models.Session.create({ _id: sha256(token), userId, createdAt: new Date(now), expiresAt });
  // Expired sessions are removed here rather than by a TTL index, which FerretDB does not have.
  await models.Session.deleteMany({ expiresAt: { $lte: new Date(now) } });
  return { token, expiresAt };
}

export async function revokeSession(models: PeopleModels, token: string): Promise<void> {
  await models.Session.deleteOne({ _id: sha256(token) });
}

/** End every session of a user (deactivation, password change). */
export async function revokeSessionsOf(models: PeopleModels, userId: Types.ObjectId): Promise<void> {
  await models.Session.deleteMany({ userId });
}

/** The signed-in person behind a session token, or null when the session is unknown, expired or inactive. */
export async function principalFromSession(
  models: PeopleModels,
  token: string,
  now: number,
  cache?: AccessCache,
): Promise<UserPrincipal | null> {
  const sessionId = sha256(token);
  const holder = cache ? await cache.session(sessionId) : await readSessionHolder(models, sessionId);
  if (!holder) return null;
  if (holder.expiresAt <= now) {
    await models.Session.deleteOne({ _id: sessionId });
    cache?.forget();
    return null;
  }
  return holder.principal ? { ...holder.principal, sessionId } : null;
}

/** The integration behind an API key, or null when the key is malformed, unknown, wrong or revoked. */
export async function principalFromApiKey(
  models: PeopleModels,
  presented: string,
  now: number,
): Promise<IntegrationPrincipal | null> {
  const parsed = parseApiKey(presented);
  if (!parsed) return null;
  const record = await models.ApiKey.findById(parsed.id).lean();
  // Both hashes are fixed-length hex of a random secret: comparing them leaks nothing useful about the secret.
  if (!record || record.revokedAt || record.secretHash !== sha256(parsed.secret)) return null;
  if (!record.lastUsedAt || now - record.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await models.ApiKey.updateOne({ _id: record._id }, { $set: { lastUsedAt: new Date(now) } });
  }
  return { kind: 'integration', id: record._id, name: record.name, scopes: record.scopes };
}
