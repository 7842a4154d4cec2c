import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/**
 * What the ticket page's people actions send: transfer (team, optionally a person), reassign, request help,
 * @mentions in a comment — and a ticket registered by an agent for a caller.
 */
let app: FastifyInstance;
let admin: string;
let caller: CreatedUser;
let agent: CreatedUser;
let colleague: CreatedUser;
let helper: CreatedUser;
let networkAgent: CreatedUser;

const incident = (title: string) => ({
  type: 'it.incident',
  data: { title, service: 'email', impact: 'person', urgency: 'low', description: '电话报修' },
});

beforeAll(async () => {
  app = await buildTestApp('ticket_handover');
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  caller = await createUser(app, admin, {
    username: 'caller.he',
    displayName: '何来电',
    roles: ['requester'],
  });
  agent = await createUser(app, admin, { username: 'desk.wang', displayName: '王前台', roles: ['agent'] });
  colleague = await createUser(app, admin, { username: 'desk.liu', displayName: '刘同事', roles: ['agent'] });
  helper = await createUser(app, admin, { username: 'desk.chen', displayName: '陈协助', roles: ['agent'] });
  networkAgent = await createUser(app, admin, {
    username: 'net.zhao',
    displayName: '赵网络',
    roles: ['agent'],
  });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }, { userId: colleague.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: networkAgent.id }] });
  const designer = await createUser(app, admin, { username: 'designer.xu', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
});
afterAll(async () => {
  await app.close();
});

/** An agent registers a phone call: the caller is the requester, the agent the one who opened it. */
async function registerCall(title: string) {
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(agent.token),
    payload: { ...incident(title), channel: 'phone', requester: caller.id },
  });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  return opened.body as { id: string; version: number; requester: string; channel: string; team: string };
}

async function command(user: CreatedUser, id: string, payload: Record<string, unknown>) {
  const current = await call(app, { method: 'GET', url: `/api/tickets/${id}`, headers: bearer(user.token) });
  return call(app, {
    method: 'POST',
    url: `/api/tickets/${id}/commands`,
    headers: bearer(user.token),
    payload: { ...payload, version: current.body.version },
  });
}

async function trail(id: string) {
  const { body } = await call(app, {
    method: 'GET',
    url: `/api/tickets/${id}/events`,
    headers: bearer(admin),
  });
  return body.items as {
    actor: { id: string };
    command: string;
    events: { type: string; data: Record<string, unknown> }[];
  }[];
}

describe('POST /api/tickets by an agent for a caller (登记工单)', () => {
  it('records the caller as requester, the channel, and the agent as who opened it', async () => {
    const ticket = await registerCall('电话：打印机卡纸');
    expect(ticket).toMatchObject({ requester: caller.id, channel: 'phone' });
    const [first] = await trail(ticket.id);
    expect(first!.actor.id).toBe(agent.id);
    const mine = await call(app, {
      method: 'GET',
      url: '/api/tickets?requester=me',
      headers: bearer(caller.token),
    });
    expect((mine.body.items as { id: string }[]).map((item) => item.id)).toContain(ticket.id);
  });

  it('refuses a requester opening for someone else (403) and an unknown caller (400 body.requester)', async () => {
    const other = await createUser(app, admin, { username: 'other.req', roles: ['requester'] });
    const refused = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(other.token),
      payload: { ...incident('替别人提单'), requester: caller.id },
    });
    expect(refused.status).toBe(403);
    const unknown = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(agent.token),
      payload: { ...incident('不存在的来电人'), channel: 'phone', requester: '0123456789abcdef01234567' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.field).toBe('body.requester');
  });
});

describe('POST /api/tickets/:id/commands — hand-overs', () => {
  it('transfers to another team and a person picked by name; the history says to whom', async () => {
    const ticket = await registerCall('电话：交换机端口不通');
    const result = await command(agent, ticket.id, {
      command: 'transfer',
      team: 'it-ops',
      assignee: networkAgent.id,
      reason: '网络问题，转网络组',
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body).toMatchObject({ team: 'it-ops', assignee: networkAgent.id });
    const last = (await trail(ticket.id)).at(-1)!;
    expect(last.events.find((event) => event.type === 'ticket.transferred')?.data).toMatchObject({
      after: { team: 'it-ops', assignee: networkAgent.id },
      reason: '网络问题，转网络组',
    });
  });

  it('reassigns to a colleague and asks another for help, who is told', async () => {
    const ticket = await registerCall('电话：邮箱满了');
    const reassigned = await command(agent, ticket.id, { command: 'assign', assignee: colleague.id });
    expect(reassigned.status, JSON.stringify(reassigned.body)).toBe(200);
    expect(reassigned.body).toMatchObject({ team: 'it-desk', assignee: colleague.id });
    const assisted = await command(colleague, ticket.id, {
      command: 'request-assist',
      users: [helper.id],
      comment: '帮忙看下邮箱配额',
    });
    expect(assisted.status, JSON.stringify(assisted.body)).toBe(200);
    expect(assisted.body.assistants).toEqual([helper.id]);
    await waitFor(
      async () => {
        const { body } = await call(app, {
          method: 'GET',
          url: '/api/notifications',
          headers: bearer(helper.token),
        });
        return (body.items as { template: string }[]).some((item) => item.template === 'assist-requested');
      },
      { what: 'the helper’s notice' },
    );
  });

  it('notifies a colleague @mentioned in a comment', async () => {
    const ticket = await registerCall('电话：会议室投影不亮');
    // The @ list names colleagues (by name, in code-point order) with their teams and whether they are away.
    const mentionable = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}/mentionable?q=desk`,
      headers: bearer(agent.token),
    });
    expect(mentionable.status).toBe(200);
    expect(mentionable.body.items).toEqual([
      {
        id: colleague.id,
        username: 'desk.liu',
        displayName: '刘同事',
        teams: [{ key: 'it-desk', name: { 'zh-CN': 'it-desk', en: 'it-desk' }, supervisor: false }],
        away: false,
      },
      {
        id: agent.id,
        username: 'desk.wang',
        displayName: '王前台',
        teams: [{ key: 'it-desk', name: { 'zh-CN': 'it-desk', en: 'it-desk' }, supervisor: false }],
        away: false,
      },
      { id: helper.id, username: 'desk.chen', displayName: '陈协助', teams: [], away: false },
    ]);
    const result = await command(agent, ticket.id, {
      command: 'comment',
      body: '@陈协助 请帮忙确认投影仪型号',
      visibility: 'internal',
      mentions: [helper.id],
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    await waitFor(
      async () => {
        const { body } = await call(app, {
          method: 'GET',
          url: '/api/notifications',
          headers: bearer(helper.token),
        });
        return (body.items as { template: string; text: string }[]).some(
          (item) => item.template === 'mentioned' && item.text.includes('会议室投影不亮'),
        );
      },
      { what: 'the mention notice' },
    );
  });

  it('refuses hand-overs to nobody real, naming the field, and changes nothing', async () => {
    const ticket = await registerCall('电话：键盘失灵');
    const cases: [Record<string, unknown>, string][] = [
      [{ command: 'transfer', team: 'nowhere' }, 'body.team'],
      [{ command: 'transfer', team: 'it-ops', assignee: '0123456789abcdef01234567' }, 'body.assignee'],
      [{ command: 'assign', assignee: 'not-an-id' }, 'body.assignee'],
      [{ command: 'assign', assignee: caller.id }, 'body.assignee'],
      [{ command: 'request-assist', users: [helper.id, caller.id] }, 'body.users.1'],
    ];
    for (const [payload, field] of cases) {
      const result = await command(agent, ticket.id, payload);
      expect(result.status, JSON.stringify(payload)).toBe(400);
      expect(result.body.field, JSON.stringify(payload)).toBe(field);
    }
    const after = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}`,
      headers: bearer(admin),
    });
    expect(after.body.version).toBe(ticket.version);
  });
});
