import type { FastifyInstance } from 'fastify';
import { problemResponses } from '../routes/common.schemas.js';
import { anchorPage, recordAnchor, verifyAnchorChain, type AnchorDoc } from './anchors.js';

const headSchema = {
  type: 'object',
  required: ['ticketId', 'seq', 'hash'],
  properties: { ticketId: { type: 'string' }, seq: { type: 'integer' }, hash: { type: 'string' } },
} as const;

const anchorSchema = {
  type: 'object',
  required: ['id', 'at', 'tickets', 'heads', 'digest', 'previousDigest', 'by'],
  properties: {
    id: { type: 'integer', description: 'Position in the chain, from 1' },
    at: { type: 'string', format: 'date-time' },
    tickets: { type: 'integer' },
    heads: { type: 'array', items: headSchema, description: 'The heads recorded, sorted by ticket id' },
    digest: {
      type: 'string',
      description:
        'sha256 (hex) of: the previous digest (or "-"), a newline, `at` (ISO 8601), a newline, then one ' +
        '`ticketId:seq:hash` line per head, each ending in a newline',
    },
    previousDigest: { type: ['string', 'null'] },
    by: { type: 'string', description: '`worker` (every minute) or the id of the admin who asked' },
  },
} as const;

const viewOf = (anchor: AnchorDoc) => ({
  id: anchor._id,
  at: anchor.at.toISOString(),
  tickets: anchor.tickets,
  heads: anchor.heads,
  digest: anchor.digest,
  previousDigest: anchor.previousDigest,
  by: anchor.by,
});

/**
 * The audit anchor chain (anchors.ts): export it page by page to keep a copy outside the database, and record one
 * now (admins) — e.g. right before a backup or after an import.
 */
export async function anchorRoutes(app: FastifyInstance) {
  app.get(
    '/api/audit/anchors',
    {
      config: { access: { roles: ['admin'] } },
      schema: {
        tags: ['audit'],
        summary: 'Export the audit anchor chain, oldest first',
        description:
          'Page with `after` (the last `id` received). `chainValid` says whether this page recomputes: each ' +
          'digest from its content and, after the first, each `previousDigest` equal to the digest before it.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: { type: 'integer', minimum: 0, default: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items', 'total', 'chainValid'],
            properties: {
              items: { type: 'array', items: anchorSchema },
              total: { type: 'integer' },
              chainValid: { type: 'boolean' },
            },
          },
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { after, limit } = request.query as { after: number; limit: number };
      const { items, total } = await anchorPage(app.db, after, limit);
      return { items: items.map(viewOf), total, chainValid: verifyAnchorChain(items).valid };
    },
  );

  app.post(
    '/api/audit/anchors',
    {
      config: { access: { roles: ['admin'] } },
      schema: {
        tags: ['audit'],
        summary: 'Anchor now the heads of every ticket changed since the last anchor',
        description: 'Answers 201 with the new anchor, or 200 with `anchor: null` when no ticket changed.',
        response: {
          200: { type: 'object', properties: { anchor: { type: 'null' } } },
          201: { type: 'object', required: ['anchor'], properties: { anchor: anchorSchema } },
          ...problemResponses(401, 403),
        },
      },
    },
    async (request, reply) => {
      const by = request.principal?.kind === 'user' ? request.principal.id : 'api';
      const anchor = await recordAnchor(app.db, new Date(app.clock.now()), request.log, by);
      return anchor ? reply.status(201).send({ anchor: viewOf(anchor) }) : { anchor: null };
    },
  );
}
