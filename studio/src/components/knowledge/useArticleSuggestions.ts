import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import { suggestions, type ArticleListItem } from './knowledge.api';

/**
 * The top articles for a text being typed: looked up 350 ms after the last change, once it has two characters;
 * a newer look-up cancels the one in flight, and a stale or failed one leaves the last suggestions in place.
 */
export function useArticleSuggestions(text: () => string): {
  items: Ref<ArticleListItem[]>;
  loading: Ref<boolean>;
} {
  const items = ref<ArticleListItem[]>([]);
  const loading = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller: AbortController | undefined;

  async function load(typed: string): Promise<void> {
    controller?.abort();
    if (typed.trim().length < 2) {
      items.value = [];
      return;
    }
    controller = new AbortController();
    loading.value = true;
    try {
      items.value = (await suggestions({ text: typed }, controller.signal)).items;
    } catch {
      // A stale or failed look-up leaves the last suggestions in place.
    } finally {
      loading.value = false;
    }
  }

  watch(
    text,
    (typed) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void load(typed), 350);
    },
    { immediate: true },
  );
  onBeforeUnmount(() => {
    if (timer) clearTimeout(timer);
    controller?.abort();
  });
  return { items, loading };
}
