import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../lib/sequence.js';
import { writeGateOf } from '../lib/write-gate.js';

/**
 * What the reconciler needs to know across processes, kept in the database so that any worker finds it:
 *
 * - **Repair marks** (`ticket_repairs`, one per ticket): set when a ticket's projection or a commit's effects failed
 *   in any process, cleared by the worker that finished it. A pass with no marks reads no tickets.
 * - **Process registrations** (`ticket_writers`, one per process that commits): written when the process starts and
 *   every WRITER_BEAT_MS, removed when it stops cleanly. A registration whose beats stopped is a process that died —
 *   perhaps between a commit and its projection or effects, leaving no mark: the reconciler passes over the commits
 *   made around its last beat, once, and removes the registration.
 * - **Run claims** (`job_runs`): a pass of a recurring job (the timer sweep, the reconcile pass) is run by the worker
 *   whose insert of the pass's `_id` (job and time slot) succeeds — one owner per pass even where the scheduler's
 *   lock is not atomic (FerretDB). Claims older than a day are removed now and then.
 *
 * Every write goes through the process's write gate; each is one insert, update or delete by `_id`.
 */
export const REPAIRS_COLLECTION = 'ticket_repairs';
export const WRITERS_COLLECTION = 'ticket_writers';
export const RUNS_COLLECTION = 'job_runs';

/** How often a process that commits tells it is alive. */
export const WRITER_BEAT_MS = 15_000;
/** A registration this much older than its last beat belongs to a process that died. */
export const WRITER_DEAD_MS = 4 * WRITER_BEAT_MS;
/** How long before its last beat a dead process's unfinished commits may have been made (a slow request). */
const WRITER_WINDOW_BEFORE_MS = 2 * 60_000;

interface RepairDoc {
  _id: string;
  markedAt: Date;
}

interface WriterDoc {
  _id: string;
  host: string;
  pid: number;
  role: string;
  startedAt: Date;
  beatAt: Date;
}

interface RunDoc {
  _id: string;
  at: Date;
  by: string;
}

/** This process, as named in registrations and run claims. */
export const PROCESS_ID = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/** Record that `ticketId` needs the reconciler (its projection or an effect failed). */
export async function markRepair(db: Connection, ticketId: string, at = new Date()): Promise<void> {
  const repairs = db.collection<RepairDoc>(REPAIRS_COLLECTION);
  await writeGateOf(db).run(async () => {
    try {
      await repairs.updateOne({ _id: ticketId }, { $set: { markedAt: at } }, { upsert: true });
    } catch (error) {
      // Upserts are not atomic on FerretDB: another process inserted the mark first.
      if (!isDuplicateKey(error)) throw error;
      await repairs.updateOne({ _id: ticketId }, { $set: { markedAt: at } });
    }
  });
}

/** The marked tickets, oldest mark first (the collection holds only what failed: small). */
export async function listRepairs(db: Connection, limit = 500): Promise<RepairDoc[]> {
  const marks = await db.collection<RepairDoc>(REPAIRS_COLLECTION).find({}).limit(limit).toArray();
  return marks.sort((a, b) => a.markedAt.getTime() - b.markedAt.getTime());
}

/** Clear a mark once its ticket is finished — unless it was marked again meanwhile (then it stays for the next pass). */
export async function clearRepair(db: Connection, mark: RepairDoc): Promise<void> {
  await writeGateOf(db).run(() =>
    db.collection<RepairDoc>(REPAIRS_COLLECTION).deleteOne({ _id: mark._id, markedAt: mark.markedAt }),
  );
}

/** Claim the run of `job` in time slot `slot` for this process; false when another process has it. */
export async function claimRun(db: Connection, job: string, slot: number, at: Date): Promise<boolean> {
  try {
    await writeGateOf(db).run(() =>
      db.collection<RunDoc>(RUNS_COLLECTION).insertOne({ _id: `${job}:${slot}`, at, by: PROCESS_ID }),
    );
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** Remove run claims older than a day. */
export async function forgetOldRuns(db: Connection, now: Date): Promise<void> {
  await writeGateOf(db).run(() =>
    db.collection<RunDoc>(RUNS_COLLECTION).deleteMany({ at: { $lt: new Date(now.getTime() - 86_400_000) } }),
  );
}

/** Register this process as one that commits, or tell it is still alive. */
export async function beatWriter(db: Connection, role: string, startedAt: Date, at: Date): Promise<void> {
  const writers = db.collection<WriterDoc>(WRITERS_COLLECTION);
  const doc = { host: os.hostname(), pid: process.pid, role, startedAt, beatAt: at };
  await writeGateOf(db).run(async () => {
    try {
      await writers.updateOne({ _id: PROCESS_ID }, { $set: doc }, { upsert: true });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await writers.updateOne({ _id: PROCESS_ID }, { $set: doc });
    }
  });
}

/** Remove this process's registration (it stops cleanly: nothing left unfinished). */
export async function leaveWriters(db: Connection): Promise<void> {
  await writeGateOf(db).run(() =>
    db.collection<WriterDoc>(WRITERS_COLLECTION).deleteOne({ _id: PROCESS_ID }),
  );
}

/**
 * Registrations of processes that died (no beat for WRITER_DEAD_MS), each with the window in which it may have left
 * a commit unfinished. Never this process.
 */
export async function deadWriters(
  db: Connection,
  now: Date,
): Promise<{ id: string; from: Date; to: Date; beatAt: Date }[]> {
  const writers = await db.collection<WriterDoc>(WRITERS_COLLECTION).find({}).toArray();
  return writers
    .filter((writer) => writer._id !== PROCESS_ID && now.getTime() - writer.beatAt.getTime() > WRITER_DEAD_MS)
    .map((writer) => ({
      id: writer._id,
      beatAt: writer.beatAt,
      from: new Date(
        Math.max(writer.startedAt.getTime(), writer.beatAt.getTime() - WRITER_WINDOW_BEFORE_MS) -
          WRITER_BEAT_MS,
      ),
      to: new Date(writer.beatAt.getTime() + WRITER_DEAD_MS),
    }));
}

/** Remove a dead process's registration once its window is reconciled (unless it beat again meanwhile). */
export async function forgetWriter(db: Connection, id: string, beatAt: Date): Promise<void> {
  await writeGateOf(db).run(() =>
    db.collection<WriterDoc>(WRITERS_COLLECTION).deleteOne({ _id: id, beatAt }),
  );
}
