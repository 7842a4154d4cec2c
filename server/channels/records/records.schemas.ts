import { localizedTextSchema, paginationQuerySchema } from '../../routes/common.schemas.js';
import { RECORD_ID_MAX, RECORD_KEY_PATTERN } from './records.model.js';
import { TRIGGER_EVENTS } from './triggers.service.js';

/** JSON Schemas of the records, record systems and triggers routes: the contract of each. */

const keySchema = {
  type: 'string',
  pattern: RECORD_KEY_PATTERN,
  description: 'Lower-case key: a-z, 0-9, _ and -',
} as const;

export const recordParams = {
  type: 'object',
  required: ['system', 'type', 'id'],
  additionalProperties: false,
  properties: {
    system: { ...keySchema, description: 'The other system, e.g. crm, erp, assets' },
    type: { ...keySchema, description: 'The kind of record in it, e.g. opportunity, order, server' },
    id: {
      type: 'string',
      minLength: 1,
      maxLength: RECORD_ID_MAX,
      description: 'The record’s id in its system',
    },
  },
} as const;

export const recordBody = {
  type: 'object',
  required: ['title'],
  additionalProperties: false,
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200 },
    owner: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description:
        'Who owns it: an Ordo person’s id, username or e-mail (triggers may open tickets for them), or a name',
    },
    url: { type: 'string', maxLength: 2000, description: 'http(s) address of the record in its own system' },
    updatedAt: {
      type: 'string',
      format: 'date-time',
      description:
        'When it last changed in its system; default: now. Conditions read it as daysSince.updatedAt',
    },
    data: {
      type: 'object',
      additionalProperties: true,
      description: 'Any JSON (≤ 64 kB; keys without "." or a leading "$"); conditions read it as data.*',
    },
  },
} as const;

const linkedTicket = {
  type: 'object',
  required: ['id', 'number'],
  properties: { id: { type: 'string' }, number: { type: 'string' } },
} as const;

export const recordView = {
  type: 'object',
  required: ['system', 'type', 'id', 'title', 'data', 'updatedAt', 'receivedAt', 'createdAt', 'tickets'],
  properties: {
    system: { type: 'string' },
    type: { type: 'string' },
    id: { type: 'string' },
    title: { type: 'string' },
    owner: { type: 'string' },
    url: { type: 'string' },
    data: { type: 'object', additionalProperties: true },
    updatedAt: { type: 'string', format: 'date-time' },
    receivedAt: { type: 'string', format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    tickets: { type: 'array', items: linkedTicket, description: 'Tickets linked to this record' },
  },
} as const;

export const recordListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    system: keySchema,
    type: keySchema,
    owner: { type: 'string', minLength: 1, maxLength: 200 },
    q: { type: 'string', minLength: 1, maxLength: 100, description: 'Part of the title or id' },
    updatedBefore: { type: 'string', format: 'date-time' },
    linked: { type: 'boolean', description: 'Only records with (true) or without (false) a linked ticket' },
    ...paginationQuerySchema,
  },
} as const;

export const recordSystemParams = {
  type: 'object',
  required: ['key'],
  additionalProperties: false,
  properties: { key: keySchema },
} as const;

export const recordSystemBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: localizedTextSchema,
    types: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        required: ['key', 'name'],
        additionalProperties: false,
        properties: { key: keySchema, name: localizedTextSchema },
      },
    },
    urlTemplate: {
      type: 'string',
      maxLength: 500,
      description:
        'http(s) address of a record with {id} (and {type}) in place, e.g. https://crm.example.com/{type}/{id}',
    },
  },
} as const;

export const recordSystemView = {
  type: 'object',
  required: ['key', 'name', 'types', 'records', 'updatedAt'],
  properties: {
    key: { type: 'string' },
    name: localizedTextSchema,
    types: {
      type: 'array',
      items: { type: 'object', properties: { key: { type: 'string' }, name: localizedTextSchema } },
    },
    urlTemplate: { type: 'string' },
    registered: { type: 'boolean', description: 'false: records arrived from it, but nobody named it yet' },
    records: { type: 'integer', description: 'How many records of this system Ordo holds' },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

const logic = {
  description: 'json-logic (checked when saved: 400 naming the field)',
} as const;

export const triggerBody = {
  type: 'object',
  required: ['name', 'kind', 'ticketType'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    description: { type: 'string', maxLength: 1000 },
    enabled: { type: 'boolean', default: true },
    kind: { type: 'string', enum: ['schedule', 'event'] },
    schedule: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description: 'Cron text, five fields (schedule)',
    },
    timezone: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description: 'IANA zone; default Asia/Shanghai',
    },
    source: {
      type: 'object',
      required: ['system', 'type'],
      additionalProperties: false,
      properties: { system: keySchema, type: keySchema },
      description: 'The records a scheduled trigger looks at',
    },
    events: {
      type: 'array',
      minItems: 1,
      maxItems: TRIGGER_EVENTS.length,
      uniqueItems: true,
      items: { type: 'string', enum: [...TRIGGER_EVENTS] },
      description: 'The ticket events an event trigger listens to',
    },
    condition: logic,
    ticketType: { type: 'string', minLength: 1, maxLength: 64 },
    team: { type: 'string', minLength: 1, maxLength: 64 },
    requester: {
      type: 'string',
      pattern: '^[0-9a-f]{24}$',
      description:
        'The person tickets are opened for (required for schedule triggers; event triggers: default the source ticket’s requester)',
    },
    requesterFromOwner: { type: 'boolean', default: false },
    channel: { type: 'string', minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9-]*$' },
    mapping: {
      type: 'object',
      maxProperties: 50,
      additionalProperties: logic,
      description: 'json-logic per form field of the ticket type',
    },
    repeat: {
      type: 'string',
      enum: ['never', 'day', 'week', 'month', 'run'],
      description:
        'How often one record may open a ticket: never again, once a day / week / month, every run',
    },
  },
} as const;

const counts = {
  examined: { type: 'integer' },
  matched: { type: 'integer' },
  opened: { type: 'integer' },
  existing: { type: 'integer' },
  failed: { type: 'integer' },
} as const;

export const runView = {
  type: 'object',
  required: ['runId', 'startedAt', 'status', 'reason', 'examined', 'matched', 'opened', 'existing', 'failed'],
  properties: {
    runId: { type: 'string' },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    status: { type: 'string', enum: ['running', 'finished', 'failed'] },
    reason: { type: 'string', enum: ['schedule', 'manual', 'event'] },
    scheduledAt: { type: 'string', format: 'date-time' },
    period: { type: 'string' },
    attempt: { type: 'integer' },
    error: { type: 'string' },
    failures: {
      type: 'array',
      items: { type: 'object', properties: { record: { type: 'string' }, reason: { type: 'string' } } },
    },
    ...counts,
  },
} as const;

export const triggerView = {
  type: 'object',
  required: [
    'id',
    'name',
    'enabled',
    'kind',
    'timezone',
    'ticketType',
    'requesterFromOwner',
    'channel',
    'mapping',
    'repeat',
    'revision',
    'updatedAt',
  ],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    enabled: { type: 'boolean' },
    kind: { type: 'string' },
    schedule: { type: 'string' },
    timezone: { type: 'string' },
    source: { type: 'object', properties: { system: { type: 'string' }, type: { type: 'string' } } },
    events: { type: 'array', items: { type: 'string' } },
    condition: {},
    ticketType: { type: 'string' },
    team: { type: 'string' },
    requester: { type: 'string' },
    requesterFromOwner: { type: 'boolean' },
    channel: { type: 'string' },
    mapping: { type: 'object', additionalProperties: true },
    repeat: { type: 'string' },
    nextRunAt: { type: 'string', format: 'date-time' },
    upcoming: {
      type: 'array',
      items: { type: 'string', format: 'date-time' },
      description: 'The next scheduled runs',
    },
    lastRun: runView,
    revision: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    updatedBy: { type: 'string' },
  },
} as const;

export const triggerParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{24}$' } },
} as const;

const sampleRecord = {
  type: 'object',
  required: ['id', 'title'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: RECORD_ID_MAX },
    ...recordBody.properties,
  },
} as const;

export const triggerTestBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    trigger: { ...triggerBody, description: 'An unsaved trigger (the editor’s form); absent on /:id/test' },
    records: {
      type: 'array',
      maxItems: 50,
      items: sampleRecord,
      description: 'Sample records to try instead of the stored ones (schedule triggers)',
    },
    ticketId: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9_-]+$',
      description: 'A ticket to try an event trigger on',
    },
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: 500,
      default: 100,
      description: 'Stored records looked at',
    },
  },
} as const;

export const triggerTestView = {
  type: 'object',
  required: ['period', 'examined', 'matched', 'items'],
  properties: {
    period: { type: 'string' },
    examined: { type: 'integer' },
    matched: { type: 'integer' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['source', 'matched'],
        properties: {
          source: { type: 'string' },
          title: { type: 'string' },
          matched: { type: 'boolean' },
          ticketId: { type: 'string' },
          exists: { type: 'boolean' },
          requester: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
          data: { type: 'object', additionalProperties: true },
          problems: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                field: { type: 'string' },
                text: { type: 'object', properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } } },
              },
            },
          },
        },
      },
    },
  },
} as const;

/** The test of a saved trigger: the same, without the trigger. */
export const storedTriggerTestBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    records: triggerTestBody.properties.records,
    ticketId: triggerTestBody.properties.ticketId,
    limit: triggerTestBody.properties.limit,
  },
} as const;
