import type { FastifyInstance } from 'fastify';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppOptions } from '../app.js';
import { ManualClock } from '../lib/clock.js';
import { JOBS_COLLECTION } from '../plugins/worker.plugin.js';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
  waitFor,
} from '../../test/support/server-app.js';
import { testDatabaseUri } from '../../test/support/database.js';
import { createTeam, itIncidentDefinition, publishType } from '../../test/support/tickets.js';
import { commitId, EVENTS_COLLECTION } from './event-store.js';
import { TICKETS_COLLECTION, type TicketDoc } from './ticket.projection.js';
import { RECONCILE_JOB, TICKET_TIMER_JOB, TIMER_SWEEP_INTERVAL } from './ticket.jobs.js';
import { markRepair, REPAIRS_COLLECTION, WRITERS_COLLECTION } from './ticket-repairs.js';

type Ticket = Record<string, unknown> & { id: string; version: number; assignee: string | null };

const HOUR = 60 * 60 * 1000;

/** An app with the IT incident type, its two teams and a requester, on a catalog of the given kind. */
async function itApp(
  name: string,
  clock: ManualClock,
  ticketCatalog: 'memory' | 'database',
  overrides: Partial<AppOptions> = {},
) {
  const app = await buildTestApp(name, { clock, ticketCatalog, ...overrides });
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  const requester = await createUser(app, admin, { username: 'zhao.min', roles: ['requester'] });
  const agent = await createUser(app, admin, { username: 'desk.one', roles: ['agent'] });
  const lead = await createUser(app, admin, { username: 'desk.lead', roles: ['agent'] });
  const ops = await createUser(app, admin, { username: 'ops.one', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: ops.id, skills: { server: 3 } }] });
  await createTeam(app, admin, {
    key: 'it-desk',
    supervisor: lead.id,
    backupTeam: 'it-ops',
    members: [{ userId: agent.id }],
  });
  const designer = await createUser(app, admin, { username: 'designer.qian', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
  return { app, admin, requester, agent };
}

async function open(app: FastifyInstance, user: CreatedUser, data: Record<string, unknown>): Promise<Ticket> {
  const { status, body } = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(user.token),
    payload: { type: 'it.incident', data: { description: '详情见标题', ...data } },
  });
  expect(status, JSON.stringify(body)).toBe(201);
  return body as Ticket;
}

async function comment(
  app: FastifyInstance,
  user: CreatedUser,
  ticket: Ticket,
  body: string,
): Promise<Ticket> {
  const answer = await call(app, {
    method: 'POST',
    url: `/api/tickets/${ticket.id}/commands`,
    headers: bearer(user.token),
    payload: { version: ticket.version, command: 'comment', body, visibility: 'public' },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as Ticket;
}

const printerDown = { title: '全公司打印服务中断', service: 'printer', impact: 'company', urgency: 'medium' };
const mailDown = { title: '邮箱无法登录', service: 'email', impact: 'person', urgency: 'low' };

async function slaSteps(app: FastifyInstance, ticketId: string): Promise<string[]> {
  const commits = await app.tickets.events.load(ticketId);
  return commits.flatMap((commit) =>
    (commit.payload.events as { type: string; data: { key?: string } }[])
      .filter((event) => event.type === 'sla.step')
      .map((event) => String(event.data.key)),
  );
}

const projection = (app: FastifyInstance, id: string) =>
  app.db.collection<TicketDoc>(TICKETS_COLLECTION).findOne({ _id: id });

/** Put back an older projection of a ticket, as if the process had died before writing the newer one. */
async function rollBack(app: FastifyInstance, older: TicketDoc): Promise<void> {
  await app.db.collection<TicketDoc>(TICKETS_COLLECTION).replaceOne({ _id: older._id }, older);
}

for (const catalog of ['memory', 'database'] as const) {
  describe(`ticket jobs with the ${catalog} catalog`, () => {
    // Thursday 2026-10-08 10:00 in Shanghai: a working day right after the National Day holiday.
    const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));
    let app: FastifyInstance;
    let requester: CreatedUser;
    let agent: CreatedUser;

    beforeAll(async () => {
      ({ app, requester, agent } = await itApp(`ticket_jobs_${catalog}`, clock, catalog));
      expect(app.tickets.catalog.kind).toBe(catalog);
    });
    afterAll(async () => {
      await app.close();
    });

    // First: it runs the reconcile job, whose first run in a process is the full pass.
    it('the reconcile job passes over the last day first, then only over unfinished tickets', async () => {
      const job = app.jobs.definitions[RECONCILE_JOB]!;
      const runJob = () => job.fn(undefined as never, () => undefined);

      const first = await open(app, requester, mailDown);
      const firstV1 = (await projection(app, first.id))!;
      await comment(app, agent, first, '我来看看');
      await rollBack(app, firstV1);
      clock.advance(HOUR);
      await runJob();
      expect((await projection(app, first.id))!.version).toBe(2);

      const second = await open(app, requester, mailDown);
      const secondV1 = (await projection(app, second.id))!;
      await comment(app, agent, second, '我来看看');
      await rollBack(app, secondV1);
      // Each pass of a minute is claimed by one worker (database catalog): the next pass is in the next minute.
      clock.advance(60_000);
      await runJob();
      // Nothing was marked as failed: the pass does not look at the ticket.
      expect((await projection(app, second.id))!.version).toBe(1);

      app.tickets.markUnfinished(second.id);
      clock.advance(60_000);
      await runJob();
      expect((await projection(app, second.id))!.version).toBe(2);
    });

    it('opening tickets writes no scheduler job', async () => {
      const jobs = app.db.collection(JOBS_COLLECTION);
      const before = await jobs.countDocuments({});
      for (let i = 0; i < 3; i++) await open(app, requester, printerDown);
      expect(await jobs.countDocuments({})).toBe(before);
      expect(await jobs.countDocuments({ name: TICKET_TIMER_JOB })).toBe(0);
    });

    it('fireDueTimers fires an SLA warning when it is due, and only once', async () => {
      const ticket = await open(app, requester, printerDown);
      expect(ticket.priority).toBe('high');
      const loaded = (await app.tickets.load(ticket.id))!;
      const timers = (await app.tickets.timers(loaded.state)).sort((a, b) => a.at - b.at);
      const first = timers[0]!;
      expect(first.at).toBeGreaterThan(clock.now());
      expect(await slaSteps(app, ticket.id)).toEqual([]);

      clock.set(first.at - 1);
      expect(await app.tickets.catalog.dueTimers(clock.now(), 500)).not.toContain(ticket.id);
      await app.ticketJobs.fireDueTimers(clock.now());
      expect(await slaSteps(app, ticket.id)).toEqual([]);

      clock.set(first.at);
      expect(await app.tickets.catalog.dueTimers(clock.now(), 500)).toContain(ticket.id);
      expect(await app.ticketJobs.fireDueTimers(clock.now())).toBeGreaterThanOrEqual(1);
      const steps = await slaSteps(app, ticket.id);
      expect(steps).toEqual(['firstResponse:warning']);
      // The projection's next timer moved on: the sweep no longer finds this ticket until the next one is due.
      expect(await app.tickets.catalog.dueTimers(clock.now(), 500)).not.toContain(ticket.id);
      await app.ticketJobs.fireDueTimers(clock.now());
      expect(await slaSteps(app, ticket.id)).toEqual(steps);
      const next = (await app.tickets.timers((await app.tickets.load(ticket.id))!.state))[0];
      expect(next?.at).toBeGreaterThan(clock.now());
    });

    it('reconcileUnfinished delivers a notice whose effect failed, once', async () => {
      await app.ticketJobs.reconcileUnfinished(clock.now());
      let failures = 1;
      app.effects.on('notify', async (effect, commit, state) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('the notice store is down');
        }
        await app.notifications.handleEffect(effect, commit, state, app.clock.now());
      });
      const notices = (ticket: Ticket) =>
        app.db.collection('notifications').countDocuments({ ticketId: ticket.id, userId: ticket.assignee });

      const ticket = await open(app, requester, mailDown);
      expect(ticket.assignee).toBe(agent.id);
      expect(failures).toBe(0);
      expect(await notices(ticket)).toBe(0);

      const again = await app.ticketJobs.reconcileUnfinished(clock.now());
      expect(again.effects).toBeGreaterThan(0);
      expect(await notices(ticket)).toBe(1);

      expect(await app.ticketJobs.reconcileUnfinished(clock.now())).toEqual({ projections: 0, effects: 0 });
      expect(await notices(ticket)).toBe(1);
      // A full pass runs the effects again too; they are idempotent by their keys.
      await app.ticketJobs.reconcile(clock.now(), HOUR);
      expect(await notices(ticket)).toBe(1);
    });

    it('reconcile folds a lagging projection forward and counts it', async () => {
      let ticket = await open(app, requester, mailDown);
      const v1 = (await projection(app, ticket.id))!;
      ticket = await comment(app, agent, ticket, '第一条');
      ticket = await comment(app, agent, ticket, '第二条');
      await rollBack(app, v1);
      expect((await projection(app, ticket.id))!.version).toBe(1);

      const result = await app.ticketJobs.reconcile(clock.now(), HOUR);
      expect(result.projections).toBe(1);
      const folded = (await projection(app, ticket.id))!;
      expect(folded.version).toBe(3);
      expect(folded.headHash).toBe((await app.tickets.events.load(ticket.id)).at(-1)!.hash);
      expect(await app.ticketJobs.reconcile(clock.now(), HOUR)).toMatchObject({ projections: 0 });

      // A projection that is missing altogether is written again.
      await app.db.collection<TicketDoc>(TICKETS_COLLECTION).deleteOne({ _id: ticket.id });
      expect((await app.ticketJobs.reconcile(clock.now(), HOUR)).projections).toBe(1);
      expect((await projection(app, ticket.id))!.version).toBe(3);
    });

    it('reconcileUnfinished folds the projection of a marked ticket forward and counts it', async () => {
      let ticket = await open(app, requester, mailDown);
      const v1 = (await projection(app, ticket.id))!;
      ticket = await comment(app, agent, ticket, '补充说明');
      await rollBack(app, v1);
      app.tickets.markUnfinished(ticket.id);
      const result = await app.ticketJobs.reconcileUnfinished(clock.now());
      expect((await projection(app, ticket.id))!.version).toBe(2);
      expect(result.projections).toBe(1);
    });

    it('a commit whose projection step fails is marked, and reconcileUnfinished runs its effects', async () => {
      await app.ticketJobs.reconcileUnfinished(clock.now());
      const openedTickets = async () =>
        new Set(
          (await app.db.collection(EVENTS_COLLECTION).find({ seq: 1 }).toArray()).map((c) =>
            String(c.ticketId),
          ),
        );
      const openedBefore = await openedTickets();
      const catalog = app.tickets.catalog;
      const note = catalog.note.bind(catalog);
      let failures = 1;
      catalog.note = (doc) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('the projection could not be written');
        }
        note(doc);
      };
      try {
        const failed = await call(app, {
          method: 'POST',
          url: '/api/tickets',
          headers: bearer(requester.token),
          payload: { type: 'it.incident', data: { description: '详情见标题', ...mailDown } },
        });
        expect(failed.status).toBe(500);
      } finally {
        catalog.note = note;
      }
      // The commit stands; its effects (the assignee's notice) waited for the reconciler.
      const opened = await openedTickets();
      const [ticketId] = [...opened].filter((id) => !openedBefore.has(id));
      expect(ticketId).toBeDefined();
      const assignee = (await projection(app, ticketId!))!.assignee;
      expect(assignee).toBe(agent.id);
      const notices = () => app.db.collection('notifications').countDocuments({ ticketId, userId: assignee });
      expect(await notices()).toBe(0);
      expect((await app.ticketJobs.reconcileUnfinished(clock.now())).effects).toBeGreaterThan(0);
      expect(await notices()).toBe(1);
      expect(await app.ticketJobs.reconcileUnfinished(clock.now())).toEqual({ projections: 0, effects: 0 });
    });

    // Last: it leaves a ticket that cannot be loaded for a while, which would stop a full pass.
    it('reconcileUnfinished keeps the tickets it could not finish for its next call', async () => {
      // A ticket whose newest commit cannot be folded (as if the store failed while loading it).
      const broken = await open(app, requester, mailDown);
      const head = (await app.tickets.events.load(broken.id)).at(-1)!;
      await app.tickets.events.append({
        ticketId: broken.id,
        seq: head.seq + 1,
        prevHash: head.hash,
        at: new Date(clock.now()),
        actorId: 'system',
        command: 'comment',
        payload: {
          actor: { id: 'system', kind: 'system' },
          command: {},
          events: [],
          effects: [],
          patch: [{ op: 'test', path: '/version', value: -1 }],
        },
      });
      let lagging = await open(app, requester, mailDown);
      const v1 = (await projection(app, lagging.id))!;
      lagging = await comment(app, agent, lagging, '补充说明');
      await rollBack(app, v1);
      app.tickets.markUnfinished(broken.id);
      app.tickets.markUnfinished(lagging.id);

      await expect(app.ticketJobs.reconcileUnfinished(clock.now())).rejects.toThrow();
      // The store is back (the unreadable commit is gone): the next call finishes both tickets.
      await app.db
        .collection(EVENTS_COLLECTION)
        .deleteOne({ _id: commitId(broken.id, head.seq + 1) as never });
      await app.ticketJobs.reconcileUnfinished(clock.now());
      expect((await projection(app, lagging.id))!.version).toBe(2);
      expect(await app.ticketJobs.reconcileUnfinished(clock.now())).toEqual({ projections: 0, effects: 0 });
    });

    it('a pass with nothing marked and no process dead reads no ticket and no commit', async () => {
      await app.ticketJobs.reconcileUnfinished(clock.now());
      const read: string[] = [];
      const collection = app.db.collection.bind(app.db);
      const load = app.tickets.load.bind(app.tickets);
      app.db.collection = (name: string, ...rest: never[]) => {
        if (name === TICKETS_COLLECTION || name === EVENTS_COLLECTION) read.push(name);
        return collection(name, ...rest);
      };
      app.tickets.load = (...args: Parameters<typeof load>) => {
        read.push('load');
        return load(...args);
      };
      try {
        clock.advance(60_000);
        await app.jobs.definitions[RECONCILE_JOB]!.fn(undefined as never, () => undefined);
        expect(await app.ticketJobs.reconcileUnfinished(clock.now())).toEqual({ projections: 0, effects: 0 });
      } finally {
        app.db.collection = collection;
        app.tickets.load = load;
      }
      expect(read).toEqual([]);
    });

    it('finds a mark another process stored, finishes the ticket and clears the mark', async () => {
      let ticket = await open(app, requester, mailDown);
      const v1 = (await projection(app, ticket.id))!;
      ticket = await comment(app, agent, ticket, '另一台服务器上的失败');
      await rollBack(app, v1);
      // As another process does when its projection write fails.
      await markRepair(app.db, ticket.id);
      expect(app.tickets.takeUnfinished()).toEqual([]);
      const result = await app.ticketJobs.reconcileUnfinished(clock.now());
      expect(result.projections).toBe(1);
      expect((await projection(app, ticket.id))!.version).toBe(2);
      expect(await app.db.collection(REPAIRS_COLLECTION).countDocuments({ _id: ticket.id as never })).toBe(0);
    });

    it('reconciles the commits around the last beat of a process that died, once', async () => {
      let ticket = await open(app, requester, mailDown);
      const v1 = (await projection(app, ticket.id))!;
      ticket = await comment(app, agent, ticket, '进程在写投影前退出');
      await rollBack(app, v1);
      // A process that beat last when it made the commit, and never again.
      const beatAt = new Date(clock.now());
      await app.db.collection(WRITERS_COLLECTION).insertOne({
        _id: 'gone:1' as never,
        host: 'gone',
        pid: 1,
        role: 'api',
        startedAt: new Date(clock.now() - HOUR),
        beatAt,
      });
      // Not dead yet: its next beat is not late.
      expect((await app.ticketJobs.reconcileUnfinished(clock.now())).projections).toBe(0);
      clock.advance(5 * 60_000);
      expect((await app.ticketJobs.reconcileUnfinished(clock.now())).projections).toBe(1);
      expect((await projection(app, ticket.id))!.version).toBe(2);
      expect(await app.db.collection(WRITERS_COLLECTION).countDocuments({ _id: 'gone:1' as never })).toBe(0);
      expect(await app.ticketJobs.reconcileUnfinished(clock.now())).toEqual({ projections: 0, effects: 0 });
    });
  });
}

describe('a process that runs jobs', () => {
  it('keeps one recurring timer sweep, however many tickets are opened', async () => {
    const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));
    const { app, requester } = await itApp('ticket_jobs_worker', clock, 'memory', {
      runJobs: true,
      role: 'all',
    });
    try {
      await app.ready();
      const jobs = app.db.collection(JOBS_COLLECTION);
      const sweeps = () => jobs.find({ name: TICKET_TIMER_JOB }).toArray();
      expect(await sweeps()).toMatchObject([{ repeatInterval: TIMER_SWEEP_INTERVAL }]);
      const before = await jobs.countDocuments({});
      for (let i = 0; i < 3; i++) await open(app, requester, printerDown);
      expect(await sweeps()).toHaveLength(1);
      expect(await jobs.countDocuments({})).toBe(before);
    } finally {
      await app.close();
    }
  });
});

describe('stopping during a reconcile pass', () => {
  it('ends the pass between two tickets, hands the rest back and closes without a database error', async () => {
    const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));
    const app = await buildTestApp('ticket_jobs_stopping', { clock, ticketCatalog: 'database' });
    const other = await mongoose.createConnection(testDatabaseUri('ticket_jobs_stopping')).asPromise();
    try {
      const repairs = other.collection(REPAIRS_COLLECTION);
      // Marks of tickets that are gone: each costs the pass a few lookups.
      await repairs.insertMany(
        Array.from({ length: 400 }, (_, i) => ({ _id: `gone-${i}` as never, markedAt: new Date() })),
      );
      const pass = app.ticketJobs.reconcileUnfinished(clock.now());
      await waitFor(async () => (await repairs.countDocuments({})) < 400, {
        intervalMs: 5,
        what: 'the pass to finish a ticket',
      });
      await app.close();
      await expect(pass).resolves.toBeDefined();
      const left = await repairs.countDocuments({});
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThan(400);
    } finally {
      await other.dropDatabase();
      await other.close();
    }
  });
});
