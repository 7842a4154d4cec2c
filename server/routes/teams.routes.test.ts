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
let supervisor: CreatedUser;
let requester: CreatedUser;

beforeAll(async () => {
  app = await buildTestApp('teams_routes');
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  agent = await createUser(app, adminToken, { username: 'sun.li', roles: ['agent'] });
  supervisor = await createUser(app, adminToken, { username: 'qian.bo', roles: ['agent'] });
  requester = await createUser(app, adminToken, { username: 'wu.yu', roles: ['requester'] });
});
afterAll(async () => {
  await app.close();
});

const name = (en: string) => ({ 'zh-CN': `${en}组`, en });

describe('POST /api/teams', () => {
  it('creates a team with members, skills, capacity, availability and a supervisor', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/teams',
      headers: bearer(adminToken),
      payload: {
        key: 'network',
        name: name('Network'),
        supervisor: supervisor.id,
        members: [
          { userId: agent.id, skills: { routing: 4, firewall: 2 }, capacity: 8 },
          { userId: supervisor.id, awayUntil: '2026-03-10T00:00:00.000Z' },
        ],
      },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      key: 'network',
      name: { 'zh-CN': 'Network组', en: 'Network' },
      supervisor: supervisor.id,
      members: [
        { userId: agent.id, skills: { routing: 4, firewall: 2 }, capacity: 8 },
        { userId: supervisor.id, skills: {}, awayUntil: '2026-03-10T00:00:00.000Z' },
      ],
    });
    expect(body).not.toHaveProperty('backupTeam');
  });

  it('creates a team whose backup team exists', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/teams',
      headers: bearer(adminToken),
      payload: { key: 'service-desk', name: name('Service desk'), backupTeam: 'network', members: [] },
    });
    expect(status).toBe(201);
    expect(body.backupTeam).toBe('network');
  });

  it('refuses a key already taken with 409 naming body.key', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/teams',
      headers: bearer(adminToken),
      payload: { key: 'network', name: name('Again') },
    });
    expect(status).toBe(409);
    expect(body.field).toBe('body.key');
  });

  it('names the member who does not exist', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/teams',
      headers: bearer(adminToken),
      payload: {
        key: 'ghosts',
        name: name('Ghosts'),
        members: [{ userId: agent.id }, { userId: '0123456789abcdef01234567' }],
      },
    });
    expect(status).toBe(400);
    expect(body.field).toBe('body.members.1.userId');
    expect(body.text).toMatchObject({ en: 'There is no user with id 0123456789abcdef01234567.' });
  });

  it('names a duplicate member, an unknown supervisor, a missing backup team and a skill level out of range', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ members: [{ userId: agent.id }, { userId: agent.id }] }, 'body.members.1.userId'],
      [{ supervisor: '0123456789abcdef01234567' }, 'body.supervisor'],
      [{ backupTeam: 'nowhere' }, 'body.backupTeam'],
      [{ backupTeam: 'loop' }, 'body.backupTeam'],
      [{ members: [{ userId: agent.id, skills: { routing: 6 } }] }, 'body.members.0.skills.routing'],
      [{ members: [{ userId: agent.id, awayUntil: 'next week' }] }, 'body.members.0.awayUntil'],
      [{ name: { en: 'Only English' } }, 'body.name.zh-CN'],
    ];
    for (const [change, field] of cases) {
      const { status, body } = await call(app, {
        method: 'POST',
        url: '/api/teams',
        headers: bearer(adminToken),
        payload: { key: 'loop', name: name('Loop'), ...change },
      });
      expect({ status, field: body.field }).toEqual({ status: 400, field });
    }
    expect(await app.models.Team.countDocuments({ key: 'loop' })).toBe(0);
  });

  it('refuses a skill name that is a database operator or path', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/teams',
      headers: { ...bearer(adminToken), 'content-type': 'application/json' },
      payload: JSON.stringify({
        key: 'evil',
        name: name('Evil'),
        members: [{ userId: agent.id, skills: { 'a.b': 3 } }],
      }),
    });
    expect(status).toBe(400);
    expect(body.field).toBe('body.members.0.skills.a.b');
  });

  it('answers 403 to an agent', async () => {
    const { status } = await call(app, {
      method: 'POST',
      url: '/api/teams',
      headers: bearer(agent.token),
      payload: { key: 'mine', name: name('Mine') },
    });
    expect(status).toBe(403);
  });
});

describe('GET /api/teams', () => {
  it('lets admins and agents read teams, sorted by key', async () => {
    for (const token of [adminToken, agent.token]) {
      const { status, body } = await call(app, { method: 'GET', url: '/api/teams', headers: bearer(token) });
      expect(status).toBe(200);
      expect((body.items as { key: string }[]).map((team) => team.key)).toEqual(['network', 'service-desk']);
    }
  });

  it('answers 403 to a requester', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/teams',
      headers: bearer(requester.token),
    });
    expect(status).toBe(403);
    expect(body.detail).toContain('admin, designer, agent');
  });
});

describe('GET /api/teams/:key', () => {
  it('shows one team, 404 for an unknown key', async () => {
    const found = await call(app, { method: 'GET', url: '/api/teams/network', headers: bearer(agent.token) });
    expect(found.body.key).toBe('network');
    const missing = await call(app, {
      method: 'GET',
      url: '/api/teams/nothing',
      headers: bearer(agent.token),
    });
    expect(missing.status).toBe(404);
    expect(missing.response.headers['content-type']).toContain('application/problem+json');
  });
});

describe('PUT /api/teams/:key', () => {
  it('replaces the team: members, supervisor removed, backup team set', async () => {
    const { status, body } = await call(app, {
      method: 'PUT',
      url: '/api/teams/network',
      headers: bearer(adminToken),
      payload: {
        key: 'network',
        name: name('Networks'),
        backupTeam: 'service-desk',
        members: [{ userId: supervisor.id, skills: { vpn: 5 } }],
      },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      key: 'network',
      name: { en: 'Networks' },
      backupTeam: 'service-desk',
      members: [{ userId: supervisor.id, skills: { vpn: 5 } }],
    });
    expect(body).not.toHaveProperty('supervisor');
    expect(new Date(body.updatedAt as string).getTime()).toBeGreaterThanOrEqual(
      new Date(body.createdAt as string).getTime(),
    );
  });

  it('refuses a body whose key differs from the address', async () => {
    const { status, body } = await call(app, {
      method: 'PUT',
      url: '/api/teams/network',
      headers: bearer(adminToken),
      payload: { key: 'other', name: name('X') },
    });
    expect(status).toBe(400);
    expect(body.field).toBe('body.key');
  });

  it('answers 404 for an unknown team and 403 to an agent', async () => {
    const missing = await call(app, {
      method: 'PUT',
      url: '/api/teams/nothing',
      headers: bearer(adminToken),
      payload: { name: name('X') },
    });
    expect(missing.status).toBe(404);
    const asAgent = await call(app, {
      method: 'PUT',
      url: '/api/teams/network',
      headers: bearer(agent.token),
      payload: { name: name('X') },
    });
    expect(asAgent.status).toBe(403);
  });
});

describe('DELETE /api/teams/:key', () => {
  it('refuses to remove a team another team uses as backup, then removes it once unused', async () => {
    const inUse = await call(app, {
      method: 'DELETE',
      url: '/api/teams/service-desk',
      headers: bearer(adminToken),
    });
    expect(inUse.status).toBe(409);
    expect(inUse.body.detail).toContain('network');
    await call(app, {
      method: 'PUT',
      url: '/api/teams/network',
      headers: bearer(adminToken),
      payload: { name: name('Networks'), members: [] },
    });
    const removed = await call(app, {
      method: 'DELETE',
      url: '/api/teams/service-desk',
      headers: bearer(adminToken),
    });
    expect(removed.status).toBe(204);
    const again = await call(app, {
      method: 'DELETE',
      url: '/api/teams/service-desk',
      headers: bearer(adminToken),
    });
    expect(again.status).toBe(404);
  });
});
