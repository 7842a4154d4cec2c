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

/**
 * Tickets taken by phone, chat or at the desk, and opened by other systems: on someone's behalf, with the channel
 * recorded and a record of the other system linked.
 */
let app: FastifyInstance;
let admin: string;
let agent: CreatedUser;
let requester: CreatedUser;
let integrationKey: string;
const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));

const DATA = { title: '电脑无法开机', service: 'other', impact: 'person', urgency: 'low' };

beforeAll(async () => {
  app = await buildTestApp('ticket_intake_channels', { clock });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  agent = await createUser(app, admin, { username: 'desk.gao', roles: ['agent'] });
  requester = await createUser(app, admin, { username: 'caller.li', roles: ['requester'] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id }] });
  const designer = await createUser(app, admin, { username: 'designer.he', roles: ['designer'] });
  expect(await publishType(app, designer.token, itIncidentDefinition())).toBe(1);
  const { status, body } = await call(app, {
    method: 'POST',
    url: '/api/api-keys',
    headers: bearer(admin),
    payload: { name: 'CRM', scopes: ['tickets:write', 'tickets:read'] },
  });
  expect(status, JSON.stringify(body)).toBe(201);
  integrationKey = (body as { key: string }).key;
});
afterAll(async () => {
  await app.close();
});

type Ticket = {
  id: string;
  channel: string;
  requester: string;
  links: { system: string; type: string; id: string; url?: string; title?: string }[];
};

const asIntegration = () => ({ 'x-api-key': integrationKey });

async function openAs(headers: Record<string, string>, payload: Record<string, unknown>) {
  return call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers,
    payload: { type: 'it.incident', ...payload },
  });
}

async function ticketCount(): Promise<number> {
  return app.db.collection('tickets').countDocuments({});
}

describe('agents registering a ticket for someone', () => {
  it('records the caller as requester and the channel (phone, chat, walk-in)', async () => {
    for (const channel of ['phone', 'chat', 'walk-in']) {
      const { status, body } = await openAs(bearer(agent.token), {
        data: DATA,
        channel,
        requester: requester.id,
      });
      expect(status, JSON.stringify(body)).toBe(201);
      expect(body).toMatchObject({ channel, requester: requester.id });
    }
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/tickets?channel=walk-in&status=new,open,pending,resolved,closed',
      headers: bearer(agent.token),
    });
    expect(status).toBe(200);
    const items = (body as { items: Ticket[] }).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ channel: 'walk-in', requester: requester.id });
  });

  it('finds the caller by phone or e-mail, or adds them with a name and an e-mail address', async () => {
    const added = await openAs(bearer(agent.token), {
      data: DATA,
      channel: 'phone',
      requesterContact: { displayName: '钱多多', email: 'qian@example.com', phone: '+86 138 0000 0001' },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const newId = (added.body as Ticket).requester;
    expect(newId).not.toBe(agent.id);
    const person = await app.models.User.findById(newId).lean<{ roles: string[]; displayName: string }>();
    expect(person).toMatchObject({ roles: ['requester'], displayName: '钱多多' });

    const byPhone = await openAs(bearer(agent.token), {
      data: DATA,
      channel: 'phone',
      requesterContact: { phone: '+86 138 0000 0001' },
    });
    expect(byPhone.status, JSON.stringify(byPhone.body)).toBe(201);
    expect((byPhone.body as Ticket).requester).toBe(newId);
    const byEmail = await openAs(bearer(agent.token), {
      data: DATA,
      channel: 'chat',
      requesterContact: { email: 'QIAN@example.com', displayName: 'someone else' },
    });
    expect((byEmail.body as Ticket).requester).toBe(newId);
    expect(await app.models.User.countDocuments({ email: /qian@example\.com/i })).toBe(1);
  });

  it('refuses requesters who try to open for someone else, by id or by contact', async () => {
    const before = await ticketCount();
    for (const payload of [{ requester: agent.id }, { requesterContact: { email: 'qian@example.com' } }]) {
      const { status } = await openAs(bearer(requester.token), { data: DATA, ...payload });
      expect(status).toBe(403);
    }
    expect(await ticketCount()).toBe(before);
  });
});

describe('integrations opening tickets with an API key', () => {
  it('opens with the channel, the requester and a linked record', async () => {
    const { status, body } = await openAs(asIntegration(), {
      data: DATA,
      channel: 'crm',
      requester: requester.id,
      link: {
        system: 'crm',
        type: 'case',
        id: 'CASE-0042',
        url: 'https://crm.example.com/cases/42',
        title: '客户报修',
      },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    const ticket = body as Ticket;
    expect(ticket).toMatchObject({ channel: 'crm', requester: requester.id });
    expect(ticket.links).toEqual([
      expect.objectContaining({ system: 'crm', type: 'case', id: 'CASE-0042', title: '客户报修' }),
    ]);
    const seen = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}`,
      headers: bearer(agent.token),
    });
    expect((seen.body as Ticket).links).toHaveLength(1);
  });

  it('replays an open with the same idempotency key without a second ticket or link', async () => {
    const payload = {
      data: DATA,
      channel: 'erp',
      requester: requester.id,
      link: { system: 'erp', type: 'order', id: 'SO-1' },
    };
    const headers = { ...asIntegration(), 'idempotency-key': 'erp-SO-1' };
    const first = await openAs(headers, payload);
    const again = await openAs(headers, payload);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect((again.body as Ticket).id).toBe((first.body as Ticket).id);
    expect((again.body as Ticket).links).toHaveLength(1);
  });

  it('adds a requester named by contact, with the API key alone', async () => {
    const { status, body } = await openAs(asIntegration(), {
      data: DATA,
      channel: 'chat',
      requesterContact: { displayName: 'Chat visitor', email: 'visitor@example.com' },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    expect(await app.models.User.countDocuments({ email: 'visitor@example.com', roles: 'requester' })).toBe(
      1,
    );
  });

  it('answers 4xx naming the field, and stores nothing, for what it cannot take', async () => {
    const before = await ticketCount();
    const users = await app.models.User.countDocuments({});
    const cases: [Record<string, unknown>, number, string][] = [
      [{ channel: 'pigeon', requester: requester.id }, 400, 'body.channel'],
      [{ channel: 'api' }, 400, 'body.requester'],
      [{ requester: '64b000000000000000000000' }, 400, 'body.requester'],
      [{ requester: 'not-an-id' }, 400, 'body.requester'],
      [{ requesterContact: { email: 'nobody@example.com' } }, 400, 'body.requesterContact'],
      [{ requesterContact: { phone: '+86 100' } }, 400, 'body.requesterContact'],
      [{ requesterContact: {} }, 400, 'body.requesterContact'],
      [
        { requester: requester.id, requesterContact: { email: 'qian@example.com' } },
        400,
        'body.requesterContact',
      ],
      [{ requester: requester.id, link: { system: 'crm', type: 'case' } }, 400, 'body.link'],
      [
        { requester: requester.id, link: { system: 'crm', type: 'case', id: '1', url: 'ftp://x' } },
        400,
        'body.link.url',
      ],
      [{ requester: requester.id, link: { system: ' ', type: 'case', id: '1' } }, 400, 'body.link.system'],
    ];
    for (const [payload, expected, field] of cases) {
      const { status, body } = await openAs(asIntegration(), { data: DATA, ...payload });
      expect(status, JSON.stringify(payload)).toBe(expected);
      expect((body as { field?: string }).field, JSON.stringify(body)).toMatch(
        new RegExp(`^${field.replace(/\./g, '\\.')}`),
      );
    }
    const wrongKey = await openAs({ 'x-api-key': 'ordo_wrong' }, { data: DATA, requester: requester.id });
    expect(wrongKey.status).toBe(401);
    expect(await ticketCount()).toBe(before);
    expect(await app.models.User.countDocuments({})).toBe(users);
  });
});
