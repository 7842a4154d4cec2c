import type { FastifyInstance } from 'fastify';
import { accessContextOf, requireVisible } from '../access/record-rules.js';
import { problemResponses } from '../routes/common.schemas.js';
import { teamsAndAbsences } from '../routes/directory.routes.js';
import { teamRefSchema } from '../routes/directory.schemas.js';
import { ticketPolicy } from './ticket.access.js';
import { awaitingFilter } from './ticket-worklist.js';
import { ticketIdParams } from './tickets.schemas.js';

/** How many people a mention search answers. */
const MENTIONABLE_LIMIT = 20;

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Counts stop here: the bell shows "99+" long before. */
const COUNT_LIMIT = 1000;

/**
 * The caller's work around tickets: how many wait for them — approvals awaiting their decision and open steps
 * assigned to them or their teams (the lists themselves are `GET /api/tickets?awaiting=approval|step`; the bell
 * polls the counts) — and the colleagues they may @mention on a ticket.
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

  app.get(
    '/api/tickets/:id/mentionable',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Colleagues who may be @mentioned on this ticket (active staff), by name or username',
        description:
          'Staff only: a mention in an internal note makes the colleague an assistant of the ticket, one in a ' +
          'public reply a watcher. Requesters cannot be mentioned in internal notes.',
        params: ticketIdParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { q: { type: 'string', maxLength: 100, description: 'Part of a name or username' } },
        },
        response: {
          200: {
            type: 'object',
            required: ['items'],
            additionalProperties: false,
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'username', 'displayName'],
                  additionalProperties: false,
                  properties: {
                    id: { type: 'string' },
                    username: { type: 'string' },
                    displayName: { type: 'string' },
                    teams: { type: 'array', items: teamRefSchema },
                    away: { type: 'boolean', description: 'Away or on leave now' },
                  },
                },
              },
            },
          },
          ...problemResponses(400, 401, 403, 404),
        },
      },
      config: { access: { roles: ['admin', 'agent'] } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { q } = request.query as { q?: string };
      const [context, doc] = await Promise.all([
        accessContextOf(request),
        app.tickets.tickets.findOne({ _id: id }, { projection: { state: 0 } }),
      ]);
      requireVisible(context, ticketPolicy, doc);
      const text = q?.trim();
      const match = text
        ? {
            $or: [
              { displayName: { $regex: escapeRegex(text), $options: 'i' } },
              { username: { $regex: escapeRegex(text.toLowerCase()) } },
            ],
          }
        : {};
      const membership = await teamsAndAbsences(app);
      const people = await app.models.User.find(
        { active: true, roles: { $in: ['agent', 'admin'] }, ...match },
        { username: 1, displayName: 1 },
      )
        .sort({ displayName: 1 })
        .limit(MENTIONABLE_LIMIT)
        .lean();
      return {
        items: people.map((person) => ({
          id: String(person._id),
          username: person.username,
          displayName: person.displayName,
          ...membership(String(person._id)),
        })),
      };
    },
  );
}
