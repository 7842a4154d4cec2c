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

const userProperties = {
  displayName: { type: 'string', minLength: 1, maxLength: 100 },
  email: { type: 'string', format: 'email', maxLength: 254 },
  roles: rolesSchema,
  locale: { type: 'string', enum: LOCALES },
  department: { type: 'string', minLength: 1, maxLength: 100 },
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
  /** null clears it. */
  department?: string | null;
  manager?: string | null;
  active?: boolean;
}

export const updateUserBodySchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: {
    username: usernameSchema,
    password: passwordSchema,
    ...userProperties,
    department: { type: 'string', minLength: 1, maxLength: 100, nullable: true },
    manager: { ...objectIdSchema, nullable: true },
  },
} as const;
