import { request } from './client';
import type { PublishedTicketType, TicketTypeDefinition, TicketTypeSummary } from './types';

/** Types a person can open (designers also see unpublished ones: `latestVersion` 0). */
export function listTicketTypes(): Promise<TicketTypeSummary[]> {
  return request<TicketTypeSummary[]>('/api/ticket-types');
}

/** The newest published version; asked for explicitly, since designers would otherwise get their draft. */
export function getPublishedTicketType(key: string): Promise<PublishedTicketType> {
  return request<PublishedTicketType>(`/api/ticket-types/${encodeURIComponent(key)}`, {
    query: { view: 'published' },
  });
}

/** One frozen version, as the tickets opened on it run (staff only). */
export function getTicketTypeVersion(
  key: string,
  version: number,
): Promise<{ key: string; version: number; definition: TicketTypeDefinition }> {
  return request(`/api/ticket-types/${encodeURIComponent(key)}/versions/${version}`);
}
