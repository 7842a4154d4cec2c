import { request } from './client';
import type { InAppNotification } from './types';

export function listNotifications(
  query: { limit?: number; cursor?: string; unread?: boolean } = {},
): Promise<{ items: InAppNotification[]; nextCursor: string | null }> {
  return request('/api/notifications', { query });
}

export async function unreadNotificationCount(): Promise<number> {
  return (await request<{ count: number }>('/api/notifications/unread-count')).count;
}

export function markNotificationRead(id: string): Promise<InAppNotification> {
  return request<InAppNotification>(`/api/notifications/${encodeURIComponent(id)}/read`, { method: 'POST' });
}

export function markAllNotificationsRead(): Promise<{ updated: number }> {
  return request<{ updated: number }>('/api/notifications/read-all', { method: 'POST' });
}
