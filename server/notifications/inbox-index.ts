import type { Collection } from 'mongodb';
import type { InAppNotification } from './in-app.js';

/** Where the bell's list, unread count and read-all read from (follows ORDO_TICKET_CATALOG). */
export type InboxIndexKind = 'memory' | 'database';

/** One page of a person's notifications, newest first; `after` is the previous page's last (createdAt, id). */
export interface InboxPageQuery {
  limit: number;
  after?: { createdAt: Date; id: string };
  unreadOnly?: boolean;
}

/** What the bell needs to know of a notification this process marked read. */
export type InboxMark = Pick<InAppNotification, '_id' | 'userId' | 'createdAt'>;

/**
 * The queries behind the bell. Two ways to answer, chosen per process like the ticket catalog
 * (server/tickets/ticket-catalog.ts):
 *
 * - `database`: queries on `notifications` by `userId`, served by its indexes on MongoDB. Right for any deployment
 *   where several processes write notifications.
 * - `memory`: per person, the newest notifications' `{_id, createdAt, read}` and an exact unread count, held in this
 *   process: read in one pass, kept current by every notification this process stores or marks read, read again
 *   every `resyncMs`. For the embedded store, where any filter but `{_id}` reads and decodes every notification
 *   ever sent, and whose only writer is this process. Documents are then fetched by `_id`.
 */
export interface InboxIndex {
  readonly kind: InboxIndexKind;
  list(userId: string, query: InboxPageQuery): Promise<InAppNotification[]>;
  unreadCount(userId: string): Promise<number>;
  /** Mark every unread notification of the person read at `now`; how many were unread. */
  markAllRead(userId: string, now: number): Promise<number>;
  /** This process stored `notification` (unread): a repeated delivery is never noted, so never counted twice. */
  noteDelivered(notification: InAppNotification): void;
  /** This process marked `notification` read at `readAt`; it was unread until then. */
  noteRead(notification: InboxMark, readAt: Date): void;
  /** Start the first read in the background (memory), so the first poll does not wait for it. */
  warm(): void;
  /** Read every notification again now (memory; nothing to do for the database), as a restart would. */
  reload(): Promise<void>;
  close(): void;
}

function byPerson(userId: string, query: InboxPageQuery): Record<string, unknown> {
  const filters: Record<string, unknown>[] = [{ userId }];
  if (query.unreadOnly) filters.push({ readAt: null });
  if (query.after) {
    const { createdAt, id } = query.after;
    filters.push({ $or: [{ createdAt: { $lt: createdAt } }, { createdAt, _id: { $lt: id } }] });
  }
  return { $and: filters };
}

function listByQuery(
  notifications: Collection<InAppNotification>,
  userId: string,
  query: InboxPageQuery,
): Promise<InAppNotification[]> {
  return notifications
    .find(byPerson(userId, query))
    .sort({ createdAt: -1, _id: -1 })
    .limit(query.limit)
    .toArray();
}

export function databaseInboxIndex(notifications: () => Collection<InAppNotification>): InboxIndex {
  return {
    kind: 'database',
    list: (userId, query) => listByQuery(notifications(), userId, query),
    unreadCount: (userId) => notifications().countDocuments({ userId, readAt: null }),
    async markAllRead(userId, now) {
      const result = await notifications().updateMany(
        { userId, readAt: null },
        { $set: { readAt: new Date(now) } },
      );
      return result.modifiedCount;
    },
    noteDelivered() {},
    noteRead() {},
    warm() {},
    async reload() {},
    close() {},
  };
}

/** A held notification: enough to place it in a page and count it, and the whole document near the top. */
interface Held {
  id: string;
  at: number;
  read: boolean;
  doc?: InAppNotification;
}

/** Newest first: later `createdAt` first, then the greater `_id`, as the database sorts `{createdAt: -1, _id: -1}`. */
function newerFirst(a: Held, at: number, id: string): number {
  return at - a.at || (a.id === id ? 0 : a.id < id ? 1 : -1);
}

class PersonInbox {
  /** Newest first, at most the window. */
  readonly items: Held[] = [];
  /** Every unread notification of the person, held or not. */
  unread = 0;
  /** False once older notifications fell out of the window: `items` then hold only the newest. */
  complete = true;
  /** Past-the-window notifications marked read since the last full read (each counted once). */
  readonly readPastWindow = new Set<string>();

  constructor(
    private readonly window: number,
    private readonly documents: number,
  ) {}

  /** The first position whose item is not newer than (at, id). */
  position(at: number, id: string): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (newerFirst(this.items[middle]!, at, id) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  find(at: number, id: string): Held | undefined {
    const item = this.items[this.position(at, id)];
    return item && item.id === id && item.at === at ? item : undefined;
  }

  /** Stored unread: held if it falls in the window. */
  delivered(at: number, id: string, doc: InAppNotification | undefined): void {
    const held = this.find(at, id);
    if (held) {
      if (held.read) this.unread++;
      held.read = false;
      if (held.doc) held.doc = doc ?? { ...held.doc, readAt: null };
      return;
    }
    this.unread++;
    const place = this.position(at, id);
    if (place >= this.window || (!this.complete && place >= this.items.length)) {
      this.complete = false;
      return;
    }
    this.items.splice(place, 0, { id, at, read: false, ...(doc ? { doc } : {}) });
    const pushedDown = this.items[this.documents];
    if (pushedDown) delete pushedDown.doc;
    if (this.items.length > this.window) {
      this.items.pop();
      this.complete = false;
    }
  }

  read(at: number, id: string, readAt: Date): void {
    const held = this.find(at, id);
    if (held) {
      if (held.read) return;
      this.unread = Math.max(0, this.unread - 1);
      held.read = true;
      if (held.doc) held.doc = { ...held.doc, readAt };
    } else if (!this.readPastWindow.has(id)) {
      this.readPastWindow.add(id);
      this.unread = Math.max(0, this.unread - 1);
    }
  }

  allRead(readAt: Date): void {
    for (const item of this.items) {
      if (item.read) continue;
      item.read = true;
      if (item.doc) item.doc = { ...item.doc, readAt };
    }
    this.unread = 0;
  }

  heldUnread(): string[] {
    return this.items.filter((item) => !item.read).map((item) => item.id);
  }

  /** Keep the newest `window` of what a full read collected. */
  trim(): void {
    this.items.sort((a, b) => newerFirst(a, b.at, b.id));
    if (this.items.length > this.window) {
      this.items.length = this.window;
      this.complete = false;
    }
    for (let at = this.documents; at < this.items.length; at++) delete this.items[at]!.doc;
  }
}

type Change =
  | { kind: 'delivered'; userId: string; id: string; at: number; doc: InAppNotification }
  | { kind: 'read'; userId: string; id: string; at: number; readAt: Date }
  | { kind: 'all-read'; userId: string; ids: readonly Held[] | 'all'; readAt: Date };

export interface MemoryInboxOptions {
  /** Newest notifications held per person; pages past them are asked of the database. Default 1,000. */
  window?: number;
  /**
   * Of those, how many are held whole (the first page of the bell), so that opening it reads nothing. The others are
   * fetched by `_id`. Default 25.
   */
  documents?: number;
  /** Read every notification again this often, for changes made behind this process's back. 0: never. */
  resyncMs?: number;
  onError?: (error: unknown) => void;
}

export const DEFAULT_INBOX_WINDOW = 1000;
export const DEFAULT_INBOX_DOCUMENTS = 25;

/**
 * Most documents read or written one `_id` at a time: FerretDB walks its table for each (see README), about a
 * seventh of what one query decoding every notification costs, so beyond this one query is cheaper.
 */
const BY_ID_AT_MOST = 5;

const atOf = (date: Date | null | undefined) => (date instanceof Date ? date.getTime() : 0);

export function memoryInboxIndex(
  notifications: () => Collection<InAppNotification>,
  options: MemoryInboxOptions = {},
): InboxIndex {
  const window = options.window ?? DEFAULT_INBOX_WINDOW;
  const documents = options.documents ?? DEFAULT_INBOX_DOCUMENTS;
  /** Undefined until the first full read finishes. */
  let people: Map<string, PersonInbox> | undefined;
  let loaded: Promise<void> | undefined;
  let resync: NodeJS.Timeout | undefined;
  /** Changes made while a full read runs, applied to its result before it replaces `people`. */
  const journals = new Set<Change[]>();

  const personIn = (map: Map<string, PersonInbox>, userId: string) => {
    let person = map.get(userId);
    if (!person) {
      person = new PersonInbox(window, documents);
      map.set(userId, person);
    }
    return person;
  };

  const apply = (map: Map<string, PersonInbox>, change: Change) => {
    const person = personIn(map, change.userId);
    switch (change.kind) {
      case 'delivered':
        return person.delivered(change.at, change.id, change.doc);
      case 'read':
        return person.read(change.at, change.id, change.readAt);
      case 'all-read':
        if (change.ids === 'all') return person.allRead(change.readAt);
        for (const item of change.ids) person.read(item.at, item.id, change.readAt);
    }
  };

  /** A change the database now holds: applied to what is held, and to any full read under way. */
  const record = (change: Change) => {
    if (people) apply(people, change);
    for (const journal of journals) journal.push(change);
  };

  const readAll = async () => {
    const journal: Change[] = [];
    journals.add(journal);
    try {
      const fresh = new Map<string, PersonInbox>();
      // Whole documents: the store decodes each whole anyway, and the newest of each person are kept whole.
      const cursor = notifications().find({}, { batchSize: 1000 });
      for await (const doc of cursor) {
        const person = personIn(fresh, doc.userId);
        const read = doc.readAt != null;
        if (!read) person.unread++;
        person.items.push({ id: doc._id, at: atOf(doc.createdAt), read, doc });
        // Never more than twice the window per person while reading.
        if (person.items.length >= 2 * window) person.trim();
      }
      for (const person of fresh.values()) person.trim();
      // Writes that finished during the pass, in order: the pass may have read each before or after it.
      for (const change of journal) apply(fresh, change);
      people = fresh;
    } finally {
      journals.delete(journal);
    }
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

  /** The page from memory, or undefined when the page reaches past the window (asked of the database). */
  const pageOf = (person: PersonInbox | undefined, query: InboxPageQuery): Held[] | undefined => {
    if (!person) return [];
    const ids: Held[] = [];
    let at = query.after ? person.position(query.after.createdAt.getTime(), query.after.id) : 0;
    if (query.after && person.find(query.after.createdAt.getTime(), query.after.id)) at++;
    for (; at < person.items.length && ids.length < query.limit; at++) {
      const item = person.items[at]!;
      if (!query.unreadOnly || !item.read) ids.push(item);
    }
    if (ids.length >= query.limit || person.complete) return ids;
    // Every unread one is held: none lies past the window.
    if (query.unreadOnly && person.heldUnread().length >= person.unread) return ids;
    return undefined;
  };

  return {
    kind: 'memory',
    async list(userId, query) {
      await ready();
      const page = pageOf(people!.get(userId), query);
      if (!page || page.filter((item) => !item.doc).length > BY_ID_AT_MOST)
        return listByQuery(notifications(), userId, query);
      // Past the documents held, one lookup by `_id` each: the store answers `{_id}` without decoding every
      // notification, though it still walks its table (see README).
      const found = await Promise.all(
        page.map((item) =>
          item.doc ? Promise.resolve(item.doc) : notifications().findOne({ _id: item.id }),
        ),
      );
      return found.filter(
        (doc): doc is InAppNotification =>
          doc !== null && doc.userId === userId && !(query.unreadOnly && doc.readAt),
      );
    },
    async unreadCount(userId) {
      await ready();
      return people!.get(userId)?.unread ?? 0;
    },
    async markAllRead(userId, now) {
      await ready();
      const person = people!.get(userId);
      if (!person || person.unread === 0) return 0;
      const readAt = new Date(now);
      const held = person.items.filter((item) => !item.read);
      const wholePerson = held.length < person.unread || held.length > BY_ID_AT_MOST;
      const change: Change = { kind: 'all-read', userId, ids: wholePerson ? 'all' : [...held], readAt };
      // Taken at once, so a second read-all arriving meanwhile finds none left to mark.
      apply(people!, change);
      try {
        if (wholePerson) {
          // Many, or some that fell out of the window: by the person, one scan on the embedded store.
          const result = await notifications().updateMany({ userId, readAt: null }, { $set: { readAt } });
          record(change);
          return result.modifiedCount;
        }
        // By `_id`, in one round trip.
        await notifications().bulkWrite(
          held.map((item) => ({ updateOne: { filter: { _id: item.id }, update: { $set: { readAt } } } })),
          { ordered: false },
        );
        record(change);
        return held.length;
      } catch (error) {
        // Some may be marked, some not: read them all again rather than guess.
        readAll().catch((reread: unknown) => options.onError?.(reread));
        throw error;
      }
    },
    noteDelivered(notification) {
      record({
        kind: 'delivered',
        userId: notification.userId,
        id: notification._id,
        at: atOf(notification.createdAt),
        doc: notification,
      });
    },
    noteRead(notification, readAt) {
      record({
        kind: 'read',
        userId: notification.userId,
        id: notification._id,
        at: atOf(notification.createdAt),
        readAt,
      });
    },
    warm() {
      ready().catch((error: unknown) => options.onError?.(error));
    },
    async reload() {
      // Nothing read yet: the first read starts now, which is all a reload asks.
      if (!loaded) return ready();
      await ready();
      await readAll();
    },
    close() {
      if (resync) clearInterval(resync);
      resync = undefined;
    },
  };
}
