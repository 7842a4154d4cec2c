import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { SESSION_LIFETIME_MS } from '../access/credentials.js';
import { PasswordHasher } from '../access/password.js';
import { sha256 } from '../access/tokens.js';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  TEST_PASSWORD_PARAMETERS,
  type CreatedUser,
} from '../../test/support/server-app.js';

const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
let app: FastifyInstance;
let adminToken: string;
let agent: CreatedUser;

beforeAll(async () => {
  app = await buildTestApp('auth_routes', { clock });
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  agent = await createUser(app, adminToken, { username: 'li.lei', roles: ['agent'], locale: 'en' });
});
afterAll(async () => {
  await app.close();
});

describe('POST /api/auth/login', () => {
  it('signs in: a bearer token in the body and the same token in an httpOnly SameSite=Lax cookie', async () => {
    const { status, body, response } = await call(app, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'Li.Lei', password: agent.password },
    });
    expect(status).toBe(200);
    expect(body.user).toEqual({ id: agent.id, username: 'li.lei', displayName: 'li.lei', roles: ['agent'] });
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = response.cookies.find((c) => c.name === 'ordo_session');
    expect(cookie).toMatchObject({ value: body.token, httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.secure).toBeFalsy();
    expect(new Date(body.expiresAt as string).getTime()).toBe(clock.now() + SESSION_LIFETIME_MS);
  });

  it('marks the cookie Secure when a trusted proxy says the request came over https', async () => {
    const login = {
      method: 'POST' as const,
      url: '/api/auth/login',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { username: 'li.lei', password: agent.password },
    };
    // Without ORDO_TRUST_PROXY the header is anybody's word and is ignored.
    const untrusted = await call(app, login);
    expect(untrusted.response.cookies.find((c) => c.name === 'ordo_session')?.secure).toBeFalsy();
    const behindProxy = await buildTestApp('auth_routes', { clock, trustProxy: true });
    try {
      const { response } = await call(behindProxy, login);
      expect(response.cookies.find((c) => c.name === 'ordo_session')?.secure).toBe(true);
    } finally {
      await behindProxy.close();
    }
  });

  it('answers a wrong password and an unknown user with the same 401, not saying which was wrong', async () => {
    const wrongPassword = await call(app, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'li.lei', password: 'not-the-password' },
    });
    const unknownUser = await call(app, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'nobody', password: 'not-the-password' },
    });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.response.headers['content-type']).toContain('application/problem+json');
    expect(unknownUser.status).toBe(401);
    expect(unknownUser.body).toEqual(wrongPassword.body);
    expect(wrongPassword.body.detail).toBe('The username or password is incorrect.');
    expect(wrongPassword.body.text).toEqual({
      'zh-CN': '用户名或密码不正确。',
      en: wrongPassword.body.detail,
    });
    expect(wrongPassword.response.cookies).toEqual([]);
  });

  it('refuses a missing field with 400 problem+json naming body.username', async () => {
    const { status, body, response } = await call(app, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { password: 'x' },
    });
    expect(status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(body.field).toBe('body.username');
  });

  it('refuses an unexpected field, naming it', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'li.lei', password: 'x', remember: true },
    });
    expect(status).toBe(400);
    expect(body.field).toBe('body.remember');
  });

  it('refuses malformed JSON with 400 problem+json naming the body', async () => {
    const { status, body, response } = await call(app, {
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": "li.lei", ',
    });
    expect(status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(body.field).toBe('body');
  });

  it('refuses an operator object in place of the password, before anything is looked up', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'li.lei', password: { $gt: '' } },
    });
    expect(status).toBe(400);
    expect(body.field).toBe('body.password.$gt');
  });

  it('re-hashes a password stored with other scrypt parameters at the next sign-in', async () => {
    const person = await createUser(app, adminToken, { username: 'old.hash', roles: ['requester'] });
    const older = await new PasswordHasher({ N: 2 ** 9, r: 8, p: 1, keyLength: 32 }).hash(person.password);
    await app.models.User.updateOne({ _id: person.id }, { $set: { password: older } });
    await login(app, person.username, person.password);
    const stored = await app.models.User.findById(person.id).lean();
    expect(stored?.password).toMatchObject(TEST_PASSWORD_PARAMETERS);
    await login(app, person.username, person.password);
  });

  it('limits attempts per address: past the limit a minute answers 429 problem+json', async () => {
    const limited = await buildTestApp('auth_routes_rate', { loginRateLimit: 3 });
    try {
      const attempt = () =>
        call(limited, {
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'admin', password: 'wrong-password' },
        });
      for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
      const refused = await attempt();
      expect(refused.status).toBe(429);
      expect(refused.response.headers['content-type']).toContain('application/problem+json');
    } finally {
      await limited.close();
    }
  });

  it('counts attempts per address across processes: the limit met on one is met on the other', async () => {
    // Two processes on one database, as behind a proxy.
    const first = await buildTestApp('auth_routes_shared', { loginRateLimit: 3 });
    const second = await buildTestApp('auth_routes_shared', { loginRateLimit: 3 });
    try {
      const attempt = (app: FastifyInstance) =>
        call(app, {
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'nobody', password: 'wrong-password' },
        });
      expect((await attempt(first)).status).toBe(401);
      expect((await attempt(second)).status).toBe(401);
      expect((await attempt(first)).status).toBe(401);
      const refused = await attempt(second);
      expect(refused.status).toBe(429);
      expect(refused.body.type).toBe('urn:ordo:problem:login-rate-limited');
      expect(Number(refused.response.headers['retry-after'])).toBeGreaterThan(0);
      expect((await attempt(first)).status).toBe(429);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('backs off per account: past the free failures each one doubles the wait, whatever the address', async () => {
    const accountClock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
    const guarded = await buildTestApp('auth_routes_backoff', { clock: accountClock, loginFreeFailures: 3 });
    try {
      const attempt = (password: string, address: string) =>
        call(guarded, {
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'admin', password },
          remoteAddress: address,
        });
      for (let i = 0; i < 3; i++) expect((await attempt('wrong-password', `10.0.0.${i}`)).status).toBe(401);
      // The fourth failure is answered as usual, and makes the next attempt wait 1 s…
      expect((await attempt('wrong-password', '10.0.1.1')).status).toBe(401);
      const waiting = await attempt(ADMIN_PASSWORD, '10.0.1.2');
      expect(waiting.status).toBe(429);
      expect(waiting.body.type).toBe('urn:ordo:problem:login-backoff');
      expect(waiting.response.headers['retry-after']).toBe('1');
      accountClock.advance(1_000);
      // …the fifth 2 s.
      expect((await attempt('wrong-password', '10.0.1.3')).status).toBe(401);
      accountClock.advance(1_000);
      const again = await attempt(ADMIN_PASSWORD, '10.0.1.4');
      expect(again.status).toBe(429);
      expect(again.response.headers['retry-after']).toBe('1');
      accountClock.advance(1_000);
      // The owner signs in once the wait is over, which forgives the failures.
      expect((await attempt(ADMIN_PASSWORD, '10.0.1.5')).status).toBe(200);
      expect((await attempt('wrong-password', '10.0.1.6')).status).toBe(401);
      expect((await attempt(ADMIN_PASSWORD, '10.0.1.7')).status).toBe(200);
      // Another account is not held back by this one.
      const other = await call(guarded, {
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'someone.else', password: 'wrong-password' },
      });
      expect(other.status).toBe(401);
    } finally {
      await guarded.close();
    }
  });
});

describe('GET /api/me', () => {
  it('answers 401 problem+json without a session', async () => {
    const { status, body, response } = await call(app, { method: 'GET', url: '/api/me' });
    expect(status).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(body.type).toBe('urn:ordo:problem:sign-in-required');
  });

  it('answers 401 for a token that was never issued and for a malformed Authorization header', async () => {
    expect((await call(app, { method: 'GET', url: '/api/me', headers: bearer('made-up') })).status).toBe(401);
    const basic = await call(app, {
      method: 'GET',
      url: '/api/me',
      headers: { authorization: 'Basic YTpi' },
    });
    expect(basic.status).toBe(401);
    expect(basic.body.field).toBe('header.authorization');
  });

  it('shows the signed-in person with roles, locale and teams, by bearer token or by cookie', async () => {
    const byToken = await call(app, { method: 'GET', url: '/api/me', headers: bearer(agent.token) });
    expect(byToken.status).toBe(200);
    expect(byToken.body).toMatchObject({
      id: agent.id,
      username: 'li.lei',
      email: 'li.lei@example.com',
      roles: ['agent'],
      locale: 'en',
      teams: [],
      supervises: [],
    });
    expect(byToken.body).not.toHaveProperty('password');
    const byCookie = await call(app, {
      method: 'GET',
      url: '/api/me',
      cookies: { ordo_session: agent.token },
    });
    expect(byCookie.body).toEqual(byToken.body);
  });

  it('lists the teams the person works in and supervises', async () => {
    const created = await call(app, {
      method: 'POST',
      url: '/api/teams',
      headers: bearer(adminToken),
      payload: {
        key: 'service-desk',
        name: { 'zh-CN': '服务台', en: 'Service desk' },
        members: [{ userId: agent.id }],
      },
    });
    expect(created.status).toBe(201);
    const supervised = await call(app, {
      method: 'POST',
      url: '/api/teams',
      headers: bearer(adminToken),
      payload: {
        key: 'field-service',
        name: { 'zh-CN': '现场服务', en: 'Field service' },
        supervisor: agent.id,
      },
    });
    expect(supervised.status).toBe(201);
    const me = await call(app, { method: 'GET', url: '/api/me', headers: bearer(agent.token) });
    expect(me.body.teams).toEqual(['service-desk']);
    expect(me.body.supervises).toEqual(['field-service']);
  });

  it('ends a session at its expiry and removes it', async () => {
    const token = await login(app, 'li.lei', agent.password);
    clock.advance(SESSION_LIFETIME_MS);
    try {
      const expired = await call(app, { method: 'GET', url: '/api/me', headers: bearer(token) });
      expect(expired.status).toBe(401);
      expect(expired.body.type).toBe('urn:ordo:problem:session-invalid');
      expect(await app.models.Session.exists({ _id: sha256(token) })).toBeNull();
    } finally {
      clock.advance(-SESSION_LIFETIME_MS);
    }
  });
});

describe('PATCH /api/me', () => {
  it('changes language and display name', async () => {
    const { status, body } = await call(app, {
      method: 'PATCH',
      url: '/api/me',
      headers: bearer(agent.token),
      payload: { locale: 'zh-CN', displayName: '李雷' },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ locale: 'zh-CN', displayName: '李雷' });
  });

  it('changes the password only with the current one, and ends the other sessions', async () => {
    const person = await createUser(app, adminToken, { username: 'han.meimei', roles: ['requester'] });
    const otherSession = await login(app, person.username, person.password);
    const wrong = await call(app, {
      method: 'PATCH',
      url: '/api/me',
      headers: bearer(person.token),
      payload: { currentPassword: 'wrong-one', newPassword: 'a-new-password' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.field).toBe('body.currentPassword');
    const changed = await call(app, {
      method: 'PATCH',
      url: '/api/me',
      headers: bearer(person.token),
      payload: { currentPassword: person.password, newPassword: 'a-new-password' },
    });
    expect(changed.status).toBe(200);
    expect((await call(app, { method: 'GET', url: '/api/me', headers: bearer(person.token) })).status).toBe(
      200,
    );
    expect((await call(app, { method: 'GET', url: '/api/me', headers: bearer(otherSession) })).status).toBe(
      401,
    );
    await login(app, person.username, 'a-new-password');
  });
});

describe('POST /api/auth/logout', () => {
  it('ends the session and clears the cookie; the token no longer works', async () => {
    const token = await login(app, 'li.lei', agent.password);
    const { status, response } = await call(app, {
      method: 'POST',
      url: '/api/auth/logout',
      cookies: { ordo_session: token },
    });
    expect(status).toBe(204);
    const cleared = response.cookies.find((c) => c.name === 'ordo_session');
    expect(cleared?.value).toBe('');
    expect(new Date(cleared?.expires ?? 0).getTime()).toBeLessThanOrEqual(Date.now());
    expect((await call(app, { method: 'GET', url: '/api/me', headers: bearer(token) })).status).toBe(401);
  });

  it('answers 204 even without a session', async () => {
    expect((await call(app, { method: 'POST', url: '/api/auth/logout' })).status).toBe(204);
  });
});

describe('deactivated people', () => {
  it('cannot sign in, and their open sessions stop working', async () => {
    const person = await createUser(app, adminToken, { username: 'wang.fang', roles: ['requester'] });
    const deactivated = await call(app, {
      method: 'PATCH',
      url: `/api/users/${person.id}`,
      headers: bearer(adminToken),
      payload: { active: false },
    });
    expect(deactivated.status).toBe(200);
    expect((await call(app, { method: 'GET', url: '/api/me', headers: bearer(person.token) })).status).toBe(
      401,
    );
    const attempt = await call(app, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: person.username, password: person.password },
    });
    expect(attempt.status).toBe(401);
    expect(attempt.body.detail).toBe('The username or password is incorrect.');
  });
});
