import { localizedTextSchema, objectIdSchema } from './common.schemas.js';
import { ROLES } from '../access/roles.js';

/**
 * The people directory's contract: what staff read about colleagues and requesters when they pick someone (a
 * transfer, an assistant, an @mention, the caller of a phone ticket). Names, teams, roles and away status for
 * every staff role; contact details (e-mail, phone) only for admins and agents, who talk to requesters.
 */

export const DIRECTORY_LIMIT_DEFAULT = 20;
export const DIRECTORY_LIMIT_MAX = 50;
/** How many ids one name lookup may resolve (a ticket's history rarely names more than a handful). */
export const DIRECTORY_IDS_MAX = 100;

export interface DirectoryPeopleQuery {
  q?: string;
  team?: string;
  role?: (typeof ROLES)[number] | 'staff';
  ids?: string;
  limit: number;
}

export const directoryPeopleQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description:
        'Part of a name or username (admins and agents: also of an e-mail address or phone number)',
    },
    team: { type: 'string', minLength: 1, maxLength: 64, description: 'Members and supervisor of this team' },
    role: {
      type: 'string',
      enum: [...ROLES, 'staff'],
      description: '`staff`: agents and admins (who may work tickets)',
    },
    ids: {
      type: 'string',
      minLength: 24,
      maxLength: DIRECTORY_IDS_MAX * 25,
      description: `Comma-separated ids to name (at most ${DIRECTORY_IDS_MAX}); inactive people included`,
    },
    limit: { type: 'integer', minimum: 1, maximum: DIRECTORY_LIMIT_MAX, default: DIRECTORY_LIMIT_DEFAULT },
  },
} as const;

export const teamRefSchema = {
  type: 'object',
  required: ['key', 'name', 'supervisor'],
  additionalProperties: false,
  properties: {
    key: { type: 'string' },
    name: localizedTextSchema,
    supervisor: { type: 'boolean', description: 'This person supervises the team' },
  },
} as const;

export const directoryPersonSchema = {
  type: 'object',
  required: ['id', 'username', 'displayName', 'roles', 'teams', 'away', 'active'],
  additionalProperties: false,
  properties: {
    id: objectIdSchema,
    username: { type: 'string' },
    displayName: { type: 'string' },
    roles: { type: 'array', items: { type: 'string', enum: ROLES } },
    teams: { type: 'array', items: teamRefSchema },
    away: {
      type: 'boolean',
      description: 'Away or on leave now in a team they belong to (assignment skips them)',
    },
    awayUntil: { type: 'string', format: 'date-time', description: 'When the longest absence ends' },
    active: { type: 'boolean' },
    email: { type: 'string', description: 'Admins and agents only' },
    phone: { type: 'string', description: 'Admins and agents only (the `phone` attribute)' },
  },
} as const;

export interface DirectoryPersonView {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  teams: { key: string; name: { 'zh-CN': string; en: string }; supervisor: boolean }[];
  away: boolean;
  awayUntil?: string;
  active: boolean;
  email?: string;
  phone?: string;
}

export const directoryPeopleResponseSchema = {
  type: 'object',
  required: ['items'],
  additionalProperties: false,
  properties: { items: { type: 'array', items: directoryPersonSchema } },
} as const;

export const directoryTeamsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', minLength: 1, maxLength: 100, description: 'Part of the key or of a name' },
  },
} as const;

export const directoryTeamSchema = {
  type: 'object',
  required: ['key', 'name', 'members', 'available'],
  additionalProperties: false,
  properties: {
    key: { type: 'string' },
    name: localizedTextSchema,
    supervisor: {
      type: 'object',
      required: ['id', 'displayName'],
      additionalProperties: false,
      properties: { id: objectIdSchema, displayName: { type: 'string' } },
    },
    backupTeam: { type: 'string' },
    members: { type: 'integer', minimum: 0, description: 'Active members' },
    available: { type: 'integer', minimum: 0, description: 'Active members not away now' },
  },
} as const;

export const directoryTeamsResponseSchema = {
  type: 'object',
  required: ['items'],
  additionalProperties: false,
  properties: { items: { type: 'array', items: directoryTeamSchema } },
} as const;

/**
 * A caller not yet in the directory, created by the agent taking the call: name and e-mail (the confirmation and
 * survey links reach a requester by e-mail), optionally a phone number. They get the requester role and no
 * password — an admin may give them one later.
 */
export interface QuickRequesterBody {
  displayName: string;
  email: string;
  phone?: string;
}

export const quickRequesterBodySchema = {
  type: 'object',
  required: ['displayName', 'email'],
  additionalProperties: false,
  properties: {
    displayName: { type: 'string', minLength: 1, maxLength: 100 },
    email: { type: 'string', format: 'email', maxLength: 200 },
    phone: { type: 'string', minLength: 3, maxLength: 40, pattern: '^\\+?[0-9][0-9 ()-]*[0-9]$' },
  },
} as const;
