import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { hasAnyRole } from '../access/principal.js';
import type { RouteAccess } from '../access/route-access.js';
import { badRequest, conflict } from '../lib/problem.js';
import type { TeamRecord } from '../models/team.model.js';
import type { UserRecord } from '../models/user.model.js';
import { createRequesterUser } from '../tickets/intake-requester.js';
import { problemResponses } from './common.schemas.js';
import {
  DIRECTORY_IDS_MAX,
  directoryPeopleQuerySchema,
  directoryPeopleResponseSchema,
  directoryPersonSchema,
  directoryTeamsQuerySchema,
  directoryTeamsResponseSchema,
  quickRequesterBodySchema,
  type DirectoryPeopleQuery,
  type DirectoryPersonView,
  type QuickRequesterBody,
} from './directory.schemas.js';

/**
 * The people directory staff read to pick someone: a colleague to transfer to or ask for help, a person to
 * @mention, the caller of a phone ticket, an approver. Requesters and integrations are refused (403): a
 * requester learns nothing of other people here, and integrations address people by id.
 */
const readAccess: RouteAccess = { roles: ['admin', 'agent', 'designer'] };
/** Agents register tickets for callers; they may add a caller who is not in the directory yet. */
const createRequesterAccess: RouteAccess = { roles: ['admin', 'agent'] };
/** Who reads e-mail addresses and phone numbers: those who contact requesters. Designers need none. */
const CONTACT_ROLES = ['admin', 'agent'] as const;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

type TeamLean = Pick<TeamRecord, 'key' | 'name' | 'supervisor' | 'members' | 'backupTeam'>;
type PersonLean = Pick<
  UserRecord,
  '_id' | 'username' | 'displayName' | 'roles' | 'active' | 'email' | 'attributes'
>;

/** Each person's teams (member or supervisor) and when their longest absence ends, from one read of the teams. */
function membershipsOf(teams: readonly TeamLean[], now: number) {
  const byPerson = new Map<string, { teams: DirectoryPersonView['teams']; awayUntil?: number }>();
  const entry = (id: string) => {
    let found = byPerson.get(id);
    if (!found) byPerson.set(id, (found = { teams: [] }));
    return found;
  };
  for (const team of teams) {
    const supervisor = team.supervisor ? String(team.supervisor) : undefined;
    const seen = new Set<string>();
    for (const member of team.members) {
      const id = String(member.userId);
      seen.add(id);
      const person = entry(id);
      person.teams.push({ key: team.key, name: team.name, supervisor: id === supervisor });
      const until = member.awayUntil ? new Date(member.awayUntil).getTime() : undefined;
      if (until !== undefined && until > now && until > (person.awayUntil ?? 0)) person.awayUntil = until;
    }
    if (supervisor && !seen.has(supervisor))
      entry(supervisor).teams.push({ key: team.key, name: team.name, supervisor: true });
  }
  return byPerson;
}

/** Teams and away status of people now, for other lists of people (the colleagues one may @mention). */
export async function teamsAndAbsences(
  app: FastifyInstance,
): Promise<(id: string) => Pick<DirectoryPersonView, 'teams' | 'away'>> {
  const teams = await app.models.Team.find({}, { key: 1, name: 1, supervisor: 1, members: 1 })
    .sort({ key: 1 })
    .lean<TeamLean[]>();
  const memberships = membershipsOf(teams, app.clock.now());
  return (id) => {
    const membership = memberships.get(id);
    return { teams: membership?.teams ?? [], away: membership?.awayUntil !== undefined };
  };
}

export async function directoryRoutes(app: FastifyInstance) {
  const { User, Team } = app.models;

  const readTeams = (): Promise<TeamLean[]> =>
    Team.find({}, { key: 1, name: 1, supervisor: 1, members: 1, backupTeam: 1 })
      .sort({ key: 1 })
      .lean<TeamLean[]>();

  function viewOf(
    person: PersonLean,
    memberships: ReturnType<typeof membershipsOf>,
    withContact: boolean,
  ): DirectoryPersonView {
    const id = String(person._id);
    const membership = memberships.get(id);
    const phone = person.attributes?.phone;
    return {
      id,
      username: person.username,
      displayName: person.displayName,
      roles: person.roles,
      teams: membership?.teams ?? [],
      away: membership?.awayUntil !== undefined,
      ...(membership?.awayUntil !== undefined
        ? { awayUntil: new Date(membership.awayUntil).toISOString() }
        : {}),
      active: person.active,
      ...(withContact ? { email: person.email } : {}),
      ...(withContact && typeof phone === 'string' ? { phone } : {}),
    };
  }

  const personFields = {
    username: 1,
    displayName: 1,
    roles: 1,
    active: 1,
    email: 1,
    attributes: 1,
  } as const;

  app.get<{ Querystring: DirectoryPeopleQuery }>(
    '/api/directory/people',
    {
      config: { access: readAccess },
      schema: {
        tags: ['people'],
        summary: 'Find people to pick: names, teams, roles, away status (staff only)',
        description:
          'Active people matching `q`, in `team`, holding `role`; or, with `ids`, those people by id (also ' +
          'inactive ones, to name them in a history). E-mail and phone only for admins and agents. Requesters ' +
          'and integrations: 403.',
        querystring: directoryPeopleQuerySchema,
        response: { 200: directoryPeopleResponseSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { q, team, role, ids, limit } = request.query;
      const withContact = hasAnyRole(request.principal, CONTACT_ROLES);
      const teams = await readTeams();
      const filter: Record<string, unknown>[] = [];
      if (ids !== undefined) {
        const list = [...new Set(ids.split(',').map((id) => id.trim()))].filter((id) => id !== '');
        if (list.length > DIRECTORY_IDS_MAX)
          throw badRequest('query.ids', {
            'zh-CN': `一次最多查找 ${DIRECTORY_IDS_MAX} 人`,
            en: `At most ${DIRECTORY_IDS_MAX} people at a time`,
          });
        const invalid = list.find((id) => !/^[0-9a-f]{24}$/.test(id));
        if (invalid !== undefined)
          throw badRequest('query.ids', {
            'zh-CN': `“${invalid}”不是人员标识`,
            en: `“${invalid}” is not a person’s id`,
          });
        filter.push({ _id: { $in: list.map((id) => new Types.ObjectId(id)) } });
      } else {
        filter.push({ active: true });
      }
      if (team !== undefined) {
        const found = teams.find((candidate) => candidate.key === team);
        if (!found)
          throw badRequest(
            'query.team',
            { 'zh-CN': `找不到标识为 ${team} 的团队`, en: `There is no team with key ${team}` },
            'unknown-team',
          );
        const members = found.members.map((member) => member.userId);
        if (found.supervisor) members.push(found.supervisor);
        filter.push({ _id: { $in: members } });
      }
      if (role === 'staff') filter.push({ roles: { $in: ['agent', 'admin'] } });
      else if (role !== undefined) filter.push({ roles: role });
      const text = q?.trim();
      if (text) {
        const pattern = { $regex: escapeRegExp(text), $options: 'i' };
        const fields: Record<string, unknown>[] = [{ displayName: pattern }, { username: pattern }];
        // Only those who may read contact details may find people by them (a search is a way to read).
        if (withContact) fields.push({ email: pattern }, { 'attributes.phone': pattern });
        filter.push({ $or: fields });
      }
      const people = await User.find(filter.length === 1 ? filter[0]! : { $and: filter }, personFields)
        .sort({ displayName: 1, username: 1 })
        .limit(ids !== undefined ? DIRECTORY_IDS_MAX : limit)
        .lean<PersonLean[]>();
      const memberships = membershipsOf(teams, app.clock.now());
      return { items: people.map((person) => viewOf(person, memberships, withContact)) };
    },
  );

  app.get<{ Querystring: { q?: string } }>(
    '/api/directory/teams',
    {
      config: { access: readAccess },
      schema: {
        tags: ['people'],
        summary: 'Find teams to pick: names, supervisor, how many members are available (staff only)',
        querystring: directoryTeamsQuerySchema,
        response: { 200: directoryTeamsResponseSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const text = request.query.q?.trim().toLowerCase();
      const teams = (await readTeams()).filter(
        (team) =>
          !text ||
          team.key.toLowerCase().includes(text) ||
          team.name['zh-CN'].toLowerCase().includes(text) ||
          team.name.en.toLowerCase().includes(text),
      );
      const ids = new Set<string>();
      for (const team of teams) {
        for (const member of team.members) ids.add(String(member.userId));
        if (team.supervisor) ids.add(String(team.supervisor));
      }
      const people = await User.find(
        { _id: { $in: [...ids].map((id) => new Types.ObjectId(id)) } },
        { displayName: 1, active: 1 },
      ).lean<Pick<UserRecord, '_id' | 'displayName' | 'active'>[]>();
      const byId = new Map(people.map((person) => [String(person._id), person]));
      const now = app.clock.now();
      return {
        items: teams.map((team) => {
          const active = team.members.filter((member) => byId.get(String(member.userId))?.active);
          const supervisor = team.supervisor ? byId.get(String(team.supervisor)) : undefined;
          return {
            key: team.key,
            name: team.name,
            ...(supervisor
              ? { supervisor: { id: String(supervisor._id), displayName: supervisor.displayName } }
              : {}),
            ...(team.backupTeam ? { backupTeam: team.backupTeam } : {}),
            members: active.length,
            available: active.filter(
              (member) => !member.awayUntil || new Date(member.awayUntil).getTime() <= now,
            ).length,
          };
        }),
      };
    },
  );

  app.post<{ Body: QuickRequesterBody }>(
    '/api/directory/requesters',
    {
      config: { access: createRequesterAccess },
      schema: {
        tags: ['people'],
        summary: 'Add a caller as a requester (agents registering a ticket taken by phone)',
        description:
          'Creates an active person with the requester role and no password. 409 naming `body.email` when ' +
          'an active person already has that e-mail address (`extra.person` is them: pick them instead).',
        body: quickRequesterBodySchema,
        response: { 201: directoryPersonSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const displayName = request.body.displayName.trim();
      const email = request.body.email.trim();
      const phone = request.body.phone?.trim();
      if (displayName === '')
        throw badRequest('body.displayName', { 'zh-CN': '请填写姓名', en: 'Enter a name' });
      const memberships = membershipsOf(await readTeams(), app.clock.now());
      const existing = await User.findOne(
        { email: { $regex: `^${escapeRegExp(email)}$`, $options: 'i' }, active: true },
        personFields,
      ).lean<PersonLean>();
      if (existing)
        throw conflict(
          {
            'zh-CN': `${existing.displayName} 已使用这个邮箱，请直接选择此人`,
            en: `${existing.displayName} already has this e-mail address: pick them instead`,
          },
          { person: viewOf(existing, memberships, true) },
          'body.email',
        );
      const created = await createRequesterUser(app, {
        displayName,
        email,
        ...(phone ? { phone } : {}),
        locale: request.principal?.kind === 'user' ? request.principal.locale : 'zh-CN',
      });
      if (created) return reply.status(201).send(viewOf(created.toObject(), memberships, true));
      throw conflict(
        {
          'zh-CN': '无法为此人生成用户名，请联系管理员',
          en: 'No free username for this person; ask an admin',
        },
        undefined,
        'body.email',
      );
    },
  );
}
