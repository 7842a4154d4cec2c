import { createHash, randomBytes } from 'node:crypto';

/** Tokens and keys are stored only as this hash: a copy of the database does not let anyone sign in. */
export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** A session token: 32 random bytes, base64url (43 characters). */
export const newSessionToken = (): string => randomBytes(32).toString('base64url');

const API_KEY_PATTERN = /^ordo_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** An integration key `ordo_<id>_<secret>`: the id finds the record, the secret is checked against its hash. */
export function newApiKey(): { id: string; secret: string; key: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, key: `ordo_${id}_${secret}` };
}

export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const match = API_KEY_PATTERN.exec(key.trim());
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}
