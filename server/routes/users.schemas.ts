import type { Locale } from '../../runtime/common/types.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../access/password.js';
import { LOCALES, ROLES, type Role } from '../access/roles.js';
import type { UserRecord } from '../models/user.model.js';
import { objectIdSchema } from './common.schemas.js';

/** Letters, digits and `. _ - @`; stored lowercase. */
export const usernameSchema = {
  type: 'string',
  minLength: 2,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$',
} as const;

export const passwordSchema = {
  type: 'string',
  minLength: PASSWORD_MIN_LENGTH,
  maxLength: PASSWORD_MAX_LENGTH,
} as const;

export const rolesSchema = {
  type: 'array',
  items: { type: 'string', enum: ROLES },
  uniqueItems: true,
  maxItems: ROLES.length,
} as const;

/** Built-in attributes rules read as `requester.<key>`; custom attribute keys may not reuse these names. */
export const RESERVED_ATTRIBUTE_KEYS = [
  'id',
  'name',
  'email',
  'locale',
  'level',
  'department',
  'location',
  'costCenter',
  'manager',
  'attributes',
  'calendar',
] as const;

/** A custom attribute key: a plain identifier, so it is a safe stored key and a readable rule variable. */
export const ATTRIBUTE_KEY_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,39}$';
export const MAX_CUSTOM_ATTRIBUTES = 30;

export type AttributeValue = string | number | boolean;

const attributeValueSchema = {
  type: ['string', 'number', 'boolean'],
  minLength: 1,
  maxLength: 200,
} as const;

/** Custom requester attributes: `{ "region": "north", "seats": 40, "partner": true }`. */
export const attributesSchema = {
  type: 'object',
  maxProperties: MAX_CUSTOM_ATTRIBUTES,
  propertyNames: { pattern: ATTRIBUTE_KEY_PATTERN },
  additionalProperties: attributeValueSchema,
  description:
    'Custom attributes routing and priority rules read as `requester.<key>`; keys are identifiers (letters, ' +
    'digits, `_`, `-`) that do not reuse a built-in name; values are text, numbers or true/false.',
} as const;

/** The requester attributes an admin or an integration may set (and clear with `null`). */
export const attributeProperties = {
  level: { type: 'string', minLength: 1, maxLength: 64, description: 'Customer level, e.g. vip' },
  department: { type: 'string', minLength: 1, maxLength: 100 },
  location: { type: 'string', minLength: 1, maxLength: 100, description: 'Office, site or city' },
  costCenter: { type: 'string', minLength: 1, maxLength: 64, description: 'Cost centre code' },
  attributes: attributesSchema,
} as const;

const nullable = <T extends object>(schema: T) => ({ ...schema, nullable: true }) as T & { nullable: true };

export const attributeUpdateProperties = {
  level: nullable(attributeProperties.level),
  department: nullable(attributeProperties.department),
  location: nullable(attributeProperties.location),
  costCenter: nullable(attributeProperties.costCenter),
  attributes: nullable(attributeProperties.attributes),
} as const;

/** A calendar key (see /api/calendars): the person's working hours, for escalations held to them. */
const calendarKeySchema = {
  type: 'string',
  pattern: '^[a-z0-9][a-z0-9._-]{0,63}$',
  description:
    'Business calendar of the person’s working hours; absent: their team’s, else the organisation’s',
} as const;

const userProperties = {
  displayName: { type: 'string', minLength: 1, maxLength: 100 },
  email: { type: 'string', format: 'email', maxLength: 254 },
  roles: rolesSchema,
  locale: { type: 'string', enum: LOCALES },
  ...attributeProperties,
  calendar: calendarKeySchema,
  manager: objectIdSchema,
  active: { type: 'boolean' },
} as const;

export interface UserView {
  id: string;
  username: string;
  displayName: string;
  email: string;
  roles: Role[];
  locale: Locale;
  department?: string;
  level?: string;
  location?: string;
  costCenter?: string;
  attributes?: Record<string, AttributeValue>;
  calendar?: string;
  manager?: string;
  active: boolean;
  createdAt: string;
}

export const userViewSchema = {
  type: 'object',
  required: ['id', 'username', 'displayName', 'email', 'roles', 'locale', 'active', 'createdAt'],
  additionalProperties: false,
  properties: {
    id: objectIdSchema,
    username: { type: 'string' },
    displayName: { type: 'string' },
    email: { type: 'string' },
    roles: rolesSchema,
    locale: { type: 'string', enum: LOCALES },
    department: { type: 'string' },
    level: { type: 'string' },
    location: { type: 'string' },
    costCenter: { type: 'string' },
    attributes: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
    calendar: { type: 'string' },
    manager: objectIdSchema,
    active: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** A user as the API shows it: never the password hash. */
export function toUserView(user: UserRecord): UserView {
  return {
    id: user._id.toHexString(),
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    roles: user.roles,
    locale: user.locale,
    ...(user.department ? { department: user.department } : {}),
    ...(user.level ? { level: user.level } : {}),
    ...(user.location ? { location: user.location } : {}),
    ...(user.costCenter ? { costCenter: user.costCenter } : {}),
    ...(user.attributes && Object.keys(user.attributes).length > 0 ? { attributes: user.attributes } : {}),
    ...(user.calendar ? { calendar: user.calendar } : {}),
    ...(user.manager ? { manager: user.manager.toHexString() } : {}),
    active: user.active,
    createdAt: user.createdAt.toISOString(),
  };
}

export interface CreateUserBody {
  username: string;
  displayName: string;
  email: string;
  password?: string;
  roles: Role[];
  locale: Locale;
  department?: string;
  level?: string;
  location?: string;
  costCenter?: string;
  attributes?: Record<string, AttributeValue>;
  calendar?: string;
  manager?: string;
  active: boolean;
}

export const createUserBodySchema = {
  type: 'object',
  required: ['username', 'displayName', 'email'],
  additionalProperties: false,
  properties: {
    username: usernameSchema,
    password: passwordSchema,
    ...userProperties,
    roles: { ...rolesSchema, default: ['requester'] },
    locale: { type: 'string', enum: LOCALES, default: 'zh-CN' },
    active: { type: 'boolean', default: true },
  },
} as const;

export interface UpdateUserBody {
  username?: string;
  displayName?: string;
  email?: string;
  password?: string;
  roles?: Role[];
  locale?: Locale;
  /** null clears it (each of these). */
  department?: string | null;
  level?: string | null;
  location?: string | null;
  costCenter?: string | null;
  /** Replaces every custom attribute; null clears them all. */
  attributes?: Record<string, AttributeValue> | null;
  calendar?: string | null;
  manager?: string | null;
  active?: boolean;
}

/** `PATCH /api/users/:id/attributes`: what integrations may set. Absent: unchanged; null: cleared. */
export interface AttributesBody {
  level?: string | null;
  department?: string | null;
  location?: string | null;
  costCenter?: string | null;
  /** Merged key by key into the custom attributes; a key set to null is removed. */
  attributes?: Record<string, AttributeValue | null>;
}

export const attributesBodySchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: {
    ...attributeUpdateProperties,
    attributes: {
      ...attributesSchema,
      additionalProperties: { ...attributeValueSchema, type: ['string', 'number', 'boolean', 'null'] },
      description: 'Merged key by key into the stored attributes; a key set to null is removed.',
    },
  },
} as const;

/** One attribute a rule may read on the requester, for the rule builder's variable list. */
export interface RequesterAttributeView {
  /** The rule variable: `requester.level`. */
  var: string;
  key: string;
  label: { 'zh-CN': string; en: string };
  type: 'string' | 'number' | 'boolean';
  /** Built in, or a custom key found on at least one person. */
  source: 'built-in' | 'custom';
  /** Values in use (up to 50, most common first), for a picker. */
  values: (string | number | boolean)[];
}

export const requesterAttributesViewSchema = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['var', 'key', 'label', 'type', 'source', 'values'],
        additionalProperties: false,
        properties: {
          var: { type: 'string' },
          key: { type: 'string' },
          label: {
            type: 'object',
            required: ['zh-CN', 'en'],
            properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
          },
          type: { type: 'string', enum: ['string', 'number', 'boolean'] },
          source: { type: 'string', enum: ['built-in', 'custom'] },
          values: { type: 'array', items: { type: ['string', 'number', 'boolean'] } },
        },
      },
    },
  },
} as const;

export const updateUserBodySchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: {
    username: usernameSchema,
    password: passwordSchema,
    ...userProperties,
    ...attributeUpdateProperties,
    calendar: { ...calendarKeySchema, nullable: true },
    manager: { ...objectIdSchema, nullable: true },
  },
} as const;
