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
import { createTeam, itIncidentDefinition, publishType } from '../../test/support/tickets.js';
import { AccessCache } from './access-cache.js';
import { SESSION_LIFETIME_MS } from './credentials.js';
import { sha256 } from './tokens.js';

// Thursday 2026-10-08 10:00 in Shanghai: a working day.
const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));
let app: FastifyInstance;
let admin: string;
let deskAgent: CreatedUser;

beforeAll(async () => {
  app = await buildTestApp('access_cache', { clock });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  deskAgent = await createUser(app, admin, { username: 'desk.one', roles: ['agent'] });
  const opsAgent = await createUser(app, admin, { username: 'ops.one', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: opsAgent.id, skills: { server: 3 } }] });
  await createTeam(app, admin, { key: 'it-desk', backupTeam: 'it-ops', members: [{ userId: deskAgent.id }] });
  const designer = await createUser(app, admin, { username: 'designer.qian', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
});
afterAll(async () => {
  await app.close();
});

const me = (token: string) => call(app, { method: 'GET', url: '/api/me', headers: bearer(token) });

/** A request that only an admin may make: 200 for admins, 403 for anyone else signed in. */
const listUsers = (token: string) => call(app, { method: 'GET', url: '/api/users', headers: bearer(token) });

async function patchUser(id: string, payload: Record<string, unknown>): Promise<void> {
  const { status, body } = await call(app, {
    method: 'PATCH',
    url: `/api/users/${id}`,
    headers: bearer(admin),
    payload,
  });
  expect(status, JSON.stringify(body)).toBe(200);
}

async function setDeskMembers(userIds: string[]): Promise<void> {
  const { status, body } = await call(app, {
    method: 'PUT',
    url: '/api/teams/it-desk',
    headers: bearer(admin),
    payload: {
      name: { 'zh-CN': 'it-desk', en: 'it-desk' },
      backupTeam: 'it-ops',
      members: userIds.map((userId) => ({ userId, skills: {} })),
    },
  });
  expect(status, JSON.stringify(body)).toBe(200);
}

describe('changes made through the API are seen by the very next request', () => {
  it('sign-out ends the session at once', async () => {
    const user = await createUser(app, admin, { username: 'sign.out', roles: ['requester'] });
    // Twice, so the second answer comes from the cache.
    expect((await me(user.token)).status).toBe(200);
    expect((await me(user.token)).status).toBe(200);
    const out = await call(app, { method: 'POST', url: '/api/auth/logout', headers: bearer(user.token) });
    expect(out.status).toBe(204);
    expect((await me(user.token)).status).toBe(401);
  });

  it('a new password ends the other sessions at once and keeps the one that set it', async () => {
    const user = await createUser(app, admin, { username: 'two.sessions', roles: ['requester'] });
    const other = await login(app, user.username, user.password);
    expect((await me(user.token)).status).toBe(200);
    expect((await me(other)).status).toBe(200);
    const changed = await call(app, {
      method: 'PATCH',
      url: '/api/me',
      headers: bearer(user.token),
      payload: { currentPassword: user.password, newPassword: 'a-new-password-9' },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect((await me(other)).status).toBe(401);
    expect((await me(user.token)).status).toBe(200);
  });

  it('deactivating a person refuses their next request', async () => {
    const user = await createUser(app, admin, { username: 'leaving.soon', roles: ['agent'] });
    expect((await me(user.token)).status).toBe(200);
    await patchUser(user.id, { active: false });
    expect((await me(user.token)).status).toBe(401);
  });

  it('changing roles decides the very next request', async () => {
    const user = await createUser(app, admin, { username: 'role.change', roles: ['agent'] });
    expect((await listUsers(user.token)).status).toBe(403);
    await patchUser(user.id, { roles: ['agent', 'admin'] });
    expect((await listUsers(user.token)).status).toBe(200);
    expect((await me(user.token)).body.roles).toEqual(['agent', 'admin']);
    await patchUser(user.id, { roles: ['agent'] });
    expect((await listUsers(user.token)).status).toBe(403);
    expect((await me(user.token)).body.roles).toEqual(['agent']);
  });

  it('a team membership change changes which tickets an agent sees at once', async () => {
    const requester = await createUser(app, admin, { username: 'zhao.min', roles: ['requester'] });
    const newcomer = await createUser(app, admin, { username: 'desk.new', roles: ['agent'] });
    const opened = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: {
        type: 'it.incident',
        data: {
          title: '邮箱无法登录',
          description: '详情见标题',
          service: 'email',
          impact: 'person',
          urgency: 'low',
        },
      },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const ticketId = String(opened.body.id);
    expect(opened.body.team).toBe('it-desk');
    expect(opened.body.assignee).toBe(deskAgent.id);

    const view = () =>
      call(app, { method: 'GET', url: `/api/tickets/${ticketId}`, headers: bearer(newcomer.token) });
    const listed = async () => {
      const { body } = await call(app, {
        method: 'GET',
        url: '/api/tickets',
        headers: bearer(newcomer.token),
      });
      return (body.items as { id: string }[]).map((item) => item.id);
    };
    // Asked twice before the change, so the teams are in the cache when it happens.
    expect((await view()).status).toBe(404);
    expect(await listed()).not.toContain(ticketId);
    expect((await me(newcomer.token)).body.teams).toEqual([]);

    await setDeskMembers([deskAgent.id, newcomer.id]);
    expect((await view()).status).toBe(200);
    expect(await listed()).toContain(ticketId);
    expect((await me(newcomer.token)).body.teams).toEqual(['it-desk']);

    await setDeskMembers([deskAgent.id]);
    expect((await view()).status).toBe(404);
    expect(await listed()).not.toContain(ticketId);
    expect((await me(newcomer.token)).body.teams).toEqual([]);
  });

  it('a changed supervisor shows in /api/me at once', async () => {
    const lead = await createUser(app, admin, { username: 'ops.lead', roles: ['agent'] });
    expect((await me(lead.token)).body.supervises).toEqual([]);
    const { status } = await call(app, {
      method: 'PUT',
      url: '/api/teams/it-ops',
      headers: bearer(admin),
      payload: {
        name: { 'zh-CN': 'it-ops', en: 'it-ops' },
        supervisor: lead.id,
        members: (await app.models.Team.findOne({ key: 'it-ops' }).lean())!.members.map((m) => ({
          userId: m.userId.toHexString(),
          skills: {},
        })),
      },
    });
    expect(status).toBe(200);
    expect((await me(lead.token)).body.supervises).toEqual(['it-ops']);
  });
});

describe('AccessCache on its own (changes made behind the process’s back)', () => {
  /** A monotonic clock the test moves by hand. */
  function handClock() {
    let now = 0;
    return { now: () => now, advance: (ms: number) => void (now += ms) };
  }

  it('sees a person changed directly in the database only after the time to live, or after forget()', async () => {
    const user = await createUser(app, admin, { username: 'direct.change', roles: ['agent'] });
    const monotonic = handClock();
    const cache = new AccessCache(app.models, 1000, monotonic.now);
    const sessionId = sha256(user.token);
    expect((await cache.session(sessionId))?.principal?.roles).toEqual(['agent']);

    await app.models.User.updateOne({ _id: user.id }, { $set: { roles: ['requester'] } });
    monotonic.advance(999);
    expect((await cache.session(sessionId))?.principal?.roles).toEqual(['agent']);
    monotonic.advance(1);
    expect((await cache.session(sessionId))?.principal?.roles).toEqual(['requester']);

    await app.models.User.updateOne({ _id: user.id }, { $set: { active: false } });
    expect((await cache.session(sessionId))?.principal?.roles).toEqual(['requester']);
    cache.forget();
    expect(await cache.session(sessionId)).toEqual({
      expiresAt: expect.any(Number) as number,
      principal: null,
    });

    await app.models.Session.deleteOne({ _id: sessionId });
    expect(await cache.session(sessionId)).not.toBeNull();
    monotonic.advance(1000);
    expect(await cache.session(sessionId)).toBeNull();
  });

  it('sees a team changed directly in the database only after the time to live', async () => {
    const user = await createUser(app, admin, { username: 'direct.team', roles: ['agent'] });
    const monotonic = handClock();
    const cache = new AccessCache(app.models, 1000, monotonic.now);
    expect(await cache.teamsOf(user.id)).toEqual({ memberOf: [], supervises: [] });

    await app.models.Team.updateOne(
      { key: 'it-ops' },
      { $push: { members: { userId: user.id, skills: {}, capacity: 10 } } },
    );
    monotonic.advance(999);
    expect(await cache.teamsOf(user.id)).toEqual({ memberOf: [], supervises: [] });
    monotonic.advance(1);
    expect(await cache.teamsOf(user.id)).toEqual({ memberOf: ['it-ops'], supervises: [] });
  });

  it('shares one read between concurrent requests of the same session', async () => {
    const user = await createUser(app, admin, { username: 'concurrent', roles: ['agent'] });
    const cache = new AccessCache(app.models, 1000, handClock().now);
    const sessionId = sha256(user.token);
    const [first, second] = await Promise.all([cache.session(sessionId), cache.session(sessionId)]);
    expect(first).toBe(second);
    expect(first?.principal?.id).toBe(user.id);
  });
});

// Last: it moves the business clock past every session's end.
describe('a session that ends by the business clock', () => {
  it('is refused even while its person is in the cache, and removed', async () => {
    const user = await createUser(app, admin, { username: 'long.shift', roles: ['agent'] });
    expect((await me(user.token)).status).toBe(200);
    clock.advance(SESSION_LIFETIME_MS - 1);
    expect((await me(user.token)).status).toBe(200);
    clock.advance(1);
    expect((await me(user.token)).status).toBe(401);
    expect(await app.models.Session.countDocuments({ _id: sha256(user.token) })).toBe(0);
    // Going back in time does not bring it back: the session was removed, not just refused.
    clock.advance(-1);
    expect((await me(user.token)).status).toBe(401);
  });
});
