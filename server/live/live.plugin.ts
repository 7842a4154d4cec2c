import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { InAppNotification } from '../notifications/in-app.js';
import type { CatalogEntry } from '../tickets/ticket-catalog.js';
import type { TicketDoc } from '../tickets/ticket.projection.js';
import { DatabaseTail } from './database-tail.js';
import { LiveHub } from './live-hub.js';
import { liveRoutes } from './live.routes.js';
import { PresenceStore } from './presence.js';

export interface LiveOptions {
  /** Milliseconds between two reads of other processes' commits and notices. Default 250. */
  tailIntervalMs?: number;
  /** Milliseconds between two reads of who has which ticket open. Default 1000. */
  presenceIntervalMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    live: { hub: LiveHub; presence: PresenceStore; tail: DatabaseTail };
  }
}

/**
 * Live pages: an event stream per browser tab (`GET /api/live`) telling each reader what changed among the tickets
 * they may see, their own new notices, and who has a ticket open. See server/live/README.md.
 */
export const livePlugin = fp(
  async function livePlugin(app: FastifyInstance, options: LiveOptions) {
    const hub = new LiveHub();
    const presence = new PresenceStore(app.db);
    const tail = new DatabaseTail(app.db, hub, presence, {
      // With the memory catalog this process is the store's only writer: what it writes is all there is.
      changes: app.tickets.catalog.kind === 'database',
      intervalMs: options.tailIntervalMs ?? 250,
      presenceMs: options.presenceIntervalMs ?? 1000,
      now: () => app.clock.now(),
      onError: (error) => app.log.warn({ err: error }, 'reading changes for the event streams failed'),
    });
    hub.onReadersChange = (count) => (count > 0 ? tail.start() : tail.stop());

    // This process's own writes are signalled the moment they are stored: the ticket service tells its catalog of
    // every projection it writes, the inbox its index of every notice it stores. A failure here never fails them.
    const catalog = app.tickets.catalog;
    const noteTicket = catalog.note.bind(catalog);
    catalog.note = (doc: TicketDoc | CatalogEntry) => {
      noteTicket(doc);
      try {
        hub.ticketChanged(doc);
      } catch (error) {
        app.log.warn({ err: error }, 'signalling a ticket change failed');
      }
    };
    const index = app.notifications.inbox.index;
    const noteDelivered = index.noteDelivered.bind(index);
    index.noteDelivered = (notice: InAppNotification) => {
      noteDelivered(notice);
      try {
        hub.notificationStored(notice);
      } catch (error) {
        app.log.warn({ err: error }, 'signalling a notification failed');
      }
    };

    app.decorate('live', { hub, presence, tail });
    app.addHook('preClose', async () => {
      tail.stop();
      hub.closeAll();
    });
    await app.register(liveRoutes);
  },
  { name: 'live', dependencies: ['tickets', 'notifications', 'auth', 'db'] },
);
