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

const MINUTE = 60_000;
let app: FastifyInstance;
let admin: string;
let requester: CreatedUser;
let agent: CreatedUser;
let nightLead: CreatedUser;
const clock = new ManualClock(Date.parse('2026-10-12T10:00:00+08:00')); // a Monday

const everyDay = (from: string, to: string) =>
  Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [
      day,
      [{ from, to }],
    ]),
  );

async function stepsDone(ticketId: string): Promise<string[]> {
  const { body } = await call(app, {
    method: 'GET',
    url: `/api/tickets/${ticketId}`,
    headers: bearer(admin),
  });
  return (body.sla as { stepsDone: string[] }).stepsDone;
}

async function openTicket(title: string): Promise<string> {
  const { status, body } = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: { type: 'it.night', data: { title, service: 'email', impact: 'person', urgency: 'low' } },
  });
  expect(status, JSON.stringify(body)).toBe(201);
  return String(body.id);
}

beforeAll(async () => {
  app = await buildTestApp('escalation_hours', { clock });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  const calendar = await call(app, {
    method: 'POST',
    url: '/api/calendars',
    headers: bearer(admin),
    payload: {
      key: 'night-shift',
      name: { 'zh-CN': '夜班', en: 'Night shift' },
      zone: 'Asia/Shanghai',
      week: everyDay('20:00', '23:00'),
    },
  });
  expect(calendar.status, JSON.stringify(calendar.body)).toBe(201);
  requester = await createUser(app, admin, { username: 'lin.yi', roles: ['requester'] });
  agent = await createUser(app, admin, { username: 'desk.day', roles: ['agent'] });
  nightLead = await createUser(app, admin, { username: 'lead.night', roles: ['agent'] });
  await createTeam(app, admin, {
    key: 'it-desk',
    supervisor: nightLead.id,
    members: [{ userId: agent.id }],
  });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id }] });
  const definition = itIncidentDefinition();
  definition.key = 'it.night';
  definition.routing = [{ id: 'default', when: true, then: { team: 'it-desk', strategy: 'round-robin' } }];
  definition.sla = {
    calendar: '24x7',
    targets: [{ when: true, resolution: { amount: 1, unit: 'hours' } }],
    escalations: [
      { at: 'breach', clock: 'resolution', do: [{ notify: 'supervisor' }], businessHoursOnly: true },
    ],
  };
  const designer = await createUser(app, admin, { username: 'designer.ye', roles: ['designer'] });
  await publishType(app, designer.token, definition);
});
afterAll(async () => {
  await app.close();
});

describe('"business hours only" escalations and the recipient’s calendar', () => {
  it('people and teams take a calendar that exists; an unknown one is refused naming the field', async () => {
    const unknown = await call(app, {
      method: 'PATCH',
      url: `/api/users/${nightLead.id}`,
      headers: bearer(admin),
      payload: { calendar: 'no-such-calendar' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.field).toBe('body.calendar');
    const team = await call(app, {
      method: 'PUT',
      url: '/api/teams/it-ops',
      headers: bearer(admin),
      payload: { name: { 'zh-CN': '运维', en: 'Ops' }, calendar: 'nowhere', members: [] },
    });
    expect(team.status).toBe(400);
    expect(team.body.field).toBe('body.calendar');
  });

  it('without a calendar of their own the recipient works the policy’s hours: escalated at the breach', async () => {
    const ticketId = await openTicket('邮件延迟');
    clock.advance(65 * MINUTE); // 11:05, an hour after the open
    await app.ticketJobs.fireDueTimers(clock.now());
    expect(await stepsDone(ticketId)).toContain('resolution:breach:0');
  });

  it('a supervisor on the night shift is escalated to when their shift starts, not at the breach', async () => {
    const set = await call(app, {
      method: 'PATCH',
      url: `/api/users/${nightLead.id}`,
      headers: bearer(admin),
      payload: { calendar: 'night-shift' },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.calendar).toBe('night-shift');
    admin = await login(app, 'admin', ADMIN_PASSWORD);
    requester = { ...requester, token: await login(app, requester.username, requester.password) };

    const ticketId = await openTicket('VPN 连不上'); // 11:05
    clock.advance(65 * MINUTE); // 12:10: breached at 12:05
    await app.ticketJobs.fireDueTimers(clock.now());
    const atNoon = await stepsDone(ticketId);
    expect(atNoon).toContain('resolution:breach');
    expect(atNoon).not.toContain('resolution:breach:0');

    clock.advance(7 * 60 * MINUTE); // 19:10: still before the shift
    await app.ticketJobs.fireDueTimers(clock.now());
    expect(await stepsDone(ticketId)).not.toContain('resolution:breach:0');
    const held = await app.db
      .collection<{ _id: string; nextTimerAt?: Date | null }>('tickets')
      .findOne({ _id: ticketId });
    expect(held?.nextTimerAt).toEqual(new Date('2026-10-12T20:00:00+08:00'));

    clock.advance(55 * MINUTE); // 20:05
    await app.ticketJobs.fireDueTimers(clock.now());
    expect(await stepsDone(ticketId)).toContain('resolution:breach:0');
  });

  it('a team’s calendar holds the escalation of its members without one', async () => {
    const cleared = await call(app, {
      method: 'PATCH',
      url: `/api/users/${nightLead.id}`,
      headers: bearer(admin),
      payload: { calendar: null },
    });
    expect(cleared.status).toBe(200);
    const team = await call(app, {
      method: 'PUT',
      url: '/api/teams/it-desk',
      headers: bearer(admin),
      payload: {
        name: { 'zh-CN': '服务台', en: 'Service desk' },
        supervisor: nightLead.id,
        calendar: 'night-shift',
        members: [{ userId: agent.id, skills: {} }],
      },
    });
    expect(team.status, JSON.stringify(team.body)).toBe(200);
    expect(team.body.calendar).toBe('night-shift');
    clock.set(Date.parse('2026-10-13T09:00:00+08:00'));
    admin = await login(app, 'admin', ADMIN_PASSWORD);
    requester = { ...requester, token: await login(app, requester.username, requester.password) };
    const ticketId = await openTicket('打印机离线');
    clock.advance(2 * 60 * MINUTE); // 11:00
    await app.ticketJobs.fireDueTimers(clock.now());
    expect(await stepsDone(ticketId)).not.toContain('resolution:breach:0');
    clock.set(Date.parse('2026-10-13T20:01:00+08:00'));
    await app.ticketJobs.fireDueTimers(clock.now());
    expect(await stepsDone(ticketId)).toContain('resolution:breach:0');
  });
});
