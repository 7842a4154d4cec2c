import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Types } from 'mongoose';
import { allowedCommands, linksOf } from '../../runtime/engine/index.js';
import { isWebAddress } from '../../runtime/engine/command-shape.js';
import type { Command, OpenLink, Requester, TicketState } from '../../runtime/engine/types.js';
import { hasAnyRole } from '../access/principal.js';
import { accessContextOf, requireVisible, type AccessContext } from '../access/record-rules.js';
import { HttpProblem, badRequest, forbidden, notFound } from '../lib/problem.js';
import { ATTACHMENTS_COLLECTION } from './attachments.routes.js';
import { seesInternal, ticketPolicy, ticketSight } from './ticket.access.js';
import { awaitingFilter, fieldsShownTo, redactEvent } from './ticket-worklist.js';
import { checkMentions } from './ticket-mentions.js';
import { checkHandOverTargets } from './ticket-targets.js';
import { NO_DUE, type TicketDoc } from './ticket.projection.js';
import { claimIntakeReferences } from './intake-references.js';
import { requesterIdOfContact, type RequesterContact } from './intake-requester.js';
import type { BusinessCalendar } from '../../runtime/time/index.js';
import { calendarsOf } from './ticket-ports.js';
import { MEASURE_SORTS, reportingListFilters } from '../analytics/analytics.filters.js';
import { clockFace, timeLeftJson, type ClockFace, type TimeLeft } from './ticket.sla.js';
import { listItemJson, listItemOf, listPageJson } from './ticket-list-page.js';
import { collectMentions, listedMentions, nameBookSchema, resolveNames } from './ticket-names.js';
import { idempotentTicketId, type TicketActor, type TicketService } from './ticket.service.js';
import {
  commandBody,
  listQuery,
  openTicketBody,
  problemSchema,
  ticketIdParams,
  ticketSummary,
  ticketView,
} from './tickets.schemas.js';

const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema } as const;

export function actorOf(context: AccessContext): TicketActor {
  const { principal, teams } = context;
  if (principal.kind === 'integration') {
    // An integration reaches records as the system does, but is not the platform: it cannot fire timers or
    // report sub-tickets and failed effects (`external`, see runtime/flow/types.ts).
    return {
      id: `integration:${principal.id}`,
      roles: [],
      teams: [],
      kind: 'system',
      external: true,
      name: principal.name,
    };
  }
  const staff = hasAnyRole(principal, ['admin', 'agent']);
  return {
    id: principal.id,
    roles: principal.roles,
    teams: teams.memberOf,
    supervises: teams.supervises,
    kind: staff ? 'user' : 'requester',
    name: principal.displayName,
  };
}

/**
 * The record link of an open stored before links came with the open: added after it, as a second commit, as it
 * was then (the engine links by command). The opener's right to open on someone's behalf covers it: staff who do
 * not work the ticket link it as the opening did. Found already there (the usual replay), it is left.
 */
async function linkOnOpen(
  service: TicketService,
  state: TicketState,
  link: { system: string; type: string; id: string; url?: string; title?: string },
  actor: TicketActor,
): Promise<{ state: TicketState; doc?: TicketDoc }> {
  const key = {
    system: link.system.trim().toLowerCase(),
    type: link.type.trim().toLowerCase(),
    id: link.id.trim(),
  };
  const current = (await service.load(state.id))?.state ?? state;
  const present = linksOf(current).some(
    (known) =>
      known.id === key.id &&
      known.system.toLowerCase() === key.system &&
      known.type.toLowerCase() === key.type,
  );
  if (present) return { state: current };
  const linker: TicketActor = actor.kind === 'system' ? actor : { ...actor, kind: 'system', external: true };
  const { state: linked, doc } = await service.run(
    state.id,
    {
      command: 'link',
      system: link.system,
      type: link.type,
      id: link.id,
      ...(link.url === undefined ? {} : { url: link.url }),
      ...(link.title === undefined ? {} : { title: link.title }),
    },
    linker,
  );
  return { state: linked, ...(doc ? { doc } : {}) };
}

export async function requesterOf(app: FastifyInstance, userId: string, field: string): Promise<Requester> {
  if (!Types.ObjectId.isValid(userId)) throw badRequest(field, 'is not a user id');
  const requester = await app.tickets.requester(userId);
  if (!requester) throw badRequest(field, 'names no active user');
  return requester;
}

/** A ticket's summary: a listed ticket's fields without its time left (see `listItemOf`). */
export function summaryOf(doc: TicketDoc) {
  const { slaLeft: _timeLeft, ...summary } = listItemOf(doc, null);
  return summary;
}

/** The answer of `GET /api/tickets`. */
export const ticketListResponse = {
  type: 'object',
  properties: {
    items: { type: 'array', items: ticketSummary },
    nextCursor: { type: ['string', 'null'] },
    names: nameBookSchema,
  },
} as const;

export function cursorOf(doc: TicketDoc, sort: string): string {
  const value =
    sort === 'sla'
      ? doc.slaDueAt.getTime()
      : sort.endsWith('updated')
        ? doc.updatedAt.getTime()
        : sort === 'priority'
          ? doc.priorityRank
          : sort in MEASURE_SORTS
            ? Number(doc[MEASURE_SORTS[sort as keyof typeof MEASURE_SORTS].field])
            : doc.createdAt.getTime();
  return Buffer.from(JSON.stringify([value, doc._id])).toString('base64url');
}

function parseCursor(cursor: string): [number, string] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'number' && typeof parsed[1] === 'string')
      return [parsed[0], parsed[1]];
  } catch {
    // fall through to the error below
  }
  throw badRequest('query.cursor', 'is not a cursor returned by this list');
}

const SORTS: Record<string, { field: keyof TicketDoc; direction: 1 | -1; date: boolean }> = {
  sla: { field: 'slaDueAt', direction: 1, date: true },
  created: { field: 'createdAt', direction: 1, date: true },
  '-created': { field: 'createdAt', direction: -1, date: true },
  updated: { field: 'updatedAt', direction: 1, date: true },
  '-updated': { field: 'updatedAt', direction: -1, date: true },
  priority: { field: 'priorityRank', direction: 1, date: false },
  // Longest first by a measured duration (`-firstResponse`…): the drill-down of a percentile (server/analytics).
  ...MEASURE_SORTS,
};

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What `GET /api/tickets` asks the catalog for `query` (its validated query string): the filter (what the caller
 * may see, then each narrowing asked, then the page boundary of `cursor`), the order and the boundary itself.
 * Null when the caller may see no ticket at all.
 */
export function ticketListQuery(
  context: AccessContext,
  query: Record<string, string | number | undefined>,
): {
  filter: { $and: Record<string, unknown>[] };
  sort: { field: keyof TicketDoc; direction: 1 | -1 };
  sortName: string;
  after: { value: Date | number; id: string } | undefined;
} | null {
  const visibility = ticketPolicy.listFilter!(context);
  if (visibility === null) return null;
  const me = context.principal.kind === 'user' ? context.principal.id : undefined;
  const filters: Record<string, unknown>[] = [visibility];
  const statuses = list(query.status as string | undefined);
  if (statuses.length)
    filters.push({ $or: [{ statusCategory: { $in: statuses } }, { statusKey: { $in: statuses } }] });
  const types = list(query.type as string | undefined);
  if (types.length) filters.push({ typeKey: { $in: types } });
  if (query.node !== undefined || query.version !== undefined) {
    // Node ids and versions belong to one type's flow: asking for them across types would mix meanings.
    if (types.length !== 1)
      throw badRequest(query.node !== undefined ? 'query.node' : 'query.version', {
        'zh-CN': '需同时用 type 指定一个工单类型',
        en: 'needs type to name one ticket type',
      });
    if (query.version !== undefined) filters.push({ typeVersion: Number(query.version) });
    if (query.node !== undefined) filters.push({ atNodes: String(query.node) });
  }
  const teams = list(query.team as string | undefined);
  if (teams.length) filters.push({ team: { $in: teams.map((team) => (team === 'none' ? null : team)) } });
  const priorities = list(query.priority as string | undefined);
  if (priorities.length) filters.push({ priority: { $in: priorities } });
  const channels = list(query.channel as string | undefined);
  if (channels.length) filters.push({ channel: { $in: channels } });
  if (query.assignee)
    filters.push({
      assignee: query.assignee === 'me' ? (me ?? '') : query.assignee === 'none' ? null : query.assignee,
    });
  if (query.requester) filters.push({ requesterId: query.requester === 'me' ? (me ?? '') : query.requester });
  if (query.watching) filters.push({ watchers: query.watching === 'me' ? (me ?? '') : query.watching });
  const awaiting = awaitingFilter(
    context,
    query.awaiting as string | undefined,
    query.involved as string | undefined,
  );
  if (awaiting) filters.push(awaiting);
  filters.push(...reportingListFilters(query));
  if (query.text) filters.push({ searchText: { $regex: escapeRegex(String(query.text).toLowerCase()) } });
  const sortName = String(query.sort ?? 'sla');
  const sort = SORTS[sortName]!;
  let after: { value: Date | number; id: string } | undefined;
  if (query.cursor) {
    const [value, id] = parseCursor(String(query.cursor));
    const boundary = sort.date ? new Date(value) : value;
    after = { value: boundary, id };
    const beyond = sort.direction === 1 ? '$gt' : '$lt';
    filters.push({
      $or: [{ [sort.field]: { [beyond]: boundary } }, { [sort.field]: boundary, _id: { [beyond]: id } }],
    });
  }
  return { filter: { $and: filters }, sort, sortName, after };
}
const list = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : [];

export async function ticketsRoutes(app: FastifyInstance) {
  const service = app.tickets;

  async function visibleTicket(request: FastifyRequest, id: string) {
    const [context, loaded] = await Promise.all([accessContextOf(request), service.load(id)]);
    requireVisible(context, ticketPolicy, loaded?.doc);
    return { context, loaded: loaded!, doc: loaded!.doc! };
  }

  async function viewOf(context: AccessContext, state: TicketState, doc: TicketDoc) {
    const definition = await service.definitionOf(state);
    const actor = actorOf(context);
    const internal = seesInternal(context, doc);
    const shown = fieldsShownTo(context, ticketSight(context, doc), state, definition?.definition);
    const view = {
      ...summaryOf(doc),
      typeVersion: state.typeVersion,
      data: shown(state.data),
      requesterName: state.requester.name,
      watchers: state.watchers,
      assistants: internal ? state.assistants : [],
      tags: state.tags,
      links: linksOf(state),
      // Sub-tickets: the ticket this one was opened from, and those its flow opened (with how they finished).
      ...(state.parent ? { parent: state.parent } : {}),
      subtickets: state.subtickets ?? [],
      sla: await service.slaView(state),
      steps: Object.entries(state.steps).map(([nodeId, step]) => ({ nodeId, ...step })),
      tokens: state.tokens,
      approvals: state.approvals,
      explanations: internal ? state.explanations : {},
      flags: state.flags,
      allowedCommands: definition
        ? allowedCommands(definition.definition as never, state, actor, { now: app.clock.now() })
        : [],
    };
    // The people and teams the view mentions, named (the reader may not list users or teams).
    const mentions = collectMentions(view);
    if (view.requester) mentions.users.add(view.requester);
    // People and teams picked in the form's own fields.
    const form = (definition?.definition.form ?? {}) as {
      layout?: { fields?: { field: string; widget?: string }[] }[];
    };
    for (const section of form.layout ?? [])
      for (const field of section.fields ?? []) {
        const value = view.data[field.field];
        const values = Array.isArray(value) ? (value as unknown[]) : [value];
        if (field.widget === 'user') collectMentions({ users: values }, mentions);
        if (field.widget === 'team') collectMentions({ teams: values }, mentions);
      }
    return { ...view, names: await resolveNames(app, mentions) };
  }

  /**
   * The JSON of the time left on each listed ticket's nearest clock (`null` for none), counted as the ticket page
   * counts it. What the clocks on one calendar share is written once for the page (see `clockFace`).
   */
  async function timesLeftJson(docs: TicketDoc[]): Promise<string[]> {
    const now = app.clock.now();
    // The calendars of each type version on the page, looked up once for the page (by type, then version: no key
    // is built for each ticket), and the faces of each set's calendars.
    const calendarsByType = new Map<string, Map<number, Record<string, BusinessCalendar>>>();
    const calendarsOfDoc = (doc: TicketDoc) => calendarsByType.get(doc.typeKey)?.get(doc.typeVersion);
    const legacy: Promise<TimeLeft | null>[] = [];
    for (const doc of docs) {
      if (doc.slaDueAt.getTime() === NO_DUE.getTime()) continue;
      if (!calendarsOfDoc(doc)) {
        const definition = await service.definitionOf({
          typeKey: doc.typeKey,
          typeVersion: doc.typeVersion,
        } as TicketState);
        let versions = calendarsByType.get(doc.typeKey);
        if (!versions)
          calendarsByType.set(doc.typeKey, (versions = new Map<number, Record<string, BusinessCalendar>>()));
        versions.set(doc.typeVersion, definition ? calendarsOf(definition) : {});
      }
      if (typeof doc.slaCalendar !== 'string') legacy.push(legacyTimeLeft(doc));
    }
    const legacyLeft = await Promise.all(legacy);
    const faces = new Map<Record<string, BusinessCalendar>, Map<string, ClockFace>>();
    return docs.map((doc) => {
      if (doc.slaDueAt.getTime() === NO_DUE.getTime()) return 'null';
      if (typeof doc.slaCalendar !== 'string') return JSON.stringify(legacyLeft.shift() ?? null);
      const calendars = calendarsOfDoc(doc)!;
      let onCalendars = faces.get(calendars);
      if (!onCalendars) faces.set(calendars, (onCalendars = new Map<string, ClockFace>()));
      let face = onCalendars.get(doc.slaCalendar);
      if (!face) onCalendars.set(doc.slaCalendar, (face = clockFace(doc.slaCalendar, now, calendars)));
      const paused = typeof doc.slaPausedLeft === 'number';
      return timeLeftJson(face, { dueAt: doc.slaDueAt.getTime(), paused, pausedLeft: doc.slaPausedLeft });
    });
  }

  /** A projection written before it carried the clock's calendar: the clock view of its state says it. */
  async function legacyTimeLeft(doc: TicketDoc): Promise<TimeLeft | null> {
    const full = await service.tickets.findOne({ _id: doc._id });
    if (!full) return null;
    const sla = (await service.slaView(JSON.parse(full.state) as TicketState)) as Record<
      string,
      { dueAt?: string | null; left?: TimeLeft | null } | null
    >;
    const due = doc.slaDueAt.toISOString();
    return [sla.firstResponse, sla.resolution].find((clock) => clock?.dueAt === due)?.left ?? null;
  }

  app.post(
    '/api/tickets',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Open a ticket (Idempotency-Key honoured)',
        headers: {
          type: 'object',
          properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200 } },
        },
        body: openTicketBody,
        response: { 201: ticketView, ...problems, 409: problemSchema, 422: problemSchema },
      },
      config: { access: { scopes: ['tickets:write'] } },
    },
    async (request, reply) => {
      const body = request.body as {
        type: string;
        data: Record<string, unknown>;
        channel?: string;
        requester?: string;
        requesterContact?: RequesterContact;
        link?: { system: string; type: string; id: string; url?: string; title?: string };
        watchers?: string[];
        tags?: string[];
      };
      // The route requires a signed-in caller, so the auth hook has set the principal.
      const principal = request.principal!;
      const staffOrIntegration =
        principal.kind === 'integration' || hasAnyRole(principal, ['admin', 'agent']);
      if (body.requester !== undefined && body.requesterContact !== undefined)
        throw badRequest(
          'body.requesterContact',
          'give either requester (an id) or requesterContact, not both',
        );
      if (body.link?.url !== undefined && !isWebAddress(body.link.url.trim()))
        throw badRequest('body.link.url', 'must be an http(s) address');
      let requesterId = principal.kind === 'user' ? principal.id : undefined;
      if (body.requesterContact !== undefined) {
        if (!staffOrIntegration) throw forbidden('Only staff may open a ticket on someone else’s behalf');
        requesterId = await requesterIdOfContact(
          app,
          body.requesterContact,
          principal.kind === 'user' ? principal.locale : 'zh-CN',
        );
      } else if (body.requester && body.requester !== requesterId) {
        if (!staffOrIntegration) throw forbidden('Only staff may open a ticket on someone else’s behalf');
        requesterId = body.requester;
      }
      if (!requesterId)
        throw badRequest(
          'body.requester',
          'is required when an integration opens a ticket (or requesterContact)',
        );
      const [context, requester] = await Promise.all([
        accessContextOf(request),
        requesterOf(app, requesterId, 'body.requester'),
      ]);
      const actor = actorOf(context);
      const idempotencyKey = request.headers['idempotency-key'] as string | undefined;
      // People, teams and files the form names must exist (files: uploaded by this caller, claimed for this open).
      const intake = await claimIntakeReferences(app, {
        typeKey: body.type,
        data: body.data,
        uploader: principal.kind === 'user' ? principal.id : `integration:${principal.id}`,
        ...(idempotencyKey ? { ticketId: idempotentTicketId(actor.id, idempotencyKey) } : {}),
      });
      const openWith = (links: OpenLink[] | undefined) =>
        service.open({
          typeKey: body.type,
          data: body.data,
          requester,
          channel: body.channel ?? (context.principal.kind === 'integration' ? 'api' : 'web'),
          watchers: body.watchers,
          tags: body.tags,
          actor,
          idempotencyKey,
          ...(intake.ticketId ? { ticketId: intake.ticketId } : {}),
          ...(links ? { links } : {}),
        });
      // The link comes with the open: one commit, by the opener, part of the request an Idempotency-Key replays.
      let linkAfter = false;
      const { state, created, doc } = await openWith(body.link ? [body.link] : undefined)
        .catch((error: unknown) => {
          if (!body.link || !(error instanceof HttpProblem)) throw error;
          // Refused for its link: named as the request names it.
          if (error.options.field?.startsWith('body.links.0'))
            error.options.field = error.options.field.replace('body.links.0', 'body.link');
          // The key's first open was stored before its link counted in the request (or without one): replayed as
          // it was then, the link added after it when missing.
          if (idempotencyKey && error.options.code === 'idempotency-key-reused') {
            linkAfter = true;
            return openWith(undefined);
          }
          throw error;
        })
        .catch(async (error: unknown) => {
          await intake.release();
          throw error;
        });
      await intake.settle(state.id);
      let opened: { state: TicketState; doc?: TicketDoc } = { state, ...(doc ? { doc } : {}) };
      if (body.link && linkAfter) opened = await linkOnOpen(service, state, body.link, actor);
      // A replayed open shows the ticket as it is now; a new one, the projection just written.
      const shown = opened.doc ?? (await service.tickets.findOne({ _id: state.id }));
      if (!created) void reply.header('idempotent-replayed', 'true');
      return reply.status(201).send(await viewOf(context, opened.state, shown!));
    },
  );

  app.get(
    '/api/tickets',
    {
      schema: {
        tags: ['tickets'],
        summary: 'List tickets the caller may see, filtered, sorted by SLA due by default',
        querystring: listQuery,
        response: { 200: ticketListResponse, ...problems },
      },
      config: { access: { scopes: ['tickets:read'] } },
    },
    async (request, reply) => {
      const query = request.query as Record<string, string | number | undefined>;
      const context = await accessContextOf(request);
      const asked = ticketListQuery(context, query);
      if (asked === null) return { items: [], nextCursor: null, names: { users: {}, teams: {} } };
      const { filter, sort, sortName, after } = asked;
      const limit = Number(query.limit ?? 50);
      const docs = await service.catalog.find(filter, sort, limit + 1, after);
      const page = docs.slice(0, limit) as TicketDoc[];
      const left = await timesLeftJson(page);
      const names = await resolveNames(app, listedMentions(page));
      // Written natively (see listPageJson): each listed ticket's JSON is kept while it is unchanged.
      const items = page.map((doc, index) => listItemJson(doc, left[index]!));
      const nextCursor = docs.length > limit ? cursorOf(page[page.length - 1]!, sortName) : null;
      return reply.type('application/json; charset=utf-8').send(listPageJson(items, nextCursor, names));
    },
  );

  app.get(
    '/api/tickets/:id',
    {
      schema: {
        tags: ['tickets'],
        summary: 'One ticket with its SLA clocks and the commands the caller may run',
        params: ticketIdParams,
        response: { 200: ticketView, ...problems },
      },
      config: { access: { scopes: ['tickets:read'] } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { context, loaded, doc } = await visibleTicket(request, id);
      return viewOf(context, loaded.state, doc);
    },
  );

  app.post(
    '/api/tickets/:id/commands',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Run a command on a ticket, guarded by the version the caller saw',
        params: ticketIdParams,
        body: commandBody,
        response: { 200: ticketView, ...problems, 409: problemSchema, 422: problemSchema },
      },
      config: { access: { scopes: ['tickets:write'] } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { version, ...command } = request.body as { command: string; version: number } & Record<
        string,
        unknown
      >;
      const { context } = await visibleTicket(request, id);
      await checkMentions(app, command);
      await checkHandOverTargets(app, command);
      const watcher = (command as { user?: unknown }).user;
      // Only real, active people can be made watchers (the engine cannot know who exists).
      if (command.command === 'watch' && typeof watcher === 'string' && watcher !== actorOf(context).id) {
        await requesterOf(app, watcher, 'body.user');
      }
      const attachments = (command as { attachments?: unknown }).attachments;
      if (Array.isArray(attachments) && attachments.length > 0) {
        const known = await app.db
          .collection(ATTACHMENTS_COLLECTION)
          .countDocuments({ _id: { $in: attachments.map(String) } as never, ticketId: id });
        if (known !== new Set(attachments.map(String)).size) {
          throw badRequest('body.attachments', 'names a file that was not uploaded to this ticket');
        }
      }
      const { state, doc } = await service.run(id, command as unknown as Command, actorOf(context), version);
      return viewOf(context, state, doc);
    },
  );

  app.get(
    '/api/tickets/:id/events',
    {
      schema: {
        tags: ['tickets'],
        summary: 'The ticket’s audit trail (internal notes only for staff)',
        params: ticketIdParams,
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: { type: 'object', additionalProperties: true } },
              names: nameBookSchema,
            },
          },
          ...problems,
        },
      },
      config: { access: { scopes: ['tickets:read'] } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { context, doc, loaded } = await visibleTicket(request, id);
      const internal = seesInternal(context, doc);
      const definition = await service.definitionOf(loaded.state);
      const shown = fieldsShownTo(context, ticketSight(context, doc), loaded.state, definition?.definition);
      const commits = await service.events.load(id);
      const items = commits.map((commit) => ({
        seq: commit.seq,
        at: commit.at.toISOString(),
        actor: commit.payload.actor,
        command: commit.command,
        hash: commit.hash,
        events: (commit.payload.events as { type: string; data?: Record<string, unknown> }[])
          .filter((event) => internal || !isInternalEvent(event))
          .map((event) => redactEvent(event, shown)),
      }));
      const shownItems = internal
        ? items
        : items.filter((item) => item.events.length > 0 || item.command === 'open');
      // Who and which teams the trail mentions, named: actors, assignees, approvers, explanations' params.
      return { items: shownItems, names: await resolveNames(app, collectMentions(shownItems)) };
    },
  );

  app.get(
    '/api/tickets/:id/audit/verify',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Recompute the ticket’s hash chain (and compare with the last anchored head)',
        params: ticketIdParams,
        response: {
          200: {
            type: 'object',
            required: ['valid', 'events', 'head'],
            properties: {
              valid: { type: 'boolean' },
              events: { type: 'integer' },
              head: { type: 'string' },
              brokenAt: { type: 'integer' },
              reason: { type: 'string' },
              anchoredAt: { type: ['string', 'null'] },
            },
          },
          ...problems,
        },
      },
      config: { access: { roles: ['admin', 'agent'], scopes: ['tickets:read'] } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const context = await accessContextOf(request);
      // Verification reads the raw chain: it must work even when the projection was tampered with or removed.
      const head = await service.events.head(id);
      const doc = await service.tickets.findOne({ _id: id });
      if (!head && !doc) throw notFound('Ticket');
      if (doc) requireVisible(context, ticketPolicy, doc);
      const anchored = await service.anchoredHead(id);
      const result = await service.events.verify(id, anchored ?? undefined);
      return { ...result, anchoredAt: anchored?.at.toISOString() ?? null };
    },
  );
}

function isInternalEvent(event: { type: string; data?: Record<string, unknown> }): boolean {
  return (
    event.data?.visibility === 'internal' ||
    event.type.includes('internal') ||
    event.type === 'ticket.assist-requested'
  );
}
