import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveSecret } from './config.js';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      role: 'all',
      logLevel: 'info',
      publicUrl: 'http://localhost:3000',
    });
    expect(config.mongodbUri).toBeUndefined();
    expect(config.secret).toBeUndefined();
    expect(path.isAbsolute(config.dataDir)).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      MONGODB_URI: 'mongodb://db:27017/ordo',
      ORDO_DATA_DIR: '/var/lib/ordo',
      ORDO_ROLE: 'worker',
      ORDO_SECRET: 's'.repeat(32),
      ORDO_ADMIN_PASSWORD: 'long-enough',
      SMTP_URL: 'smtp://user:pass@mail:587',
      LOG_LEVEL: 'debug',
      ORDO_PUBLIC_URL: 'https://ordo.example.com/',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      mongodbUri: 'mongodb://db:27017/ordo',
      dataDir: '/var/lib/ordo',
      role: 'worker',
      secret: 's'.repeat(32),
      adminPassword: 'long-enough',
      smtpUrl: 'smtp://user:pass@mail:587',
      logLevel: 'debug',
      publicUrl: 'https://ordo.example.com',
    });
  });

  it('reads ORDO_TICKET_CATALOG, and leaves it to the store when unset or empty', () => {
    expect(loadConfig({ ORDO_TICKET_CATALOG: 'memory' }).ticketCatalog).toBe('memory');
    expect(loadConfig({ ORDO_TICKET_CATALOG: 'database' }).ticketCatalog).toBe('database');
    expect(loadConfig({}).ticketCatalog).toBeUndefined();
    expect(loadConfig({ ORDO_TICKET_CATALOG: '' }).ticketCatalog).toBeUndefined();
  });

  const invalid: [string, NodeJS.ProcessEnv, RegExp][] = [
    ['PORT', { PORT: 'eighty' }, /whole number/],
    ['PORT', { PORT: '70000' }, /1 to 65535/],
    ['ORDO_ROLE', { ORDO_ROLE: 'scheduler' }, /all, api, worker/],
    ['HOST', { HOST: 'bad host!' }, /host name/],
    ['MONGODB_URI', { MONGODB_URI: 'postgres://db/ordo' }, /mongodb:\/\//],
    ['ORDO_SECRET', { ORDO_SECRET: 'short' }, /at least 32/],
    ['ORDO_ADMIN_PASSWORD', { ORDO_ADMIN_PASSWORD: 'short' }, /at least 8/],
    ['SMTP_URL', { SMTP_URL: 'not a url' }, /not a URL/],
    ['SMTP_URL', { SMTP_URL: 'http://mail:587' }, /smtp:\/\//],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, /one of/],
    ['ORDO_PUBLIC_URL', { ORDO_PUBLIC_URL: 'ordo.example.com' }, /not a URL/],
    ['ORDO_TICKET_CATALOG', { ORDO_TICKET_CATALOG: 'redis' }, /"memory" or "database", not "redis"/],
    ['ORDO_TICKET_CATALOG', { ORDO_TICKET_CATALOG: 'Memory' }, /"memory" or "database"/],
    ['ORDO_TICKET_CATALOG', { ORDO_TICKET_CATALOG: ' database' }, /"memory" or "database"/],
  ];
  for (const [variable, env, explanation] of invalid) {
    it(`names ${variable} when ${JSON.stringify(Object.values(env)[0])} is refused`, () => {
      const error = configError(env);
      expect(error.variable).toBe(variable);
      expect(error.message.startsWith(`${variable}: `)).toBe(true);
      expect(error.message).toMatch(explanation);
    });
  }
});

describe('resolveSecret', () => {
  it('uses ORDO_SECRET when set', async () => {
    const config = loadConfig({ ORDO_SECRET: 'k'.repeat(40), ORDO_DATA_DIR: '/nonexistent' });
    expect(await resolveSecret(config)).toBe('k'.repeat(40));
  });

  it('generates a secret once, keeps it private in the data folder, and reuses it', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-config-test-'));
    try {
      const config = loadConfig({ ORDO_DATA_DIR: dataDir });
      const first = await resolveSecret(config);
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect(await resolveSecret(config)).toBe(first);
      expect((await readFile(path.join(dataDir, 'secret'), 'utf8')).trim()).toBe(first);
      expect((await stat(path.join(dataDir, 'secret'))).mode & 0o077).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
