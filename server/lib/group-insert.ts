import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';
import type { WriteGate } from './write-gate.js';

interface WaitingInsert<T> {
  doc: OptionalUnlessRequiredId<T>;
  resolve(): void;
  reject(error: unknown): void;
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
export class GroupInsert<T extends Document> {
  private waiting: WaitingInsert<T>[] = [];
  private writing = false;

  constructor(
    private readonly collection: () => Collection<T>,
    /** The connection's write gate (`writeGateOf`), looked up when a write is made. */
    private readonly gate?: () => WriteGate,
  ) {}

  insert(doc: OptionalUnlessRequiredId<T>): Promise<void> {
    const stored = new Promise<void>((resolve, reject) => this.waiting.push({ doc, resolve, reject }));
    if (!this.writing) void this.drain();
    return stored;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        // Taking the batch only once the gate lets this write through gathers everything queued meanwhile.
        if (this.gate) await this.gate().run(() => this.write(this.waiting.splice(0, MAX_BATCH)));
        else await this.write(this.waiting.splice(0, MAX_BATCH));
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(batch: WaitingInsert<T>[]): Promise<void> {
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
      const failures = entryErrorsOf(error);
      if (!failures) {
        for (const entry of batch) entry.reject(error);
        return;
      }
      const failed = new Map(failures.map((failure) => [failure.index, failure]));
      batch.forEach((entry, index) => {
        const failure = failed.get(index);
        if (!failure) entry.resolve();
        else entry.reject(new BatchEntryError(failure.errmsg ?? 'insert failed', failure.code));
      });
    }
  }
}
