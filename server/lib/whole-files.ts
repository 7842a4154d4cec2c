import { randomBytes } from 'node:crypto';
import { access, open, opendir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Files written whole or not at all: the bytes go to a temporary name beside the final one (`.tmp-…`), then are
 * renamed over it (raw mail and its attachments, uploads). A process killed mid-write leaves only the temporary,
 * which the folder's owner finds again at start-up and removes once it is older than any write still under way.
 */
export const TEMPORARY_PREFIX = '.tmp-';

/** A temporary name beside `file`, unique to this write. */
export function temporaryPath(file: string): string {
  return path.join(
    path.dirname(file),
    `${TEMPORARY_PREFIX}${path.basename(file)}-${randomBytes(6).toString('hex')}`,
  );
}

/**
 * Write a file whose name is fixed by its content or by what it comes from (a retry writes the same name again),
 * so that it is either whole or absent: the bytes go to a temporary name beside it, are fsync'd, then renamed over
 * it. A process killed mid-write leaves only a temporary, never a short file under the final name that the retry
 * would take for done. An existing final file is whole and is kept.
 */
export async function writeWhole(file: string, content: Buffer): Promise<void> {
  try {
    await access(file);
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
  const temporary = temporaryPath(file);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, file);
}

/** Remove `file` when it is a temporary not touched for `olderThanMs`; whether it was removed. */
async function removeIfStale(file: string, olderThanMs: number, now: number): Promise<boolean> {
  if (!path.basename(file).startsWith(TEMPORARY_PREFIX)) return false;
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile() || now - info.mtimeMs < olderThanMs) return false;
  await rm(file, { force: true });
  return true;
}

/**
 * Remove the temporaries in `folder` not touched for `olderThanMs` (a write under way in another process is
 * younger). Answers how many were removed; a missing folder has none.
 */
export async function removeStaleTemporaries(
  folder: string,
  olderThanMs: number,
  now = Date.now(),
): Promise<number> {
  let removed = 0;
  for (const name of await readdir(folder).catch(() => [] as string[]))
    if (await removeIfStale(path.join(folder, name), olderThanMs, now)) removed += 1;
  return removed;
}

export interface TemporarySweep {
  /** Temporaries not touched for this long are removed. */
  olderThanMs: number;
  now?: number;
  /** Asked before each folder: true ends the walk there (the process is closing). */
  stopped?: () => boolean;
}

/**
 * Remove the stale temporaries of `root` and of each folder directly in it (files kept per record, as
 * attachments are per ticket), one folder at a time, reading the root as it goes rather than listing it first:
 * meant to run in the background, its cost grows with the folders and never holds anything up. Answers the
 * removed files, relative to `root`.
 */
export async function sweepStaleTemporaries(root: string, sweep: TemporarySweep): Promise<string[]> {
  const now = sweep.now ?? Date.now();
  const removed: string[] = [];
  const folder = await opendir(root).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  });
  if (!folder) return removed;
  for await (const entry of folder) {
    if (sweep.stopped?.()) break;
    const at = path.join(root, entry.name);
    if (entry.isFile()) {
      if (await removeIfStale(at, sweep.olderThanMs, now)) removed.push(entry.name);
      continue;
    }
    if (!entry.isDirectory()) continue;
    for (const name of await readdir(at).catch(() => [] as string[]))
      if (await removeIfStale(path.join(at, name), sweep.olderThanMs, now))
        removed.push(path.join(entry.name, name));
  }
  return removed;
}
