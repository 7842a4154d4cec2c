import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ensureSequenceIndexes } from '../lib/sequence.js';
import { anchorFromCatalog, ensureAnchorIndexes } from './anchors.js';
import { EffectRegistry } from './effects.js';
import { databaseCatalog, memoryCatalog } from './ticket-catalog.js';
import { createTicketPorts } from './ticket-ports.js';
import { TICKETS_COLLECTION, type TicketDoc } from './ticket.projection.js';
import { TicketService } from './ticket.service.js';
import { registerTicketJobs } from './ticket.jobs.js';
import { registerSubtickets } from './subtickets.js';
import { ticketsRoutes } from './tickets.routes.js';
import { attachmentsRoutes } from './attachments.routes.js';
import { worklistRoutes } from './worklist.routes.js';
import { boardRoutes } from './board.routes.js';
import { backfillFlowActors } from './flow-actors.backfill.js';

declare module 'fastify' {
  interface FastifyInstance {
    tickets: TicketService;
    effects: EffectRegistry;
  }
}

/** The memory catalog re-reads every ticket this often, for changes made behind the process's back. */
const CATALOG_RESYNC_MS = 15 * 60 * 1000;

/** Tickets: the service (decide → commit → project → effects), its jobs and its routes. */
export const ticketsPlugin = fp(
  async function ticketsPlugin(app: FastifyInstance) {
    const effects = new EffectRegistry(app);
    const ports = createTicketPorts(app, effects);
    const tickets = () => app.db.collection<TicketDoc>(TICKETS_COLLECTION);
    const catalog =
      app.ordo.ticketCatalog === 'memory'
        ? memoryCatalog(tickets, {
            resyncMs: CATALOG_RESYNC_MS,
            onError: (error) => app.log.warn({ err: error }, 'ticket catalog re-read failed'),
          })
        : databaseCatalog(tickets);
    app.addHook('onReady', async () => catalog.warm());
    app.addHook('onClose', async () => catalog.close());
    const service = new TicketService(app.db, app.clock, ports, catalog);
    effects.onFailure = (ticketId) => service.markUnfinished(ticketId);
    // The service reuses teams, role members and newest type versions for a few seconds (ticket-ports.ts); a change
    // made through this process's API is seen by the caller's next request.
    app.onChange('people', () => ports.forgetPeople());
    app.onChange('types', () => ports.forgetNewestVersions());
    app.decorate('effects', effects);
    app.decorate('tickets', service);
    await service.ensureIndexes();
    await ensureSequenceIndexes(app.db);
    await ensureAnchorIndexes(app.db);
    anchorFromCatalog(app.db, catalog);
    registerTicketJobs(app);
    registerSubtickets(app, effects, service);
    if (app.ordo.runJobs ?? (app.ordo.role === 'all' || app.ordo.role === 'worker')) {
      // Projections from before they named the flow's people: completed once, in the background.
      app.addHook('onReady', async () => {
        backfillFlowActors(app).catch((error: unknown) =>
          app.log.warn({ err: error }, 'completing the flow actors of older tickets failed'),
        );
      });
    }
    await app.register(ticketsRoutes);
    await app.register(attachmentsRoutes);
    await app.register(worklistRoutes);
    await app.register(boardRoutes);
  },
  { name: 'tickets', dependencies: ['db', 'worker'] },
);
