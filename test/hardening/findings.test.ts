/**
 * Regression tests for the findings of the outside review (issue "Hardening"): each one failed before its fix.
 * One app on its own database; the numbers in the `describe` names are the findings' numbers.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS_COLLECTION } from '../../server/plugins/worker.plugin.js';
import { signLink, verifyLink } from '../../server/public/signed-link.js';
import { startEmbeddedStore } from '../../server/store/embedded-store.js';
import { projectCacheDir } from '../../server/store/paths.js';
import { verifyAnchorChain } from '../../server/tickets/anchors.js';
import { commitId, EVENTS_COLLECTION } from '../../server/tickets/event-store.js';
import { ANCHOR_JOB } from '../../server/tickets/ticket.jobs.js';
import { ATTACHMENTS_COLLECTION } from '../../server/tickets/attachments.routes.js';
import {
  ADMIN_PASSWORD,
  TEST_SECRET,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  waitFor,
  type CreatedUser,
} from '../support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../support/tickets.js';

let app: FastifyInstance;
let admin: string;
let requester: CreatedUser;
let agent: CreatedUser;
let ticketId: string;

beforeAll(async () => {
  app = await buildTestApp('hardening_findings');
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'he.ping', roles: ['requester'], locale: 'en' });
  agent = await createUser(app, admin, { username: 'desk.hard', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id, skills: { server: 3 } }] });
  const designer = await createUser(app, admin, { username: 'designer.hard', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
  ticketId = await openTicket('打印机卡纸');
});
afterAll(async () => {
  await app.close();
});

async function openTicket(title: string, token = requester.token): Promise<string> {
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(token),
    payload: {
      type: 'it.incident',
      data: { title, service: 'email', impact: 'person', urgency: 'low', description: 'details' },
    },
  });
  if (opened.status !== 201) throw new Error(`opening: ${JSON.stringify(opened.body)}`);
  return String(opened.body.id);
}

async function command(token: string, id: string, payload: Record<string, unknown>) {
  const current = await call(app, { method: 'GET', url: `/api/tickets/${id}`, headers: bearer(token) });
  return call(app, {
    method: 'POST',
    url: `/api/tickets/${id}/commands`,
    headers: bearer(token),
    payload: { ...payload, version: current.body.version },
  });
}

function multipart(parts: { name: string; type: string; content: Buffer }[]) {
  const boundary = `----hardening${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${part.name}"\r\nContent-Type: ${part.type}\r\n\r\n`,
      ),
      part.content,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), boundary };
}

describe('1. non-finite numbers in queries', () => {
  it.each([
    '/api/tickets?limit=-1e309',
    '/api/tickets?limit=1e309',
    '/api/tickets?limit=Infinity',
    '/api/notifications?limit=-1e309',
    '/api/users?offset=1e309',
  ])('%s answers 400 naming the field', async (url) => {
    const { status, body } = await call(app, { method: 'GET', url, headers: bearer(admin) });
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.field).toMatch(/^query\.(limit|offset)$/);
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'finite' })]));
  });

  it('a JSON number too large for a double is refused too', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/tickets',
      headers: { ...bearer(requester.token), 'content-type': 'application/json' },
      payload:
        '{"type":"it.incident","data":{"title":"big","service":"email","impact":"person","urgency":"low","n":1e309}}',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ field: 'body.data.n' });
  });
});

describe('2. an API key is not the system', () => {
  it('cannot fire a flow timer; the resolved ticket keeps waiting for the requester', async () => {
    const id = await openTicket('等待确认的工单');
    const resolved = await command(agent.token, id, {
      command: 'complete-step',
      nodeId: 'triage',
      outcome: 'fixed',
    });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    const key = await call(app, {
      method: 'POST',
      url: '/api/api-keys',
      headers: bearer(admin),
      payload: { name: 'Monitoring', scopes: ['tickets:read', 'tickets:write'] },
    });
    expect(key.status).toBe(201);
    const headers = { 'x-api-key': String(key.body.key) };
    const current = await call(app, { method: 'GET', url: `/api/tickets/${id}`, headers });
    expect(current.body.allowedCommands).not.toContain('timer-fired');
    const fired = await call(app, {
      method: 'POST',
      url: `/api/tickets/${id}/commands`,
      headers,
      payload: { command: 'timer-fired', key: `${id}:confirm:1:auto-close`, version: current.body.version },
    });
    expect(fired.status).toBeGreaterThanOrEqual(400);
    expect(fired.status).toBeLessThan(500);
    expect(JSON.stringify(fired.body)).toContain('system-only');
    const after = await call(app, { method: 'GET', url: `/api/tickets/${id}`, headers: bearer(admin) });
    expect(after.body.status).toMatchObject({ category: 'resolved' });
  });
});

describe('5. malformed multipart bodies', () => {
  it.each([
    ['no boundary', 'multipart/form-data', Buffer.from('--x\r\n\r\n')],
    [
      'cut short',
      'multipart/form-data; boundary=xyz',
      Buffer.from('--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nabc'),
    ],
  ])('%s answers 400 problem+json and stores nothing', async (_name, contentType, payload) => {
    const before = await app.db.collection(ATTACHMENTS_COLLECTION).countDocuments();
    const response = await app.inject({
      method: 'POST',
      url: `/api/tickets/${ticketId}/attachments`,
      headers: { ...bearer(requester.token), 'content-type': contentType },
      payload,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(await app.db.collection(ATTACHMENTS_COLLECTION).countDocuments()).toBe(before);
  });
});

describe('6. attachment types come from the bytes', () => {
  const upload = (name: string, type: string, content: Buffer) => {
    const body = multipart([{ name, type, content }]);
    return app.inject({
      method: 'POST',
      url: `/api/tickets/${ticketId}/attachments`,
      headers: {
        ...bearer(requester.token),
        'content-type': `multipart/form-data; boundary=${body.boundary}`,
      },
      payload: body.payload,
    });
  };
  const html = Buffer.from('<html><script>alert(1)</script></html>');
  const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62), Buffer.from('PE\0\0'), Buffer.alloc(200)]);

  it.each([
    ['evil.hta', 'application/pdf', html],
    ['evil.xhtml', 'text/plain', html],
    ['evil.html.', 'text/plain', html],
    ['report.pdf', 'application/pdf', exe],
    ['notes.txt', 'text/plain', exe],
  ])('%s declared %s is refused (415), nothing stored', async (name, type, content) => {
    const before = await app.db.collection(ATTACHMENTS_COLLECTION).countDocuments();
    const response = await upload(name, type, content);
    expect(response.statusCode, response.body).toBe(415);
    expect(await app.db.collection(ATTACHMENTS_COLLECTION).countDocuments()).toBe(before);
  });

  it('records the detected type, not the declared one, and a normalised name', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const response = await upload('截图.png. ', 'application/octet-stream', png);
    expect(response.statusCode, response.body).toBe(201);
    const item = response.json<{ items: { name: string; contentType: string }[] }>().items[0]!;
    expect(item).toMatchObject({ name: '截图.png', contentType: 'image/png' });
  });
});

describe('7. data files are private', () => {
  it('the data folder is 0700 and attachments 0600', async () => {
    const body = multipart([{ name: 'log.txt', type: 'text/plain', content: Buffer.from('disk full\n') }]);
    const response = await app.inject({
      method: 'POST',
      url: `/api/tickets/${ticketId}/attachments`,
      headers: {
        ...bearer(requester.token),
        'content-type': `multipart/form-data; boundary=${body.boundary}`,
      },
      payload: body.payload,
    });
    expect(response.statusCode, response.body).toBe(201);
    const id = response.json<{ items: { id: string }[] }>().items[0]!.id;
    const dataDir = app.ordo.dataDir;
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dataDir, 'attachments'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dataDir, 'attachments', ticketId, id))).mode & 0o777).toBe(0o600);
  });
});

describe('8. bodies are typed as sent; JSON only as UTF-8', () => {
  it('a number where a text is expected is refused, not stored as text', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/teams',
      headers: bearer(admin),
      payload: { key: true, name: { 'zh-CN': -1, en: 'x' }, members: [] },
    });
    expect(status).toBe(400);
    const fields = (body.errors as { field: string }[]).map((error) => error.field);
    expect(fields).toEqual(expect.arrayContaining(['body.key', 'body.name.zh-CN']));
  });

  it.each(['application/json; charset=utf-16', 'application/json;;;', 'application/json; charset=latin1'])(
    '%s answers 415',
    async (contentType) => {
      const response = await app.inject({
        method: 'PATCH',
        url: '/api/me',
        headers: { ...bearer(requester.token), 'content-type': contentType },
        payload: '{"displayName":"x"}',
      });
      expect(response.statusCode, response.body).toBe(415);
      expect(response.json()).toMatchObject({ field: 'header.content-type' });
    },
  );

  it('charset=utf-8 is accepted, and query strings are still coerced', async () => {
    const response = await app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: { ...bearer(requester.token), 'content-type': 'application/json; charset=UTF-8' },
      payload: '{"displayName":"何平"}',
    });
    expect(response.statusCode, response.body).toBe(200);
    const list = await call(app, { method: 'GET', url: '/api/tickets?limit=5', headers: bearer(admin) });
    expect(list.status).toBe(200);
  });
});

describe('9. signed links have one spelling', () => {
  it('a signature whose last character differs only in spare bits is invalid', () => {
    const token = signLink(TEST_SECRET, { ticketId: 't1', scope: 'survey', expiresAt: Date.now() + 60_000 });
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(signature.at(-1)!);
    // 22 characters carry 132 bits for a 128-bit signature: the last character's low 4 bits are spare.
    const twin = alphabet[(last & ~0b1111) | ((last + 1) & 0b1111)]!;
    const forged = `${token.slice(0, -1)}${twin}`;
    expect(Buffer.from(forged.slice(forged.lastIndexOf('.') + 1), 'base64url')).toEqual(
      Buffer.from(signature, 'base64url'),
    );
    expect(verifyLink(TEST_SECRET, token, 'survey', Date.now()).ok).toBe(true);
    expect(verifyLink(TEST_SECRET, forged, 'survey', Date.now())).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('10. passwords, cross-site writes, https-only headers', () => {
  it.each([
    ['a common password', 'password1', 'password-common'],
    ['the user name', 'Lin.Feng.2026', 'password-username'],
  ])('%s is refused naming the field', async (_what, password, code) => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/users',
      headers: bearer(admin),
      payload: {
        username: 'lin.feng.2026',
        displayName: '林峰',
        email: 'lf@example.com',
        roles: ['requester'],
        password,
      },
    });
    expect(status).toBe(400);
    expect(body).toMatchObject({ field: 'body.password', type: `urn:ordo:problem:${code}` });
  });

  it('a cookie-carried write from another site is refused; the same from the studio passes', async () => {
    const cookie = { cookie: `ordo_session=${requester.token}` };
    const foreign = await call(app, {
      method: 'PATCH',
      url: '/api/me',
      headers: { ...cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      payload: { displayName: 'pwned' },
    });
    expect(foreign.status).toBe(403);
    const foreignOrigin = await call(app, {
      method: 'PATCH',
      url: '/api/me',
      headers: { ...cookie, origin: 'https://evil.example' },
      payload: { displayName: 'pwned' },
    });
    expect(foreignOrigin.status).toBe(403);
    const own = await call(app, {
      method: 'PATCH',
      url: '/api/me',
      headers: { ...cookie, origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' },
      payload: { displayName: '何平' },
    });
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    const read = await call(app, {
      method: 'GET',
      url: '/api/me',
      headers: { ...cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(read.status).toBe(200);
  });

  it('HSTS and upgrade-insecure-requests only over https', async () => {
    const plain = await app.inject({ method: 'GET', url: '/health' });
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    expect(String(plain.headers['content-security-policy'])).not.toContain('upgrade-insecure-requests');
    const secure = await buildTestApp('hardening_https', { trustProxy: true });
    try {
      const over = await secure.inject({
        method: 'GET',
        url: '/health',
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(over.headers['strict-transport-security']).toContain('max-age=');
      expect(String(over.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
    } finally {
      await secure.close();
    }
  });
});

describe('11. a prototype key says so', () => {
  it('a body with __proto__ names the key instead of "not valid JSON"', async () => {
    const response = await app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: { ...bearer(requester.token), 'content-type': 'application/json' },
      payload: '{"displayName":"x","__proto__":{"admin":true}}',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ field: 'body.__proto__', type: 'urn:ordo:problem:unsafe-key' });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe('3. the embedded store heals itself', () => {
  it('a killed FerretDB is restarted; meanwhile the API answers 503 with Retry-After at once; then it recovers', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-store-heal-'));
    const messages: string[] = [];
    const log = { info: (m: string) => messages.push(m), warn: (m: string) => messages.push(m) };
    const store = await startEmbeddedStore({ dataDir, cacheDir: projectCacheDir(), log });
    const healing = await buildTestApp('hardening_store', { mongodbUri: `${store.uri}hardening_store` });
    try {
      const token = await login(healing, 'admin', ADMIN_PASSWORD);
      const me = () => healing.inject({ method: 'GET', url: '/api/users?limit=1', headers: bearer(token) });
      expect((await me()).statusCode).toBe(200);

      // 7. the store's files are private too.
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      for (const entry of await readdir(path.join(dataDir, 'ferretdb'))) {
        const info = await stat(path.join(dataDir, 'ferretdb', entry));
        if (info.isFile()) expect(info.mode & 0o777, entry).toBe(0o600);
      }

      // Killed: restarted by the supervisor, logged; every answer meanwhile is a 200 or a 503 with Retry-After.
      const killed = store.pid;
      process.kill(killed, 'SIGKILL');
      const seen = new Set<number>();
      await waitFor(
        async () => {
          const response = await me();
          seen.add(response.statusCode);
          if (response.statusCode === 503) expect(response.headers['retry-after']).toBeDefined();
          return store.restarts >= 1 && response.statusCode === 200;
        },
        { timeoutMs: 30_000, intervalMs: 50, what: 'the store to be restarted and the API to answer again' },
      );
      expect([...seen].filter((status) => status !== 200 && status !== 503)).toEqual([]);
      expect(store.pid).not.toBe(killed);
      expect(messages.some((m) => /FerretDB restarted/.test(m))).toBe(true);

      // Gone for good: the API answers 503 with Retry-After, and at once, not after a 5 s wait and a 500.
      await store.stop();
      const unavailable = await waitFor(
        async () => {
          const response = await me();
          return response.statusCode === 503 ? response : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 50, what: 'a 503 while the store is down' },
      );
      expect(unavailable.headers['retry-after']).toBe('5');
      expect(unavailable.json()).toMatchObject({ type: 'urn:ordo:problem:database-unavailable' });
      const started = Date.now();
      expect((await me()).statusCode).toBe(503);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await healing.close();
      await store.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('4. anchors within a minute, on demand, exportable', () => {
  it('removing the newest commit after an on-demand anchor is detected; the chain exports and verifies', async () => {
    const id = await openTicket('锚点测试工单');
    const commented = await command(requester.token, id, {
      command: 'comment',
      body: '补充说明',
      visibility: 'public',
    });
    expect(commented.status, JSON.stringify(commented.body)).toBe(200);
    const anchored = await call(app, { method: 'POST', url: '/api/audit/anchors', headers: bearer(admin) });
    expect(anchored.status, JSON.stringify(anchored.body)).toBe(201);
    const refused = await call(app, {
      method: 'POST',
      url: '/api/audit/anchors',
      headers: bearer(agent.token),
    });
    expect(refused.status).toBe(403);

    const exported = await call(app, {
      method: 'GET',
      url: '/api/audit/anchors?limit=1000',
      headers: bearer(admin),
    });
    expect(exported.status).toBe(200);
    const items = exported.body.items as { id: number; heads: { ticketId: string; seq: number }[] }[];
    expect(exported.body).toMatchObject({ chainValid: true, total: items.length });
    expect(items.at(-1)!.heads).toEqual(
      expect.arrayContaining([expect.objectContaining({ ticketId: id, seq: 2 })]),
    );
    expect(verifyAnchorChain(items as never).valid).toBe(true);

    await app.db.collection(EVENTS_COLLECTION).deleteOne({ _id: commitId(id, 2) as never });
    const verified = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}/audit/verify`,
      headers: bearer(admin),
    });
    expect(verified.body).toMatchObject({ valid: false, reason: 'behind-anchor' });

    // An edited anchor breaks the exported chain.
    const tampered = items.map((item, index) =>
      index === items.length - 1
        ? { ...item, heads: item.heads.map((h) => ({ ...h, seq: h.seq + 1 })) }
        : item,
    );
    expect(verifyAnchorChain(tampered as never).valid).toBe(false);
  });

  it('the worker anchors every minute', async () => {
    const worker = await buildTestApp('hardening_anchor_worker', { runJobs: true });
    try {
      await worker.ready();
      const job = await waitFor(
        async () =>
          (await worker.db
            .collection(JOBS_COLLECTION)
            .findOne({ name: ANCHOR_JOB, repeatInterval: { $exists: true } })) ?? undefined,
        { what: 'the anchor job to be scheduled' },
      );
      expect(job).toMatchObject({ repeatInterval: '1 minute' });
    } finally {
      await worker.close();
    }
  });
});

describe('11. the published contract', () => {
  type Doc = {
    paths: Record<string, Record<string, Record<string, unknown>>>;
    components: { schemas: Record<string, Record<string, unknown>> };
  };
  let doc: Doc;
  beforeAll(async () => {
    doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json<Doc>();
  });
  const bodySchema = (path: string, method: string) =>
    (
      doc.paths[path]?.[method]?.requestBody as {
        content: Record<string, { schema: Record<string, unknown> }>;
      }
    ).content['application/json']!.schema;

  it('ticket types by reference to the runtime schema, with form, flow, routing and SLA shapes', () => {
    expect(bodySchema('/api/ticket-types', 'post')).toEqual({ $ref: '#/components/schemas/TicketType' });
    const draft = bodySchema('/api/ticket-types/{key}/draft', 'put') as {
      properties: Record<string, unknown>;
    };
    expect(draft.properties.definition).toEqual({ $ref: '#/components/schemas/TicketType' });
    const type = doc.components.schemas.TicketType as { properties: Record<string, unknown> };
    expect(type.properties.flow).toEqual({ $ref: '#/components/schemas/Flow' });
    for (const part of ['Form', 'Flow', 'RoutingRules', 'SlaPolicy'])
      expect(doc.components.schemas[part], part).toHaveProperty('type');
    expect(JSON.stringify(doc.components.schemas.Flow)).toContain('nodes');
  });

  it('commands as a oneOf told apart by `command`, each with its fields', () => {
    expect(bodySchema('/api/tickets/{id}/commands', 'post')).toEqual({
      $ref: '#/components/schemas/Command',
    });
    const command = doc.components.schemas.Command as {
      oneOf: { $ref: string }[];
      discriminator: { propertyName: string; mapping: Record<string, string> };
    };
    expect(command.discriminator.propertyName).toBe('command');
    expect(command.discriminator.mapping.comment).toBe('#/components/schemas/CommandComment');
    expect(command.discriminator.mapping['timer-fired']).toBeUndefined();
    const comment = doc.components.schemas.CommandComment as {
      required: string[];
      properties: Record<string, unknown>;
    };
    expect([...comment.required].sort()).toEqual(['body', 'command', 'version', 'visibility']);
    expect(comment.properties.visibility).toEqual({ type: 'string', enum: ['public', 'internal'] });
  });

  it('documents the Idempotency-Key replay header', () => {
    const created = (doc.paths['/api/tickets']!.post!.responses as Record<string, { headers?: object }>)[
      '201'
    ]!;
    expect(created.headers).toHaveProperty('Idempotent-Replayed');
  });

  it('every list paged by `offset` documents `total`, as the server README says', () => {
    const missing: string[] = [];
    let paged = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      const get = operations.get as
        | {
            parameters?: { in: string; name: string }[];
            responses?: Record<
              string,
              { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }
            >;
          }
        | undefined;
      if (!get?.parameters?.some((parameter) => parameter.in === 'query' && parameter.name === 'offset'))
        continue;
      paged += 1;
      const schema = get.responses?.['200']?.content?.['application/json']?.schema;
      if (!schema?.properties?.total) missing.push(path);
    }
    expect(paged).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});
