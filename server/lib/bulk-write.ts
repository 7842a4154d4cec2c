import type { AnyBulkWriteOperation, BulkWriteOptions, Collection, Document } from 'mongodb';

/**
 * Most update or replace statements one `update` command carries. FerretDB 1.24 (SQLite) stops answering — every
 * later command of every client waits behind it — when one `update` command carries about a hundred statements
 * (90 answer, 100 do not), with or without upserts; `updateMany`, deletes and `insertMany` are not affected. Fifty
 * keeps well clear of it and still saves most round trips.
 */
export const MAX_UPDATE_STATEMENTS = 50;

/**
 * `collection.bulkWrite(operations)` sent as consecutive commands of at most {@link MAX_UPDATE_STATEMENTS}
 * statements each, one after another. Use it for every bulk of `updateOne` / `replaceOne` / `updateMany`
 * statements whose length is not bounded by the code. Unordered by default; with `ordered: true` a failure stops
 * the remaining chunks as it would stop the remaining statements.
 */
export async function bulkWriteInChunks<T extends Document>(
  collection: Collection<T>,
  operations: AnyBulkWriteOperation<T>[],
  options: BulkWriteOptions = { ordered: false },
): Promise<void> {
  for (let start = 0; start < operations.length; start += MAX_UPDATE_STATEMENTS)
    await collection.bulkWrite(operations.slice(start, start + MAX_UPDATE_STATEMENTS), options);
}
