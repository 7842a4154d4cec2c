import { ref, type Ref } from 'vue';

/**
 * A search as you type: what the newest query found, whether it is still running, whether it failed. An answer to
 * an older query that arrives late is dropped, so the list never shows what was typed before.
 */
export function useLatestSearch<T>(search: (query: string) => Promise<T[]>): {
  found: Ref<T[]>;
  loading: Ref<boolean>;
  failed: Ref<boolean>;
  run: (query: string) => Promise<void>;
} {
  const found = ref([]) as Ref<T[]>;
  const loading = ref(false);
  const failed = ref(false);
  let latest = 0;

  async function run(query: string): Promise<void> {
    const ticket = ++latest;
    loading.value = true;
    failed.value = false;
    try {
      const results = await search(query);
      if (ticket === latest) found.value = results;
    } catch {
      if (ticket === latest) {
        found.value = [];
        failed.value = true;
      }
    } finally {
      if (ticket === latest) loading.value = false;
    }
  }

  return { found, loading, failed, run };
}
