import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { publicRoutes } from '../public/public.routes.js';
import { zoneOf } from '../tickets/ticket-ports.js';
import { NotificationService } from './notification.service.js';
import { notificationsRoutes } from './notifications.routes.js';
import { smtpMailSender } from './transports.js';

declare module 'fastify' {
  interface FastifyInstance {
    notifications: NotificationService;
  }
}

export const DELIVER_JOB = 'notifications:deliver';
export const DELIVER_INTERVAL = '10 seconds';
/** The memory inbox re-reads every notification this often, for changes made behind the process's back. */
const INBOX_RESYNC_MS = 15 * 60 * 1000;

/**
 * Notifications and the public signed-link pages: handles the `notify`, `survey` and `webhook` effects of every
 * commit, delivers the outbox on Agenda (every few seconds, and right after something is queued), and serves the
 * in-app inbox, the deliveries of a ticket, and the confirmation and survey pages.
 */
export const notificationsPlugin = fp(
  async function notificationsPlugin(app: FastifyInstance) {
    const runsJobs = app.ordo.runJobs ?? (app.ordo.role === 'all' || app.ordo.role === 'worker');
    const mail = app.ordo.smtpUrl ? smtpMailSender(app.ordo.smtpUrl, app.ordo.publicUrl) : undefined;

    // In a process that runs jobs, deliver at once (one pass at a time, another if more arrived meanwhile);
    // an API-only process asks the workers through a one-off job.
    let running: Promise<void> | undefined;
    let again = false;
    const deliverSoon = async () => {
      if (!runsJobs) {
        try {
          await app.jobs.now(DELIVER_JOB);
        } catch (error) {
          app.log.warn({ err: error }, 'could not ask for delivery');
        }
        return;
      }
      if (running) {
        again = true;
        return;
      }
      running = (async () => {
        do {
          again = false;
          await service.deliverDue(app.clock.now());
        } while (again);
      })()
        .catch((error: unknown) =>
          app.log.error({ err: error }, 'delivery pass failed; the periodic job retries'),
        )
        .finally(() => {
          running = undefined;
        });
    };

    const service = new NotificationService({
      db: app.db,
      models: app.models,
      secret: app.ordo.secret,
      publicUrl: app.ordo.publicUrl,
      ...(mail ? { mail } : {}),
      definitionOf: (state) => app.tickets.definitionOf(state),
      zoneOf,
      onQueued: deliverSoon,
      log: app.log,
      // The bell reads where ticket lists do: memory when this process is the store's only writer.
      inbox: app.tickets.catalog.kind,
      inboxMemory: { resyncMs: INBOX_RESYNC_MS },
    });
    app.addHook('onReady', async () => service.inbox.index.warm());
    app.addHook('onClose', async () => service.inbox.index.close());
    await service.ensureIndexes();
    // Entries queued before pending ones were marked (outbox.ts) are found by the delivery pass from now on.
    if (runsJobs) await service.outbox.markUnmarkedPending(app.clock.now());
    app.decorate('notifications', service);
    // People and teams are reused for a few seconds (people-directory.ts); changes made through this process's API
    // show in the next message, as the ticket service's caches do (server/tickets/tickets.plugin.ts).
    app.onChange('people', () => service.forgetPeople());

    for (const kind of ['notify', 'survey', 'webhook'] as const) {
      app.effects.on(kind, (effect, commit, state) =>
        service.handleEffect(effect, commit, state, app.clock.now()),
      );
    }

    app.jobs.define(
      DELIVER_JOB,
      async () => {
        await service.deliverDue(app.clock.now());
      },
      { removeOnComplete: true },
    );
    if (runsJobs) {
      app.addHook('onReady', async () => {
        await app.jobs.every(DELIVER_INTERVAL, DELIVER_JOB, undefined, { skipImmediate: true });
      });
    }
    app.addHook('onClose', async () => {
      await running;
      mail?.close();
    });

    await app.register(notificationsRoutes);
    await app.register(publicRoutes);
  },
  { name: 'notifications', dependencies: ['tickets', 'worker', 'models'] },
);
