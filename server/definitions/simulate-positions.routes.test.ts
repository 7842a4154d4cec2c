import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from '../../test/support/server-app.js';
import { createTeam } from '../../test/support/tickets.js';
import type { SimulatedSample } from './simulate.service.js';

/**
 * Simulation through the whole flow (scripted decisions per step, or autoDecide) and the live positions of open
 * tickets per node, with the ticket list filtered by node.
 */

const KEY = 'fin.purchase';
const status = (key: string, zh: string, en: string) => ({ key, name: { 'zh-CN': zh, en } });

let app: FastifyInstance;
let adminToken: string;
let designer: CreatedUser;
let agent: CreatedUser;
let approverA: CreatedUser;
let approverB: CreatedUser;
let requester: CreatedUser;

/** start → approval (any-of, two people) → gateway: amount > 1000 → finance review, else → desk → confirm → end. */
function purchaseType(): Record<string, unknown> {
  return {
    key: KEY,
    name: { 'zh-CN': '采购申请', en: 'Purchase request' },
    category: 'finance',
    numberFormat: 'PUR-{yyyy}-{seq:5}',
    statuses: {
      new: [status('submitted', '已提交', 'Submitted')],
      open: [status('in-progress', '处理中', 'In progress')],
      pending: [status('awaiting-customer', '待回复', 'Awaiting reply')],
      resolved: [status('awaiting-confirmation', '待确认', 'Awaiting confirmation')],
      closed: [status('closed', '已关闭', 'Closed')],
      cancelled: [status('cancelled', '已取消', 'Cancelled')],
    },
    form: {
      schema: {
        type: 'object',
        required: ['title', 'amount'],
        properties: { title: { type: 'string', minLength: 1 }, amount: { type: 'number', minimum: 0 } },
      },
      layout: [
        {
          section: 'main',
          title: { 'zh-CN': '申请', en: 'Request' },
          fields: [
            { field: 'title', widget: 'text', label: { 'zh-CN': '标题', en: 'Title' } },
            { field: 'amount', widget: 'number', label: { 'zh-CN': '金额', en: 'Amount' } },
          ],
        },
      ],
    },
    flow: {
      nodes: [
        { id: 'start', type: 'start', position: { x: 0, y: 100 }, data: {} },
        {
          id: 'approve',
          type: 'approval',
          position: { x: 0, y: 100 },
          data: {
            name: { 'zh-CN': '主管审批', en: 'Manager approval' },
            approvers: { users: [approverA.id, approverB.id] },
            mode: 'any-of',
          },
        },
        {
          id: 'big?',
          type: 'exclusive',
          position: { x: 0, y: 200 },
          data: { name: { 'zh-CN': '金额大？', en: 'Large amount?' } },
        },
        {
          id: 'finance',
          type: 'task',
          position: { x: 0, y: 300 },
          data: {
            name: { 'zh-CN': '财务复核', en: 'Finance review' },
            assign: 'routing',
            outcomes: ['done'],
          },
        },
        {
          id: 'desk',
          type: 'task',
          position: { x: 0, y: 400 },
          data: {
            name: { 'zh-CN': '采购处理', en: 'Buy it' },
            assign: 'routing',
            outcomes: ['bought', 'dropped'],
          },
        },
        {
          id: 'confirm',
          type: 'confirm',
          position: { x: 0, y: 300 },
          data: { autoCloseAfter: { amount: 3, unit: 'businessDays' } },
        },
        { id: 'end', type: 'end', position: { x: 0, y: 400 }, data: { status: 'closed' } },
      ],
      edges: [
        { id: 'e-start', source: 'start', target: 'approve' },
        { id: 'e-gw', source: 'approve', target: 'big?' },
        {
          id: 'e-big',
          source: 'big?',
          target: 'finance',
          data: { when: { '>': [{ var: 'data.amount' }, 1000] } },
        },
        { id: 'e-small', source: 'big?', target: 'desk', data: { default: true } },
        { id: 'e-fin-desk', source: 'finance', sourceHandle: 'done', target: 'desk' },
        { id: 'e-bought', source: 'desk', sourceHandle: 'bought', target: 'confirm' },
        { id: 'e-dropped', source: 'desk', sourceHandle: 'dropped', target: 'end' },
        { id: 'e-end', source: 'confirm', target: 'end' },
      ],
    },
    routing: [{ id: 'all', when: true, then: { team: 'buyers', strategy: 'round-robin' } }],
    priority: { rules: [], default: 'medium' },
    notifications: {},
  };
}

beforeAll(async () => {
  app = await buildTestApp('definitions_simulate_positions');
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  designer = await createUser(app, adminToken, { username: 'sim.designer', roles: ['designer'] });
  agent = await createUser(app, adminToken, { username: 'sim.agent', roles: ['agent'] });
  approverA = await createUser(app, adminToken, { username: 'sim.approver.a', roles: ['agent'] });
  approverB = await createUser(app, adminToken, { username: 'sim.approver.b', roles: ['agent'] });
  requester = await createUser(app, adminToken, { username: 'sim.requester', roles: ['requester'] });
  await createTeam(app, adminToken, { key: 'buyers', members: [{ userId: agent.id }] });
  const created = await call(app, {
    method: 'POST',
    url: '/api/ticket-types',
    headers: bearer(designer.token),
    payload: purchaseType(),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
});

afterAll(async () => {
  await app.close();
});

async function simulate(samples: Record<string, unknown>[], token = designer.token) {
  return call(app, {
    method: 'POST',
    url: `/api/ticket-types/${KEY}/simulate`,
    headers: bearer(token),
    payload: { samples },
  });
}

const pathOf = (sample: SimulatedSample) => sample.path!.steps.map((step) => step.nodeId);

describe('POST /api/ticket-types/:key/simulate with decisions', () => {
  it('stops at the first waiting step when nothing is decided, and says what could be decided there', async () => {
    const response = await simulate([{ data: { title: 'Laptop', amount: 800 } }]);
    expect(response.status).toBe(200);
    const [sample] = response.body.samples as SimulatedSample[];
    expect(pathOf(sample!)).toEqual(['start', 'approve']);
    expect(sample!.path!.edges).toEqual(['e-start']);
    expect(sample!.path!.ended).toBe(false);
    expect(sample!.path!.waitingAt).toEqual([
      expect.objectContaining({ nodeId: 'approve', waitingFor: 'approval', choices: ['approve', 'reject'] }),
    ]);
  });

  it('draws two different paths through the gateway for two samples with different data', async () => {
    const decisions = { approve: 'approve', finance: 'done', desk: 'bought', confirm: 'confirm' };
    const response = await simulate([
      { title: 'small', data: { title: 'Mouse', amount: 50 }, decisions },
      { title: 'large', data: { title: 'Server', amount: 50_000 }, decisions },
    ]);
    expect(response.status).toBe(200);
    const [small, large] = response.body.samples as SimulatedSample[];
    expect(pathOf(small!)).toEqual(['start', 'approve', 'big?', 'desk', 'confirm', 'end']);
    expect(pathOf(large!)).toEqual(['start', 'approve', 'big?', 'finance', 'desk', 'confirm', 'end']);
    expect(small!.path!.edges).toEqual(['e-start', 'e-gw', 'e-small', 'e-bought', 'e-end']);
    expect(large!.path!.edges).toEqual(['e-start', 'e-gw', 'e-big', 'e-fin-desk', 'e-bought', 'e-end']);
    for (const sample of [small!, large!]) {
      expect(sample.path!.ended).toBe(true);
      expect(sample.path!.status.category).toBe('closed');
      expect(sample.path!.waitingAt).toEqual([]);
    }
    const gateway = (sample: SimulatedSample) => sample.path!.steps.find((step) => step.nodeId === 'big?');
    expect(gateway(small!)).toMatchObject({ decision: 'e-small', decidedBy: 'gateway', defaultBranch: true });
    expect(gateway(large!)).toMatchObject({ decision: 'e-big', decidedBy: 'gateway', defaultBranch: false });
    const approval = small!.path!.steps.find((step) => step.nodeId === 'approve');
    expect(approval).toMatchObject({ decision: 'approve', decidedBy: 'script', result: 'approved' });
    expect(small!.path!.decisions.map((decision) => decision.nodeId)).toEqual(['approve', 'desk', 'confirm']);
  });

  it('goes on to the next undecided step and stops there', async () => {
    const response = await simulate([
      { data: { title: 'Server', amount: 5000 }, decisions: { approve: 'approve' } },
    ]);
    const [sample] = response.body.samples as SimulatedSample[];
    expect(pathOf(sample!)).toEqual(['start', 'approve', 'big?', 'finance']);
    expect(sample!.path!.waitingAt).toEqual([
      expect.objectContaining({ nodeId: 'finance', waitingFor: 'task', choices: ['done'] }),
    ]);
  });

  it('runs to the end with autoDecide, taking the first choice at each step', async () => {
    const response = await simulate([{ data: { title: 'Pens', amount: 10 }, autoDecide: true }]);
    const [sample] = response.body.samples as SimulatedSample[];
    expect(pathOf(sample!)).toEqual(['start', 'approve', 'big?', 'desk', 'confirm', 'end']);
    expect(sample!.path!.decisions.every((decision) => decision.by === 'auto')).toBe(true);
  });

  it('takes one decision per visit from a list, and a rejection or another outcome changes the path', async () => {
    const response = await simulate([
      { data: { title: 'Desk', amount: 100 }, decisions: { approve: 'reject', desk: 'dropped' } },
      {
        data: { title: 'Desk', amount: 100 },
        decisions: { approve: 'approve', desk: ['bought'], confirm: 'reopen' },
      },
    ]);
    const [dropped, reopened] = response.body.samples as SimulatedSample[];
    expect(pathOf(dropped!)).toEqual(['start', 'approve', 'big?', 'desk', 'end']);
    expect(dropped!.path!.steps.find((step) => step.nodeId === 'approve')?.result).toBe('rejected');
    // Reopened goes back to the last human step; its list of decisions is used up, so it waits there.
    expect(pathOf(reopened!)).toEqual(['start', 'approve', 'big?', 'desk', 'confirm', 'desk']);
    expect(reopened!.path!.waitingAt.map((point) => point.nodeId)).toEqual(['desk']);
  });

  it('stops at a decision the step cannot take, saying which ones it can', async () => {
    const response = await simulate([{ data: { title: 'X', amount: 1 }, decisions: { approve: 'maybe' } }]);
    const [sample] = response.body.samples as SimulatedSample[];
    expect(sample!.path!.refused).toMatchObject({ nodeId: 'approve', decision: 'maybe' });
    expect(sample!.path!.refused!.message.en).toContain('approve, reject');
    expect(pathOf(sample!)).toEqual(['start', 'approve']);
  });

  it('stops a scripted loop after the decision limit', async () => {
    const response = await simulate([
      {
        data: { title: 'Loop', amount: 1 },
        decisions: { approve: 'approve', desk: 'bought', confirm: 'reopen' },
      },
    ]);
    const [sample] = response.body.samples as SimulatedSample[];
    expect(sample!.path!.limitReached).toBe(true);
    expect(sample!.path!.ended).toBe(false);
  });

  it('refuses malformed decisions naming the field', async () => {
    const response = await simulate([{ data: {}, decisions: { approve: { pick: 'approve' } } }]);
    expect(response.status).toBe(400);
    expect(String(response.body.field)).toContain('decisions');
    const flag = await simulate([{ data: {}, autoDecide: 'yes' }]);
    expect(flag.status).toBe(400);
    expect(String(flag.body.field)).toContain('autoDecide');
  });
});

describe('GET /api/ticket-types/:key/versions/:n/positions and GET /api/tickets?node=', () => {
  let ticketIds: string[] = [];

  async function open(amount: number): Promise<string> {
    const opened = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: { type: KEY, data: { title: `Buy ${amount}`, amount } },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    return String(opened.body.id);
  }

  async function command(token: string, id: string, body: Record<string, unknown>) {
    const current = await call(app, { method: 'GET', url: `/api/tickets/${id}`, headers: bearer(token) });
    const response = await call(app, {
      method: 'POST',
      url: `/api/tickets/${id}/commands`,
      headers: bearer(token),
      payload: { ...body, version: current.body.version },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  }

  async function positions(token = designer.token) {
    return call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}/versions/1/positions`,
      headers: bearer(token),
    });
  }

  it('counts open tickets per node and the list opens the same tickets', async () => {
    const published = await call(app, {
      method: 'POST',
      url: `/api/ticket-types/${KEY}/publish`,
      headers: bearer(designer.token),
      payload: { note: 'first' },
    });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    ticketIds = [await open(10), await open(20), await open(5000)];
    // Two approved: the small one goes to desk, the large one to finance; one still waits for approval.
    await command(approverA.token, ticketIds[0]!, { command: 'approve', nodeId: 'approve' });
    await command(approverB.token, ticketIds[2]!, { command: 'approve', nodeId: 'approve' });

    const response = await positions();
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      key: KEY,
      version: 1,
      open: 3,
      unplaced: 0,
      nodes: { start: 0, approve: 1, 'big?': 0, finance: 1, desk: 1, confirm: 0, end: 0 },
    });

    const listed = await call(app, {
      method: 'GET',
      url: `/api/tickets?type=${KEY}&version=1&node=finance&status=new,open,pending`,
      headers: bearer(adminToken),
    });
    expect(listed.status).toBe(200);
    expect((listed.body.items as { id: string }[]).map((item) => item.id)).toEqual([ticketIds[2]]);
  });

  it('no longer counts a ticket once it closed', async () => {
    await command(agent.token, ticketIds[0]!, {
      command: 'complete-step',
      nodeId: 'desk',
      outcome: 'dropped',
    });
    const response = await positions();
    expect(response.body.open).toBe(2);
    expect((response.body.nodes as Record<string, number>).desk).toBe(0);
  });

  it('is for staff only and knows only published versions', async () => {
    expect((await positions(requester.token)).status).toBe(403);
    expect((await positions(agent.token)).status).toBe(200);
    const missing = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}/versions/9/positions`,
      headers: bearer(designer.token),
    });
    expect(missing.status).toBe(404);
  });

  it('refuses a node filter without one type', async () => {
    const response = await call(app, {
      method: 'GET',
      url: '/api/tickets?node=finance',
      headers: bearer(adminToken),
    });
    expect(response.status).toBe(400);
    expect(response.body.field).toBe('query.node');
  });
});
