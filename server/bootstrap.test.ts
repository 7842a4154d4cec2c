import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordHasher } from './access/password.js';
import { bootstrapAdmin } from './bootstrap.js';
import { createIndexes, peopleModels, type PeopleModels } from './models/index.js';
import { testDatabaseUri } from '../test/support/database.js';
import { buildTestApp, call, TEST_PASSWORD_PARAMETERS } from '../test/support/server-app.js';

const passwords = new PasswordHasher(TEST_PASSWORD_PARAMETERS);
const connections: Connection[] = [];

async function connect(name: string): Promise<PeopleModels> {
  const db = mongoose.createConnection(testDatabaseUri(name), { autoIndex: false, retryWrites: false });
  await db.asPromise();
  connections.push(db);
  const models = peopleModels(db);
  await createIndexes({ ...models });
  return models;
}

afterAll(async () => {
  for (const db of connections) await db.close();
});

describe('bootstrapAdmin', () => {
  let models: PeopleModels;
  beforeAll(async () => {
    models = await connect('bootstrap_generated');
  });

  it('creates admin with a generated password on an empty database and prints it once', async () => {
    const printed: string[] = [];
    const first = await bootstrapAdmin({
      models,
      passwords,
      now: Date.now(),
      print: (text) => printed.push(text),
    });
    expect(first.created).toBe(true);
    const generated = first.created ? first.generatedPassword : undefined;
    expect(generated).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(`password: ${generated}`);
    expect(printed[0]).toContain('ORDO_ADMIN_PASSWORD');

    const admin = await models.User.findOne({ username: 'admin' }).lean();
    expect(admin?.roles).toEqual(['admin']);
    expect(await passwords.verify(generated!, admin?.password)).toBe(true);

    const again = await bootstrapAdmin({
      models,
      passwords,
      now: Date.now(),
      print: (text) => printed.push(text),
    });
    expect(again).toEqual({ created: false });
    expect(printed).toHaveLength(1);
    expect(await models.User.countDocuments({})).toBe(1);
  });

  it('creates exactly one admin when two processes bootstrap the same empty database at once', async () => {
    const [one, two] = [await connect('bootstrap_race'), await connect('bootstrap_race')];
    const printed: string[] = [];
    const results = await Promise.all(
      [one, two].map((side) =>
        bootstrapAdmin({ models: side, passwords, now: Date.now(), print: (text) => printed.push(text) }),
      ),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await one.User.countDocuments({ username: 'admin' })).toBe(1);
    expect(printed.length).toBeLessThanOrEqual(1);
  });
});

describe('first start of the app', () => {
  it('creates admin with ORDO_ADMIN_PASSWORD, who can sign in', async () => {
    const app = await buildTestApp('bootstrap_app', { adminPassword: 'configured-pass-1' });
    try {
      const { status, body } = await call(app, {
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'admin', password: 'configured-pass-1' },
      });
      expect(status).toBe(200);
      expect(body.user).toMatchObject({ username: 'admin', roles: ['admin'] });
    } finally {
      await app.close();
    }
  });
});
