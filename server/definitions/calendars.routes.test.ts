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
import { CN_STANDARD_CALENDAR_DEFINITION } from '../../runtime/time/index.js';

const DATABASE = 'definitions_calendars';

let app: FastifyInstance;
let adminToken: string;
let designer: CreatedUser;
let requester: CreatedUser;

beforeAll(async () => {
  app = await buildTestApp(DATABASE);
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  designer = await createUser(app, adminToken, { username: 'cal.designer', roles: ['designer'] });
  requester = await createUser(app, adminToken, { username: 'cal.requester', roles: ['requester'] });
});

afterAll(async () => {
  await app.close();
});

const withToken = (token: string) => ({ headers: bearer(token) });

const factoryCalendar = {
  key: 'suzhou-factory',
  name: { 'zh-CN': '苏州工厂两班制', en: 'Suzhou factory, two shifts' },
  zone: 'Asia/Shanghai',
  week: Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((day) => [
      day,
      [{ from: '06:00', to: '22:00' }],
    ]),
  ),
  holidays: [
    { from: '2026-10-01', to: '2026-10-03', name: { 'zh-CN': '国庆停产', en: 'National Day shutdown' } },
  ],
};

describe('GET /api/calendars', () => {
  it('has the mainland-China preset and 24x7 from the first start, readable by anyone signed in', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/calendars',
      ...withToken(requester.token),
    });
    expect(status).toBe(200);
    const list = body as unknown as { key: string; preset: boolean; zone: string; revision: number }[];
    expect(list.map((calendar) => [calendar.key, calendar.preset, calendar.zone, calendar.revision])).toEqual(
      [
        ['24x7', true, 'Asia/Shanghai', 1],
        ['cn-standard', true, 'Asia/Shanghai', 1],
      ],
    );
  });

  it('needs a signed-in caller', async () => {
    expect((await call(app, { method: 'GET', url: '/api/calendars' })).status).toBe(401);
  });
});

describe('GET /api/calendars/:key', () => {
  it('returns the calendar definition with its revision as ETag', async () => {
    const { status, body, response } = await call(app, {
      method: 'GET',
      url: '/api/calendars/cn-standard',
      ...withToken(designer.token),
    });
    expect(status).toBe(200);
    expect(body.definition).toEqual(CN_STANDARD_CALENDAR_DEFINITION);
    expect(response.headers.etag).toBe('"1"');
  });

  it('answers 404 for an unknown calendar and 400 for a malformed key', async () => {
    expect(
      (await call(app, { method: 'GET', url: '/api/calendars/nowhere', ...withToken(designer.token) }))
        .status,
    ).toBe(404);
    const malformed = await call(app, {
      method: 'GET',
      url: '/api/calendars/Not%20a%20key',
      ...withToken(designer.token),
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.field).toBe('params.key');
  });
});

describe('POST /api/calendars', () => {
  it('creates a calendar checked by the runtime calendar schema', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/calendars',
      ...withToken(designer.token),
      payload: factoryCalendar,
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ key: 'suzhou-factory', preset: false, revision: 1, updatedBy: designer.id });
    expect(body.definition).toEqual(factoryCalendar);
  });

  it('refuses a key that exists with 409 naming body.key', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/calendars',
      ...withToken(designer.token),
      payload: factoryCalendar,
    });
    expect(status).toBe(409);
    expect(body.field).toBe('body.key');
  });

  it('answers 422 with problems an admin can read for a calendar that does not make sense', async () => {
    const { status, body, response } = await call(app, {
      method: 'POST',
      url: '/api/calendars',
      ...withToken(designer.token),
      payload: { ...factoryCalendar, key: 'broken', week: { monday: [{ from: '25:00', to: '18:00' }] } },
    });
    expect(status).toBe(422);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const problems = body.problems as { path: string; text: Record<string, string> }[];
    expect(problems[0]).toMatchObject({ path: '/week/monday/0/from' });
    expect(problems[0]!.text['zh-CN']).toBeTruthy();
    expect(body.field).toBe('body.week.monday.0.from');

    const badZone = await call(app, {
      method: 'POST',
      url: '/api/calendars',
      ...withToken(designer.token),
      payload: { ...factoryCalendar, key: 'mars', zone: 'Mars/Olympus' },
    });
    expect(badZone.status).toBe(422);
    expect((badZone.body.problems as { path: string }[])[0]!.path).toBe('/zone');
  });

  it('names malformed input with 400', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/calendars',
      ...withToken(designer.token),
      payload: { name: factoryCalendar.name, zone: 'Asia/Shanghai', week: {} },
    });
    expect(status).toBe(400);
    expect(body.field).toBe('body.key');
  });

  it('is for designers and admins: a requester gets 403', async () => {
    const { status } = await call(app, {
      method: 'POST',
      url: '/api/calendars',
      ...withToken(requester.token),
      payload: { ...factoryCalendar, key: 'mine' },
    });
    expect(status).toBe(403);
  });
});

describe('PUT /api/calendars/:key', () => {
  const with2027 = {
    ...CN_STANDARD_CALENDAR_DEFINITION,
    holidays: [
      ...(CN_STANDARD_CALENDAR_DEFINITION.holidays ?? []),
      { from: '2027-01-01', to: '2027-01-01', name: { 'zh-CN': '元旦', en: "New Year's Day" } },
    ],
  };

  it('lets an admin extend the preset with another year, guarded by If-Match', async () => {
    const { status, body, response } = await call(app, {
      method: 'PUT',
      url: '/api/calendars/cn-standard',
      headers: { ...bearer(adminToken), 'if-match': '"1"' },
      payload: with2027,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ revision: 2, preset: true });
    expect(response.headers.etag).toBe('"2"');
  });

  it('refuses a save based on an older revision with 409 and the current one', async () => {
    const { status, body } = await call(app, {
      method: 'PUT',
      url: '/api/calendars/cn-standard',
      headers: { ...bearer(adminToken), 'if-match': '"1"' },
      payload: with2027,
    });
    expect(status).toBe(409);
    expect(body.currentRevision).toBe(2);
  });

  it('refuses to change the key with 400 naming body.key', async () => {
    const { status, body } = await call(app, {
      method: 'PUT',
      url: '/api/calendars/cn-standard',
      ...withToken(adminToken),
      payload: { ...with2027, key: 'cn-other' },
    });
    expect(status).toBe(400);
    expect(body.field).toBe('body.key');
  });

  it('answers 404 for a calendar that does not exist', async () => {
    const { status } = await call(app, {
      method: 'PUT',
      url: '/api/calendars/nowhere',
      ...withToken(adminToken),
      payload: { ...factoryCalendar, key: 'nowhere' },
    });
    expect(status).toBe(404);
  });

  it('keeps the edited preset when the app starts again on the same database', async () => {
    const second = await buildTestApp(DATABASE);
    try {
      const { body } = await call(second, { method: 'GET', url: '/api/calendars', ...withToken(adminToken) });
      const list = body as unknown as { key: string; revision: number }[];
      expect(list.map((calendar) => [calendar.key, calendar.revision])).toEqual([
        ['24x7', 1],
        ['cn-standard', 2],
        ['suzhou-factory', 1],
      ]);
    } finally {
      await second.close();
    }
  });
});
