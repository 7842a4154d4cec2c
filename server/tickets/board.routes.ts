import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import type { LocalizedText } from '../../runtime/common/types.js';
import { hasRole } from '../access/principal.js';
import { accessContextOf } from '../access/record-rules.js';
import { HttpProblem } from '../lib/problem.js';
import { NOTIFICATIONS_COLLECTION, type InAppNotification } from '../notifications/in-app.js';
import { problemResponses } from '../routes/common.schemas.js';
import { NO_DUE, OPEN_CATEGORIES, type TicketDoc } from './ticket.projection.js';

/** The most open tickets of one team the board reads (nearest SLA due first). */
const TEAM_TICKETS_LIMIT = 500;
/** Tickets listed per group (unassigned, at risk, breached); counts are exact up to TEAM_TICKETS_LIMIT. */
const LIST_LIMIT = 50;
/** Escalations listed in the inbox. */
const ESCALATIONS_LIMIT = 30;

const localizedText = {
  type: 'object',
  required: ['zh-CN', 'en'],
  properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
} as const;

const ticketRow = {
  type: 'object',
  required: [
    'id',
    'number',
    'title',
    'type',
    'priority',
    'statusKey',
    'statusCategory',
    'assignee',
    'highlight',
  ],
  properties: {
    id: { type: 'string' },
    number: { type: 'string' },
    title: { type: 'string' },
    type: { type: 'string' },
    typeVersion: { type: 'integer' },
    priority: { type: 'string' },
    statusKey: { type: 'string' },
    statusCategory: { type: 'string' },
    assignee: { type: ['string', 'null'] },
    assigneeName: { type: 'string' },
    highlight: { type: ['string', 'null'], enum: ['warning', 'breached', null] },
    slaDueAt: { type: 'string', format: 'date-time', description: 'Earliest due instant of a running clock' },
    slaPaused: { type: 'boolean' },
    version: { type: 'integer', description: 'Send it back with a command (reassign)' },
  },
} as const;

const boardSchema = {
  type: 'object',
  required: ['teams', 'escalations', 'now'],
  properties: {
    now: { type: 'string', format: 'date-time' },
    teams: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'name', 'members', 'counts', 'unassigned', 'atRisk', 'breached'],
        properties: {
          key: { type: 'string' },
          name: localizedText,
          supervisor: { type: ['string', 'null'] },
          counts: {
            type: 'object',
            required: ['open', 'unassigned', 'atRisk', 'breached'],
            properties: {
              open: { type: 'integer' },
              unassigned: { type: 'integer' },
              atRisk: { type: 'integer' },
              breached: { type: 'integer' },
            },
          },
          members: {
            type: 'array',
            items: {
              type: 'object',
              required: [
                'id',
                'displayName',
                'openLoad',
                'teamLoad',
                'capacity',
                'awayUntil',
                'away',
                'active',
              ],
              properties: {
                id: { type: 'string' },
                username: { type: 'string' },
                displayName: { type: 'string' },
                active: { type: 'boolean' },
                openLoad: {
                  type: 'integer',
                  description: 'Open tickets assigned to the member, in any team',
                },
                teamLoad: {
                  type: 'integer',
                  description: 'Open tickets of this team assigned to the member',
                },
                capacity: { type: ['integer', 'null'], description: 'Most open tickets they should hold' },
                awayUntil: { type: ['string', 'null'], format: 'date-time' },
                away: { type: 'boolean', description: 'Away now: assignment skips them' },
                atRisk: { type: 'integer' },
                breached: { type: 'integer' },
              },
            },
          },
          unassigned: { type: 'array', items: ticketRow },
          atRisk: { type: 'array', items: ticketRow, description: 'Open tickets past their SLA warning' },
          breached: { type: 'array', items: ticketRow, description: 'Open tickets whose SLA is breached' },
        },
      },
    },
    escalations: {
      type: 'array',
      description: 'SLA warnings, breaches and escalations that notified me, newest first',
      items: {
        type: 'object',
        required: ['id', 'ticketId', 'ticketNumber', 'template', 'subject', 'createdAt', 'readAt'],
        properties: {
          id: { type: 'string' },
          ticketId: { type: 'string' },
          ticketNumber: { type: 'string' },
          template: { type: 'string' },
          subject: { type: 'string' },
          text: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
          readAt: { type: ['string', 'null'], format: 'date-time' },
        },
      },
    },
  },
} as const;

function boardProblem(status: 403 | 404, code: string, text: LocalizedText, field?: string): HttpProblem {
  return new HttpProblem(status, status === 403 ? 'Forbidden' : 'Not found', {
    code,
    text,
    ...(field === undefined ? {} : { field }),
  });
}

type Row = Omit<TicketDoc, 'state'>;

/**
 * The supervisor board: per team the caller supervises (every team for an admin), each member's open load against
 * their capacity, who is away, the tickets at risk and breached, the unassigned queue; and the SLA escalations
 * that notified the caller. Reassigning is the ticket's `assign` command (`POST /api/tickets/:id/commands`).
 */
export async function boardRoutes(app: FastifyInstance) {
  app.get(
    '/api/tickets/board',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Supervisor board: the load of my teams’ members, at-risk, breached and unassigned tickets',
        description:
          'For team supervisors (their teams) and admins (every team). An agent who supervises no team is ' +
          'refused (403); a team the caller does not supervise answers 404.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            team: { type: 'string', minLength: 1, maxLength: 64, description: 'Only this team' },
          },
        },
        response: { 200: boardSchema, ...problemResponses(400, 401, 403, 404) },
      },
      config: { access: { roles: ['admin', 'agent'] } },
    },
    async (request) => {
      const { team: only } = request.query as { team?: string };
      const context = await accessContextOf(request);
      const admin = hasRole(context.principal, 'admin');
      if (!admin && context.teams.supervises.length === 0) {
        throw boardProblem(403, 'board-not-supervisor', {
          'zh-CN': '看板只对团队主管和管理员开放：你目前没有主管的团队',
          en: 'The board is for team supervisors and admins: you supervise no team.',
        });
      }
      const allowed = admin ? undefined : new Set(context.teams.supervises);
      if (only !== undefined && allowed !== undefined && !allowed.has(only)) {
        throw boardProblem(
          404,
          'board-team-not-found',
          { 'zh-CN': `没有你主管的团队“${only}”`, en: `You supervise no team “${only}”.` },
          'query.team',
        );
      }
      const filter: Record<string, unknown> = {};
      if (only !== undefined) filter.key = only;
      else if (allowed !== undefined) filter.key = { $in: [...allowed] };
      const teams = await app.models.Team.find(filter).sort({ key: 1 }).lean();
      if (only !== undefined && teams.length === 0) {
        throw boardProblem(
          404,
          'board-team-not-found',
          { 'zh-CN': `没有团队“${only}”`, en: `There is no team “${only}”.` },
          'query.team',
        );
      }

      const now = app.clock.now();
      const memberIds = [
        ...new Set(teams.flatMap((team) => team.members.map((m) => m.userId.toHexString()))),
      ];
      const [loads, people, perTeam, escalations] = await Promise.all([
        app.tickets.catalog.openLoads(OPEN_CATEGORIES),
        app.models.User.find(
          { _id: { $in: memberIds.map((id) => new Types.ObjectId(id)) } },
          { username: 1, displayName: 1, active: 1 },
        ).lean(),
        Promise.all(
          teams.map((team) =>
            app.tickets.catalog.find(
              { team: team.key, statusCategory: { $in: [...OPEN_CATEGORIES] } },
              { field: 'slaDueAt', direction: 1 },
              TEAM_TICKETS_LIMIT,
            ),
          ),
        ),
        app.db
          .collection<InAppNotification>(NOTIFICATIONS_COLLECTION)
          .find({ userId: context.principal.id, template: { $regex: '^sla-' } }, { projection: { body: 0 } })
          .sort({ createdAt: -1, _id: -1 })
          .limit(ESCALATIONS_LIMIT)
          .toArray(),
      ]);
      const byId = new Map(people.map((person) => [person._id.toHexString(), person]));
      const nameOf = (id: string | null) => (id === null ? undefined : byId.get(id)?.displayName);
      const rowOf = (doc: Row) => {
        const name = nameOf(doc.assignee);
        return {
          id: doc._id,
          number: doc.number,
          title: doc.title,
          type: doc.typeKey,
          typeVersion: doc.typeVersion,
          priority: doc.priority,
          statusKey: doc.statusKey,
          statusCategory: doc.statusCategory,
          assignee: doc.assignee,
          ...(name === undefined ? {} : { assigneeName: name }),
          highlight: doc.highlight ?? null,
          ...(doc.slaDueAt && doc.slaDueAt.getTime() !== NO_DUE.getTime()
            ? { slaDueAt: new Date(doc.slaDueAt).toISOString() }
            : {}),
          slaPaused: doc.slaPaused === true,
          version: doc.version,
        };
      };

      return {
        now: new Date(now).toISOString(),
        teams: teams.map((team, index) => {
          const open = (perTeam[index] ?? []) as Row[];
          const unassigned = open.filter((doc) => doc.assignee === null);
          const atRisk = open.filter((doc) => doc.highlight === 'warning');
          const breached = open.filter((doc) => doc.highlight === 'breached');
          return {
            key: team.key,
            name: team.name,
            supervisor: team.supervisor ? team.supervisor.toHexString() : null,
            counts: {
              open: open.length,
              unassigned: unassigned.length,
              atRisk: atRisk.length,
              breached: breached.length,
            },
            members: team.members.map((member) => {
              const id = member.userId.toHexString();
              const person = byId.get(id);
              const mine = open.filter((doc) => doc.assignee === id);
              const awayUntil = member.awayUntil ? new Date(member.awayUntil) : null;
              return {
                id,
                ...(person ? { username: person.username } : {}),
                displayName: person?.displayName ?? id,
                active: person?.active !== false,
                openLoad: loads.get(id) ?? 0,
                teamLoad: mine.length,
                capacity: member.capacity ?? null,
                awayUntil: awayUntil ? awayUntil.toISOString() : null,
                away: awayUntil !== null && awayUntil.getTime() > now,
                atRisk: mine.filter((doc) => doc.highlight === 'warning').length,
                breached: mine.filter((doc) => doc.highlight === 'breached').length,
              };
            }),
            unassigned: unassigned.slice(0, LIST_LIMIT).map(rowOf),
            atRisk: atRisk.slice(0, LIST_LIMIT).map(rowOf),
            breached: breached.slice(0, LIST_LIMIT).map(rowOf),
          };
        }),
        escalations: escalations.map((item) => ({
          id: item._id,
          ticketId: item.ticketId,
          ticketNumber: item.ticketNumber,
          template: item.template,
          subject: item.subject,
          text: item.text,
          createdAt: new Date(item.createdAt).toISOString(),
          readAt: item.readAt ? new Date(item.readAt).toISOString() : null,
        })),
      };
    },
  );
}
