import { defineStore } from 'pinia';
import { forgetNames } from './names.store';
import { computed, ref } from 'vue';
import * as authApi from '../api/auth.api';
import { ApiError } from '../api/client';
import type { Me, Role } from '../api/types';
import { useLocale } from '../composables/useLocale';

/** Who is signed in. The session itself is the httpOnly cookie; this store only knows what `/api/me` says. */
export const useAuthStore = defineStore('auth', () => {
  const user = ref<Me | null>(null);
  const loaded = ref(false);
  let loading: Promise<void> | undefined;

  const isSignedIn = computed(() => user.value !== null);
  const roles = computed<readonly Role[]>(() => user.value?.roles ?? []);

  function hasAnyRole(wanted: readonly Role[]): boolean {
    return wanted.some((role) => roles.value.includes(role));
  }

  /** Ask the server once per page load whether the cookie still holds a session. */
  function ensureLoaded(): Promise<void> {
    if (loaded.value) return Promise.resolve();
    loading ??= refresh().finally(() => (loading = undefined));
    return loading;
  }

  async function refresh(): Promise<void> {
    try {
      user.value = await authApi.fetchMe();
      useLocale().adoptProfileLocale(user.value.locale);
    } catch (error) {
      // Signed out, or the server is unreachable: either way the login page is the place to go, and it
      // explains a connection problem when the user tries to log in.
      if (!(error instanceof ApiError)) throw error;
      user.value = null;
    } finally {
      loaded.value = true;
    }
  }

  async function login(username: string, password: string): Promise<void> {
    await authApi.login(username, password);
    await refresh();
    if (!user.value) throw new ApiError({ status: 401, title: 'Session cookie was not accepted' });
  }

  async function logout(): Promise<void> {
    try {
      await authApi.logout();
    } finally {
      forget();
    }
  }

  /** The server said the session is gone (expired, revoked from another tab): drop what we knew. */
  function forget(): void {
    user.value = null;
    loaded.value = true;
    forgetNames();
  }

  return { user, loaded, isSignedIn, roles, hasAnyRole, ensureLoaded, refresh, login, logout, forget };
});
