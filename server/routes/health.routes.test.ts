import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmbeddedStore } from '../store/embedded-store.js';
import { projectCacheDir } from '../store/paths.js';
import { buildTestApp, call, waitFor } from '../../test/support/server-app.js';

describe('GET /health', () => {
  it('answers 200 with db ok while the database answers', async () => {
    const app = await buildTestApp('health_routes');
    try {
      const { status, body } = await call(app, { method: 'GET', url: '/health' });
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'ok', db: 'ok', details: { role: 'api' } });
    } finally {
      await app.close();
    }
  });

  it('answers 503 once the database has stopped', async () => {
    // A store of this test's own, so stopping it does not disturb the other test files.
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-health-store-'));
    const store = await startEmbeddedStore({
      dataDir,
      cacheDir: projectCacheDir(),
      log: { info: () => {}, warn: () => {} },
    });
    const app = await buildTestApp('health_down', { mongodbUri: `${store.uri}health_down` });
    try {
      expect((await call(app, { method: 'GET', url: '/health' })).status).toBe(200);
      await store.stop();
      const down = await waitFor(
        async () => {
          const answer = await call(app, { method: 'GET', url: '/health' });
          return answer.status === 503 ? answer : undefined;
        },
        { timeoutMs: 20_000, what: '/health to answer 503' },
      );
      expect(down.body).toMatchObject({ status: 'unavailable', db: 'down' });
      expect(down.response.headers['content-type']).toContain('application/json');
    } finally {
      await app.close();
      await store.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
