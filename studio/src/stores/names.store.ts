import { reactive } from 'vue';
import type { LocalizedText, NameBook } from '../api/types';

/**
 * Names of people and teams the server told this reader with its answers (a ticket, its history, a list):
 * requesters and agents may not list users or teams, so pages name who they read about from here. Filled by the
 * ticket API calls as answers arrive; read through `useTicketLabels` (`personName`, `teamName`).
 */
const users = reactive(new Map<string, string>());
const teams = reactive(new Map<string, LocalizedText>());

export function learnNames(book: NameBook | undefined): void {
  if (!book) return;
  for (const [id, name] of Object.entries(book.users ?? {})) if (users.get(id) !== name) users.set(id, name);
  for (const [key, name] of Object.entries(book.teams ?? {})) teams.set(key, name);
}

/** Forget every name (signing out: the next person learns their own). */
export function forgetNames(): void {
  users.clear();
  teams.clear();
}

export function useNamesStore() {
  return {
    users: users as ReadonlyMap<string, string>,
    teams: teams as ReadonlyMap<string, LocalizedText>,
    userName: (id: string | null | undefined) => (id ? users.get(id) : undefined),
    teamName: (key: string | null | undefined) => (key ? teams.get(key) : undefined),
  };
}
