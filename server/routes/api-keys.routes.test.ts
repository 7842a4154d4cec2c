import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from '../../test/support/server-app.js';

const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
let app: FastifyInstance;
let adminToken: string;
let agent: CreatedUser;

beforeAll(async () => {
  app = await buildTestApp('api_keys_routes', { clock });
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  agent = await createUser(app, adminToken, { username: 'ma.chao', roles: ['agent'] });
});
afterAll(async () => {
  await app.close();
});

async function createKey(scopes: string[], name = 'Monitoring') {
  const { status, body } = await call(app, {
    method: 'POST',
    url: '/api/api-keys',
    headers: bearer(adminToken),
    payload: { name, scopes },
  });
  expect(status).toBe(201);
  return body as { id: string; key: string; name: string; scopes: string[] };
}

describe('POST /api/api-keys', () => {
  it('creates a key shown once; only its hash is stored', async () => {
    const created = await createKey(['definitions:read', 'tickets:write']);
    expect(created.key).toMatch(new RegExp(`^ordo_${created.id}_[A-Za-z0-9_-]{43}$`));
    expect(created).toMatchObject({ name: 'Monitoring', scopes: ['definitions:read', 'tickets:write'] });
    const stored = await app.models.ApiKey.findById(created.id).lean();
    expect(JSON.stringify(stored)).not.toContain(created.key.split('_').slice(2).join('_'));
  });

  it('refuses a scope outside the fixed list, naming it', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/api-keys',
      headers: bearer(adminToken),
      payload: { name: 'Bad', scopes: ['tickets:read', 'everything'] },
    });
    expect(status).toBe(400);
    expect(body.field).toBe('body.scopes.1');
  });

  it('answers 403 to an agent', async () => {
    const { status } = await call(app, {
      method: 'POST',
      url: '/api/api-keys',
      headers: bearer(agent.token),
      payload: { name: 'Mine', scopes: ['tickets:read'] },
    });
    expect(status).toBe(403);
  });
});

describe('GET /api/api-keys', () => {
  it('lists keys without the keys themselves', async () => {
    const { status, body, response } = await call(app, {
      method: 'GET',
      url: '/api/api-keys',
      headers: bearer(adminToken),
    });
    expect(status).toBe(200);
    expect((body.items as unknown[]).length).toBeGreaterThan(0);
    expect(response.body).not.toMatch(/ordo_[0-9a-f]{16}_/);
    expect(response.body).not.toContain('secretHash');
  });
});

describe('using an API key', () => {
  it('calls a route that accepts its scope, and records when it was last used', async () => {
    const { id, key } = await createKey(['definitions:read']);
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/teams',
      headers: { 'x-api-key': key },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ items: [] });
    const stored = await app.models.ApiKey.findById(id).lean();
    expect(stored?.lastUsedAt?.getTime()).toBe(clock.now());
  });

  it('is refused with 403 where its scopes do not reach, and on routes meant for people', async () => {
    const { key } = await createKey(['tickets:read']);
    const teams = await call(app, { method: 'GET', url: '/api/teams', headers: { 'x-api-key': key } });
    expect(teams.status).toBe(403);
    expect(teams.body.type).toBe('urn:ordo:problem:scope-required');
    expect(teams.body.detail).toContain('definitions:read');
    const users = await call(app, { method: 'GET', url: '/api/users', headers: { 'x-api-key': key } });
    expect(users.status).toBe(403);
    expect(users.body.type).toBe('urn:ordo:problem:integration-not-allowed');
    const me = await call(app, { method: 'GET', url: '/api/me', headers: { 'x-api-key': key } });
    expect(me.status).toBe(403);
  });

  it('answers 401 for an unknown key, a malformed key, or a right id with a wrong secret', async () => {
    const { id } = await createKey(['definitions:read']);
    for (const key of [
      `ordo_${'0'.repeat(16)}_${'a'.repeat(43)}`,
      'not-a-key',
      `ordo_${id}_${'b'.repeat(43)}`,
    ]) {
      const { status, body } = await call(app, {
        method: 'GET',
        url: '/api/teams',
        headers: { 'x-api-key': key },
      });
      expect({ status, type: body.type }).toEqual({ status: 401, type: 'urn:ordo:problem:api-key-invalid' });
    }
  });
});

describe('DELETE /api/api-keys/:id', () => {
  it('revokes: the key answers 401 from then on, and the list shows when', async () => {
    const { id, key } = await createKey(['definitions:read'], 'To revoke');
    expect(
      (await call(app, { method: 'GET', url: '/api/teams', headers: { 'x-api-key': key } })).status,
    ).toBe(200);
    const revoked = await call(app, {
      method: 'DELETE',
      url: `/api/api-keys/${id}`,
      headers: bearer(adminToken),
    });
    expect(revoked.status).toBe(204);
    expect(
      (await call(app, { method: 'GET', url: '/api/teams', headers: { 'x-api-key': key } })).status,
    ).toBe(401);
    const list = await call(app, { method: 'GET', url: '/api/api-keys', headers: bearer(adminToken) });
    const listed = (list.body.items as { id: string; revokedAt?: string }[]).find((item) => item.id === id);
    expect(listed?.revokedAt).toBe(new Date(clock.now()).toISOString());
    expect(
      (await call(app, { method: 'DELETE', url: `/api/api-keys/${id}`, headers: bearer(adminToken) })).status,
    ).toBe(204);
  });

  it('answers 404 for an unknown key and 400 for a malformed id', async () => {
    const missing = await call(app, {
      method: 'DELETE',
      url: `/api/api-keys/${'0'.repeat(16)}`,
      headers: bearer(adminToken),
    });
    expect(missing.status).toBe(404);
    const malformed = await call(app, {
      method: 'DELETE',
      url: '/api/api-keys/xyz',
      headers: bearer(adminToken),
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.field).toBe('params.id');
  });
});
