import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleTemporaries, sweepStaleTemporaries, temporaryPath, writeWhole } from './whole-files.js';

let folder: string | undefined;
afterEach(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

const HOUR_AGO = () => new Date(Date.now() - 3_600_000);
/** A file with the given content, last written an hour ago when `old`. */
async function file(at: string, old: boolean): Promise<void> {
  await mkdir(path.dirname(at), { recursive: true });
  await writeFile(at, 'bytes');
  if (old) await utimes(at, HOUR_AGO(), HOUR_AGO());
}

describe('whole files', () => {
  it('writes a file whole under its name and keeps an existing one', async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'ordo-whole-files-'));
    const at = path.join(folder, 'm1.eml');
    await writeWhole(at, Buffer.from('first'));
    await writeWhole(at, Buffer.from('second'));
    expect(await readdir(folder)).toEqual(['m1.eml']);
    expect(path.basename(temporaryPath(at))).toMatch(/^\.tmp-m1\.eml-[0-9a-f]{12}$/);
  });

  it('removes only the temporaries older than the limit', async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'ordo-whole-files-'));
    const now = Date.now();
    await file(path.join(folder, '.tmp-m1.eml-aaaa'), true);
    await file(path.join(folder, '.tmp-m2.eml-bbbb'), false);
    await file(path.join(folder, 'm3.eml'), true);
    expect(await removeStaleTemporaries(folder, 600_000, now)).toBe(1);
    expect((await readdir(folder)).sort()).toEqual(['.tmp-m2.eml-bbbb', 'm3.eml']);
    expect(await removeStaleTemporaries(path.join(folder, 'missing'), 600_000, now)).toBe(0);
  });

  it('sweeps a folder and the folders in it, answering what it removed, and stops when asked', async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'ordo-whole-files-'));
    await file(path.join(folder, 't1', '.tmp-a1-0001'), true);
    await file(path.join(folder, 't1', '.tmp-a2-0002'), false);
    await file(path.join(folder, 't1', 'a3'), true);
    await file(path.join(folder, 't2', '.tmp-a4-0004'), true);
    await file(path.join(folder, '.tmp-top-0005'), true);
    // Two levels down is not a folder of records: left alone.
    await file(path.join(folder, 't2', 'deeper', '.tmp-a5-0006'), true);
    const removed = await sweepStaleTemporaries(folder, { olderThanMs: 600_000 });
    expect(removed.sort()).toEqual([
      '.tmp-top-0005',
      path.join('t1', '.tmp-a1-0001'),
      path.join('t2', '.tmp-a4-0004'),
    ]);
    expect((await readdir(path.join(folder, 't1'))).sort()).toEqual(['.tmp-a2-0002', 'a3']);
    expect((await readdir(path.join(folder, 't2'))).sort()).toEqual(['deeper']);
    expect(await sweepStaleTemporaries(path.join(folder, 'missing'), { olderThanMs: 600_000 })).toEqual([]);

    await file(path.join(folder, 't3', '.tmp-a6-0007'), true);
    expect(await sweepStaleTemporaries(folder, { olderThanMs: 600_000, stopped: () => true })).toEqual([]);
    expect(await readdir(path.join(folder, 't3'))).toEqual(['.tmp-a6-0007']);
  });
});
