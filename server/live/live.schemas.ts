import { problemResponses } from '../routes/common.schemas.js';

const ticketIdParams = {
  type: 'object',
  required: ['ticketId'],
  additionalProperties: false,
  properties: { ticketId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } },
} as const;

/** A browser tab's own random id: several tabs of one person are told apart, and each leaves on its own. */
const tabSchema = {
  type: 'string',
  minLength: 8,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'The tab’s random id (8–64 letters, digits, - or _)',
} as const;

const viewersView = {
  type: 'object',
  required: ['ticketId', 'viewers'],
  additionalProperties: false,
  properties: {
    ticketId: { type: 'string' },
    viewers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'since'],
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          since: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
} as const;

export const liveStreamSchema = {
  tags: ['live'],
  summary: 'Event stream of what changed for me',
  description:
    'Server-sent events (`text/event-stream`): `ticket` `{ticketId, number, version}` when a ticket the caller may ' +
    'see changed, `notification` `{notificationId, ticketId}` when a notice was stored for the caller, `presence` ' +
    '`{ticketId, viewers}` (staff) when who has a ticket open changed, `resync` when events were missed (load ' +
    'again), `end` `{reason}` before the server closes the stream (signed out). Reconnect with `Last-Event-ID` ' +
    '(header, or `lastEventId` in the query) to receive what came in the last two minutes.',
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { lastEventId: { type: 'string', maxLength: 40, pattern: '^[0-9-]*$' } },
  },
  response: {
    200: {
      description: 'The event stream (stays open)',
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    },
    ...problemResponses(400, 401, 403),
  },
} as const;

export const presenceBeatSchema = {
  tags: ['live'],
  summary: 'I have this ticket open (send every 15 s)',
  description:
    'Staff only. Records that this tab shows the ticket for the next 40 seconds and answers who else has it open.',
  params: ticketIdParams,
  body: { type: 'object', required: ['tab'], additionalProperties: false, properties: { tab: tabSchema } },
  response: { 200: viewersView, ...problemResponses(400, 401, 403, 404) },
} as const;

export const presenceLeaveSchema = {
  tags: ['live'],
  summary: 'I closed this ticket',
  params: ticketIdParams,
  querystring: {
    type: 'object',
    required: ['tab'],
    additionalProperties: false,
    properties: { tab: tabSchema },
  },
  response: { 204: { description: 'Left', type: 'null' }, ...problemResponses(400, 401, 403) },
} as const;
