import type { Locale } from '../../runtime/common/types.js';
import type { ApiKeyScope, Role } from './roles.js';

/** A person signed in through a session (cookie or bearer token). */
export interface UserPrincipal {
  kind: 'user';
  /** The user's id (hex ObjectId). */
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  locale: Locale;
  /** Hash of the session token; logout and revocation address it. */
  sessionId: string;
}

/** An integration calling with an API key: it holds scopes, never roles. */
export interface IntegrationPrincipal {
  kind: 'integration';
  /** The key's id (the `<id>` in `ordo_<id>_<secret>`). */
  id: string;
  name: string;
  scopes: ApiKeyScope[];
}

export type Principal = UserPrincipal | IntegrationPrincipal;

export const isUser = (principal: Principal | null | undefined): principal is UserPrincipal =>
  principal?.kind === 'user';

export const hasRole = (principal: Principal | null | undefined, role: Role): boolean =>
  isUser(principal) && principal.roles.includes(role);

export const hasAnyRole = (principal: Principal | null | undefined, roles: readonly Role[]): boolean =>
  isUser(principal) && roles.some((role) => principal.roles.includes(role));

export const hasScopes = (principal: Principal | null | undefined, scopes: readonly ApiKeyScope[]): boolean =>
  principal?.kind === 'integration' && scopes.every((scope) => principal.scopes.includes(scope));
