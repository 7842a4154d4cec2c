/**
 * The people directory (`/api/directory/…`): what staff read to pick a person or a team. Names, teams, roles and
 * away status; e-mail and phone only for admins and agents. Requesters are refused by the server.
 */
import { request } from './client';
import type { LocalizedText } from './types';

export interface DirectoryTeamRef {
  key: string;
  name: LocalizedText;
  /** This person supervises the team. */
  supervisor: boolean;
}

export interface DirectoryPerson {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  teams: DirectoryTeamRef[];
  away: boolean;
  awayUntil?: string;
  active: boolean;
  email?: string;
  phone?: string;
}

export interface DirectoryTeam {
  key: string;
  name: LocalizedText;
  supervisor?: { id: string; displayName: string };
  backupTeam?: string;
  members: number;
  available: number;
}

/** Another source of people to pick from (e.g. the colleagues one may mention on a ticket). */
export type PeopleSearch = (text: string) => Promise<DirectoryPerson[]>;

export interface PeopleQuery {
  q?: string;
  team?: string;
  /** `staff`: agents and admins. */
  role?: 'staff' | 'admin' | 'agent' | 'designer' | 'requester';
  limit?: number;
}

export async function searchPeople(query: PeopleQuery = {}): Promise<DirectoryPerson[]> {
  const q = query.q?.trim();
  return (
    await request<{ items: DirectoryPerson[] }>('/api/directory/people', {
      query: { ...query, q: q ? q : undefined },
    })
  ).items;
}

/** The people these ids name (inactive ones too), to show names in a history. */
export async function peopleByIds(ids: readonly string[]): Promise<DirectoryPerson[]> {
  const unique = [...new Set(ids)].filter((id) => /^[0-9a-f]{24}$/.test(id));
  if (unique.length === 0) return [];
  return (
    await request<{ items: DirectoryPerson[] }>('/api/directory/people', {
      query: { ids: unique.slice(0, 100).join(',') },
    })
  ).items;
}

export async function searchTeams(q?: string): Promise<DirectoryTeam[]> {
  const text = q?.trim();
  return (
    await request<{ items: DirectoryTeam[] }>('/api/directory/teams', {
      query: { q: text ? text : undefined },
    })
  ).items;
}

/** Add a caller who is not in the directory yet (a requester without a password). */
export function createRequester(body: {
  displayName: string;
  email: string;
  phone?: string;
}): Promise<DirectoryPerson> {
  return request<DirectoryPerson>('/api/directory/requesters', { method: 'POST', body });
}

/**
 * The colleagues one may @mention on a ticket (active staff; `GET /api/tickets/:id/mentionable`), with their
 * teams and away status, shaped as directory entries.
 */
export async function mentionCandidates(ticketId: string, q: string): Promise<DirectoryPerson[]> {
  const text = q.trim();
  const { items } = await request<{
    items: Pick<DirectoryPerson, 'id' | 'username' | 'displayName' | 'teams' | 'away'>[];
  }>(`/api/tickets/${encodeURIComponent(ticketId)}/mentionable`, { query: { q: text ? text : undefined } });
  return items.map((person) => ({
    ...person,
    teams: person.teams ?? [],
    away: person.away ?? false,
    roles: [],
    active: true,
  }));
}
