import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';
import type { WriteGate } from './write-gate.js';

/** A caller's write waiting for its batch, and how to tell the caller its fate. */
export interface WaitingWrite {
  resolve(): void;
  reject(error: unknown): void;
}

interface WaitingInsert<T> extends WaitingWrite {
  doc: OptionalUnlessRequiredId<T>;
}

/** One entry's failure inside an unordered batch write (`insertMany`, `bulkWrite`), as the driver reports it. */
export interface EntryWriteError {
  index: number;
  code?: number;
  errmsg?: string;
}

/** Most documents one insert carries; more wait for the next one. */
const MAX_BATCH = 200;

/** The error a caller of a gathered write sees for its own entry: the server's `code` kept, as a single write's. */
export class BatchEntryError extends Error {
  override name = 'BatchEntryError';
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
  }
}

/** Each entry's failure of a batch write, or undefined when the error does not say which entries failed. */
export function entryErrorsOf(error: unknown): EntryWriteError[] | undefined {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list = (Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []) as unknown[];
  const parsed = list.filter(
    (entry): entry is EntryWriteError =>
      typeof entry === 'object' && entry !== null && typeof (entry as EntryWriteError).index === 'number',
  );
  return parsed.length > 0 && parsed.length === list.length ? parsed : undefined;
}

/**
 * Tell each caller of a failed batch write its own entry's fate from the server's error: done, or rejected with
 * the error for its entry (`code` kept). False when the error does not say which entries failed (nobody told).
 */
export function settleFromEntryErrors(batch: WaitingWrite[], error: unknown, what: string): boolean {
  const failures = entryErrorsOf(error);
  if (!failures) return false;
  const failed = new Map(failures.map((failure) => [failure.index, failure]));
  batch.forEach((entry, index) => {
    const failure = failed.get(index);
    if (!failure) entry.resolve();
    else entry.reject(new BatchEntryError(failure.errmsg ?? `${what} failed`, failure.code));
  });
  return true;
}

/**
 * Writes from many concurrent callers, gathered: a write made while none is on its way goes at once; those made
 * while one is on its way go together in the next batch (`take`), one batch at a time, each through the
 * connection's write gate when there is one.
 */
export abstract class GatheredWrites<Entry extends WaitingWrite> {
  protected waiting: Entry[] = [];
  private writing = false;

  constructor(
    /** The connection's write gate (`writeGateOf`), looked up when a write is made. */
    private readonly gate?: () => WriteGate,
  ) {}

  /** Queue the entry `make` builds around its caller's promise; start writing when nothing is on its way. */
  protected enqueue(make: (resolve: () => void, reject: (error: unknown) => void) => Entry): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiting.push(make(resolve, reject)));
    if (!this.writing) void this.drain();
    return done;
  }

  /** The next batch, taken from the front of `waiting`. */
  protected abstract take(): Entry[];

  /** Write a batch and tell each of its callers its fate (never throws). */
  protected abstract write(batch: Entry[]): Promise<void>;

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        // Taking the batch only once the gate lets this write through gathers everything queued meanwhile.
        if (this.gate) await this.gate().run(() => this.write(this.take()));
        else await this.write(this.take());
      }
    } finally {
      this.writing = false;
    }
  }
}

/**
 * Inserts into one collection from many concurrent callers, gathered: an insert made while none is on its way goes
 * at once; those made while one is on its way go together in the next unordered `insertMany`. One write instead of
 * many under load, and no wait when idle. Stores like the embedded FerretDB, whose SQLite takes one writer at a
 * time and makes concurrent writers back off, answer a burst several times faster this way.
 *
 * Each caller learns its own document's fate, exactly as with `insertOne`: stored, or rejected with the server's
 * error for that document (a duplicate key keeps `code` 11000), or the whole insert's error when the server could
 * not say which documents it stored. Documents in one batch are independent: use it for inserts whose success is
 * each caller's own commit point (ticket commits, first projections), never for documents that depend on each other.
 */
export class GroupInsert<T extends Document> extends GatheredWrites<WaitingInsert<T>> {
  constructor(
    private readonly collection: () => Collection<T>,
    gate?: () => WriteGate,
  ) {
    super(gate);
  }

  insert(doc: OptionalUnlessRequiredId<T>): Promise<void> {
    return this.enqueue((resolve, reject) => ({ doc, resolve, reject }));
  }

  protected take(): WaitingInsert<T>[] {
    return this.waiting.splice(0, MAX_BATCH);
  }

  protected async write(batch: WaitingInsert<T>[]): Promise<void> {
    const collection = this.collection();
    if (batch.length === 1) {
      const only = batch[0]!;
      try {
        await collection.insertOne(only.doc);
        only.resolve();
      } catch (error) {
        only.reject(error);
      }
      return;
    }
    try {
      await collection.insertMany(
        batch.map((entry) => entry.doc),
        { ordered: false },
      );
      for (const entry of batch) entry.resolve();
    } catch (error) {
      if (!settleFromEntryErrors(batch, error, 'insert')) for (const entry of batch) entry.reject(error);
    }
  }
}
