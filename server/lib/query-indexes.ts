import type { CreateIndexesOptions } from 'mongodb';
import type { Connection } from 'mongoose';

/** What serves the database: MongoDB, or FerretDB (the embedded store, or one reached by MONGODB_URI). */
export type StoreKind = 'mongodb' | 'ferretdb';

const kinds = new WeakMap<Connection, Promise<StoreKind>>();

/** FerretDB answers `buildInfo` with a `ferretdbVersion`; MongoDB does not. Asked once per connection. */
export function storeKind(db: Connection): Promise<StoreKind> {
  let kind = kinds.get(db);
  if (!kind) {
    kind = db
      .db!.command({ buildInfo: 1 })
      .then((info) => (typeof info.ferretdbVersion === 'string' ? 'ferretdb' : 'mongodb'));
    kinds.set(db, kind);
    kind.catch(() => kinds.delete(db));
  }
  return kind;
}

/**
 * Create indexes that exist to make queries fast — on MongoDB only. FerretDB 1.24's SQLite backend answers every
 * query but an `_id` lookup by reading the whole collection whatever the indexes, yet keeps each index current on
 * every write by extracting its fields from the document's JSON: nine indexes on the tickets halved how many it
 * could insert a second (measured: 1,500 → 830 ticket-sized documents/s). Uniqueness the code relies on is never
 * left to these: every commit point is an `_id`.
 */
export interface QueryIndex {
  key: Record<string, 1 | -1>;
  options?: CreateIndexesOptions;
}

export async function ensureQueryIndexes(
  db: Connection,
  collection: string,
  indexes: (Record<string, 1 | -1> | QueryIndex)[],
): Promise<void> {
  if ((await storeKind(db)) === 'ferretdb') return;
  for (const index of indexes) {
    const { key, options } = isQueryIndex(index) ? index : { key: index, options: {} };
    await db.collection(collection).createIndex(key, options ?? {});
  }
}

function isQueryIndex(index: Record<string, 1 | -1> | QueryIndex): index is QueryIndex {
  return typeof index.key === 'object';
}
