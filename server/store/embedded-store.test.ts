import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFolderLockedError, startEmbeddedStore, type EmbeddedStore } from './embedded-store.js';
import { ensureFerretDbBinary, ferretDbBinaryPath } from './ferretdb-binary.js';
import { projectCacheDir } from './paths.js';

const messages: string[] = [];
const log = { info: (m: string) => messages.push(m), warn: (m: string) => messages.push(m) };

describe('embedded store', () => {
  let dataDir: string;
  let store: EmbeddedStore | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-store-test-'));
  });
  afterAll(async () => {
    await store?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reuses the built binary on a second start without building again', async () => {
    messages.length = 0;
    const binary = await ensureFerretDbBinary(projectCacheDir(), log);
    expect(binary).toBe(ferretDbBinaryPath(projectCacheDir()));
    expect(messages.filter((m) => m.includes('Building'))).toEqual([]);
  });

  it('starts on loopback, stores data in the data folder, and keeps it across a restart', async () => {
    store = await startEmbeddedStore({ dataDir, cacheDir: projectCacheDir(), log });
    expect(store.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    const client = await MongoClient.connect(`${store.uri}persist`);
    await client.db().collection('notes').insertOne({ text: '你好' });
    await client.close();
    await store.stop();

    store = await startEmbeddedStore({ dataDir, cacheDir: projectCacheDir(), log });
    const again = await MongoClient.connect(`${store.uri}persist`);
    const found = await again.db().collection('notes').findOne({});
    await again.close();
    expect(found?.text).toBe('你好');
  });

  it('refuses a second start on the same data folder with a clear message', async () => {
    const second = startEmbeddedStore({ dataDir, cacheDir: projectCacheDir(), log });
    await expect(second).rejects.toBeInstanceOf(DataFolderLockedError);
    await expect(second).rejects.toThrow(/in use by another Ordo process.*ORDO_DATA_DIR/s);
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    await store?.stop();
    store = undefined;
    // A pid far above the kernel's default pid_max stands for a process that died without cleaning up.
    await writeFile(path.join(dataDir, 'ferretdb.lock'), JSON.stringify({ ownerPid: 4_194_999 }));
    store = await startEmbeddedStore({ dataDir, cacheDir: projectCacheDir(), log });
    const lock = JSON.parse(await readFile(path.join(dataDir, 'ferretdb.lock'), 'utf8')) as {
      ownerPid: number;
    };
    expect(lock.ownerPid).toBe(process.pid);
  });
});
