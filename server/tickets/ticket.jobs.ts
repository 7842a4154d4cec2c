import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../lib/problem.js';
import { ANCHOR_INTERVAL, recordAnchor } from './anchors.js';
import {
  loadedAfter,
  type CommitPayloadWithPatch,
  type LoadedTicket,
  type TicketActor,
} from './ticket.service.js';
import { sameListing, TICKETS_COLLECTION, type TicketDoc } from './ticket.projection.js';
import {
  beatWriter,
  claimRun,
  clearRepair,
  deadWriters,
  forgetOldRuns,
  forgetWriter,
  leaveWriters,
  listRepairs,
  WRITER_BEAT_MS,
} from './ticket-repairs.js';

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
  /**
   * The same for the tickets marked unfinished (their projection or effects failed, in any process: marks kept in
   * the database) and for the commits made around the last beat of a process that died. With nothing marked and
   * no process dead it reads no ticket and no commit.
   */
  reconcileUnfinished(now: number, sinceMs?: number): Promise<{ projections: number; effects: number }>;
}

/** Due tickets asked of the catalog at a time, and how many of them a sweep works on at once. */
const SWEEP_BATCH = 500;
const SWEEP_LANES = 32;

/**
 * A fired ticket whose next timer falls due within HOLD_AHEAD_MS keeps its projection held for that step, and writes
 * it at the latest HOLD_SLACK_MS after the step fell due (memory catalog, see `fireTicket`).
 */
export const HOLD_AHEAD_MS = 30_000;
export const HOLD_SLACK_MS = 5_000;

/** The time slots of which each run is claimed by one worker (several processes). */
const RECONCILE_SLOT_MS = 60_000;
const TIMER_SLOT_MS = 15_000;

/**
 * Timers are derived from stored state, never kept in the scheduler: the projection carries the ticket's next
 * timer instant (`nextTimerAt`), and one recurring job (`TIMER_SWEEP_INTERVAL`) fires every timer that is due, asking
 * the ticket catalog which tickets have one (an index walk on MongoDB, memory on the embedded store). No job is
 * written per ticket or per commit, so a commit costs no scheduler write, and nothing can be lost with a job. The
 * sweep is the only owner of timers: the reconcile pass does not fire them, sweeps of one process run one after
 * another, and with several processes (`database` catalog) each 15-second sweep is claimed by one worker (an insert
 * under a unique `_id`, see ticket-repairs.ts). A fired timer is a `timer-fired` command; a repeated one is refused
 * by the engine (the token no longer waits for it), so even a sweep that ran twice would change nothing.
 *
 * The reconciler: a process that owns the store alone (memory catalog) or not, a pass looks only at tickets marked
 * unfinished (in the database, by whichever process failed) and at commits made around the last beat of a process
 * that died; the first pass of a worker looks at the last day (the whole deployment may have died). With several
 * processes each pass is claimed by one worker. Stopping the process (`jobsStopping`) ends a pass between two
 * tickets: what it has not done stays marked for the next pass.
 */
export function registerTicketJobs(app: FastifyInstance): void {
  const tickets = () => app.db.collection<TicketDoc>(TICKETS_COLLECTION);
  const stopping = () => app.jobsStopping.aborted;
  const shared = app.tickets.catalog.kind === 'database';
  /** Sweeps of this process, one after another. */
  let firing: Promise<unknown> = Promise.resolve();
  /** The instant up to which the last whole sweep fired every timer (none yet: undefined). */
  let sweptUpTo: number | undefined;

  /** Passes under way: closing waits for them (they end early once `jobsStopping` is aborted). */
  const running = new Set<Promise<unknown>>();
  const track = <T>(pass: Promise<T>): Promise<T> => {
    running.add(pass);
    const done = () => void running.delete(pass);
    pass.then(done, done);
    return pass;
  };
  app.addHook('onClose', async () => {
    await Promise.allSettled([...running]);
    // Projections the sweeps held are written before the store closes.
    await app.tickets.releaseAllProjections();
  });

  const jobs: TicketJobs = {
    fireDueTimers(now, ticketId) {
      const run = firing.then(() => fire(now, ticketId));
      firing = run.catch(() => undefined);
      return track(run);
    },

    reconcile(now, sinceMs = 24 * 60 * 60 * 1000) {
      return track(reconcileWindow(new Date(now - sinceMs), new Date(now + 60_000)));
    },

    reconcileUnfinished(now, sinceMs) {
      return track(reconcileMarked(now, sinceMs));
    },
  };

  async function reconcileMarked(
    now: number,
    sinceMs = 24 * 60 * 60 * 1000,
  ): Promise<{ projections: number; effects: number }> {
    const since = new Date(now - sinceMs);
    const total = { projections: 0, effects: 0 };
    let failure: Error | undefined;
    const add = (done: { projections: number; effects: number }) => {
      total.projections += done.projections;
      total.effects += done.effects;
    };
    // Marks of this process not stored yet (the database refused) are stored first; the stored marks are the
    // work list, together with those of this process (in case storing still fails).
    await app.tickets.storeMarks().catch(() => undefined);
    const marks = new Map((await listRepairs(app.db)).map((mark) => [mark._id, mark]));
    const local = app.tickets.takeUnfinished();
    const ids = new Set([...marks.keys(), ...local]);
    for (const ticketId of ids) {
      if (stopping()) {
        // Handed back: the marks stay for the next pass (this process's own are marked again).
        for (const id of local) if (!marks.has(id)) app.tickets.markUnfinished(id);
        break;
      }
      try {
        add(await reconcileTickets([ticketId], since));
        const mark = marks.get(ticketId);
        if (mark) await clearRepair(app.db, mark);
      } catch (error) {
        // A ticket not finished now keeps its mark for the next pass and does not keep the others from theirs.
        if (!marks.has(ticketId)) app.tickets.markUnfinished(ticketId);
        failure ??= error instanceof Error ? error : new Error(String(error));
      }
    }
    // Processes that died may have left a commit without its projection or effects, and no mark.
    for (const dead of await deadWriters(app.db, new Date(now))) {
      if (stopping()) break;
      app.log.warn(
        { process: dead.id, lastBeat: dead.beatAt },
        'reconciling the commits of a process that died',
      );
      try {
        add(await reconcileWindow(dead.from, dead.to));
        if (!stopping()) await forgetWriter(app.db, dead.id, dead.beatAt);
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
      }
    }
    if (failure) throw failure;
    return total;
  }

  /**
   * Every timer due at `now`: the catalog's due tickets, earliest first, `SWEEP_LANES` tickets at once (each
   * ticket's own timers one after another, see `fireTicket`), a lane taking the next due ticket as soon as it is
   * free, and the catalog asked again for more (`SWEEP_BATCH` at a time) when those taken are all under way — a
   * backlog is worked off in one sweep instead of one batch per interval. A ticket handled is not taken again in
   * the same sweep until its next timer falls due (a refused timer, which stays due: never), so the sweep ends.
   *
   * With the memory catalog (this process is the only worker) the sweep also takes the timers that fall due while
   * it runs: each time it asks the catalog again it fires up to the clock's present instant, so under a steady
   * stream of timers a step waits for a free lane instead of for the sweep to end and the next check to start
   * another. With several processes (`database` catalog) a sweep fires what was due at `now`, the instant of the
   * slot it claimed. The first error other than a refusal stops the sweep after the tickets under way.
   */
  async function fire(now: number, ticketId?: string): Promise<number> {
    // One ticket: its own timers decide below whether anything is due.
    if (ticketId) return (await fireTicket(ticketId, now)).accepted;
    const swept = await fireAll(now);
    sweptUpTo = Math.max(sweptUpTo ?? swept.upTo, swept.upTo);
    return swept.accepted;
  }

  async function fireAll(now: number): Promise<{ accepted: number; upTo: number }> {
    let accepted = 0;
    let failure: { error: unknown } | undefined;
    let upTo = now;
    /** Tickets handled (or under way) in this sweep: taken again only once `upTo` reaches the instant given. */
    const doneUntil = new Map<string, number>();
    const takes = (id: string) => (doneUntil.get(id) ?? -Infinity) <= upTo;
    let queue: string[] = [];
    /** Asked at a fixed instant, the catalog has nothing more once it answered nothing new. */
    let exhausted = false;
    const refill = async () => {
      if (!shared) upTo = Math.max(upTo, app.clock.now());
      else if (exhausted) return;
      const due = await app.tickets.catalog.dueTimers(upTo, SWEEP_BATCH + doneUntil.size);
      queue = due.filter(takes).slice(0, SWEEP_BATCH);
      if (queue.length === 0) exhausted = true;
    };
    const lanes = new Set<Promise<void>>();
    const start = (id: string) => {
      doneUntil.set(id, Infinity);
      const at = upTo;
      const lane = fireTicket(id, at).then(
        (fired) => {
          accepted += fired.accepted;
          doneUntil.set(id, fired.nextAt ?? Infinity);
        },
        (error: unknown) => {
          failure ??= { error };
        },
      );
      lanes.add(lane);
      void lane.finally(() => lanes.delete(lane));
    };
    while (!failure && !stopping()) {
      while (lanes.size < SWEEP_LANES && !failure && !stopping()) {
        // The queue may hold tickets a lane took meanwhile through a newer answer: skip those.
        while (queue.length > 0 && !takes(queue[0]!)) queue.shift();
        if (queue.length === 0) {
          await refill();
          if (queue.length === 0) break;
        }
        start(queue.shift()!);
      }
      if (lanes.size === 0) break;
      await Promise.race(lanes);
    }
    await Promise.all(lanes);
    if (failure) throw failure.error;
    return { accepted, upTo };
  }

  /**
   * Fire one ticket's due timers in time order (warning and breach after a long outage): how many were accepted,
   * and when its next timer falls due once they are (undefined: none, or one was refused and stays due). The
   * ticket is read once, its projection alone (`loadProjected`): each command is decided on the ticket as read or
   * as the previous one left it, and the next due timer is read from there. A projection behind its commits, or a
   * ticket that moved on meanwhile, meets the newer commit when committing, and the command loads it whole again.
   *
   * The projection is written once, after the last command (each command's projection is held in the process, see
   * `TicketService.holdProjection`): the commits between are each their own change, and a process that dies
   * among them leaves a projection behind its commits, which the reconciler folds forward as after any crash.
   * With the memory catalog, a ticket whose next timer falls due within HOLD_AHEAD_MS keeps its projection held
   * until that step (its commit writes it) or at the latest HOLD_SLACK_MS after it fell due — one projection
   * update for a warning and the breach that follows it — unless the commands changed a flat field of the
   * projection other than the bookkeeping, SLA and reporting ones (`sameListing`).
   */
  async function fireTicket(ticketId: string, now: number): Promise<{ accepted: number; nextAt?: number }> {
    let accepted = 0;
    let loaded: LoadedTicket | undefined = await app.tickets.loadProjected(ticketId);
    const first = loaded?.state;
    let nextAt: number | undefined;
    try {
      for (let round = 0; round < 20 && loaded; round++) {
        const timers = (await app.tickets.timers(loaded.state)).sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > now) {
          nextAt = next?.at;
          break;
        }
        try {
          const committed = await app.tickets.run(
            ticketId,
            { command: 'timer-fired', key: next.key },
            SYSTEM_ACTOR,
            undefined,
            loaded,
            { holdProjection: true },
          );
          loaded = loadedAfter(committed);
          accepted += 1;
        } catch (error) {
          if (error instanceof HttpProblem && error.status === 422) {
            app.log.warn({ ticketId, key: next.key, err: error }, 'timer refused by the engine');
            break;
          }
          throw error;
        }
      }
    } catch (error) {
      // What was committed stands; its projection is written now (a failure marks the ticket for the reconciler).
      await app.tickets.releaseProjection(ticketId).catch(() => undefined);
      throw error;
    }
    if (accepted > 0) {
      const soon =
        !shared &&
        nextAt !== undefined &&
        nextAt - app.clock.now() <= HOLD_AHEAD_MS &&
        first !== undefined &&
        loaded !== undefined &&
        sameListing(first, loaded.state);
      await app.tickets.releaseProjection(ticketId, soon ? nextAt! + HOLD_SLACK_MS : undefined);
    }
    return { accepted, ...(nextAt === undefined ? {} : { nextAt }) };
  }

  /** Reconcile every ticket with a commit in [from, to]. */
  async function reconcileWindow(from: Date, to: Date): Promise<{ projections: number; effects: number }> {
    const commits = await app.db
      .collection('ticket_events')
      .find({ at: { $gte: from, $lte: to } }, { projection: { ticketId: 1 } })
      .toArray();
    return reconcileTickets(new Set(commits.map((commit) => String(commit.ticketId))), from);
  }

  async function reconcileTickets(
    ticketIds: Iterable<string>,
    since: Date,
    stoppable = true,
  ): Promise<{ projections: number; effects: number }> {
    let projections = 0;
    let effects = 0;
    for (const ticketId of ticketIds) {
      // Stopping: the rest is handed back (marks stay; a full pass runs again in the next worker).
      if (stoppable && stopping()) break;
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

  /** In the `database` catalog mode other processes may run the same job: the pass of a slot goes to one. */
  const claim = async (job: string, slotMs: number, now: number) =>
    !shared || (await claimRun(app.db, job, Math.floor(now / slotMs), new Date(now)));

  app.jobs.define(TICKET_TIMER_JOB, async () => {
    const now = app.clock.now();
    if (stopping() || !(await claim(TICKET_TIMER_JOB, TIMER_SLOT_MS, now))) return;
    await jobs.fireDueTimers(now);
  });
  // Every commit's effects are idempotent, so the reconciler may run them again; it just should not do so needlessly.
  let startedPass = false;
  app.jobs.define(RECONCILE_JOB, async () => {
    const now = app.clock.now();
    if (stopping() || !(await claim(RECONCILE_JOB, RECONCILE_SLOT_MS, now))) return;
    if (startedPass) await jobs.reconcileUnfinished(now);
    else {
      // The first pass of a worker: the last day (it may have died mid-commit, with every other process).
      await jobs.reconcile(now, 24 * 60 * 60 * 1000);
      if (!stopping()) startedPass = true;
    }
    // Once an hour, run claims older than a day go.
    if (shared && Math.floor(now / RECONCILE_SLOT_MS) % 60 === 0) await forgetOldRuns(app.db, new Date(now));
  });
  app.jobs.define(ANCHOR_JOB, async () => {
    await recordAnchor(app.db, new Date(app.clock.now()), app.log);
  });

  // Every process commits (the worker fires timers) and tells it is alive, so a worker notices one that died (and
  // stores marks the database refused before).
  registerWriter(app);

  if (app.ordo.runJobs ?? (app.ordo.role === 'all' || app.ordo.role === 'worker')) {
    // The memory catalog knows every timer of the store: a look at it each second (no database read) starts a
    // sweep as soon as a timer has fallen due since the last one, so a step fires about a second after its time
    // instead of up to a sweep interval later. The recurring job stays, for whatever is still due (a refused timer).
    if (!shared) watchDueTimers(app, () => sweptUpTo);
    app.addHook('onReady', async () => {
      await app.jobs.every(TIMER_SWEEP_INTERVAL, TICKET_TIMER_JOB, undefined, { skipImmediate: false });
      await app.jobs.every('1 minute', RECONCILE_JOB, undefined, { skipImmediate: false });
      // Continuous anchoring: a removed newest commit shows within a minute (anchors.ts).
      await app.jobs.every(ANCHOR_INTERVAL, ANCHOR_JOB, undefined, { skipImmediate: true });
    });
  }
}

/** How often the memory catalog is asked whether a timer fell due since the last sweep. */
export const DUE_CHECK_MS = 1000;

/** Every DUE_CHECK_MS while ready: a sweep when a timer fell due after `sweptUpTo()` (one at a time). */
function watchDueTimers(app: FastifyInstance, sweptUpTo: () => number | undefined): void {
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  const check = async () => {
    const now = app.clock.now();
    const due = await app.tickets.catalog.dueTimers(now, 1, sweptUpTo());
    if (due.length > 0) await app.ticketJobs.fireDueTimers(now);
  };
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      if (busy || app.jobsStopping.aborted || !app.dbReachable()) return;
      busy = true;
      check()
        .catch((error: unknown) => app.log.warn({ err: error }, 'timer sweep failed'))
        .finally(() => {
          busy = false;
        });
    }, DUE_CHECK_MS);
    timer.unref();
  });
  app.addHook('preClose', async () => {
    clearInterval(timer);
  });
}

/** Register this process in `ticket_writers` when ready, beat every WRITER_BEAT_MS, leave when it closes. */
function registerWriter(app: FastifyInstance): void {
  const startedAt = new Date(app.clock.now());
  let timer: NodeJS.Timeout | undefined;
  const beat = async () => {
    await app.tickets.storeMarks().catch(() => undefined);
    await beatWriter(app.db, app.ordo.role, startedAt, new Date(app.clock.now()));
  };
  app.addHook('onReady', async () => {
    await beat();
    timer = setInterval(() => {
      beat().catch((error: unknown) => app.log.warn({ err: error }, 'process beat failed'));
    }, WRITER_BEAT_MS);
    timer.unref();
  });
  app.addHook('preClose', async () => {
    clearInterval(timer);
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    // Marks still unstored are tried once more; a process that cannot leave is taken for dead (harmless).
    await app.tickets.storeMarks().catch(() => undefined);
    await leaveWriters(app.db).catch(() => undefined);
  });
}
