import { request } from './client';
import type { Page, Team, TeamInput } from './types';

export async function listTeams(): Promise<Team[]> {
  return (await request<Page<Team>>('/api/teams')).items;
}

export function createTeam(team: TeamInput): Promise<Team> {
  return request<Team>('/api/teams', { method: 'POST', body: team });
}

/** Replaces the whole team: members missing from `team` leave it. */
export function saveTeam(team: TeamInput): Promise<Team> {
  return request<Team>(`/api/teams/${encodeURIComponent(team.key)}`, { method: 'PUT', body: team });
}

export function deleteTeam(key: string): Promise<void> {
  return request<void>(`/api/teams/${encodeURIComponent(key)}`, { method: 'DELETE' });
}
