import { describe, expect, it } from 'vitest';
import type { IntegrationPrincipal, UserPrincipal } from './principal.js';
import { decideRouteAccess, effectiveAccess, type RouteAccess } from './route-access.js';

const person = (...roles: UserPrincipal['roles']): UserPrincipal => ({
  kind: 'user',
  id: '0123456789abcdef01234567',
  username: 'someone',
  displayName: 'Someone',
  roles,
  locale: 'en',
  sessionId: 'hash',
});
const integration = (...scopes: IntegrationPrincipal['scopes']): IntegrationPrincipal => ({
  kind: 'integration',
  id: '0123456789abcdef',
  name: 'Monitoring',
  scopes,
});

describe('effectiveAccess', () => {
  it('makes an /api route without a declaration need a signed-in person', () => {
    expect(effectiveAccess(undefined, '/api/things')).toEqual({});
    expect(effectiveAccess(undefined, '/api')).toEqual({});
  });

  it('leaves routes outside /api public, and unknown routes to their 404', () => {
    expect(effectiveAccess(undefined, '/health')).toEqual({ public: true });
    expect(effectiveAccess(undefined, '/apiary')).toEqual({ public: true });
    expect(effectiveAccess(undefined, undefined)).toEqual({ public: true });
  });

  it('keeps a declaration as it is', () => {
    const declared: RouteAccess = { roles: ['admin'] };
    expect(effectiveAccess(declared, '/health')).toBe(declared);
  });
});

describe('decideRouteAccess', () => {
  const table: [string, RouteAccess, UserPrincipal | IntegrationPrincipal | null, string][] = [
    ['public route, nobody', { public: true }, null, 'allow'],
    ['any person, nobody', {}, null, 'unauthenticated'],
    ['any person, a requester', {}, person('requester'), 'allow'],
    ['admins, an admin', { roles: ['admin'] }, person('admin'), 'allow'],
    ['admins, an agent', { roles: ['admin'] }, person('agent'), 'forbidden:role'],
    [
      'admins or agents, a designer+agent',
      { roles: ['admin', 'agent'] },
      person('designer', 'agent'),
      'allow',
    ],
    [
      'no person at all, an admin',
      { roles: [], scopes: ['channels:write'] },
      person('admin'),
      'forbidden:role',
    ],
    ['people only, a key', { roles: ['admin'] }, integration('tickets:read'), 'forbidden:integration'],
    ['scope needed, a key holding it', { scopes: ['tickets:read'] }, integration('tickets:read'), 'allow'],
    [
      'two scopes needed, a key holding one',
      { scopes: ['tickets:read', 'tickets:write'] },
      integration('tickets:read'),
      'forbidden:scope',
    ],
    ['scope needed, nobody', { scopes: ['tickets:read'] }, null, 'unauthenticated'],
  ];
  for (const [name, access, principal, expected] of table) {
    it(name, () => {
      const decision = decideRouteAccess(access, principal);
      const outcome = decision.outcome === 'forbidden' ? `forbidden:${decision.reason}` : decision.outcome;
      expect(outcome).toBe(expected);
    });
  }
});
