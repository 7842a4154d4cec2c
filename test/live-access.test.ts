import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseClient } from '../server/live/test-support/sse-client.js';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from './support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from './support/tickets.js';

/**
 * The event stream and the presence routes, route × role, with real streams read by a small client: each reader
 * is told of the tickets it may see (the ticket read's own rule), its own notices, and — staff only — who has a
 * ticket open; a requester learns nothing of other people's tickets through it. A second API process on the same
 * database tells its readers of what the first one wrote.
 */

const DATABASE = 'live_access';
let first: FastifyInstance;
let second: FastifyInstance;
let firstUrl: string;
let secondUrl: string;
let adminToken: string;
let admin: CreatedUser;
let deskAgent: CreatedUser;
let otherAgent: CreatedUser;
let designer: CreatedUser;
let alice: CreatedUser;
let bob: CreatedUser;
let readKey: string;
let writeKey: string;
const streams: SseClient[] = [];

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

async function stream(base: string, headers: Record<string, string>, query = ''): Promise<SseClient> {
  const client = await SseClient.open(`${base}/api/live${query}`, headers);
  streams.push(client);
  return client;
}

async function createKey(scopes: string[]): Promise<string> {
  const { status, body } = await call(first, {
    method: 'POST',
    url: '/api/api-keys',
    headers: bearer(adminToken),
    payload: { name: `live ${scopes.join(' ')}`, scopes },
  });
  expect(status).toBe(201);
  return String(body.key);
}

async function openTicket(requester: CreatedUser, title: string): Promise<{ id: string; version: number }> {
  const { status, body } = await call(first, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: { type: 'it.incident', data: { title, service: 'printer', impact: 'person', urgency: 'low' } },
  });
  if (status !== 201) throw new Error(`opening "${title}": ${JSON.stringify(body)}`);
  return { id: String(body.id), version: Number(body.version) };
}

async function comment(
  app: FastifyInstance,
  who: CreatedUser,
  ticketId: string,
  text: string,
): Promise<void> {
  const current = await call(app, {
    method: 'GET',
    url: `/api/tickets/${ticketId}`,
    headers: bearer(who.token),
  });
  const { status, body } = await call(app, {
    method: 'POST',
    url: `/api/tickets/${ticketId}/commands`,
    headers: bearer(who.token),
    payload: { command: 'comment', body: text, visibility: 'public', version: current.body.version },
  });
  if (status !== 200) throw new Error(`commenting: ${JSON.stringify(body)}`);
}

const ticketEvent = (ticketId: string) => (data: { ticketId: string }) => data.ticketId === ticketId;

beforeAll(async () => {
  first = await buildTestApp(DATABASE);
  firstUrl = await listen(first);
  adminToken = await login(first, 'admin', ADMIN_PASSWORD);
  const me = await call(first, { method: 'GET', url: '/api/me', headers: bearer(adminToken) });
  admin = { id: String(me.body.id), username: 'admin', password: ADMIN_PASSWORD, token: adminToken };
  deskAgent = await createUser(first, adminToken, { username: 'desk.agent', roles: ['agent'] });
  otherAgent = await createUser(first, adminToken, { username: 'hr.agent', roles: ['agent'] });
  designer = await createUser(first, adminToken, { username: 'designer', roles: ['designer'] });
  alice = await createUser(first, adminToken, { username: 'alice', roles: ['requester'] });
  bob = await createUser(first, adminToken, { username: 'bob', roles: ['requester'] });
  await createTeam(first, adminToken, { key: 'it-ops', members: [{ userId: deskAgent.id }] });
  await createTeam(first, adminToken, { key: 'it-desk', members: [{ userId: deskAgent.id }] });
  await createTeam(first, adminToken, { key: 'hr', members: [{ userId: otherAgent.id }] });
  await publishType(first, adminToken, itIncidentDefinition());
  readKey = await createKey(['tickets:read']);
  writeKey = await createKey(['tickets:write']);
  // A second API process on the same database: it learns of the first one's writes only through the database.
  second = await buildTestApp(DATABASE);
  secondUrl = await listen(second);
}, 120_000);

afterAll(async () => {
  for (const client of streams) client.close();
  await second?.close();
  await first?.close();
});

describe('GET /api/live', () => {
  it('answers 401 without a credential, 401 for a bad one, 403 for a key without tickets:read', async () => {
    expect((await stream(firstUrl, {})).status).toBe(401);
    expect((await stream(firstUrl, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await stream(firstUrl, { 'x-api-key': writeKey })).status).toBe(403);
  });

  it('opens for every role, for a key holding tickets:read, and refuses a malformed Last-Event-ID', async () => {
    for (const user of [admin, deskAgent, designer, alice])
      expect((await stream(firstUrl, bearer(user.token))).status).toBe(200);
    expect((await stream(firstUrl, { 'x-api-key': readKey })).status).toBe(200);
    expect((await stream(firstUrl, bearer(alice.token), '?lastEventId=abc')).status).toBe(400);
  });

  it('tells each reader only of the tickets it may see, and of its own notices only', async () => {
    const readers = {
      admin: await stream(firstUrl, bearer(admin.token)),
      deskAgent: await stream(firstUrl, bearer(deskAgent.token)),
      otherAgent: await stream(firstUrl, bearer(otherAgent.token)),
      designer: await stream(firstUrl, bearer(designer.token)),
      alice: await stream(firstUrl, bearer(alice.token)),
      bob: await stream(firstUrl, bearer(bob.token)),
      key: await stream(firstUrl, { 'x-api-key': readKey }),
    };
    const alices = await openTicket(alice, 'Alice: printer jams');
    await comment(first, deskAgent, alices.id, 'On my way.');

    // Those who may see Alice's ticket hear of it (opened, then commented).
    for (const name of ['admin', 'deskAgent', 'alice', 'key'] as const) {
      const event = await readers[name].next('ticket', ticketEvent(alices.id));
      expect(event.data.ticketId).toBe(alices.id);
      expect(typeof (event.data as { number?: unknown }).number).toBe('string');
      await readers[name].next(
        'ticket',
        (data: { ticketId: string; version: number }) =>
          data.ticketId === alices.id && data.version > alices.version,
      );
    }
    // Alice is told of the comment on her ticket through her bell.
    await readers.alice.next('notification', ticketEvent(alices.id));

    // The others are told of a later change they may see (their own requests); signals go out in order, so by then
    // they would have heard of Alice's ticket had they been told.
    const bobs = await openTicket(bob, 'Bob: screen flickers');
    const others = await openTicket(otherAgent, 'HR agent: badge reader');
    const designers = await openTicket(designer, 'Designer: new laptop');
    await readers.bob.next('ticket', ticketEvent(bobs.id));
    await readers.otherAgent.next('ticket', ticketEvent(others.id));
    await readers.designer.next('ticket', ticketEvent(designers.id));
    for (const name of ['bob', 'otherAgent', 'designer'] as const)
      expect(readers[name].received('ticket', ticketEvent(alices.id))).toEqual([]);
    // Alice is not told of Bob's ticket either.
    await readers.admin.next('ticket', ticketEvent(designers.id));
    await readers.alice.next('ticket', ticketEvent(alices.id));
    expect(readers.alice.received('ticket', ticketEvent(bobs.id))).toEqual([]);

    // Every notice a reader heard of is one of its own (its bell lists it); the key hears of none.
    for (const [name, user] of [
      ['admin', admin],
      ['deskAgent', deskAgent],
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      const bell = await call(first, {
        method: 'GET',
        url: '/api/notifications?limit=100',
        headers: bearer(user.token),
      });
      const own = new Set((bell.body.items as { id: string }[]).map((item) => item.id));
      for (const notice of readers[name].received<{ notificationId: string }>('notification'))
        expect(own.has(notice.notificationId), `${name} told of ${notice.notificationId}`).toBe(true);
    }
    expect(readers.key.received('notification')).toEqual([]);
  });

  it('reaches the readers of another process through the database, still filtered', async () => {
    const adminThere = await stream(secondUrl, bearer(admin.token));
    const bobThere = await stream(secondUrl, bearer(bob.token));
    const aliceThere = await stream(secondUrl, bearer(alice.token));
    const ticket = await openTicket(alice, 'Alice: VPN drops');
    await comment(first, deskAgent, ticket.id, 'Looking into it.');
    await adminThere.next(
      'ticket',
      (data: { ticketId: string; version: number }) =>
        data.ticketId === ticket.id && data.version > ticket.version,
    );
    await aliceThere.next('notification', ticketEvent(ticket.id));
    const bobs = await openTicket(bob, 'Bob: mouse broken');
    await bobThere.next('ticket', ticketEvent(bobs.id));
    expect(bobThere.received('ticket', ticketEvent(ticket.id))).toEqual([]);
    expect(bobThere.received('notification')).toEqual([]);
  });

  it('gives a reconnecting reader what it missed (Last-Event-ID), or tells it to load again', async () => {
    const before = await stream(firstUrl, bearer(alice.token));
    const ticket = await openTicket(alice, 'Alice: keyboard');
    await before.next('ticket', ticketEvent(ticket.id));
    const lastEventId = before.lastEventId!;
    before.close();
    await comment(first, deskAgent, ticket.id, 'New one ordered.');
    const after = await stream(firstUrl, { ...bearer(alice.token), 'last-event-id': lastEventId });
    await after.next(
      'ticket',
      (data: { ticketId: string; version: number }) =>
        data.ticketId === ticket.id && data.version > ticket.version,
    );
    const stale = await stream(firstUrl, bearer(alice.token), '?lastEventId=1-1');
    await stale.next('resync');
  });
});

describe('PUT /api/live/presence/:ticketId', () => {
  it('shows staff who may see a ticket who else has it open; requesters neither show nor see', async () => {
    const ticket = await openTicket(alice, 'Alice: monitor');
    const adminStream = await stream(firstUrl, bearer(admin.token));
    const aliceStream = await stream(firstUrl, bearer(alice.token));
    const otherStream = await stream(firstUrl, bearer(otherAgent.token));
    const beat = (user: CreatedUser, id = ticket.id, tab = 'tab-0000-a') =>
      call(first, {
        method: 'PUT',
        url: `/api/live/presence/${id}`,
        headers: bearer(user.token),
        payload: { tab },
      });
    expect((await beat(alice)).status).toBe(403);
    expect((await beat(designer)).status).toBe(403);
    expect((await beat(otherAgent)).status).toBe(404);
    expect((await beat(deskAgent, 'no-such-ticket')).status).toBe(404);
    expect(
      (
        await call(first, {
          method: 'PUT',
          url: `/api/live/presence/${ticket.id}`,
          payload: { tab: 'tab-0000-a' },
        })
      ).status,
    ).toBe(401);
    const bad = await call(first, {
      method: 'PUT',
      url: `/api/live/presence/${ticket.id}`,
      headers: bearer(deskAgent.token),
      payload: { tab: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('body.tab');

    const seen = await beat(deskAgent);
    expect(seen.status).toBe(200);
    expect(seen.body.viewers).toEqual([expect.objectContaining({ id: deskAgent.id, name: 'desk.agent' })]);
    const told = await adminStream.next(
      'presence',
      (data: { ticketId: string; viewers: { id: string }[] }) =>
        data.ticketId === ticket.id && data.viewers.some((viewer) => viewer.id === deskAgent.id),
    );
    expect(told.data.viewers).toHaveLength(1);

    // A second process reads who has the ticket open from the database.
    const adminThere = await stream(secondUrl, bearer(admin.token));
    await adminThere.next(
      'presence',
      (data: { ticketId: string; viewers: { id: string }[] }) =>
        data.ticketId === ticket.id && data.viewers.some((viewer) => viewer.id === deskAgent.id),
    );

    const left = await call(first, {
      method: 'DELETE',
      url: `/api/live/presence/${ticket.id}?tab=tab-0000-a`,
      headers: bearer(deskAgent.token),
    });
    expect(left.status).toBe(204);
    await adminStream.next(
      'presence',
      (data: { ticketId: string; viewers: unknown[] }) =>
        data.ticketId === ticket.id && data.viewers.length === 0,
    );
    // Requesters and staff who may not see the ticket were told nothing of who had it open: later signals they
    // may hear have arrived, none about this ticket's viewers.
    const barrier = await openTicket(alice, 'Alice: barrier');
    await aliceStream.next('ticket', ticketEvent(barrier.id));
    const own = await openTicket(otherAgent, 'HR agent: barrier');
    await otherStream.next('ticket', ticketEvent(own.id));
    expect(aliceStream.received('presence')).toEqual([]);
    expect(otherStream.received('presence')).toEqual([]);
  });
});
