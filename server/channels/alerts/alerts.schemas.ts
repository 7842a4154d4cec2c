import { PRESETS, PRIORITIES } from './alert-mapping.js';

/** JSON Schemas of the alert channel routes (their contract). */

export const channelIdSchema = { type: 'string', pattern: '^ac[0-9a-f]{16}$' } as const;
const prioritySchema = { type: 'string', enum: PRIORITIES } as const;
const fieldKeySchema = '^[A-Za-z_][A-Za-z0-9_-]{0,63}$';

export const expressionSchema = {
  oneOf: [
    {
      type: 'object',
      required: ['path'],
      additionalProperties: false,
      properties: { path: { type: 'string', minLength: 1, maxLength: 300 } },
    },
    {
      type: 'object',
      required: ['logic'],
      additionalProperties: false,
      properties: { logic: {} },
    },
  ],
} as const;

export const mappingSchema = {
  type: 'object',
  required: ['fingerprint', 'title'],
  additionalProperties: false,
  properties: {
    items: { type: 'string', minLength: 1, maxLength: 300 },
    fingerprint: expressionSchema,
    title: expressionSchema,
    status: expressionSchema,
    description: expressionSchema,
    severity: expressionSchema,
    startsAt: expressionSchema,
    endsAt: expressionSchema,
    labels: expressionSchema,
    annotations: expressionSchema,
    url: expressionSchema,
  },
} as const;

const severityMapSchema = {
  type: 'object',
  maxProperties: 50,
  propertyNames: { pattern: '^(\\*|[a-z0-9_-]{1,40})$' },
  additionalProperties: prioritySchema,
} as const;

const priorityDataSchema = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    PRIORITIES.map((priority) => [
      priority,
      { type: 'object', maxProperties: 30, propertyNames: { pattern: fieldKeySchema } },
    ]),
  ),
} as const;

const dataMappingSchema = {
  type: 'object',
  maxProperties: 50,
  propertyNames: { pattern: fieldKeySchema },
  additionalProperties: expressionSchema,
} as const;

/** What an admin sets on a channel. */
const settings = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  enabled: { type: 'boolean' },
  typeKey: { type: 'string', minLength: 1, maxLength: 100 },
  requesterId: { type: 'string', pattern: '^[0-9a-f]{24}$' },
  team: { type: ['string', 'null'], maxLength: 100 },
  preset: { type: 'string', enum: PRESETS },
  mapping: { anyOf: [mappingSchema, { type: 'null' }] },
  severityMap: severityMapSchema,
  defaultPriority: prioritySchema,
  priorityData: priorityDataSchema,
  dataMapping: dataMappingSchema,
  autoResolve: { type: 'boolean' },
  signed: { type: 'boolean', description: 'Payloads must carry X-Ordo-Signature (HMAC-SHA256 of the body)' },
} as const;

export const createChannelBody = {
  type: 'object',
  required: ['name', 'typeKey', 'requesterId'],
  additionalProperties: false,
  properties: settings,
} as const;

export const patchChannelBody = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: settings,
} as const;

export const channelViewSchema = {
  type: 'object',
  required: [
    'id',
    'name',
    'enabled',
    'webhookPath',
    'keyHint',
    'keyRotatedAt',
    'signed',
    'preset',
    'typeKey',
    'requesterId',
    'severityMap',
    'defaultPriority',
    'priorityData',
    'dataMapping',
    'autoResolve',
    'createdAt',
    'updatedAt',
  ],
  additionalProperties: false,
  properties: {
    id: channelIdSchema,
    name: { type: 'string' },
    enabled: { type: 'boolean' },
    webhookPath: { type: 'string' },
    keyHint: { type: 'string' },
    keyRotatedAt: { type: 'string', format: 'date-time' },
    signed: { type: 'boolean' },
    preset: { type: 'string', enum: PRESETS },
    mapping: mappingSchema,
    typeKey: { type: 'string' },
    requesterId: { type: 'string' },
    team: { type: 'string' },
    severityMap: { type: 'object', additionalProperties: prioritySchema },
    defaultPriority: prioritySchema,
    priorityData: { type: 'object', additionalProperties: { type: 'object', additionalProperties: true } },
    dataMapping: { type: 'object', additionalProperties: expressionSchema },
    autoResolve: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const secretsSchema = {
  type: 'object',
  properties: {
    key: { type: 'string', description: 'Send as X-Ordo-Alert-Key. Shown only in this answer.' },
    signingSecret: {
      type: 'string',
      description: 'Sign bodies with it (X-Ordo-Signature: sha256=<hex HMAC>). Shown only in this answer.',
    },
  },
} as const;

export const alertSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['fingerprint', 'status', 'title', 'description', 'severity', 'labels', 'annotations'],
  properties: {
    fingerprint: { type: 'string' },
    status: { type: 'string', enum: ['firing', 'resolved'] },
    title: { type: 'string' },
    description: { type: 'string' },
    severity: { type: 'string' },
    startsAt: { type: 'string' },
    endsAt: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    url: { type: 'string' },
  },
} as const;

export const outcomeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['fingerprint', 'status', 'outcome'],
  properties: {
    fingerprint: { type: 'string' },
    status: { type: 'string', enum: ['firing', 'resolved'] },
    outcome: {
      type: 'string',
      enum: ['opened', 'occurrence', 'resolved', 'resolution-recorded', 'already-recorded', 'no-open-ticket'],
    },
    ticketId: { type: 'string' },
    number: { type: 'string' },
    occurrence: { type: 'integer' },
    episode: { type: 'integer' },
  },
} as const;

export const outcomesSchema = {
  type: 'object',
  required: ['items'],
  additionalProperties: false,
  properties: { items: { type: 'array', items: outcomeSchema } },
} as const;

export const rejectionViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'at', 'code', 'reason', 'payload', 'truncated', 'replays'],
  properties: {
    id: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    code: { type: 'string' },
    field: { type: 'string' },
    reason: {
      type: 'object',
      required: ['zh-CN', 'en'],
      properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
    },
    payload: { type: 'string' },
    truncated: { type: 'boolean' },
    replays: { type: 'integer' },
    replayedAt: { type: 'string', format: 'date-time' },
    settledAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const testResultSchema = {
  type: 'object',
  required: ['items'],
  additionalProperties: false,
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['alert', 'action', 'priority', 'data'],
        properties: {
          alert: alertSchema,
          action: {
            type: 'string',
            enum: ['open', 'add-occurrence', 'record-resolution', 'resolve', 'nothing'],
          },
          priority: prioritySchema,
          data: { type: 'object', additionalProperties: true },
          ticket: {
            type: 'object',
            additionalProperties: false,
            properties: {
              id: { type: 'string' },
              number: { type: 'string' },
              occurrences: { type: 'integer' },
            },
          },
          opens: {
            type: 'object',
            additionalProperties: false,
            properties: {
              ok: { type: 'boolean' },
              priority: { type: 'string' },
              team: { type: 'string' },
              assignee: { type: 'string' },
              error: {
                type: 'object',
                additionalProperties: true,
                properties: { code: { type: 'string' }, field: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const occurrenceSummarySchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'channelId',
    'channelName',
    'fingerprint',
    'episode',
    'count',
    'severity',
    'title',
    'resolutions',
  ],
  properties: {
    channelId: { type: 'string' },
    channelName: { type: 'string' },
    fingerprint: { type: 'string' },
    episode: { type: 'integer' },
    count: { type: 'integer' },
    firstSeen: { type: 'string', format: 'date-time' },
    lastSeen: { type: 'string', format: 'date-time' },
    severity: { type: 'string' },
    title: { type: 'string' },
    url: { type: 'string' },
    resolutions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['at', 'resolvedTicket'],
        properties: {
          at: { type: 'string', format: 'date-time' },
          endsAt: { type: 'string' },
          resolvedTicket: { type: 'boolean' },
        },
      },
    },
  },
} as const;
