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

let app: FastifyInstance;
let adminToken: string;
let agent: CreatedUser;

beforeAll(async () => {
  app = await buildTestApp('users_routes');
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  agent = await createUser(app, adminToken, { username: 'zhang.wei', roles: ['agent'] });
});
afterAll(async () => {
  await app.close();
});

const newUser = (username: string, extra: Record<string, unknown> = {}) => ({
  username,
  displayName: `Person ${username}`,
  email: `${username}@example.com`,
  password: 'long-enough-password',
  ...extra,
});

describe('POST /api/users', () => {
  it('creates a person with defaults, lowercases the username, and never shows the password', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/users',
      headers: bearer(adminToken),
      payload: newUser('Chen.Jing', { department: 'Finance' }),
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      username: 'chen.jing',
      roles: ['requester'],
      locale: 'zh-CN',
      active: true,
      department: 'Finance',
    });
    expect(body).not.toHaveProperty('password');
    const stored = await app.models.User.findOne({ username: 'chen.jing' }).lean();
    expect(stored?.password?.algorithm).toBe('scrypt');
    expect(stored?.password?.hash).not.toContain('long-enough-password');
  });

  it('refuses a username already taken with 409 naming body.username', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/users',
      headers: bearer(adminToken),
      payload: newUser('CHEN.JING'),
    });
    expect(status).toBe(409);
    expect(body.field).toBe('body.username');
  });

  it('refuses schema violations with 400 problem+json naming each field', async () => {
    const { status, body, response } = await call(app, {
      method: 'POST',
      url: '/api/users',
      headers: bearer(adminToken),
      payload: { ...newUser('ok.name'), email: 'not-an-email', roles: ['emperor'], password: 'short' },
    });
    expect(status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const fields = (body.errors as { field: string }[]).map((error) => error.field);
    expect(fields).toEqual(expect.arrayContaining(['body.email', 'body.roles.0', 'body.password']));
  });

  it('refuses a manager who does not exist, naming body.manager', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/users',
      headers: bearer(adminToken),
      payload: newUser('with.manager', { manager: '0123456789abcdef01234567' }),
    });
    expect(status).toBe(400);
    expect(body.field).toBe('body.manager');
  });

  it('answers 403 to an agent and 401 to nobody', async () => {
    const asAgent = await call(app, {
      method: 'POST',
      url: '/api/users',
      headers: bearer(agent.token),
      payload: newUser('sneaky', { roles: ['admin'] }),
    });
    expect(asAgent.status).toBe(403);
    expect(asAgent.response.headers['content-type']).toContain('application/problem+json');
    expect(asAgent.body.type).toBe('urn:ordo:problem:role-required');
    const anonymous = await call(app, { method: 'POST', url: '/api/users', payload: newUser('sneaky') });
    expect(anonymous.status).toBe(401);
    expect(await app.models.User.countDocuments({ username: 'sneaky' })).toBe(0);
  });
});

describe('unsafe payloads', () => {
  const attempts: [string, string][] = [
    [
      'a __proto__ key',
      '{"username":"proto.user","displayName":"P","email":"p@example.com","__proto__":{"roles":["admin"]}}',
    ],
    [
      'a constructor key',
      '{"username":"ctor.user","displayName":"C","email":"c@example.com","constructor":{"prototype":{"admin":true}}}',
    ],
    ['a $gt operator', '{"username":{"$gt":""},"displayName":"G","email":"g@example.com"}'],
    [
      'a $where operator',
      '{"username":"where.user","displayName":"W","email":"w@example.com","department":{"$where":"sleep(100)"}}',
    ],
    ['a dotted key', '{"username":"dot.user","displayName":"D","email":"d@example.com","password.hash":"x"}'],
  ];

  for (const [what, payload] of attempts) {
    it(`refuses ${what} with 400 and stores nothing`, async () => {
      const before = await app.models.User.countDocuments({});
      const { status, body, response } = await call(app, {
        method: 'POST',
        url: '/api/users',
        headers: { ...bearer(adminToken), 'content-type': 'application/json' },
        payload,
      });
      expect(status).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(body.field).toMatch(/^body/);
      expect(await app.models.User.countDocuments({})).toBe(before);
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });
  }

  it('refuses an operator in the query string', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/users?q[$ne]=x',
      headers: bearer(adminToken),
    });
    expect(status).toBe(400);
    expect(body.field).toMatch(/^query/);
  });

  it('refuses an operator in a login, and nobody is signed in by it', async () => {
    const sessionsBefore = await app.models.Session.countDocuments({});
    const { status } = await call(app, {
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":{"$ne":"x"},"password":{"$ne":"x"}}',
    });
    expect(status).toBe(400);
    expect(await app.models.Session.countDocuments({})).toBe(sessionsBefore);
  });
});

describe('GET /api/users', () => {
  it('lists people sorted by username, filtered by text, role and activity', async () => {
    const all = await call(app, { method: 'GET', url: '/api/users', headers: bearer(adminToken) });
    expect(all.status).toBe(200);
    const usernames = (all.body.items as { username: string }[]).map((user) => user.username);
    expect(usernames).toEqual([...usernames].sort());
    expect(all.body.total).toBe(usernames.length);

    const agents = await call(app, {
      method: 'GET',
      url: '/api/users?role=agent',
      headers: bearer(adminToken),
    });
    expect((agents.body.items as { username: string }[]).map((user) => user.username)).toEqual(['zhang.wei']);

    const byText = await call(app, { method: 'GET', url: '/api/users?q=ZHANG', headers: bearer(adminToken) });
    expect(byText.body.total).toBe(1);

    const regexChars = await call(app, {
      method: 'GET',
      url: '/api/users?q=.*',
      headers: bearer(adminToken),
    });
    expect(regexChars.body.total).toBe(0);

    const page = await call(app, {
      method: 'GET',
      url: '/api/users?limit=1&offset=1',
      headers: bearer(adminToken),
    });
    expect(page.body.items).toHaveLength(1);
    expect((page.body.items as { username: string }[])[0]?.username).toBe(usernames[1]);
  });

  it('refuses a limit out of range, naming query.limit', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/users?limit=5000',
      headers: bearer(adminToken),
    });
    expect(status).toBe(400);
    expect(body.field).toBe('query.limit');
  });

  it('lets a designer list people, to pick approvers and step workers by name, but not change them', async () => {
    const designer = await createUser(app, adminToken, { username: 'designer.list', roles: ['designer'] });
    const list = await call(app, {
      method: 'GET',
      url: '/api/users?q=designer.list',
      headers: bearer(designer.token),
    });
    expect(list.status).toBe(200);
    expect((list.body.items as { username: string }[]).map((user) => user.username)).toEqual([
      'designer.list',
    ]);
    const change = await call(app, {
      method: 'PATCH',
      url: `/api/users/${designer.id}`,
      headers: bearer(designer.token),
      payload: { displayName: 'Someone else' },
    });
    expect(change.status).toBe(403);
  });

  it('answers 403 to an agent', async () => {
    expect((await call(app, { method: 'GET', url: '/api/users', headers: bearer(agent.token) })).status).toBe(
      403,
    );
  });
});

describe('GET /api/users/:id', () => {
  it('shows one person, 404 for an unknown id and 400 for a malformed one', async () => {
    const found = await call(app, {
      method: 'GET',
      url: `/api/users/${agent.id}`,
      headers: bearer(adminToken),
    });
    expect(found.body).toMatchObject({ id: agent.id, username: 'zhang.wei', roles: ['agent'] });
    const missing = await call(app, {
      method: 'GET',
      url: '/api/users/0123456789abcdef01234567',
      headers: bearer(adminToken),
    });
    expect(missing.status).toBe(404);
    const malformed = await call(app, { method: 'GET', url: '/api/users/nope', headers: bearer(adminToken) });
    expect(malformed.status).toBe(400);
    expect(malformed.body.field).toBe('params.id');
  });
});

describe('PATCH /api/users/:id', () => {
  it('changes roles, manager and department; null clears them', async () => {
    const person = await createUser(app, adminToken, { username: 'liu.yang', roles: ['requester'] });
    const changed = await call(app, {
      method: 'PATCH',
      url: `/api/users/${person.id}`,
      headers: bearer(adminToken),
      payload: { roles: ['requester', 'designer'], manager: agent.id, department: 'IT' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      roles: ['requester', 'designer'],
      manager: agent.id,
      department: 'IT',
    });
    const cleared = await call(app, {
      method: 'PATCH',
      url: `/api/users/${person.id}`,
      headers: bearer(adminToken),
      payload: { manager: null, department: null },
    });
    expect(cleared.body).not.toHaveProperty('manager');
    expect(cleared.body).not.toHaveProperty('department');
  });

  it('refuses making a person their own manager', async () => {
    const { status, body } = await call(app, {
      method: 'PATCH',
      url: `/api/users/${agent.id}`,
      headers: bearer(adminToken),
      payload: { manager: agent.id },
    });
    expect(status).toBe(400);
    expect(body.field).toBe('body.manager');
  });

  it('refuses an empty change', async () => {
    const { status } = await call(app, {
      method: 'PATCH',
      url: `/api/users/${agent.id}`,
      headers: bearer(adminToken),
      payload: {},
    });
    expect(status).toBe(400);
  });

  it('sets a new password, which ends the person’s sessions', async () => {
    const person = await createUser(app, adminToken, { username: 'zhou.min', roles: ['requester'] });
    const reset = await call(app, {
      method: 'PATCH',
      url: `/api/users/${person.id}`,
      headers: bearer(adminToken),
      payload: { password: 'reset-by-admin' },
    });
    expect(reset.status).toBe(200);
    expect((await call(app, { method: 'GET', url: '/api/me', headers: bearer(person.token) })).status).toBe(
      401,
    );
    await login(app, 'zhou.min', 'reset-by-admin');
  });

  it('keeps at least one active admin', async () => {
    const admin = await app.models.User.findOne({ username: 'admin' }).lean();
    const id = admin!._id.toHexString();
    const demote = await call(app, {
      method: 'PATCH',
      url: `/api/users/${id}`,
      headers: bearer(adminToken),
      payload: { roles: ['agent'] },
    });
    expect(demote.status).toBe(409);
    expect(demote.body.field).toBe('body.roles');
    const deactivate = await call(app, {
      method: 'PATCH',
      url: `/api/users/${id}`,
      headers: bearer(adminToken),
      payload: { active: false },
    });
    expect(deactivate.status).toBe(409);
    expect(deactivate.body.field).toBe('body.active');
  });

  it('answers 403 to an agent, even about themselves', async () => {
    const { status } = await call(app, {
      method: 'PATCH',
      url: `/api/users/${agent.id}`,
      headers: bearer(agent.token),
      payload: { roles: ['admin'] },
    });
    expect(status).toBe(403);
  });
});
