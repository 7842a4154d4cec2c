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

const NOW = Date.parse('2026-05-06T02:00:00.000Z');

let app: FastifyInstance;
let adminToken: string;
let agent: CreatedUser;
let colleague: CreatedUser;
let supervisor: CreatedUser;
let designer: CreatedUser;
let requester: CreatedUser;
let otherRequester: CreatedUser;
let apiKey: string;

type Person = {
  id: string;
  displayName: string;
  username: string;
  roles: string[];
  teams: { key: string; supervisor: boolean }[];
  away: boolean;
  awayUntil?: string;
  active: boolean;
  email?: string;
  phone?: string;
};

beforeAll(async () => {
  app = await buildTestApp('directory_routes', { clock: new ManualClock(NOW) });
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  agent = await createUser(app, adminToken, { username: 'zhao.lei', displayName: '赵磊', roles: ['agent'] });
  colleague = await createUser(app, adminToken, {
    username: 'qian.fang',
    displayName: '钱芳',
    roles: ['agent'],
  });
  supervisor = await createUser(app, adminToken, {
    username: 'sun.hao',
    displayName: '孙浩',
    roles: ['agent'],
  });
  designer = await createUser(app, adminToken, {
    username: 'li.na',
    displayName: '李娜',
    roles: ['designer'],
  });
  requester = await createUser(app, adminToken, {
    username: 'zhou.min',
    displayName: '周敏',
    roles: ['requester'],
    attributes: { phone: '13800138000' },
  });
  otherRequester = await createUser(app, adminToken, {
    username: 'wu.qing',
    displayName: '吴青',
    roles: ['requester'],
  });
  for (const team of [
    {
      key: 'it-desk',
      name: { 'zh-CN': 'IT 服务台', en: 'IT desk' },
      supervisor: supervisor.id,
      members: [
        { userId: agent.id },
        // Away until a week after NOW: assignment skips her, pickers say so.
        { userId: colleague.id, awayUntil: new Date(NOW + 7 * 86_400_000).toISOString() },
      ],
    },
    {
      key: 'network',
      name: { 'zh-CN': '网络组', en: 'Network' },
      // An absence that is over is not "away".
      members: [{ userId: colleague.id, awayUntil: new Date(NOW - 86_400_000).toISOString() }],
    },
  ]) {
    const { status } = await call(app, {
      method: 'POST',
      url: '/api/teams',
      headers: bearer(adminToken),
      payload: team,
    });
    expect(status).toBe(201);
  }
  const key = await call(app, {
    method: 'POST',
    url: '/api/api-keys',
    headers: bearer(adminToken),
    payload: {
      name: 'Everything',
      scopes: ['tickets:read', 'tickets:write', 'definitions:read', 'people:write'],
    },
  });
  apiKey = (key.body as { key: string }).key;
});
afterAll(async () => {
  await app.close();
});

const people = async (token: string, query: string) => {
  const { status, body } = await call(app, {
    method: 'GET',
    url: `/api/directory/people${query}`,
    headers: bearer(token),
  });
  return { status, body, items: (body.items ?? []) as Person[] };
};

describe('directory access (route × role)', () => {
  const routes = [
    { method: 'GET', url: '/api/directory/people' },
    { method: 'GET', url: '/api/directory/people?q=%E8%B5%B5' },
    { method: 'GET', url: '/api/directory/teams' },
    { method: 'POST', url: '/api/directory/requesters' },
  ] as const;
  const payload = { displayName: '来电者', email: 'caller.access@example.com' };

  it('refuses requesters (403) on every route, telling them nothing of anyone', async () => {
    for (const route of routes) {
      const { status, body } = await call(app, {
        method: route.method,
        url: route.url,
        headers: bearer(requester.token),
        ...(route.method === 'POST' ? { payload } : {}),
      });
      expect(status, `${route.method} ${route.url}`).toBe(403);
      expect(JSON.stringify(body)).not.toMatch(/赵磊|钱芳|孙浩|吴青|it-desk|zhao\.lei/);
    }
  });

  it('refuses integration keys (403), whatever their scopes', async () => {
    for (const route of routes) {
      const { status } = await call(app, {
        method: route.method,
        url: route.url,
        headers: { 'x-api-key': apiKey },
        ...(route.method === 'POST' ? { payload } : {}),
      });
      expect(status, `${route.method} ${route.url}`).toBe(403);
    }
  });

  it('refuses callers without a credential (401)', async () => {
    for (const route of routes) {
      const { status } = await call(app, { method: route.method, url: route.url });
      expect(status).toBe(401);
    }
  });

  it('lets agents, supervisors, designers and admins read people and teams', async () => {
    for (const token of [agent.token, supervisor.token, designer.token, adminToken]) {
      expect((await people(token, '')).status).toBe(200);
      const teams = await call(app, { method: 'GET', url: '/api/directory/teams', headers: bearer(token) });
      expect(teams.status).toBe(200);
    }
  });

  it('shows e-mail and phone to admins and agents (supervisors too), never to designers', async () => {
    for (const token of [agent.token, supervisor.token, adminToken]) {
      const found = (await people(token, '?q=zhou')).items;
      expect(found).toMatchObject([
        { id: requester.id, email: 'zhou.min@example.com', phone: '13800138000' },
      ]);
    }
    const seenByDesigner = (await people(designer.token, '?q=zhou')).items;
    expect(seenByDesigner).toHaveLength(1);
    expect(seenByDesigner[0]).not.toHaveProperty('email');
    expect(seenByDesigner[0]).not.toHaveProperty('phone');
  });

  it('finds by e-mail or phone only for those who may read them', async () => {
    expect((await people(agent.token, '?q=13800138')).items.map((person) => person.id)).toEqual([
      requester.id,
    ]);
    expect((await people(designer.token, '?q=13800138')).items).toEqual([]);
    expect((await people(designer.token, '?q=example.com')).items).toEqual([]);
  });

  it('lets only admins and agents add a caller', async () => {
    for (const token of [designer.token]) {
      const { status } = await call(app, {
        method: 'POST',
        url: '/api/directory/requesters',
        headers: bearer(token),
        payload,
      });
      expect(status).toBe(403);
    }
    expect(await app.models.User.exists({ email: payload.email })).toBeNull();
  });
});

describe('GET /api/directory/people', () => {
  it('answers names, teams, roles and away status, matching part of a name or username', async () => {
    const { items } = await people(agent.token, `?q=${encodeURIComponent('钱')}`);
    expect(items).toEqual([
      {
        id: colleague.id,
        username: 'qian.fang',
        displayName: '钱芳',
        roles: ['agent'],
        teams: [
          { key: 'it-desk', name: { 'zh-CN': 'IT 服务台', en: 'IT desk' }, supervisor: false },
          { key: 'network', name: { 'zh-CN': '网络组', en: 'Network' }, supervisor: false },
        ],
        away: true,
        awayUntil: new Date(NOW + 7 * 86_400_000).toISOString(),
        active: true,
        email: 'qian.fang@example.com',
      },
    ]);
    expect((await people(agent.token, '?q=QIAN')).items.map((person) => person.id)).toEqual([colleague.id]);
  });

  it('lists a team’s members and its supervisor, marked as such', async () => {
    const { items } = await people(agent.token, '?team=it-desk');
    expect(
      items.map((person) => [person.displayName, person.teams.find((t) => t.key === 'it-desk')?.supervisor]),
    ).toEqual([
      ['孙浩', true],
      ['赵磊', false],
      ['钱芳', false],
    ]);
    expect(items.find((person) => person.id === agent.id)?.away).toBe(false);
  });

  it('filters staff (agents and admins) or one role', async () => {
    const staff = (await people(agent.token, '?role=staff&limit=50')).items;
    expect(staff.every((person) => person.roles.includes('agent') || person.roles.includes('admin'))).toBe(
      true,
    );
    expect(staff.map((person) => person.id)).toEqual(
      expect.arrayContaining([agent.id, colleague.id, supervisor.id]),
    );
    const requesters = (await people(agent.token, '?role=requester&limit=50')).items;
    expect(requesters.map((person) => person.id).sort()).toEqual([otherRequester.id, requester.id].sort());
  });

  it('names people by id, inactive ones included', async () => {
    const gone = await createUser(app, adminToken, {
      username: 'former.staff',
      displayName: '离职同事',
      roles: ['agent'],
    });
    await call(app, {
      method: 'PATCH',
      url: `/api/users/${gone.id}`,
      headers: bearer(adminToken),
      payload: { active: false },
    });
    expect((await people(agent.token, '?q=former')).items).toEqual([]);
    const { items } = await people(agent.token, `?ids=${gone.id},${agent.id}`);
    expect(items.map((person) => [person.displayName, person.active])).toEqual([
      ['离职同事', false],
      ['赵磊', true],
    ]);
  });

  it('stops at the limit', async () => {
    expect((await people(agent.token, '?limit=2')).items).toHaveLength(2);
  });

  it('refuses bad input naming the field', async () => {
    const cases: [string, string][] = [
      ['?team=nowhere', 'query.team'],
      ['?ids=123,abc', 'query.ids'],
      [`?ids=${'a'.repeat(24)},zzzzzzzzzzzzzzzzzzzzzzzz`, 'query.ids'],
      ['?limit=500', 'query.limit'],
      ['?role=boss', 'query.role'],
      ['?q=', 'query.q'],
      ['?colour=red', 'query.colour'],
    ];
    for (const [query, field] of cases) {
      const { status, body } = await people(agent.token, query);
      expect(status, query).toBe(400);
      expect(body.field, query).toBe(field);
    }
  });
});

describe('GET /api/directory/teams', () => {
  it('answers each team with its supervisor and how many members are available now', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/directory/teams',
      headers: bearer(designer.token),
    });
    expect(status).toBe(200);
    expect(body.items).toEqual([
      {
        key: 'it-desk',
        name: { 'zh-CN': 'IT 服务台', en: 'IT desk' },
        supervisor: { id: supervisor.id, displayName: '孙浩' },
        members: 2,
        available: 1,
      },
      { key: 'network', name: { 'zh-CN': '网络组', en: 'Network' }, members: 1, available: 1 },
    ]);
  });

  it('finds a team by part of its key or name in either language', async () => {
    for (const q of ['desk', 'IT 服务', 'it-d']) {
      const { body } = await call(app, {
        method: 'GET',
        url: `/api/directory/teams?q=${encodeURIComponent(q)}`,
        headers: bearer(agent.token),
      });
      expect(
        (body.items as { key: string }[]).map((team) => team.key),
        q,
      ).toEqual(['it-desk']);
    }
  });
});

describe('POST /api/directory/requesters', () => {
  it('adds a caller as a requester without a password, phone kept as an attribute', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/directory/requesters',
      headers: bearer(agent.token),
      payload: { displayName: ' 郑宇 ', email: 'Zheng.Yu@example.com', phone: '+86 139 0000 0000' },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      displayName: '郑宇',
      username: 'zheng.yu',
      roles: ['requester'],
      teams: [],
      away: false,
      active: true,
      email: 'Zheng.Yu@example.com',
      phone: '+86 139 0000 0000',
    });
    const stored = await app.models.User.findById(body.id as string).lean();
    expect(stored?.password).toBeUndefined();
    expect(stored?.attributes).toEqual({ phone: '+86 139 0000 0000' });
  });

  it('refuses an e-mail an active person already has (409 naming body.email, with that person)', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/directory/requesters',
      headers: bearer(agent.token),
      payload: { displayName: '另一个周敏', email: 'ZHOU.MIN@example.com' },
    });
    expect(status).toBe(409);
    expect(body.field).toBe('body.email');
    expect(body.person).toMatchObject({ id: requester.id, displayName: '周敏' });
    expect(await app.models.User.countDocuments({ displayName: '另一个周敏' })).toBe(0);
  });

  it('gives a second caller with the same mailbox name its own username', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/directory/requesters',
      headers: bearer(adminToken),
      payload: { displayName: '郑宇（分公司）', email: 'zheng.yu@branch.example.com' },
    });
    expect(status).toBe(201);
    expect(body.username).toBe('zheng.yu-2');
  });

  it('refuses a missing e-mail, a bad phone or a blank name, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ displayName: '无邮箱' }, 'body.email'],
      [{ displayName: '坏邮箱', email: 'not-an-address' }, 'body.email'],
      [{ displayName: '坏电话', email: 'bad.phone@example.com', phone: 'call me' }, 'body.phone'],
      [{ displayName: '   ', email: 'blank.name@example.com' }, 'body.displayName'],
      [{ displayName: '多余', email: 'extra@example.com', roles: ['admin'] }, 'body.roles'],
    ];
    for (const [payload, field] of cases) {
      const { status, body } = await call(app, {
        method: 'POST',
        url: '/api/directory/requesters',
        headers: bearer(agent.token),
        payload,
      });
      expect(status, JSON.stringify(payload)).toBe(400);
      expect(body.field, JSON.stringify(payload)).toBe(field);
    }
    expect(await app.models.User.countDocuments({ roles: 'admin', displayName: '多余' })).toBe(0);
  });
});
