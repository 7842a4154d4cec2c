/**
 * Hostile inputs for every operation of `/docs/json`, generated from the document itself (a new route is covered
 * without an edit here): for each operation and each caller (admin, agent, requester, none), a set of malformed
 * bodies and queries built from the operation's own schema — each property given a value of the wrong type, a
 * non-finite number, a prototype key, a deep nesting, an empty body. Expected of every answer: below 500, nothing
 * stored by a refused request, and `Object.prototype` untouched.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, bearer, buildTestApp, createUser, login } from '../support/server-app.js';

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; $ref?: string };
type Operation = {
  parameters?: { in: string; name: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
};

let app: FastifyInstance;
let callers: Record<string, Record<string, string>>;
let operations: { method: string; path: string; operation: Operation }[];

/** Methods that change things, and paths that would end the caller's own session or the test's admin. */
const SKIP = [/^POST \/api\/auth\/logout/];

beforeAll(async () => {
  app = await buildTestApp('hardening_fuzz');
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  const agent = await createUser(app, admin, { username: 'fuzz.agent', roles: ['agent'] });
  const requester = await createUser(app, admin, { username: 'fuzz.requester', roles: ['requester'] });
  callers = {
    admin: bearer(admin),
    agent: bearer(agent.token),
    requester: bearer(requester.token),
    none: {},
  };
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{
    paths: Record<string, Record<string, Operation>>;
  }>();
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
});
afterAll(async () => {
  await app.close();
});

/** A value of another JSON type than the schema asks for. */
function wrongType(schema: Schema | undefined): unknown {
  const type = Array.isArray(schema?.type) ? schema.type[0] : schema?.type;
  switch (type) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return 'not-a-number';
    case 'boolean':
      return 'yes';
    case 'array':
      return { not: 'an array' };
    case 'object':
      return ['not', 'an', 'object'];
    default:
      return { $where: 'sleep(1000)' };
  }
}

function bodies(schema: Schema | undefined): string[] {
  const variants: unknown[] = [
    [],
    'text',
    { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: {} } } } } } } } } } },
  ];
  const properties = schema?.properties ?? {};
  for (const [key, property] of Object.entries(properties)) variants.push({ [key]: wrongType(property) });
  if (Object.keys(properties).length > 0) {
    variants.push(Object.fromEntries(Object.entries(properties).map(([key, p]) => [key, wrongType(p)])));
  }
  const texts = variants.map((variant) => JSON.stringify(variant));
  texts.push(
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"n":1e309}',
  );
  texts.push('', '{', 'null');
  return texts;
}

function queries(operation: Operation): string[] {
  const names = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  const list = ['?__proto__[polluted]=1', '?a[$gt]=1'];
  for (const name of names)
    list.push(`?${name}=1e309`, `?${name}=-1e309`, `?${name}=%00`, `?${name}[]=x&${name}[]=y`);
  return list;
}

const fill = (path: string) => path.replace(/\{[^}]+\}/g, 'aaaaaaaaaaaaaaaaaaaaaaaa');

async function storedCounts(): Promise<Record<string, number>> {
  const collections = await app.db.db!.listCollections({}, { nameOnly: true }).toArray();
  // Jobs, sessions and heartbeats change by themselves.
  const names = collections
    .map(({ name }) => name)
    .filter((name) => !/jobs|sessions|heartbeat|writers/i.test(name));
  const counts = await Promise.all(names.map((name) => app.db.collection(name).countDocuments()));
  return Object.fromEntries(names.map((name, index) => [name, counts[index]!]));
}

describe('schema-driven fuzzing of /docs/json', () => {
  it('no answer is a server error, a refused request stores nothing, Object.prototype stays clean', async () => {
    expect(operations.length).toBeGreaterThan(50);
    const failures: string[] = [];
    for (const { method, path, operation } of operations) {
      if (SKIP.some((pattern) => pattern.test(`${method} ${path}`))) continue;
      const url = fill(path);
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      for (const [role, headers] of Object.entries(callers)) {
        const attempts: { url: string; payload?: string }[] = queries(operation).map((query) => ({
          url: `${url}${query}`,
        }));
        if (method !== 'GET' && method !== 'DELETE')
          for (const payload of bodies(schema)) attempts.push({ url, payload });
        for (const attempt of attempts) {
          // What a refused write left behind is counted for the admin, who gets past access to validation.
          const counting = role === 'admin' && method !== 'GET';
          const before = counting ? await storedCounts() : {};
          const response = await app.inject({
            method: method as 'GET',
            url: attempt.url,
            headers: {
              ...headers,
              ...(attempt.payload !== undefined ? { 'content-type': 'application/json' } : {}),
            },
            ...(attempt.payload !== undefined ? { payload: attempt.payload } : {}),
          });
          const what = `${role} ${method} ${attempt.url} ${attempt.payload ?? ''} → ${response.statusCode}`;
          if (response.statusCode >= 500) failures.push(`${what} ${response.body.slice(0, 200)}`);
          if (counting && response.statusCode >= 400) {
            const after = await storedCounts();
            for (const [name, count] of Object.entries(after))
              if (count !== (before[name] ?? 0))
                failures.push(`${what}: ${name} ${before[name] ?? 0} → ${count}`);
          }
          if ('polluted' in Object.prototype) failures.push(`${what}: Object.prototype polluted`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 1_200_000);
});
