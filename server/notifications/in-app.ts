import { ensureQueryIndexes } from '../lib/query-indexes.js';
import type { Connection } from 'mongoose';
import type { Locale } from '../../runtime/common/types.js';
import { GroupInsert } from '../lib/group-insert.js';
import { writeGateOf } from '../lib/write-gate.js';
import { isDuplicateKey } from '../lib/sequence.js';
import {
  databaseInboxIndex,
  memoryInboxIndex,
  type InboxIndex,
  type InboxIndexKind,
  type InboxPageQuery,
  type MemoryInboxOptions,
} from './inbox-index.js';

/**
 * An in-app notification: what the bell in the studio lists for one person. Storing it is its delivery and the
 * record of that delivery (there is no outbox entry for it): its `_id` is `outboxEntryId(effect key, 'in-app',
 * user id)`, so a repeated effect stores nothing new.
 */
export interface InAppNotification {
  _id: string;
  userId: string;
  ticketId: string;
  ticketNumber: string;
  /** Absent on notifications stored before they were their own delivery record. */
  effectKey?: string;
  recipientName?: string;
  locale?: Locale;
  /** Why the ticket type's template was replaced by a default text, if it was (English). */
  renderProblems?: string[] | null;
  template: string;
  subject: string;
  /** HTML, values escaped. */
  body: string;
  text: string;
  link: string | null;
  createdAt: Date;
  readAt: Date | null;
}

export const NOTIFICATIONS_COLLECTION = 'notifications';

export class InAppInbox {
  private readonly inserts = new GroupInsert<InAppNotification>(
    () => this.notifications,
    () => writeGateOf(this.db),
  );

  /** Where the list, the unread count and read-all read from (inbox-index.ts). */
  readonly index: InboxIndex;

  constructor(
    private readonly db: Connection,
    kind: InboxIndexKind = 'database',
    memoryOptions: MemoryInboxOptions = {},
  ) {
    const notifications = () => this.notifications;
    this.index =
      kind === 'memory' ? memoryInboxIndex(notifications, memoryOptions) : databaseInboxIndex(notifications);
  }

  get notifications() {
    return this.db.collection<InAppNotification>(NOTIFICATIONS_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await ensureQueryIndexes(this.db, NOTIFICATIONS_COLLECTION, [
      { userId: 1, createdAt: -1, _id: -1 },
      { userId: 1, readAt: 1 },
      { ticketId: 1, createdAt: 1 },
    ]);
  }

  /**
   * Store (deliver) a notification; false when one with its id was already there — an earlier run of the same
   * effect delivered it. Concurrent deliveries go in one insert (server/lib/group-insert.ts).
   */
  async deliver(notification: InAppNotification): Promise<boolean> {
    try {
      await this.inserts.insert(notification);
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
    this.index.noteDelivered(notification);
    return true;
  }

  /** A ticket's notifications, oldest first (a scan on the embedded store: only when someone opens the list). */
  forTicket(ticketId: string): Promise<InAppNotification[]> {
    return this.notifications.find({ ticketId }).sort({ createdAt: 1, _id: 1 }).toArray();
  }

  /** Newest first; the cursor is the last item's (createdAt, id). */
  list(userId: string, query: InboxPageQuery): Promise<InAppNotification[]> {
    return this.index.list(userId, query);
  }

  unreadCount(userId: string): Promise<number> {
    return this.index.unreadCount(userId);
  }

  /** Mark one as read; false when it is not this person's (or does not exist). Reading twice keeps the first time. */
  async markRead(userId: string, id: string, now: number): Promise<InAppNotification | null> {
    // By `_id` alone, read and written: any other filter reads every notification on the embedded store.
    const found = await this.notifications.findOne({ _id: id });
    if (!found || found.userId !== userId) return null;
    if (found.readAt) return found;
    const readAt = new Date(now);
    await this.notifications.updateOne({ _id: id }, { $set: { readAt } });
    this.index.noteRead(found, readAt);
    return { ...found, readAt };
  }

  markAllRead(userId: string, now: number): Promise<number> {
    return this.index.markAllRead(userId, now);
  }
}
