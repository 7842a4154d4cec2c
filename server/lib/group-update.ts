import type { AnyBulkWriteOperation, Collection, Document, Filter, UpdateFilter } from 'mongodb';
import { MAX_UPDATE_STATEMENTS } from './bulk-write.js';
import { GatheredWrites, settleFromEntryErrors, type WaitingWrite } from './group-insert.js';
import type { WriteGate } from './write-gate.js';

interface WaitingUpdate extends WaitingWrite {
  id: unknown;
  set: Document;
  upsert: boolean;
}

/**
 * `$set` updates of documents by `_id` from many concurrent callers, gathered like `GroupInsert`: an
 * update made while none is on its way goes at once; those made meanwhile go together in the next unordered
 * `bulkWrite` of `updateOne` statements — at most {@link MAX_UPDATE_STATEMENTS} a command (FerretDB stalls on a
 * hundred), more wait for the next one. The embedded FerretDB writes a command's statements in one SQLite
 * transaction, so a burst of commits' projections costs a few writes instead of one each.
 *
 * Each caller learns its own statement's fate, exactly as with `updateOne`: done, or rejected with the server's
 * error for that statement (its `code` kept). When the server fails the command without saying which statement
 * it refused (FerretDB), the batch is sent again one statement at a time. Statements of one batch are independent, and a batch never holds two for the same `_id`
 * (a second waits for the next batch, so two updates of one document are applied in the order they were made).
 * Filters are `_id` alone: the only filter the embedded store answers without reading the whole collection.
 */
export class GroupUpdate<T extends Document> extends GatheredWrites<WaitingUpdate> {
  private readonly maxBatch: number;

  constructor(
    private readonly collection: () => Collection<T>,
    gate?: () => WriteGate,
    /** Most statements a command carries (at most MAX_UPDATE_STATEMENTS). */
    maxBatch = MAX_UPDATE_STATEMENTS,
  ) {
    super(gate);
    this.maxBatch = Math.min(maxBatch, MAX_UPDATE_STATEMENTS);
  }

  /** Set `fields` on the document `id`; with `upsert`, create it when it is missing. */
  set(id: T['_id'], fields: Partial<T>, options: { upsert?: boolean } = {}): Promise<void> {
    return this.enqueue((resolve, reject) => ({
      id,
      set: fields,
      upsert: options.upsert === true,
      resolve,
      reject,
    }));
  }

  /** The next batch: up to `maxBatch` waiting updates, in order, stopping before a repeated `_id`. */
  protected take(): WaitingUpdate[] {
    const ids = new Set<unknown>();
    let count = 0;
    while (count < this.waiting.length && count < this.maxBatch) {
      const id = this.waiting[count]!.id;
      if (ids.has(id)) break;
      ids.add(id);
      count += 1;
    }
    return this.waiting.splice(0, count);
  }

  protected async write(batch: WaitingUpdate[]): Promise<void> {
    const operations = batch.map((entry): AnyBulkWriteOperation<T> => ({
      updateOne: {
        filter: { _id: entry.id } as Filter<T>,
        update: { $set: entry.set } as UpdateFilter<T>,
        upsert: entry.upsert,
      },
    }));
    try {
      await this.collection().bulkWrite(operations, { ordered: false });
      for (const entry of batch) entry.resolve();
    } catch (error) {
      if (settleFromEntryErrors(batch, error, 'update')) return;
      if (batch.length === 1) batch[0]!.reject(error);
      else await this.oneByOne(batch);
    }
  }

  /**
   * The batch again, one `updateOne` each, so every caller learns its own statement's fate: FerretDB answers a
   * command with a refused statement as one error naming none (the statements before it applied, those after it
   * not). Setting the same fields twice changes nothing, and no other update of these documents from this group
   * can come in between (the next batch waits for this one).
   */
  private async oneByOne(batch: WaitingUpdate[]): Promise<void> {
    const collection = this.collection();
    for (const entry of batch) {
      try {
        await collection.updateOne({ _id: entry.id } as Filter<T>, { $set: entry.set } as UpdateFilter<T>, {
          upsert: entry.upsert,
        });
        entry.resolve();
      } catch (error) {
        entry.reject(error);
      }
    }
  }
}
