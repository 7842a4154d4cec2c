import type { Collection, Filter } from 'mongodb';
import sift from 'sift';
import type { TicketDoc } from './ticket.projection.js';

/** A ticket as lists, filters and the timer sweep see it: the projection without the runtime state. */
export type CatalogEntry = Omit<TicketDoc, 'state'> & { nextTimerAt?: Date | null };

export interface CatalogSort {
  field: keyof TicketDoc;
  direction: 1 | -1;
}

/** A ticket's head as an anchor records it. */
export type ChangedHead = Pick<CatalogEntry, '_id' | 'version' | 'headHash'>;

/** Where lists and the timer sweep read tickets from (ORDO_TICKET_CATALOG). */
export type TicketCatalogKind = 'memory' | 'database';

/**
 * What lists and the timer sweep ask of the tickets. Two ways to answer, chosen per process:
 *
 * - `database`: queries on the `tickets` collection, served by its indexes. Right for MongoDB, and for any
 *   deployment where several processes write tickets.
 * - `memory`: the flat fields of every projection held in this process, read once from the database and kept
 *   current by every projection this process writes. For the embedded store: FerretDB's SQLite backend pushes no
 *   filter but `{_id}` and no sort down, so every list would read, decode and sort every ticket (seconds over ten
 *   thousand). The embedded store belongs to one process (its lock file refuses a second), so that process sees
 *   every change; a full re-read every `resyncMs` picks up anything written behind its back.
 *
 * Filters are MongoDB query documents in both cases (the memory catalog tests them with `sift`, which follows
 * MongoDB's query semantics), so the routes build one filter for either.
 */
export interface TicketCatalog {
  readonly kind: TicketCatalogKind;
  /** A projection this process wrote: the memory catalog keeps the newest version of each ticket. */
  note(doc: TicketDoc | CatalogEntry): void;
  /**
   * The version of a ticket's stored projection as this catalog knows it (memory: the newest it read or was told
   * of; undefined when it holds none, and always from the database catalog, which holds nothing).
   */
  versionOf(ticketId: string): number | undefined;
  /**
   * Tickets matching `filter`, in `sort` order (ties by `_id` in the same direction), at most `limit`. `after` is
   * the page boundary the filter already holds (the previous page's last sort value and id): the memory catalog
   * starts its walk there instead of testing every ticket before it.
   */
  find(
    filter: Filter<TicketDoc>,
    sort: CatalogSort,
    limit: number,
    after?: { value: Date | number; id: string },
  ): Promise<CatalogEntry[]>;
  /** How many tickets match `filter`, counting no further than `max`. */
  count(filter: Filter<TicketDoc>, max: number): Promise<number>;
  /**
   * Ids of tickets whose next timer is due at `now`, earliest first, at most `limit`; with `since`, only those
   * that fell due after it (what became due since a sweep at `since`).
   */
  dueTimers(now: number, limit: number, since?: number): Promise<string[]>;
  /** Open tickets per assignee (least-loaded assignment). */
  openLoads(openCategories: ReadonlySet<string>): Promise<Map<string, number>>;
  /**
   * The head of every ticket whose projection changed at or after `since` (its `updatedAt`, ms), by `_id`: what an
   * audit anchor records (anchors.ts). The memory catalog walks its `updatedAt` order from the newest and stops at
   * the first older ticket, touching only those that changed; the database answers by query.
   */
  changedSince(since: number): Promise<ChangedHead[]>;
  /** Start reading every ticket in the background (memory), so the first list does not wait for it. */
  warm(): void;
  /** Read every ticket again now (memory; nothing to do for the database), as a restart would. */
  reload(): Promise<void>;
  close(): void;
}

const WITHOUT_STATE = { projection: { state: 0 } } as const;

export function databaseCatalog(tickets: () => Collection<TicketDoc>): TicketCatalog {
  return {
    kind: 'database',
    note() {},
    versionOf() {
      return undefined;
    },
    find(filter, sort, limit) {
      return tickets()
        .find(filter, WITHOUT_STATE)
        .sort({ [sort.field]: sort.direction, _id: sort.direction })
        .limit(limit)
        .toArray();
    },
    count(filter, max) {
      return tickets().countDocuments(filter, { limit: max });
    },
    async dueTimers(now, limit, since) {
      const at =
        since === undefined ? { $lte: new Date(now) } : { $lte: new Date(now), $gt: new Date(since) };
      const due = await tickets()
        .find({ nextTimerAt: at } as Filter<TicketDoc>, { projection: { _id: 1 } })
        .sort({ nextTimerAt: 1, _id: 1 })
        .limit(limit)
        .toArray();
      return due.map((doc) => doc._id);
    },
    async openLoads(openCategories) {
      const loads = await tickets()
        .aggregate<{ _id: string; n: number }>([
          { $match: { statusCategory: { $in: [...openCategories] }, assignee: { $ne: null } } },
          { $group: { _id: '$assignee', n: { $sum: 1 } } },
        ])
        .toArray();
      return new Map(loads.map((load) => [load._id, load.n]));
    },
    changedSince(since) {
      return tickets()
        .find<ChangedHead>(
          { updatedAt: { $gte: new Date(since) } },
          { projection: { _id: 1, version: 1, headHash: 1 } },
        )
        .sort({ _id: 1 })
        .toArray();
    },
    warm() {},
    async reload() {},
    close() {},
  };
}

function entryOf(doc: TicketDoc | CatalogEntry): CatalogEntry {
  if (!('state' in doc)) return doc;
  const { state: _state, ...entry } = doc;
  return entry;
}

/** A sort value: its place in MongoDB's order of types (null and missing, numbers, strings, dates), then itself. */
type SortKey = readonly [rank: number, value: number | string];

function sortKey(value: unknown): SortKey {
  if (value instanceof Date) return [3, value.getTime()];
  if (typeof value === 'string') return [2, value];
  if (typeof value === 'number') return [1, value];
  return [0, 0];
}

function compareValues(a: number | string, b: number | string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareKeys(a: SortKey, b: SortKey): number {
  return a[0] - b[0] || compareValues(a[1], b[1]);
}

/**
 * Every entry (or every one `holds` accepts) in ascending (field, `_id`) order, kept so by binary search as entries
 * change: a list walks it from the front (or the back, for descending sorts) and stops once the page is full.
 */
class SortedEntries {
  private readonly items: CatalogEntry[];

  constructor(
    readonly field: keyof CatalogEntry,
    all: Iterable<CatalogEntry>,
    private readonly holds: (entry: CatalogEntry) => boolean = () => true,
  ) {
    this.items = [...all]
      .filter((entry) => holds(entry))
      .sort((a, b) => this.compare(a, sortKey(b[field]), b._id));
  }

  private compare(entry: CatalogEntry, key: SortKey, id: string): number {
    return compareKeys(sortKey(entry[this.field]), key) || compareValues(entry._id, id);
  }

  /** The first position whose entry sorts at or after (key, id). */
  private position(key: SortKey, id: string): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(this.items[middle]!, key, id) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  add(entry: CatalogEntry): void {
    if (!this.holds(entry)) return;
    this.items.splice(this.position(sortKey(entry[this.field]), entry._id), 0, entry);
  }

  remove(entry: CatalogEntry): void {
    if (!this.holds(entry)) return;
    const at = this.position(sortKey(entry[this.field]), entry._id);
    if (this.items[at] === entry) this.items.splice(at, 1);
  }

  /**
   * `next` in the place of `current` (the same ticket): overwritten where it stands when its sort value is the
   * same (a re-read of an unchanged ticket moves nothing), else taken out and put in again.
   */
  replace(current: CatalogEntry, next: CatalogEntry): void {
    const held = this.holds(current);
    if (
      held &&
      this.holds(next) &&
      compareKeys(sortKey(current[this.field]), sortKey(next[this.field])) === 0
    ) {
      const at = this.position(sortKey(current[this.field]), current._id);
      if (this.items[at] === current) {
        this.items[at] = next;
        return;
      }
    }
    if (held) this.remove(current);
    this.add(next);
  }

  /** Entries in `direction` order, starting after (key, id) when given. */
  *walk(direction: 1 | -1, after?: { key: SortKey; id: string }): Generator<CatalogEntry> {
    if (direction === 1) {
      let at = after ? this.position(after.key, after.id) : 0;
      if (after && at < this.items.length && this.compare(this.items[at]!, after.key, after.id) === 0) at++;
      for (; at < this.items.length; at++) yield this.items[at]!;
    } else {
      let at = after ? this.position(after.key, after.id) - 1 : this.items.length - 1;
      for (; at >= 0; at--) yield this.items[at]!;
    }
  }
}

/** Whether a ticket has a next timer (the field may be missing on projections written before it existed). */
const hasTimer = (entry: CatalogEntry): boolean => entry.nextTimerAt instanceof Date;

export interface MemoryCatalogOptions {
  /** Re-read every ticket this often, for changes made behind this process's back. 0: never. */
  resyncMs?: number;
  onError?: (error: unknown) => void;
}

export function memoryCatalog(
  tickets: () => Collection<TicketDoc>,
  options: MemoryCatalogOptions = {},
): TicketCatalog {
  const entries = new Map<string, CatalogEntry>();
  /** Sort orders built on first use, then kept current by `keep`. */
  const orders = new Map<keyof CatalogEntry, SortedEntries>();
  /**
   * The tickets with a next timer, by (`nextTimerAt`, `_id`), kept current by `keep` like the sort orders: a sweep
   * reads the due ones from its front and stops at the first not due, touching nothing else.
   */
  let timers: SortedEntries | undefined;
  let loaded: Promise<void> | undefined;
  let resync: NodeJS.Timeout | undefined;

  const keep = (entry: CatalogEntry) => {
    const current = entries.get(entry._id);
    if (current && current.version > entry.version) return;
    entries.set(entry._id, entry);
    for (const order of timers ? [...orders.values(), timers] : orders.values()) {
      if (current) order.replace(current, entry);
      else order.add(entry);
    }
  };

  const orderBy = (field: keyof CatalogEntry) => {
    let order = orders.get(field);
    if (!order) {
      order = new SortedEntries(field, entries.values());
      orders.set(field, order);
    }
    return order;
  };

  const readAll = async () => {
    // Projections this process writes meanwhile are kept too; `keep` leaves the newer of the two.
    const cursor = tickets().find({}, { ...WITHOUT_STATE, batchSize: 1000 });
    for await (const doc of cursor) keep(doc);
  };

  const ready = (): Promise<void> => {
    if (!loaded) {
      loaded = readAll();
      loaded.catch(() => {
        loaded = undefined;
      });
      if (options.resyncMs && !resync) {
        resync = setInterval(() => {
          readAll().catch((error: unknown) => options.onError?.(error));
        }, options.resyncMs);
        resync.unref();
      }
    }
    return loaded;
  };

  return {
    kind: 'memory',
    note(doc) {
      keep(entryOf(doc));
    },
    versionOf(ticketId) {
      return entries.get(ticketId)?.version;
    },
    async find(filter, sort, limit, after) {
      await ready();
      const query: Record<string, unknown> = filter;
      const test = sift.default(query);
      const page: CatalogEntry[] = [];
      const start = after ? { key: sortKey(after.value), id: after.id } : undefined;
      for (const entry of orderBy(sort.field as keyof CatalogEntry).walk(sort.direction, start)) {
        if (!test(entry)) continue;
        page.push(entry);
        if (page.length >= limit) break;
      }
      return page;
    },
    async count(filter, max) {
      await ready();
      const query: Record<string, unknown> = filter;
      const test = sift.default(query);
      let found = 0;
      for (const entry of entries.values()) {
        if (!test(entry)) continue;
        found += 1;
        if (found >= max) break;
      }
      return found;
    },
    async dueTimers(now, limit, since) {
      await ready();
      timers ??= new SortedEntries('nextTimerAt', entries.values(), hasTimer);
      const due: string[] = [];
      // After `since`: from the first timer at since + 1 ms (no id sorts before '').
      const start = since === undefined ? undefined : { key: sortKey(new Date(since + 1)), id: '' };
      for (const entry of timers.walk(1, start)) {
        if (due.length >= limit || entry.nextTimerAt!.getTime() > now) break;
        due.push(entry._id);
      }
      return due;
    },
    async openLoads(openCategories) {
      await ready();
      const loads = new Map<string, number>();
      for (const entry of entries.values()) {
        if (entry.assignee && openCategories.has(entry.statusCategory))
          loads.set(entry.assignee, (loads.get(entry.assignee) ?? 0) + 1);
      }
      return loads;
    },
    async changedSince(since) {
      await ready();
      const changed: ChangedHead[] = [];
      // Newest first; dates sort after every other kind of value, so the first older one ends the walk.
      for (const entry of orderBy('updatedAt').walk(-1)) {
        if (!(entry.updatedAt instanceof Date) || entry.updatedAt.getTime() < since) break;
        changed.push({ _id: entry._id, version: entry.version, headHash: entry.headHash });
      }
      return changed.sort((a, b) => compareValues(a._id, b._id));
    },
    warm() {
      ready().catch((error: unknown) => options.onError?.(error));
    },
    async reload() {
      await ready();
      await readAll();
    },
    close() {
      if (resync) clearInterval(resync);
      resync = undefined;
    },
  };
}
