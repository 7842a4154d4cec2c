import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessMinutesBetween, CN_STANDARD_CALENDAR } from '../../runtime/time/index.js';
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

let app: FastifyInstance;
let admin: string;
let requester: CreatedUser;
let supervisor: CreatedUser;
let desk: CreatedUser[] = [];
let ops: CreatedUser[] = [];
const HOUR = 60 * 60 * 1000;
// Thursday 2026-10-08 10:00 in Shanghai: a working day right after the National Day holiday.
const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));

beforeAll(async () => {
  app = await buildTestApp('ticket_lifecycle', { clock });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'zhao.min', roles: ['requester'] });
  supervisor = await createUser(app, admin, { username: 'desk.lead', roles: ['agent'] });
  desk = [
    await createUser(app, admin, { username: 'desk.one', roles: ['agent'] }),
    await createUser(app, admin, { username: 'desk.two', roles: ['agent'] }),
    await createUser(app, admin, { username: 'desk.away', roles: ['agent'] }),
  ];
  ops = [
    await createUser(app, admin, { username: 'ops.server', roles: ['agent'] }),
    await createUser(app, admin, { username: 'ops.network', roles: ['agent'] }),
  ];
  const opsLead = await createUser(app, admin, { username: 'ops.lead', roles: ['agent'] });
  await createTeam(app, admin, {
    key: 'it-ops',
    supervisor: opsLead.id,
    members: [
      { userId: ops[0]!.id, skills: { server: 4, network: 1 } },
      { userId: ops[1]!.id, skills: { server: 1, network: 4 } },
    ],
  });
  await createTeam(app, admin, {
    key: 'it-desk',
    supervisor: supervisor.id,
    backupTeam: 'it-ops',
    members: [
      { userId: desk[0]!.id },
      { userId: desk[1]!.id },
      { userId: desk[2]!.id, awayUntil: '2026-12-31T00:00:00Z' },
    ],
  });
  const designer = await createUser(app, admin, { username: 'designer.qian', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
});
afterAll(async () => {
  await app.close();
});

type Ticket = Record<string, unknown> & {
  id: string;
  version: number;
  assignee: string | null;
  status: { category: string; key: string };
};

async function open(data: Record<string, unknown>, user = requester): Promise<Ticket> {
  const { status, body } = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(user.token),
    payload: { type: 'it.incident', data: { description: '详情见标题', ...data } },
  });
  expect(status, JSON.stringify(body)).toBe(201);
  return body as Ticket;
}

async function run(
  user: CreatedUser | string,
  ticket: Ticket,
  command: Record<string, unknown>,
): Promise<Ticket> {
  const token = typeof user === 'string' ? user : user.token;
  const { status, body } = await call(app, {
    method: 'POST',
    url: `/api/tickets/${ticket.id}/commands`,
    headers: bearer(token),
    payload: { version: ticket.version, ...command },
  });
  expect(status, `${String(command.command)}: ${JSON.stringify(body)}`).toBe(200);
  return body as Ticket;
}

/** Sessions expire with the (manual) clock: sign everyone in again after moving it by days. */
async function signInAgain(): Promise<void> {
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  for (const user of [requester, supervisor, ...desk, ...ops])
    user.token = await login(app, user.username, user.password);
}

const agentOf = (ticket: Ticket) => [...desk, ...ops].find((agent) => agent.id === ticket.assignee)!;

async function commitsOf(ticket: Ticket) {
  return app.tickets.events.load(ticket.id);
}

async function slaSteps(ticket: Ticket): Promise<string[]> {
  const commits = await commitsOf(ticket);
  return commits.flatMap((commit) =>
    (commit.payload.events as { type: string; data: { key?: string } }[])
      .filter((event) => event.type === 'sla.step')
      .map((event) => String(event.data.key)),
  );
}

describe('a ticket through every status category', () => {
  it('goes new → open → pending → open → resolved → closed, and another is cancelled', async () => {
    let ticket = await open({
      title: '会议室投影仪无信号',
      service: 'other',
      impact: 'team',
      urgency: 'medium',
    });
    const seen = new Set([ticket.status.category]);
    const agent = agentOf(ticket);
    ticket = await run(agent, ticket, { command: 'comment', body: '我来看看', visibility: 'public' });
    seen.add(ticket.status.category);
    const pendingKey = 'awaiting-customer';
    ticket = await run(agent, ticket, { command: 'set-status', status: pendingKey });
    expect(ticket.status).toEqual({ category: 'pending', key: pendingKey });
    seen.add(ticket.status.category);
    ticket = await run(agent, ticket, { command: 'set-status', status: 'in-progress' });
    seen.add(ticket.status.category);
    ticket = await run(agent, ticket, {
      command: 'complete-step',
      outcome: 'fixed',
      comment: '更换了 HDMI 线',
    });
    expect(ticket.status.category).toBe('resolved');
    seen.add(ticket.status.category);
    ticket = await run(requester, ticket, { command: 'confirm' });
    expect(ticket.status.category).toBe('closed');
    seen.add(ticket.status.category);

    let other = await open({ title: '申请取消的工单', service: 'other', impact: 'person', urgency: 'low' });
    other = await run(agentOf(other), other, { command: 'cancel', reason: '重复提交' });
    seen.add(other.status.category);
    expect([...seen].sort()).toEqual(
      ['cancelled', 'closed', 'new', 'open', 'pending', 'resolved'].filter((c) => seen.has(c)).sort(),
    );
    expect(seen).toEqual(new Set(['new', 'open', 'pending', 'resolved', 'closed', 'cancelled']));
  });
});

describe('routing and assignment', () => {
  it('skips away members in round robin', async () => {
    const assignees = new Set<string>();
    for (let i = 0; i < 6; i++)
      assignees.add(
        String(
          (await open({ title: `轮询 ${i}`, service: 'email', impact: 'person', urgency: 'low' })).assignee,
        ),
      );
    expect(assignees).toEqual(new Set([desk[0]!.id, desk[1]!.id]));
  });

  it('routes server faults by skills to the member holding the skill', async () => {
    const ticket = await open({
      title: '服务器宕机',
      service: 'server',
      hostname: 'db-01',
      impact: 'team',
      urgency: 'high',
    });
    expect(ticket.team).toBe('it-ops');
    expect(ticket.assignee).toBe(ops[0]!.id);
    const network = await open({
      title: '交换机端口故障',
      service: 'network',
      impact: 'team',
      urgency: 'high',
    });
    expect(network.assignee).toBe(ops[1]!.id);
  });

  it('routes VIP requesters least-loaded and raises the priority to at least high', async () => {
    const vip = await createUser(app, admin, { username: 'vip.boss', roles: ['requester'] });
    await app.models.User.updateOne({ _id: vip.id }, { $set: { level: 'vip' } }, { strict: false });
    const before = await app.tickets.tickets
      .aggregate<{ _id: string; n: number }>([
        { $match: { team: 'it-desk', statusCategory: { $in: ['new', 'open', 'pending'] } } },
        { $group: { _id: '$assignee', n: { $sum: 1 } } },
      ])
      .toArray();
    const loads = new Map(before.map((row) => [row._id, row.n]));
    const ticket = await open(
      { title: '高管邮箱无法登录', service: 'email', impact: 'person', urgency: 'low' },
      vip,
    );
    expect(ticket.priority).toBe('high');
    const leastLoaded = Math.min(loads.get(desk[0]!.id) ?? 0, loads.get(desk[1]!.id) ?? 0);
    expect(loads.get(String(ticket.assignee)) ?? 0).toBe(leastLoaded);
  });
});

describe('SLA clocks and escalations', () => {
  it('warns and breaches once each, escalating to the supervisor and then to the backup team', async () => {
    const openedAt = clock.now();
    // company × medium → high: 1 h first response, 8 h resolution, on the 24×7 calendar.
    let ticket = await open({
      title: '全公司打印服务中断',
      service: 'printer',
      impact: 'company',
      urgency: 'medium',
    });
    expect(ticket.priority).toBe('high');
    expect(ticket.resolutionDueAt).toBe(new Date(openedAt + 8 * HOUR).toISOString());

    clock.set(openedAt + 7 * HOUR);
    await app.ticketJobs.fireDueTimers(clock.now());
    expect(await slaSteps(ticket)).toEqual(
      expect.arrayContaining(['firstResponse:warning', 'firstResponse:breach', 'resolution:warning']),
    );
    // The escalation reached the supervisor (in-app: no SMTP in tests).
    const supervisorNotices = await app.db
      .collection('notifications')
      .countDocuments({ ticketId: ticket.id, userId: supervisor.id });
    expect(supervisorNotices).toBeGreaterThan(0);

    clock.set(openedAt + 9 * HOUR + 60_000);
    await app.ticketJobs.fireDueTimers(clock.now());
    await app.ticketJobs.fireDueTimers(clock.now());
    const steps = await slaSteps(ticket);
    expect(steps.filter((key) => key === 'resolution:breach')).toHaveLength(1);
    expect(steps.filter((key) => key === 'resolution:warning')).toHaveLength(1);
    expect(new Set(steps).size).toBe(steps.length);
    const { body } = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}`,
      headers: bearer(admin),
    });
    ticket = body as Ticket;
    expect(ticket.team).toBe('it-ops');
    expect(ticket.highlight).toBe('breached');
  });

  it('moves the resolution due time by the business time spent pending', async () => {
    clock.set(Date.parse('2026-10-09T10:00:00+08:00'));
    await signInAgain();
    let ticket = await open({ title: '财务系统报表错误', service: 'erp', impact: 'team', urgency: 'medium' });
    const dueBefore = Date.parse(String(ticket.resolutionDueAt));
    const agent = agentOf(ticket);
    clock.set(Date.parse('2026-10-09T11:00:00+08:00'));
    ticket = await run(agent, ticket, { command: 'set-status', status: 'awaiting-customer' });
    clock.set(Date.parse('2026-10-09T15:00:00+08:00'));
    ticket = await run(agent, ticket, { command: 'set-status', status: 'in-progress' });
    // 11:00–15:00 holds 3 business hours (12:00–13:00 is lunch): the due time moves by exactly that business time
    // (from 10:00 to 14:00 on its day, across the lunch break).
    const dueAfter = Date.parse(String(ticket.resolutionDueAt));
    expect(businessMinutesBetween(CN_STANDARD_CALENDAR, dueBefore, dueAfter)).toBe(180);
    expect(new Date(dueAfter).toISOString()).toBe('2026-10-13T06:00:00.000Z');
  });

  it('restarts the resolution clock when a resolved ticket is reopened', async () => {
    clock.set(Date.parse('2026-10-12T10:00:00+08:00'));
    await signInAgain();
    let ticket = await open({ title: 'VPN 断线', service: 'vpn', impact: 'team', urgency: 'medium' });
    const agent = agentOf(ticket);
    ticket = await run(agent, ticket, { command: 'complete-step', outcome: 'fixed' });
    expect(ticket.status.category).toBe('resolved');
    const resolvedView = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}`,
      headers: bearer(admin),
    });
    expect((resolvedView.body.sla as { resolution: { state: string } }).resolution.state).toBe('stopped');
    clock.advance(HOUR);
    ticket = await run(requester, ticket, { command: 'reopen', reason: '问题又出现了' });
    expect(['new', 'open']).toContain(ticket.status.category);
    const view = await call(app, { method: 'GET', url: `/api/tickets/${ticket.id}`, headers: bearer(admin) });
    const resolution = (view.body.sla as { resolution: { state: string; dueAt: string } }).resolution;
    expect(resolution.state).toBe('running');
    expect(Date.parse(resolution.dueAt)).toBeGreaterThan(clock.now());
  });
});
