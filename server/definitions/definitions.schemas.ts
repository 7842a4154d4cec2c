/**
 * Route schemas of the definitions API. Definition bodies are the runtime's to check (the API only needs their
 * identity to store a draft), so they are open objects here; what the runtime finds comes back as `problems`.
 */
import { SIMPLE_KEY_PATTERN, TICKET_TYPE_KEY_PATTERN } from '../../runtime/definitions/index.js';
import { localizedTextSchema, problemSchema } from '../routes/common.schemas.js';

export { localizedTextSchema, problemResponses } from '../routes/common.schemas.js';

/** Calendar and SLA policy keys, as the runtime's calendar schema writes them. */
export const RESOURCE_KEY_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';

export const ticketTypeKeySchema = {
  type: 'string',
  minLength: 1,
  maxLength: 100,
  pattern: TICKET_TYPE_KEY_PATTERN,
  description: 'The ticket type key, e.g. it.incident',
} as const;

export const resourceKeySchema = {
  type: 'string',
  pattern: RESOURCE_KEY_PATTERN,
  description: 'A key such as cn-standard',
} as const;

export const ticketTypeParams = {
  type: 'object',
  required: ['key'],
  additionalProperties: false,
  properties: { key: ticketTypeKeySchema },
} as const;

export const resourceParams = {
  type: 'object',
  required: ['key'],
  additionalProperties: false,
  properties: { key: resourceKeySchema },
} as const;

export const versionNumberSchema = { type: 'integer', minimum: 1, maximum: 1_000_000 } as const;

const anyObject = { type: 'object', additionalProperties: true } as const;

/** A ticket type as the studio saves it: identity required, every other part free while it is a draft. */
export const ticketTypeSourceSchema = {
  type: 'object',
  required: ['key', 'name', 'category'],
  additionalProperties: true,
  properties: {
    key: ticketTypeKeySchema,
    name: localizedTextSchema,
    category: { type: 'string', minLength: 1, maxLength: 50, pattern: SIMPLE_KEY_PATTERN },
  },
} as const;

/** A problem found in a definition (runtime `Problem`). */
export const definitionProblemSchema = {
  type: 'object',
  required: ['code', 'path', 'text'],
  properties: {
    code: { type: 'string' },
    path: { type: 'string', description: 'JSON pointer into the definition' },
    nodeId: { type: 'string' },
    edgeId: { type: 'string' },
    params: anyObject,
    text: {
      type: 'object',
      required: ['zh-CN', 'en'],
      properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
    },
  },
} as const;

export const explanationSchema = {
  type: 'object',
  required: ['code', 'text'],
  properties: {
    code: { type: 'string' },
    params: anyObject,
    text: {
      type: 'object',
      required: ['zh-CN', 'en'],
      properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
    },
  },
} as const;

const problemsBodySchema = {
  ...problemSchema,
  properties: {
    ...problemSchema.properties,
    problems: { type: 'array', items: definitionProblemSchema },
  },
} as const;

/** 422 `application/problem+json` carrying every problem of the definition. */
export const invalidDefinitionResponse = {
  422: {
    description: 'The definition has problems; `problems` lists each with its path and texts',
    content: { 'application/problem+json': { schema: problemsBodySchema } },
  },
} as const;

/** 409 that may carry the current revision or version and, for “nothing changed”, the problem in words. */
export const conflictResponse = {
  409: {
    description: 'Stale revision or version, or a concurrent publish; the body says what is current',
    content: {
      'application/problem+json': {
        schema: {
          ...problemSchema,
          properties: {
            ...problemSchema.properties,
            currentRevision: { type: 'integer' },
            latestVersion: { type: 'integer' },
            updatedAt: { type: 'string' },
            updatedBy: { type: 'string' },
            problems: { type: 'array', items: definitionProblemSchema },
          },
        },
      },
    },
  },
} as const;

export const ticketTypeSummarySchema = {
  type: 'object',
  required: ['key', 'name', 'category', 'latestVersion'],
  properties: {
    key: { type: 'string' },
    name: localizedTextSchema,
    category: { type: 'string' },
    categoryName: {
      type: 'object',
      description: 'What people call the category, when the definition names it',
      properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
    },
    latestVersion: { type: 'integer', description: '0 before the first publish' },
    latestPublishedAt: { type: 'string', format: 'date-time' },
    hasUnpublishedChanges: { type: 'boolean', description: 'Designers only' },
    draftRevision: { type: 'integer', description: 'Designers only' },
    updatedAt: { type: 'string', format: 'date-time' },
    updatedBy: { type: 'string' },
  },
} as const;

export const ticketTypeViewSchema = {
  type: 'object',
  required: ['key', 'name', 'category', 'latestVersion', 'view', 'definition'],
  properties: {
    key: { type: 'string' },
    name: localizedTextSchema,
    category: { type: 'string' },
    latestVersion: { type: 'integer' },
    view: {
      type: 'string',
      enum: ['draft', 'published'],
      description: 'draft: the editable draft (designers); published: the newest published version',
    },
    hasUnpublishedChanges: { type: 'boolean' },
    draftRevision: { type: 'integer', description: 'Send it back when saving the draft' },
    updatedAt: { type: 'string', format: 'date-time' },
    updatedBy: { type: 'string' },
    version: { type: 'integer' },
    publishedAt: { type: 'string', format: 'date-time' },
    publishedBy: { type: 'string' },
    note: { type: 'string' },
    definition: anyObject,
  },
} as const;

export const versionSummarySchema = {
  type: 'object',
  required: ['key', 'version', 'name', 'category', 'note', 'publishedAt', 'publishedBy', 'sha256'],
  properties: {
    key: { type: 'string' },
    version: { type: 'integer' },
    name: localizedTextSchema,
    category: { type: 'string' },
    note: { type: 'string' },
    publishedAt: { type: 'string', format: 'date-time' },
    publishedBy: { type: 'string' },
    sha256: { type: 'string', description: 'Hash of the frozen definition' },
    rolledBackFrom: { type: 'integer', description: 'The version this one re-published' },
  },
} as const;

export const versionViewSchema = {
  type: 'object',
  required: [...versionSummarySchema.required, 'definition', 'source'],
  properties: {
    ...versionSummarySchema.properties,
    definition: {
      ...anyObject,
      description: 'Frozen: the SLA policy embedded under sla, the calendars it uses under calendars',
    },
    source: { ...anyObject, description: 'The draft as published, references unresolved' },
  },
} as const;

export const validationReportSchema = {
  type: 'object',
  required: ['valid', 'problems'],
  properties: {
    valid: { type: 'boolean' },
    problems: { type: 'array', items: definitionProblemSchema },
    draftRevision: { type: 'integer', description: 'The draft revision that was checked' },
  },
} as const;

export const noteSchema = { type: 'string', maxLength: 2000 } as const;
