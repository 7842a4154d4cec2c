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
import { DELIVER_JOB } from './notifications.plugin.js';
import { decodeQuotedPrintable, startSmtpListener, type SmtpListener } from './test-support/smtp-listener.js';

let app: FastifyInstance;
let smtp: SmtpListener;
let admin: string;
let requester: CreatedUser;
let agent: CreatedUser;
let colleague: CreatedUser;
let outsider: CreatedUser;
const clock = new ManualClock(Date.parse('2026-10-12T09:30:00+08:00'));

beforeAll(async () => {
  smtp = await startSmtpListener();
  app = await buildTestApp('notifications_routes', { clock, smtpUrl: smtp.url });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'zhao.lei', roles: ['requester'], locale: 'en' });
  agent = await createUser(app, admin, { username: 'agent.sun', roles: ['agent'], locale: 'en' });
  colleague = await createUser(app, admin, { username: 'agent.qian', roles: ['agent'] });
  outsider = await createUser(app, admin, { username: 'agent.far', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-desk', supervisor: colleague.id, members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: colleague.id }] });
  const designer = await createUser(app, admin, { username: 'designer.ma', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
});
afterAll(async () => {
  await app.close();
  await smtp.close();
});

async function openTicket(title: string): Promise<string> {
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: {
      type: 'it.incident',
      data: { title, service: 'email', impact: 'person', urgency: 'low', description: 'Details follow' },
    },
  });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  expect(opened.body.assignee).toBe(agent.id);
  return String(opened.body.id);
}

async function comment(user: CreatedUser, id: string, body: string, extra: Record<string, unknown> = {}) {
  const current = await call(app, { method: 'GET', url: `/api/tickets/${id}`, headers: bearer(user.token) });
  const result = await call(app, {
    method: 'POST',
    url: `/api/tickets/${id}/commands`,
    headers: bearer(user.token),
    payload: { command: 'comment', body, visibility: 'public', version: current.body.version, ...extra },
  });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
}

type Item = {
  id: string;
  template: string;
  subject: string;
  text: string;
  body: string;
  readAt: string | null;
};

async function inbox(user: CreatedUser, query = '') {
  const answer = await call(app, {
    method: 'GET',
    url: `/api/notifications${query}`,
    headers: bearer(user.token),
  });
  expect(answer.status).toBe(200);
  return answer.body as { items: Item[]; nextCursor: string | null };
}

const unread = async (user: CreatedUser) =>
  (await call(app, { method: 'GET', url: '/api/notifications/unread-count', headers: bearer(user.token) }))
    .body.count;

describe('in-app notifications', () => {
  it('lists mine newest first with a cursor, counts unread ones, marks one and all read', async () => {
    const id = await openTicket('Laptop will not boot');
    const assigned = await inbox(agent);
    expect(assigned.items[0]).toMatchObject({ template: 'ticket-assigned' });
    expect(assigned.items[0]!.subject).toContain('Laptop will not boot');

    for (const [index, text] of ['Have you tried F8?', 'Bring it to the desk', 'It is fixed'].entries()) {
      clock.advance(60_000 * (index + 1));
      await comment(agent, id, text);
    }
    expect(await unread(requester)).toBe(3);

    const first = await inbox(requester, '?limit=2');
    expect(first.items.map((item) => item.text.includes('It is fixed'))).toEqual([true, false]);
    expect(first.items[1]!.text).toContain('Bring it to the desk');
    expect(first.nextCursor).toBeTruthy();
    const second = await inbox(requester, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(second.items[0]!.text).toContain('Have you tried F8?');
    expect(second.nextCursor).toBeNull();

    const target = first.items[0]!;
    const read = await call(app, {
      method: 'POST',
      url: `/api/notifications/${encodeURIComponent(target.id)}/read`,
      headers: bearer(requester.token),
    });
    expect(read.status).toBe(200);
    expect(read.body.readAt).toBe(new Date(clock.now()).toISOString());
    expect(await unread(requester)).toBe(2);
    expect((await inbox(requester, '?unread=true')).items).toHaveLength(2);

    // Someone else's notification answers exactly like a missing one.
    const foreign = await call(app, {
      method: 'POST',
      url: `/api/notifications/${encodeURIComponent(target.id)}/read`,
      headers: bearer(agent.token),
    });
    expect(foreign.status).toBe(404);

    const all = await call(app, {
      method: 'POST',
      url: '/api/notifications/read-all',
      headers: bearer(requester.token),
    });
    expect(all.body).toEqual({ updated: 2 });
    expect(await unread(requester)).toBe(0);
  });

  it('refuses a cursor it did not make, naming it', async () => {
    const answer = await call(app, {
      method: 'GET',
      url: '/api/notifications?cursor=bm9wZQ',
      headers: bearer(requester.token),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.field).toBe('query.cursor');
  });

  it('needs a signed-in person', async () => {
    expect((await call(app, { method: 'GET', url: '/api/notifications' })).status).toBe(401);
  });

  it('never puts an internal comment in a requester’s notifications', async () => {
    const id = await openTicket('Badge reader broken');
    const before = (await inbox(requester)).items.length;
    // A requester cannot be mentioned in an internal note at all (they could never read it).
    const current = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}`,
      headers: bearer(agent.token),
    });
    const refused = await call(app, {
      method: 'POST',
      url: `/api/tickets/${id}/commands`,
      headers: bearer(agent.token),
      payload: {
        command: 'comment',
        body: 'Vendor contract expired, do not tell the customer',
        visibility: 'internal',
        mentions: [requester.id, colleague.id],
        version: current.body.version,
      },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.field).toBe('body.mentions.0');
    await comment(agent, id, 'Vendor contract expired, do not tell the customer', {
      visibility: 'internal',
      mentions: [colleague.id],
    });
    const after = await inbox(requester);
    expect(after.items.length).toBe(before);
    expect(JSON.stringify(after)).not.toContain('Vendor contract');

    // The team's supervisor reads internal notes; they get the whole comment.
    const mentioned = (await inbox(colleague)).items.find((item) => item.template === 'mentioned');
    expect(mentioned?.text).toContain('Vendor contract expired');

    const deliveries = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}/deliveries`,
      headers: bearer(agent.token),
    });
    const items = deliveries.body.items as { template: string; recipient: string }[];
    expect(items.filter((item) => item.template === 'mentioned').map((item) => item.recipient)).not.toContain(
      requester.id,
    );
  });
});

describe('GET /api/tickets/:id/deliveries', () => {
  it('lists every delivery of a ticket to its staff, with email sent through SMTP', async () => {
    const id = await openTicket('Cannot print to floor 3');
    clock.advance(1000);
    await comment(agent, id, 'On my way');
    const before = smtp.received.length;
    const report = await app.notifications.deliverDue(clock.now());
    expect(report.failed).toBe(0);
    // Earlier tests queued email too; this ticket's carry its id.
    const mails = smtp.received.slice(before).filter((mail) => mail.raw.includes(`X-Ordo-Ticket: ${id}`));
    expect(mails.map((mail) => mail.to[0]).sort()).toEqual(['agent.sun@example.com', 'zhao.lei@example.com']);
    const reply = mails.find((mail) => mail.to[0] === 'zhao.lei@example.com')!;
    expect(decodeQuotedPrintable(reply.raw)).toContain('On my way');

    const deliveries = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}/deliveries`,
      headers: bearer(agent.token),
    });
    expect(deliveries.status).toBe(200);
    const items = deliveries.body.items as Record<string, unknown>[];
    expect(
      items.map((item) => [item.template, item.channel, item.recipient, item.status, item.attempts]),
    ).toEqual([
      ['ticket-assigned', 'email', agent.id, 'sent', 1],
      ['ticket-assigned', 'in-app', agent.id, 'sent', 1],
      ['comment-added', 'email', requester.id, 'sent', 1],
      ['comment-added', 'in-app', requester.id, 'sent', 1],
    ]);
    expect(items[0]).toMatchObject({
      address: 'agent.sun@example.com',
      sentAt: new Date(clock.now()).toISOString(),
    });
  });

  it('shows requesters nothing, and agents off the ticket a 404', async () => {
    const id = await openTicket('Chair squeaks');
    const asRequester = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}/deliveries`,
      headers: bearer(requester.token),
    });
    expect(asRequester.status).toBe(403);
    const asOutsider = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}/deliveries`,
      headers: bearer(outsider.token),
    });
    expect(asOutsider.status).toBe(404);
  });
});

describe('delivery job and API description', () => {
  it('asks the workers for a delivery pass when this process runs no jobs, and the job delivers', async () => {
    const jobs = app.db.collection('agendaJobs');
    const before = await jobs.countDocuments({ name: DELIVER_JOB });
    const id = await openTicket('Webcam upside down');
    expect(await jobs.countDocuments({ name: DELIVER_JOB })).toBeGreaterThan(before);
    // What the worker runs for that job: one delivery pass on the app's clock.
    const sent = smtp.received.length;
    const definition = app.jobs.definitions[DELIVER_JOB];
    expect(definition).toBeDefined();
    await (definition!.fn as () => Promise<void>)();
    expect(smtp.received.slice(sent).some((mail) => mail.raw.includes(`X-Ordo-Ticket: ${id}`))).toBe(true);
  });

  it('describes every notification and public route in the OpenAPI document', async () => {
    const document = (await call(app, { method: 'GET', url: '/docs/json' })).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    for (const path of [
      '/api/notifications',
      '/api/notifications/unread-count',
      '/api/notifications/{id}/read',
      '/api/notifications/read-all',
      '/api/tickets/{id}/deliveries',
      '/api/public/confirm/{token}',
      '/api/public/survey/{token}',
    ]) {
      expect(document.paths[path], path).toBeDefined();
    }
    expect(Object.keys(document.paths['/api/public/confirm/{token}']!.post!.responses)).toEqual(
      expect.arrayContaining(['200', '400', '404', '410', '429']),
    );
  });
});
