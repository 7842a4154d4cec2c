/** What a person may do is the union of their roles (DESIGN.md §1). */
export const ROLES = ['admin', 'designer', 'agent', 'requester'] as const;
export type Role = (typeof ROLES)[number];

/** What an integration key may do; fixed so admins pick from a list instead of typing free text. */
export const API_KEY_SCOPES = [
  'tickets:read',
  'tickets:write',
  'channels:write',
  'records:write',
  'analytics:read',
  'definitions:read',
  'people:write',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const LOCALES = ['zh-CN', 'en'] as const;
