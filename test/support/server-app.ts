import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppOptions } from '../../server/app.js';
import { testDatabaseUri } from './database.js';

export const TEST_SECRET = 'x'.repeat(40);
export const ADMIN_PASSWORD = 'admin-pass-123';
/** Real scrypt at a cost that keeps a sign-in in milliseconds; production parameters have a test of their own. */
export const TEST_PASSWORD_PARAMETERS = { N: 2 ** 10, r: 8, p: 1, keyLength: 64 };

/**
 * The app on this test file's own database, as tests build it: no listener, no jobs, silent, no studio, and a
 * login rate limit high enough that only the rate-limit test meets it.
 */
export async function buildTestApp(
  name: string,
  overrides: Partial<AppOptions> = {},
): Promise<FastifyInstance> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-app-test-'));
  const app = await buildApp({
    mongodbUri: testDatabaseUri(name),
    secret: TEST_SECRET,
    role: 'api',
    runJobs: false,
    dataDir,
    publicUrl: 'http://localhost',
    logger: false,
    adminPassword: ADMIN_PASSWORD,
    loginRateLimit: 1000,
    passwordParameters: TEST_PASSWORD_PARAMETERS,
    studioDir: false,
    ...overrides,
  });
  app.addHook('onClose', async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
  return app;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Sign in and return the bearer token; fails the test with the answer when sign-in fails. */
export async function login(app: FastifyInstance, username: string, password: string): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password },
  });
  if (response.statusCode !== 200) {
    throw new Error(`login as ${username} failed: ${response.statusCode} ${response.body}`);
  }
  return response.json<{ token: string }>().token;
}

export interface CreatedUser {
  id: string;
  username: string;
  password: string;
  token: string;
}

/** Create a person through the API as the admin and sign them in. */
export async function createUser(
  app: FastifyInstance,
  adminToken: string,
  fields: { username: string; roles: string[]; password?: string } & Record<string, unknown>,
): Promise<CreatedUser> {
  const password = fields.password ?? `${fields.username}-password`;
  const response = await app.inject({
    method: 'POST',
    url: '/api/users',
    headers: bearer(adminToken),
    payload: { displayName: fields.username, email: `${fields.username}@example.com`, ...fields, password },
  });
  if (response.statusCode !== 201) throw new Error(`creating ${fields.username}: ${response.body}`);
  const { id, username } = response.json<{ id: string; username: string }>();
  return { id, username, password, token: await login(app, username, password) };
}

/** Call and return status plus parsed body, to keep assertions short. */
export async function call(
  app: FastifyInstance,
  options: InjectOptions,
): Promise<{ status: number; body: Record<string, unknown>; response: LightMyRequestResponse }> {
  const response = await app.inject(options);
  const body = response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {};
  return { status: response.statusCode, body, response };
}

/** Wait until `check` returns a value (not undefined/false), polling, or fail after the deadline. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 15_000, intervalMs = 100, what = 'the condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
