import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import type { LocalizedText } from '../../runtime/common/types.js';
import { ShortLived, ShortLivedMap } from '../lib/short-lived.js';

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

function isTeamKey(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 100;
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
        if (isTeamKey(candidate)) into.teams.add(candidate);
    }
    if (key === 'id' && isUserId(item)) into.users.add(item);
    if (typeof item === 'object') collectMentions(item, into, depth + 1);
  }
  return into;
}

/**
 * The people and teams a page of listed tickets names: `collectMentions` of their `team` and `assignee`, without
 * walking each ticket's fields.
 */
export function listedMentions(listed: readonly { team?: unknown; assignee?: unknown }[]): Mentions {
  const into = emptyMentions();
  for (const { team, assignee } of listed) {
    if (isTeamKey(team)) into.teams.add(team);
    if (isUserId(assignee)) into.users.add(assignee);
  }
  return into;
}

/** How long a name read is reused by this process: lists are read often, names change seldom. */
const NAMES_TTL_MS = 5_000;

interface NameCaches {
  users: ShortLivedMap<string, string | null>;
  teams: ShortLived<Map<string, LocalizedText>>;
}
const caches = new WeakMap<FastifyInstance, NameCaches>();

function cachesOf(app: FastifyInstance): NameCaches {
  let found = caches.get(app);
  if (!found) {
    found = {
      // One read by _id per person (the one lookup FerretDB answers from its index), reused briefly.
      users: new ShortLivedMap(async (id: string) => {
        const user = await app.models.User.findById(id, { displayName: 1 })
          .lean<{ displayName: string }>()
          .exec();
        return user?.displayName ?? null;
      }, NAMES_TTL_MS),
      // Teams are few: all of them in one read.
      teams: new ShortLived(async () => {
        const teams = await app.models.Team.find({}, { key: 1, name: 1 })
          .lean<{ key: string; name: LocalizedText }[]>()
          .exec();
        return new Map(teams.map((team) => [team.key, team.name]));
      }, NAMES_TTL_MS),
    };
    caches.set(app, found);
  }
  return found;
}

/** Display names and team names of what `mentions` holds; unknown ids and keys are left out. */
export async function resolveNames(app: FastifyInstance, mentions: Mentions): Promise<NameBook> {
  const { users, teams } = cachesOf(app);
  const book: NameBook = { users: {}, teams: {} };
  const [names, teamNames] = await Promise.all([
    Promise.all([...mentions.users].map(async (id) => [id, await users.get(id)] as const)),
    mentions.teams.size > 0 ? teams.get() : new Map<string, LocalizedText>(),
  ]);
  for (const [id, name] of names) if (name !== null) book.users[id] = name;
  let known = teamNames;
  if ([...mentions.teams].some((key) => !known.has(key))) {
    // A team made since the last read: read again rather than show its key.
    teams.invalidate();
    known = await teams.get();
  }
  for (const key of mentions.teams) {
    const name = known.get(key);
    if (name) book.teams[key] = name;
  }
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
