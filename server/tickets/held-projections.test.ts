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
import { TICKETS_COLLECTION, type TicketDoc } from './ticket.projection.js';

/**
 * The timer sweep holds a fired ticket's projection when its next step falls due within seconds (memory catalog):
 * a first-response warning and the breach 15 s later cost one projection update, not two. Meanwhile the ticket
 * reads as of its newest commit in the process (catalog, `loadProjected`, a ticket's page), and a process that dies
 * with a projection held leaves commits the reconciler folds forward.
 */
describe('projections held by the timer sweep', () => {
  // Thursday 2026-10-08 10:00 in Shanghai.
  const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));
  const NAME = 'held_projections';
  let app: FastifyInstance;
  let requester: CreatedUser;
  /** Update statements on the tickets collection while `watching`. */
  let updates = 0;
  let watching = false;

  beforeAll(async () => {
    const uri = new URL(testDatabaseUri(NAME));
    uri.searchParams.set('monitorCommands', 'true');
    app = await buildTestApp(NAME, { clock, ticketCatalog: 'memory', mongodbUri: uri.toString() });
    app.db.getClient().on('commandStarted', (event) => {
      const command = event.command as Record<string, unknown>;
      if (watching && event.commandName === 'update' && command.update === TICKETS_COLLECTION)
        updates += (command.updates as unknown[]).length;
    });
    const admin = await login(app, 'admin', ADMIN_PASSWORD);
    requester = await createUser(app, admin, { username: 'held.requester', roles: ['requester'] });
    const agent = await createUser(app, admin, { username: 'held.agent', roles: ['agent'] });
    const lead = await createUser(app, admin, { username: 'held.lead', roles: ['agent'] });
    await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id, skills: { server: 3 } }] });
    await createTeam(app, admin, { key: 'it-desk', supervisor: lead.id, members: [{ userId: agent.id }] });
    const designer = await createUser(app, admin, { username: 'held.designer', roles: ['designer'] });
    // A one-minute first response around the clock: its warning (75 %) and its breach are 15 s apart.
    const definition = itIncidentDefinition();
    await publishType(app, designer.token, {
      ...definition,
      sla: {
        ...(definition.sla as Record<string, unknown>),
        targets: [
          {
            when: true,
            calendar: '24x7',
            firstResponse: { amount: 1, unit: 'minutes' },
            resolution: { amount: 30, unit: 'calendarDays' },
          },
        ],
      },
    });
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
        data: { title, description: '详情见标题', service: 'printer', impact: 'person', urgency: 'low' },
      },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    return String(body.id);
  }
  const stored = (id: string) => app.db.collection<TicketDoc>(TICKETS_COLLECTION).findOne({ _id: id });
  const rebuilt = async (id: string) => (await app.tickets.rebuild(id))!;

  it('writes one projection for a warning and the breach that follows it, and reads as of each meanwhile', async () => {
    const id = await open('打印机卡纸 甲');
    const breachAt = (await stored(id))!.firstResponseDueAt!.getTime();
    updates = 0;
    watching = true;
    try {
      clock.set(breachAt - 15_000);
      expect(await app.ticketJobs.fireDueTimers(clock.now())).toBe(1);
      // The warning is committed; its projection is held: the database still has the open.
      expect((await stored(id))!.version).toBe(1);
      expect(updates).toBe(0);
      expect(app.tickets.heldProjections()).toBe(1);
      // Everywhere this process reads the ticket, it is as of the warning.
      expect(app.tickets.catalog.versionOf(id)).toBe(2);
      const projected = (await app.tickets.loadProjected(id))!;
      expect(projected.version).toBe(2);
      expect(projected.state).toEqual((await rebuilt(id)).state);

      clock.set(breachAt);
      expect(await app.ticketJobs.fireDueTimers(clock.now())).toBe(1);
      // The breach writes the projection once, as a rebuild from the commits has it.
      expect(updates).toBe(1);
      expect(app.tickets.heldProjections()).toBe(0);
      const after = (await stored(id))!;
      const rebuild = await rebuilt(id);
      expect(after.version).toBe(3);
      expect(after.headHash).toBe(rebuild.headHash);
      expect(JSON.parse(after.state) as TicketState).toEqual(rebuild.state);
      expect(after.highlight).toBe('breached');
    } finally {
      watching = false;
    }
  });

  it('a ticket’s page writes a held projection first and shows the newest commit', async () => {
    const id = await open('打印机卡纸 乙');
    const breachAt = (await stored(id))!.firstResponseDueAt!.getTime();
    clock.set(breachAt - 15_000);
    expect(await app.ticketJobs.fireDueTimers(clock.now(), id)).toBe(1);
    expect((await stored(id))!.version).toBe(1);
    const { status, body } = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}`,
      headers: bearer(requester.token),
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.version).toBe(2);
    expect((await stored(id))!.version).toBe(2);
    expect(app.tickets.heldProjections()).toBe(0);
  });

  /** A hold's time is up (its timer, run at once); resolves once what it does is done. */
  const holdEnded = (id: string) =>
    (app.tickets as unknown as { holdEnded(ticketId: string): Promise<void> }).holdEnded(id);

  it('a hold whose time is up is written, unless its next step is due and waits for the sweep — then for at most a minute', async () => {
    const id = await open('打印机卡纸 丁');
    const breachAt = (await stored(id))!.firstResponseDueAt!.getTime();
    const heldAt = breachAt - 15_000;
    updates = 0;
    watching = true;
    try {
      clock.set(heldAt);
      expect(await app.ticketJobs.fireDueTimers(clock.now(), id)).toBe(1);
      expect(app.tickets.heldProjections()).toBe(1);
      // The breach fell due 10 s ago and the sweep, behind, has not reached it: writing now would only add a write.
      clock.set(breachAt + 10_000);
      await holdEnded(id);
      expect(app.tickets.heldProjections()).toBe(1);
      expect(updates).toBe(0);
      expect((await stored(id))!.version).toBe(1);
      // A minute after the warning was held, it is written all the same.
      clock.set(heldAt + 60_000);
      await holdEnded(id);
      expect(app.tickets.heldProjections()).toBe(0);
      expect(updates).toBe(1);
      expect((await stored(id))!.version).toBe(2);
      // The breach is fired from the written projection, once.
      expect(await app.ticketJobs.fireDueTimers(clock.now(), id)).toBe(1);
      expect((await stored(id))!.version).toBe(3);

      // Its next step not due yet: a hold whose time is up is written at once.
      const other = await open('打印机卡纸 戊');
      const otherBreach = (await stored(other))!.firstResponseDueAt!.getTime();
      clock.set(otherBreach - 15_000);
      expect(await app.ticketJobs.fireDueTimers(clock.now(), other)).toBe(1);
      expect(app.tickets.heldProjections()).toBe(1);
      clock.set(otherBreach - 1_000);
      await holdEnded(other);
      expect(app.tickets.heldProjections()).toBe(0);
      expect((await stored(other))!.version).toBe(2);
    } finally {
      watching = false;
    }
  });

  it('a process that dies with a projection held leaves its commits for the reconciler', async () => {
    const id = await open('打印机卡纸 丙');
    const breachAt = (await stored(id))!.firstResponseDueAt!.getTime();
    clock.set(breachAt - 15_000);
    expect(await app.ticketJobs.fireDueTimers(clock.now(), id)).toBe(1);
    expect((await stored(id))!.version).toBe(1);
    // The process dies: what it held is gone with it (its memory), the commit stands.
    (app.tickets as unknown as { held: Map<string, { timer: NodeJS.Timeout }> }).held.forEach(
      (held, key, map) => {
        clearTimeout(held.timer);
        map.delete(key);
      },
    );
    expect(app.tickets.heldProjections()).toBe(0);
    // The process that starts after it (on the same store) reads the projection behind its commit.
    const next = await buildTestApp(NAME, { clock, ticketCatalog: 'memory' });
    try {
      await next.ready();
      expect(next.tickets.catalog.versionOf(id)).toBe(1);
      // Its first reconcile pass (the last day) folds the commit into the projection.
      expect((await next.ticketJobs.reconcile(clock.now())).projections).toBeGreaterThanOrEqual(1);
      const after = (await next.db.collection<TicketDoc>(TICKETS_COLLECTION).findOne({ _id: id }))!;
      const rebuild = (await next.tickets.rebuild(id))!;
      expect(after.version).toBe(2);
      expect(JSON.parse(after.state) as TicketState).toEqual(rebuild.state);
      expect(next.tickets.catalog.versionOf(id)).toBe(2);
      // The breach fires once, from the projection as folded.
      clock.set(breachAt);
      expect(await next.ticketJobs.fireDueTimers(clock.now(), id)).toBe(1);
      expect(await next.ticketJobs.fireDueTimers(clock.now(), id)).toBe(0);
    } finally {
      await next.close();
    }
    const final = (await stored(id))!;
    expect(final.version).toBe(3);
    expect(JSON.parse(final.state) as TicketState).toEqual((await rebuilt(id)).state);
  });
});
