import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  type CreatedUser,
} from '../../test/support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../../test/support/tickets.js';
import Fastify from 'fastify';
import { ticketListResponse } from './tickets.routes.js';

const MINUTE = 60 * 1000;
const SORTS = ['sla', 'created', '-created', 'updated', '-updated', 'priority'] as const;
type SortName = (typeof SORTS)[number];
const RANK: Record<string, number> = { urgent: 0, high: 1, medium: 2, low: 3 };

/** A ticket as this test opened and changed it, read back from the single-ticket view after every change. */
interface Known {
  key: string;
  id: string;
  number: string;
  title: string;
  description: string;
  type: string;
  requester: string;
  watchers: string[];
  assistants: string[];
  team: string | null;
  assignee: string | null;
  status: { category: string; key: string };
  priority: string;
  channel: string;
  createdAt: number;
  updatedAt: number;
  version: number;
  /** Earliest due instant of an SLA clock that is not stopped, from the view's clocks; null when none. */
  slaDueAt: number | null;
}

interface Summary {
  id: string;
  number: string;
  title: string;
  status: { category: string; key: string };
  priority: string;
  team: string | null;
  assignee: string | null;
  requester: string;
  channel: string;
  slaDueAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

interface Page {
  items: Summary[];
  nextCursor: string | null;
}

interface Person extends CreatedUser {
  /** Teams the person works in or supervises (what their list may show beyond their own tickets). */
  teams: string[];
  staff: boolean;
}

interface Opening {
  key: string;
  by: 'alice' | 'bob' | 'carol';
  title: string;
  description: string;
  service: string;
  impact: 'person' | 'team' | 'company';
  urgency: 'low' | 'medium' | 'high';
  channel: string;
  hostname?: string;
  watchers?: ('alice' | 'bob' | 'carol')[];
  /** What the priority matrix of it.incident gives impact × urgency. */
  priority: string;
  team: string;
}

/**
 * Titles mix Chinese and English, upper and lower case, and characters that mean something in a regular
 * expression; "a.b" and "axb" sit side by side so a search for "a.b" proves the dot is literal.
 */
const OPENINGS: Opening[] = [
  {
    key: 'outlook',
    by: 'alice',
    title: 'Outlook 无法发送邮件',
    description: '发送时提示 SMTP 错误',
    service: 'email',
    impact: 'person',
    urgency: 'low',
    channel: 'web',
    priority: 'low',
    team: 'it-desk',
  },
  {
    key: 'vpn-urgent',
    by: 'alice',
    title: 'VPN 连接失败 [urgent]',
    description: '在家无法连接公司网络',
    service: 'vpn',
    impact: 'company',
    urgency: 'high',
    channel: 'phone',
    priority: 'urgent',
    team: 'it-desk',
  },
  {
    key: 'printer-jam',
    by: 'bob',
    title: '打印机卡纸 (3楼)',
    description: '每次打印都卡纸',
    service: 'printer',
    impact: 'team',
    urgency: 'low',
    channel: 'email',
    watchers: ['carol'],
    priority: 'low',
    team: 'it-desk',
  },
  {
    key: 'db-down',
    by: 'bob',
    title: 'Database server DOWN',
    description: 'db-01 无响应',
    service: 'server',
    hostname: 'db-01',
    impact: 'company',
    urgency: 'high',
    channel: 'alert',
    priority: 'urgent',
    team: 'it-ops',
  },
  {
    key: 'switch-dot',
    by: 'alice',
    title: '交换机端口故障 a.b',
    description: 'Port 24 flapping',
    service: 'network',
    impact: 'team',
    urgency: 'high',
    channel: 'portal',
    priority: 'high',
    team: 'it-ops',
  },
  {
    key: 'switch-x',
    by: 'bob',
    title: '交换机端口故障 axb',
    description: '另一台交换机',
    service: 'network',
    impact: 'person',
    urgency: 'medium',
    channel: 'web',
    priority: 'low',
    team: 'it-ops',
  },
  {
    key: 'erp-export',
    by: 'carol',
    title: 'ERP 报表导出 100% 卡住',
    description: '导出月报时停住',
    service: 'erp',
    impact: 'team',
    urgency: 'medium',
    channel: 'portal',
    priority: 'medium',
    team: 'it-desk',
  },
  {
    key: 'cpp-build',
    by: 'alice',
    title: 'C++ 编译服务器 Slow',
    description: '编译很慢',
    service: 'server',
    hostname: 'build-01',
    impact: 'team',
    urgency: 'medium',
    channel: 'email',
    priority: 'medium',
    team: 'it-ops',
  },
  {
    key: 'mailbox-full',
    by: 'bob',
    title: '邮箱容量已满',
    description: '无法接收新邮件',
    service: 'email',
    impact: 'person',
    urgency: 'high',
    channel: 'phone',
    priority: 'medium',
    team: 'it-desk',
  },
  {
    key: 'printer-offline',
    by: 'alice',
    title: 'Printer offline 二楼',
    description: '二楼打印机离线',
    service: 'printer',
    impact: 'person',
    urgency: 'low',
    channel: 'web',
    priority: 'low',
    team: 'it-desk',
  },
  {
    key: 'projector',
    by: 'bob',
    title: '会议室投影仪无信号',
    description: '大会议室',
    service: 'other',
    impact: 'team',
    urgency: 'medium',
    channel: 'portal',
    priority: 'medium',
    team: 'it-desk',
  },
  {
    key: 'erp-login',
    by: 'alice',
    title: 'ERP 登录超时 *',
    description: '登录后一分钟掉线',
    service: 'erp',
    impact: 'company',
    urgency: 'medium',
    channel: 'web',
    watchers: ['bob'],
    priority: 'high',
    team: 'it-desk',
  },
  {
    key: 'slow-net',
    by: 'bob',
    title: '网络很慢 ^_^',
    description: '全公司网速慢',
    service: 'network',
    impact: 'company',
    urgency: 'low',
    channel: 'email',
    priority: 'medium',
    team: 'it-ops',
  },
  {
    key: 'new-account',
    by: 'carol',
    title: '新员工账号开通',
    description: '下周一入职',
    service: 'other',
    impact: 'person',
    urgency: 'low',
    channel: 'api',
    priority: 'low',
    team: 'it-desk',
  },
  {
    key: 'vpn-token',
    by: 'alice',
    title: 'VPN token 过期',
    description: '令牌需要更换',
    service: 'vpn',
    impact: 'team',
    urgency: 'low',
    channel: 'social',
    priority: 'low',
    team: 'it-desk',
  },
  {
    key: 'disk-alert',
    by: 'bob',
    title: '服务器磁盘告警 disk 95%',
    description: 'app-02 磁盘将满',
    service: 'server',
    hostname: 'app-02',
    impact: 'team',
    urgency: 'high',
    channel: 'alert',
    priority: 'high',
    team: 'it-ops',
  },
];

describe.each(['database', 'memory'] as const)('GET /api/tickets on the %s catalog', (kind) => {
  // Thursday 2026-10-08 10:00 in Shanghai, a working day; everything below happens within a few hours.
  const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));
  let app: FastifyInstance;
  let adminToken: string;
  const people: Record<string, Person> = {};
  const known = new Map<string, Known>();
  let admin: Person;

  const person = (name: string) => people[name]!;
  const ticket = (key: string) => known.get(key)!;
  const allKnown = () => [...known.values()];

  async function refresh(entry: Known): Promise<Known> {
    const { status, body } = await call(app, {
      method: 'GET',
      url: `/api/tickets/${entry.id}`,
      headers: bearer(adminToken),
    });
    expect(status, JSON.stringify(body)).toBe(200);
    const view = body as unknown as Summary & {
      watchers: string[];
      assistants: string[];
      sla: Record<string, { state: string; dueAt: string | null } | null>;
    };
    const dues = [view.sla.firstResponse, view.sla.resolution]
      .filter((clock) => clock && clock.state !== 'stopped' && clock.dueAt !== null)
      .map((clock) => Date.parse(clock!.dueAt!));
    Object.assign(entry, {
      number: view.number,
      team: view.team,
      assignee: view.assignee,
      status: view.status,
      priority: view.priority,
      channel: view.channel,
      createdAt: Date.parse(view.createdAt),
      updatedAt: Date.parse(view.updatedAt),
      version: view.version,
      watchers: [...view.watchers],
      assistants: [...view.assistants],
      slaDueAt: dues.length ? Math.min(...dues) : null,
    });
    return entry;
  }

  async function run(user: Person, key: string, command: Record<string, unknown>): Promise<Known> {
    clock.advance(3 * MINUTE);
    const entry = ticket(key);
    const { status, body } = await call(app, {
      method: 'POST',
      url: `/api/tickets/${entry.id}/commands`,
      headers: bearer(user.token),
      payload: { version: entry.version, ...command },
    });
    expect(status, `${String(command.command)} on ${key}: ${JSON.stringify(body)}`).toBe(200);
    return refresh(entry);
  }

  const assigneeOf = (key: string): Person => {
    const id = ticket(key).assignee;
    const found = Object.values(people).find((p) => p.id === id);
    if (!found) throw new Error(`${key} has no known assignee (${String(id)})`);
    return found;
  };

  async function list(user: Person | string, query: Record<string, string | number> = {}) {
    const params = new URLSearchParams(
      Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
    );
    const token = typeof user === 'string' ? user : user.token;
    return call(app, { method: 'GET', url: `/api/tickets?${params.toString()}`, headers: bearer(token) });
  }

  async function page(user: Person, query: Record<string, string | number> = {}): Promise<Page> {
    const { status, body } = await list(user, query);
    expect(status, JSON.stringify(body)).toBe(200);
    return body as unknown as Page;
  }

  /** Every page of a list, `limit` at a time, following `nextCursor` until it is null. */
  async function pageThrough(user: Person, query: Record<string, string | number>, limit: number) {
    const items: Summary[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const answer: Page = await page(user, { ...query, limit, ...(cursor ? { cursor } : {}) });
      expect(answer.items.length).toBeLessThanOrEqual(limit);
      items.push(...answer.items);
      cursor = answer.nextCursor;
      if (cursor === null) return items;
      expect(answer.items).toHaveLength(limit);
    }
    throw new Error('paging did not end');
  }

  const ids = (items: { id: string }[]) => items.map((item) => item.id);
  const keysOf = (items: { id: string }[]) =>
    items.map((item) => allKnown().find((entry) => entry.id === item.id)?.key ?? `unknown:${item.id}`);

  /** Who sees a ticket, as the product rules say (not as the code builds its filter). */
  function sees(user: Person, entry: Known): boolean {
    if (user === admin) return true;
    if (entry.requester === user.id || entry.watchers.includes(user.id)) return true;
    if (!user.staff) return false;
    return (
      entry.assignee === user.id ||
      entry.assistants.includes(user.id) ||
      (entry.team !== null && user.teams.includes(entry.team))
    );
  }

  const sortKey: Record<SortName, (entry: Known) => number> = {
    sla: (entry) => entry.slaDueAt ?? Number.POSITIVE_INFINITY,
    created: (entry) => entry.createdAt,
    '-created': (entry) => -entry.createdAt,
    updated: (entry) => entry.updatedAt,
    '-updated': (entry) => -entry.updatedAt,
    priority: (entry) => RANK[entry.priority]!,
  };

  function sorted(entries: Known[], sort: SortName): Known[] {
    const descending = sort.startsWith('-');
    return [...entries].sort((a, b) => {
      const left = sortKey[sort](a);
      const right = sortKey[sort](b);
      if (left !== right) return left < right ? -1 : 1;
      const byId = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      return descending ? -byId : byId;
    });
  }

  const sortedKeys = (entries: Known[]) => entries.map((entry) => entry.key).sort();

  /** The list for `user` with `query` holds exactly the visible tickets `matches` picks. */
  async function expectList(
    user: Person,
    query: Record<string, string | number>,
    matches: (entry: Known) => boolean,
  ) {
    const { items } = await page(user, { ...query, limit: 200 });
    const expected = allKnown().filter((entry) => sees(user, entry) && matches(entry));
    expect(keysOf(items).sort(), `${user.username} ${JSON.stringify(query)}`).toEqual(sortedKeys(expected));
    return items;
  }

  beforeAll(async () => {
    app = await buildTestApp(`ticket_list_${kind}`, { clock, ticketCatalog: kind });
    expect(app.tickets.catalog.kind).toBe(kind);
    const signIn = await call(app, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    adminToken = String(signIn.body.token);
    admin = {
      id: (signIn.body.user as { id: string }).id,
      username: 'admin',
      password: ADMIN_PASSWORD,
      token: adminToken,
      teams: [],
      staff: true,
    };
    const add = async (username: string, roles: string[], teams: string[] = []) => {
      const user = await createUser(app, adminToken, { username, roles });
      people[username] = { ...user, teams, staff: roles.includes('agent') };
    };
    for (const name of ['alice', 'bob', 'carol', 'dave']) await add(name, ['requester']);
    await add('desk1', ['agent'], ['it-desk']);
    await add('desk2', ['agent'], ['it-desk']);
    await add('ops1', ['agent'], ['it-ops']);
    await add('ops2', ['agent'], ['it-ops']);
    await add('desk.lead', ['agent'], ['it-desk']);
    await add('ops.lead', ['agent'], ['it-ops']);
    await add('fac.away', ['agent'], ['facilities']);
    await add('fac.lead', ['agent'], ['facilities']);
    await createTeam(app, adminToken, {
      key: 'it-ops',
      supervisor: person('ops.lead').id,
      members: [
        { userId: person('ops1').id, skills: { server: 4, network: 1 } },
        { userId: person('ops2').id, skills: { server: 1, network: 4 } },
      ],
    });
    await createTeam(app, adminToken, {
      key: 'it-desk',
      supervisor: person('desk.lead').id,
      members: [{ userId: person('desk1').id }, { userId: person('desk2').id }],
    });
    // Its only member is away: a ticket transferred here waits unassigned.
    await createTeam(app, adminToken, {
      key: 'facilities',
      supervisor: person('fac.lead').id,
      members: [{ userId: person('fac.away').id, awayUntil: '2027-12-31T00:00:00Z' }],
    });
    const designer = await createUser(app, adminToken, { username: 'designer', roles: ['designer'] });
    await publishType(app, designer.token, itIncidentDefinition());

    for (const opening of OPENINGS) {
      clock.advance(7 * MINUTE);
      const { status, body } = await call(app, {
        method: 'POST',
        url: '/api/tickets',
        headers: bearer(person(opening.by).token),
        payload: {
          type: 'it.incident',
          channel: opening.channel,
          ...(opening.watchers ? { watchers: opening.watchers.map((name) => person(name).id) } : {}),
          data: {
            title: opening.title,
            description: opening.description,
            service: opening.service,
            impact: opening.impact,
            urgency: opening.urgency,
            ...(opening.hostname ? { hostname: opening.hostname } : {}),
          },
        },
      });
      expect(status, `${opening.key}: ${JSON.stringify(body)}`).toBe(201);
      const entry: Known = {
        key: opening.key,
        id: String(body.id),
        number: String(body.number),
        title: opening.title,
        description: opening.description,
        type: 'it.incident',
        requester: person(opening.by).id,
        watchers: [],
        assistants: [],
        team: null,
        assignee: null,
        status: { category: '', key: '' },
        priority: '',
        channel: '',
        createdAt: 0,
        updatedAt: 0,
        version: 0,
        slaDueAt: null,
      };
      known.set(opening.key, entry);
      await refresh(entry);
      expect(entry.createdAt).toBe(clock.now());
      expect(entry.priority, opening.key).toBe(opening.priority);
      expect(entry.team, opening.key).toBe(opening.team);
      expect(entry.channel).toBe(opening.channel);
      expect(entry.assignee, `${opening.key} is assigned on opening`).not.toBeNull();
    }

    // Closed, pending, cancelled, resolved, unassigned, watched by an outsider, helped by another team, and
    // handed to someone outside the ticket's team.
    await run(assigneeOf('outlook'), 'outlook', { command: 'complete-step', outcome: 'fixed' });
    await run(person('alice'), 'outlook', { command: 'confirm' });
    await run(assigneeOf('printer-jam'), 'printer-jam', {
      command: 'set-status',
      status: 'awaiting-customer',
    });
    await run(assigneeOf('projector'), 'projector', { command: 'cancel', reason: '重复提交' });
    await run(assigneeOf('printer-offline'), 'printer-offline', {
      command: 'complete-step',
      outcome: 'fixed',
    });
    await run(admin, 'new-account', { command: 'transfer', team: 'facilities', reason: '行政处理' });
    await run(admin, 'switch-dot', { command: 'watch', user: person('carol').id });
    await run(assigneeOf('cpp-build'), 'cpp-build', {
      command: 'request-assist',
      users: [person('desk1').id],
    });
    await run(admin, 'mailbox-full', { command: 'transfer', assignee: person('ops2').id });
    await run(assigneeOf('vpn-token'), 'vpn-token', {
      command: 'comment',
      body: '已收到',
      visibility: 'public',
    });

    expect(ticket('outlook').status.category).toBe('closed');
    expect(ticket('printer-jam').status).toEqual({ category: 'pending', key: 'awaiting-customer' });
    expect(ticket('projector').status.category).toBe('cancelled');
    expect(ticket('printer-offline').status).toEqual({ category: 'resolved', key: 'awaiting-confirmation' });
    expect(ticket('new-account')).toMatchObject({ team: 'facilities', assignee: null });
    expect(ticket('switch-dot').watchers).toContain(person('carol').id);
    expect(ticket('cpp-build').assistants).toEqual([person('desk1').id]);
    expect(ticket('mailbox-full')).toMatchObject({ team: 'it-desk', assignee: person('ops2').id });
  });

  afterAll(async () => {
    await app.close();
  });

  describe('visibility', () => {
    it('shows a requester their own tickets and the ones they watch, nobody else’s', async () => {
      await expectList(person('alice'), {}, () => true);
      const bob = await expectList(person('bob'), {}, () => true);
      expect(keysOf(bob)).toContain('erp-login');
      const carol = await expectList(person('carol'), {}, () => true);
      expect(keysOf(carol).sort()).toEqual(['erp-export', 'new-account', 'printer-jam', 'switch-dot']);
      for (const item of bob) expect([person('bob').id, person('alice').id]).toContain(item.requester);
      expect((await page(person('dave'))).items).toEqual([]);
    });

    it('shows an agent their teams’ tickets plus those assigned to them or they help with', async () => {
      const desk1 = await expectList(person('desk1'), {}, () => true);
      expect(keysOf(desk1)).toContain('cpp-build');
      expect(keysOf(desk1)).not.toContain('db-down');
      const ops2 = await expectList(person('ops2'), {}, () => true);
      expect(keysOf(ops2)).toContain('mailbox-full');
      expect(keysOf(ops2)).not.toContain('outlook');
      // Away, but still a member: the team's queue is theirs to see.
      await expectList(person('fac.away'), {}, () => true);
    });

    it('shows a supervisor the tickets of the teams they supervise', async () => {
      const lead = await expectList(person('desk.lead'), {}, () => true);
      expect(lead.every((item) => item.team === 'it-desk')).toBe(true);
      const facilities = await expectList(person('fac.lead'), {}, () => true);
      expect(keysOf(facilities)).toEqual(['new-account']);
    });

    it('shows the admin every ticket', async () => {
      const all = await expectList(admin, {}, () => true);
      expect(all).toHaveLength(OPENINGS.length);
    });

    it('summarises each ticket with the fields it has now', async () => {
      const { items } = await page(admin, { limit: 200 });
      for (const item of items) {
        const entry = allKnown().find((candidate) => candidate.id === item.id)!;
        expect(item).toMatchObject({
          number: entry.number,
          title: entry.title,
          status: entry.status,
          priority: entry.priority,
          team: entry.team,
          assignee: entry.assignee,
          requester: entry.requester,
          channel: entry.channel,
          createdAt: new Date(entry.createdAt).toISOString(),
          updatedAt: new Date(entry.updatedAt).toISOString(),
          version: entry.version,
          slaDueAt: entry.slaDueAt === null ? null : new Date(entry.slaDueAt).toISOString(),
        });
      }
    });

    it('writes the page byte for byte as its response schema’s serializer would (it is written natively)', async () => {
      // The schema's own serializer: a bare route answering with the same schema what it is given.
      const plain = Fastify();
      plain.post('/', { schema: { response: { 200: ticketListResponse } } }, (request) => request.body);
      const serialize = async (body: unknown) =>
        (await plain.inject({ method: 'POST', url: '/', payload: body as Record<string, unknown> })).body;
      for (const [user, query] of [
        [admin, { limit: 200 }],
        [admin, { limit: 3 }],
        [person('alice'), {}],
      ] as const) {
        const { status, response } = await list(user, query);
        expect(status).toBe(200);
        const body = JSON.parse(response.body) as Page;
        expect(body.items.length).toBeGreaterThan(0);
        expect(body.items.some((item) => (item as { slaLeft?: unknown }).slaLeft)).toBe(true);
        expect(response.body).toBe(await serialize(body));
      }
      await plain.close();
    });
  });

  describe('filters', () => {
    it('filters by status category and by status key, one or several', async () => {
      await expectList(admin, { status: 'closed' }, (t) => t.status.category === 'closed');
      await expectList(admin, { status: 'resolved' }, (t) => t.status.category === 'resolved');
      await expectList(admin, { status: 'awaiting-customer' }, (t) => t.status.key === 'awaiting-customer');
      await expectList(admin, { status: 'open,pending' }, (t) =>
        ['open', 'pending'].includes(t.status.category),
      );
      await expectList(
        admin,
        { status: 'new, awaiting-confirmation ,cancelled' },
        (t) => ['new', 'cancelled'].includes(t.status.category) || t.status.key === 'awaiting-confirmation',
      );
      const resolved = await expectList(admin, { status: 'resolved,closed,cancelled' }, (t) =>
        ['resolved', 'closed', 'cancelled'].includes(t.status.category),
      );
      expect(keysOf(resolved).sort()).toEqual(['outlook', 'printer-offline', 'projector']);
      await expectList(admin, { status: 'no-such-status' }, () => false);
    });

    it('filters by type, team, priority and channel', async () => {
      await expectList(admin, { type: 'it.incident' }, () => true);
      await expectList(admin, { type: 'hr.onboarding' }, () => false);
      await expectList(admin, { team: 'it-ops' }, (t) => t.team === 'it-ops');
      await expectList(admin, { team: 'it-desk,facilities' }, (t) => t.team !== 'it-ops');
      await expectList(admin, { priority: 'urgent' }, (t) => t.priority === 'urgent');
      await expectList(admin, { priority: 'high,medium' }, (t) => ['high', 'medium'].includes(t.priority));
      await expectList(admin, { channel: 'alert' }, (t) => t.channel === 'alert');
      await expectList(admin, { channel: 'web,phone' }, (t) => ['web', 'phone'].includes(t.channel));
    });

    it('filters by assignee: me, none, or a person', async () => {
      for (const name of ['desk1', 'desk2', 'ops1', 'ops2']) {
        const agent = person(name);
        const mine = await expectList(agent, { assignee: 'me' }, (t) => t.assignee === agent.id);
        expect(mine.length, name).toBeGreaterThan(0);
      }
      const none = await expectList(admin, { assignee: 'none' }, (t) => t.assignee === null);
      expect(keysOf(none)).toEqual(['new-account']);
      await expectList(admin, { assignee: person('ops2').id }, (t) => t.assignee === person('ops2').id);
      // Of ops2's tickets, desk1 gets only those within reach (their team's, or ones they help with).
      await expectList(
        person('desk1'),
        { assignee: person('ops2').id },
        (t) => t.assignee === person('ops2').id,
      );
      await expectList(person('alice'), { assignee: 'me' }, () => false);
    });

    it('filters by requester (me or a person) and by watcher (me or a person)', async () => {
      await expectList(person('bob'), { requester: 'me' }, (t) => t.requester === person('bob').id);
      await expectList(admin, { requester: person('alice').id }, (t) => t.requester === person('alice').id);
      const bobSeesOfAlice = await expectList(
        person('bob'),
        { requester: person('alice').id },
        (t) => t.requester === person('alice').id,
      );
      expect(keysOf(bobSeesOfAlice)).toEqual(['erp-login']);
      const watched = await expectList(person('carol'), { watching: 'me' }, (t) =>
        t.watchers.includes(person('carol').id),
      );
      expect(keysOf(watched).sort()).toEqual(['printer-jam', 'switch-dot']);
      await expectList(admin, { watching: person('bob').id }, (t) => t.watchers.includes(person('bob').id));
      await expectList(admin, { watching: 'me' }, () => false);
    });

    it('finds text in number, title and description: any case, Chinese substrings, regex characters literal', async () => {
      const searchable = (t: Known) => `${t.number} ${t.title} ${t.description}`.toLowerCase();
      const cases: [string, string[]][] = [
        ['outlook', ['outlook']],
        ['OUTLOOK', ['outlook']],
        ['DOWN', ['db-down']],
        ['端口', ['switch-dot', 'switch-x']],
        ['打印机', ['printer-jam', 'printer-offline']],
        ['a.b', ['switch-dot']],
        ['[urgent]', ['vpn-urgent']],
        ['(3楼)', ['printer-jam']],
        ['*', ['erp-login']],
        ['^_^', ['slow-net']],
        ['c++', ['cpp-build']],
        ['100%', ['erp-export']],
        ['95%', ['disk-alert']],
        ['.*', []],
        ['\\', []],
        ['smtp', ['outlook']],
        ['vpn', ['vpn-token', 'vpn-urgent']],
      ];
      for (const [text, expectedKeys] of cases) {
        const items = await expectList(admin, { text }, (t) => searchable(t).includes(text.toLowerCase()));
        expect(keysOf(items).sort(), text).toEqual(expectedKeys);
      }
      const number = ticket('db-down').number;
      await expectList(admin, { text: number.toLowerCase() }, (t) => t.number === number);
    });

    it('combines filters with each other and with what the caller may see', async () => {
      const open = ['new', 'open', 'pending'];
      await expectList(
        person('desk.lead'),
        { status: 'new,open,pending', priority: 'low,medium', team: 'it-desk' },
        (t) =>
          open.includes(t.status.category) && ['low', 'medium'].includes(t.priority) && t.team === 'it-desk',
      );
      await expectList(
        person('alice'),
        { requester: 'me', text: 'vpn' },
        (t) =>
          t.requester === person('alice').id && `${t.title} ${t.description}`.toLowerCase().includes('vpn'),
      );
      await expectList(person('bob'), { team: 'it-ops' }, (t) => t.team === 'it-ops');
      await expectList(
        person('ops1'),
        { assignee: 'me', channel: 'alert', priority: 'urgent' },
        (t) => t.assignee === person('ops1').id && t.channel === 'alert' && t.priority === 'urgent',
      );
      await expectList(
        admin,
        { team: 'it-ops', text: '交换机', status: 'new,open' },
        (t) =>
          t.team === 'it-ops' && t.title.includes('交换机') && ['new', 'open'].includes(t.status.category),
      );
      await expectList(
        person('carol'),
        { watching: 'me', status: 'pending' },
        (t) => t.watchers.includes(person('carol').id) && t.status.category === 'pending',
      );
      await expectList(admin, { assignee: 'none', team: 'it-desk' }, () => false);
    });
  });

  describe('sorting and paging', () => {
    it('gives the SLA due times a running clock sets (24×7 targets for urgent and high)', async () => {
      for (const key of ['vpn-urgent', 'db-down']) {
        const entry = ticket(key);
        expect(entry.slaDueAt, key).toBe(entry.createdAt + 15 * MINUTE);
      }
      for (const key of ['erp-login', 'disk-alert', 'switch-dot']) {
        const entry = ticket(key);
        expect(entry.slaDueAt, key).toBe(entry.createdAt + 60 * MINUTE);
      }
      for (const key of ['outlook', 'projector', 'printer-offline'])
        expect(ticket(key).slaDueAt, key).toBeNull();
    });

    it('sorts a pending ticket (clocks paused, not stopped) by its frozen due time, not after the others', async () => {
      const pending = ticket('printer-jam');
      const view = await call(app, {
        method: 'GET',
        url: `/api/tickets/${pending.id}`,
        headers: bearer(adminToken),
      });
      const sla = view.body.sla as Record<string, { state: string; dueAt: string | null }>;
      expect(sla.firstResponse!.state).toBe('stopped');
      expect(sla.resolution!.state).toBe('paused');
      expect(pending.slaDueAt).toBe(Date.parse(sla.resolution!.dueAt!));
      expect(pending.slaDueAt).not.toBeNull();
      const { items } = await page(admin, { limit: 200 });
      const item = items.find((candidate) => candidate.id === pending.id)!;
      expect(item.slaDueAt).toBe(new Date(pending.slaDueAt!).toISOString());
      expect(items.findIndex((candidate) => candidate.slaDueAt === null)).toBeGreaterThan(
        items.indexOf(item),
      );
    });

    it.each(SORTS)('orders by %s, ties by id', async (sort) => {
      // The default order is the SLA order: ask for it without naming it.
      const query: Record<string, string> = sort === 'sla' ? {} : { sort };
      const { items } = await page(admin, { ...query, limit: 200 });
      expect(keysOf(items)).toEqual(sorted(allKnown(), sort).map((entry) => entry.key));
      if (sort === 'sla') {
        // Tickets whose clocks all stopped come after every ticket with a due time.
        const firstWithout = items.findIndex((item) => item.slaDueAt === null);
        expect(firstWithout).toBeGreaterThan(0);
        expect(items.slice(firstWithout).every((item) => item.slaDueAt === null)).toBe(true);
        const dues = items.slice(0, firstWithout).map((item) => Date.parse(item.slaDueAt!));
        expect(dues).toEqual([...dues].sort((a, b) => a - b));
      }
    });

    it.each(SORTS)(
      'pages through %s three at a time: every ticket once, in the one-page order',
      async (sort) => {
        const whole = await page(admin, { sort, limit: 200 });
        expect(whole.nextCursor).toBeNull();
        const paged = await pageThrough(admin, { sort }, 3);
        expect(ids(paged)).toEqual(ids(whole.items));
        expect(new Set(ids(paged)).size).toBe(OPENINGS.length);
      },
    );

    it('pages a filtered list of a restricted caller the same way', async () => {
      for (const sort of SORTS) {
        const query = { sort, status: 'new,open,pending,resolved' };
        const expected = sorted(
          allKnown().filter(
            (t) =>
              sees(person('desk1'), t) && ['new', 'open', 'pending', 'resolved'].includes(t.status.category),
          ),
          sort,
        );
        const paged = await pageThrough(person('desk1'), query, 3);
        expect(keysOf(paged), sort).toEqual(expected.map((entry) => entry.key));
        const byTwo = await pageThrough(person('desk1'), query, 2);
        expect(ids(byTwo), sort).toEqual(ids(paged));
      }
    });

    it('ends with nextCursor null exactly when the page holds the last ticket', async () => {
      const exact = await page(admin, { limit: OPENINGS.length });
      expect(exact.items).toHaveLength(OPENINGS.length);
      expect(exact.nextCursor).toBeNull();
      const short = await page(admin, { limit: OPENINGS.length - 1 });
      expect(short.nextCursor).not.toBeNull();
      const rest = await page(admin, { limit: 5, cursor: short.nextCursor! });
      // (The page also names the assignees and teams it lists.)
      expect({ items: rest.items, nextCursor: rest.nextCursor }).toEqual({
        items: [exact.items[OPENINGS.length - 1]],
        nextCursor: null,
      });
    });

    it('refuses a forged or foreign cursor with 400 naming query.cursor', async () => {
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      for (const cursor of [
        'not-a-cursor',
        encode({ at: 1 }),
        encode([1]),
        encode(['1', 'x']),
        encode('x'),
      ]) {
        const { status, body } = await list(admin, { cursor });
        expect(status, cursor).toBe(400);
        expect(body.field, cursor).toBe('query.cursor');
      }
    });

    it('keeps limit within 1..200 and defaults to 50', async () => {
      for (const limit of [0, 201, -1]) {
        const { status, body } = await list(admin, { limit });
        expect(status).toBe(400);
        expect(body.field).toBe('query.limit');
      }
      expect((await page(admin, { limit: 200 })).items).toHaveLength(OPENINGS.length);
      expect((await list(admin, { sort: 'title' })).status).toBe(400);
    });
  });

  describe('after a change', () => {
    it('shows a command’s new status and assignee in the very next list', async () => {
      const before = await page(admin, { status: 'pending', limit: 200 });
      expect(keysOf(before.items)).toEqual(['printer-jam']);

      const changed = await run(assigneeOf('vpn-token'), 'vpn-token', {
        command: 'set-status',
        status: 'awaiting-vendor',
      });
      const pending = await page(admin, { status: 'pending', limit: 200 });
      expect(keysOf(pending.items).sort()).toEqual(['printer-jam', 'vpn-token']);
      expect(pending.items.find((item) => item.id === changed.id)).toMatchObject({
        status: { category: 'pending', key: 'awaiting-vendor' },
        version: changed.version,
        updatedAt: new Date(changed.updatedAt).toISOString(),
      });
      expect(keysOf((await page(admin, { sort: '-updated', limit: 1 })).items)).toEqual(['vpn-token']);

      await run(admin, 'slow-net', { command: 'transfer', assignee: person('desk2').id });
      await expectList(person('desk2'), { assignee: 'me' }, (t) => t.assignee === person('desk2').id);
      expect(keysOf((await page(person('desk2'), { assignee: 'me', limit: 200 })).items)).toContain(
        'slow-net',
      );
      await expectList(person('ops2'), { assignee: 'me' }, (t) => t.assignee === person('ops2').id);

      await run(admin, 'new-account', { command: 'assign', assignee: person('fac.lead').id });
      expect((await page(admin, { assignee: 'none' })).items).toEqual([]);

      await run(assigneeOf('erp-export'), 'erp-export', { command: 'complete-step', outcome: 'fixed' });
      const sla = await page(admin, { limit: 200 });
      expect(keysOf(sla.items)).toEqual(sorted(allKnown(), 'sla').map((entry) => entry.key));
      expect(sla.items.find((item) => item.id === ticket('erp-export').id)?.slaDueAt).toBeNull();
    });

    it('lists a ticket opened a moment ago, and shows a new watcher the ticket at once', async () => {
      clock.advance(MINUTE);
      const { status, body } = await call(app, {
        method: 'POST',
        url: '/api/tickets',
        headers: bearer(person('dave').token),
        payload: {
          type: 'it.incident',
          data: { title: '刚刚提交的工单 Fresh', service: 'other', impact: 'person', urgency: 'low' },
        },
      });
      expect(status, JSON.stringify(body)).toBe(201);
      const fresh = (await page(person('dave'))).items;
      expect(fresh.map((item) => item.id)).toEqual([body.id]);
      expect(ids((await page(admin, { text: 'fresh' })).items)).toEqual([body.id]);
      expect((await page(person('carol'), { text: 'fresh' })).items).toEqual([]);
      const watch = await call(app, {
        method: 'POST',
        url: `/api/tickets/${String(body.id)}/commands`,
        headers: bearer(adminToken),
        payload: { command: 'watch', user: person('carol').id, version: body.version },
      });
      expect(watch.status, JSON.stringify(watch.body)).toBe(200);
      expect(ids((await page(person('carol'), { text: 'fresh' })).items)).toEqual([body.id]);
    });
  });
});
