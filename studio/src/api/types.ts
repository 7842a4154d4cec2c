/** Shapes of the HTTP API the studio uses (see the API contract); the runtime's shared types are reused. */
import type { Locale, LocalizedText } from '../../../runtime/common/types';

export type { Locale, LocalizedText };

export const ROLES = ['admin', 'designer', 'agent', 'requester'] as const;
export type Role = (typeof ROLES)[number];

export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];

export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
}

export interface LoginAnswer {
  token: string;
  user: SessionUser;
}

export interface Me extends SessionUser {
  email: string;
  /** Keys of the teams the person works in, and of those they supervise. */
  teams: string[];
  supervises?: string[];
  locale: Locale;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string;
  roles: Role[];
  locale: Locale;
  department?: string;
  /** The user id of this user's manager (approvals can go to "the requester's manager"). */
  manager?: string;
  active: boolean;
  createdAt?: string;
}

export interface UserCreate {
  username: string;
  displayName: string;
  email: string;
  /** Without one the person cannot sign in until an admin sets it. */
  password?: string;
  roles: Role[];
  locale: Locale;
  department?: string;
  manager?: string;
  active: boolean;
}

/** Only what changes; `null` clears department and manager. */
export type UserPatch = Partial<Omit<UserCreate, 'username' | 'department' | 'manager'>> & {
  department?: string | null;
  manager?: string | null;
};

/** One page of a collection. */
export interface Page<T> {
  items: T[];
  total: number;
}

export interface TeamMember {
  userId: string;
  /** Skill name → level 1 (beginner) … 5 (expert). */
  skills: Record<string, number>;
  /** Most open tickets this member should hold at once. */
  capacity?: number;
  /** ISO date-time; until then assignment skips this member. */
  awayUntil?: string;
}

/** A team as sent to the server (PUT replaces the whole team). */
export interface TeamInput {
  key: string;
  name: LocalizedText;
  supervisor?: string;
  backupTeam?: string;
  members: TeamMember[];
}

export interface Team extends TeamInput {
  id: string;
  createdAt: string;
  updatedAt: string;
}

/** What an integration key may do; the server accepts exactly these. */
export const API_KEY_SCOPES = [
  'tickets:read',
  'tickets:write',
  'channels:write',
  'records:write',
  'analytics:read',
  'definitions:read',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKey {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  lastUsedAt?: string;
  /** Set once revoked; the key answers 401 from then on but stays listed for the record. */
  revokedAt?: string;
}

export interface CreatedApiKey extends ApiKey {
  /** The secret itself: returned once, never again. */
  key: string;
}

export interface Health {
  status: 'ok' | 'unavailable';
  db: 'ok' | 'down';
  details?: {
    role?: string;
    uptimeSeconds?: number;
    /** The worker's last beat and its age by the server's clock (so a skewed browser clock does not matter). */
    worker?: { heartbeatAt?: string | null; ageSeconds?: number | null };
  };
}
