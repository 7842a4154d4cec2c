import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { accessProblem } from '../access/messages.js';
import type { RouteAccess } from '../access/route-access.js';
import { calendarKeys } from '../definitions/calendars.service.js';
import { badRequest } from '../lib/problem.js';
import type { TeamRecord } from '../models/team.model.js';
import { noContent, problemResponses } from './common.schemas.js';
import {
  createTeamBodySchema,
  replaceTeamBodySchema,
  teamKeySchema,
  teamViewSchema,
  toTeamView,
  type TeamBody,
} from './teams.schemas.js';
import { isDuplicateKey } from '../lib/sequence.js';

/** Designers pick teams in routing rules, agents see their colleagues; only admins change teams. */
const readAccess: RouteAccess = { roles: ['admin', 'designer', 'agent'], scopes: ['definitions:read'] };
const writeAccess: RouteAccess = { roles: ['admin'] };

const teamParamsSchema = {
  type: 'object',
  required: ['key'],
  additionalProperties: false,
  properties: { key: teamKeySchema },
} as const;

export async function teamsRoutes(app: FastifyInstance) {
  const { Team, User } = app.models;

  /**
   * Check what the body refers to and turn it into the stored shape. Every problem names its field, e.g.
   * `body.members.2.userId`.
   */
  async function toStoredTeam(key: string, body: TeamBody) {
    const members = body.members;
    const seen = new Map<string, number>();
    members.forEach((member, index) => {
      if (seen.has(member.userId)) {
        throw accessProblem('duplicate-member', { field: `body.members.${index}.userId` });
      }
      seen.set(member.userId, index);
      for (const skill of Object.keys(member.skills)) {
        if (skill.trim() === '' || skill.length > 64) {
          throw accessProblem('skill-name-invalid', { field: `body.members.${index}.skills.${skill}` });
        }
      }
    });
    const referenced = [...seen.keys(), ...(body.supervisor ? [body.supervisor] : [])];
    const existing = new Set(
      (
        await User.find({ _id: { $in: referenced } })
          .select({ _id: 1 })
          .lean()
      ).map((user) => user._id.toHexString()),
    );
    members.forEach((member, index) => {
      if (!existing.has(member.userId)) {
        throw accessProblem('unknown-user', {
          field: `body.members.${index}.userId`,
          params: { id: member.userId },
        });
      }
    });
    if (body.supervisor && !existing.has(body.supervisor)) {
      throw accessProblem('unknown-user', { field: 'body.supervisor', params: { id: body.supervisor } });
    }
    if (body.backupTeam === key) throw accessProblem('backup-team-self', { field: 'body.backupTeam' });
    if (body.backupTeam && !(await Team.exists({ key: body.backupTeam }))) {
      throw accessProblem('unknown-team', { field: 'body.backupTeam', params: { key: body.backupTeam } });
    }
    if (body.calendar && !(await calendarKeys(app.db)).includes(body.calendar)) {
      throw badRequest(
        'body.calendar',
        {
          'zh-CN': `找不到标识为 ${body.calendar} 的日历`,
          en: `There is no calendar with key ${body.calendar}`,
        },
        'unknown-calendar',
      );
    }
    return {
      key,
      name: body.name,
      supervisor: body.supervisor ? new Types.ObjectId(body.supervisor) : undefined,
      backupTeam: body.backupTeam,
      calendar: body.calendar,
      members: members.map((member) => ({
        userId: new Types.ObjectId(member.userId),
        skills: member.skills,
        capacity: member.capacity,
        awayUntil: member.awayUntil ? new Date(member.awayUntil) : undefined,
      })),
    } satisfies Omit<TeamRecord, '_id' | 'createdAt' | 'updatedAt'>;
  }

  app.get(
    '/api/teams',
    {
      config: { access: readAccess },
      schema: {
        tags: ['people'],
        summary: 'List teams with their members, skills and backup teams',
        response: {
          200: {
            type: 'object',
            required: ['items', 'total'],
            properties: { items: { type: 'array', items: teamViewSchema }, total: { type: 'integer' } },
          },
          ...problemResponses(401, 403),
        },
      },
    },
    async () => {
      const teams = await Team.find({}).sort({ key: 1 }).lean();
      return { items: teams.map(toTeamView), total: teams.length };
    },
  );

  app.post<{ Body: TeamBody & { key: string } }>(
    '/api/teams',
    {
      config: { access: writeAccess },
      schema: {
        tags: ['people'],
        summary: 'Create a team',
        body: createTeamBodySchema,
        response: { 201: teamViewSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { key } = request.body;
      const stored = await toStoredTeam(key, request.body);
      const now = new Date(app.clock.now());
      try {
        const created = await Team.create({ ...stored, createdAt: now, updatedAt: now });
        return reply.status(201).send(toTeamView(created.toObject()));
      } catch (error) {
        if (isDuplicateKey(error))
          throw accessProblem('team-key-taken', { field: 'body.key', params: { key } });
        throw error;
      }
    },
  );

  app.get<{ Params: { key: string } }>(
    '/api/teams/:key',
    {
      config: { access: readAccess },
      schema: {
        tags: ['people'],
        summary: 'One team',
        params: teamParamsSchema,
        response: { 200: teamViewSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const team = await Team.findOne({ key: request.params.key }).lean();
      if (!team) throw accessProblem('team-not-found');
      return toTeamView(team);
    },
  );

  app.put<{ Params: { key: string }; Body: TeamBody }>(
    '/api/teams/:key',
    {
      config: { access: writeAccess },
      schema: {
        tags: ['people'],
        summary: 'Replace a team: name, supervisor, backup team and members',
        params: teamParamsSchema,
        body: replaceTeamBodySchema,
        response: { 200: teamViewSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { key } = request.params;
      if (request.body.key !== undefined && request.body.key !== key) {
        throw accessProblem('key-mismatch', {
          field: 'body.key',
          params: { key: request.body.key, expected: key },
        });
      }
      const existing = await Team.findOne({ key }).lean();
      if (!existing) throw accessProblem('team-not-found');
      const stored = await toStoredTeam(key, request.body);
      const unset: Record<string, ''> = {};
      if (!stored.supervisor) unset.supervisor = '';
      if (!stored.backupTeam) unset.backupTeam = '';
      if (!stored.calendar) unset.calendar = '';
      await Team.updateOne(
        { _id: existing._id },
        {
          $set: {
            name: stored.name,
            members: stored.members,
            updatedAt: new Date(app.clock.now()),
            ...(stored.supervisor ? { supervisor: stored.supervisor } : {}),
            ...(stored.backupTeam ? { backupTeam: stored.backupTeam } : {}),
            ...(stored.calendar ? { calendar: stored.calendar } : {}),
          },
          ...(Object.keys(unset).length ? { $unset: unset } : {}),
        },
      );
      const updated = await Team.findById(existing._id).lean();
      if (!updated) throw accessProblem('team-not-found');
      return toTeamView(updated);
    },
  );

  app.delete<{ Params: { key: string } }>(
    '/api/teams/:key',
    {
      config: { access: writeAccess },
      schema: {
        tags: ['people'],
        summary: 'Remove a team that no other team uses as its backup',
        params: teamParamsSchema,
        response: { 204: noContent, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { key } = request.params;
      const dependants = await Team.find({ backupTeam: key }).select({ key: 1 }).lean();
      if (dependants.length > 0) {
        throw accessProblem('team-in-use', {
          params: { key, teams: dependants.map((team) => team.key).join(', ') },
        });
      }
      const { deletedCount } = await Team.deleteOne({ key });
      if (deletedCount === 0) throw accessProblem('team-not-found');
      return reply.status(204).send();
    },
  );
}
