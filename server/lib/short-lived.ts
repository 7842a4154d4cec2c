/**
 * A value read from the database and reused in this process for a short time: callers within `ttlMs` of the read
 * share it (and share the read while it is on its way), the first caller after that reads again. `invalidate()`
 * forgets it at once — the process calls it after changing what the value was read from, so its own changes show
 * immediately; changes made by other processes show within `ttlMs`. A failed read is not kept.
 *
 * Time is the process's monotonic clock, not the app's business clock: tests that freeze or move business time must
 * not freeze or expire caches.
 */
export class ShortLived<T> {
  private entry: { readAt: number; value: Promise<T> } | undefined;

  constructor(
    private readonly read: () => Promise<T>,
    readonly ttlMs: number,
    private readonly monotonicNow: () => number = () => performance.now(),
  ) {}

  get(): Promise<T> {
    const current = this.entry;
    if (current && this.monotonicNow() - current.readAt < this.ttlMs) return current.value;
    const entry = { readAt: this.monotonicNow(), value: this.read() };
    this.entry = entry;
    entry.value.catch(() => {
      if (this.entry === entry) this.entry = undefined;
    });
    return entry.value;
  }

  invalidate(): void {
    this.entry = undefined;
  }
}

/**
 * `ShortLived` per key (e.g. one person each), for at most `maxEntries` keys at a time: past that, expired entries
 * go first, then the oldest reads.
 */
export class ShortLivedMap<K, V> {
  private readonly entries = new Map<K, { readAt: number; value: Promise<V> }>();

  constructor(
    private readonly read: (key: K) => Promise<V>,
    readonly ttlMs: number,
    private readonly maxEntries = 1000,
    private readonly monotonicNow: () => number = () => performance.now(),
  ) {}

  get(key: K): Promise<V> {
    const now = this.monotonicNow();
    const current = this.entries.get(key);
    if (current && now - current.readAt < this.ttlMs) return current.value;
    const entry = { readAt: now, value: this.read(key) };
    this.entries.delete(key);
    this.entries.set(key, entry);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    if (this.entries.size > this.maxEntries) this.prune(now);
    return entry.value;
  }

  invalidate(): void {
    this.entries.clear();
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) if (now - entry.readAt >= this.ttlMs) this.entries.delete(key);
    // Insertion order is read order: the first keys are the oldest reads.
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
