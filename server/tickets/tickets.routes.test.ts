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
import { recordAnchor } from './anchors.js';
import { EVENTS_COLLECTION, commitId } from './event-store.js';

let app: FastifyInstance;
let admin: string;
let requester: CreatedUser;
let otherRequester: CreatedUser;
const agents: CreatedUser[] = [];
const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));

const incident = (title: string, extra: Record<string, unknown> = {}) => ({
  type: 'it.incident',
  data: { title, service: 'email', impact: 'person', urgency: 'low', description: '邮件发不出去', ...extra },
});

beforeAll(async () => {
  app = await buildTestApp('tickets_routes', { clock });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'li.lei', roles: ['requester'] });
  otherRequester = await createUser(app, admin, { username: 'han.meimei', roles: ['requester'] });
  for (const name of ['agent.a', 'agent.b', 'agent.c'])
    agents.push(await createUser(app, admin, { username: name, roles: ['agent'] }));
  const supervisor = await createUser(app, admin, { username: 'sup.wang', roles: ['agent'] });
  await createTeam(app, admin, {
    key: 'it-ops',
    members: [{ userId: agents[0]!.id, skills: { server: 3, network: 2 } }],
  });
  await createTeam(app, admin, {
    key: 'it-desk',
    supervisor: supervisor.id,
    backupTeam: 'it-ops',
    members: agents.map((agent) => ({ userId: agent.id })),
  });
  const designer = await createUser(app, admin, { username: 'designer.zhou', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
});
afterAll(async () => {
  await app.close();
});

async function open(
  user: CreatedUser,
  payload: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: { ...bearer(user.token), ...headers },
    payload,
  });
}

describe('POST /api/tickets', () => {
  it('opens a ticket: numbered, routed, prioritised by the matrix, assigned, with SLA due times', async () => {
    const { status, body } = await open(requester, incident('Outlook 无法发送邮件'));
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.number).toMatch(/^INC-2026-\d{6}$/);
    expect(body.team).toBe('it-desk');
    expect(body.priority).toBe('low');
    expect(['new', 'open']).toContain((body.status as { category: string }).category);
    expect(agents.map((agent) => agent.id)).toContain(body.assignee);
    expect(body.version).toBe(1);
  });

  it('refuses form data that fails the form with 422 naming the field, storing nothing', async () => {
    const before = await app.db.collection(EVENTS_COLLECTION).countDocuments();
    const { status, body } = await open(requester, incident('x'));
    expect(status).toBe(422);
    expect(String(body.field)).toContain('title');
    expect(await app.db.collection(EVENTS_COLLECTION).countDocuments()).toBe(before);
  });

  it('honours Idempotency-Key: same key and body → same ticket; same key, other body → 422', async () => {
    const first = await open(requester, incident('VPN 连不上'), { 'idempotency-key': 'req-42' });
    const again = await open(requester, incident('VPN 连不上'), { 'idempotency-key': 'req-42' });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.number).toBe(first.body.number);
    expect(again.response.headers['idempotent-replayed']).toBe('true');
    const other = await open(requester, incident('打印机卡纸'), { 'idempotency-key': 'req-42' });
    expect(other.status).toBe(422);
    expect(other.body.field).toBe('header.idempotency-key');
  });

  it('gives three agents exactly ten tickets each under 30 concurrent round-robin opens', async () => {
    const before = await app.tickets.tickets
      .aggregate<{ _id: string; n: number }>([
        { $match: { team: 'it-desk' } },
        { $group: { _id: '$assignee', n: { $sum: 1 } } },
      ])
      .toArray();
    const opened = await Promise.all(
      Array.from({ length: 30 }, (_, i) => open(requester, incident(`并发工单 ${i}`))),
    );
    expect(opened.every((result) => result.status === 201)).toBe(true);
    const after = await app.tickets.tickets
      .aggregate<{ _id: string; n: number }>([
        { $match: { team: 'it-desk' } },
        { $group: { _id: '$assignee', n: { $sum: 1 } } },
      ])
      .toArray();
    const added = after.map((row) => row.n - (before.find((b) => b._id === row._id)?.n ?? 0));
    expect(added.sort()).toEqual([10, 10, 10]);
    const numbers = new Set(opened.map((result) => result.body.number));
    expect(numbers.size).toBe(30);
  });
});

describe('GET /api/tickets/:id', () => {
  it('answers 404 for another requester’s ticket, exactly as for a missing one', async () => {
    const { body: ticket } = await open(requester, incident('我的私人工单'));
    const other = await call(app, {
      method: 'GET',
      url: `/api/tickets/${String(ticket.id)}`,
      headers: bearer(otherRequester.token),
    });
    const missing = await call(app, {
      method: 'GET',
      url: '/api/tickets/t000000000000',
      headers: bearer(otherRequester.token),
    });
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(other.body.detail).toBe(missing.body.detail);
  });

  it('shows the ticket with its allowed commands to its requester', async () => {
    const { body: ticket } = await open(requester, incident('显示器闪烁'));
    const { status, body } = await call(app, {
      method: 'GET',
      url: `/api/tickets/${String(ticket.id)}`,
      headers: bearer(requester.token),
    });
    expect(status).toBe(200);
    expect(body.allowedCommands).toEqual(expect.arrayContaining(['comment']));
    expect(body.allowedCommands).not.toContain('resolve');
  });
});

describe('POST /api/tickets/:id/commands', () => {
  it('answers 409 with the current version when the caller saw an older one', async () => {
    const { body: ticket } = await open(requester, incident('键盘失灵'));
    const id = String(ticket.id);
    const assignee = agents.find((agent) => agent.id === ticket.assignee)!;
    const first = await call(app, {
      method: 'POST',
      url: `/api/tickets/${id}/commands`,
      headers: bearer(assignee.token),
      payload: { command: 'comment', version: 1, body: '正在查看', visibility: 'public' },
    });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const stale = await call(app, {
      method: 'POST',
      url: `/api/tickets/${id}/commands`,
      headers: bearer(assignee.token),
      payload: { command: 'comment', version: 1, body: '再看一下', visibility: 'public' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.currentVersion).toBe(2);
  });

  it('hides internal comments from the requester', async () => {
    const { body: ticket } = await open(requester, incident('内部备注测试'));
    const id = String(ticket.id);
    const assignee = agents.find((agent) => agent.id === ticket.assignee)!;
    const note = await call(app, {
      method: 'POST',
      url: `/api/tickets/${id}/commands`,
      headers: bearer(assignee.token),
      payload: {
        command: 'comment',
        version: 1,
        body: '用户密码可能过期 SECRET-NOTE',
        visibility: 'internal',
      },
    });
    expect(note.status, JSON.stringify(note.body)).toBe(200);
    const forRequester = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}/events`,
      headers: bearer(requester.token),
    });
    const forAgent = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}/events`,
      headers: bearer(assignee.token),
    });
    expect(JSON.stringify(forRequester.body)).not.toContain('SECRET-NOTE');
    expect(JSON.stringify(forAgent.body)).toContain('SECRET-NOTE');
  });
});

describe('GET /api/tickets/:id/audit/verify', () => {
  it('verifies an untouched chain, and detects a commit edited directly in the database', async () => {
    const { body: ticket } = await open(requester, incident('审计链测试'));
    const id = String(ticket.id);
    const ok = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}/audit/verify`,
      headers: bearer(admin),
    });
    expect(ok.body).toMatchObject({ valid: true, events: 1 });
    await app.db
      .collection(EVENTS_COLLECTION)
      .updateOne({ _id: commitId(id, 1) as never }, { $set: { payload: '{"tampered":true}' } });
    const broken = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}/audit/verify`,
      headers: bearer(admin),
    });
    expect(broken.body).toMatchObject({ valid: false, brokenAt: 1, reason: 'hash-mismatch' });
  });

  it('detects the removal of the newest commit against the anchor', async () => {
    const { body: ticket } = await open(requester, incident('锚点测试'));
    const id = String(ticket.id);
    const assignee = agents.find((agent) => agent.id === ticket.assignee)!;
    await call(app, {
      method: 'POST',
      url: `/api/tickets/${id}/commands`,
      headers: bearer(assignee.token),
      payload: { command: 'comment', version: 1, body: '已联系用户', visibility: 'public' },
    });
    clock.advance(60_000);
    await recordAnchor(app.db, new Date(clock.now()));
    await app.db.collection(EVENTS_COLLECTION).deleteOne({ _id: commitId(id, 2) as never });
    const result = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}/audit/verify`,
      headers: bearer(admin),
    });
    expect(result.body).toMatchObject({ valid: false, events: 1, reason: 'behind-anchor' });
  });
});
