import type { FastifyInstance } from 'fastify';
import type { RouteAccess } from '../access/route-access.js';
import { actorOf, expectedRevision, ifMatchHeaders, requestTime, withEtag } from './definitions.http.js';
import { calendarSchema, type BusinessCalendarDefinition } from '../../runtime/time/index.js';
import {
  createCalendar,
  getCalendar,
  listCalendars,
  seedPresetCalendars,
  updateCalendar,
} from './calendars.service.js';
import {
  conflictResponse,
  invalidDefinitionResponse,
  localizedTextSchema,
  problemResponses,
  resourceParams,
} from './definitions.schemas.js';

const writers: RouteAccess = { roles: ['admin', 'designer'] };
const readers: RouteAccess = { scopes: ['definitions:read'] };

const calendarViewSchema = {
  type: 'object',
  required: ['key', 'name', 'zone', 'preset', 'revision', 'updatedAt', 'updatedBy', 'definition'],
  properties: {
    key: { type: 'string' },
    name: localizedTextSchema,
    zone: { type: 'string' },
    preset: { type: 'boolean', description: 'Shipped with Ordo (cn-standard, 24x7); still editable' },
    revision: { type: 'integer', description: 'Send it as If-Match to refuse overwriting a newer save' },
    updatedAt: { type: 'string', format: 'date-time' },
    updatedBy: { type: 'string' },
    definition: { type: 'object', additionalProperties: true },
  },
} as const;

/**
 * The request body is checked for its JSON shape only (object with a key); the runtime's calendar schema and
 * checks decide validity and answer 422 with problems an admin can read, in both languages.
 */
const calendarBodySchema = {
  type: 'object',
  required: ['key'],
  additionalProperties: true,
  properties: { key: { type: 'string', pattern: calendarSchema.properties.key.pattern } },
} as const;

export async function calendarRoutes(app: FastifyInstance): Promise<void> {
  // Index-free collection (keyed by _id); the presets exist from the first start.
  await seedPresetCalendars(app.db, requestTime(app));

  app.get(
    '/api/calendars',
    {
      config: { access: readers },
      schema: {
        tags: ['definitions'],
        summary: 'Business calendars',
        response: { 200: { type: 'array', items: calendarViewSchema }, ...problemResponses(401, 403) },
      },
    },
    async () => listCalendars(app.db),
  );

  app.get<{ Params: { key: string } }>(
    '/api/calendars/:key',
    {
      config: { access: readers },
      schema: {
        tags: ['definitions'],
        summary: 'One business calendar',
        params: resourceParams,
        response: { 200: calendarViewSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => withEtag(reply, await getCalendar(app.db, request.params.key)),
  );

  app.post<{ Body: BusinessCalendarDefinition }>(
    '/api/calendars',
    {
      config: { access: writers },
      schema: {
        tags: ['definitions'],
        summary: 'Create a business calendar',
        description: 'Working hours per weekday, holidays and extra working days (调休) in an IANA zone.',
        body: calendarBodySchema,
        response: {
          201: calendarViewSchema,
          ...problemResponses(400, 401, 403, 409),
          ...invalidDefinitionResponse,
        },
      },
    },
    async (request, reply) => {
      const created = await createCalendar(app.db, request.body, actorOf(request), requestTime(app));
      return reply.status(201).send(withEtag(reply, created));
    },
  );

  app.put<{ Params: { key: string }; Body: BusinessCalendarDefinition }>(
    '/api/calendars/:key',
    {
      config: { access: writers },
      schema: {
        tags: ['definitions'],
        summary: 'Replace a business calendar',
        description:
          'Published ticket-type versions keep the calendar they embedded; a change reaches a type at its next ' +
          'publish. Send If-Match with the revision you loaded to refuse overwriting a newer save.',
        params: resourceParams,
        headers: ifMatchHeaders,
        body: calendarBodySchema,
        response: {
          200: calendarViewSchema,
          ...problemResponses(400, 401, 403, 404),
          ...conflictResponse,
          ...invalidDefinitionResponse,
        },
      },
    },
    async (request, reply) => {
      const updated = await updateCalendar(
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
