import { COMMAND_NAMES } from '../../runtime/engine/index.js';
import { MEASURE_SORTS, reportingListQueryProperties } from '../analytics/analytics.filters.js';
import { LINK_LIMITS } from '../../runtime/engine/command-shape.js';
import { requesterContactSchema } from './intake-requester.js';

/**
 * Where tickets come from: the `channel` of an open, a reporting field (the studio names each in both languages,
 * studio/src/api/types.ts TICKET_CHANNELS). People type in `web` / `portal`; staff register `phone`, `chat`,
 * `walk-in`, `email`, `social`; integrations and channels the rest.
 */
export const TICKET_CHANNELS = [
  'web',
  'portal',
  'email',
  'phone',
  'chat',
  'walk-in',
  'social',
  'api',
  'alert',
  'schedule',
  'erp',
  'crm',
  'oa',
] as const;

/** JSON Schemas of the ticket routes: the whole contract of each, published at /docs. */

export const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    field: { type: 'string' },
  },
  additionalProperties: true,
} as const;

const stringList = { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 100 } as const;

export const openTicketBody = {
  type: 'object',
  required: ['type', 'data'],
  additionalProperties: false,
  properties: {
    type: { type: 'string', minLength: 1, maxLength: 120, description: 'Ticket type key, e.g. it.incident' },
    data: { type: 'object', description: 'Form values, validated by the type’s form' },
    channel: {
      type: 'string',
      enum: TICKET_CHANNELS,
      description:
        'Where the request came from (a reporting field); `web` for people, `api` for integrations',
    },
    requester: { type: 'string', maxLength: 64, description: 'User id; staff may open on someone’s behalf' },
    requesterContact: requesterContactSchema,
    link: {
      type: 'object',
      required: ['system', 'type', 'id'],
      additionalProperties: false,
      description:
        'A record in another system the ticket is about (an ERP order, a CRM case), linked on open',
      properties: {
        system: { type: 'string', minLength: 1, maxLength: LINK_LIMITS.system, pattern: '\\S' },
        type: { type: 'string', minLength: 1, maxLength: LINK_LIMITS.type, pattern: '\\S' },
        id: { type: 'string', minLength: 1, maxLength: LINK_LIMITS.id, pattern: '\\S' },
        url: { type: 'string', maxLength: LINK_LIMITS.url },
        title: { type: 'string', maxLength: LINK_LIMITS.title },
      },
    },
    watchers: stringList,
    tags: stringList,
  },
} as const;

/** Commands only the server itself sends: opening, and what it reports about sub-tickets and effects. */
const SERVER_ONLY_COMMANDS: ReadonlySet<string> = new Set([
  'open',
  'subticket-finished',
  'subticket-opened',
  'effect-failed',
]);

export const commandBody = {
  type: 'object',
  required: ['command', 'version'],
  additionalProperties: true,
  properties: {
    command: { type: 'string', enum: COMMAND_NAMES.filter((name) => !SERVER_ONLY_COMMANDS.has(name)) },
    version: { type: 'integer', minimum: 1, description: 'The ticket version the caller saw' },
  },
} as const;

export const ticketIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', maxLength: 200, description: 'Status categories or keys, comma-separated' },
    type: { type: 'string', maxLength: 200 },
    version: {
      type: 'integer',
      minimum: 1,
      description: 'Only tickets running this published version of the type (with `type` naming one type)',
    },
    node: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description: 'Only tickets waiting at this flow node now (node id; with `type` naming one type)',
    },
    team: { type: 'string', maxLength: 200 },
    assignee: { type: 'string', maxLength: 64, description: 'User id, `me`, or `none`' },
    requester: { type: 'string', maxLength: 64, description: 'User id or `me`' },
    watching: { type: 'string', maxLength: 64, description: 'Tickets watched by a user id or `me`' },
    awaiting: {
      type: 'string',
      enum: ['me', 'approval', 'step'],
      description:
        'Tickets waiting for the caller now: `approval` (my approvals), `step` (my steps: open tasks assigned to me or my teams), `me` (either)',
    },
    involved: {
      type: 'string',
      enum: ['me'],
      description: 'Tickets whose flow names the caller, now or before (approvals decided, steps worked)',
    },
    priority: { type: 'string', maxLength: 100 },
    channel: { type: 'string', maxLength: 100 },
    text: { type: 'string', maxLength: 200 },
    sort: {
      type: 'string',
      enum: ['sla', 'created', '-created', 'updated', '-updated', 'priority', ...Object.keys(MEASURE_SORTS)],
      default: 'sla',
    },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    cursor: { type: 'string', maxLength: 400 },
    ...reportingListQueryProperties,
  },
} as const;

const slaClock = {
  type: ['object', 'null'],
  additionalProperties: true,
} as const;

export const ticketSummary = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    number: { type: 'string' },
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'object', properties: { category: { type: 'string' }, key: { type: 'string' } } },
    priority: { type: 'string' },
    team: { type: ['string', 'null'] },
    assignee: { type: ['string', 'null'] },
    requester: { type: 'string' },
    channel: { type: 'string' },
    slaDueAt: { type: ['string', 'null'] },
    slaLeft: {
      type: ['object', 'null'],
      additionalProperties: true,
      description:
        'Time left on the clock due first: business minutes of its calendar (negative once overdue), as of `asOf`, with its zone and the working intervals of the next two days',
    },
    highlight: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    version: { type: 'integer' },
  },
} as const;

export const ticketView = {
  type: 'object',
  additionalProperties: true,
  properties: {
    ...ticketSummary.properties,
    typeVersion: { type: 'integer' },
    data: { type: 'object', additionalProperties: true },
    watchers: { type: 'array', items: { type: 'string' } },
    assistants: { type: 'array', items: { type: 'string' } },
    tags: { type: 'array', items: { type: 'string' } },
    links: {
      type: 'array',
      description: 'Records in other systems (ERP, CRM, assets) the ticket is linked to',
      items: {
        type: 'object',
        required: ['system', 'type', 'id', 'addedBy', 'at'],
        properties: {
          system: { type: 'string' },
          type: { type: 'string' },
          id: { type: 'string' },
          url: { type: 'string' },
          title: { type: 'string' },
          addedBy: { type: 'string' },
          at: { type: 'number', description: 'Epoch milliseconds' },
        },
      },
    },
    sla: {
      type: 'object',
      additionalProperties: true,
      properties: { firstResponse: slaClock, resolution: slaClock },
    },
    steps: { type: 'array', items: { type: 'object', additionalProperties: true } },
    explanations: { type: 'object', additionalProperties: true },
    allowedCommands: { type: 'array', items: { type: 'string' } },
  },
} as const;
