import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../lib/problem.js';
import { recordAnchor } from './anchors.js';
import type { CommitPayloadWithPatch, TicketActor } from './ticket.service.js';
import { TICKETS_COLLECTION, type TicketDoc } from './ticket.projection.js';

export const TICKET_TIMER_JOB = 'ticket-timers';
/** How often the worker fires due timers: SLA warnings, breaches and escalations are at most this late. */
export const TIMER_SWEEP_INTERVAL = '15 seconds';
export const RECONCILE_JOB = 'ticket-reconcile';
export const ANCHOR_JOB = 'audit-anchor';

/** The worker acting on its own: timers, escalations, reconciliation. */
export const SYSTEM_ACTOR: TicketActor = { id: 'system', roles: [], teams: [], kind: 'system', name: 'Ordo' };

declare module 'fastify' {
  interface FastifyInstance {
    ticketJobs: TicketJobs;
  }
}

export interface TicketJobs {
  /** Fire every timer that is due at `now` (one ticket, or all); returns how many commands were accepted. */
  fireDueTimers(now: number, ticketId?: string): Promise<number>;
  /** Re-run the effects of recent commits and fold lagging projections forward (after a crash). */
  reconcile(now: number, sinceMs?: number): Promise<{ projections: number; effects: number }>;
  /** The same for the tickets whose projection or effects failed in this process since the last call. */
  reconcileUnfinished(now: number, sinceMs?: number): Promise<{ projections: number; effects: number }>;
}

/**
 * Timers are derived from stored state, never kept in the scheduler: the projection carries the ticket's next
 * timer instant (`nextTimerAt`), and one recurring job (`TIMER_SWEEP_INTERVAL`) fires every timer that is due, asking
 * the ticket catalog which tickets have one (an index walk on MongoDB, memory on the embedded store). No job is
 * written per ticket or per commit, so a commit costs no scheduler write, and nothing can be lost with a job. A
 * fired timer is a `timer-fired` command; a repeated one is refused by the engine (the token no longer waits for
 * it) and ignored, so a sweep that runs twice, or in two workers at once, changes nothing.
 */
export function registerTicketJobs(app: FastifyInstance): void {
  const tickets = () => app.db.collection<TicketDoc>(TICKETS_COLLECTION);

  const jobs: TicketJobs = {
    async fireDueTimers(now, ticketId) {
      let accepted = 0;
      // One ticket: its own timers decide below whether anything is due.
      const due = ticketId ? [ticketId] : await app.tickets.catalog.dueTimers(now, 500);
      for (const _id of due) {
        // Several timers may be due at once (warning and breach after a long outage): fire them in time order.
        for (let round = 0; round < 20; round++) {
          const loaded = await app.tickets.load(_id);
          if (!loaded) break;
          const next = (await app.tickets.timers(loaded.state))
            .filter((timer) => timer.at <= now)
            .sort((a, b) => a.at - b.at)[0];
          if (!next) break;
          try {
            await app.tickets.execute(_id, { command: 'timer-fired', key: next.key }, SYSTEM_ACTOR);
            accepted += 1;
          } catch (error) {
            if (error instanceof HttpProblem && error.status === 422) {
              app.log.warn({ ticketId: _id, key: next.key, err: error }, 'timer refused by the engine');
              break;
            }
            throw error;
          }
        }
      }
      return accepted;
    },

    async reconcile(now, sinceMs = 24 * 60 * 60 * 1000) {
      const since = new Date(now - sinceMs);
      const commits = await app.db
        .collection('ticket_events')
        .find({ at: { $gte: since } }, { projection: { ticketId: 1 } })
        .toArray();
      return reconcileTickets(new Set(commits.map((commit) => String(commit.ticketId))), since);
    },

    async reconcileUnfinished(now, sinceMs = 24 * 60 * 60 * 1000) {
      const since = new Date(now - sinceMs);
      const total = { projections: 0, effects: 0 };
      let failure: Error | undefined;
      // Taken marks are the only record of what failed: a ticket not finished now is marked again for the next
      // call, and does not keep the others from theirs.
      for (const ticketId of app.tickets.takeUnfinished()) {
        try {
          const done = await reconcileTickets([ticketId], since);
          total.projections += done.projections;
          total.effects += done.effects;
        } catch (error) {
          app.tickets.markUnfinished(ticketId);
          failure ??= error instanceof Error ? error : new Error(String(error));
        }
      }
      if (failure) throw failure;
      return total;
    },
  };

  async function reconcileTickets(
    ticketIds: Iterable<string>,
    since: Date,
  ): Promise<{ projections: number; effects: number }> {
    let projections = 0;
    let effects = 0;
    for (const ticketId of ticketIds) {
      const doc = await tickets().findOne({ _id: ticketId }, { projection: { version: 1 } });
      // Loading folds any commits the projection missed back into it.
      const loaded = await app.tickets.load(ticketId);
      if (!loaded) continue;
      // Counted against the head as loaded: an unfinished ticket comes without its head's number.
      if (!doc || doc.version < loaded.version) projections += 1;
      const recent = await app.tickets.events.load<CommitPayloadWithPatch>(ticketId, 0);
      for (const commit of recent.filter((c) => c.at >= since)) {
        if (commit.payload.effects.length === 0) continue;
        await app.effects.dispatch(commit.payload.effects, commit, loaded.state);
        effects += commit.payload.effects.length;
      }
    }
    return { projections, effects };
  }
  app.decorate('ticketJobs', jobs);

  app.jobs.define(TICKET_TIMER_JOB, async () => {
    await jobs.fireDueTimers(app.clock.now());
  });
  // Every commit's effects are idempotent, so the reconciler may run them again; it just should not do so needlessly.
  // A process that owns the store alone (memory catalog) knows what failed in it: after one pass over the last day
  // when it starts (it may have died mid-commit), it reconciles only those tickets. Otherwise (several processes,
  // MongoDB's index on `at`) every pass looks at the last 15 minutes, since another process may have died.
  let startedPass = false;
  app.jobs.define(RECONCILE_JOB, async () => {
    const now = app.clock.now();
    await jobs.fireDueTimers(now);
    if (app.tickets.catalog.kind === 'memory' && startedPass) await jobs.reconcileUnfinished(now);
    else {
      await jobs.reconcile(now, startedPass ? 15 * 60 * 1000 : 24 * 60 * 60 * 1000);
      startedPass = true;
    }
  });
  app.jobs.define(ANCHOR_JOB, async () => {
    await recordAnchor(app.db, new Date(app.clock.now()), app.log);
  });

  if (app.ordo.runJobs ?? (app.ordo.role === 'all' || app.ordo.role === 'worker')) {
    app.addHook('onReady', async () => {
      await app.jobs.every(TIMER_SWEEP_INTERVAL, TICKET_TIMER_JOB, undefined, { skipImmediate: false });
      await app.jobs.every('1 minute', RECONCILE_JOB, undefined, { skipImmediate: false });
      await app.jobs.every('0 3 * * *', ANCHOR_JOB, undefined, {
        timezone: 'Asia/Shanghai',
        skipImmediate: true,
      });
    });
  }
}
