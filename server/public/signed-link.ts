import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed links that let a requester answer without signing in (confirm the fix or reopen; rate the service).
 *
 * A token is `1.<scope>.<expiry>.<round>.<ticket id>.<signature>`: version, `c` (confirm) or `s` (survey), instants
 * in base 36, and a 128-bit HMAC-SHA256 over a purpose label and everything before it, with the app's secret,
 * base64url. It stays under 100 characters (the router's limit for a path parameter) and needs no storage: the
 * ticket's own state decides whether a link still means something (a confirmation link names the instant its
 * resolution began, so it dies when the ticket leaves that resolution, and cannot come back to life on a later
 * one).
 */
export const LINK_SCOPES = ['confirm', 'survey'] as const;
export type LinkScope = (typeof LINK_SCOPES)[number];

export interface LinkClaims {
  ticketId: string;
  scope: LinkScope;
  /** Epoch ms after which the link answers 410. */
  expiresAt: number;
  /** For confirmation links: `flags.resolvedAt` of the resolution the link answers. */
  round?: number;
}

export type LinkCheck =
  | { ok: true; claims: LinkClaims }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'expired'; claims: LinkClaims };

const FORMAT_VERSION = '1';
/** Domain separation: the same secret signs session cookies; a link signature is never valid anywhere else. */
const PURPOSE = 'ordo.public-link';
const SIGNATURE_BYTES = 16;
const DAY_MS = 24 * 60 * 60 * 1000;
const SCOPE_LETTERS: Record<LinkScope, string> = { confirm: 'c', survey: 's' };
const TICKET_ID = /^[A-Za-z0-9_-]{1,64}$/;
const TOKEN =
  /^([^.]+)\.([a-z])\.([0-9a-z]{1,11})\.([0-9a-z]{1,11}|-)\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{22})$/;

/** How long links stay usable unless the notification asks otherwise. */
export const DEFAULT_LINK_VALIDITY_MS: Record<LinkScope, number> = {
  confirm: 14 * DAY_MS,
  survey: 30 * DAY_MS,
};

function signature(secret: string, signed: string): Buffer {
  return createHmac('sha256', secret).update(`${PURPOSE}.${signed}`).digest().subarray(0, SIGNATURE_BYTES);
}

export function signLink(secret: string, claims: LinkClaims): string {
  if (!TICKET_ID.test(claims.ticketId))
    throw new Error(`A ticket id "${claims.ticketId}" cannot be put in a link`);
  const signed = [
    FORMAT_VERSION,
    SCOPE_LETTERS[claims.scope],
    Math.floor(claims.expiresAt).toString(36),
    claims.round === undefined ? '-' : Math.floor(claims.round).toString(36),
    claims.ticketId,
  ].join('.');
  return `${signed}.${signature(secret, signed).toString('base64url')}`;
}

/**
 * Check a token for one scope. Anything malformed, forged or meant for another scope is `invalid` (answered
 * like an unknown page, so a guess learns nothing); a genuine but old link is `expired`.
 */
export function verifyLink(secret: string, token: string, scope: LinkScope, now: number): LinkCheck {
  const match = TOKEN.exec(token);
  if (!match) return { ok: false, reason: 'invalid' };
  const [, version, scopeLetter, expiry, round, ticketId, presented] = match as unknown as string[];
  const signed = token.slice(0, token.length - (presented!.length + 1));
  // Compare the canonical spelling, not the decoded bytes: base64url's last character carries spare bits that a
  // decoder ignores, so several spellings decode to the same signature — only the one signLink writes is valid.
  const expected = Buffer.from(signature(secret, signed).toString('base64url'), 'ascii');
  const actual = Buffer.from(presented!, 'ascii');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
    return { ok: false, reason: 'invalid' };
  if (version !== FORMAT_VERSION || scopeLetter !== SCOPE_LETTERS[scope])
    return { ok: false, reason: 'invalid' };
  const claims: LinkClaims = {
    ticketId: ticketId!,
    scope,
    expiresAt: parseInt(expiry!, 36),
    ...(round === '-' ? {} : { round: parseInt(round!, 36) }),
  };
  if (now >= claims.expiresAt) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

/** The page a requester opens: `${publicUrl}/public/confirm/<token>`. */
export function publicLinkUrl(publicUrl: string, scope: LinkScope, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/public/${scope}/${token}`;
}
