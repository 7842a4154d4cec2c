import { Types } from 'mongoose';
import type { TeamMemberships } from '../access/record-rules.js';
import type { Role } from '../access/roles.js';
import { ShortLived, ShortLivedMap } from '../lib/short-lived.js';
import type { PeopleModels } from '../models/index.js';

/** Like the ticket service's people cache (server/tickets/ticket-ports.ts): changes show within 5 s. */
export const PEOPLE_TTL_MS = 5_000;

/** What messages need of a person. */
export interface Person {
  /** Lowercase hex ObjectId. */
  id: string;
  displayName: string;
  email: string | null;
  locale: unknown;
  roles: Role[];
  active: boolean;
}

export interface TeamPeople {
  key: string;
  supervisor: string | null;
  members: string[];
}

const USER_FIELDS = { displayName: 1, email: 1, locale: 1, roles: 1, active: 1 } as const;

interface UserFields {
  _id: Types.ObjectId;
  displayName: string;
  email?: string | null;
  locale?: unknown;
  roles?: Role[];
  active?: boolean;
}

function personOf(user: UserFields): Person {
  return {
    id: user._id.toHexString(),
    displayName: user.displayName,
    email: user.email ? user.email : null,
    locale: user.locale,
    roles: user.roles ?? [],
    active: user.active !== false,
  };
}

export const isUserId = (value: string) => /^[0-9a-f]{24}$/i.test(value);

/**
 * People and teams as the notification side reads them, reused for a few seconds by this process. Each person is
 * read by `_id` alone — the one filter the embedded store answers without reading the whole collection — so a
 * notice to one person costs one small read at most; teams and role holders are few and read whole.
 * `forget()` drops everything (the plugin calls it after this process changed people or teams).
 */
export class PeopleDirectory {
  private readonly users: ShortLivedMap<string, Person | null>;
  private readonly roleHolders: ShortLivedMap<string, Person[]>;
  private readonly allTeams: ShortLived<TeamPeople[]>;

  constructor(models: PeopleModels, ttlMs = PEOPLE_TTL_MS) {
    this.users = new ShortLivedMap(async (id: string) => {
      const user = await models.User.findOne({ _id: new Types.ObjectId(id) }, USER_FIELDS)
        .lean<UserFields>()
        .exec();
      return user ? personOf(user) : null;
    }, ttlMs);
    this.roleHolders = new ShortLivedMap(async (role: string) => {
      const users = await models.User.find({ roles: role as Role, active: true }, USER_FIELDS)
        .lean<UserFields[]>()
        .exec();
      return users.map(personOf);
    }, ttlMs);
    this.allTeams = new ShortLived(async () => {
      const teams = await models.Team.find({}, { key: 1, supervisor: 1, members: 1 }).lean().exec();
      return teams.map((team) => ({
        key: team.key,
        supervisor: team.supervisor ? team.supervisor.toHexString() : null,
        members: team.members.map((member) => member.userId.toHexString()),
      }));
    }, ttlMs);
  }

  /** A person by id (any case of hex), or null when there is none or the id is not one. */
  user(id: string): Promise<Person | null> {
    if (!isUserId(id)) return Promise.resolve(null);
    return this.users.get(id.toLowerCase());
  }

  /** The active people holding a role. */
  withRole(role: string): Promise<Person[]> {
    return this.roleHolders.get(role);
  }

  teams(): Promise<TeamPeople[]> {
    return this.allTeams.get();
  }

  /** The same answer as `readTeamMemberships` of server/access/access-cache.ts, from the cached teams. */
  async membershipsOf(userId: string): Promise<TeamMemberships> {
    const id = userId.toLowerCase();
    const teams = await this.teams();
    return {
      memberOf: teams.filter((team) => team.members.includes(id)).map((team) => team.key),
      supervises: teams.filter((team) => team.supervisor === id).map((team) => team.key),
    };
  }

  forget(): void {
    this.users.invalidate();
    this.roleHolders.invalidate();
    this.allTeams.invalidate();
  }
}
