import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ensureRecordIndexes } from './records.model.js';
import { recordsRoutes } from './records.routes.js';
import { indexLinksOfCommit } from './record-links.js';
import { EVENT_TRIGGER_EFFECT, RECORD_LINKS_EFFECT, RecordTriggers } from './triggers.service.js';
import { triggersRoutes } from './triggers.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    recordTriggers: RecordTriggers;
  }
}

export const RECORD_TRIGGERS_JOB = 'record-triggers';
/** How often the worker looks for due scheduled triggers: a run starts at most this late. */
export const RECORD_TRIGGERS_INTERVAL = '1 minute';

/**
 * Records from other systems and the triggers that open tickets from them or from ticket events: the routes,
 * the link index and event triggers (effects every commit that adds or removes a link, or matches an event
 * trigger, carries) and the worker's job that runs due scheduled triggers. See README.md.
 */
export const recordsPlugin = fp(
  async function recordsPlugin(app: FastifyInstance) {
    const triggers = new RecordTriggers(app);
    app.decorate('recordTriggers', triggers);
    await ensureRecordIndexes(app.db);
    // Decided with each commit and stored in it, so the reconciler runs them again after a crash (see README.md).
    app.tickets.addCommitEffects((draft) => triggers.commitEffects(draft));
    app.effects.on(RECORD_LINKS_EFFECT, (_effect, commit, state) =>
      indexLinksOfCommit(app.db, commit, state),
    );
    app.effects.on(EVENT_TRIGGER_EFFECT, (effect, commit, state) =>
      triggers.runEventTrigger(effect, commit, state),
    );
    // Idempotent: every run is claimed by a unique insert and every ticket's id derives from trigger, record and
    // period, so the job may run in several workers, twice, or again after a crash.
    app.jobs.define(RECORD_TRIGGERS_JOB, async () => {
      if (app.jobsStopping.aborted) return;
      await triggers.runDue(app.clock.now());
    });
    if (app.ordo.runJobs ?? (app.ordo.role === 'all' || app.ordo.role === 'worker')) {
      app.addHook('onReady', async () => {
        await app.jobs.every(RECORD_TRIGGERS_INTERVAL, RECORD_TRIGGERS_JOB, undefined, {
          skipImmediate: false,
        });
      });
    }
    app.addHook('onClose', async () => triggers.settle());
    await app.register(recordsRoutes);
    await app.register(triggersRoutes);
  },
  { name: 'records', dependencies: ['tickets', 'worker'] },
);
