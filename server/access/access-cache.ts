import { Types } from 'mongoose';
import { ShortLivedMap } from '../lib/short-lived.js';
import type { PeopleModels } from '../models/index.js';
import type { UserPrincipal } from './principal.js';
import type { TeamMemberships } from './record-rules.js';

/** How long a session's person and a person's teams are reused by one process (see AccessCache). */
export const ACCESS_TTL_MS = 5_000;

/** What a session token leads to: when it ends and who it signs in (null: unknown session or inactive person). */
export interface SessionHolder {
  expiresAt: number;
  principal: Omit<UserPrincipal, 'sessionId'> | null;
}

/**
 * Every request names its caller, and every ticket route asks for the caller's teams: three reads before any
 * work. They change rarely, so each process reuses them for `ACCESS_TTL_MS`. A change made through this
 * process's API (sign-out, password, roles, deactivation, team membership) is seen by its very next request,
 * since the auth plugin calls `forget()` after any such request; a change made by another process (or directly
 * in the database) shows within `ACCESS_TTL_MS`. Expiry is still checked against the business clock on every
 * request, so a session never outlives `expiresAt`.
 */
export class AccessCache {
  private readonly sessions: ShortLivedMap<string, SessionHolder | null>;
  private readonly teams: ShortLivedMap<string, TeamMemberships>;

  /** `monotonicNow` is for tests that move the cache's time by hand (see ShortLivedMap). */
  constructor(models: PeopleModels, ttlMs = ACCESS_TTL_MS, monotonicNow?: () => number) {
    this.sessions = new ShortLivedMap(
      (sessionId) => readSessionHolder(models, sessionId),
      ttlMs,
      5000,
      monotonicNow,
    );
    this.teams = new ShortLivedMap(
      (userId) => readTeamMemberships(models, userId),
      ttlMs,
      5000,
      monotonicNow,
    );
  }

  session(sessionId: string): Promise<SessionHolder | null> {
    return this.sessions.get(sessionId);
  }

  teamsOf(userId: string): Promise<TeamMemberships> {
    return this.teams.get(userId);
  }

  forget(): void {
    this.sessions.invalidate();
    this.teams.invalidate();
  }
}

/** A session and its person, read from the database. */
export async function readSessionHolder(
  models: PeopleModels,
  sessionId: string,
): Promise<SessionHolder | null> {
  const session = await models.Session.findById(sessionId).lean();
  if (!session) return null;
  const user = await models.User.findById(session.userId).lean();
  return {
    expiresAt: session.expiresAt.getTime(),
    principal: user?.active
      ? {
          kind: 'user',
          id: user._id.toHexString(),
          username: user.username,
          displayName: user.displayName,
          roles: user.roles,
          locale: user.locale,
        }
      : null,
  };
}

/** The teams a person works in or supervises, read from the database. */
export async function readTeamMemberships(models: PeopleModels, userId: string): Promise<TeamMemberships> {
  const id = new Types.ObjectId(userId);
  const teams = await models.Team.find({ $or: [{ 'members.userId': id }, { supervisor: id }] })
    .select({ key: 1, supervisor: 1, members: 1 })
    .lean();
  return {
    memberOf: teams
      .filter((team) => team.members.some((member) => member.userId.equals(id)))
      .map((t) => t.key),
    supervises: teams.filter((team) => team.supervisor?.equals(id)).map((team) => team.key),
  };
}
