import { computed, onBeforeUnmount, onMounted, ref } from 'vue';
import { fetchHealth } from '../api/health.api';
import type { Health } from '../api/types';

/** How old a worker heartbeat may be before the worker counts as stopped: it beats every 30 s. */
export const HEARTBEAT_STALE_AFTER_MS = 2 * 60_000;

export type HealthState = 'ok' | 'down' | 'unknown';

/** `/health`, polled while the component is mounted; `now` ticks so "x seconds ago" stays true. */
export function useHealth(pollEveryMs = 15_000) {
  const health = ref<Health>();
  const httpStatus = ref<number>();
  const reachable = ref(true);
  const loading = ref(false);
  const checkedAt = ref<number>();
  const now = ref(Date.now());
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let clockTimer: ReturnType<typeof setInterval> | undefined;

  async function refresh(): Promise<void> {
    loading.value = true;
    try {
      const answer = await fetchHealth();
      health.value = answer.health;
      httpStatus.value = answer.httpStatus;
      reachable.value = true;
    } catch {
      reachable.value = false;
      health.value = undefined;
      httpStatus.value = undefined;
    } finally {
      loading.value = false;
      checkedAt.value = Date.now();
      now.value = checkedAt.value;
    }
  }

  const service = computed<HealthState>(() => {
    if (!reachable.value) return 'down';
    if (httpStatus.value === undefined) return 'unknown';
    return httpStatus.value === 200 && health.value?.status === 'ok' ? 'ok' : 'down';
  });

  const database = computed<HealthState>(() => {
    if (!reachable.value) return 'unknown';
    const db = health.value?.db;
    if (db === undefined) return httpStatus.value === 503 ? 'down' : 'unknown';
    return db === 'ok' ? 'ok' : 'down';
  });

  /**
   * When the last beat happened, on this browser's clock: the server's age of the beat, counted back from when
   * we asked. A browser clock that is off by minutes would otherwise call a live worker dead.
   */
  const heartbeatAt = computed(() => {
    const worker = health.value?.details?.worker;
    if (!worker?.heartbeatAt || checkedAt.value === undefined) return undefined;
    if (typeof worker.ageSeconds === 'number') return checkedAt.value - worker.ageSeconds * 1000;
    const time = new Date(worker.heartbeatAt).getTime();
    return Number.isNaN(time) ? undefined : time;
  });

  const worker = computed<HealthState>(() => {
    if (!reachable.value || heartbeatAt.value === undefined) return 'unknown';
    return now.value - heartbeatAt.value <= HEARTBEAT_STALE_AFTER_MS ? 'ok' : 'down';
  });

  onMounted(() => {
    void refresh();
    pollTimer = setInterval(() => void refresh(), pollEveryMs);
    clockTimer = setInterval(() => (now.value = Date.now()), 1000);
  });
  onBeforeUnmount(() => {
    clearInterval(pollTimer);
    clearInterval(clockTimer);
  });

  return { health, reachable, loading, checkedAt, now, service, database, worker, heartbeatAt, refresh };
}
