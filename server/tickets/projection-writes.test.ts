import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketState } from '../../runtime/engine/types.js';
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
import { testDatabaseUri } from '../../test/support/database.js';
import { createTeam, itIncidentDefinition, publishType } from '../../test/support/tickets.js';
import type { Commit } from './event-store.js';
import { SYSTEM_ACTOR } from './ticket.jobs.js';
import { TICKETS_COLLECTION, type TicketDoc } from './ticket.projection.js';

/**
 * How projections are written: updates of concurrent commits gathered (server/lib/group-update.ts), without reading
 * the stored version first where this process is the store's only writer (memory catalog), with that read kept
 * where several processes write (database catalog); and the timer sweep deciding each step on the ticket it
 * loaded instead of loading it again for every command.
 */
const printerDown = {
  title: '全公司打印服务中断',
  description: '详情见标题',
  service: 'printer',
  impact: 'company',
  urgency: 'medium',
};

/** The SLA steps a ticket's commits took, in order. */
const slaSteps = (commits: Commit[]): string[] =>
  commits.flatMap((commit) =>
    (commit.payload.events as { type: string; data: { key?: string } }[])
      .filter((event) => event.type === 'sla.step')
      .map((event) => String(event.data.key)),
  );

for (const catalog of ['memory', 'database'] as const) {
  describe(`projection writes with the ${catalog} catalog`, () => {
    // Thursday 2026-10-08 10:00 in Shanghai: a working day.
    const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));
    let app: FastifyInstance;
    let requester: CreatedUser;
    let agent: CreatedUser;
    /** Commands sent on the tickets collection while `watching`: reads of the version alone, update statements. */
    const seen = { versionReads: 0, updateStatements: 0 };
    let watching = false;

    beforeAll(async () => {
      const uri = new URL(testDatabaseUri(`projection_writes_${catalog}`));
      uri.searchParams.set('monitorCommands', 'true');
      app = await buildTestApp(`projection_writes_${catalog}`, {
        clock,
        ticketCatalog: catalog,
        mongodbUri: uri.toString(),
      });
      app.db.getClient().on('commandStarted', (event) => {
        if (!watching) return;
        const command = event.command as Record<string, unknown>;
        if (event.commandName === 'find' && command.find === TICKETS_COLLECTION) {
          const projection = command.projection as Record<string, unknown> | undefined;
          if (projection && Object.keys(projection).join() === 'version') seen.versionReads += 1;
        }
        if (event.commandName === 'update' && command.update === TICKETS_COLLECTION)
          seen.updateStatements += (command.updates as unknown[]).length;
      });
      const admin = await login(app, 'admin', ADMIN_PASSWORD);
      requester = await createUser(app, admin, { username: 'pw.requester', roles: ['requester'] });
      agent = await createUser(app, admin, { username: 'pw.agent', roles: ['agent'] });
      const lead = await createUser(app, admin, { username: 'pw.lead', roles: ['agent'] });
      await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id, skills: { server: 3 } }] });
      await createTeam(app, admin, {
        key: 'it-desk',
        supervisor: lead.id,
        backupTeam: 'it-ops',
        members: [{ userId: agent.id }],
      });
      const designer = await createUser(app, admin, { username: 'pw.designer', roles: ['designer'] });
      await publishType(app, designer.token, itIncidentDefinition());
    });
    afterAll(async () => {
      await app?.close();
    });

    async function open(title = printerDown.title): Promise<string> {
      const { status, body } = await call(app, {
        method: 'POST',
        url: '/api/tickets',
        headers: bearer(requester.token),
        payload: { type: 'it.incident', data: { ...printerDown, title } },
      });
      expect(status, JSON.stringify(body)).toBe(201);
      return String(body.id);
    }

    const comment = (id: string, body: string, visibility: 'public' | 'internal' = 'public') =>
      app.tickets.run(
        id,
        { command: 'comment', body, visibility },
        { id: agent.id, roles: ['agent'], teams: ['it-desk'], kind: 'user' },
      );
    const stored = (id: string) => app.db.collection<TicketDoc>(TICKETS_COLLECTION).findOne({ _id: id });

    it('writes the projections of concurrent commits, reading the stored version only with several writers', async () => {
      const ids = await Promise.all(Array.from({ length: 6 }, (_, n) => open(`打印服务中断 ${n}`)));
      Object.assign(seen, { versionReads: 0, updateStatements: 0 });
      watching = true;
      try {
        await Promise.all(ids.map((id) => comment(id, '已在处理')));
      } finally {
        watching = false;
      }
      for (const id of ids) expect((await stored(id))!.version).toBe(2);
      // One update statement a commit; the version read before it only where other processes may write.
      expect(seen.updateStatements).toBe(6);
      expect(seen.versionReads).toBe(catalog === 'memory' ? 0 : 6);
    });

    it('never puts an older projection over a newer one', async () => {
      const id = await open();
      const first = (await stored(id))!;
      await comment(id, '第一条');
      await app.tickets.project(JSON.parse(first.state) as TicketState, first.headHash);
      const after = (await stored(id))!;
      expect(after.version).toBe(2);
      expect(after.headHash).toBe((await app.tickets.events.load(id)).at(-1)!.hash);
      if (catalog === 'memory') expect(app.tickets.catalog.versionOf(id)).toBe(2);
    });

    it('a projection update refused among others marks only its own ticket unfinished', async () => {
      const [refused, ...others] = await Promise.all(
        Array.from({ length: 4 }, (_, n) => open(`打印服务中断 拒绝 ${n}`)),
      );
      const holder = await open('打印服务中断 占用');
      const tickets = app.db.collection<TicketDoc>(TICKETS_COLLECTION);
      // Another projection takes the refused ticket's number under a unique index, behind the service's back:
      // the refused ticket's next projection update meets it, the others' do not.
      const number = (await stored(refused!))!.number;
      await tickets.updateOne({ _id: refused! }, { $set: { number: `${number}-moved` } });
      await tickets.updateOne({ _id: holder }, { $set: { number } });
      await tickets.createIndex({ number: 1, typeKey: 1 }, { unique: true, name: 'test_unique_number' });
      app.tickets.takeUnfinished();
      try {
        const outcomes = await Promise.allSettled([refused!, ...others].map((id) => comment(id, '已在处理')));
        expect(outcomes.map((outcome) => outcome.status)).toEqual([
          'rejected',
          'fulfilled',
          'fulfilled',
          'fulfilled',
        ]);
        expect(app.tickets.takeUnfinished()).toEqual([refused]);
        for (const id of others) expect((await stored(id))!.version).toBe(2);
        // The commit stands: it is the change, the projection is behind it.
        expect((await app.tickets.events.load(refused!)).length).toBe(2);
        expect((await stored(refused!))!.version).toBe(1);
      } finally {
        await tickets.dropIndex('test_unique_number');
        await tickets.updateOne({ _id: holder }, { $set: { number: `${number}-holder` } });
      }
      // Once the cause is gone, the reconciler writes the projection.
      app.tickets.markUnfinished(refused!);
      expect((await app.ticketJobs.reconcileUnfinished(clock.now())).projections).toBe(1);
      expect((await stored(refused!))!.version).toBe(2);
    });

    it('a sweep reads each due ticket once and fires its steps in order on what it read', async () => {
      const ids = await Promise.all([open('打印服务中断 甲'), open('打印服务中断 乙')]);
      const breachAt = (await stored(ids[1]))!.firstResponseDueAt!.getTime();
      const reads: string[] = [];
      const fullLoads: string[] = [];
      const service = app.tickets;
      const load = service.load.bind(service);
      const loadProjected = service.loadProjected.bind(service);
      service.loadProjected = (ticketId) => {
        reads.push(ticketId);
        return loadProjected(ticketId);
      };
      service.load = (ticketId) => {
        fullLoads.push(ticketId);
        return load(ticketId);
      };
      clock.set(breachAt + 60_000);
      let accepted: number;
      try {
        accepted = await app.ticketJobs.fireDueTimers(clock.now());
      } finally {
        service.load = load;
        service.loadProjected = loadProjected;
      }
      for (const id of ids) {
        const commits = await app.tickets.events.load(id);
        const fired = commits.filter((commit) => commit.command === 'timer-fired');
        // The warning and the breach (one command takes every step due), by the system.
        expect(fired.length).toBeGreaterThanOrEqual(1);
        expect(fired.every((commit) => commit.actorId === SYSTEM_ACTOR.id)).toBe(true);
        expect(slaSteps(commits).slice(0, 2)).toEqual(['firstResponse:warning', 'firstResponse:breach']);
        expect(reads.filter((read) => read === id)).toHaveLength(1);
        expect(fullLoads).not.toContain(id);
        expect((await stored(id))!.version).toBe(commits.length);
      }
      expect(accepted).toBeGreaterThanOrEqual(2);
      expect(await app.ticketJobs.fireDueTimers(clock.now())).toBe(0);
    });

    it('a sweep on a projection behind its commits fires on the newest state, once', async () => {
      const id = await open('打印服务中断 丙');
      const first = (await stored(id))!;
      // An internal note: the first-response clock keeps running.
      await comment(id, '补充说明', 'internal');
      // As if the process had died before writing the newer projection.
      await app.db.collection<TicketDoc>(TICKETS_COLLECTION).replaceOne({ _id: id }, first);
      clock.set(first.firstResponseDueAt!.getTime() + 60_000);
      expect(await app.ticketJobs.fireDueTimers(clock.now(), id)).toBeGreaterThanOrEqual(1);
      const commits = await app.tickets.events.load(id);
      // The comment stands before the fired steps; each step once; the projection caught up with every commit.
      expect(commits[1]!.command).toBe('comment');
      const steps = slaSteps(commits);
      expect(steps.slice(0, 2)).toEqual(['firstResponse:warning', 'firstResponse:breach']);
      expect(new Set(steps).size).toBe(steps.length);
      const after = (await stored(id))!;
      expect(after.version).toBe(commits.length);
      expect(after.headHash).toBe(commits.at(-1)!.hash);
      expect(await app.ticketJobs.fireDueTimers(clock.now(), id)).toBe(0);
    });
  });
}
