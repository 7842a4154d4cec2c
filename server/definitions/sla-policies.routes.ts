import type { FastifyInstance } from 'fastify';
import type { LocalizedText } from '../../runtime/common/types.js';
import type { RouteAccess } from '../access/route-access.js';
import { actorOf, expectedRevision, ifMatchHeaders, requestTime, withEtag } from './definitions.http.js';
import {
  conflictResponse,
  invalidDefinitionResponse,
  localizedTextSchema,
  problemResponses,
  resourceKeySchema,
  resourceParams,
} from './definitions.schemas.js';
import { createSlaPolicy, getSlaPolicy, listSlaPolicies, updateSlaPolicy } from './sla-policies.service.js';

const writers: RouteAccess = { roles: ['admin', 'designer'] };
const readers: RouteAccess = { scopes: ['definitions:read'] };

const slaPolicyViewSchema = {
  type: 'object',
  required: ['key', 'name', 'revision', 'updatedAt', 'updatedBy', 'policy'],
  properties: {
    key: { type: 'string' },
    name: localizedTextSchema,
    revision: { type: 'integer', description: 'Send it as If-Match to refuse overwriting a newer save' },
    updatedAt: { type: 'string', format: 'date-time' },
    updatedBy: { type: 'string' },
    policy: { type: 'object', additionalProperties: true },
  },
} as const;

const policyBody = {
  type: 'object',
  description: 'The policy: targets by priority, calendar, pausing statuses, warning threshold, escalations',
  additionalProperties: true,
} as const;

interface PolicyBody {
  key?: string;
  name: LocalizedText;
  policy: Record<string, unknown>;
}

export async function slaPolicyRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/api/sla-policies',
    {
      config: { access: readers },
      schema: {
        tags: ['definitions'],
        summary: 'SLA policies ticket types can refer to by key',
        response: { 200: { type: 'array', items: slaPolicyViewSchema }, ...problemResponses(401, 403) },
      },
    },
    async () => listSlaPolicies(app.db),
  );

  app.get<{ Params: { key: string } }>(
    '/api/sla-policies/:key',
    {
      config: { access: readers },
      schema: {
        tags: ['definitions'],
        summary: 'One SLA policy',
        params: resourceParams,
        response: { 200: slaPolicyViewSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => withEtag(reply, await getSlaPolicy(app.db, request.params.key)),
  );

  app.post<{ Body: PolicyBody & { key: string } }>(
    '/api/sla-policies',
    {
      config: { access: writers },
      schema: {
        tags: ['definitions'],
        summary: 'Create an SLA policy',
        description: 'A ticket type uses it with "sla": "<key>"; publishing embeds the policy as it is then.',
        body: {
          type: 'object',
          required: ['key', 'name', 'policy'],
          additionalProperties: false,
          properties: { key: resourceKeySchema, name: localizedTextSchema, policy: policyBody },
        },
        response: {
          201: slaPolicyViewSchema,
          ...problemResponses(400, 401, 403, 409),
          ...invalidDefinitionResponse,
        },
      },
    },
    async (request, reply) => {
      const created = await createSlaPolicy(app.db, request.body, actorOf(request), requestTime(app));
      return reply.status(201).send(withEtag(reply, created));
    },
  );

  app.put<{ Params: { key: string }; Body: PolicyBody }>(
    '/api/sla-policies/:key',
    {
      config: { access: writers },
      schema: {
        tags: ['definitions'],
        summary: 'Replace an SLA policy',
        description:
          'Running tickets keep the policy their version embedded; a change reaches a type at its next publish.',
        params: resourceParams,
        headers: ifMatchHeaders,
        body: {
          type: 'object',
          required: ['name', 'policy'],
          additionalProperties: false,
          properties: { key: resourceKeySchema, name: localizedTextSchema, policy: policyBody },
        },
        response: {
          200: slaPolicyViewSchema,
          ...problemResponses(400, 401, 403, 404),
          ...conflictResponse,
          ...invalidDefinitionResponse,
        },
      },
    },
    async (request, reply) => {
      const updated = await updateSlaPolicy(
        app.db,
        request.params.key,
        request.body,
        actorOf(request),
        requestTime(app),
        expectedRevision(request),
      );
      return withEtag(reply, updated);
    },
  );
}
