import type { FastifyInstance } from 'fastify';
import { accessContextOf } from '../access/record-rules.js';
import { problemResponses } from '../routes/common.schemas.js';
import { ticketPolicy } from './ticket.access.js';
import { awaitingFilter } from './ticket-worklist.js';

/** Counts stop here: the bell shows "99+" long before. */
const COUNT_LIMIT = 1000;

/**
 * How many tickets wait for the caller: approvals awaiting their decision and open steps assigned to them or
 * their teams (the lists themselves are `GET /api/tickets?awaiting=approval|step`). The bell polls it.
 */
export async function worklistRoutes(app: FastifyInstance) {
  app.get(
    '/api/tickets/awaiting-counts',
    {
      schema: {
        tags: ['tickets'],
        summary: 'How many approvals and steps wait for the caller now',
        response: {
          200: {
            type: 'object',
            required: ['approvals', 'steps'],
            additionalProperties: false,
            properties: {
              approvals: { type: 'integer', minimum: 0, description: 'Approvals awaiting my decision' },
              steps: { type: 'integer', minimum: 0, description: 'Open steps assigned to me or my teams' },
            },
          },
          ...problemResponses(401, 403),
        },
      },
      config: { access: { roles: ['admin', 'agent', 'requester', 'designer'] } },
    },
    async (request) => {
      const context = await accessContextOf(request);
      const visibility = ticketPolicy.listFilter!(context);
      if (visibility === null) return { approvals: 0, steps: 0 };
      const count = (awaiting: 'approval' | 'step') =>
        app.tickets.catalog.count(
          { $and: [visibility, awaitingFilter(context, awaiting, undefined)!] },
          COUNT_LIMIT,
        );
      const [approvals, steps] = await Promise.all([count('approval'), count('step')]);
      return { approvals, steps };
    },
  );
}
