import { problemSchema } from '../routes/common.schemas.js';

/** The contract of the notification routes, published at /docs. */

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
});

export const notificationProblems = {
  400: problem('Invalid input; `field` names it'),
  401: problem('Not signed in, or the session is no longer valid'),
  403: problem('Signed in, but not allowed to do this'),
  404: problem('Not found (or not yours)'),
} as const;

export const notificationView = {
  type: 'object',
  required: [
    'id',
    'ticketId',
    'ticketNumber',
    'template',
    'subject',
    'body',
    'text',
    'link',
    'createdAt',
    'readAt',
  ],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    ticketId: { type: 'string' },
    ticketNumber: { type: 'string' },
    template: { type: 'string', description: 'Template key, e.g. ticket-assigned, confirm-requested' },
    subject: { type: 'string' },
    body: { type: 'string', description: 'HTML; every inserted value is escaped' },
    text: { type: 'string', description: 'The body as plain text' },
    link: {
      type: ['string', 'null'],
      description: 'A signed public link the message carries (confirm, survey)',
    },
    createdAt: { type: 'string', format: 'date-time' },
    readAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export const listNotificationsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: { type: 'string', maxLength: 200, description: 'nextCursor of the previous page' },
    unread: { type: 'boolean', description: 'Only unread ones' },
  },
} as const;

export const notificationIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1, maxLength: 400 } },
} as const;

export const ticketIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const deliveryView = {
  type: 'object',
  required: ['id', 'template', 'channel', 'recipient', 'status', 'attempts', 'createdAt', 'sentAt'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    template: { type: 'string', description: 'Template key; `webhook` for webhook calls' },
    channel: { type: 'string', enum: ['email', 'in-app', 'webhook'] },
    recipient: { type: 'string', description: 'User id, email address or webhook URL' },
    recipientName: { type: ['string', 'null'] },
    address: { type: ['string', 'null'], description: 'Where email went' },
    subject: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['pending', 'sent', 'failed'] },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: ['string', 'null'], format: 'date-time' },
    lastError: { type: ['string', 'null'] },
    renderProblems: { type: ['array', 'null'], items: { type: 'string' } },
    createdAt: { type: 'string', format: 'date-time' },
    sentAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;
