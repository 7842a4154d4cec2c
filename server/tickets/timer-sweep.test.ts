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
  waitFor,
} from '../../test/support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../../test/support/tickets.js';
import { TICKET_TIMER_JOB } from './ticket.jobs.js';
import { TICKETS_COLLECTION, type TicketDoc } from './ticket.projection.js';

/**
 * The worker of a process that owns the embedded store (memory catalog) looks at the catalog's due index each
 * second and sweeps as soon as a timer has fallen due: steps fire about a second after their time, not a sweep
 * interval (15 s) later. The recurring sweep job is cancelled here, so only that check can fire them.
 */
describe('a worker with the memory catalog', () => {
  // Thursday 2026-10-08 10:00 in Shanghai: a working day.
  const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));
  let app: FastifyInstance;
  let requester: CreatedUser;
  const sweeps: number[] = [];

  beforeAll(async () => {
    app = await buildTestApp('timer_sweep_watch', {
      clock,
      ticketCatalog: 'memory',
      runJobs: true,
      role: 'all',
    });
    await app.ready();
    await app.jobs.cancel({ name: TICKET_TIMER_JOB });
    const sweep = app.ticketJobs.fireDueTimers.bind(app.ticketJobs);
    app.ticketJobs.fireDueTimers = async (now, ticketId) => {
      const accepted = await sweep(now, ticketId);
      sweeps.push(accepted);
      return accepted;
    };
    const admin = await login(app, 'admin', ADMIN_PASSWORD);
    requester = await createUser(app, admin, { username: 'sweep.requester', roles: ['requester'] });
    const agent = await createUser(app, admin, { username: 'sweep.agent', roles: ['agent'] });
    const lead = await createUser(app, admin, { username: 'sweep.lead', roles: ['agent'] });
    await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id, skills: { server: 3 } }] });
    await createTeam(app, admin, { key: 'it-desk', supervisor: lead.id, members: [{ userId: agent.id }] });
    const designer = await createUser(app, admin, { username: 'sweep.designer', roles: ['designer'] });
    await publishType(app, designer.token, itIncidentDefinition());
  });
  afterAll(async () => {
    await app?.close();
  });

  async function open(title: string): Promise<string> {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: {
        type: 'it.incident',
        data: { title, description: '详情见标题', service: 'printer', impact: 'company', urgency: 'medium' },
      },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    return String(body.id);
  }

  async function slaSteps(ticketId: string): Promise<string[]> {
    const commits = await app.tickets.events.load(ticketId);
    return commits.flatMap((commit) =>
      (commit.payload.events as { type: string; data: { key?: string } }[])
        .filter((event) => event.type === 'sla.step')
        .map((event) => String(event.data.key)),
    );
  }

  const projection = (id: string) => app.db.collection<TicketDoc>(TICKETS_COLLECTION).findOne({ _id: id });

  it('fires each ticket’s due steps within seconds of their time, in order, each once', async () => {
    const warned = [await open('打印服务中断 A'), await open('打印服务中断 B')];
    const late = await open('打印服务中断 C');
    const first = (await projection(warned[0]!))!;
    const warningAt = (first as { nextTimerAt?: Date | null }).nextTimerAt!.getTime();
    expect(warningAt).toBeGreaterThan(clock.now());
    expect(await slaSteps(warned[0]!)).toEqual([]);

    // The first response warning falls due for all three.
    clock.set(warningAt);
    for (const id of [...warned, late])
      await waitFor(async () => (await slaSteps(id)).length > 0, {
        timeoutMs: 5000,
        what: `the warning of ${id}`,
      });
    for (const id of [...warned, late]) expect(await slaSteps(id)).toEqual(['firstResponse:warning']);

    // Past the breach of the first response: the check sees that timers fell due again; the breach and its
    // escalation steps fire, in order, until nothing is due.
    const breachAt = (await projection(late))!.firstResponseDueAt!.getTime();
    expect(breachAt).toBeGreaterThan(warningAt);
    clock.set(breachAt + 60_000);
    await waitFor(async () => (await app.tickets.catalog.dueTimers(clock.now(), 10)).length === 0, {
      timeoutMs: 5000,
      what: 'every due timer fired',
    });
    const steps = await slaSteps(late);
    expect(steps.slice(0, 2)).toEqual(['firstResponse:warning', 'firstResponse:breach']);
    expect(new Set(steps).size).toBe(steps.length);
    for (const id of warned) expect(await slaSteps(id)).toEqual(steps);

    // Nothing is left due: a sweep now fires nothing, and every step fired was fired once.
    expect(await app.ticketJobs.fireDueTimers(clock.now())).toBe(0);
    for (const id of [...warned, late]) expect(await slaSteps(id)).toEqual(steps);
    let fired = 0;
    for (const id of [...warned, late])
      for (const commit of await app.tickets.events.load(id))
        if ((commit.payload.command as { command?: string }).command === 'timer-fired') fired += 1;
    expect(fired).toBeGreaterThanOrEqual(6);
    expect(sweeps.reduce((sum, accepted) => sum + accepted, 0)).toBe(fired);
  });
});
