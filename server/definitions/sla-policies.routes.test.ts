import { IT_INCIDENT_SLA } from '../../runtime/sla/sla.fixture.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from '../../test/support/server-app.js';

let app: FastifyInstance;
let adminToken: string;
let designer: CreatedUser;
let agent: CreatedUser;
let requester: CreatedUser;

beforeAll(async () => {
  app = await buildTestApp('definitions_sla_policies');
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  designer = await createUser(app, adminToken, { username: 'sla.designer', roles: ['designer'] });
  agent = await createUser(app, adminToken, { username: 'sla.agent', roles: ['agent'] });
  requester = await createUser(app, adminToken, { username: 'sla.requester', roles: ['requester'] });
});

afterAll(async () => {
  await app.close();
});

const withToken = (token: string) => ({ headers: bearer(token) });
const name = { 'zh-CN': '标准服务级别', en: 'Standard service level' };

/** The reference table of DESIGN.md §3 (the runtime's fixture), escalating only at breach. */
const standardPolicy = {
  ...IT_INCIDENT_SLA,
  escalations: [{ at: 'breach', clock: 'any', do: [{ notify: 'supervisor' }, { highlight: 'breached' }] }],
};

describe('POST /api/sla-policies', () => {
  it('creates a policy ticket types can refer to by key', async () => {
    const { status, body, response } = await call(app, {
      method: 'POST',
      url: '/api/sla-policies',
      ...withToken(designer.token),
      payload: { key: 'standard', name, policy: standardPolicy },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      key: 'standard',
      name,
      revision: 1,
      policy: standardPolicy,
      updatedBy: designer.id,
    });
    expect(response.headers.etag).toBe('"1"');
  });

  it('refuses a key that exists with 409 naming body.key', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/sla-policies',
      ...withToken(designer.token),
      payload: { key: 'standard', name, policy: standardPolicy },
    });
    expect(status).toBe(409);
    expect(body.field).toBe('body.key');
  });

  it('answers 422 with the problems of a policy, pointing into the body', async () => {
    const badUnit = structuredClone(standardPolicy);
    (badUnit.targets[0]!.firstResponse as { unit: string }).unit = 'fortnights';
    const unit = await call(app, {
      method: 'POST',
      url: '/api/sla-policies',
      ...withToken(designer.token),
      payload: { key: 'bad-unit', name, policy: badUnit },
    });
    expect(unit.status).toBe(422);
    const problems = unit.body.problems as { path: string; text: Record<string, string> }[];
    expect(problems[0]!.path).toBe('/policy/targets/0/firstResponse/unit');
    expect(problems[0]!.text['zh-CN']).toBeTruthy();
    expect(unit.body.field).toBe('body.policy.targets.0.firstResponse.unit');

    const unknownCalendar = await call(app, {
      method: 'POST',
      url: '/api/sla-policies',
      ...withToken(designer.token),
      payload: { key: 'elsewhere', name, policy: { ...standardPolicy, calendar: 'atlantis' } },
    });
    expect(unknownCalendar.status).toBe(422);
    expect(unknownCalendar.body.problems).toContainEqual(
      expect.objectContaining({ code: 'definition.ref.unknownCalendar', path: '/policy/calendar' }),
    );
  });

  it('names malformed input with 400 and refuses requesters with 403', async () => {
    const missing = await call(app, {
      method: 'POST',
      url: '/api/sla-policies',
      ...withToken(designer.token),
      payload: { key: 'nameless', policy: standardPolicy },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.field).toBe('body.name');

    const refused = await call(app, {
      method: 'POST',
      url: '/api/sla-policies',
      ...withToken(requester.token),
      payload: { key: 'mine', name, policy: standardPolicy },
    });
    expect(refused.status).toBe(403);
  });
});

describe('GET /api/sla-policies', () => {
  it('lists policies for staff', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/sla-policies',
      ...withToken(agent.token),
    });
    expect(status).toBe(200);
    expect((body as unknown as { key: string }[]).map((policy) => policy.key)).toEqual(['standard']);
  });

  it('answers 404 for an unknown policy', async () => {
    const { status } = await call(app, {
      method: 'GET',
      url: '/api/sla-policies/none',
      ...withToken(agent.token),
    });
    expect(status).toBe(404);
  });
});

describe('PUT /api/sla-policies/:key', () => {
  it('replaces a policy and bumps its revision', async () => {
    const { status, body } = await call(app, {
      method: 'PUT',
      url: '/api/sla-policies/standard',
      headers: { ...bearer(designer.token), 'if-match': '"1"' },
      payload: { name, policy: { ...standardPolicy, warnAt: 0.8 } },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ revision: 2, policy: { warnAt: 0.8 } });
  });

  it('refuses a stale revision with 409 and a changed key with 400', async () => {
    const stale = await call(app, {
      method: 'PUT',
      url: '/api/sla-policies/standard',
      headers: { ...bearer(designer.token), 'if-match': '"1"' },
      payload: { name, policy: standardPolicy },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.currentRevision).toBe(2);

    const renamed = await call(app, {
      method: 'PUT',
      url: '/api/sla-policies/standard',
      ...withToken(designer.token),
      payload: { key: 'other', name, policy: standardPolicy },
    });
    expect(renamed.status).toBe(400);
    expect(renamed.body.field).toBe('body.key');
  });
});
