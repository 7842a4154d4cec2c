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
let zhRequester: CreatedUser;
let enRequester: CreatedUser;

beforeAll(async () => {
  app = await buildTestApp('errors_plugin');
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  zhRequester = await createUser(app, admin, {
    username: 'zhang.san',
    roles: ['requester'],
    locale: 'zh-CN',
  });
  enRequester = await createUser(app, admin, { username: 'john.doe', roles: ['requester'], locale: 'en' });
  const agent = await createUser(app, admin, { username: 'agent.li', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  const designer = await createUser(app, admin, { username: 'designer.wu', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
});
afterAll(async () => {
  await app.close();
});

const hasChinese = (text: unknown) => typeof text === 'string' && /[\u4e00-\u9fff]/.test(text);

describe('POST /api/tickets with several wrong fields', () => {
  it('lists every problem with its field, code and both texts; the first stays in field', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(enRequester.token),
      // title too short, hostname (shown for servers) malformed, impact and urgency missing
      payload: { type: 'it.incident', data: { title: 'ab', service: 'server', hostname: 'a b' } },
    });
    expect(status, JSON.stringify(body)).toBe(422);
    expect(body.type).toBe('urn:ordo:problem:form.invalid');
    const errors = body.errors as {
      field: string;
      code: string;
      message: string;
      text: Record<string, string>;
    }[];
    const fields = errors.map((error) => error.field).sort();
    expect(fields).toEqual(
      ['body.data.hostname', 'body.data.impact', 'body.data.title', 'body.data.urgency'].sort(),
    );
    for (const error of errors) {
      expect(error.code).toMatch(/^form\./);
      expect(hasChinese(error.text['zh-CN'])).toBe(true);
      expect(error.text.en).toBeTruthy();
      expect(error.message).toBe(error.text.en);
    }
    expect(errors.find((error) => error.field === 'body.data.impact')!.code).toBe('form.required');
    expect(body.field).toBe(errors[0]!.field);
  });

  it('answers each listed message in the reader’s language', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(zhRequester.token),
      payload: { type: 'it.incident', data: { title: 'ab' } },
    });
    expect(status).toBe(422);
    const errors = body.errors as { message: string; text: Record<string, string> }[];
    expect(errors.length).toBeGreaterThanOrEqual(4);
    for (const error of errors) expect(error.message).toBe(error.text['zh-CN']);
    expect(hasChinese(body.detail)).toBe(true);
    expect(hasChinese(body.title)).toBe(true);
  });
});

describe('problems in the reader’s language', () => {
  it('schema violations: every one listed, in the user’s locale, with stable codes', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/users',
      headers: bearer(admin), // the bootstrap admin reads zh-CN
      payload: { username: '!', email: 'not-mail', roles: ['king'] },
    });
    expect(status).toBe(400);
    expect(body.type).toBe('urn:ordo:problem:invalid-input');
    expect(hasChinese(body.detail)).toBe(true);
    expect(body.title).toBe('输入有误');
    const errors = body.errors as { field: string; code: string; message: string }[];
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const error of errors) {
      expect(error.code).toBeTruthy();
      expect(hasChinese(error.message)).toBe(true);
    }
  });

  it('Accept-Language decides when nobody is signed in; English without it', async () => {
    const zh = await call(app, {
      method: 'GET',
      url: '/api/nothing-here',
      headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' },
    });
    expect(zh.status).toBe(404);
    expect(zh.body.type).toBe('urn:ordo:problem:not-found');
    expect(hasChinese(zh.body.detail)).toBe(true);
    expect(zh.response.headers['content-language']).toBe('zh-CN');
    const en = await call(app, { method: 'GET', url: '/api/nothing-here' });
    expect(en.body.detail).toBe('No route GET /api/nothing-here');
    const preferEn = await call(app, {
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'accept-language': 'en-GB,zh;q=0.5' },
      payload: { username: 'admin', password: 'wrong-password' },
    });
    expect(preferEn.body.detail).toBe('The username or password is incorrect.');
  });

  it('malformed bodies are refused in the reader’s language too', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/tickets',
      headers: { ...bearer(zhRequester.token), 'content-type': 'application/json' },
      payload: '{"type": ',
    });
    expect(response.statusCode).toBe(400);
    const body = response.json<Record<string, unknown>>();
    expect(body.field).toBe('body');
    expect(body.detail).toBe('请求体不是有效的 JSON。');
  });

  it('the user’s locale wins over Accept-Language', async () => {
    const { body } = await call(app, {
      method: 'GET',
      url: '/api/tickets/t0000000000000000000000000000',
      headers: { ...bearer(zhRequester.token), 'accept-language': 'en' },
    });
    expect(body.status).toBe(404);
    expect(body.type).toBe('urn:ordo:problem:not-found');
    expect(body.detail).toBe('找不到工单');
    const english = await call(app, {
      method: 'GET',
      url: '/api/tickets/t0000000000000000000000000000',
      headers: { ...bearer(enRequester.token), 'accept-language': 'zh-CN' },
    });
    expect(english.body.detail).toBe('Ticket not found');
  });

  it('409s: a stale ticket version and a taken key', async () => {
    const opened = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(zhRequester.token),
      payload: {
        type: 'it.incident',
        data: { title: '打印机卡纸', service: 'printer', impact: 'person', urgency: 'low' },
      },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const stale = await call(app, {
      method: 'POST',
      url: `/api/tickets/${String(opened.body.id)}/commands`,
      headers: bearer(zhRequester.token),
      payload: { command: 'comment', body: '补充', version: 99 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.type).toBe('urn:ordo:problem:stale-version');
    expect(hasChinese(stale.body.detail)).toBe(true);
    const calendar = {
      key: 'dup-cal',
      name: { 'zh-CN': '日历', en: 'Calendar' },
      zone: 'Asia/Shanghai',
      week: { monday: [{ from: '09:00', to: '18:00' }] },
    };
    const designer = await login(app, 'designer.wu', 'designer.wu-password');
    const first = await call(app, {
      method: 'POST',
      url: '/api/calendars',
      headers: bearer(designer),
      payload: calendar,
    });
    const taken = await call(app, {
      method: 'POST',
      url: '/api/calendars',
      headers: { ...bearer(designer), 'accept-language': 'en' },
      payload: calendar,
    });
    // designer.wu reads zh-CN (the default locale), whatever the request's Accept-Language says
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(taken.status).toBe(409);
    expect(taken.body.detail).toBe('标识为 dup-cal 的日历已存在');
  });

  it('domain refusals with both texts answer in the reader’s language', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/teams',
      headers: bearer(admin),
      payload: { key: 'it-ops', name: { 'zh-CN': '运维', en: 'Ops' }, members: [] },
    });
    expect(status).toBe(409);
    expect(body.type).toBe('urn:ordo:problem:team-key-taken');
    expect(body.detail).toBe('团队标识 it-ops 已被使用。');
    expect((body.text as Record<string, string>).en).toBe('The team key it-ops is already taken.');
  });
});
