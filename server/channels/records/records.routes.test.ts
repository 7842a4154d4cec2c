import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from '../../../test/support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../../../test/support/tickets.js';
import { recordCollections } from './records.model.js';

const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));
let app: FastifyInstance;
let admin: string;
let agent: CreatedUser;
let requester: CreatedUser;
let integrationKey: string;
let ticketsOnlyKey: string;

async function createKey(scopes: string[]): Promise<string> {
  const { status, body } = await call(app, {
    method: 'POST',
    url: '/api/api-keys',
    headers: bearer(admin),
    payload: { name: `CRM ${scopes.join(' ')}`, scopes },
  });
  expect(status).toBe(201);
  return String(body.key);
}

beforeAll(async () => {
  app = await buildTestApp('records_routes', { clock });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  agent = await createUser(app, admin, { username: 'desk.zhao', roles: ['agent'] });
  requester = await createUser(app, admin, { username: 'buyer.qian', roles: ['requester'] });
  integrationKey = await createKey(['records:write']);
  ticketsOnlyKey = await createKey(['tickets:write']);
});
afterAll(async () => {
  await app.close();
});

const put = (
  url: string,
  payload: Record<string, unknown>,
  headers: Record<string, string> = bearer(admin),
) => call(app, { method: 'PUT', url, headers, payload });

describe('PUT /api/records/:system/:type/:id', () => {
  it('creates (201) then replaces (200) a record; an API key with records:write may send it', async () => {
    const first = await put(
      '/api/records/crm/opportunity/OPP-7',
      {
        title: '华东区年度框架协议',
        owner: 'desk.zhao',
        url: 'https://crm.example.com/opportunity/OPP-7',
        updatedAt: '2026-09-01T08:00:00Z',
        data: { amount: 1_200_000, stage: 'negotiation', contacts: [{ name: '王经理' }] },
      },
      { 'x-api-key': integrationKey },
    );
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      system: 'crm',
      type: 'opportunity',
      id: 'OPP-7',
      owner: 'desk.zhao',
      updatedAt: '2026-09-01T08:00:00.000Z',
      tickets: [],
    });
    const second = await put('/api/records/crm/opportunity/OPP-7', {
      title: '华东区年度框架协议（续）',
      data: {},
    });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ title: '华东区年度框架协议（续）', createdAt: first.body.createdAt });
    // A field the new version does not carry is gone; updatedAt defaults to when it arrived.
    expect(second.body.owner).toBeUndefined();
    expect(second.body.updatedAt).toBe(new Date(clock.now()).toISOString());
  });

  it.each([
    ['an upper-case system', '/api/records/CRM/opportunity/1', { title: 't' }, 'params.system'],
    ['an id too long', `/api/records/crm/opportunity/${'x'.repeat(201)}`, { title: 't' }, 'params.id'],
    ['no title', '/api/records/crm/opportunity/1', {}, 'body.title'],
    [
      'a script address',
      '/api/records/crm/opportunity/1',
      { title: 't', url: 'javascript:alert(1)' },
      'body.url',
    ],
    [
      'a bad instant',
      '/api/records/crm/opportunity/1',
      { title: 't', updatedAt: 'yesterday' },
      'body.updatedAt',
    ],
    ['an unknown field', '/api/records/crm/opportunity/1', { title: 't', colour: 'red' }, 'body.colour'],
    ['a dotted key', '/api/records/crm/opportunity/1', { title: 't', data: { 'a.b': 1 } }, 'body.data.a.b'],
    [
      'nested arrays',
      '/api/records/crm/opportunity/1',
      { title: 't', data: { grid: [[1, 2]] } },
      'body.data.grid.0',
    ],
    [
      'data over 64 kB',
      '/api/records/crm/opportunity/1',
      { title: 't', data: { text: 'x'.repeat(70_000) } },
      'body.data',
    ],
  ])('refuses %s with 400 naming the field, storing nothing', async (_case, url, payload, field) => {
    const before = await recordCollections(app.db).records.countDocuments({});
    const { status, body } = await put(url, payload);
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.field).toBe(field);
    expect(await recordCollections(app.db).records.countDocuments({})).toBe(before);
  });

  it('answers 401 without a credential and 403 to a key without records:write or a non-admin person', async () => {
    expect((await put('/api/records/crm/opportunity/X', { title: 't' }, {})).status).toBe(401);
    expect(
      (await put('/api/records/crm/opportunity/X', { title: 't' }, { 'x-api-key': ticketsOnlyKey })).status,
    ).toBe(403);
    expect((await put('/api/records/crm/opportunity/X', { title: 't' }, bearer(agent.token))).status).toBe(
      403,
    );
  });
});

describe('GET /api/records', () => {
  it('filters by system, type, text and owner, pages with a total, and shows the tickets linked to each', async () => {
    for (let index = 0; index < 6; index++) {
      clock.advance(1000);
      await put(`/api/records/erp/order/SO-${index}`, {
        title: index % 2 === 0 ? `打印机耗材订单 ${index}` : `Laptop order ${index}`,
        owner: index < 3 ? 'desk.zhao' : 'buyer.qian',
      });
    }
    const list = async (query: string, token = admin) => {
      const { status, body } = await call(app, {
        method: 'GET',
        url: `/api/records?${query}`,
        headers: bearer(token),
      });
      expect(status, JSON.stringify(body)).toBe(200);
      return body as { items: { id: string; tickets: { id: string; number: string }[] }[]; total: number };
    };
    const page = await list('system=erp&type=order&limit=4');
    expect(page.total).toBe(6);
    // Newest change first.
    expect(page.items.map((item) => item.id)).toEqual(['SO-5', 'SO-4', 'SO-3', 'SO-2']);
    expect((await list('system=erp&limit=4&offset=4')).items.map((item) => item.id)).toEqual([
      'SO-1',
      'SO-0',
    ]);
    expect((await list('system=erp&q=laptop')).items.map((item) => item.id)).toEqual([
      'SO-5',
      'SO-3',
      'SO-1',
    ]);
    expect((await list('system=erp&q=耗材')).total).toBe(3);
    expect((await list('owner=buyer.qian')).total).toBe(3);
    // Agents read records too.
    expect((await list('system=erp', agent.token)).total).toBe(6);

    // A ticket an agent links to SO-2 by the engine's link command shows on the record.
    const designer = await createUser(app, admin, { username: 'designer.sun', roles: ['designer'] });
    await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
    await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id }] });
    await publishType(app, designer.token, itIncidentDefinition());
    const opened = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: {
        type: 'it.incident',
        data: { title: '耗材没到货', service: 'printer', impact: 'person', urgency: 'low' },
      },
    });
    expect(opened.status).toBe(201);
    const linked = await call(app, {
      method: 'POST',
      url: `/api/tickets/${String(opened.body.id)}/commands`,
      headers: bearer(agent.token),
      payload: { version: opened.body.version, command: 'link', system: 'ERP', type: 'Order', id: 'SO-2' },
    });
    expect(linked.status, JSON.stringify(linked.body)).toBe(200);
    const one = await call(app, {
      method: 'GET',
      url: '/api/records/erp/order/SO-2',
      headers: bearer(admin),
    });
    expect(one.body.tickets).toEqual([{ id: opened.body.id, number: opened.body.number }]);
    expect((await list('system=erp&linked=true')).items.map((item) => item.id)).toEqual(['SO-2']);
    expect((await list('system=erp&linked=false')).total).toBe(5);

    // Unlinked: gone from the record.
    const unlinked = await call(app, {
      method: 'POST',
      url: `/api/tickets/${String(opened.body.id)}/commands`,
      headers: bearer(agent.token),
      payload: { version: linked.body.version, command: 'unlink', system: 'erp', type: 'order', id: 'SO-2' },
    });
    expect(unlinked.status, JSON.stringify(unlinked.body)).toBe(200);
    expect(
      (await call(app, { method: 'GET', url: '/api/records/erp/order/SO-2', headers: bearer(admin) })).body
        .tickets,
    ).toEqual([]);
  });

  it('answers 404 for a record not there and 403 to requesters', async () => {
    expect(
      (await call(app, { method: 'GET', url: '/api/records/erp/order/NOPE', headers: bearer(admin) })).status,
    ).toBe(404);
    expect(
      (await call(app, { method: 'GET', url: '/api/records', headers: bearer(requester.token) })).status,
    ).toBe(403);
  });
});

describe('/api/record-systems', () => {
  it('lists systems records came from, named once an admin registers them', async () => {
    const saved = await put('/api/record-systems/erp', {
      name: { 'zh-CN': '用友 ERP', en: 'Yonyou ERP' },
      types: [{ key: 'order', name: { 'zh-CN': '销售订单', en: 'Sales order' } }],
      urlTemplate: 'https://erp.example.com/{type}/{id}',
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const { body } = await call(app, { method: 'GET', url: '/api/record-systems', headers: bearer(admin) });
    const items = body.items as { key: string; registered: boolean; records: number; name: { en: string } }[];
    expect(items.find((item) => item.key === 'erp')).toMatchObject({
      registered: true,
      name: { en: 'Yonyou ERP' },
    });
    expect(items.find((item) => item.key === 'crm')).toMatchObject({ registered: false, records: 1 });
    const bad = await put('/api/record-systems/erp', {
      name: { 'zh-CN': 'x', en: 'x' },
      urlTemplate: 'ftp://erp.example.com/{id}',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('body.urlTemplate');
  });
});
