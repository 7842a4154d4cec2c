import { defineStore } from 'pinia';
import { ref } from 'vue';
import * as notificationsApi from '../api/notifications.api';
import { awaitingCounts } from '../api/tickets.api';
import type { InAppNotification } from '../api/types';

const PAGE_SIZE = 20;

/**
 * The bell: how many are unread and how many approvals and steps wait for me (polled together), and the newest
 * notifications when the list is opened.
 */
export const useNotificationsStore = defineStore('notifications', () => {
  const unread = ref(0);
  /** Approvals awaiting my decision, and open steps assigned to me or my teams. */
  const awaiting = ref({ approvals: 0, steps: 0 });
  const items = ref<InAppNotification[]>([]);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);

  async function refreshAwaiting(): Promise<void> {
    awaiting.value = await awaitingCounts();
  }

  async function refreshCount(): Promise<void> {
    const [count] = await Promise.all([
      notificationsApi.unreadNotificationCount(),
      // The work counts are a hint: a failure leaves the last ones shown.
      refreshAwaiting().catch(() => undefined),
    ]);
    unread.value = count;
  }

  async function loadNewest(): Promise<void> {
    loading.value = true;
    try {
      const [page, count] = await Promise.all([
        notificationsApi.listNotifications({ limit: PAGE_SIZE }),
        notificationsApi.unreadNotificationCount(),
        refreshAwaiting().catch(() => undefined),
      ]);
      items.value = page.items;
      nextCursor.value = page.nextCursor;
      unread.value = count;
    } finally {
      loading.value = false;
    }
  }

  async function loadMore(): Promise<void> {
    if (nextCursor.value === null) return;
    loading.value = true;
    try {
      const page = await notificationsApi.listNotifications({ limit: PAGE_SIZE, cursor: nextCursor.value });
      const known = new Set(items.value.map((item) => item.id));
      items.value = [...items.value, ...page.items.filter((item) => !known.has(item.id))];
      nextCursor.value = page.nextCursor;
    } finally {
      loading.value = false;
    }
  }

  async function markRead(id: string): Promise<void> {
    const item = items.value.find((candidate) => candidate.id === id);
    if (item?.readAt) return;
    const marked = await notificationsApi.markNotificationRead(id);
    items.value = items.value.map((candidate) => (candidate.id === id ? marked : candidate));
    unread.value = Math.max(0, unread.value - 1);
  }

  async function markAllRead(): Promise<void> {
    await notificationsApi.markAllNotificationsRead();
    const now = new Date().toISOString();
    items.value = items.value.map((item) => (item.readAt ? item : { ...item, readAt: now }));
    unread.value = 0;
  }

  function reset(): void {
    unread.value = 0;
    awaiting.value = { approvals: 0, steps: 0 };
    items.value = [];
    nextCursor.value = null;
  }

  return {
    unread,
    awaiting,
    items,
    nextCursor,
    loading,
    refreshCount,
    loadNewest,
    loadMore,
    markRead,
    markAllRead,
    reset,
  };
});
