import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Locale } from '../../runtime/common/types.js';
import { accessContextOf } from '../access/record-rules.js';
import { badRequest } from '../lib/problem.js';
import { localeFromAcceptLanguage } from '../lib/problem.js';
import { problemResponses } from '../routes/common.schemas.js';
import { ticketPolicy } from '../tickets/ticket.access.js';
import { TICKETS_COLLECTION, type TicketDoc } from '../tickets/ticket.projection.js';
import { nameBookSchema, resolveNames } from '../tickets/ticket-names.js';
import { countDeflections } from '../knowledge/deflections.js';
import { dashboardCsv } from './analytics.csv.js';
import {
  analyticsFilterProperties,
  parseAnalyticsFilters,
  periodInstants,
  type AnalyticsFilters,
} from './analytics.filters.js';
import {
  buildDashboard,
  DIMENSIONS,
  distributionRows,
  tallyFor,
  type Dashboard,
  type Dimension,
} from './analytics.service.js';

const dashboardQuery = {
  type: 'object',
  additionalProperties: false,
  properties: analyticsFilterProperties,
} as const;

const csvQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...analyticsFilterProperties,
    locale: { type: 'string', enum: ['zh-CN', 'en'], description: 'Language of headers and definitions' },
  },
} as const;

const distributionQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['by'],
  properties: {
    ...analyticsFilterProperties,
    by: { type: 'string', enum: Object.keys(DIMENSIONS) },
    offset: { type: 'integer', minimum: 0, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  },
} as const;

const open = { type: 'object', additionalProperties: true } as const;
const ACCESS = { roles: ['admin', 'agent'], scopes: ['analytics:read'] } as const;

/** Dashboards and their export: admins and agents (each over the tickets they may see), and analytics keys. */
export async function analyticsRoutes(app: FastifyInstance) {
  const sources = {
    get catalog() {
      return app.tickets.catalog;
    },
    get tickets() {
      return app.db.collection<TicketDoc>(TICKETS_COLLECTION);
    },
  };

  /** The tickets the caller may see: an analytics key reads every ticket, a person what their lists show. */
  async function visibilityOf(request: FastifyRequest): Promise<Record<string, unknown>> {
    const context = await accessContextOf(request);
    if (context.principal.kind === 'integration') return {};
    return ticketPolicy.listFilter!(context) ?? { _id: { $in: [] } };
  }

  async function dashboardOf(request: FastifyRequest) {
    const now = app.clock.now();
    const filters = parseAnalyticsFilters(request.query as Record<string, unknown>, now);
    const tally = await tallyFor(sources, await visibilityOf(request), filters, now);
    const deflections = await deflectionsIn(filters);
    return { filters, tally, dashboard: buildDashboard(tally, filters, now, deflections) };
  }

  /** Deflections recorded by the knowledge base in the period (of the chosen types; they carry no team or agent). */
  async function deflectionsIn(filters: AnalyticsFilters): Promise<number> {
    const { from, to } = periodInstants(filters);
    const types = filters.type.length > 0 ? filters.type : [undefined];
    let deflected = 0;
    for (const typeKey of types)
      deflected += (await countDeflections(app.db, { from, to, ...(typeKey ? { typeKey } : {}) })).deflected;
    return deflected;
  }

  const namesOf = (dashboard: Pick<Dashboard, 'distributions'>) =>
    resolveNames(app, {
      users: new Set(dashboard.distributions.agent.rows.flatMap((row) => (row.key ? [row.key] : []))),
      teams: new Set(dashboard.distributions.team.rows.flatMap((row) => (row.key ? [row.key] : []))),
    });

  app.get(
    '/api/analytics/dashboard',
    {
      schema: {
        tags: ['analytics'],
        summary:
          'Every KPI of the tickets created in the period (volume, trend, response and resolution times, FCR, CSAT, SLA, backlog, distributions), each with its definition and ticket-list query',
        querystring: dashboardQuery,
        response: {
          200: { ...open, properties: { names: nameBookSchema } },
          ...problemResponses(400, 401, 403),
        },
      },
      config: { access: ACCESS },
    },
    async (request) => {
      const { dashboard } = await dashboardOf(request);
      return { ...dashboard, names: await namesOf(dashboard) };
    },
  );

  app.get(
    '/api/analytics/dashboard.csv',
    {
      schema: {
        tags: ['analytics'],
        summary: 'The dashboard as CSV (UTF-8 with BOM): one row per figure with its definition and tickets',
        querystring: csvQuery,
        response: {
          200: { type: 'string', description: 'text/csv; charset=utf-8' },
          ...problemResponses(400, 401, 403),
        },
      },
      config: { access: ACCESS },
    },
    async (request, reply) => {
      const { dashboard } = await dashboardOf(request);
      const query = request.query as { locale?: Locale };
      const locale =
        query.locale ??
        (request.principal?.kind === 'user' ? request.principal.locale : undefined) ??
        localeFromAcceptLanguage(request.headers['accept-language']) ??
        'en';
      const name = `ordo-analytics-${dashboard.period.from}-${dashboard.period.to}.csv`;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(dashboardCsv(dashboard, locale));
    },
  );

  app.get(
    '/api/analytics/distribution',
    {
      schema: {
        tags: ['analytics'],
        summary: 'Every value of one dimension (channel, type, category, priority, team, agent), paged',
        querystring: distributionQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: open },
              total: { type: 'integer' },
              names: nameBookSchema,
            },
          },
          ...problemResponses(400, 401, 403),
        },
      },
      config: { access: ACCESS },
    },
    async (request) => {
      const query = request.query as { by: Dimension; offset: number; limit: number };
      const now = app.clock.now();
      const filters = parseAnalyticsFilters(request.query as Record<string, unknown>, now);
      const tally = await tallyFor(sources, await visibilityOf(request), filters, now);
      const rows = distributionRows(tally.groups.get(`by.${query.by}`) ?? [], query.by, filters);
      if (query.offset > 0 && query.offset >= rows.length)
        throw badRequest('query.offset', {
          'zh-CN': `超出末页：共 ${rows.length} 项`,
          en: `is past the end: there are ${rows.length} rows`,
        });
      const items = rows.slice(query.offset, query.offset + query.limit);
      const keys = items.flatMap((row) => (row.key ? [row.key] : []));
      const names = await resolveNames(app, {
        users: new Set(query.by === 'agent' ? keys : []),
        teams: new Set(query.by === 'team' ? keys : []),
      });
      return { items, total: rows.length, names };
    },
  );
}
