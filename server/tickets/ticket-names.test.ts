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
import { itIncidentDefinition, publishType } from '../../test/support/tickets.js';
import { collectMentions } from './ticket-names.js';

/**
 * Names and time left as every reader gets them with the data: the requester (who may not list users or teams)
 * reads the assignee's display name and the team's name; a colleague reads who holds a ticket; lists count time
 * left exactly as the ticket page does — in business time of the clock's calendar.
 */
let app: FastifyInstance;
let admin: string;
let requester: CreatedUser;
const agents: CreatedUser[] = [];
// Thursday 2026-10-08 17:00 in Shanghai: one business hour left today, then the night and nothing counts.
const clock = new ManualClock(Date.parse('2026-10-08T17:00:00+08:00'));

interface TimeLeft {
  minutes: number;
  business: boolean;
  zone: string;
  paused: boolean;
  calendar: string;
  working: [number, number][] | null;
}
interface Names {
  users: Record<string, string>;
  teams: Record<string, { 'zh-CN': string; en: string }>;
}

beforeAll(async () => {
  app = await buildTestApp('ticket_names', { clock });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'zhao.min', roles: ['requester'] });
  for (const [username, displayName] of [
    ['agent.one', '王晓'],
    ['agent.two', '李娜'],
  ] as const)
    agents.push(await createUser(app, admin, { username, displayName, roles: ['agent'] }));
  for (const key of ['it-desk', 'it-ops']) {
    const created = await call(app, {
      method: 'POST',
      url: '/api/teams',
      headers: bearer(admin),
      payload: {
        key,
        name:
          key === 'it-desk'
            ? { 'zh-CN': 'IT 服务台', en: 'IT service desk' }
            : { 'zh-CN': '运维', en: 'Ops' },
        members: agents.map((agent) => ({ userId: agent.id })),
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
  const designer = await createUser(app, admin, { username: 'designer.names', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
});
afterAll(async () => {
  await app.close();
});

async function openIncident(title: string) {
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: {
      type: 'it.incident',
      data: { title, service: 'email', impact: 'team', urgency: 'medium', description: '收不到邮件' },
    },
  });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  return opened.body as { id: string; assignee: string; team: string; names: Names };
}

describe('names the reader may not look up', () => {
  it('the requester reads the assignee and team by name on the ticket, its history and their list', async () => {
    const ticket = await openIncident('邮件客户端无法收信');
    const assignee = agents.find((agent) => agent.id === ticket.assignee)!;
    const expected = assignee.username === 'agent.one' ? '王晓' : '李娜';
    expect(ticket.names.users[ticket.assignee]).toBe(expected);
    expect(ticket.names.teams['it-desk']).toEqual({ 'zh-CN': 'IT 服务台', en: 'IT service desk' });
    expect(ticket.names.users[requester.id]).toBe('zhao.min');

    const read = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}`,
      headers: bearer(requester.token),
    });
    expect((read.body.names as Names).users[ticket.assignee]).toBe(expected);

    const history = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}/events`,
      headers: bearer(requester.token),
    });
    expect(history.status).toBe(200);
    expect((history.body.names as Names).users[requester.id]).toBe('zhao.min');

    const mine = await call(app, {
      method: 'GET',
      url: '/api/tickets?requester=me',
      headers: bearer(requester.token),
    });
    const names = mine.body.names as Names;
    expect(names.teams['it-desk']?.['zh-CN']).toBe('IT 服务台');
    expect(names.users[ticket.assignee]).toBe(expected);
  });

  it("a colleague's queue names who holds each ticket; nobody else's name is given", async () => {
    const ticket = await openIncident('打印机卡纸后邮件告警');
    const other = agents.find((agent) => agent.id !== ticket.assignee)!;
    const queue = await call(app, { method: 'GET', url: '/api/tickets', headers: bearer(other.token) });
    const names = queue.body.names as Names;
    expect(Object.keys(names.users).length).toBeGreaterThan(0);
    expect(names.users[ticket.assignee]).toBeDefined();
    // The queue's names are those of its assignees: the requester is not among them.
    expect(names.users[requester.id]).toBeUndefined();
  });

  it('collects ids only under the keys that name people or teams', () => {
    const id = '6b152dec2a260609a339adb8';
    const found = collectMentions({
      events: [{ data: { after: { assignee: id, team: 'it-desk' }, title: 'abc', note: id } }],
    });
    expect([...found.users]).toEqual([id]);
    expect([...found.teams]).toEqual(['it-desk']);
  });
});

describe('time left, one definition', () => {
  it('the list and the ticket page give the same business minutes, standing still overnight', async () => {
    const ticket = await openIncident('VPN 每天下午断线');
    const view = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}`,
      headers: bearer(agents[0]!.token),
    });
    const sla = view.body.sla as Record<string, { dueAt: string; left: TimeLeft; zone: string } | null>;
    const nearest = [sla.firstResponse!, sla.resolution!].sort((a, b) => a.dueAt.localeCompare(b.dueAt))[0]!;
    // Medium: first response 4 business hours on the standard calendar — 1 h today, 3 h tomorrow morning.
    expect(nearest.left.minutes).toBe(240);
    expect(nearest.left.business).toBe(true);
    expect(nearest.zone).toBe('Asia/Shanghai');

    const listed = async () => {
      const list = await call(app, {
        method: 'GET',
        url: `/api/tickets?text=${encodeURIComponent('VPN 每天下午断线')}`,
        headers: bearer(agents[0]!.token),
      });
      const item = (list.body.items as { id: string; slaLeft: TimeLeft }[]).find(
        (row) => row.id === ticket.id,
      );
      return item!.slaLeft;
    };
    const first = await listed();
    expect(first.minutes).toBe(nearest.left.minutes);
    expect(first.business).toBe(true);
    expect(first.calendar).toBe('cn-standard');
    // The working intervals to count down in: today's last hour first.
    expect(first.working?.[0]).toEqual([
      Date.parse('2026-10-08T17:00:00+08:00'),
      Date.parse('2026-10-08T18:00:00+08:00'),
    ]);

    clock.set(Date.parse('2026-10-08T20:00:00+08:00'));
    const evening = await listed();
    // 3 wall-clock hours passed, one of them working time.
    expect(evening.minutes).toBe(180);
    const again = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}`,
      headers: bearer(agents[0]!.token),
    });
    const later = again.body.sla as Record<string, { dueAt: string; left: TimeLeft } | null>;
    const same = [later.firstResponse!, later.resolution!].find((entry) => entry.dueAt === nearest.dueAt)!;
    expect(same.left.minutes).toBe(evening.minutes);
  });
});
