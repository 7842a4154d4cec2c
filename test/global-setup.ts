import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedStore } from '../server/store/embedded-store.js';
import { projectCacheDir } from '../server/store/paths.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URI of the store every server test file uses, each with a database name of its own. */
    storeUri: string;
  }
}

/** One store for the whole run: MONGODB_URI when set, else the embedded FerretDB in a temporary folder. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.MONGODB_URI;
  if (external) {
    project.provide('storeUri', external);
    return async () => {};
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-test-store-'));
  const store = await startEmbeddedStore({
    dataDir,
    cacheDir: projectCacheDir(),
    log: { info: (m) => console.log(`[store] ${m}`), warn: (m) => console.warn(`[store] ${m}`) },
  });
  project.provide('storeUri', store.uri);
  return async () => {
    await store.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
