import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  presentedCredential,
  principalFromApiKey,
  principalFromSession,
  SESSION_LIFETIME_MS,
} from '../access/credentials.js';
import { AccessCache } from '../access/access-cache.js';
import { accessProblem } from '../access/messages.js';
import type { Principal } from '../access/principal.js';
import { decideRouteAccess, effectiveAccess, type RouteAccess } from '../access/route-access.js';
import { HttpProblem } from '../lib/problem.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Sessions' people and people's teams, reused for a few seconds (see AccessCache). */
    accessCache: AccessCache;
  }
  interface FastifyRequest {
    /** Who is calling; set before the handler on every route that is not public, null on public ones. */
    principal: Principal | null;
  }
}

export const SESSION_COOKIE = 'ordo_session';

/**
 * The studio's session cookie. It carries the same random token as the bearer token (only its hash is stored),
 * so it is not signed: a signature would add nothing to a 256-bit random secret checked against the database.
 */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  void reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    maxAge: Math.floor(SESSION_LIFETIME_MS / 1000),
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
  });
}

/**
 * Who presented which credential: an API key (`X-Api-Key`), else a bearer token, else the session cookie.
 * A credential that is presented but not valid answers 401 rather than falling back to another one.
 */
async function resolvePrincipal(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Principal | null> {
  const credential = presentedCredential(request.headers, request.cookies[SESSION_COOKIE]);
  const now = app.clock.now();
  switch (credential.kind) {
    case 'none':
      return null;
    case 'malformed':
      throw accessProblem('session-invalid', { field: 'header.authorization' });
    case 'api-key': {
      const principal = await principalFromApiKey(app.models, credential.value, now);
      if (!principal) throw accessProblem('api-key-invalid', { field: 'header.x-api-key' });
      return principal;
    }
    case 'bearer':
    case 'cookie': {
      if (credential.kind === 'cookie' && crossSiteWrite(request, app.ordo.publicUrl))
        throw crossSiteRefused();
      const principal = await principalFromSession(app.models, credential.value, now, app.accessCache);
      if (principal) return principal;
      if (credential.kind === 'cookie') clearSessionCookie(request, reply);
      throw accessProblem('session-invalid');
    }
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A write carried by the session cookie must come from the studio's own pages: a browser says where a request
 * comes from (`Sec-Fetch-Site`, else `Origin`), and a cross-site page's form or script is refused (403) even
 * though SameSite=Lax already keeps the cookie off most of them. Bearer tokens and API keys are not sent by
 * browsers on their own, and clients that send neither header (scripts, old browsers) are not browsers' pages.
 */
export function crossSiteWrite(request: FastifyRequest, publicUrl: string | undefined): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== '') return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.origin;
  if (typeof origin !== 'string' || origin === '') return false;
  if (origin === 'null') return true;
  const own = new Set([`${request.protocol}://${request.host}`]);
  if (publicUrl) {
    try {
      own.add(new URL(publicUrl).origin);
    } catch {
      // An unparsable public URL names no origin.
    }
  }
  return !own.has(origin.toLowerCase());
}

const crossSiteRefused = () =>
  new HttpProblem(403, 'Forbidden', {
    code: 'cross-site-request',
    field: 'header.origin',
    text: {
      'zh-CN': '此操作只能在 Ordo 自己的页面中进行（请求来自其他网站，已拒绝）。',
      en: 'This change can only be made from Ordo’s own pages; a request from another site was refused.',
    },
  });

function enforce(access: RouteAccess, principal: Principal | null): void {
  const decision = decideRouteAccess(access, principal);
  if (decision.outcome === 'allow') return;
  if (decision.outcome === 'unauthenticated') throw accessProblem('sign-in-required');
  if (decision.reason === 'integration') throw accessProblem('integration-not-allowed');
  if (decision.reason === 'scope') {
    const held = principal?.kind === 'integration' ? principal.scopes : [];
    const missing = (access.scopes ?? []).filter((scope) => !held.includes(scope));
    throw accessProblem('scope-required', { params: { scopes: missing.join(', ') } });
  }
  throw accessProblem('role-required', { params: { roles: (access.roles ?? []).join(', ') } });
}

/**
 * Identify the caller and apply the route's declared access (`config.access`) before anything else runs, so an
 * unauthorised request learns nothing about validation or the data — one hook for every route.
 */
export const authPlugin = fp(
  async function authPlugin(app: FastifyInstance) {
    app.decorateRequest('principal', null);
    const cache = new AccessCache(app.models);
    app.decorate('accessCache', cache);
    // Whatever this process changes about sessions, people or teams is seen by its very next request.
    app.onChange('access', () => cache.forget());
    // The API description states which credentials each route takes, from the same declaration.
    app.addHook('onRoute', (route) => {
      const access = effectiveAccess(route.config?.access, route.url);
      if (access.public || !route.schema || route.schema.security) return;
      route.schema.security = [{ session: [] }, { bearer: [] }, ...(access.scopes ? [{ apiKey: [] }] : [])];
    });
    app.addHook('onRequest', async (request, reply) => {
      const access = effectiveAccess(request.routeOptions.config.access, request.routeOptions.url);
      if (access.public) return;
      request.principal = await resolvePrincipal(app, request, reply);
      enforce(access, request.principal);
    });
  },
  { name: 'auth', dependencies: ['models', '@fastify/cookie', 'changes'] },
);
