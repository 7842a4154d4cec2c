import type { FastifyInstance } from 'fastify';
import { databaseAnswers } from '../plugins/db.plugin.js';

const healthBody = {
  type: 'object',
  required: ['status', 'db'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    db: { type: 'string', enum: ['ok', 'down'] },
    details: {
      type: 'object',
      properties: {
        role: { type: 'string' },
        uptimeSeconds: { type: 'number' },
        worker: {
          type: 'object',
          properties: {
            heartbeatAt: { type: ['string', 'null'] },
            ageSeconds: { type: ['number', 'null'] },
          },
        },
      },
    },
  },
} as const;

export async function healthRoutes(app: FastifyInstance) {
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness and database reachability',
        response: { 200: healthBody, 503: healthBody },
      },
    },
    async (_request, reply) => {
      const dbOk = await databaseAnswers(app.db);
      let worker: { heartbeatAt: string | null; ageSeconds: number | null } = {
        heartbeatAt: null,
        ageSeconds: null,
      };
      if (dbOk) {
        const beat = await app.db
          .collection<{ _id: string; at: Date }>('heartbeats')
          .findOne({ _id: 'worker' })
          .catch(() => null);
        if (beat?.at) {
          worker = {
            heartbeatAt: beat.at.toISOString(),
            ageSeconds: Math.round((app.clock.now() - beat.at.getTime()) / 1000),
          };
        }
      }
      const body = {
        status: dbOk ? ('ok' as const) : ('unavailable' as const),
        db: dbOk ? ('ok' as const) : ('down' as const),
        details: { role: app.ordo.role, uptimeSeconds: Math.round(process.uptime()), worker },
      };
      return reply.status(dbOk ? 200 : 503).send(body);
    },
  );
}
