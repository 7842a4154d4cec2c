import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed links that let a requester answer without signing in (confirm the fix or reopen; rate the service).
 *
 * A token is `<claims>.<signature>`, both base64url: the claims are a small JSON array, the signature an
 * HMAC-SHA256 over a purpose label and the encoded claims with the app's secret. Nothing is stored per link: the
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

const FORMAT_VERSION = 1;
/** Domain separation: the same secret signs sessions' cookies; a link signature is never valid anywhere else. */
const PURPOSE = 'ordo.public-link';
const DAY_MS = 24 * 60 * 60 * 1000;

/** How long links stay usable unless the template says otherwise. */
export const DEFAULT_LINK_VALIDITY_MS: Record<LinkScope, number> = {
  confirm: 14 * DAY_MS,
  survey: 30 * DAY_MS,
};

function signature(secret: string, encodedClaims: string): Buffer {
  return createHmac('sha256', secret).update(`${PURPOSE}.${encodedClaims}`).digest();
}

export function signLink(secret: string, claims: LinkClaims): string {
  const encoded = Buffer.from(
    JSON.stringify([FORMAT_VERSION, claims.ticketId, claims.scope, claims.expiresAt, claims.round ?? null]),
  ).toString('base64url');
  return `${encoded}.${signature(secret, encoded).toString('base64url')}`;
}

function parseClaims(encoded: string): LinkClaims | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 5 || parsed[0] !== FORMAT_VERSION) return undefined;
  const [, ticketId, scope, expiresAt, round] = parsed as unknown[];
  if (typeof ticketId !== 'string' || ticketId === '') return undefined;
  if (!LINK_SCOPES.includes(scope as LinkScope)) return undefined;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return undefined;
  if (round !== null && typeof round !== 'number') return undefined;
  return {
    ticketId,
    scope: scope as LinkScope,
    expiresAt,
    ...(typeof round === 'number' ? { round } : {}),
  };
}

/**
 * Check a token for one scope. Anything malformed, forged or meant for another scope is `invalid` (answered
 * like an unknown page, so a guess learns nothing); a genuine but old link is `expired`.
 */
export function verifyLink(secret: string, token: string, scope: LinkScope, now: number): LinkCheck {
  const match = /^([A-Za-z0-9_-]{1,600})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'invalid' };
  const [, encoded, presented] = match as unknown as [string, string, string];
  const expected = signature(secret, encoded);
  const actual = Buffer.from(presented, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
    return { ok: false, reason: 'invalid' };
  const claims = parseClaims(encoded);
  if (!claims || claims.scope !== scope) return { ok: false, reason: 'invalid' };
  if (now >= claims.expiresAt) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

/** The page a requester opens: `${publicUrl}/public/confirm/<token>`. */
export function publicLinkUrl(publicUrl: string, scope: LinkScope, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/public/${scope}/${token}`;
}
