import { request } from '../../../api/client';
import type { LocalizedText } from '../../../api/types';

/** The mail channel's admin API (server/channels/mail/mail.routes.ts), as the mail pages use it. */

export interface Mailbox {
  address: string;
  name: string;
  typeKey: string;
  team?: string;
  titleField: string;
  descriptionField: string;
  defaults: Record<string, unknown>;
  createRequesters: boolean;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export type MailboxInput = Omit<Mailbox, 'createdAt' | 'updatedAt'>;

export interface MailboxPreset {
  pack: string;
  address: string;
  name: LocalizedText;
  typeKey: string;
  team?: string;
  titleField: string;
  descriptionField?: string;
  defaults?: Record<string, unknown>;
  typePublished: boolean;
  inUse: boolean;
}

export interface MailStatus {
  listening: boolean;
  address?: string;
  maxBytes: number;
  starttls: boolean;
  auth: boolean;
  outbound?: boolean;
}

export type MailOutcome = 'processing' | 'ticket' | 'reply' | 'rejected' | 'unparsed';

export interface MailMessage {
  id: string;
  mailbox: string;
  messageId?: string;
  from?: string;
  fromName?: string;
  subject?: string;
  receivedAt: string;
  outcome: MailOutcome;
  reason?: string;
  detail?: string;
  ticketId?: string;
  ticketNumber?: string;
  attachments?: number;
  skipped?: { name: string; reason: string }[];
  replayable: boolean;
}

export interface MailPlan {
  kind: 'ticket' | 'reply' | 'rejected';
  reason?: string;
  detail?: string;
  ticketId?: string;
  number?: string;
  reopen?: boolean;
  body?: string;
  typeKey?: string;
  team?: string;
  data?: Record<string, unknown>;
  requester?: { id?: string; name?: string; email?: string; created?: boolean };
  followUpOf?: string;
  attachments?: { name: string; contentType: string; size: number; refused?: string }[];
}

const path = (address: string) => `/api/channels/mailboxes/${encodeURIComponent(address)}`;

export const mailApi = {
  status: () => request<MailStatus>('/api/channels/mail/status'),
  mailboxes: async () => (await request<{ items: Mailbox[] }>('/api/channels/mailboxes')).items,
  presets: async () => (await request<{ items: MailboxPreset[] }>('/api/channels/mailboxes/presets')).items,
  create: (mailbox: MailboxInput) =>
    request<Mailbox>('/api/channels/mailboxes', { method: 'POST', body: mailbox }),
  save: ({ address, ...mailbox }: MailboxInput) =>
    request<Mailbox>(path(address), { method: 'PUT', body: mailbox }),
  remove: (address: string) => request<void>(path(address), { method: 'DELETE' }),
  test: (address: string, raw: string) =>
    request<MailPlan>(`${path(address)}/test`, { method: 'POST', body: { raw } }),
  messages: (query: { outcome?: MailOutcome; mailbox?: string; limit: number; offset: number }) =>
    request<{ items: MailMessage[]; total: number }>('/api/channels/mail/messages', { query }),
  replay: (id: string) =>
    request<MailMessage>(`/api/channels/mail/messages/${id}/replay`, { method: 'POST' }),
};
