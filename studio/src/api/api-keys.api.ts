import { request } from './client';
import type { ApiKey, ApiKeyScope, CreatedApiKey, Page } from './types';

export async function listApiKeys(): Promise<ApiKey[]> {
  return (await request<Page<ApiKey>>('/api/api-keys')).items;
}

export function createApiKey(input: { name: string; scopes: ApiKeyScope[] }): Promise<CreatedApiKey> {
  return request<CreatedApiKey>('/api/api-keys', { method: 'POST', body: input });
}

/** Revoked keys stay listed with `revokedAt`; revoking twice keeps the first time. */
export function revokeApiKey(id: string): Promise<void> {
  return request<void>(`/api/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
