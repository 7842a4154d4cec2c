import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from '../../test/support/server-app.js';
import { clearPublishedVersionCache, loadPublishedVersion } from './published-versions.js';
import type { SimulatedSample } from './simulate.service.js';

const FIXTURE = new URL('../../runtime/definitions/fixtures/it-incident.ticket-type.json', import.meta.url);
const itIncident = (): Record<string, unknown> =>
  JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;

/** Wednesday 2026-09-30 16:00 in Shanghai: the eve of the National Day holiday, the worked example of the issue. */
const EVE_OF_NATIONAL_DAY = '2026-09-30T08:00:00.000Z';

let app: FastifyInstance;
let adminToken: string;
let designer: CreatedUser;
let agent: CreatedUser;
let opsAgent: CreatedUser;
let requester: CreatedUser;
const clock = new ManualClock(Date.parse(EVE_OF_NATIONAL_DAY));

const withToken = (token: string) => ({ headers: bearer(token) });

beforeAll(async () => {
  app = await buildTestApp('definitions_ticket_types', { clock });
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  designer = await createUser(app, adminToken, { username: 'lin.designer', roles: ['designer'] });
  agent = await createUser(app, adminToken, { username: 'desk.agent', roles: ['agent'] });
  opsAgent = await createUser(app, adminToken, { username: 'ops.agent', roles: ['agent'] });
  requester = await createUser(app, adminToken, { username: 'zhou.requester', roles: ['requester'] });
  for (const team of [
    {
      key: 'it-ops',
      name: { 'zh-CN': '运维组', en: 'IT operations' },
      members: [{ userId: opsAgent.id, skills: { server: 3, network: 3 } }],
    },
    { key: 'it-desk', name: { 'zh-CN': '服务台', en: 'Service desk' }, members: [{ userId: agent.id }] },
  ]) {
    const created = await call(app, {
      method: 'POST',
      url: '/api/teams',
      ...withToken(adminToken),
      payload: team,
    });
    expect(created.status).toBe(201);
  }
});

afterAll(async () => {
  await app.close();
});

const KEY = 'it.incident';

async function draftRevisionOf(key: string): Promise<number> {
  const { body } = await call(app, {
    method: 'GET',
    url: `/api/ticket-types/${key}`,
    ...withToken(designer.token),
  });
  return body.draftRevision as number;
}

async function saveDraft(key: string, definition: Record<string, unknown>) {
  const draftRevision = await draftRevisionOf(key);
  return call(app, {
    method: 'PUT',
    url: `/api/ticket-types/${key}/draft`,
    ...withToken(designer.token),
    payload: { draftRevision, definition },
  });
}

const publish = (key: string, payload: Record<string, unknown> = {}) =>
  call(app, {
    method: 'POST',
    url: `/api/ticket-types/${key}/publish`,
    ...withToken(designer.token),
    payload,
  });

describe('POST /api/ticket-types', () => {
  it('creates a ticket type with a first draft that may still be incomplete', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/ticket-types',
      ...withToken(designer.token),
      payload: { key: KEY, name: { 'zh-CN': 'IT 故障报修', en: 'IT incident' }, category: 'it' },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      key: KEY,
      view: 'draft',
      draftRevision: 1,
      latestVersion: 0,
      hasUnpublishedChanges: true,
      updatedBy: designer.id,
    });
  });

  it('refuses a key that exists with 409 naming body.key', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/ticket-types',
      ...withToken(designer.token),
      payload: { key: KEY, name: { 'zh-CN': '重复', en: 'Again' }, category: 'it' },
    });
    expect(status).toBe(409);
    expect(body.field).toBe('body.key');
  });

  it('lets a requester edit nothing: 403', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/ticket-types',
      ...withToken(requester.token),
      payload: { key: 'hr.leave', name: { 'zh-CN': '请假', en: 'Leave' }, category: 'hr' },
    });
    expect(status).toBe(403);
    expect(body.type).toBe('urn:ordo:problem:role-required');
  });

  it('answers malformed input with 400 naming the field', async () => {
    const missingName = await call(app, {
      method: 'POST',
      url: '/api/ticket-types',
      ...withToken(designer.token),
      payload: { key: 'hr.leave', category: 'hr' },
    });
    expect(missingName.status).toBe(400);
    expect(missingName.body.field).toBe('body.name');

    const badKey = await call(app, {
      method: 'POST',
      url: '/api/ticket-types',
      ...withToken(designer.token),
      payload: { key: 'HR Leave', name: { 'zh-CN': '请假', en: 'Leave' }, category: 'hr' },
    });
    expect(badKey.status).toBe(400);
    expect(badKey.body.field).toBe('body.key');
  });

  it('accepts $-keys of JSON Schemas inside a definition but still refuses prototype keys', async () => {
    const withSchemaKeys = await call(app, {
      method: 'POST',
      url: '/api/ticket-types',
      ...withToken(designer.token),
      payload: {
        key: 'hr.leave',
        name: { 'zh-CN': '请假', en: 'Leave' },
        category: 'hr',
        form: { schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' } },
      },
    });
    expect(withSchemaKeys.status).toBe(201);

    const poisoned = await app.inject({
      method: 'PUT',
      url: '/api/ticket-types/hr.leave/draft',
      headers: { ...bearer(designer.token), 'content-type': 'application/json' },
      payload: `{"draftRevision":1,"definition":{"key":"hr.leave","name":{"zh-CN":"请假","en":"Leave"},"category":"hr","form":{"__proto__":{"admin":true}}}}`,
    });
    expect(poisoned.statusCode).toBe(400);
    expect(poisoned.json<{ field?: string }>().field).toMatch(/^body/);
  });
});

describe('PUT /api/ticket-types/:key/draft', () => {
  it('saves the draft against the revision the editor saw and bumps it', async () => {
    const { status, body } = await call(app, {
      method: 'PUT',
      url: `/api/ticket-types/${KEY}/draft`,
      ...withToken(designer.token),
      payload: { draftRevision: 1, definition: { ...itIncident(), routing: undefined } },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ draftRevision: 2, view: 'draft' });
    expect((body.definition as Record<string, unknown>).numberFormat).toBe('INC-{yyyy}-{seq:6}');
  });

  it('refuses a stale revision with 409 and the current revision', async () => {
    const { status, body } = await call(app, {
      method: 'PUT',
      url: `/api/ticket-types/${KEY}/draft`,
      ...withToken(designer.token),
      payload: { draftRevision: 1, definition: itIncident() },
    });
    expect(status).toBe(409);
    expect(body).toMatchObject({ currentRevision: 2, updatedBy: designer.id, field: 'body.draftRevision' });
  });

  it('refuses to change the key with 400 naming body.definition.key', async () => {
    const { status, body } = await saveDraft(KEY, { ...itIncident(), key: 'it.other' });
    expect(status).toBe(400);
    expect(body.field).toBe('body.definition.key');
  });

  it('names the missing revision with 400', async () => {
    const { status, body } = await call(app, {
      method: 'PUT',
      url: `/api/ticket-types/${KEY}/draft`,
      ...withToken(designer.token),
      payload: { definition: itIncident() },
    });
    expect(status).toBe(400);
    expect(body.field).toBe('body.draftRevision');
  });
});

describe('POST /api/ticket-types/:key/validate', () => {
  it('lists the problems of the draft in both languages, naming nodes and references', async () => {
    const broken = itIncident();
    const flow = broken.flow as { nodes: { id: string; data: Record<string, unknown> }[] };
    flow.nodes = flow.nodes.filter((node) => node.id !== 'end');
    (broken.routing as { then: { team: string } }[])[2]!.then.team = 'no-such-team';
    broken.sla = 'no-such-policy';
    expect((await saveDraft(KEY, broken)).status).toBe(200);

    const { status, body } = await call(app, {
      method: 'POST',
      url: `/api/ticket-types/${KEY}/validate`,
      ...withToken(designer.token),
    });
    expect(status).toBe(200);
    expect(body.valid).toBe(false);
    const problems = body.problems as {
      code: string;
      path: string;
      nodeId?: string;
      edgeId?: string;
      text: Record<string, string>;
    }[];
    for (const problem of problems) {
      expect(problem.text['zh-CN']).toBeTruthy();
      expect(problem.text.en).toBeTruthy();
    }
    expect(problems).toContainEqual(
      expect.objectContaining({ code: 'definition.ref.unknownTeam', path: '/routing/2/then/team' }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({ code: 'definition.ref.unknownSlaPolicy', path: '/sla' }),
    );
    // Flow problems name the connection and the node the analyst must look at on the canvas.
    expect(problems).toContainEqual(expect.objectContaining({ edgeId: 'e9', path: '/flow/edges/8/target' }));
    expect(problems).toContainEqual(expect.objectContaining({ nodeId: 'confirm', path: '/flow/nodes/6' }));
  });
});

describe('POST /api/ticket-types/:key/publish', () => {
  it('refuses an invalid draft with 422 and the problems', async () => {
    const { status, body, response } = await publish(KEY, { note: 'first try' });
    expect(status).toBe(422);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect((body.problems as unknown[]).length).toBeGreaterThan(0);
    const versions = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}/versions`,
      ...withToken(designer.token),
    });
    expect(versions.body).toEqual([]);
  });

  it('freezes a valid draft as version 1, embedding the calendars it measures on', async () => {
    expect((await saveDraft(KEY, itIncident())).status).toBe(200);
    const { status, body } = await publish(KEY, { note: '首次发布' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ key: KEY, version: 1, note: '首次发布', publishedBy: designer.id });

    const frozen = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}/versions/1`,
      ...withToken(agent.token),
    });
    expect(frozen.status).toBe(200);
    const definition = frozen.body.definition as {
      calendars: Record<string, { zone: string }>;
      sla: { targets: unknown[] };
    };
    expect(Object.keys(definition.calendars).sort()).toEqual(['24x7', 'cn-standard']);
    expect(definition.calendars['cn-standard']!.zone).toBe('Asia/Shanghai');
    expect(definition.sla.targets).toHaveLength(4);
    expect(frozen.body.source).toEqual(itIncident());
  });

  it('refuses to publish when nothing changed (409), so a double click makes one version', async () => {
    const { status, body } = await publish(KEY);
    expect(status).toBe(409);
    expect(body.latestVersion).toBe(1);
  });

  it('publishes an edited draft as version 2 and lists versions newest first', async () => {
    const edited = itIncident();
    (edited.routing as unknown[]).splice(2, 0, {
      id: 'erp',
      when: { '==': [{ var: 'data.service' }, 'erp'] },
      then: { team: 'it-ops', strategy: 'least-loaded' },
    });
    expect((await saveDraft(KEY, edited)).status).toBe(200);
    const { status, body } = await publish(KEY, { note: 'ERP goes to operations', baseVersion: 1 });
    expect(status).toBe(201);
    expect(body.version).toBe(2);

    const versions = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}/versions`,
      ...withToken(agent.token),
    });
    expect(
      (versions.body as unknown as { version: number; note: string }[]).map((v) => [v.version, v.note]),
    ).toEqual([
      [2, 'ERP goes to operations'],
      [1, '首次发布'],
    ]);
  });

  it('refuses a publish based on an older version with 409 and the newest version', async () => {
    const edited = itIncident();
    edited.numberFormat = 'IT-{yyyy}-{seq:5}';
    expect((await saveDraft(KEY, edited)).status).toBe(200);
    const { status, body } = await publish(KEY, { baseVersion: 1 });
    expect(status).toBe(409);
    expect(body).toMatchObject({ latestVersion: 2, field: 'body.baseVersion' });
  });

  it('lets only one of two concurrent publishes create the next version; the other gets 409', async () => {
    const [first, second] = await Promise.all([publish(KEY, { note: 'a' }), publish(KEY, { note: 'b' })]);
    expect([first.status, second.status].sort()).toEqual([201, 409]);
    const versions = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}/versions`,
      ...withToken(designer.token),
    });
    expect((versions.body as unknown as { version: number }[]).map((v) => v.version)).toEqual([3, 2, 1]);
  });
});

describe('GET /api/ticket-types/:key/diff', () => {
  it('describes what changed between two versions in words', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}/diff?from=1&to=2`,
      ...withToken(agent.token),
    });
    expect(status).toBe(200);
    const changes = body.diff as { path: string; kind: string; text: { 'zh-CN': string; en: string } }[];
    expect(changes.length).toBeGreaterThan(0);
    for (const change of changes) {
      expect(change.text['zh-CN']).toBeTruthy();
      expect(change.text.en).toBeTruthy();
    }
    // Rules are matched by id: inserting one reads as one addition, not as every later rule changing.
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'added', path: '/routing/2' });
    expect(changes[0]!.text.en).toContain('erp');
  });

  it('compares the draft with a version for designers only', async () => {
    const same = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}/diff?from=3&to=draft`,
      ...withToken(designer.token),
    });
    expect(same.status).toBe(200);
    expect(same.body.diff).toEqual([]);
    const refused = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}/diff?from=3&to=draft`,
      ...withToken(agent.token),
    });
    expect(refused.status).toBe(403);
  });

  it('names a malformed side with 400', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}/diff?from=one&to=2`,
      ...withToken(designer.token),
    });
    expect(status).toBe(400);
    expect(body.field).toBe('query.from');
  });
});

describe('POST /api/ticket-types/:key/rollback', () => {
  it('publishes version 1 again as version 4, identical to version 1, and brings the draft back to it', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: `/api/ticket-types/${KEY}/rollback`,
      ...withToken(designer.token),
      payload: { version: 1, note: 'ERP rule misroutes' },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      version: 4,
      rolledBackFrom: 1,
      draftRestored: true,
      note: 'ERP rule misroutes',
    });

    const [v1, v4] = await Promise.all(
      [1, 4].map((n) =>
        call(app, {
          method: 'GET',
          url: `/api/ticket-types/${KEY}/versions/${n}`,
          ...withToken(designer.token),
        }),
      ),
    );
    expect(v4!.body.definition).toEqual(v1!.body.definition);
    expect(v4!.body.sha256).toBe(v1!.body.sha256);
    const draft = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}`,
      ...withToken(designer.token),
    });
    expect(draft.body).toMatchObject({ latestVersion: 4, hasUnpublishedChanges: false });
    expect(draft.body.definition).toEqual(itIncident());
  });

  it('refuses rolling back to what is already the newest version', async () => {
    const { status } = await call(app, {
      method: 'POST',
      url: `/api/ticket-types/${KEY}/rollback`,
      ...withToken(designer.token),
      payload: { version: 1 },
    });
    expect(status).toBe(409);
  });

  it('answers 404 for a version that does not exist', async () => {
    const { status } = await call(app, {
      method: 'POST',
      url: `/api/ticket-types/${KEY}/rollback`,
      ...withToken(designer.token),
      payload: { version: 99 },
    });
    expect(status).toBe(404);
  });
});

describe('GET /api/ticket-types/:key (after a publisher died mid-way)', () => {
  it('catches the cached newest version up with the versions collection', async () => {
    // A publisher that stopped between its version insert and the cache update leaves the cache behind.
    await app.db.collection('ticket_types').updateOne({ _id: KEY as never }, { $set: { latestVersion: 2 } });
    const { body } = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}`,
      ...withToken(designer.token),
    });
    expect(body).toMatchObject({ latestVersion: 4, hasUnpublishedChanges: false });
  });
});

describe('GET /api/ticket-types', () => {
  it('shows designers every type with its draft state', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/ticket-types',
      ...withToken(designer.token),
    });
    expect(status).toBe(200);
    const list = body as unknown as Record<string, unknown>[];
    expect(list.map((type) => [type.key, type.latestVersion, type.hasUnpublishedChanges])).toEqual([
      ['hr.leave', 0, true],
      [KEY, 4, false],
    ]);
  });

  it('shows requesters and agents only what can be opened', async () => {
    for (const token of [requester.token, agent.token]) {
      const { status, body } = await call(app, {
        method: 'GET',
        url: '/api/ticket-types',
        ...withToken(token),
      });
      expect(status).toBe(200);
      const list = body as unknown as Record<string, unknown>[];
      expect(list).toHaveLength(1);
      expect(typeof list[0]!.latestPublishedAt).toBe('string');
      expect(list[0]).toMatchObject({
        key: KEY,
        name: { 'zh-CN': 'IT 故障报修', en: 'IT incident' },
        category: 'it',
        latestVersion: 4,
      });
      expect(Object.keys(list[0]!).sort()).toEqual([
        'category',
        'key',
        'latestPublishedAt',
        'latestVersion',
        'name',
      ]);
    }
  });
});

describe('GET /api/ticket-types/:key', () => {
  it('gives a requester the published form to open, without routing or SLA internals', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}`,
      ...withToken(requester.token),
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ view: 'published', version: 4 });
    const definition = body.definition as Record<string, unknown>;
    expect(definition.form).toEqual(itIncident().form);
    expect(definition).not.toHaveProperty('routing');
    expect(definition).not.toHaveProperty('sla');
  });

  it('keeps drafts and unpublished types from requesters', async () => {
    const draft = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${KEY}?view=draft`,
      ...withToken(requester.token),
    });
    expect(draft.status).toBe(403);
    const unpublished = await call(app, {
      method: 'GET',
      url: '/api/ticket-types/hr.leave',
      ...withToken(requester.token),
    });
    expect(unpublished.status).toBe(404);
  });

  it('needs a signed-in caller', async () => {
    const { status } = await call(app, { method: 'GET', url: `/api/ticket-types/${KEY}` });
    expect(status).toBe(401);
  });
});

describe('loadPublishedVersion', () => {
  it('hands the ticket engine a frozen version by number, or the newest, from cache once read', async () => {
    clearPublishedVersionCache();
    const newest = await loadPublishedVersion(app.db, KEY);
    expect(newest).toMatchObject({ key: KEY, version: 4 });
    expect(Object.isFrozen(newest.definition)).toBe(true);
    const first = await loadPublishedVersion(app.db, KEY, 2);
    const again = await loadPublishedVersion(app.db, KEY, 2);
    expect(again.definition).toBe(first.definition);
    expect((first.definition.routing as unknown[]).length).toBe(4);
    await expect(loadPublishedVersion(app.db, KEY, 42)).rejects.toMatchObject({ status: 404 });
  });
});

describe('SLA policies referenced by key', () => {
  it('embeds the policy at publish, so a later edit of the policy leaves that version unchanged', async () => {
    const policy = itIncident().sla as Record<string, unknown>;
    const created = await call(app, {
      method: 'POST',
      url: '/api/sla-policies',
      ...withToken(designer.token),
      payload: { key: 'it-standard', name: { 'zh-CN': 'IT 标准', en: 'IT standard' }, policy },
    });
    expect(created.status).toBe(201);
    const referencing = { ...itIncident(), key: 'it.request', sla: 'it-standard' };
    expect(
      (
        await call(app, {
          method: 'POST',
          url: '/api/ticket-types',
          ...withToken(designer.token),
          payload: referencing,
        })
      ).status,
    ).toBe(201);
    expect((await publish('it.request', { note: 'v1' })).status).toBe(201);

    const changed = { ...policy, warnAt: 0.5 };
    const updated = await call(app, {
      method: 'PUT',
      url: '/api/sla-policies/it-standard',
      ...withToken(designer.token),
      payload: { name: { 'zh-CN': 'IT 标准', en: 'IT standard' }, policy: changed },
    });
    expect(updated.status).toBe(200);

    const v1 = await call(app, {
      method: 'GET',
      url: '/api/ticket-types/it.request/versions/1',
      ...withToken(designer.token),
    });
    expect((v1.body.definition as { sla: unknown }).sla).toEqual(policy);
    expect((v1.body.source as { sla: unknown }).sla).toBe('it-standard');

    // The policy change is a change of what tickets would run: it can be published, and the diff shows it.
    const diff = await call(app, {
      method: 'GET',
      url: '/api/ticket-types/it.request/diff?from=1&to=draft',
      ...withToken(designer.token),
    });
    expect(diff.body.diff).toContainEqual(expect.objectContaining({ path: '/sla/warnAt', kind: 'changed' }));
    expect((await publish('it.request', { note: 'policy 50 %' })).body.version).toBe(2);
  });
});

describe('POST /api/ticket-types/:key/simulate', () => {
  const sample = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    data: { title: 'Sample ticket', description: 'Something is broken', ...data },
    openedAt: '2026-09-30T16:00:00+08:00',
    ...extra,
  });

  async function collectionCounts(): Promise<Record<string, number>> {
    const collections = await app.db.db!.listCollections().toArray();
    const counts: Record<string, number> = {};
    for (const { name } of collections) counts[name] = await app.db.db!.collection(name).countDocuments();
    return counts;
  }

  it('routes, prioritises, sets SLA due times on the CN calendar and walks to the first human step, storing nothing', async () => {
    const before = await collectionCounts();
    const { status, body } = await call(app, {
      method: 'POST',
      url: `/api/ticket-types/${KEY}/simulate`,
      ...withToken(designer.token),
      payload: {
        samples: [
          sample(
            { service: 'server', hostname: 'db01', impact: 'company', urgency: 'high' },
            { title: 'infra, urgent' },
          ),
          sample(
            { service: 'email', impact: 'team', urgency: 'medium' },
            { requester: { level: 'vip' }, title: 'vip' },
          ),
          sample({ service: 'vpn', impact: 'team', urgency: 'medium' }, { title: 'medium' }),
          sample({ service: 'printer', impact: 'person', urgency: 'low' }, { title: 'low' }),
        ],
      },
    });
    expect(status).toBe(200);
    expect(body.source).toBe('draft');
    const results = body.samples as SimulatedSample[];
    expect(results.every((result) => result.ok)).toBe(true);

    const summary = results.map((result) => ({
      rule: result.route?.ruleId,
      team: result.route?.team,
      strategy: result.route?.strategy,
      priority: result.priority?.value,
      calendar: result.sla?.calendar,
      firstResponseDue: result.sla?.firstResponseDueLocal,
      resolutionDue: result.sla?.resolutionDueLocal,
    }));
    expect(summary).toEqual([
      {
        rule: 'infra',
        team: 'it-ops',
        strategy: 'skills',
        priority: 'urgent',
        calendar: '24x7',
        firstResponseDue: '2026-09-30 16:15',
        resolutionDue: '2026-09-30 18:00',
      },
      {
        rule: 'vip',
        team: 'it-desk',
        strategy: 'least-loaded',
        priority: 'high',
        calendar: '24x7',
        firstResponseDue: '2026-09-30 17:00',
        resolutionDue: '2026-10-01 00:00',
      },
      // 4 business hours / 3 business days across the National Day holiday, ending on the Saturday make-up day.
      {
        rule: 'default',
        team: 'it-desk',
        strategy: 'round-robin',
        priority: 'medium',
        calendar: 'cn-standard',
        firstResponseDue: '2026-10-08 11:00',
        resolutionDue: '2026-10-10 16:00',
      },
      {
        rule: 'default',
        team: 'it-desk',
        strategy: 'round-robin',
        priority: 'low',
        calendar: 'cn-standard',
        firstResponseDue: '2026-10-10 16:00',
        resolutionDue: '2026-10-15 16:00',
      },
    ]);
    expect(results[2]!.sla?.resolutionDueAt).toBe('2026-10-10T08:00:00.000Z');

    for (const result of results) {
      expect(result.route?.explanation.text.en).toBeTruthy();
      expect(result.route?.explanation.text['zh-CN']).toBeTruthy();
      expect(result.priority?.explanation?.text.en).toBeTruthy();
      expect(result.sla?.explanation.text['zh-CN']).toBeTruthy();
      expect(result.path?.steps.map((step) => step.nodeId)).toEqual(['start', 'triage']);
      expect(result.path?.waitingAt).toEqual([
        expect.objectContaining({
          nodeId: 'triage',
          kind: 'task',
          waitingFor: 'task',
          name: { 'zh-CN': '分诊处理', en: 'Triage and fix' },
        }),
      ]);
      expect(result.path?.ended).toBe(false);
    }
    expect(results[0]!.assignment).toMatchObject({ team: 'it-ops', assignee: opsAgent.id });
    expect(results[3]!.assignment).toMatchObject({ team: 'it-desk', assignee: agent.id });

    expect(await collectionCounts()).toEqual(before);
  });

  it('follows the draft as it is edited (rules of a draft are never served from an older simulation)', async () => {
    const simulateVpn = async () => {
      const { body } = await call(app, {
        method: 'POST',
        url: `/api/ticket-types/${KEY}/simulate`,
        ...withToken(designer.token),
        payload: { samples: [sample({ service: 'vpn', impact: 'team', urgency: 'low' })] },
      });
      return (body.samples as SimulatedSample[])[0]?.route?.ruleId;
    };
    expect(await simulateVpn()).toBe('default');
    const edited = itIncident();
    (edited.routing as { when: unknown }[])[0]!.when = {
      in: [{ var: 'data.service' }, ['server', 'network', 'vpn']],
    };
    expect((await saveDraft(KEY, edited)).status).toBe(200);
    expect(await simulateVpn()).toBe('infra');
    // The published versions keep their own rules.
    const published = await call(app, {
      method: 'POST',
      url: `/api/ticket-types/${KEY}/simulate`,
      ...withToken(designer.token),
      payload: { version: 4, samples: [sample({ service: 'vpn', impact: 'team', urgency: 'low' })] },
    });
    expect((published.body.samples as SimulatedSample[])[0]?.route?.ruleId).toBe('default');
  });

  it('reports a sample whose form is not filled correctly, without failing the others', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: `/api/ticket-types/${KEY}/simulate`,
      ...withToken(designer.token),
      payload: {
        version: 1,
        samples: [
          sample({ service: 'server', impact: 'team', urgency: 'low' }),
          sample({ service: 'vpn', impact: 'team', urgency: 'low' }),
        ],
      },
    });
    expect(status).toBe(200);
    expect(body.source).toBe(1);
    const [missingHost, fine] = body.samples as SimulatedSample[];
    expect(missingHost).toMatchObject({ ok: false, error: { code: 'form.invalid' } });
    expect(missingHost?.error?.message['zh-CN']).toBeTruthy();
    expect(fine).toMatchObject({ ok: true, priority: { value: 'low' } });
  });

  it('is for designers only and names malformed samples', async () => {
    const refused = await call(app, {
      method: 'POST',
      url: `/api/ticket-types/${KEY}/simulate`,
      ...withToken(agent.token),
      payload: { samples: [sample({})] },
    });
    expect(refused.status).toBe(403);
    const malformed = await call(app, {
      method: 'POST',
      url: `/api/ticket-types/${KEY}/simulate`,
      ...withToken(designer.token),
      payload: { samples: [{ data: {}, openedAt: 'yesterday' }] },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.field).toBe('body.samples.0.openedAt');
  });
});

describe('GET /docs/json', () => {
  it('describes every definitions route with its request and every response', async () => {
    const { status, body } = await call(app, { method: 'GET', url: '/docs/json' });
    expect(status).toBe(200);
    const paths = body.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    const expected: [string, string, string[]][] = [
      ['/api/ticket-types', 'post', ['201', '400', '401', '403', '409']],
      ['/api/ticket-types', 'get', ['200', '401', '403']],
      ['/api/ticket-types/{key}', 'get', ['200', '400', '404']],
      ['/api/ticket-types/{key}/draft', 'put', ['200', '400', '404', '409']],
      ['/api/ticket-types/{key}/validate', 'post', ['200', '404']],
      ['/api/ticket-types/{key}/publish', 'post', ['201', '400', '404', '409', '422']],
      ['/api/ticket-types/{key}/versions', 'get', ['200', '404']],
      ['/api/ticket-types/{key}/versions/{n}', 'get', ['200', '404']],
      ['/api/ticket-types/{key}/diff', 'get', ['200', '400', '404']],
      ['/api/ticket-types/{key}/rollback', 'post', ['201', '404', '409']],
      ['/api/ticket-types/{key}/simulate', 'post', ['200', '400', '404']],
      ['/api/calendars', 'get', ['200', '401']],
      ['/api/calendars', 'post', ['201', '400', '409', '422']],
      ['/api/calendars/{key}', 'get', ['200', '404']],
      ['/api/calendars/{key}', 'put', ['200', '400', '404', '409', '422']],
      ['/api/sla-policies', 'get', ['200', '401']],
      ['/api/sla-policies', 'post', ['201', '400', '409', '422']],
      ['/api/sla-policies/{key}', 'get', ['200', '404']],
      ['/api/sla-policies/{key}', 'put', ['200', '400', '404', '409', '422']],
    ];
    for (const [path, method, statuses] of expected) {
      const operation = paths[path]?.[method];
      expect(operation, `${method.toUpperCase()} ${path}`).toBeDefined();
      expect(Object.keys(operation!.responses)).toEqual(expect.arrayContaining(statuses));
    }
  });
});
