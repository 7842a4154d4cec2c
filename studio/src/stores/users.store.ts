import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import * as usersApi from '../api/users.api';
import type { User, UserCreate, UserPatch } from '../api/types';

/** The people directory, shared by the Users page and every user picker (managers, supervisors, members). */
export const useUsersStore = defineStore('users', () => {
  const users = ref<User[]>([]);
  const loading = ref(false);
  const loaded = ref(false);

  const byId = computed(() => new Map(users.value.map((user) => [user.id, user])));

  /**
   * Everyone, page by page: pickers and the table filter locally. Enough for the organisations Ordo starts
   * with; a directory of many thousands would want server-side search in the pickers instead.
   */
  async function load(): Promise<void> {
    loading.value = true;
    try {
      const everyone: User[] = [];
      for (;;) {
        const page = await usersApi.listUsers({ limit: usersApi.USERS_PAGE_LIMIT, offset: everyone.length });
        everyone.push(...page.items);
        if (page.items.length === 0 || everyone.length >= page.total) break;
      }
      users.value = sortByName(everyone);
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  async function ensureLoaded(): Promise<void> {
    if (!loaded.value && !loading.value) await load();
  }

  async function create(input: UserCreate): Promise<User> {
    const created = await usersApi.createUser(input);
    users.value = sortByName([...users.value.filter((user) => user.id !== created.id), created]);
    return created;
  }

  async function update(id: string, patch: UserPatch): Promise<User> {
    const updated = await usersApi.updateUser(id, patch);
    users.value = sortByName(users.value.map((user) => (user.id === id ? updated : user)));
    return updated;
  }

  function displayNameOf(id: string | undefined): string | undefined {
    if (id === undefined) return undefined;
    return byId.value.get(id)?.displayName;
  }

  return { users, loading, loaded, byId, load, ensureLoaded, create, update, displayNameOf };
});

function sortByName(users: User[]): User[] {
  return [...users].sort((a, b) => a.displayName.localeCompare(b.displayName, 'zh-CN'));
}
