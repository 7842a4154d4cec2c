import { hasAnyRole, hasScopes, type Principal } from './principal.js';
import type { ApiKeyScope, Role } from './roles.js';

/**
 * Who may call a route, declared once in the route's `config.access`:
 *
 *   config: { access: { roles: ['admin'] } }                          admins only
 *   config: { access: { roles: ['admin', 'agent'], scopes: ['definitions:read'] } }  and keys holding that scope
 *   config: { access: {} }                                             any signed-in person
 *   config: { access: { roles: [], scopes: ['channels:write'] } }      integrations only
 *   config: { access: { public: true } }                               anyone (login, signed public links)
 *
 * An `/api/…` route that declares nothing needs a signed-in person, so forgetting the declaration fails closed.
 * Routes outside `/api` (health, docs, the studio's files) are public unless they declare otherwise.
 */
export interface RouteAccess {
  public?: boolean;
  /** People holding at least one of these roles. Omitted: any signed-in person. Empty: no person. */
  roles?: readonly Role[];
  /** Integration keys holding every one of these scopes. Omitted: keys are refused. */
  scopes?: readonly ApiKeyScope[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export type AccessDecision =
  | { outcome: 'allow' }
  | { outcome: 'unauthenticated' }
  | { outcome: 'forbidden'; reason: 'role' | 'scope' | 'integration' };

/** The access a route has when it declares none (see RouteAccess). */
export function effectiveAccess(access: RouteAccess | undefined, routeUrl: string | undefined): RouteAccess {
  if (access) return access;
  return routeUrl !== undefined && /^\/api(\/|$)/.test(routeUrl) ? {} : { public: true };
}

/** Decide whether a caller may call a route: the one place route-level access is decided. */
export function decideRouteAccess(access: RouteAccess, principal: Principal | null): AccessDecision {
  if (access.public) return { outcome: 'allow' };
  if (!principal) return { outcome: 'unauthenticated' };
  if (principal.kind === 'integration') {
    if (!access.scopes) return { outcome: 'forbidden', reason: 'integration' };
    return hasScopes(principal, access.scopes)
      ? { outcome: 'allow' }
      : { outcome: 'forbidden', reason: 'scope' };
  }
  if (access.roles && !hasAnyRole(principal, access.roles)) return { outcome: 'forbidden', reason: 'role' };
  return { outcome: 'allow' };
}
