import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ensureSequenceIndexes } from '../lib/sequence.js';
import { ensureAnchorIndexes } from './anchors.js';
import { EffectRegistry } from './effects.js';
import { createTicketPorts } from './ticket-ports.js';
import { TicketService } from './ticket.service.js';
import { registerTicketJobs } from './ticket.jobs.js';
import { ticketsRoutes } from './tickets.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    tickets: TicketService;
    effects: EffectRegistry;
  }
}

/** Tickets: the service (decide → commit → project → effects), its jobs and its routes. */
export const ticketsPlugin = fp(
  async function ticketsPlugin(app: FastifyInstance) {
    const effects = new EffectRegistry(app);
    const service = new TicketService(app.db, app.clock, createTicketPorts(app, effects));
    app.decorate('effects', effects);
    app.decorate('tickets', service);
    await service.ensureIndexes();
    await ensureSequenceIndexes(app.db);
    await ensureAnchorIndexes(app.db);
    registerTicketJobs(app);
    await app.register(ticketsRoutes);
  },
  { name: 'tickets', dependencies: ['db', 'worker'] },
);
