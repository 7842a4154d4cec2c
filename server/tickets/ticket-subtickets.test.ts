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

/**
 * Sub-tickets through the HTTP API: an action step opens a linked sub-ticket (once, however often its effect runs),
 * with data mapped from the parent, waits for all or any of them, is routed by how they finished, and cancels
 * the ones still open when the parent is cancelled. An effect nothing can run is never dropped silently.
 */
let app: FastifyInstance;
let admin: string;
let requester: CreatedUser;
const agents: CreatedUser[] = [];
const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));
const HOUR = 3_600_000;

type Body = Record<string, unknown>;

/** The IT incident type under `key`, with `flow` (and extra form fields: key → [schema, widget]). */
function typeWith(key: string, flow: Body, extraFields: Record<string, [Body, string]> = {}): Body {
  const base = itIncidentDefinition() as Body & { form: { schema: { properties: Body }; layout: Body[] } };
  const extra = Object.entries(extraFields);
  return {
    ...base,
    key,
    name: { 'zh-CN': key, en: key },
    numberFormat: `${key.toUpperCase().replace(/[^A-Z]/g, '')}-{seq:4}`,
    form: {
      schema: {
        ...base.form.schema,
        properties: {
          ...base.form.schema.properties,
          ...Object.fromEntries(extra.map(([field, [schema]]) => [field, schema])),
        },
      },
      layout: [
        ...base.form.layout,
        ...(extra.length === 0
          ? []
          : [
              {
                section: 'extra',
                title: { 'zh-CN': '更多', en: 'More' },
                fields: extra.map(([field, [, widget]]) => ({
                  field,
                  widget,
                  label: { 'zh-CN': field, en: field },
                })),
              },
            ]),
      ],
    },
    flow,
  };
}

const task = (id: string, outcomes: string[] = ['done']) => ({
  id,
  type: 'task',
  position: { x: 0, y: 0 },
  data: { name: { 'zh-CN': id, en: id }, assign: 'routing', outcomes },
});
const node = (id: string, type: string, data: Body = {}) => ({ id, type, position: { x: 0, y: 0 }, data });

/** start → spawn (action opening sub-tickets) → how? (closed → follow-up, else → redo) → end. */
function parentFlow(subticket: Body): Body {
  return {
    nodes: [
      node('start', 'start'),
      node('spawn', 'action', { subticket }),
      node('how?', 'exclusive'),
      task('follow-up'),
      task('redo'),
      node('end', 'end', { status: 'closed' }),
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'spawn' },
      { id: 'e2', source: 'spawn', target: 'how?' },
      {
        id: 'e3',
        source: 'how?',
        target: 'follow-up',
        data: { when: { '==': [{ var: 'step.spawn.result' }, 'closed'] } },
      },
      { id: 'e4', source: 'how?', target: 'redo', data: { default: true } },
      { id: 'e5', source: 'follow-up', sourceHandle: 'done', target: 'end' },
      { id: 'e6', source: 'redo', sourceHandle: 'done', target: 'end' },
    ],
  };
}

/** What every sub-ticket copies from its parent. */
const mapping = {
  title: { cat: ['子工单：', { var: 'data.title' }] },
  service: { var: 'data.service' },
  impact: { var: 'data.impact' },
  urgency: { var: 'data.urgency' },
};

const form = (title: string, extra: Body = {}) => ({
  title,
  service: 'email',
  impact: 'person',
  urgency: 'low',
  description: '需要另一个团队处理',
  ...extra,
});

async function open(type: string, data: Body) {
  const response = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: { type, data },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

async function get(id: string): Promise<Body> {
  const response = await call(app, { method: 'GET', url: `/api/tickets/${id}`, headers: bearer(admin) });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

async function eventTypes(id: string): Promise<string[]> {
  const { body } = await call(app, {
    method: 'GET',
    url: `/api/tickets/${id}/events`,
    headers: bearer(admin),
  });
  return (body.items as { events: { type: string }[] }[]).flatMap((item) => item.events.map((e) => e.type));
}

async function command(id: string, payload: Body, token = admin) {
  const ticket = await get(id);
  const response = await call(app, {
    method: 'POST',
    url: `/api/tickets/${id}/commands`,
    headers: bearer(token),
    payload: { version: ticket.version, ...payload },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

/** The assignee of the open step completes it with `done`, acting for themselves. */
async function completeStep(id: string) {
  const ticket = await get(id);
  const worker = agents.find((agent) => agent.id === ticket.assignee);
  expect(worker, `ticket ${id} has no agent assignee`).toBeDefined();
  return command(id, { command: 'complete-step', outcome: 'done' }, worker!.token);
}

const category = (ticket: Body) => (ticket.status as { category: string }).category;
const at = (ticket: Body) => (ticket.tokens as { nodeId: string }[]).map((token) => token.nodeId);

/** Parents opening one sub-ticket per selected host. */
const hosts: Record<string, [Body, string]> = {
  hosts: [
    {
      type: 'array',
      items: { type: 'string', enum: ['db-1', 'db-2', 'web-1', 'web-2', 'web-3'] },
      maxItems: 10,
    },
    'multiselect',
  ],
};
const each = {
  type: 'sub.child',
  each: { var: 'data.hosts' },
  data: { ...mapping, host: { var: 'item' } },
  wait: true,
};

async function publishPerHost(key: string, waitFor: 'all' | 'any') {
  const designer = await createUser(app, admin, { username: `designer.${waitFor}`, roles: ['designer'] });
  await publishType(app, designer.token, typeWith(key, parentFlow({ ...each, waitFor }), hosts));
}

beforeAll(async () => {
  app = await buildTestApp('ticket_subtickets', { clock });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'sun.li', roles: ['requester'] });
  for (const name of ['sub.a', 'sub.b'])
    agents.push(await createUser(app, admin, { username: name, roles: ['agent'] }));
  const members = agents.map((agent) => ({ userId: agent.id }));
  await createTeam(app, admin, { key: 'it-ops', members });
  await createTeam(app, admin, { key: 'it-desk', members });
  const designer = await createUser(app, admin, { username: 'designer.sub', roles: ['designer'] });
  const child = {
    nodes: [node('start', 'start'), task('work'), node('end', 'end', { status: 'closed' })],
    edges: [
      { id: 'c1', source: 'start', target: 'work' },
      { id: 'c2', source: 'work', sourceHandle: 'done', target: 'end' },
    ],
  };
  await publishType(
    app,
    designer.token,
    typeWith('sub.child', child, { host: [{ type: 'string', maxLength: 100 }, 'text'] }),
  );
  await publishType(
    app,
    designer.token,
    typeWith('sub.parent', parentFlow({ type: 'sub.child', data: mapping, wait: true })),
  );
  // The sub-ticket's form refuses a title this short: it cannot be opened.
  const refused = { type: 'sub.child', data: { ...mapping, title: 'x' }, wait: true };
  await publishType(app, designer.token, typeWith('sub.refused', parentFlow(refused)));
});
afterAll(async () => {
  await app.close();
});

describe('sub-tickets', () => {
  it('opens the sub-ticket, links both ways, waits for it, and goes on by how it finished', async () => {
    const parent = await open('sub.parent', form('新员工电脑准备'));
    const id = String(parent.id);
    const shown = await get(id);
    expect(at(shown)).toEqual(['spawn']);
    const subtickets = shown.subtickets as Body[];
    expect(subtickets).toHaveLength(1);
    expect(subtickets[0]).toMatchObject({ typeKey: 'sub.child', nodeId: 'spawn' });
    expect(String(subtickets[0]!.number)).toMatch(/^SUBCHILD-\d{4}$/);
    expect(await eventTypes(id)).toContain('subticket.opened');

    const child = await get(String(subtickets[0]!.id));
    expect(child.parent).toMatchObject({ id, number: parent.number, typeKey: 'sub.parent', nodeId: 'spawn' });
    expect(child.data).toMatchObject({ title: '子工单：新员工电脑准备', service: 'email', impact: 'person' });
    expect(child.requester).toBe(requester.id);

    await completeStep(String(child.id));
    expect(category(await get(String(child.id)))).toBe('closed');
    const after = await get(id);
    expect(at(after)).toEqual(['follow-up']);
    expect((after.steps as Body[]).find((step) => step.nodeId === 'spawn')).toMatchObject({
      result: 'closed',
    });
    expect((after.subtickets as Body[])[0]).toMatchObject({ outcome: 'closed', status: 'closed' });
    const { body: trail } = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}/events`,
      headers: bearer(admin),
    });
    const finishedEvent = (trail.items as { events: { type: string; data: Body }[] }[])
      .flatMap((item) => item.events)
      .find((event) => event.type === 'subticket.finished');
    expect(finishedEvent?.data).toMatchObject({ number: child.number, outcome: 'closed' });
    await completeStep(id);
    expect(category(await get(id))).toBe('closed');
  });

  it('opens the sub-ticket once however often its effect runs (the reconciler runs it again)', async () => {
    const parent = await open('sub.parent', form('重复执行的子工单'));
    const id = String(parent.id);
    await app.ticketJobs.reconcile(clock.now(), HOUR);
    await app.ticketJobs.reconcile(clock.now(), HOUR);
    const shown = await get(id);
    expect(shown.subtickets as Body[]).toHaveLength(1);
    const childId = String((shown.subtickets as Body[])[0]!.id);
    const children = await app.tickets.tickets.countDocuments({ typeKey: 'sub.child', _id: childId });
    expect(children).toBe(1);
    const sameParent = await app.tickets.tickets.countDocuments({
      typeKey: 'sub.child',
      number: (shown.subtickets as Body[])[0]!.number as string,
    });
    expect(sameParent).toBe(1);
    expect((await eventTypes(id)).filter((type) => type === 'subticket.opened')).toHaveLength(1);
  });

  it('the commit finishing a sub-ticket carries its report, so the reconciler reports it once if the process died', async () => {
    const parent = await open('sub.parent', form('子工单结束的报告'));
    const id = String(parent.id);
    const childId = String(((await get(id)).subtickets as Body[])[0]!.id);
    await completeStep(childId);
    const commits = await app.db
      .collection<{ ticketId: string; seq: number; payload: string }>('ticket_events')
      .find({ ticketId: childId })
      .sort({ seq: -1 })
      .limit(1)
      .toArray();
    const effects = (JSON.parse(commits[0]!.payload) as { effects: { kind: string }[] }).effects;
    expect(effects.map((effect) => effect.kind)).toContain('server.subticket-finished');
    // Run again (as after a crash between the commit and its report): the parent hears of it once.
    await app.ticketJobs.reconcile(clock.now(), HOUR);
    await app.ticketJobs.reconcile(clock.now(), HOUR);
    expect((await eventTypes(id)).filter((type) => type === 'subticket.finished')).toHaveLength(1);
    expect(at(await get(id))).toEqual(['follow-up']);
  });

  it('cancelling the parent cancels the sub-ticket it waits for', async () => {
    const parent = await open('sub.parent', form('取消上级工单'));
    const id = String(parent.id);
    const childId = String(((await get(id)).subtickets as Body[])[0]!.id);
    await command(id, { command: 'cancel', reason: '不再需要' });
    expect(category(await get(childId))).toBe('cancelled');
    expect(category(await get(id))).toBe('cancelled');
    // The parent records how its sub-ticket ended even though it no longer waits.
    expect(((await get(id)).subtickets as Body[])[0]).toMatchObject({ outcome: 'cancelled' });
  });

  it('a cancelled sub-ticket routes the parent the other way', async () => {
    const parent = await open('sub.parent', form('子工单被取消'));
    const id = String(parent.id);
    const childId = String(((await get(id)).subtickets as Body[])[0]!.id);
    await command(childId, { command: 'cancel', reason: '重复的请求' });
    const after = await get(id);
    expect(at(after)).toEqual(['redo']);
    expect((after.steps as Body[]).find((step) => step.nodeId === 'spawn')).toMatchObject({
      result: 'cancelled',
    });
  });

  it('one sub-ticket per item: waits for all of them', async () => {
    await publishPerHost('sub.all', 'all');
    const parent = await open('sub.all', form('批量补丁', { hosts: ['db-1', 'db-2'] }));
    const id = String(parent.id);
    const subtickets = (await get(id)).subtickets as Body[];
    expect(subtickets).toHaveLength(2);
    const children = await Promise.all(subtickets.map((entry) => get(String(entry.id))));
    expect(children.map((child) => (child.data as Body).host)).toEqual(['db-1', 'db-2']);
    await completeStep(String(children[0]!.id));
    expect(at(await get(id))).toEqual(['spawn']);
    await completeStep(String(children[1]!.id));
    expect(at(await get(id))).toEqual(['follow-up']);
  });

  it('one sub-ticket per item: waits for any, and cancels the others', async () => {
    await publishPerHost('sub.any', 'any');
    const parent = await open('sub.any', form('任一完成即可', { hosts: ['web-1', 'web-2', 'web-3'] }));
    const id = String(parent.id);
    const subtickets = (await get(id)).subtickets as Body[];
    expect(subtickets).toHaveLength(3);
    await completeStep(String(subtickets[1]!.id));
    expect(at(await get(id))).toEqual(['follow-up']);
    const categories = await Promise.all(
      subtickets.map(async (entry) => category(await get(String(entry.id)))),
    );
    expect(categories).toEqual(['cancelled', 'closed', 'cancelled']);
  });

  it('a sub-ticket its type refuses is recorded as failed on the parent, which goes on the other way', async () => {
    const before = await app.tickets.tickets.countDocuments({ typeKey: 'sub.child' });
    const parent = await open('sub.refused', form('映射出错的子工单'));
    const id = String(parent.id);
    const shown = await get(id);
    expect(at(shown)).toEqual(['redo']);
    const failed = (shown.subtickets as Body[])[0]!;
    expect(failed.outcome).toBe('failed');
    expect(String(failed.error)).toContain('Title');
    expect(await eventTypes(id)).toContain('subticket.failed');
    expect(await app.tickets.tickets.countDocuments({ typeKey: 'sub.child' })).toBe(before);
  });

  it('refuses reports only the server makes, from people and integrations', async () => {
    const parent = await open('sub.parent', form('伪造的子工单完成'));
    const ticket = await get(String(parent.id));
    const response = await call(app, {
      method: 'POST',
      url: `/api/tickets/${String(parent.id)}/commands`,
      headers: bearer(admin),
      payload: { version: ticket.version, command: 'subticket-finished', key: 'x', outcome: 'closed' },
    });
    expect(response.status).toBe(400);
  });
});

describe('effects nothing can run', () => {
  it('are refused at publish, naming the node, and recorded on the ticket and in the log at run time', async () => {
    const designer = await createUser(app, admin, { username: 'designer.hook', roles: ['designer'] });
    const hooked = typeWith('sub.hooked', {
      nodes: [
        node('start', 'start'),
        node('call', 'action', { webhook: { url: 'https://erp.example.com/hook' } }),
        task('work'),
        node('end', 'end', { status: 'closed' }),
      ],
      edges: [
        { id: 'h1', source: 'start', target: 'call' },
        { id: 'h2', source: 'call', target: 'work' },
        { id: 'h3', source: 'work', sourceHandle: 'done', target: 'end' },
      ],
    });
    await publishType(app, designer.token, hooked);
    // The server loses its webhook handler (as a build without that module would).
    const handlers = (app.effects as unknown as { handlers: Map<string, unknown> }).handlers;
    const webhook = handlers.get('webhook');
    handlers.delete('webhook');
    try {
      // What the server checks when it starts: it would refuse to, naming the version and the node.
      const { unhandledPublishedEffects } = await import('./subtickets.js');
      expect(await unhandledPublishedEffects(app, app.effects)).toEqual([
        expect.stringMatching(/^sub\.hooked@1: .*“call”.*webhook/),
      ]);
      const ticket = await open('sub.hooked', form('没有处理程序的动作'));
      const types = await eventTypes(String(ticket.id));
      expect(types).toContain('effect.failed');
      expect(
        JSON.stringify(
          (
            await call(app, {
              method: 'GET',
              url: `/api/tickets/${String(ticket.id)}/events`,
              headers: bearer(admin),
            })
          ).body,
        ),
      ).toContain('webhook');

      const response = await call(app, {
        method: 'POST',
        url: '/api/ticket-types/sub.hooked/validate',
        headers: bearer(designer.token),
      });
      expect(response.body.valid).toBe(false);
      expect(response.body.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            code: 'definition.effect.unhandled',
            nodeId: 'call',
            path: '/flow/nodes/1',
          }),
        ]),
      );
    } finally {
      handlers.set('webhook', webhook);
    }
  });
});
