import type { FastifyInstance } from 'fastify';
import { hasAnyRole, isUser, type Principal } from '../access/principal.js';
import type { RouteAccess } from '../access/route-access.js';
import { forbidden } from '../lib/problem.js';
import { actorOf, requestTime } from './definitions.http.js';
import {
  conflictResponse,
  explanationSchema,
  definitionProblemSchema,
  invalidDefinitionResponse,
  noteSchema,
  problemResponses,
  ticketTypeParams,
  ticketTypeSourceSchema,
  ticketTypeSummarySchema,
  ticketTypeViewSchema,
  validationReportSchema,
  versionNumberSchema,
  versionSummarySchema,
  versionViewSchema,
} from './definitions.schemas.js';
import { ensureTicketTypeIndexes } from './ticket-type.model.js';
import {
  createTicketType,
  diffVersions,
  getDraft,
  getLatestPublished,
  getVersion,
  listTicketTypes,
  listVersions,
  publishDraft,
  rollbackTo,
  saveDraft,
  validateDraft,
  type DiffSide,
  type DraftView,
  type TicketTypeSource,
  type VersionView,
} from './ticket-types.service.js';
import { MAX_SAMPLES, simulateTicketType } from './simulate.service.js';
import { flowPositions } from './positions.service.js';
import { databaseCatalog } from '../tickets/ticket-catalog.js';
import { TICKETS_COLLECTION, type TicketDoc } from '../tickets/ticket.projection.js';

const DESIGNERS = ['admin', 'designer'] as const;
const designersOnly: RouteAccess = { roles: DESIGNERS };
/** Any signed-in person, and integrations allowed to read definitions. */
const signedInReaders: RouteAccess = { scopes: ['definitions:read'] };
/** Staff read version history; requesters only need what they can open. */
const staffReaders: RouteAccess = { roles: ['admin', 'designer', 'agent'], scopes: ['definitions:read'] };

const isDesigner = (principal: Principal | null): boolean => hasAnyRole(principal, DESIGNERS);
/** A person holding no staff role: sees what a portal needs to open a ticket, not routing or SLA internals. */
const isRequesterOnly = (principal: Principal | null): boolean =>
  isUser(principal) && !hasAnyRole(principal, ['admin', 'designer', 'agent']);

/** What a requester's portal needs of a published type: its names, statuses and intake form. */
function portalDefinition(definition: Record<string, unknown>): Record<string, unknown> {
  const { key, name, description, category, categoryName, statuses, form } = definition;
  return { key, name, description, category, categoryName, statuses, form };
}

function draftResponse(draft: DraftView) {
  return { ...draft, view: 'draft' as const };
}

function publishedResponse(published: VersionView, latestVersion: number, forRequester: boolean) {
  return {
    key: published.key,
    name: published.name,
    category: published.category,
    latestVersion,
    view: 'published' as const,
    version: published.version,
    publishedAt: published.publishedAt,
    publishedBy: published.publishedBy,
    note: published.note,
    definition: forRequester ? portalDefinition(published.definition) : published.definition,
  };
}

const diffSideSchema = {
  type: 'string',
  pattern: '^([1-9][0-9]{0,6}|draft)$',
  description: 'A version number, or draft',
} as const;

const parseSide = (side: string): DiffSide => (side === 'draft' ? 'draft' : Number(side));

const sampleSchema = {
  type: 'object',
  required: ['data'],
  additionalProperties: false,
  properties: {
    data: {
      type: 'object',
      additionalProperties: true,
      description: 'Form values as a requester would submit them',
    },
    requester: {
      type: 'object',
      additionalProperties: true,
      description: 'Requester attributes rules read: level, department, manager…',
    },
    channel: { type: 'string', minLength: 1, maxLength: 50 },
    openedAt: { type: 'string', format: 'date-time', description: 'When the sample is opened; default now' },
    title: { type: 'string', maxLength: 200, description: 'A name for this sample in the results' },
    decisions: {
      type: 'object',
      maxProperties: 200,
      description:
        'The decision taken at each waiting step, by node id: approval approve | reject; task one of its ' +
        'outcomes; confirm confirm | reopen | auto-close; wait timer | reply; sub-ticket finished. A list is ' +
        'taken in order, one entry each time the step asks (each approver of an all-of approval).',
      propertyNames: { minLength: 1, maxLength: 100 },
      additionalProperties: {
        // One schema with both types (not anyOf): the server's Ajv coerces scalars and lists into each other
        // while it tries anyOf branches, and would turn one form into the other.
        type: ['string', 'array'],
        minLength: 1,
        maxLength: 64,
        minItems: 1,
        maxItems: 20,
        items: { type: 'string', minLength: 1, maxLength: 64 },
      },
    },
    autoDecide: {
      type: 'boolean',
      description:
        'Steps with no scripted decision take their first choice (approve, the first outcome, confirm, the ' +
        'timer fires), so the sample runs to the end',
    },
  },
} as const;

const localizedTextSchema = {
  type: 'object',
  properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
} as const;

const simulatedSampleSchema = {
  type: 'object',
  required: ['index', 'openedAt', 'ok'],
  properties: {
    index: { type: 'integer' },
    title: { type: 'string' },
    openedAt: { type: 'string', format: 'date-time' },
    ok: { type: 'boolean', description: 'False when the sample could not be opened (see error)' },
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        field: { type: 'string' },
        message: { type: 'object', properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } } },
      },
    },
    route: {
      type: 'object',
      properties: {
        ruleId: { type: 'string' },
        ruleIndex: { type: 'integer' },
        isDefault: { type: 'boolean' },
        team: { type: 'string' },
        strategy: { type: 'string' },
        user: { type: 'string' },
        skills: {
          type: 'array',
          items: { type: 'object', properties: { name: { type: 'string' }, level: { type: 'number' } } },
        },
        explanation: explanationSchema,
        problems: { type: 'array', items: definitionProblemSchema },
      },
    },
    priority: {
      type: 'object',
      properties: { value: { type: 'string' }, explanation: explanationSchema },
    },
    assignment: {
      type: 'object',
      properties: {
        team: { type: 'string' },
        assignee: { type: 'string' },
        explanation: explanationSchema,
      },
    },
    sla: {
      type: 'object',
      properties: {
        targetIndex: { type: 'integer', description: 'Position of the applied target in the policy' },
        targetId: { type: 'string' },
        calendar: { type: 'string' },
        firstResponse: { type: 'object', additionalProperties: true },
        resolution: { type: 'object', additionalProperties: true },
        firstResponseDueAt: { type: 'string', format: 'date-time' },
        resolutionDueAt: { type: 'string', format: 'date-time' },
        firstResponseDueLocal: { type: 'string' },
        resolutionDueLocal: { type: 'string' },
        explanation: explanationSchema,
        details: { type: 'array', items: explanationSchema },
      },
    },
    path: {
      type: 'object',
      properties: {
        steps: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              nodeId: { type: 'string' },
              kind: { type: 'string' },
              name: localizedTextSchema,
              status: { type: 'string' },
              outcome: { type: 'string' },
              result: { type: 'string' },
              assignee: { type: 'string' },
              team: { type: 'string' },
              edgeId: { type: 'string', description: 'The edge the ticket came in by' },
              decision: {
                type: 'string',
                description: 'Decided here: approve / reject, the outcome, the gateway’s edge id…',
              },
              decidedBy: { type: 'string', enum: ['script', 'auto', 'gateway'] },
              defaultBranch: { type: 'boolean' },
            },
          },
        },
        edges: { type: 'array', items: { type: 'string' }, description: 'Edges taken, in order' },
        waitingAt: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              nodeId: { type: 'string' },
              kind: { type: 'string' },
              name: { type: 'object', properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } } },
              waitingFor: { type: 'string' },
              assignee: { type: 'string' },
              team: { type: 'string' },
              explanation: explanationSchema,
              choices: {
                type: 'array',
                items: { type: 'string' },
                description: 'Decisions a sample may script here to go on',
              },
            },
          },
        },
        status: {
          type: 'object',
          properties: { category: { type: 'string' }, key: { type: 'string' } },
        },
        ended: { type: 'boolean' },
        events: { type: 'array', items: { type: 'string' } },
        decisions: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              nodeId: { type: 'string' },
              decision: { type: 'string' },
              by: { type: 'string', enum: ['script', 'auto'] },
            },
          },
        },
        refused: {
          type: 'object',
          description: 'A decision the engine refused; the simulation stopped there',
          properties: {
            nodeId: { type: 'string' },
            decision: { type: 'string' },
            code: { type: 'string' },
            message: localizedTextSchema,
          },
        },
        limitReached: { type: 'boolean' },
      },
    },
    problems: { type: 'array', items: definitionProblemSchema },
  },
} as const;

export async function ticketTypeRoutes(app: FastifyInstance): Promise<void> {
  await ensureTicketTypeIndexes(app.db);

  app.post<{ Body: TicketTypeSource }>(
    '/api/ticket-types',
    {
      config: { access: designersOnly, allowDollarKeys: true },
      schema: {
        tags: ['definitions'],
        summary: 'Create a ticket type with its first draft',
        description: 'The draft may be incomplete; validate and publish check it whole.',
        body: ticketTypeSourceSchema,
        response: {
          201: ticketTypeViewSchema,
          ...problemResponses(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const created = await createTicketType(app.db, request.body, actorOf(request), requestTime(app));
      return reply.status(201).send(draftResponse(created));
    },
  );

  app.get<{ Querystring: { category?: string } }>(
    '/api/ticket-types',
    {
      config: { access: signedInReaders },
      schema: {
        tags: ['definitions'],
        summary: 'List ticket types',
        description:
          'Designers see every type with its draft state; everyone else sees the published types they can open.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { category: { type: 'string', maxLength: 50 } },
        },
        response: {
          200: { type: 'array', items: ticketTypeSummarySchema },
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) =>
      listTicketTypes(app.db, {
        forDesigner: isDesigner(request.principal),
        ...(request.query.category === undefined ? {} : { category: request.query.category }),
      }),
  );

  app.get<{ Params: { key: string }; Querystring: { view?: 'draft' | 'published' } }>(
    '/api/ticket-types/:key',
    {
      config: { access: signedInReaders },
      schema: {
        tags: ['definitions'],
        summary: 'One ticket type: the draft for designers, the newest published version for others',
        params: ticketTypeParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { view: { type: 'string', enum: ['draft', 'published'] } },
        },
        response: { 200: ticketTypeViewSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { key } = request.params;
      const designer = isDesigner(request.principal);
      const view = request.query.view ?? (designer ? 'draft' : 'published');
      if (view === 'draft') {
        if (!designer) throw forbidden('Only designers and admins see drafts');
        return draftResponse(await getDraft(app.db, key));
      }
      const published = await getLatestPublished(app.db, key);
      return publishedResponse(published, published.version, isRequesterOnly(request.principal));
    },
  );

  app.put<{ Params: { key: string }; Body: { draftRevision: number; definition: TicketTypeSource } }>(
    '/api/ticket-types/:key/draft',
    {
      config: { access: designersOnly, allowDollarKeys: true },
      schema: {
        tags: ['definitions'],
        summary: 'Save the draft',
        description:
          'Send the draftRevision you loaded; if someone saved since, 409 carries the current revision. ' +
          'On FerretDB two saves of the same revision within milliseconds can both pass (last one wins).',
        params: ticketTypeParams,
        body: {
          type: 'object',
          required: ['draftRevision', 'definition'],
          additionalProperties: false,
          properties: {
            draftRevision: { type: 'integer', minimum: 1 },
            definition: ticketTypeSourceSchema,
          },
        },
        response: { 200: ticketTypeViewSchema, ...problemResponses(400, 401, 403, 404), ...conflictResponse },
      },
    },
    async (request) => {
      const { draftRevision, definition } = request.body;
      const saved = await saveDraft(
        app.db,
        request.params.key,
        draftRevision,
        definition,
        actorOf(request),
        requestTime(app),
      );
      return draftResponse(saved);
    },
  );

  app.post<{ Params: { key: string } }>(
    '/api/ticket-types/:key/validate',
    {
      config: { access: designersOnly },
      schema: {
        tags: ['definitions'],
        summary: 'Check the draft as it would be published',
        description: 'Problems name the path, and the node or edge for flow problems, in zh-CN and en.',
        params: ticketTypeParams,
        response: { 200: validationReportSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => validateDraft(app.db, request.params.key),
  );

  app.post<{
    Params: { key: string };
    Body: { note?: string; draftRevision?: number; baseVersion?: number };
  }>(
    '/api/ticket-types/:key/publish',
    {
      config: { access: designersOnly },
      schema: {
        tags: ['definitions'],
        summary: 'Validate the draft and freeze it as the next version',
        description:
          'The SLA policy and calendars are resolved and embedded, so running tickets never change under them. ' +
          'Optional guards: draftRevision (publish exactly the draft you checked) and baseVersion (the newest ' +
          'version you knew of).',
        params: ticketTypeParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            note: noteSchema,
            draftRevision: { type: 'integer', minimum: 1 },
            baseVersion: { type: 'integer', minimum: 0 },
          },
        },
        response: {
          201: versionSummarySchema,
          ...problemResponses(400, 401, 403, 404),
          ...conflictResponse,
          ...invalidDefinitionResponse,
        },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const published = await publishDraft(
        app.db,
        request.params.key,
        {
          note: body.note ?? '',
          ...(body.draftRevision === undefined ? {} : { draftRevision: body.draftRevision }),
          ...(body.baseVersion === undefined ? {} : { baseVersion: body.baseVersion }),
        },
        actorOf(request),
        requestTime(app),
      );
      return reply.status(201).send(published);
    },
  );

  app.get<{ Params: { key: string } }>(
    '/api/ticket-types/:key/versions',
    {
      config: { access: staffReaders },
      schema: {
        tags: ['definitions'],
        summary: 'Published versions, newest first',
        params: ticketTypeParams,
        response: {
          200: { type: 'array', items: versionSummarySchema },
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => listVersions(app.db, request.params.key),
  );

  app.get<{ Params: { key: string; n: number } }>(
    '/api/ticket-types/:key/versions/:n',
    {
      config: { access: staffReaders },
      schema: {
        tags: ['definitions'],
        summary: 'One published version, frozen as tickets run it',
        params: {
          type: 'object',
          required: ['key', 'n'],
          additionalProperties: false,
          properties: { key: ticketTypeParams.properties.key, n: versionNumberSchema },
        },
        response: { 200: versionViewSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => getVersion(app.db, request.params.key, request.params.n),
  );

  app.get<{ Params: { key: string; n: number } }>(
    '/api/ticket-types/:key/versions/:n/positions',
    {
      config: { access: staffReaders },
      schema: {
        tags: ['definitions'],
        summary: 'Where the open tickets of a published version wait now: a count per flow node',
        description:
          'From the ticket catalog, as GET /api/tickets?type=<key>&version=<n>&node=<id>&status=new,open,pending ' +
          'lists them. Counts stop at max.',
        params: {
          type: 'object',
          required: ['key', 'n'],
          additionalProperties: false,
          properties: { key: ticketTypeParams.properties.key, n: versionNumberSchema },
        },
        response: {
          200: {
            type: 'object',
            required: ['key', 'version', 'open', 'nodes', 'unplaced', 'max'],
            properties: {
              key: { type: 'string' },
              version: { type: 'integer' },
              open: { type: 'integer', description: 'Open tickets of this version' },
              nodes: {
                type: 'object',
                additionalProperties: { type: 'integer' },
                description: 'Open tickets waiting at each node, by node id',
              },
              unplaced: {
                type: 'integer',
                description:
                  'Open tickets last written before positions were recorded (placed at their next change)',
              },
              max: { type: 'integer' },
            },
          },
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const catalog =
        (app as Partial<Pick<FastifyInstance, 'tickets'>>).tickets?.catalog ??
        databaseCatalog(() => app.db.collection<TicketDoc>(TICKETS_COLLECTION));
      return flowPositions(app.db, catalog, request.params.key, request.params.n);
    },
  );

  app.get<{ Params: { key: string }; Querystring: { from: string; to: string } }>(
    '/api/ticket-types/:key/diff',
    {
      config: { access: staffReaders },
      schema: {
        tags: ['definitions'],
        summary: 'What changed between two versions, or a version and the draft',
        description: 'Both sides are compared as tickets would run them (SLA policy and calendars resolved).',
        params: ticketTypeParams,
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          additionalProperties: false,
          properties: { from: diffSideSchema, to: diffSideSchema },
        },
        response: {
          200: {
            type: 'object',
            required: ['from', 'to', 'diff'],
            properties: {
              from: { anyOf: [{ type: 'integer' }, { type: 'string', enum: ['draft'] }] },
              to: { anyOf: [{ type: 'integer' }, { type: 'string', enum: ['draft'] }] },
              diff: { description: 'The runtime diff: each change with its path and a readable sentence' },
            },
          },
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const from = parseSide(request.query.from);
      const to = parseSide(request.query.to);
      if ((from === 'draft' || to === 'draft') && !isDesigner(request.principal)) {
        throw forbidden('Only designers and admins see drafts');
      }
      return diffVersions(app.db, request.params.key, from, to);
    },
  );

  app.post<{ Params: { key: string }; Body: { version: number; note?: string; baseVersion?: number } }>(
    '/api/ticket-types/:key/rollback',
    {
      config: { access: designersOnly },
      schema: {
        tags: ['definitions'],
        summary: 'Publish an older version, unchanged, as the newest version',
        description:
          'The draft follows when it had no unpublished changes (draftRestored: true); otherwise it is kept.',
        params: ticketTypeParams,
        body: {
          type: 'object',
          required: ['version'],
          additionalProperties: false,
          properties: {
            version: versionNumberSchema,
            note: noteSchema,
            baseVersion: { type: 'integer', minimum: 0 },
          },
        },
        response: {
          201: {
            ...versionSummarySchema,
            required: [...versionSummarySchema.required, 'draftRestored'],
            properties: { ...versionSummarySchema.properties, draftRestored: { type: 'boolean' } },
          },
          ...problemResponses(400, 401, 403, 404),
          ...conflictResponse,
        },
      },
    },
    async (request, reply) => {
      const { version, note, baseVersion } = request.body;
      const published = await rollbackTo(
        app.db,
        request.params.key,
        {
          version,
          note: note ?? `Rollback to version ${version}`,
          ...(baseVersion === undefined ? {} : { baseVersion }),
        },
        actorOf(request),
        requestTime(app),
      );
      return reply.status(201).send(published);
    },
  );

  app.post<{
    Params: { key: string };
    Body: {
      version?: number;
      samples: {
        data: Record<string, unknown>;
        requester?: Record<string, unknown>;
        channel?: string;
        openedAt?: string;
        title?: string;
        decisions?: Record<string, string | string[]>;
        autoDecide?: boolean;
      }[];
    };
  }>(
    '/api/ticket-types/:key/simulate',
    {
      config: { access: designersOnly },
      schema: {
        tags: ['definitions'],
        summary: 'Dry-run the draft (or a version) on sample tickets; nothing is stored',
        description:
          'Per sample: route, priority, SLA target with due instants on the policy calendar, and the path ' +
          'through the flow (steps, edges, the branch each gateway took) up to where it waits for a person — or ' +
          'on through the decisions the sample scripts per step (or all of them with autoDecide), to the end.',
        params: ticketTypeParams,
        body: {
          type: 'object',
          required: ['samples'],
          additionalProperties: false,
          properties: {
            version: {
              ...versionNumberSchema,
              description: 'Simulate this published version instead of the draft',
            },
            samples: { type: 'array', minItems: 1, maxItems: MAX_SAMPLES, items: sampleSchema },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['samples'],
            properties: {
              source: { anyOf: [{ type: 'integer' }, { type: 'string', enum: ['draft'] }] },
              problems: { type: 'array', items: definitionProblemSchema },
              samples: { type: 'array', items: simulatedSampleSchema },
            },
          },
          ...problemResponses(400, 401, 403, 404),
          ...invalidDefinitionResponse,
        },
      },
    },
    async (request) => simulateTicketType(app.db, request.params.key, request.body, { now: app.clock.now() }),
  );
}
