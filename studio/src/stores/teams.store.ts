import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import * as teamsApi from '../api/teams.api';
import type { Team, TeamInput } from '../api/types';

export const useTeamsStore = defineStore('teams', () => {
  const teams = ref<Team[]>([]);
  const loading = ref(false);
  const loaded = ref(false);

  const byKey = computed(() => new Map(teams.value.map((team) => [team.key, team])));

  async function load(): Promise<void> {
    loading.value = true;
    try {
      teams.value = sortByKey(await teamsApi.listTeams());
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  async function create(team: TeamInput): Promise<Team> {
    const created = await teamsApi.createTeam(team);
    teams.value = sortByKey([...teams.value, created]);
    return created;
  }

  async function save(team: TeamInput): Promise<Team> {
    const saved = await teamsApi.saveTeam(team);
    teams.value = sortByKey(teams.value.map((existing) => (existing.key === team.key ? saved : existing)));
    return saved;
  }

  async function remove(key: string): Promise<void> {
    await teamsApi.deleteTeam(key);
    teams.value = teams.value.filter((team) => team.key !== key);
  }

  return { teams, loading, loaded, byKey, load, create, save, remove };
});

function sortByKey(teams: Team[]): Team[] {
  return [...teams].sort((a, b) => a.key.localeCompare(b.key));
}
