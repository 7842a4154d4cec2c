import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { accessProblem } from '../access/messages.js';
import type { UserPrincipal } from '../access/principal.js';
import { API_KEY_SCOPES, type ApiKeyScope } from '../access/roles.js';
import { newApiKey, sha256 } from '../access/tokens.js';
import type { ApiKeyRecord } from '../models/api-key.model.js';
import { noContent, objectIdSchema, problemResponses } from './common.schemas.js';

const scopesSchema = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', enum: API_KEY_SCOPES },
} as const;

const apiKeyIdSchema = { type: 'string', pattern: '^[0-9a-f]{16}$' } as const;

const apiKeyViewSchema = {
  type: 'object',
  required: ['id', 'name', 'scopes', 'createdAt', 'createdBy'],
  additionalProperties: false,
  properties: {
    id: apiKeyIdSchema,
    name: { type: 'string' },
    scopes: scopesSchema,
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: objectIdSchema,
    lastUsedAt: { type: 'string', format: 'date-time' },
    revokedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const createdApiKeySchema = {
  ...apiKeyViewSchema,
  required: [...apiKeyViewSchema.required, 'key'],
  properties: {
    ...apiKeyViewSchema.properties,
    key: {
      type: 'string',
      description: 'Send as the X-Api-Key header. Shown only in this answer: store it now.',
    },
  },
} as const;

interface CreateApiKeyBody {
  name: string;
  scopes: ApiKeyScope[];
}

function toApiKeyView(record: ApiKeyRecord) {
  return {
    id: record._id,
    name: record.name,
    scopes: record.scopes,
    createdAt: record.createdAt.toISOString(),
    createdBy: record.createdBy.toHexString(),
    ...(record.lastUsedAt ? { lastUsedAt: record.lastUsedAt.toISOString() } : {}),
    ...(record.revokedAt ? { revokedAt: record.revokedAt.toISOString() } : {}),
  };
}

const adminOnly = { access: { roles: ['admin'] as const } };

export async function apiKeysRoutes(app: FastifyInstance) {
  const { ApiKey } = app.models;

  app.get(
    '/api/api-keys',
    {
      config: adminOnly,
      schema: {
        tags: ['integrations'],
        summary: 'List integration keys (never the keys themselves)',
        response: {
          200: {
            type: 'object',
            required: ['items', 'total'],
            properties: { items: { type: 'array', items: apiKeyViewSchema }, total: { type: 'integer' } },
          },
          ...problemResponses(401, 403),
        },
      },
    },
    async () => {
      const keys = await ApiKey.find({}).sort({ createdAt: -1 }).lean();
      return { items: keys.map(toApiKeyView), total: keys.length };
    },
  );

  app.post<{ Body: CreateApiKeyBody }>(
    '/api/api-keys',
    {
      config: adminOnly,
      schema: {
        tags: ['integrations'],
        summary: 'Create an integration key with scopes; the key is shown once',
        body: {
          type: 'object',
          required: ['name', 'scopes'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, scopes: scopesSchema },
        },
        response: { 201: createdApiKeySchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { id, secret, key } = newApiKey();
      const principal = request.principal as UserPrincipal;
      const created = await ApiKey.create({
        _id: id,
        name: request.body.name,
        scopes: request.body.scopes,
        secretHash: sha256(secret),
        createdAt: new Date(app.clock.now()),
        createdBy: new Types.ObjectId(principal.id),
      });
      return reply.status(201).send({ ...toApiKeyView(created.toObject()), key });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/api-keys/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['integrations'],
        summary: 'Revoke an integration key; it answers 401 from then on',
        params: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: { id: apiKeyIdSchema },
        },
        response: { 204: noContent, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const key = await ApiKey.findById(request.params.id).lean();
      if (!key) throw accessProblem('api-key-not-found');
      // Revoking twice keeps the first revocation time.
      if (!key.revokedAt) {
        await ApiKey.updateOne({ _id: key._id }, { $set: { revokedAt: new Date(app.clock.now()) } });
      }
      return reply.status(204).send();
    },
  );
}
