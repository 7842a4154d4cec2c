/**
 * Live pages: one event stream per browser tab (`GET /api/live`, server-sent events) shared by every component
 * that listens — the bell, the queue, the ticket page and its presence bar. The stream opens when the first
 * listener arrives while someone is signed in, closes at sign-out, and after a drop reconnects with growing
 * pauses (1 s, 2 s, 4 s … 30 s, jittered), sending the last event id so the server replays what was missed or
 * answers `resync` (then listeners load again).
 *
 *   const live = useLiveEvents();
 *   live.on('ticket', (event) => { if (event.ticketId === id.value) void load(true); });
 *
 * A listener registered inside a component's setup is removed when the component unmounts.
 */
import { effectScope, getCurrentInstance, onBeforeUnmount, readonly, ref, watch } from 'vue';
import { LIVE_STREAM_URL, type LiveEvents } from '../api/live.api';
import { useAuthStore } from '../stores/auth.store';

type LiveEventName = keyof LiveEvents;
type Listener<K extends LiveEventName> = (data: LiveEvents[K]) => void;

const EVENT_NAMES: readonly LiveEventName[] = ['ticket', 'notification', 'presence', 'resync'];
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;

const listeners = new Map<LiveEventName, Set<Listener<LiveEventName>>>();
const connected = ref(false);
let source: EventSource | null = null;
let lastEventId: string | undefined;
let failures = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let watching = false;
let signedIn = false;

/** This tab's own id (presence tells tabs of one person apart). */
export const TAB_ID =
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `tab-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;

function listenerCount(): number {
  let count = 0;
  for (const set of listeners.values()) count += set.size;
  return count;
}

function dispatch(name: LiveEventName, data: unknown): void {
  for (const listener of [...(listeners.get(name) ?? [])]) {
    try {
      listener(data as LiveEvents[LiveEventName]);
    } catch (error) {
      // One page's failure must not stop the others from hearing the event.
      console.warn('live event listener failed', error);
    }
  }
}

function disconnect(): void {
  clearTimeout(retryTimer);
  retryTimer = undefined;
  source?.close();
  source = null;
  connected.value = false;
}

function scheduleReconnect(): void {
  if (retryTimer !== undefined || !signedIn || listenerCount() === 0) return;
  const pause = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** failures) * (0.5 + Math.random() / 2);
  failures += 1;
  retryTimer = setTimeout(() => {
    retryTimer = undefined;
    connect();
  }, pause);
}

function connect(): void {
  if (source || !signedIn || listenerCount() === 0 || typeof EventSource === 'undefined') return;
  const url = lastEventId
    ? `${LIVE_STREAM_URL}?lastEventId=${encodeURIComponent(lastEventId)}`
    : LIVE_STREAM_URL;
  const stream = new EventSource(url, { withCredentials: true });
  source = stream;
  stream.onopen = () => {
    failures = 0;
    connected.value = true;
  };
  // The browser would retry on its own at a fixed pace (and never after a refused answer): the pace is ours.
  stream.onerror = () => {
    if (source !== stream) return;
    stream.close();
    source = null;
    connected.value = false;
    scheduleReconnect();
  };
  for (const name of EVENT_NAMES) {
    stream.addEventListener(name, (event: MessageEvent<string>) => {
      if (event.lastEventId) lastEventId = event.lastEventId;
      let data: unknown;
      try {
        data = JSON.parse(event.data) as unknown;
      } catch {
        return;
      }
      dispatch(name, data);
    });
  }
  // The server ends the stream when the session ended: do not knock again until someone signs in.
  stream.addEventListener('end', () => {
    if (source === stream) disconnect();
  });
}

/** Follow the session: open while signed in (and someone listens), close at sign-out. Set up once per tab. */
function watchSession(): void {
  if (watching) return;
  watching = true;
  const auth = useAuthStore();
  effectScope(true).run(() => {
    watch(
      () => auth.isSignedIn,
      (now) => {
        signedIn = now;
        if (now) {
          failures = 0;
          connect();
        } else {
          lastEventId = undefined;
          disconnect();
        }
      },
      { immediate: true },
    );
  });
}

export function useLiveEvents() {
  watchSession();

  function on<K extends LiveEventName>(name: K, listener: Listener<K>): () => void {
    const set = listeners.get(name) ?? new Set();
    listeners.set(name, set);
    set.add(listener as Listener<LiveEventName>);
    connect();
    const off = () => {
      set.delete(listener as Listener<LiveEventName>);
      if (listenerCount() === 0) disconnect();
    };
    if (getCurrentInstance()) onBeforeUnmount(off);
    return off;
  }

  return { on, connected: readonly(connected), tabId: TAB_ID };
}
