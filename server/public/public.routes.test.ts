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
import { signLink } from './signed-link.js';

let app: FastifyInstance;
let admin: string;
let requester: CreatedUser;
let agent: CreatedUser;
const clock = new ManualClock(Date.parse('2026-10-09T10:00:00+08:00'));
const DAY = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  app = await buildTestApp('public_routes', { clock });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'wang.fang', roles: ['requester'], locale: 'en' });
  agent = await createUser(app, admin, { username: 'agent.liu', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id }] });
  const designer = await createUser(app, admin, { username: 'designer.xu', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
});
afterAll(async () => {
  await app.close();
});

async function command(user: CreatedUser, id: string, payload: Record<string, unknown>) {
  const current = await call(app, { method: 'GET', url: `/api/tickets/${id}`, headers: bearer(user.token) });
  const result = await call(app, {
    method: 'POST',
    url: `/api/tickets/${id}/commands`,
    headers: bearer(user.token),
    payload: { ...payload, version: current.body.version },
  });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result.body;
}

/** Open a ticket as the requester and have the agent fix it: the ticket waits for confirmation. */
async function resolvedTicket(title: string): Promise<string> {
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: {
      type: 'it.incident',
      data: {
        title,
        service: 'email',
        impact: 'person',
        urgency: 'low',
        description: 'Mail stuck in the outbox',
      },
    },
  });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  const id = String(opened.body.id);
  const resolved = await command(agent, id, { command: 'complete-step', nodeId: 'triage', outcome: 'fixed' });
  expect(resolved.status).toMatchObject({ category: 'resolved' });
  return id;
}

/** The requester's newest in-app notification of a template, as the bell shows it. */
async function newestNotification(template: string, ticketNumber: string) {
  const list = await call(app, {
    method: 'GET',
    url: '/api/notifications?limit=100',
    headers: bearer(requester.token),
  });
  const items = list.body.items as {
    template: string;
    ticketNumber: string;
    link: string | null;
    subject: string;
  }[];
  const found = items.find((item) => item.template === template && item.ticketNumber === ticketNumber);
  expect(found, `no ${template} notification for ${ticketNumber}`).toBeDefined();
  return found!;
}

async function numberOf(id: string): Promise<string> {
  const ticket = await call(app, {
    method: 'GET',
    url: `/api/tickets/${id}`,
    headers: bearer(requester.token),
  });
  return String(ticket.body.number);
}

const apiPath = (link: string) => new URL(link).pathname.replace(/^\/public\//, '/api/public/');

describe('confirmation links', () => {
  it('lets the requester confirm the fix once, without signing in, and then sends the survey', async () => {
    const id = await resolvedTicket('Outlook cannot send');
    const number = await numberOf(id);
    const message = await newestNotification('confirm-requested', number);
    expect(message.subject).toBe(`Please confirm the fix: ${number} Outlook cannot send`);
    expect(message.link).toMatch(/^http:\/\/localhost\/public\/confirm\//);

    const page = await call(app, { method: 'GET', url: apiPath(message.link!) });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({
      ticket: {
        number,
        title: 'Outlook cannot send',
        status: { category: 'resolved', name: { en: 'Awaiting confirmation', 'zh-CN': '待确认' } },
        requesterLocale: 'en',
      },
      choices: ['confirm', 'reopen'],
    });

    const confirmed = await call(app, {
      method: 'POST',
      url: apiPath(message.link!),
      payload: { action: 'confirm', comment: 'Works again, thanks' },
    });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toMatchObject({ result: 'confirmed', ticket: { status: { category: 'closed' } } });

    // The trail names the requester as the one who confirmed, and keeps the remark.
    const events = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}/events`,
      headers: bearer(agent.token),
    });
    const commits = events.body.items as { command: string; actor: { id: string; kind: string } }[];
    expect(commits.find((commit) => commit.command === 'confirm')?.actor).toMatchObject({
      id: requester.id,
      kind: 'requester',
    });
    expect(JSON.stringify(events.body)).toContain('Works again, thanks');

    // Used once: from now on the link says so, in both languages.
    const again = await call(app, {
      method: 'POST',
      url: apiPath(message.link!),
      payload: { action: 'reopen' },
    });
    expect(again.status).toBe(410);
    expect(again.response.headers['content-type']).toContain('application/problem+json');
    expect(again.body).toMatchObject({ type: 'urn:ordo:problem:link-used', field: 'params.token' });
    expect((again.body.text as Record<string, string>).en).toBe(
      `Ticket ${number} is no longer waiting for your confirmation (it is now Closed); this link works only once.`,
    );
    expect((await call(app, { method: 'GET', url: apiPath(message.link!) })).status).toBe(410);

    const survey = await newestNotification('survey', number);
    expect(survey.link).toMatch(/^http:\/\/localhost\/public\/survey\//);
  });

  it('reopens the ticket; the old link is spent even after the next resolution, whose new link works', async () => {
    const id = await resolvedTicket('VPN drops every hour');
    const number = await numberOf(id);
    const first = await newestNotification('confirm-requested', number);

    const reopened = await call(app, {
      method: 'POST',
      url: apiPath(first.link!),
      payload: { action: 'reopen', comment: 'Still dropping' },
    });
    expect(reopened.status, JSON.stringify(reopened.body)).toBe(200);
    expect(reopened.body).toMatchObject({ result: 'reopened', ticket: { status: { category: 'open' } } });
    expect((await call(app, { method: 'GET', url: apiPath(first.link!) })).status).toBe(410);

    clock.advance(60_000);
    await command(agent, id, { command: 'complete-step', nodeId: 'triage', outcome: 'fixed' });
    const second = await newestNotification('confirm-requested', number);
    expect(second.link).not.toBe(first.link);
    // The first link belonged to the first resolution: still spent.
    expect((await call(app, { method: 'GET', url: apiPath(first.link!) })).status).toBe(410);
    expect((await call(app, { method: 'GET', url: apiPath(second.link!) })).status).toBe(200);
  });

  it('answers 410 once the link has expired', async () => {
    const id = await resolvedTicket('Printer offline');
    const link = (await newestNotification('confirm-requested', await numberOf(id))).link!;
    const start = clock.now();
    try {
      clock.advance(14 * DAY - 1);
      expect((await call(app, { method: 'GET', url: apiPath(link) })).status).toBe(200);
      clock.advance(1);
      const expired = await call(app, { method: 'POST', url: apiPath(link), payload: { action: 'confirm' } });
      expect(expired.status).toBe(410);
      expect(expired.body).toMatchObject({ type: 'urn:ordo:problem:link-expired' });
      expect(expired.body).not.toHaveProperty('ticket');
    } finally {
      clock.set(start);
    }
    const ticket = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}`,
      headers: bearer(requester.token),
    });
    expect(ticket.body.status).toMatchObject({ category: 'resolved' });
  });

  it('answers 404 for a tampered link, revealing nothing', async () => {
    const id = await resolvedTicket('Monitor flickers');
    const link = (await newestNotification('confirm-requested', await numberOf(id))).link!;
    const token = link.split('/').pop()!;
    const [claims, signature] = token.split('.') as [string, string];
    const tampered = [
      `${claims}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
      `${claims.slice(0, -1)}${claims.endsWith('A') ? 'B' : 'A'}.${signature}`,
      signLink('another-secret-another-secret-another-secret', {
        ticketId: id,
        scope: 'confirm',
        expiresAt: clock.now() + DAY,
      }),
      'nonsense',
    ];
    for (const bad of tampered) {
      const answer = await call(app, {
        method: 'POST',
        url: `/api/public/confirm/${bad}`,
        payload: { action: 'confirm' },
      });
      expect(answer.status, bad).toBe(404);
      expect(answer.body).toMatchObject({ type: 'urn:ordo:problem:link-invalid' });
      expect(JSON.stringify(answer.body)).not.toContain('Monitor');
    }
    // A confirmation token is no survey token.
    expect((await call(app, { method: 'GET', url: `/api/public/survey/${token}` })).status).toBe(404);
    const ticket = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}`,
      headers: bearer(requester.token),
    });
    expect(ticket.body.status).toMatchObject({ category: 'resolved' });
  });

  it('names the field of an invalid answer', async () => {
    const answer = await call(app, {
      method: 'POST',
      url: '/api/public/confirm/abc.def',
      payload: { action: 'maybe' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.field).toBe('body.action');
  });
});

describe('satisfaction survey', () => {
  it('takes one answer per ticket; a second answers 409 naming the rating already given', async () => {
    const id = await resolvedTicket('Keyboard missing keys');
    const number = await numberOf(id);
    const confirm = (await newestNotification('confirm-requested', number)).link!;
    expect(
      (await call(app, { method: 'POST', url: apiPath(confirm), payload: { action: 'confirm' } })).status,
    ).toBe(200);
    const link = (await newestNotification('survey', number)).link!;

    const page = await call(app, { method: 'GET', url: apiPath(link) });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({
      choices: ['satisfied', 'neutral', 'dissatisfied'],
      rating: null,
      ticket: { number },
    });

    const invalid = await call(app, { method: 'POST', url: apiPath(link), payload: { rating: 'great' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.field).toBe('body.rating');

    const rated = await call(app, {
      method: 'POST',
      url: apiPath(link),
      payload: { rating: 'neutral', comment: 'Took a while' },
    });
    expect(rated.status, JSON.stringify(rated.body)).toBe(200);
    expect(rated.body).toMatchObject({ rating: 'neutral' });

    const second = await call(app, { method: 'POST', url: apiPath(link), payload: { rating: 'satisfied' } });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({
      type: 'urn:ordo:problem:already-rated',
      field: 'body.rating',
      rating: 'neutral',
    });
    expect((second.body.text as Record<string, string>).en).toContain('has already been rated');
    expect((await call(app, { method: 'GET', url: apiPath(link) })).body).toMatchObject({
      rating: 'neutral',
    });

    // The rating is on the ticket, for reports; signed in, the requester cannot rate again either.
    const ticket = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}`,
      headers: bearer(requester.token),
    });
    expect(ticket.body.flags).toMatchObject({
      rating: { value: 'neutral', comment: 'Took a while', by: requester.id },
    });
    const viaApi = await call(app, {
      method: 'POST',
      url: `/api/tickets/${id}/commands`,
      headers: bearer(requester.token),
      payload: { command: 'rate', rating: 'satisfied', version: ticket.body.version },
    });
    expect(viaApi.status).toBe(422);
  });
});

describe('rate limit of public pages', () => {
  it('answers 429 after 30 attempts a minute from one address', async () => {
    // Earlier tests of this file used some of this minute's allowance: count from wherever it stands.
    const answers = [];
    for (let attempt = 0; attempt < 31; attempt++) {
      answers.push(await app.inject({ method: 'GET', url: '/api/public/survey/guess.guess' }));
    }
    const firstRefusal = answers.findIndex((answer) => answer.statusCode === 429);
    expect(firstRefusal).toBeGreaterThan(0);
    expect(answers.slice(0, firstRefusal).every((answer) => answer.statusCode === 404)).toBe(true);
    expect(answers.slice(firstRefusal).every((answer) => answer.statusCode === 429)).toBe(true);
    expect(answers[firstRefusal]!.headers['content-type']).toContain('application/problem+json');
  });
});
