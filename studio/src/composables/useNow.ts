import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

/** The current time, ticking while the component is mounted, so countdowns stay true without reloading. */
export function useNow(everyMs = 30_000): Ref<number> {
  const now = ref(Date.now());
  let timer: ReturnType<typeof setInterval> | undefined;
  onMounted(() => {
    timer = setInterval(() => (now.value = Date.now()), everyMs);
  });
  onBeforeUnmount(() => clearInterval(timer));
  return now;
}
