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
import { installPacks } from '../../test/support/packs.js';

/**
 * GET /api/tickets/board: who may read it (supervisors their teams, admins all; requesters and agents who supervise
 * nothing are refused), what it counts (open load against capacity, away, at risk, breached, unassigned), the
 * escalations that reached the caller, and a reassign through the ticket's `assign` command showing on it.
 */
const HOUR = 60 * 60 * 1000;
let app: FastifyInstance;
let admin: string;
let supervisor: CreatedUser;
let lead: CreatedUser;
let wu: CreatedUser;
let zhao: CreatedUser;
let requester: CreatedUser;
// Wednesday 09:30 in Shanghai: working hours of the HR pack's calendar.
const clock = new ManualClock(Date.parse('2026-03-04T09:30:00+08:00'));

interface BoardTeam {
  key: string;
  counts: { open: number; unassigned: number; atRisk: number; breached: number };
  members: {
    id: string;
    displayName: string;
    openLoad: number;
    teamLoad: number;
    capacity: number | null;
    away: boolean;
    breached: number;
  }[];
  unassigned: { id: string; number: string }[];
  breached: { id: string; number: string; assignee: string | null; version: number; assigneeName?: string }[];
}

const board = async (token: string, query = '') => {
  const answer = await call(app, {
    method: 'GET',
    url: `/api/tickets/board${query}`,
    headers: bearer(token),
  });
  return {
    status: answer.status,
    body: answer.body,
    teams: (answer.body.teams ?? []) as BoardTeam[],
    escalations: (answer.body.escalations ?? []) as { ticketNumber: string; template: string }[],
  };
};

async function openLeave(title: string): Promise<{ id: string; number: string }> {
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: {
      type: 'hr.leave',
      data: { title, leaveType: 'annual', startDate: '2026-03-16', endDate: '2026-03-17', days: 2 },
    },
  });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  return { id: String(opened.body.id), number: String(opened.body.number) };
}

beforeAll(async () => {
  app = await buildTestApp('board_routes', { clock });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  await installPacks(app, admin, ['hr']);
  supervisor = await createUser(app, admin, {
    username: 'board.sup',
    roles: ['agent'],
    displayName: '孙主管',
  });
  lead = await createUser(app, admin, { username: 'board.lead', roles: ['agent'] });
  wu = await createUser(app, admin, { username: 'board.wu', roles: ['agent'], displayName: '吴敏' });
  zhao = await createUser(app, admin, { username: 'board.zhao', roles: ['agent'], displayName: '赵磊' });
  const manager = await createUser(app, admin, { username: 'board.manager', roles: ['agent'] });
  requester = await createUser(app, admin, {
    username: 'board.req',
    roles: ['requester'],
    manager: manager.id,
  });
  const staffed = await call(app, {
    method: 'PUT',
    url: '/api/teams/hr',
    headers: bearer(admin),
    payload: {
      name: { 'zh-CN': '人力资源部', en: 'Human resources' },
      supervisor: supervisor.id,
      members: [
        { userId: wu.id, skills: {}, capacity: 5 },
        { userId: zhao.id, skills: {}, capacity: 3, awayUntil: '2026-03-20T00:00:00.000Z' },
      ],
    },
  });
  expect(staffed.status, JSON.stringify(staffed.body)).toBe(200);
  const other = await call(app, {
    method: 'PUT',
    url: '/api/teams/it-desk',
    headers: bearer(admin),
    payload: { name: { 'zh-CN': 'IT 服务台', en: 'IT service desk' }, supervisor: lead.id, members: [] },
  });
  expect(other.status, JSON.stringify(other.body)).toBe(200);
}, 120_000);

afterAll(async () => {
  await app?.close();
});

describe('GET /api/tickets/board — access', () => {
  it('refuses requesters (403) and agents who supervise no team (403, saying why)', async () => {
    expect((await board(requester.token)).status).toBe(403);
    const agent = await board(wu.token);
    expect(agent.status).toBe(403);
    expect(agent.body.type).toBe('urn:ordo:problem:board-not-supervisor');
    expect((agent.body.text as { 'zh-CN': string })['zh-CN']).toContain('主管');
    expect((await call(app, { method: 'GET', url: '/api/tickets/board' })).status).toBe(401);
  });

  it('shows a supervisor only their teams; another team answers 404 naming the field', async () => {
    const mine = await board(supervisor.token);
    expect(mine.status).toBe(200);
    expect(mine.teams.map((team) => team.key)).toEqual(['hr']);
    const elsewhere = await board(supervisor.token, '?team=it-desk');
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.field).toBe('query.team');
    const bad = await board(supervisor.token, `?team=${'x'.repeat(80)}`);
    expect(bad.status).toBe(400);
    expect(String(bad.body.field)).toMatch(/team/);
    const unknown = await board(supervisor.token, '?wat=1');
    expect(unknown.status).toBe(400);
  });

  it('shows an admin every team', async () => {
    const all = await board(admin);
    expect(all.status).toBe(200);
    expect(all.teams.map((team) => team.key)).toEqual(
      expect.arrayContaining(['hr', 'it-desk', 'admin-office']),
    );
    expect((await board(admin, '?team=nothing')).status).toBe(404);
  });
});

describe('GET /api/tickets/board — what it shows', () => {
  let late: { id: string; number: string };

  it('counts members’ load against capacity, who is away, and the unassigned queue', async () => {
    late = await openLeave('三月中旬年假');
    const { teams } = await board(supervisor.token);
    const hr = teams[0]!;
    expect(hr.counts.open).toBe(1);
    const wuRow = hr.members.find((member) => member.id === wu.id);
    const zhaoRow = hr.members.find((member) => member.id === zhao.id);
    expect(wuRow).toMatchObject({ displayName: '吴敏', capacity: 5, away: false });
    expect(zhaoRow).toMatchObject({ displayName: '赵磊', capacity: 3, away: true, openLoad: 0 });
    // Where the leave request sits: with a member, or waiting in the team's queue.
    const assigned = hr.members.reduce((sum, member) => sum + member.teamLoad, 0);
    expect(assigned + hr.counts.unassigned).toBe(1);
    if (hr.counts.unassigned === 1) expect(hr.unassigned.map((row) => row.number)).toEqual([late.number]);
  });

  it('lists the breached ticket once its SLA breaches, and the escalation that reached the supervisor', async () => {
    clock.advance(6 * HOUR); // 15:30: four business hours without a first response have passed
    await app.ticketJobs.fireDueTimers(clock.now());
    const { teams } = await board(supervisor.token);
    expect(teams[0]!.counts.breached).toBe(1);
    expect(teams[0]!.breached.map((row) => row.number)).toEqual([late.number]);
    const escalations = await waitFor(
      async () => {
        const found = (await board(supervisor.token)).escalations;
        return found.length > 0 ? found : undefined;
      },
      { what: 'the breach notification of the supervisor' },
    );
    expect(escalations[0]).toMatchObject({ ticketNumber: late.number, template: 'sla-breach' });
    // Someone else's escalations are not in my inbox.
    expect((await board(admin)).escalations).toEqual([]);
  });

  it('a reassign by the assign command shows on the board: the ticket with the member picked', async () => {
    const [row] = (await board(supervisor.token)).teams[0]!.breached;
    const assigned = await call(app, {
      method: 'POST',
      url: `/api/tickets/${row!.id}/commands`,
      headers: bearer(supervisor.token),
      payload: { command: 'assign', assignee: wu.id, version: row!.version },
    });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    const hr = (await board(supervisor.token)).teams[0]!;
    expect(hr.breached[0]).toMatchObject({ assignee: wu.id, assigneeName: '吴敏' });
    expect(hr.members.find((member) => member.id === wu.id)).toMatchObject({
      teamLoad: 1,
      openLoad: 1,
      breached: 1,
    });
    expect(hr.counts.unassigned).toBe(0);
  });
});
