import os from 'node:os';
import { MongoBackend } from '@agendajs/mongo-backend';
import { Agenda } from 'agenda';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../lib/sequence.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The job scheduler. Every process can `define`, `schedule` and `now` jobs (the API schedules SLA timers);
     * only processes that run jobs (roles `all` and `worker`, or `runJobs`) process them. Jobs must be
     * idempotent: on FerretDB Agenda's lock is not atomic, so a job may run twice.
     */
    jobs: Agenda;
    /**
     * Aborted when the process starts to stop: a long job (the reconcile pass) checks it between units of work and
     * hands the rest back (it stays marked in the database for the next pass) instead of outliving the connection.
     */
    jobsStopping: AbortSignal;
  }
}

export interface WorkerPluginOptions {
  runJobs: boolean;
}

export const HEARTBEAT_JOB = 'heartbeat';
export const HEARTBEAT_INTERVAL = '30 seconds';
export const JOBS_COLLECTION = 'agendaJobs';
/** How long a graceful stop waits for running jobs before leaving them to their lock's expiry. */
const DRAIN_TIMEOUT_MS = 10_000;

interface HeartbeatDocument {
  _id: string;
  at: Date;
}

/** Record that a worker is alive (read by `/health`). Idempotent, and `$max` keeps the latest beat. */
export async function writeHeartbeat(db: Connection, at: Date): Promise<void> {
  const heartbeats = db.collection<HeartbeatDocument>('heartbeats');
  try {
    await heartbeats.updateOne({ _id: 'worker' }, { $max: { at } }, { upsert: true });
  } catch (error) {
    // Upserts are not atomic on FerretDB: a concurrent beat may have inserted the document first.
    if (!isDuplicateKey(error)) throw error;
    await heartbeats.updateOne({ _id: 'worker' }, { $max: { at } });
  }
}

/**
 * Agenda on the app's own connection. Its index is created here, explicitly, instead of by the backend on
 * connect: a failure then fails the start instead of surfacing as an unhandled rejection.
 */
export const workerPlugin = fp(
  async function workerPlugin(app: FastifyInstance, options: WorkerPluginOptions) {
    const mongo = app.db.db;
    if (!mongo) throw new Error('The database connection is not open');
    await mongo
      .collection(JOBS_COLLECTION)
      .createIndex(
        { name: 1, nextRunAt: 1, priority: -1, lockedAt: 1, disabled: 1 },
        { name: 'findAndLockNextJobIndex' },
      );
    const agenda = new Agenda({
      backend: new MongoBackend({ mongo, collection: JOBS_COLLECTION, ensureIndex: false }),
      name: `${os.hostname()}:${process.pid}`,
      processEvery: '5 seconds',
    });
    await agenda.ready;
    agenda.on('error', (error) => app.log.error({ err: error }, 'job scheduler error'));
    agenda.on('fail', (error: Error, job) =>
      app.log.warn({ err: error, job: job.attrs.name, jobId: String(job.attrs._id) }, 'job failed'),
    );
    // Counted here because stop() unlocks waiting jobs but does not wait for running ones, and drain() waits
    // but leaves jobs it had locked ahead of time locked until their lock expires.
    let runningJobs = 0;
    agenda.on('start', () => void runningJobs++);
    agenda.on('complete', () => void runningJobs--);
    agenda.define(HEARTBEAT_JOB, () => writeHeartbeat(app.db, new Date(app.clock.now())), {
      removeOnComplete: true,
    });
    const stopping = new AbortController();
    app.decorate('jobs', agenda);
    app.decorate('jobsStopping', stopping.signal);
    // Before any plugin's onClose: passes started by hand (tests, tools) see it too, and their plugins wait for them.
    app.addHook('preClose', async () => stopping.abort());
    if (!options.runJobs) return;

    // Started once every plugin has defined its jobs; the first beat runs at start, then every 30 s.
    app.addHook('onReady', async () => {
      await agenda.every(HEARTBEAT_INTERVAL, HEARTBEAT_JOB, undefined, { skipImmediate: true });
      await agenda.now(HEARTBEAT_JOB);
      await agenda.start();
      app.log.info('worker started: processing jobs');
    });
    // Registered after the database plugin, so it runs before the connection closes.
    app.addHook('onClose', async () => {
      // Running jobs hand back what they have not started, then finish the unit at hand.
      stopping.abort();
      await agenda.stop(false);
      const deadline = Date.now() + DRAIN_TIMEOUT_MS;
      while (runningJobs > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      if (runningJobs > 0) {
        app.log.warn({ running: runningJobs }, 'worker stopped with jobs still running; they will run again');
      }
      app.log.info('worker stopped');
    });
  },
  { name: 'worker', dependencies: ['db'] },
);
