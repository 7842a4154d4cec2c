import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// Two projects: the pure runtime needs no database; server and cross-package tests share one embedded store
// started once per run by test/global-setup.ts, and each test file picks its own database name.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        // Vue single-file components for the studio's component tests (happy-dom).
        plugins: [vue()],
        test: {
          name: 'runtime',
          include: ['runtime/**/*.test.ts', 'templates/**/*.test.ts', 'studio/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'server',
          include: ['server/**/*.test.ts', 'test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 600_000,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['runtime/**/*.ts', 'server/**/*.ts'],
      exclude: ['**/*.test.ts', '**/*.fixture.ts', '**/*.bench.ts', '**/test-support/**'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: {
        'runtime/**/*.ts': { lines: 90 },
      },
    },
  },
});
