import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { helpRoutes } from './help.routes.js';
import { knowledgeRoutes } from './knowledge.routes.js';
import { KnowledgeService } from './knowledge.service.js';

declare module 'fastify' {
  interface FastifyInstance {
    knowledge: KnowledgeService;
  }
}

/** The knowledge base: articles and their search index (held per process), its routes and the help center's. */
export const knowledgePlugin = fp(
  async function knowledgePlugin(app: FastifyInstance) {
    const service = new KnowledgeService(app.db, app.clock);
    app.decorate('knowledge', service);
    app.addHook('onReady', async () => service.start());
    app.addHook('onClose', async () => service.stop());
    await app.register(knowledgeRoutes);
    await app.register(helpRoutes);
  },
  { name: 'knowledge', dependencies: ['db', 'tickets'] },
);
