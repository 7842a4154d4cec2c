import type { Connection } from 'mongoose';
import { storeKind } from './query-indexes.js';

/**
 * Lets at most `limit` writes of this process reach the database at once; the others wait their turn in order.
 * FerretDB's SQLite takes one writer at a time and makes the others back off and retry (sleeping between tries),
 * so writes sent together mostly wait idle there; sent one after another they keep the writer busy, and the
 * inserts gathered meanwhile (GroupInsert, sequence claims) go in fewer, larger batches. MongoDB writes in
 * parallel: no limit there.
 */
export class WriteGate {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(public limit = Infinity) {}

  async run<T>(write: () => Promise<T>): Promise<T> {
    // A finished write hands its place to the next in line, so nobody arriving meanwhile slips in ahead of it.
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.running += 1;
    try {
      return await write();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

const gates = new WeakMap<Connection, WriteGate>();

/** The gate of this connection's writes: one at a time on FerretDB (once known), unlimited on MongoDB. */
export function writeGateOf(db: Connection): WriteGate {
  let gate = gates.get(db);
  if (!gate) {
    const created = new WriteGate();
    gates.set(db, created);
    storeKind(db)
      .then((kind) => {
        if (kind === 'ferretdb') created.limit = 1;
      })
      .catch(() => undefined);
    gate = created;
  }
  return gate;
}
