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
} from './support/server-app.js';
import {
  installPacks,
  sampleData,
  shippedPacks,
  staffPacks,
  withUploads,
  type PackStaff,
} from './support/packs.js';
import type { LoadedPack } from '../templates/pack-loader.js';
import { backfillFlowActors } from '../server/tickets/flow-actors.backfill.js';

/**
 * Issue 8 §1: approvers and step workers outside the ticket's team see the ticket (as far as their step's field
 * rights allow), act on it without an admin, find it in "my approvals" / "my steps" and in the bell's counts, and
 * keep reading what they decided afterwards. §10: an @mention in an internal note lets staff read it; a requester
 * cannot be mentioned there.
 */
let app: FastifyInstance;
let admin: string;
let packs: LoadedPack[];
let staff: PackStaff;

beforeAll(async () => {
  app = await buildTestApp('flow_access');
  await app.ready();
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  packs = await shippedPacks();
  await installPacks(
    app,
    admin,
    packs.map((pack) => pack.manifest.id),
  );
  staff = await staffPacks(app, admin, packs, 'fa');
}, 180_000);

afterAll(async () => {
  await app?.close();
});

function sampleOf(typeKey: string, index = 0) {
  const type = packs.flatMap((pack) => pack.ticketTypes).find((candidate) => candidate.key === typeKey)!;
  return sampleData(staff, type.samples[index]!.data);
}

async function open(typeKey: string, data: Record<string, unknown>, as: CreatedUser = staff.requester) {
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(as.token),
    payload: { type: typeKey, data: await withUploads(app, as, data) },
  });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  return opened.body as { id: string; version: number; team: string | null };
}

const get = (token: string, url: string) => call(app, { method: 'GET', url, headers: bearer(token) });

async function command(who: CreatedUser, id: string, body: Record<string, unknown>) {
  const current = await get(who.token, `/api/tickets/${id}`);
  expect(current.status, `${who.username} reads ${id}: ${JSON.stringify(current.body)}`).toBe(200);
  const done = await call(app, {
    method: 'POST',
    url: `/api/tickets/${id}/commands`,
    headers: bearer(who.token),
    payload: { version: current.body.version, ...body },
  });
  return done;
}

async function listIds(who: CreatedUser, query: string): Promise<string[]> {
  const listed = await get(who.token, `/api/tickets?${query}`);
  expect(listed.status, JSON.stringify(listed.body)).toBe(200);
  return (listed.body.items as { id: string }[]).map((item) => item.id);
}

const counts = async (who: CreatedUser) => (await get(who.token, '/api/tickets/awaiting-counts')).body;

describe('approvers outside the ticket’s team', () => {
  it('hr.leave: the requester’s manager (an agent in no team) sees, lists and approves; then reads the history', async () => {
    const ticket = await open('hr.leave', sampleOf('hr.leave', 2));
    const { manager } = staff;
    expect(ticket.team).toBe('hr');

    expect((await get(manager.token, `/api/tickets/${ticket.id}`)).status).toBe(200);
    expect(await listIds(manager, 'awaiting=approval')).toContain(ticket.id);
    expect(await listIds(manager, 'awaiting=me')).toContain(ticket.id);
    expect(await listIds(manager, 'awaiting=step')).not.toContain(ticket.id);
    expect(await listIds(manager, 'status=open,new,pending')).toContain(ticket.id);
    expect((await counts(manager)).approvals).toBeGreaterThanOrEqual(1);
    const view = (await get(manager.token, `/api/tickets/${ticket.id}`)).body;
    expect(view.allowedCommands).toContain('approve');
    // While they must decide they read the staff's internal notes (and may write one), afterwards no longer.
    const noted = await command(staff.members.hr!, ticket.id, {
      command: 'comment',
      body: 'Balance checked: 12 days left',
      visibility: 'internal',
    });
    expect(noted.status).toBe(200);
    const internalNote = async () =>
      JSON.stringify((await get(manager.token, `/api/tickets/${ticket.id}/events`)).body).includes(
        '12 days left',
      );
    expect(await internalNote()).toBe(true);

    const approved = await command(manager, ticket.id, { command: 'approve', comment: 'ok' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);

    // 8 days: HR decides next; the manager keeps reading what they decided, but it no longer waits for them.
    expect((await get(manager.token, `/api/tickets/${ticket.id}`)).status).toBe(200);
    const events = await get(manager.token, `/api/tickets/${ticket.id}/events`);
    expect(events.status).toBe(200);
    expect(JSON.stringify(events.body)).toContain('approval');
    expect(await listIds(manager, 'awaiting=approval')).not.toContain(ticket.id);
    expect(await listIds(manager, 'involved=me')).toContain(ticket.id);
    expect(await internalNote()).toBe(false);

    const hr = staff.members.hr!;
    expect(await listIds(hr, 'awaiting=approval')).toContain(ticket.id);
    expect((await command(hr, ticket.id, { command: 'approve' })).status).toBe(200);
  });

  it('a stranger still gets 404 and an empty list', async () => {
    const ticket = await open('hr.leave', sampleOf('hr.leave', 0));
    const stranger = await createUser(app, admin, { username: 'fa-stranger', roles: ['agent'] });
    expect((await get(stranger.token, `/api/tickets/${ticket.id}`)).status).toBe(404);
    expect(
      (await command(stranger, ticket.id, { command: 'approve' }).catch(() => undefined))?.status,
    ).not.toBe(200);
    expect(await listIds(stranger, '')).not.toContain(ticket.id);
    expect(await counts(stranger)).toEqual({ approvals: 0, steps: 0 });
  });

  it('it.permission-change: the manager, then it-security, each decide for themselves', async () => {
    const ticket = await open('it.permission-change', sampleOf('it.permission-change', 2));
    expect((await command(staff.manager, ticket.id, { command: 'approve' })).status).toBe(200);
    const security = staff.members['it-security']!;
    expect(ticket.team).not.toBe('it-security');
    expect(await listIds(security, 'awaiting=approval')).toContain(ticket.id);
    expect((await command(security, ticket.id, { command: 'approve' })).status).toBe(200);
    expect((await get(security.token, `/api/tickets/${ticket.id}`)).status).toBe(200);
  });

  it('admin.seal-use: the manager and the seal committee countersign (all-of)', async () => {
    const ticket = await open('admin.seal-use', sampleOf('admin.seal-use', 0));
    const committee = staff.members['seal-committee']!;
    expect(await listIds(staff.manager, 'awaiting=approval')).toContain(ticket.id);
    expect(await listIds(committee, 'awaiting=approval')).toContain(ticket.id);
    expect((await command(staff.manager, ticket.id, { command: 'approve' })).status).toBe(200);
    expect((await command(committee, ticket.id, { command: 'approve' })).status).toBe(200);
    const after = await get(staff.requester.token, `/api/tickets/${ticket.id}`);
    expect(Object.keys(after.body.approvals as object)).toContain('countersign');
    expect((after.body.approvals as Record<string, { result?: string }>).countersign!.result).toBe(
      'approved',
    );
  });

  it('admin.travel-expense: the manager approves, finance reviews', async () => {
    const ticket = await open('admin.travel-expense', sampleOf('admin.travel-expense', 0));
    expect((await command(staff.manager, ticket.id, { command: 'approve' })).status).toBe(200);
    const finance = staff.members.finance!;
    expect((await command(finance, ticket.id, { command: 'approve' })).status).toBe(200);
  });

  it('it.account-request: the manager approves a ticket of it-desk', async () => {
    const ticket = await open('it.account-request', sampleOf('it.account-request', 0));
    expect(ticket.team).toBe('it-desk');
    expect(
      (await command(staff.manager, ticket.id, { command: 'reject', comment: 'not needed' })).status,
    ).toBe(200);
    const seen = await get(staff.manager.token, `/api/tickets/${ticket.id}`);
    expect(seen.status).toBe(200);
    expect((seen.body.status as { category: string }).category).toBe('cancelled');
  });
});

describe('tickets stored before projections named the flow’s people', () => {
  it('are completed from their state, once', async () => {
    const ticket = await open('hr.leave', sampleOf('hr.leave', 0));
    await app.tickets.tickets.updateOne(
      { _id: ticket.id },
      { $unset: { awaitingApproval: '', awaitingStep: '', involved: '' } },
    );
    await app.tickets.catalog.reload();
    expect(await listIds(staff.manager, 'awaiting=approval')).not.toContain(ticket.id);
    expect(await backfillFlowActors(app)).toBeGreaterThanOrEqual(1);
    expect(await listIds(staff.manager, 'awaiting=approval')).toContain(ticket.id);
    expect((await get(staff.manager.token, `/api/tickets/${ticket.id}`)).status).toBe(200);
    expect(await backfillFlowActors(app)).toBe(0);
  });
});

describe('step workers of other teams', () => {
  it('hr.onboarding: it-desk and admin-office work their parallel tasks of an HR ticket', async () => {
    const ticket = await open('hr.onboarding', sampleOf('hr.onboarding', 0));
    expect(ticket.team).toBe('hr');
    for (const [team, nodeId] of [
      ['it-desk', 'it-accounts'],
      ['admin-office', 'workstation'],
    ] as const) {
      const worker = staff.members[team]!;
      expect(await listIds(worker, 'awaiting=step')).toContain(ticket.id);
      expect((await counts(worker)).steps).toBeGreaterThanOrEqual(1);
      const view = (await get(worker.token, `/api/tickets/${ticket.id}`)).body;
      expect(view.allowedCommands).toContain('complete-step');
      const done = await command(worker, ticket.id, { command: 'complete-step', nodeId, outcome: 'done' });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(await listIds(worker, 'awaiting=step')).not.toContain(ticket.id);
      expect((await get(worker.token, `/api/tickets/${ticket.id}/events`)).status).toBe(200);
    }
  });
});

describe('what people named by a step may read', () => {
  it('fields hidden at their step are not sent, in the ticket nor its events', async () => {
    const leave = packs.flatMap((pack) => pack.ticketTypes).find((type) => type.key === 'hr.leave')!;
    const definition = structuredClone(leave.definition) as Record<string, unknown> & {
      form: { steps?: Record<string, unknown> };
    };
    definition.key = 'test.leave-hidden';
    definition.form.steps = {
      ...definition.form.steps,
      'manager-approval': { hidden: ['contactDuringLeave'] },
    };
    const created = await call(app, {
      method: 'POST',
      url: '/api/ticket-types',
      headers: bearer(admin),
      payload: definition,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const published = await call(app, {
      method: 'POST',
      url: '/api/ticket-types/test.leave-hidden/publish',
      headers: bearer(admin),
      payload: { note: 'hidden at the manager step' },
    });
    expect([200, 201], JSON.stringify(published.body)).toContain(published.status);

    const ticket = await open('test.leave-hidden', sampleOf('hr.leave', 0));
    const byManager = await get(staff.manager.token, `/api/tickets/${ticket.id}`);
    expect(byManager.body.data).not.toHaveProperty('contactDuringLeave');
    expect(byManager.body.data).toHaveProperty('days', 2);
    const events = await get(staff.manager.token, `/api/tickets/${ticket.id}/events`);
    expect(JSON.stringify(events.body)).not.toContain('13800000000');
    // The requester and the HR team see everything.
    const byRequester = await get(staff.requester.token, `/api/tickets/${ticket.id}`);
    expect(byRequester.body.data).toHaveProperty('contactDuringLeave', '13800000000');
    const byHr = await get(staff.members.hr!.token, `/api/tickets/${ticket.id}`);
    expect(byHr.body.data).toHaveProperty('contactDuringLeave', '13800000000');
  });
});

describe('@mentions in internal notes (issue 8 §10)', () => {
  it('mentioned staff outside the team are told, and read the note as assistants', async () => {
    const ticket = await open('hr.leave', sampleOf('hr.leave', 0));
    const hr = staff.members.hr!;
    const outsider = staff.members.finance!;
    expect((await get(outsider.token, `/api/tickets/${ticket.id}`)).status).toBe(404);
    const noted = await command(hr, ticket.id, {
      command: 'comment',
      body: '@finance can you check the balance?',
      visibility: 'internal',
      mentions: [outsider.id],
    });
    expect(noted.status, JSON.stringify(noted.body)).toBe(200);
    const seen = await get(outsider.token, `/api/tickets/${ticket.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body.assistants).toContain(outsider.id);
    const events = await get(outsider.token, `/api/tickets/${ticket.id}/events`);
    expect(JSON.stringify(events.body)).toContain('can you check the balance?');
    const inbox = await get(outsider.token, '/api/notifications');
    expect(JSON.stringify(inbox.body)).toContain(ticket.id);
    const mentionable = await get(hr.token, `/api/tickets/${ticket.id}/mentionable?q=fa-fin`);
    expect(mentionable.status).toBe(200);
    expect((mentionable.body.items as { id: string }[]).map((person) => person.id)).toEqual([outsider.id]);
    const staffOnly = await get(hr.token, `/api/tickets/${ticket.id}/mentionable?q=fa-requester`);
    expect(staffOnly.body.items).toEqual([]);
    const reply = await command(outsider, ticket.id, {
      command: 'comment',
      body: 'balance is fine',
      visibility: 'internal',
    });
    expect(reply.status).toBe(200);
  });

  it('mentioning a requester in an internal note is refused in both languages, and nothing is stored', async () => {
    const ticket = await open('hr.leave', sampleOf('hr.leave', 0));
    const hr = staff.members.hr!;
    const other = await createUser(app, admin, { username: 'fa-other-requester', roles: ['requester'] });
    const before = (await get(hr.token, `/api/tickets/${ticket.id}`)).body.version;
    const refused = await command(hr, ticket.id, {
      command: 'comment',
      body: 'secret',
      visibility: 'internal',
      mentions: [other.id],
    });
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body.field).toBe('body.mentions.0');
    expect(String(refused.body.code ?? refused.body.type)).toContain('mention-not-staff');
    expect((refused.body.text as Record<string, string>)['zh-CN']).toContain('内部备注');
    expect((refused.body.text as Record<string, string>).en).toContain('internal note');
    const unknown = await command(hr, ticket.id, {
      command: 'comment',
      body: 'x',
      visibility: 'internal',
      mentions: ['0123456789abcdef01234567'],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.field).toBe('body.mentions.0');
    expect((await get(hr.token, `/api/tickets/${ticket.id}`)).body.version).toBe(before);
    expect((await get(other.token, `/api/tickets/${ticket.id}`)).status).toBe(404);
  });
});

describe('both ticket catalogs', () => {
  it('answer the same lists and counts for the people the flows name', async () => {
    // The same database read by a process holding every ticket in memory (the embedded store's default).
    const memory = await buildTestApp('flow_access', { ticketCatalog: 'memory' });
    try {
      await memory.ready();
      await memory.tickets.catalog.reload();
      const people = [staff.manager, staff.requester, ...Object.values(staff.members)];
      for (const person of people) {
        for (const query of ['awaiting=approval', 'awaiting=step', 'awaiting=me', 'involved=me', '']) {
          const url = `/api/tickets?limit=200&${query}`;
          const [fromDatabase, fromMemory] = await Promise.all(
            [app, memory].map((server) =>
              call(server, { method: 'GET', url, headers: bearer(person.token) }),
            ),
          );
          const ids = (answer: Awaited<ReturnType<typeof call>> | undefined) =>
            ((answer?.body.items ?? []) as { id: string }[]).map((item) => item.id).sort();
          expect(ids(fromMemory), `${person.username} ${query}`).toEqual(ids(fromDatabase));
        }
        const bothCounts = await Promise.all(
          [app, memory].map(
            async (server) =>
              (
                await call(server, {
                  method: 'GET',
                  url: '/api/tickets/awaiting-counts',
                  headers: bearer(person.token),
                })
              ).body,
          ),
        );
        expect(bothCounts[1], person.username).toEqual(bothCounts[0]);
      }
      expect((await counts(staff.manager)).approvals).toBeGreaterThan(0);
    } finally {
      await memory.close();
    }
  }, 120_000);
});
