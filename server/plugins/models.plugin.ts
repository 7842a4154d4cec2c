import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createIndexes, peopleModels, type PeopleModels } from '../models/index.js';

/**
 * The app's models, bound to its own connection. Other services add theirs by declaration merging:
 *
 *   declare module '../plugins/models.plugin.js' { interface OrdoModels { Ticket: TicketModel } }
 *   app.models.Ticket = ticketModel(app.db); await app.models.Ticket.createIndexes();
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the target other services merge into
export interface OrdoModels extends PeopleModels {}

declare module 'fastify' {
  interface FastifyInstance {
    models: OrdoModels;
  }
}

export const modelsPlugin = fp(
  async function modelsPlugin(app: FastifyInstance) {
    const models = peopleModels(app.db);
    await createIndexes({ ...models });
    app.decorate('models', models satisfies OrdoModels);
  },
  { name: 'models', dependencies: ['db'] },
);
