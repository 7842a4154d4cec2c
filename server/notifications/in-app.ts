import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../lib/sequence.js';
import type { OutboxEntry } from './outbox.js';

/** An in-app notification: what the bell in the studio lists for one person. */
export interface InAppNotification {
  /** The outbox entry it delivers, so delivering twice leaves one notification. */
  _id: string;
  userId: string;
  ticketId: string;
  ticketNumber: string;
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
  constructor(private readonly db: Connection) {}

  get notifications() {
    return this.db.collection<InAppNotification>(NOTIFICATIONS_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await this.notifications.createIndex({ userId: 1, createdAt: -1, _id: -1 });
    await this.notifications.createIndex({ userId: 1, readAt: 1 });
  }

  async deliver(entry: OutboxEntry, now: number): Promise<void> {
    if (entry.recipientKind !== 'user') throw new Error('In-app notifications go to people, not addresses');
    try {
      await this.notifications.insertOne({
        _id: entry._id,
        userId: entry.recipient,
        ticketId: entry.ticketId,
        ticketNumber: entry.ticketNumber,
        template: entry.template,
        subject: entry.subject ?? '',
        body: entry.body ?? '',
        text: entry.text ?? '',
        link: entry.link,
        createdAt: new Date(now),
        readAt: null,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** Newest first; the cursor is the last item's (createdAt, id). */
  async list(
    userId: string,
    options: { limit: number; after?: { createdAt: Date; id: string }; unreadOnly?: boolean },
  ): Promise<InAppNotification[]> {
    const filters: Record<string, unknown>[] = [{ userId }];
    if (options.unreadOnly) filters.push({ readAt: null });
    if (options.after) {
      const { createdAt, id } = options.after;
      filters.push({ $or: [{ createdAt: { $lt: createdAt } }, { createdAt, _id: { $lt: id } }] });
    }
    return this.notifications
      .find({ $and: filters })
      .sort({ createdAt: -1, _id: -1 })
      .limit(options.limit)
      .toArray();
  }

  unreadCount(userId: string): Promise<number> {
    return this.notifications.countDocuments({ userId, readAt: null });
  }

  /** Mark one as read; false when it is not this person's (or does not exist). Reading twice keeps the first time. */
  async markRead(userId: string, id: string, now: number): Promise<InAppNotification | null> {
    const found = await this.notifications.findOne({ _id: id, userId });
    if (!found) return null;
    if (found.readAt) return found;
    const readAt = new Date(now);
    await this.notifications.updateOne({ _id: id, userId, readAt: null }, { $set: { readAt } });
    return { ...found, readAt };
  }

  async markAllRead(userId: string, now: number): Promise<number> {
    const result = await this.notifications.updateMany(
      { userId, readAt: null },
      { $set: { readAt: new Date(now) } },
    );
    return result.modifiedCount;
  }
}
