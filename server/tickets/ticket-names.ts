import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import type { LocalizedText } from '../../runtime/common/types.js';

/**
 * Names of the people and teams a ticket answer mentions, resolved on the server: requesters may not list users
 * or teams, yet the ticket page, its history and the lists must name who handles their ticket. Only ids already in
 * the answer are resolved (the answer is what the reader may see), so a name tells nobody more than the id did.
 */
export interface NameBook {
  /** Display name by user id. */
  users: Record<string, string>;
  /** Team name by team key. */
  teams: Record<string, LocalizedText>;
}

/** Keys whose values name people (a user id or a list of them) in ticket views, event data and explanations. */
const PERSON_KEYS: ReadonlySet<string> = new Set([
  'assignee',
  'assignees',
  'user',
  'users',
  'approver',
  'approvers',
  'decidedBy',
  'delegate',
  'delegatedTo',
  'by',
  'from',
  'to',
  'mentions',
  'watchers',
  'assistants',
  'requester',
  'supervisor',
  'actor',
  'addedBy',
  'backup',
  'skipped',
  'members',
]);
/** Keys whose values name teams. */
const TEAM_KEYS: ReadonlySet<string> = new Set(['team', 'teams', 'fromTeam', 'toTeam', 'escalationTeam']);

const MAX_DEPTH = 8;

function isUserId(value: unknown): value is string {
  return typeof value === 'string' && value.length === 24 && Types.ObjectId.isValid(value);
}

/** What a walk found: user ids and team keys. */
export interface Mentions {
  users: Set<string>;
  teams: Set<string>;
}

export function emptyMentions(): Mentions {
  return { users: new Set(), teams: new Set() };
}

/** Collect the user ids and team keys named anywhere in `value` under the keys that hold them. */
export function collectMentions(value: unknown, into: Mentions = emptyMentions(), depth = 0): Mentions {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return into;
  if (Array.isArray(value)) {
    for (const item of value) collectMentions(item, into, depth + 1);
    return into;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (PERSON_KEYS.has(key)) {
      for (const candidate of Array.isArray(item) ? item : [item]) {
        if (isUserId(candidate)) into.users.add(candidate);
        // `{ id, name }` shapes (an actor, a skipped member) are walked below.
      }
    }
    if (TEAM_KEYS.has(key)) {
      for (const candidate of Array.isArray(item) ? item : [item])
        if (typeof candidate === 'string' && candidate.length > 0 && candidate.length <= 100)
          into.teams.add(candidate);
    }
    if (key === 'id' && isUserId(item)) into.users.add(item);
    if (typeof item === 'object') collectMentions(item, into, depth + 1);
  }
  return into;
}

/** Display names and team names of what `mentions` holds; unknown ids and keys are left out. */
export async function resolveNames(app: FastifyInstance, mentions: Mentions): Promise<NameBook> {
  const userIds = [...mentions.users];
  const teamKeys = [...mentions.teams];
  const [users, teams] = await Promise.all([
    userIds.length === 0
      ? []
      : app.models.User.find({ _id: { $in: userIds } }, { displayName: 1 })
          .lean<{ _id: unknown; displayName: string }[]>()
          .exec(),
    teamKeys.length === 0
      ? []
      : app.models.Team.find({ key: { $in: teamKeys } }, { key: 1, name: 1 })
          .lean<{ key: string; name: LocalizedText }[]>()
          .exec(),
  ]);
  const book: NameBook = { users: {}, teams: {} };
  for (const user of users) book.users[String(user._id)] = user.displayName;
  for (const team of teams) book.teams[team.key] = team.name;
  return book;
}

/** The JSON Schema of a NameBook in route responses. */
export const nameBookSchema = {
  type: 'object',
  description: 'Display names of the people and teams this answer mentions, by user id and team key',
  properties: {
    users: { type: 'object', additionalProperties: { type: 'string' } },
    teams: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
      },
    },
  },
} as const;
