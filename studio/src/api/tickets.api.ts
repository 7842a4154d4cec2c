import { learnNames } from '../stores/names.store';
import { request } from './client';
import type {
  AwaitingCounts,
  MentionablePerson,
  NameBook,
  OpenTicketInput,
  TicketCommandInput,
  TicketCommit,
  TicketListQuery,
  TicketPage,
  TicketView,
} from './types';

/** Keep the names an answer carries for the pages that show it (see stores/names.store.ts). */
function named<T extends { names?: NameBook }>(answer: T): T {
  learnNames(answer.names);
  return answer;
}

export async function listTickets(query: TicketListQuery): Promise<TicketPage> {
  return named(await request<TicketPage>('/api/tickets', { query: { ...query } }));
}

export async function getTicket(id: string, signal?: AbortSignal): Promise<TicketView> {
  return named(await request<TicketView>(`/api/tickets/${encodeURIComponent(id)}`, signal ? { signal } : {}));
}

/**
 * Open a ticket. The same `idempotencyKey` sent again (a double click, a retry after a lost answer) returns the
 * ticket the first attempt opened instead of a second one.
 */
export async function openTicket(input: OpenTicketInput, idempotencyKey: string): Promise<TicketView> {
  return named(
    await request<TicketView>('/api/tickets', {
      method: 'POST',
      body: input,
      headers: { 'Idempotency-Key': idempotencyKey },
    }),
  );
}

/** Every action on a ticket; `version` is the one the user saw, so a stale page answers 409 instead of acting. */
export async function runTicketCommand(
  id: string,
  version: number,
  command: TicketCommandInput,
): Promise<TicketView> {
  return named(
    await request<TicketView>(`/api/tickets/${encodeURIComponent(id)}/commands`, {
      method: 'POST',
      body: { ...command, version },
    }),
  );
}

export async function listTicketEvents(id: string): Promise<TicketCommit[]> {
  return named(
    await request<{ items: TicketCommit[]; names?: NameBook }>(
      `/api/tickets/${encodeURIComponent(id)}/events`,
    ),
  ).items;
}

/** Active staff the caller may @mention on a ticket, matching part of a name or username. */
export async function mentionableColleagues(id: string, q: string): Promise<MentionablePerson[]> {
  return (
    await request<{ items: MentionablePerson[] }>(`/api/tickets/${encodeURIComponent(id)}/mentionable`, {
      query: q ? { q } : {},
    })
  ).items;
}

/** How many approvals and steps wait for the signed-in person now. */
export function awaitingCounts(): Promise<AwaitingCounts> {
  return request<AwaitingCounts>('/api/tickets/awaiting-counts');
}
