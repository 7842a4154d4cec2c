import type { FastifyInstance } from 'fastify';
import { accessContextOf, requireVisible } from '../access/record-rules.js';
import { badRequest, notFound } from '../lib/problem.js';
import { seesInternal, ticketPolicy } from '../tickets/ticket.access.js';
import type { InAppNotification } from './in-app.js';
import {
  deliveryView,
  listNotificationsQuery,
  notificationIdParams,
  notificationProblems,
  notificationView,
  ticketIdParams,
} from './notifications.schemas.js';
import type { OutboxEntry } from './outbox.js';

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

function toView(notification: InAppNotification) {
  return {
    id: notification._id,
    ticketId: notification.ticketId,
    ticketNumber: notification.ticketNumber,
    template: notification.template,
    subject: notification.subject,
    body: notification.body,
    text: notification.text ?? '',
    link: notification.link,
    createdAt: notification.createdAt.toISOString(),
    readAt: iso(notification.readAt),
  };
}

function toDelivery(entry: OutboxEntry) {
  return {
    id: entry._id,
    template: entry.template,
    channel: entry.channel,
    recipient: entry.recipient,
    recipientName: entry.recipientName,
    address: entry.address,
    subject: entry.subject,
    status: entry.status,
    attempts: entry.attempts,
    nextAttemptAt: iso(entry.nextAttemptAt),
    lastError: entry.lastError,
    renderProblems: entry.renderProblems ?? null,
    createdAt: entry.createdAt.toISOString(),
    sentAt: iso(entry.sentAt),
  };
}

function encodeCursor(notification: InAppNotification): string {
  return Buffer.from(JSON.stringify([notification.createdAt.getTime(), notification._id])).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'number' && typeof parsed[1] === 'string') {
      return { createdAt: new Date(parsed[0]), id: parsed[1] };
    }
  } catch {
    // answered below
  }
  throw badRequest('query.cursor', 'is not a cursor returned by this list');
}

/**
 * The bell: a person's own in-app notifications (`access: {}` — people only; integrations have no inbox), and the
 * deliveries recorded on a ticket for its staff.
 */
export async function notificationsRoutes(app: FastifyInstance) {
  const inbox = app.notifications.inbox;

  app.get(
    '/api/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: 'My in-app notifications, newest first',
        querystring: listNotificationsQuery,
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextCursor'],
            additionalProperties: false,
            properties: {
              items: { type: 'array', items: notificationView },
              nextCursor: { type: ['string', 'null'] },
            },
          },
          ...notificationProblems,
        },
      },
      config: { access: {} },
    },
    async (request) => {
      const query = request.query as { limit: number; cursor?: string; unread?: boolean };
      const after = query.cursor ? decodeCursor(query.cursor) : undefined;
      const found = await inbox.list(request.principal!.id, {
        limit: query.limit + 1,
        ...(after ? { after } : {}),
        ...(query.unread ? { unreadOnly: true } : {}),
      });
      const page = found.slice(0, query.limit);
      return {
        items: page.map(toView),
        nextCursor: found.length > query.limit ? encodeCursor(page[page.length - 1]!) : null,
      };
    },
  );

  app.get(
    '/api/notifications/unread-count',
    {
      schema: {
        tags: ['notifications'],
        summary: 'How many of my in-app notifications are unread',
        response: {
          200: {
            type: 'object',
            required: ['count'],
            additionalProperties: false,
            properties: { count: { type: 'integer' } },
          },
          ...notificationProblems,
        },
      },
      config: { access: {} },
    },
    async (request) => ({ count: await inbox.unreadCount(request.principal!.id) }),
  );

  app.post(
    '/api/notifications/:id/read',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Mark one of my notifications read (reading again keeps the first time)',
        params: notificationIdParams,
        response: { 200: notificationView, ...notificationProblems },
      },
      config: { access: {} },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const marked = await inbox.markRead(request.principal!.id, id, app.clock.now());
      // Someone else's notification answers exactly like a missing one.
      if (!marked) throw notFound('Notification');
      return toView(marked);
    },
  );

  app.post(
    '/api/notifications/read-all',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Mark all my notifications read',
        response: {
          200: {
            type: 'object',
            required: ['updated'],
            additionalProperties: false,
            properties: { updated: { type: 'integer', description: 'How many were unread' } },
          },
          ...notificationProblems,
        },
      },
      config: { access: {} },
    },
    async (request) => ({ updated: await inbox.markAllRead(request.principal!.id, app.clock.now()) }),
  );

  app.get(
    '/api/tickets/:id/deliveries',
    {
      schema: {
        tags: ['notifications', 'tickets'],
        summary:
          'Every message sent about a ticket: template, recipient, channel, status, attempts (staff only)',
        params: ticketIdParams,
        response: {
          200: {
            type: 'object',
            required: ['items'],
            additionalProperties: false,
            properties: { items: { type: 'array', items: deliveryView } },
          },
          ...notificationProblems,
        },
      },
      config: { access: { roles: ['admin', 'agent'] } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const context = await accessContextOf(request);
      const ticket = requireVisible(context, ticketPolicy, await app.tickets.tickets.findOne({ _id: id }));
      // Staff who only see the ticket as its requester (or a watcher) see no deliveries, as requesters do.
      if (!seesInternal(context, ticket)) return { items: [] };
      const deliveries = await app.notifications.deliveriesOf(id);
      return { items: deliveries.map(toDelivery) };
    },
  );
}
