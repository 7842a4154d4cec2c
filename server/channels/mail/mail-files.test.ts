import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleTemporaries, writeWhole } from './mail-intake.js';

let folder: string | undefined;
afterEach(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('mail files', () => {
  it('writes a file whole under its name and keeps an existing one', async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'ordo-mail-files-'));
    const file = path.join(folder, 'm1.eml');
    await writeWhole(file, Buffer.from('first'));
    await writeWhole(file, Buffer.from('second'));
    expect(await readdir(folder)).toEqual(['m1.eml']);
  });

  it('removes only the half-written copies older than the limit', async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'ordo-mail-files-'));
    const now = Date.now();
    await writeFile(path.join(folder, '.tmp-m1.eml-aaaa'), 'half');
    await utimes(path.join(folder, '.tmp-m1.eml-aaaa'), new Date(now - 3_600_000), new Date(now - 3_600_000));
    await writeFile(path.join(folder, '.tmp-m2.eml-bbbb'), 'being written');
    await writeFile(path.join(folder, 'm3.eml'), 'whole');
    await utimes(path.join(folder, 'm3.eml'), new Date(now - 3_600_000), new Date(now - 3_600_000));
    expect(await removeStaleTemporaries(folder, 600_000, now)).toBe(1);
    expect((await readdir(folder)).sort()).toEqual(['.tmp-m2.eml-bbbb', 'm3.eml']);
    expect(await removeStaleTemporaries(path.join(folder, 'missing'), 600_000, now)).toBe(0);
  });
});
