import type { LocalizedText } from '../../runtime/common/types.js';
import type { TeamRecord } from '../models/team.model.js';
import { localizedTextSchema, objectIdSchema } from './common.schemas.js';

/** Lowercase letters, digits, `-` and `_`: team keys appear in routing rules and as map keys in reports. */
export const teamKeySchema = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z0-9][a-z0-9_-]*$',
} as const;

const memberSchema = {
  type: 'object',
  required: ['userId'],
  additionalProperties: false,
  properties: {
    userId: objectIdSchema,
    skills: {
      type: 'object',
      description: 'Skill name → level from 1 (basic) to 5 (expert)',
      maxProperties: 50,
      additionalProperties: { type: 'integer', minimum: 1, maximum: 5 },
      default: {},
    },
    capacity: { type: 'integer', minimum: 0, maximum: 10_000, description: 'Most open tickets at once' },
    awayUntil: {
      type: 'string',
      format: 'date-time',
      description: 'Away or on leave until then: assignment skips the member',
    },
  },
} as const;

const teamProperties = {
  key: teamKeySchema,
  name: localizedTextSchema,
  supervisor: objectIdSchema,
  backupTeam: { ...teamKeySchema, description: 'Key of the backup / escalation team' },
  calendar: {
    type: 'string',
    pattern: '^[a-z0-9][a-z0-9._-]{0,63}$',
    description:
      'Business calendar of the team’s working hours (escalations held to business hours wait for it); ' +
      'absent: the organisation’s',
  },
  members: { type: 'array', maxItems: 1000, items: memberSchema, default: [] },
} as const;

export const createTeamBodySchema = {
  type: 'object',
  required: ['key', 'name'],
  additionalProperties: false,
  properties: teamProperties,
} as const;

/** A whole team replaces the stored one; `key` may be repeated but must match the address. */
export const replaceTeamBodySchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: teamProperties,
} as const;

export interface TeamMemberInput {
  userId: string;
  skills: Record<string, number>;
  capacity?: number;
  awayUntil?: string;
}

export interface TeamBody {
  key?: string;
  name: LocalizedText;
  supervisor?: string;
  backupTeam?: string;
  calendar?: string;
  members: TeamMemberInput[];
}

export const teamViewSchema = {
  type: 'object',
  required: ['id', 'key', 'name', 'members', 'createdAt', 'updatedAt'],
  additionalProperties: false,
  properties: {
    id: objectIdSchema,
    ...teamProperties,
    members: { type: 'array', items: memberSchema },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export function toTeamView(team: TeamRecord) {
  return {
    id: team._id.toHexString(),
    key: team.key,
    name: { 'zh-CN': team.name['zh-CN'], en: team.name.en },
    ...(team.supervisor ? { supervisor: team.supervisor.toHexString() } : {}),
    ...(team.backupTeam ? { backupTeam: team.backupTeam } : {}),
    ...(team.calendar ? { calendar: team.calendar } : {}),
    members: team.members.map((member) => ({
      userId: member.userId.toHexString(),
      skills: member.skills ?? {},
      ...(member.capacity !== undefined && member.capacity !== null ? { capacity: member.capacity } : {}),
      ...(member.awayUntil ? { awayUntil: member.awayUntil.toISOString() } : {}),
    })),
    createdAt: team.createdAt.toISOString(),
    updatedAt: team.updatedAt.toISOString(),
  };
}
