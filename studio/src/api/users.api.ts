import { request } from './client';
import type { Page, RequesterAttribute, User, UserCreate, UserPatch } from './types';

/** The largest page the server hands out. */
export const USERS_PAGE_LIMIT = 200;

export function listUsers(query: { q?: string; limit?: number; offset?: number } = {}): Promise<Page<User>> {
  return request<Page<User>>('/api/users', { query });
}

export function createUser(user: UserCreate): Promise<User> {
  return request<User>('/api/users', { method: 'POST', body: user });
}

export function updateUser(id: string, patch: UserPatch): Promise<User> {
  return request<User>(`/api/users/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch });
}

/** The requester attributes routing and priority rules may read, with the values in use (for rule builders). */
export function listRequesterAttributes(): Promise<{ items: RequesterAttribute[] }> {
  return request<{ items: RequesterAttribute[] }>('/api/requester-attributes');
}
