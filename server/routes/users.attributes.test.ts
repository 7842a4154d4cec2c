import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from '../../test/support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../../test/support/tickets.js';

let app: FastifyInstance;
let admin: string;
let customer: CreatedUser;
let designer: CreatedUser;
let agents: CreatedUser[];

async function apiKey(scopes: string[]): Promise<string> {
  const { status, body } = await call(app, {
    method: 'POST',
    url: '/api/api-keys',
    headers: bearer(admin),
    payload: { name: `crm-${scopes.join('-')}`, scopes },
  });
  expect(status, JSON.stringify(body)).toBe(201);
  return String(body.key);
}

const incident = (title: string) => ({
  type: 'it.incident',
  data: { title, service: 'email', impact: 'person', urgency: 'low' },
});

beforeAll(async () => {
  app = await buildTestApp('users_attributes');
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  customer = await createUser(app, admin, { username: 'customer.qian', roles: ['requester'] });
  designer = await createUser(app, admin, { username: 'designer.sun', roles: ['designer'] });
  agents = [
    await createUser(app, admin, { username: 'desk.a', roles: ['agent'] }),
    await createUser(app, admin, { username: 'ops.b', roles: ['agent'] }),
    await createUser(app, admin, { username: 'north.c', roles: ['agent'] }),
  ];
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agents[0]!.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agents[1]!.id }] });
  await createTeam(app, admin, { key: 'north-desk', members: [{ userId: agents[2]!.id }] });
  const definition = itIncidentDefinition();
  // A custom attribute and a built-in one read by routing rules ahead of the fixture's own.
  definition.routing = [
    {
      id: 'north',
      when: { '==': [{ var: 'requester.region' }, 'north'] },
      then: { team: 'north-desk', strategy: 'round-robin', priorityAtLeast: 'medium' },
    },
    ...(definition.routing as unknown[]),
  ];
  await publishType(app, designer.token, definition);
});
afterAll(async () => {
  await app.close();
});

describe('PATCH /api/users/:id requester attributes', () => {
  it('an admin sets the level, and the next open is routed and prioritised by requester.level', async () => {
    const before = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(customer.token),
      payload: incident('邮箱满了'),
    });
    expect(before.status, JSON.stringify(before.body)).toBe(201);
    expect(before.body.priority).toBe('low');

    const { status, body } = await call(app, {
      method: 'PATCH',
      url: `/api/users/${customer.id}`,
      headers: bearer(admin),
      payload: { level: 'vip', location: '上海', costCenter: 'CC-1001' },
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ level: 'vip', location: '上海', costCenter: 'CC-1001' });

    const after = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(customer.token),
      payload: incident('邮箱又满了'),
    });
    expect(after.status, JSON.stringify(after.body)).toBe(201);
    expect(after.body.team).toBe('it-desk');
    expect(after.body.priority).toBe('high');
    expect((after.body.explanations as { routing?: { ruleId?: string } }).routing).toBeUndefined(); // requester cannot read it
    const asAdmin = await call(app, {
      method: 'GET',
      url: `/api/tickets/${String(after.body.id)}`,
      headers: bearer(admin),
    });
    expect(JSON.stringify((asAdmin.body.explanations as Record<string, unknown>).routing)).toContain('vip');
  });

  it('null clears an attribute; custom keys are validated and may not reuse built-in names', async () => {
    const cleared = await call(app, {
      method: 'PATCH',
      url: `/api/users/${customer.id}`,
      headers: bearer(admin),
      payload: { costCenter: null },
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body.costCenter).toBeUndefined();
    expect(cleared.body.level).toBe('vip');

    const reserved = await call(app, {
      method: 'PATCH',
      url: `/api/users/${customer.id}`,
      headers: bearer(admin),
      payload: { attributes: { level: 'gold' } },
    });
    expect(reserved.status).toBe(400);
    expect(reserved.body.field).toBe('body.attributes.level');
    expect(reserved.body.type).toBe('urn:ordo:problem:attribute-key-reserved');

    const badKey = await call(app, {
      method: 'PATCH',
      url: `/api/users/${customer.id}`,
      headers: bearer(admin),
      payload: { attributes: { 'a.b': 1 } },
    });
    expect(badKey.status).toBe(400);
    const badValue = await call(app, {
      method: 'PATCH',
      url: `/api/users/${customer.id}`,
      headers: bearer(admin),
      payload: { attributes: { region: { nested: true } } },
    });
    expect(badValue.status).toBe(400);
    expect(String(badValue.body.field)).toContain('body.attributes');
    const tooLong = await call(app, {
      method: 'PATCH',
      url: `/api/users/${customer.id}`,
      headers: bearer(admin),
      payload: { level: 'x'.repeat(65) },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.field).toBe('body.level');
    const stored = await call(app, {
      method: 'GET',
      url: `/api/users/${customer.id}`,
      headers: bearer(admin),
    });
    expect(stored.body.attributes).toBeUndefined();
  });
});

describe('PATCH /api/users/:id/attributes', () => {
  it('an integration key with people:write sets custom attributes by username; rules read them at open', async () => {
    const key = await apiKey(['people:write']);
    const { status, body } = await call(app, {
      method: 'PATCH',
      url: '/api/users/customer.qian/attributes',
      headers: { 'x-api-key': key },
      payload: { attributes: { region: 'north', seats: 40 } },
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.attributes).toEqual({ region: 'north', seats: 40 });
    expect(body.level).toBe('vip');

    const opened = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(customer.token),
      payload: incident('北区打印机'),
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(opened.body.team).toBe('north-desk');
    expect(opened.body.assignee).toBe(agents[2]!.id);

    const merged = await call(app, {
      method: 'PATCH',
      url: `/api/users/${customer.id}/attributes`,
      headers: { 'x-api-key': key },
      payload: { attributes: { seats: null, partner: true } },
    });
    expect(merged.status).toBe(200);
    expect(merged.body.attributes).toEqual({ region: 'north', partner: true });
  });

  it('refuses keys without the scope, unknown people and empty bodies', async () => {
    const readOnly = await apiKey(['tickets:read']);
    const denied = await call(app, {
      method: 'PATCH',
      url: `/api/users/${customer.id}/attributes`,
      headers: { 'x-api-key': readOnly },
      payload: { level: 'gold' },
    });
    expect(denied.status).toBe(403);
    const agentTry = await call(app, {
      method: 'PATCH',
      url: `/api/users/${customer.id}/attributes`,
      headers: bearer(agents[0]!.token),
      payload: { level: 'gold' },
    });
    expect(agentTry.status).toBe(403);
    const missing = await call(app, {
      method: 'PATCH',
      url: '/api/users/nobody.here/attributes',
      headers: bearer(admin),
      payload: { level: 'gold' },
    });
    expect(missing.status).toBe(404);
    const empty = await call(app, {
      method: 'PATCH',
      url: `/api/users/${customer.id}/attributes`,
      headers: bearer(admin),
      payload: {},
    });
    expect(empty.status).toBe(400);
    const user = await call(app, { method: 'GET', url: `/api/users/${customer.id}`, headers: bearer(admin) });
    expect(user.body.level).toBe('vip');
  });
});

describe('GET /api/requester-attributes', () => {
  it('lists built-in and custom attributes with the values in use, for the rule builder', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/requester-attributes',
      headers: bearer(designer.token),
    });
    expect(status, JSON.stringify(body)).toBe(200);
    const items = body.items as { var: string; type: string; source: string; values: unknown[] }[];
    const byVar = new Map(items.map((item) => [item.var, item]));
    expect(byVar.get('requester.level')).toMatchObject({ source: 'built-in', values: ['vip'] });
    expect(byVar.get('requester.location')!.values).toEqual(['上海']);
    expect(byVar.get('requester.region')).toMatchObject({
      source: 'custom',
      type: 'string',
      values: ['north'],
    });
    expect(byVar.get('requester.partner')).toMatchObject({ source: 'custom', type: 'boolean' });
    const requester = await call(app, {
      method: 'GET',
      url: '/api/requester-attributes',
      headers: bearer(customer.token),
    });
    expect(requester.status).toBe(403);
  });
});
