import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { testDatabaseUri } from '../../test/support/database.js';
import { buildTestApp, call, waitFor } from '../../test/support/server-app.js';
import { HEARTBEAT_JOB, JOBS_COLLECTION } from './worker.plugin.js';

describe('worker', () => {
  it('does not process jobs in the api role, yet lets the api schedule them', async () => {
    const app = await buildTestApp('worker_api_role', { runJobs: undefined, role: 'api' });
    try {
      await app.ready();
      expect(app.jobs.isActiveJobProcessor()).toBe(false);
      const job = await app.jobs.schedule('in 1 hour', 'later', { ticket: 'T-1' });
      expect(job.attrs.nextRunAt).toBeInstanceOf(Date);
      const { body } = await call(app, { method: 'GET', url: '/health' });
      expect(body).toMatchObject({ details: { worker: { heartbeatAt: null } } });
    } finally {
      await app.close();
    }
  });

  it('beats: the heartbeat shows in /health, and a graceful close waits for running jobs then stops', async () => {
    const app = await buildTestApp('worker_plugin', { runJobs: undefined, role: 'all' });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let slowStarted = false;
    app.jobs.define('slow-test-job', async () => {
      slowStarted = true;
      await released;
      await app.db.collection('worker_test_results').insertOne({ finishedAt: new Date() });
    });
    await app.jobs.now('slow-test-job');
    try {
      await app.ready();
      expect(app.jobs.isActiveJobProcessor()).toBe(true);

      const health = await waitFor(
        async () => {
          const answer = await call(app, { method: 'GET', url: '/health' });
          const worker = (answer.body.details as { worker: { heartbeatAt: string | null } }).worker;
          return worker.heartbeatAt ? answer : undefined;
        },
        { timeoutMs: 20_000, what: 'the first heartbeat' },
      );
      expect(health.status).toBe(200);
      const recurring = await app.db
        .collection(JOBS_COLLECTION)
        .findOne({ name: HEARTBEAT_JOB, type: 'single' });
      expect(recurring?.repeatInterval).toBe('30 seconds');

      await waitFor(() => slowStarted, { timeoutMs: 20_000, what: 'the slow job to start' });
      let closed = false;
      const closing = app.close().then(() => (closed = true));
      await waitFor(() => !app.jobs.isActiveJobProcessor(), { what: 'the scheduler to stop taking jobs' });
      expect(closed).toBe(false);
      release();
      await closing;
      expect(closed).toBe(true);
    } finally {
      release();
      await app.close();
    }

    // The running job finished its write before the connection closed.
    const client = await MongoClient.connect(testDatabaseUri('worker_plugin'));
    try {
      expect(await client.db().collection('worker_test_results').countDocuments({})).toBe(1);
    } finally {
      await client.close();
    }
  });
});
