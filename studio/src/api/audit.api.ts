/** The audit trail's checks: one ticket's hash chain against its last anchor, and the anchor chain (admins). */
import { request } from './client';

export type ChainBreak = 'hash-mismatch' | 'link-mismatch' | 'gap' | 'behind-anchor';

export interface ChainVerification {
  valid: boolean;
  events: number;
  head: string;
  brokenAt?: number;
  reason?: ChainBreak;
  anchoredAt: string | null;
}

export interface AuditAnchor {
  id: number;
  at: string;
  tickets: number;
  heads: { ticketId: string; seq: number; hash: string }[];
  digest: string;
  previousDigest: string | null;
  by: string;
}

export function verifyTicketChain(id: string, signal?: AbortSignal): Promise<ChainVerification> {
  return request<ChainVerification>(`/api/tickets/${encodeURIComponent(id)}/audit/verify`, { signal });
}

export function listAnchors(
  after = 0,
  limit = 100,
): Promise<{ items: AuditAnchor[]; total: number; chainValid: boolean }> {
  return request('/api/audit/anchors', { query: { after, limit } });
}

export function anchorNow(): Promise<{ anchor: AuditAnchor | null }> {
  return request('/api/audit/anchors', { method: 'POST' });
}
