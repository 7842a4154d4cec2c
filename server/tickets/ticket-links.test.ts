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
  waitFor,
  type CreatedUser,
} from '../../test/support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../../test/support/tickets.js';
import { RECORD_LINKS_COLLECTION } from '../channels/records/records.model.js';

let app: FastifyInstance;
let admin: string;
let designer: CreatedUser;
let requester: CreatedUser;
let colleague: CreatedUser;
let agent: CreatedUser;
let outsider: CreatedUser;
// Thursday 2026-10-08 10:00 in Shanghai: working time.
const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));

beforeAll(async () => {
  app = await buildTestApp('ticket_links', { clock });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'sun.li', roles: ['requester'] });
  colleague = await createUser(app, admin, { username: 'zhou.fang', roles: ['requester'] });
  agent = await createUser(app, admin, { username: 'desk.only', roles: ['agent'] });
  outsider = await createUser(app, admin, { username: 'hr.agent', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id }] });
  designer = await createUser(app, admin, { username: 'designer.wu', roles: ['designer'] });
  expect(await publishType(app, designer.token, itIncidentDefinition())).toBe(1);
});
afterAll(async () => {
  await app.close();
});

type Ticket = Record<string, unknown> & {
  id: string;
  version: number;
  typeVersion: number;
  watchers: string[];
  links: Record<string, unknown>[];
  allowedCommands: string[];
};

async function open(user = requester): Promise<Ticket> {
  const { status, body } = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(user.token),
    payload: {
      type: 'it.incident',
      data: { title: '打印机卡纸', service: 'email', impact: 'person', urgency: 'low', description: '三楼' },
    },
  });
  expect(status, JSON.stringify(body)).toBe(201);
  return body as Ticket;
}

/** Send a command with the version the caller last saw; answers the status and body. */
async function send(user: CreatedUser, ticket: Ticket, command: Record<string, unknown>) {
  return call(app, {
    method: 'POST',
    url: `/api/tickets/${ticket.id}/commands`,
    headers: bearer(user.token),
    payload: { version: ticket.version, ...command },
  });
}

async function run(user: CreatedUser, ticket: Ticket, command: Record<string, unknown>): Promise<Ticket> {
  const { status, body } = await send(user, ticket, command);
  expect(status, `${String(command.command)}: ${JSON.stringify(body)}`).toBe(200);
  return body as Ticket;
}

async function view(user: CreatedUser, ticket: Ticket) {
  return call(app, { method: 'GET', url: `/api/tickets/${ticket.id}`, headers: bearer(user.token) });
}

async function listIds(user: CreatedUser, query = ''): Promise<string[]> {
  const { status, body } = await call(app, {
    method: 'GET',
    url: `/api/tickets${query}`,
    headers: bearer(user.token),
  });
  expect(status, JSON.stringify(body)).toBe(200);
  return (body.items as { id: string }[]).map((item) => item.id);
}

describe('POST /api/tickets/:id/commands — watch and unwatch', () => {
  it('a requester cannot watch a ticket they cannot see: 404, as if it did not exist', async () => {
    const ticket = await open();
    const { status } = await send(colleague, ticket, { command: 'watch' });
    expect(status).toBe(404);
    expect((await view(colleague, ticket)).status).toBe(404);
  });

  it('staff add a requester as watcher: they then see the ticket in their list, and can stop watching', async () => {
    let ticket = await open();
    expect(ticket.allowedCommands).toEqual(expect.arrayContaining(['watch', 'link']));
    ticket = await run(agent, ticket, { command: 'watch', user: colleague.id });
    expect(ticket.watchers).toEqual([colleague.id]);

    expect(await listIds(colleague, '?watching=me')).toEqual([ticket.id]);
    expect(await listIds(colleague)).toContain(ticket.id);
    const seen = await view(colleague, ticket);
    expect(seen.status).toBe(200);
    // Watching is all a requester who did not open the ticket may do with it.
    expect(seen.body.allowedCommands).toEqual(['unwatch']);
    expect(await listIds(requester, '?watching=me')).not.toContain(ticket.id);

    ticket = await run(colleague, ticket, { command: 'unwatch' });
    expect(ticket.watchers).toEqual([]);
    expect(await listIds(colleague, '?watching=me')).toEqual([]);
    expect((await view(colleague, ticket)).status).toBe(404);
  });

  it('staff watch themselves; watching twice or removing a non-watcher says why', async () => {
    let ticket = await open();
    ticket = await run(agent, ticket, { command: 'watch' });
    expect(ticket.watchers).toEqual([agent.id]);
    expect(await listIds(agent, '?watching=me')).toContain(ticket.id);
    const twice = await send(agent, ticket, { command: 'watch', user: agent.id });
    expect(twice.status).toBe(422);
    expect(twice.body).toMatchObject({ type: 'urn:ordo:problem:watch.already-watching', field: 'body.user' });
    const nobody = await send(agent, ticket, { command: 'unwatch', user: colleague.id });
    expect(nobody.status).toBe(422);
    expect(nobody.body).toMatchObject({ type: 'urn:ordo:problem:watch.not-watching', field: 'body.user' });
  });

  it('only people who exist can be made watchers; requesters cannot add others', async () => {
    const ticket = await open();
    const unknown = await send(agent, ticket, { command: 'watch', user: '000000000000000000000000' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.field).toBe('body.user');
    const notAnId = await send(agent, ticket, { command: 'watch', user: 'someone' });
    expect(notAnId.status).toBe(400);
    expect(notAnId.body.field).toBe('body.user');
    const forOthers = await send(requester, ticket, { command: 'watch', user: colleague.id });
    expect(forOthers.status).toBe(422);
    expect(forOthers.body).toMatchObject({ type: 'urn:ordo:problem:watch.others-forbidden' });
    const mine = await run(requester, ticket, { command: 'watch' });
    expect(mine.watchers).toEqual([requester.id]);
  });

  it('an agent of another team cannot see, hence cannot watch, the ticket', async () => {
    const ticket = await open();
    expect((await send(outsider, ticket, { command: 'watch' })).status).toBe(404);
  });
});

describe('POST /api/tickets/:id/commands — link and unlink', () => {
  const order = { system: 'ERP', type: 'sales-order', id: 'SO-2026-0042' };

  it('links records in other systems; the view shows them to staff and the requester', async () => {
    let ticket = await open();
    expect(ticket.links).toEqual([]);
    clock.advance(60_000);
    ticket = await run(agent, ticket, {
      command: 'link',
      ...order,
      url: 'https://erp.example.com/orders/SO-2026-0042',
      title: '销售订单 SO-2026-0042',
    });
    ticket = await run(requester, ticket, {
      command: 'link',
      system: 'asset',
      type: 'printer',
      id: 'PR-3F-01',
    });
    const expected = [
      {
        ...order,
        url: 'https://erp.example.com/orders/SO-2026-0042',
        title: '销售订单 SO-2026-0042',
        addedBy: agent.id,
        at: clock.now(),
      },
      { system: 'asset', type: 'printer', id: 'PR-3F-01', addedBy: requester.id, at: clock.now() },
    ];
    expect(ticket.links).toEqual(expected);
    expect((await view(requester, ticket)).body.links).toEqual(expected);
    expect((await view(agent, ticket)).body.links).toEqual(expected);

    const { body } = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}/events`,
      headers: bearer(requester.token),
    });
    const types = (body.items as { events: { type: string }[] }[]).flatMap((item) =>
      item.events.map((event) => event.type),
    );
    expect(types.filter((type) => type === 'link.added')).toHaveLength(2);
  });

  it('refuses a duplicate link and a bad url, naming the field; nothing is stored', async () => {
    let ticket = await open();
    ticket = await run(agent, ticket, { command: 'link', ...order });
    const duplicate = await send(requester, ticket, { command: 'link', ...order, system: 'erp' });
    expect(duplicate.status).toBe(422);
    expect(duplicate.body).toMatchObject({ type: 'urn:ordo:problem:link.duplicate', field: 'body.id' });
    for (const url of ['javascript:alert(1)', 'ftp://erp.example.com/x', 'erp.example.com/orders/1']) {
      const bad = await send(agent, ticket, { command: 'link', ...order, id: 'SO-2', url });
      expect(bad.status, url).toBe(422);
      expect(bad.body).toMatchObject({ type: 'urn:ordo:problem:link.url-invalid', field: 'body.url' });
    }
    const tooLong = await send(agent, ticket, { command: 'link', ...order, id: 'x'.repeat(201) });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body).toMatchObject({ type: 'urn:ordo:problem:command.too-long', field: 'body.id' });
    const after = await view(agent, ticket);
    expect(after.body.version).toBe(ticket.version);
    expect(after.body.links).toHaveLength(1);
  });

  it('unlinks: staff any link, the requester only their own', async () => {
    let ticket = await open();
    ticket = await run(agent, ticket, { command: 'link', ...order });
    const notYours = await send(requester, ticket, { command: 'unlink', ...order });
    expect(notYours.status).toBe(422);
    expect(notYours.body).toMatchObject({ type: 'urn:ordo:problem:link.not-yours', field: 'body.id' });
    const unknown = await send(agent, ticket, { command: 'unlink', ...order, id: 'SO-1' });
    expect(unknown.body).toMatchObject({ type: 'urn:ordo:problem:link.not-found', field: 'body.id' });
    ticket = await run(agent, ticket, { command: 'unlink', ...order, type: 'SALES-ORDER' });
    expect(ticket.links).toEqual([]);
    expect(ticket.allowedCommands).not.toContain('unlink');
  });
});

describe('POST /api/tickets with a link', () => {
  const INCIDENT = {
    title: '订单发票打印失败',
    service: 'email',
    impact: 'person',
    urgency: 'low',
    description: '财务',
  };
  const order = {
    system: 'ERP',
    type: 'Order',
    id: 'SO-77',
    url: 'https://erp.example.com/so/77',
    title: '订单',
  };
  const opening = (link: Record<string, unknown>, key: string) =>
    call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: { ...bearer(agent.token), 'idempotency-key': key },
      payload: {
        type: 'it.incident',
        requester: requester.id,
        data: INCIDENT,
        link,
      },
    });
  const trail = async (ticket: Ticket) => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}/events`,
      headers: bearer(agent.token),
    });
    expect(status, JSON.stringify(body)).toBe(200);
    return body.items as {
      seq: number;
      command: string;
      actor: { id: string };
      events: { type: string }[];
    }[];
  };

  it('opens and links in one commit by the opener, indexed for the record; a replay changes nothing', async () => {
    const first = await opening(order, 'erp-SO-77');
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const ticket = first.body as Ticket;
    expect(ticket.version).toBe(1);
    expect(ticket.links).toEqual([expect.objectContaining({ ...order, addedBy: agent.id })]);
    const commits = await trail(ticket);
    expect(commits.map((commit) => commit.command)).toEqual(['open']);
    expect(commits[0]!.actor.id).toBe(agent.id);
    expect(commits[0]!.events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['ticket.opened', 'link.added']),
    );
    // The records list finds the ticket from the record (the commit's effect).
    await waitFor(
      async () =>
        (await app.db.collection(RECORD_LINKS_COLLECTION).findOne({ ticketId: ticket.id })) ?? undefined,
      { what: 'the record link index', intervalMs: 20 },
    );

    const again = await opening(order, 'erp-SO-77');
    expect(again.status).toBe(201);
    expect(again.response.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toMatchObject({ id: ticket.id, version: 1 });
    // The same key with another link is another request.
    const other = await opening({ ...order, id: 'SO-78' }, 'erp-SO-77');
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ field: 'header.idempotency-key' });
    expect(await trail(ticket)).toHaveLength(1);
  });

  it('replays an open whose key was first used without the link, adding the link after it as before', async () => {
    // As every open with a link was stored before links came with the open (the link then a second commit).
    const plain = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: { ...bearer(agent.token), 'idempotency-key': 'erp-SO-79' },
      payload: { type: 'it.incident', requester: requester.id, data: INCIDENT },
    });
    expect(plain.status, JSON.stringify(plain.body)).toBe(201);
    const linked = await opening({ ...order, id: 'SO-79' }, 'erp-SO-79');
    expect(linked.status, JSON.stringify(linked.body)).toBe(201);
    expect(linked.body).toMatchObject({ id: plain.body.id, version: 2 });
    expect((await trail(linked.body as Ticket)).map((commit) => commit.command)).toEqual(['open', 'link']);
  });
});

/** Replace the type's draft and publish it as the next version. */
async function publishAgain(definition: Record<string, unknown>): Promise<number> {
  const url = `/api/ticket-types/${String(definition.key)}`;
  const draft = await call(app, { method: 'GET', url: `${url}?view=draft`, headers: bearer(designer.token) });
  expect(draft.status, JSON.stringify(draft.body)).toBe(200);
  const saved = await call(app, {
    method: 'PUT',
    url: `${url}/draft`,
    headers: bearer(designer.token),
    payload: { draftRevision: draft.body.draftRevision, definition },
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const published = await call(app, {
    method: 'POST',
    url: `${url}/publish`,
    headers: bearer(designer.token),
    payload: { note: 'clearer title label' },
  });
  expect([200, 201], JSON.stringify(published.body)).toContain(published.status);
  return Number(published.body.version);
}

describe('running tickets stay on the version they started on', () => {
  it('a ticket opened on v1 keeps v1 after v2 is published and its commands still work; new ones get v2', async () => {
    let old = await open();
    expect(old.typeVersion).toBe(1);

    const changed = itIncidentDefinition() as { form: { layout: { fields: { label: unknown }[] }[] } };
    changed.form.layout[0]!.fields[0]!.label = { 'zh-CN': '一句话描述问题', en: 'Problem in one line' };
    expect(await publishAgain(changed as unknown as Record<string, unknown>)).toBe(2);
    const v2 = await call(app, {
      method: 'GET',
      url: '/api/ticket-types/it.incident/versions/2',
      headers: bearer(designer.token),
    });
    expect(JSON.stringify(v2.body)).toContain('Problem in one line');
    const v1 = await call(app, {
      method: 'GET',
      url: '/api/ticket-types/it.incident/versions/1',
      headers: bearer(designer.token),
    });
    expect(JSON.stringify(v1.body)).not.toContain('Problem in one line');

    old = await run(agent, old, { command: 'comment', body: '已派人处理', visibility: 'public' });
    old = await run(agent, old, { command: 'link', system: 'asset', type: 'printer', id: 'PR-1' });
    old = await run(requester, old, { command: 'watch' });
    expect(old.typeVersion).toBe(1);
    expect((await view(agent, old)).body.typeVersion).toBe(1);

    const fresh = await open();
    expect(fresh.typeVersion).toBe(2);
    expect((await run(agent, fresh, { command: 'watch' })).typeVersion).toBe(2);
  });
});
