import { request } from './client';

/** Someone who has a ticket open (staff), as `PUT /api/live/presence/:ticketId` and `presence` events give it. */
export interface LiveViewer {
  id: string;
  name: string;
  since: string;
}

/** What each event of `GET /api/live` carries. */
export interface LiveEvents {
  /** A ticket I may see changed (opened, commented, moved on…): load it again if it is on screen. */
  ticket: { ticketId: string; number: string; version: number };
  /** A notice was stored for me. */
  notification: { notificationId: string; ticketId: string };
  /** Who has a ticket open changed (staff only). */
  presence: { ticketId: string; viewers: LiveViewer[] };
  /** Events were missed (a long disconnection): load again whatever is shown. */
  resync: Record<string, never>;
}

export const LIVE_STREAM_URL = '/api/live';

/** This tab shows the ticket: say so (every 15 s) and learn who else has it open. */
export function beatPresence(
  ticketId: string,
  tab: string,
): Promise<{ ticketId: string; viewers: LiveViewer[] }> {
  return request(`/api/live/presence/${encodeURIComponent(ticketId)}`, { method: 'PUT', body: { tab } });
}

/** This tab left the ticket. */
export function leavePresence(ticketId: string, tab: string): Promise<void> {
  return request(`/api/live/presence/${encodeURIComponent(ticketId)}`, { method: 'DELETE', query: { tab } });
}

/**
 * The tab is closing or going to another site: say so in a request the browser finishes after the page is gone
 * (`keepalive`; nothing to read from the answer, so not through `request`).
 */
export function leavePresenceOnUnload(ticketId: string, tab: string): void {
  const url = `/api/live/presence/${encodeURIComponent(ticketId)}?tab=${encodeURIComponent(tab)}`;
  fetch(url, { method: 'DELETE', keepalive: true, credentials: 'same-origin' }).catch(() => undefined);
}
