/**
 * The manifest of a scenario pack (`templates/<id>/pack.json`): what the pack is called, which ticket types and
 * calendars it ships, and which teams and roles its routing and approvals refer to. Checked by the pack tests and
 * by the install API before anything is written; problems come back in the runtime's analyst-readable form.
 */
import type { LocalizedText, Problem } from '../runtime/common/types.js';
import { compileValidator, SIMPLE_KEY_PATTERN } from '../runtime/definitions/index.js';

/** Pack ids name a folder and appear in URLs: lower-case words joined by `-`. */
export const PACK_ID_PATTERN = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';

/** Semantic version 2.0.0 (`1.2.0`, `2.0.0-rc.1`), without build metadata: versions are compared, not labelled. */
export const SEMVER_PATTERN =
  '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?$';

export const TICKET_TYPE_FILE_PATTERN = '^[a-z0-9][a-z0-9-]*\\.ticket-type\\.json$';
export const CALENDAR_FILE_PATTERN = '^[a-z0-9][a-z0-9-]*\\.calendar\\.json$';
/** The same rule as the teams API: team keys appear in routing rules and as map keys in reports. */
export const TEAM_KEY_PATTERN = '^[a-z0-9][a-z0-9_-]*$';

export interface PackTeam {
  key: string;
  name: LocalizedText;
  description?: LocalizedText;
}

export interface PackManifest {
  id: string;
  version: string;
  name: LocalizedText;
  description: LocalizedText;
  category: string;
  /** File names of the ticket types, beside `pack.json`. */
  ticketTypes: string[];
  /** Teams the pack's routing, tasks and approvals name; installing creates the missing ones, without members. */
  teams: PackTeam[];
  /** Roles the pack's definitions name (approvers, recipients, escalations). */
  roles: string[];
  /** File names of business calendars the pack ships; installing creates the missing ones. */
  calendars?: string[];
  /** Mailboxes the pack suggests (mail in): offered to the admin after installing, created on their word. */
  mailboxes?: PackMailbox[];
}

/** A mailbox preset: which ticket type mail to `address` opens (see server/channels/mail). */
export interface PackMailbox {
  /** A suggested address; the admin gives the real one when creating it. */
  address: string;
  name: LocalizedText;
  typeKey: string;
  team?: string;
  titleField: string;
  descriptionField?: string;
  defaults?: Record<string, unknown>;
}

const localizedNameSchema = {
  type: 'object',
  required: ['zh-CN', 'en'],
  additionalProperties: false,
  properties: {
    'zh-CN': { type: 'string', minLength: 1, maxLength: 200 },
    en: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

const localizedDescriptionSchema = {
  type: 'object',
  required: ['zh-CN', 'en'],
  additionalProperties: false,
  properties: {
    'zh-CN': { type: 'string', minLength: 1, maxLength: 2000 },
    en: { type: 'string', minLength: 1, maxLength: 2000 },
  },
} as const;

export const packManifestSchema = {
  title: 'scenario pack',
  type: 'object',
  required: ['id', 'version', 'name', 'description', 'category', 'ticketTypes', 'teams', 'roles'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 2, maxLength: 64, pattern: PACK_ID_PATTERN },
    version: { type: 'string', maxLength: 64, pattern: SEMVER_PATTERN },
    name: localizedNameSchema,
    description: localizedDescriptionSchema,
    category: { type: 'string', minLength: 1, maxLength: 50, pattern: SIMPLE_KEY_PATTERN },
    ticketTypes: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      uniqueItems: true,
      items: { type: 'string', maxLength: 120, pattern: TICKET_TYPE_FILE_PATTERN },
    },
    teams: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        required: ['key', 'name'],
        additionalProperties: false,
        properties: {
          key: { type: 'string', minLength: 1, maxLength: 64, pattern: TEAM_KEY_PATTERN },
          name: localizedNameSchema,
          description: localizedDescriptionSchema,
        },
      },
    },
    roles: {
      type: 'array',
      maxItems: 50,
      uniqueItems: true,
      items: { type: 'string', minLength: 1, maxLength: 64 },
    },
    calendars: {
      type: 'array',
      maxItems: 20,
      uniqueItems: true,
      items: { type: 'string', maxLength: 120, pattern: CALENDAR_FILE_PATTERN },
    },
    mailboxes: {
      type: 'array',
      maxItems: 10,
      items: {
        type: 'object',
        required: ['address', 'name', 'typeKey', 'titleField'],
        additionalProperties: false,
        properties: {
          address: { type: 'string', minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' },
          name: localizedNameSchema,
          typeKey: { type: 'string', minLength: 1, maxLength: 100 },
          team: { type: 'string', minLength: 1, maxLength: 64, pattern: TEAM_KEY_PATTERN },
          titleField: { type: 'string', minLength: 1, maxLength: 100 },
          descriptionField: { type: 'string', maxLength: 100 },
          defaults: { type: 'object' },
        },
      },
    },
  },
} as const;

const validateShape = compileValidator(packManifestSchema, {
  rootLabel: { 'zh-CN': '模板包清单', en: 'pack manifest' },
});

/**
 * Problems of a manifest: its shape, and what a schema cannot say — a team key listed twice. Empty when the
 * manifest is acceptable.
 */
export function checkPackManifest(manifest: unknown): Problem[] {
  const problems = validateShape(manifest, '');
  if (problems.length > 0) return problems;
  const { teams } = manifest as PackManifest;
  const seen = new Set<string>();
  teams.forEach((team, index) => {
    if (seen.has(team.key)) {
      problems.push({
        code: 'pack.duplicateTeam',
        path: `/teams/${index}/key`,
        params: { team: team.key },
        text: {
          'zh-CN': `团队“${team.key}”在清单中出现了不止一次，请只保留一条`,
          en: `The team “${team.key}” is listed more than once; keep one entry.`,
        },
      });
    }
    seen.add(team.key);
  });
  return problems;
}

export function isPackManifest(manifest: unknown): manifest is PackManifest {
  return checkPackManifest(manifest).length === 0;
}
