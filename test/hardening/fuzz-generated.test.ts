/**
 * Property-based fuzzing from the contract itself: for every operation of `/docs/json`, fast-check generates bodies,
 * query strings and path ids from the operation's own schemas (`$ref`s resolved against the document), half of
 * them valid-looking and half mutated (a required field dropped, a value of the wrong type, an unknown or prototype
 * key, a non-finite or huge number, a long or control-character string), sent as a random caller. Expected:
 *
 * - no answer is 500 or above;
 * - a refused write (an answer ≥ 400 to anything but GET) writes nothing: the driver's command monitor sees no
 *   insert, update, delete or findAndModify from the moment the request arrives to its answer (bookkeeping the
 *   server keeps of every request — sessions, sign-in attempts — excepted, see WRITES_ANY_REQUEST);
 * - `Object.prototype` stays clean.
 *
 * Bounded in `npm test` (a few runs per operation, seconds); `ORDO_FUZZ_RUNS=200` for a long run, and
 * `ORDO_FUZZ_SEED` to replay one (the seed of a failure is printed).
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUri } from '../support/database.js';
import { ADMIN_PASSWORD, bearer, buildTestApp, createUser, login } from '../support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../support/tickets.js';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  $ref?: string;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
  pattern?: string;
};
type Parameter = { in: string; name: string; required?: boolean; schema?: Schema };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
};
type Doc = { paths: Record<string, Record<string, Operation>> } & Record<string, unknown>;

const RUNS = Number(process.env.ORDO_FUZZ_RUNS ?? 3);
const SEED = process.env.ORDO_FUZZ_SEED ? Number(process.env.ORDO_FUZZ_SEED) : undefined;

/** Operations that would end the test's own sessions (covered by the access matrix instead). */
const SKIP = [
  /^POST \/api\/auth\/logout$/,
  /^(POST|PUT|PATCH) \/api\/(me|auth)\/password/,
  // An event stream stays open by design (its refusals are in the access matrix).
  /^GET \/api\/live$/,
];
/** An answer slower than this is a hang. */
const HANG_MS = 10_000;
/** Collections the server writes for any request, refused or not (who is signed in, sign-in attempts, jobs). */
const WRITES_ANY_REQUEST = /sessions|login|rate|jobs|job_runs|heartbeat|writers|api_keys/i;
const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify']);

let app: FastifyInstance;
let doc: Doc;
let callers: Record<string, Record<string, string>>;
let ticketId: string;
/** Writes the driver was asked for while a request was under way. */
let writes: string[] = [];
let recording = false;

beforeAll(async () => {
  // The command monitor is an option of the connection string, so the app's own connection reports its writes.
  app = await buildTestApp('hardening_fuzz_generated', {
    mongodbUri: `${testDatabaseUri('hardening_fuzz_generated')}?monitorCommands=true`,
  });
  // A write counts when it changed something: a delete or update that matched nothing stored nothing.
  const asked = new Map<number, string>();
  const client = app.db.getClient();
  client.on('commandStarted', (event) => {
    if (!recording || !WRITE_COMMANDS.has(event.commandName)) return;
    const collection = String(event.command[event.commandName]);
    if (!WRITES_ANY_REQUEST.test(collection))
      asked.set(event.requestId, `${event.commandName} ${collection}`);
  });
  client.on('commandSucceeded', (event) => {
    const what = asked.get(event.requestId);
    if (!what) return;
    asked.delete(event.requestId);
    const reply = event.reply as { n?: number; nModified?: number; upserted?: unknown[]; value?: unknown };
    const changed =
      event.commandName === 'findAndModify'
        ? reply.value !== null && reply.value !== undefined
        : event.commandName === 'update'
          ? (reply.nModified ?? 0) > 0 || (reply.upserted?.length ?? 0) > 0
          : (reply.n ?? 0) > 0;
    if (changed) writes.push(what);
  });
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  const agent = await createUser(app, admin, { username: 'fc.agent', roles: ['agent'] });
  const requester = await createUser(app, admin, { username: 'fc.requester', roles: ['requester'] });
  const designer = await createUser(app, admin, { username: 'fc.designer', roles: ['designer'] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id, skills: { server: 3 } }] });
  await publishType(app, designer.token, itIncidentDefinition());
  const opened = await app.inject({
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: {
      type: 'it.incident',
      data: { title: '模糊测试', service: 'email', impact: 'person', urgency: 'low', description: 'x' },
    },
  });
  ticketId = opened.json<{ id: string }>().id;
  callers = {
    admin: bearer(admin),
    agent: bearer(agent.token),
    requester: bearer(requester.token),
    designer: bearer(designer.token),
    none: {},
  };
  doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json<Doc>();
});
afterAll(async () => {
  await app?.close();
});

/** The schema a `$ref` points at (a JSON pointer into the document). */
function resolve(schema: Schema | undefined, seen = 0): Schema | undefined {
  if (!schema?.$ref || seen > 10) return schema;
  const pointer = schema.$ref.replace(/^#\//, '').split('/').map(decodeURIComponent);
  let target: unknown = doc;
  for (const part of pointer) target = (target as Record<string, unknown> | undefined)?.[part];
  return resolve(target as Schema | undefined, seen + 1);
}

const anyJson = fc.jsonValue({ maxDepth: 2 });

/** Values that satisfy `schema` as far as a generator can tell (formats and patterns loosely). */
function valid(input: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(input);
  if (!schema || depth > 6) return anyJson;
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices?.length) return fc.oneof(...choices.map((choice) => valid(choice, depth + 1)));
  if (schema.allOf?.length) {
    const merged: Schema = {};
    for (const part of schema.allOf.map((p) => resolve(p) ?? {})) {
      Object.assign(merged, part, {
        properties: { ...merged.properties, ...part.properties },
        required: [...(merged.required ?? []), ...(part.required ?? [])],
      });
    }
    delete merged.allOf;
    return valid(merged, depth + 1);
  }
  const type = Array.isArray(schema.type)
    ? schema.type[0]
    : (schema.type ?? (schema.properties ? 'object' : undefined));
  switch (type) {
    case 'string':
      if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.format === 'date')
        return fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'uri') return fc.webUrl();
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 24, 64) });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valid(schema.items, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 5),
      });
    case 'object': {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, property] of Object.entries(properties)) model[key] = valid(property, depth + 1);
      return fc.record(model, { requiredKeys: [...required].filter((key) => key in properties) });
    }
    default:
      return anyJson;
  }
}

/** Hostile values of every kind, including those JSON cannot say directly (sent as raw text below). */
const hostile = fc.constantFrom<unknown>(
  12345,
  -1,
  0,
  'x'.repeat(70_000),
  '\u0000\u202e<script>',
  '',
  true,
  null,
  [],
  {},
  { $gt: '' },
  { $where: 'sleep(1000)' },
  ['a', { b: 1 }],
  '../../etc/passwd',
  '9'.repeat(400),
  -0.5,
  2 ** 53 + 1,
);

/** A raw JSON text: a valid value, then possibly mutated in one place. */
function bodyText(schema: Schema | undefined): fc.Arbitrary<string> {
  const value = valid(schema);
  const mutate = fc.tuple(
    value,
    hostile,
    fc.nat(),
    fc.constantFrom('drop', 'retype', 'extra', 'proto', 'inf', 'raw'),
  );
  return fc.oneof(
    value.map((v) => JSON.stringify(v) ?? 'null'),
    mutate.map(([v, bad, index, how]) => {
      const object =
        v && typeof v === 'object' && !Array.isArray(v) ? { ...(v as Record<string, unknown>) } : {};
      const keys = Object.keys(object);
      const key = keys.length ? keys[index % keys.length]! : 'field';
      switch (how) {
        case 'drop':
          delete object[key];
          return JSON.stringify(object);
        case 'retype':
          object[key] = bad;
          return JSON.stringify(object);
        case 'extra':
          object[`unknown${index % 7}`] = bad;
          return JSON.stringify(object);
        case 'proto':
          return JSON.stringify(object).replace(/^\{/, '{"__proto__":{"polluted":true},');
        case 'inf':
          return JSON.stringify({ ...object, [key]: 0 }).replace(`"${key}":0`, `"${key}":1e999`);
        default:
          return ['', '{', 'null', '[]', '"text"', '{"a":'][index % 6]!;
      }
    }),
  );
}

/** A query string from the operation's query parameters: valid values, or hostile spellings. */
function queryText(parameters: Parameter[]): fc.Arbitrary<string> {
  const query = parameters.filter((p) => p.in === 'query');
  if (query.length === 0) return fc.constant('');
  const one = (p: Parameter) =>
    fc
      .oneof(
        valid(p.schema).map((v) =>
          typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v as number),
        ),
        fc.constantFrom('1e309', '-1e309', 'Infinity', 'NaN', '-1', '%00', 'a[$gt]=', '9'.repeat(40), ''),
      )
      .map((v) => `${encodeURIComponent(p.name)}=${v.startsWith('%') ? v : encodeURIComponent(v)}`);
  return fc
    .subarray(query, { minLength: 0 })
    .chain((chosen) => (chosen.length ? fc.tuple(...chosen.map(one)) : fc.constant([] as string[])))
    .map((pairs) => (pairs.length ? `?${pairs.join('&')}` : ''));
}

/** Path ids: the real ticket (so deep validation is reached), an unknown id, or a hostile one. */
function pathFor(path: string): fc.Arbitrary<string> {
  const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
  if (names.length === 0) return fc.constant(path);
  const id = fc.constantFrom(
    ticketId,
    'aaaaaaaaaaaaaaaaaaaaaaaa',
    'it.incident',
    '..',
    '%00',
    '1e309',
    'x'.repeat(300),
  );
  return fc.tuple(...names.map(() => id)).map((ids) => {
    let filled = path;
    ids.forEach((value, index) => {
      filled = filled.replace(
        `{${names[index]}}`,
        value === '%00' || value === '..' ? value : encodeURIComponent(value),
      );
    });
    return filled;
  });
}

describe('property-based fuzzing generated from /docs/json', () => {
  it('no server error, a refused write writes nothing, Object.prototype stays clean', async () => {
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
    );
    expect(operations.length).toBeGreaterThan(50);
    const failures: string[] = [];
    let requests = 0;
    for (const { method, path, operation } of operations) {
      if (SKIP.some((pattern) => pattern.test(`${method} ${path}`))) continue;
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      const hasBody = method !== 'GET' && method !== 'DELETE';
      const sample = fc.record({
        caller: fc.constantFrom(...Object.keys(callers)),
        url: fc.tuple(pathFor(path), queryText(operation.parameters ?? [])).map(([p, q]) => p + q),
        body: hasBody ? bodyText(schema) : fc.constant(undefined),
      });
      const property = fc.asyncProperty(sample, async ({ caller, url, body }) => {
        writes = [];
        recording = true;
        let timer: NodeJS.Timeout | undefined;
        const response = await Promise.race([
          app.inject({
            method: method as 'GET',
            url,
            headers: {
              ...callers[caller],
              ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            },
            ...(body !== undefined ? { payload: body } : {}),
          }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`${method} ${url}: no answer in ${HANG_MS} ms`)),
              HANG_MS,
            );
          }),
        ]).finally(() => {
          clearTimeout(timer);
          recording = false;
        });
        requests += 1;
        const what = `${caller} ${method} ${url.slice(0, 160)} ${(body ?? '').slice(0, 160)} → ${response.statusCode}`;
        if (response.statusCode >= 500) throw new Error(`${what}: ${response.body.slice(0, 300)}`);
        if (method !== 'GET' && response.statusCode >= 400 && writes.length > 0)
          throw new Error(`${what}: a refused write wrote ${writes.join(', ')}`);
        if ('polluted' in Object.prototype) throw new Error(`${what}: Object.prototype polluted`);
      });
      const started = Date.now();
      // No shrinking: the first failing sample is reported as it was (with its seed to replay it).
      const result = await fc.check(property, {
        numRuns: RUNS,
        endOnFailure: true,
        ...(SEED === undefined ? {} : { seed: SEED }),
      });
      if (Date.now() - started > 5000) console.warn(`${method} ${path}: ${Date.now() - started} ms`);
      if (result.failed)
        failures.push(
          `${method} ${path} (seed ${result.seed}, path ${result.counterexamplePath}): ${String(
            (result.errorInstance as Error | undefined)?.message ?? 'failed',
          ).slice(0, 600)}`,
        );
    }
    expect(requests).toBeGreaterThan(operations.length);
    expect(failures).toEqual([]);
  }, 600_000);
});
