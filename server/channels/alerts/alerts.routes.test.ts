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
} from '../../../test/support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../../../test/support/tickets.js';
import { ALERT_EPISODES, ALERT_REJECTIONS, alertTicketIdOf, signBody } from './alert-channel.model.js';

let app: FastifyInstance;
let admin: string;
let monitoring: CreatedUser;
let agent: CreatedUser;

/** Form values that make the incident matrix give each priority (impact × urgency). */
const PRIORITY_DATA = {
  urgent: { impact: 'company', urgency: 'high' },
  high: { impact: 'team', urgency: 'high' },
  medium: { impact: 'team', urgency: 'medium' },
  low: { impact: 'person', urgency: 'low' },
};

const DATA_MAPPING = {
  title: { path: '$.alert.title' },
  description: { path: '$.alert.description' },
  service: { logic: { if: [{ '==': [{ var: 'alert.labels.job' }, 'node'] }, 'server', 'other'] } },
  hostname: { path: '$.alert.labels.instance' },
};

beforeAll(async () => {
  app = await buildTestApp('channels_alerts');
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  monitoring = await createUser(app, admin, { username: 'monitoring', roles: ['requester'] });
  agent = await createUser(app, admin, { username: 'ops.agent', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id, skills: { server: 3 } }] });
  const designer = await createUser(app, admin, { username: 'designer.a', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
});
afterAll(async () => {
  await app.close();
});

async function createChannel(settings: Record<string, unknown> = {}) {
  const { status, body } = await call(app, {
    method: 'POST',
    url: '/api/channels/alert-channels',
    headers: bearer(admin),
    payload: {
      name: 'Prometheus',
      typeKey: 'it.incident',
      requesterId: monitoring.id,
      priorityData: PRIORITY_DATA,
      dataMapping: DATA_MAPPING,
      ...settings,
    },
  });
  expect(status, JSON.stringify(body)).toBe(201);
  const channel = body.channel as { id: string; webhookPath: string };
  return { id: channel.id, path: channel.webhookPath, key: String(body.key), body };
}

function alertmanager(alerts: Record<string, unknown>[], status = 'firing') {
  return {
    version: '4',
    groupKey: '{}:{alertname="HighLoad"}',
    status,
    receiver: 'ordo',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
  };
}

const firing = (fingerprint: string, extra: Record<string, unknown> = {}) => ({
  status: 'firing',
  labels: { alertname: 'HighLoad', instance: `host-${fingerprint}`, job: 'node', severity: 'critical' },
  annotations: {
    summary: `Load above 10 on host-${fingerprint}`,
    description: 'Load average high for 5 minutes',
  },
  startsAt: '2026-10-08T02:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus:9090/graph',
  fingerprint,
  ...extra,
});

const post = (
  path: string,
  key: string | undefined,
  payload: unknown,
  headers: Record<string, string> = {},
) =>
  call(app, {
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/json', ...(key ? { 'x-ordo-alert-key': key } : {}), ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

const count = (collection: string, filter: Record<string, unknown> = {}) =>
  app.db.collection(collection).countDocuments(filter);

async function ticketOf(ticketId: string) {
  const { status, body } = await call(app, {
    method: 'GET',
    url: `/api/tickets/${ticketId}`,
    headers: bearer(admin),
  });
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

async function summaryOf(ticketId: string) {
  const { status, body } = await call(app, {
    method: 'GET',
    url: `/api/channels/alerts/tickets/${ticketId}`,
    headers: bearer(admin),
  });
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

describe('POST /api/channels/alerts/:key', () => {
  it('1,000 concurrent identical firing alerts open one ticket with 1,000 occurrences', async () => {
    const channel = await createChannel();
    const payload = alertmanager([firing('storm0001')]);
    const answers = await Promise.all(
      Array.from({ length: 1000 }, () => post(channel.path, channel.key, payload)),
    );
    expect(answers.filter((answer) => answer.status !== 202).map((answer) => answer.body)).toEqual([]);
    const items = answers.map((answer) => (answer.body.items as Record<string, unknown>[])[0]!);
    const ticketIds = new Set(items.map((item) => item.ticketId));
    expect(ticketIds.size).toBe(1);
    expect(items.filter((item) => item.outcome === 'opened')).toHaveLength(1);
    expect(new Set(items.map((item) => item.occurrence)).size).toBe(1000);
    expect(await count(ALERT_EPISODES, { channelId: channel.id })).toBe(1);
    const ticketId = String([...ticketIds][0]);
    expect(await count('tickets', { channel: 'alert', _id: ticketId })).toBe(1);

    const ticket = await ticketOf(ticketId);
    expect(ticket.priority).toBe('urgent');
    expect((ticket.data as Record<string, unknown>).service).toBe('server');
    const summary = await summaryOf(ticketId);
    expect(summary).toMatchObject({
      count: 1000,
      episode: 1,
      fingerprint: 'storm0001',
      severity: 'critical',
    });
    expect(Date.parse(String(summary.lastSeen))).toBeGreaterThanOrEqual(
      Date.parse(String(summary.firstSeen)),
    );
  });

  it('100 distinct fingerprints open 100 tickets', async () => {
    const channel = await createChannel({ name: 'fleet' });
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        post(
          channel.path,
          channel.key,
          alertmanager([
            firing(`fleet${String(index).padStart(3, '0')}`, {
              // Probed from outside: the desk's round robin (no open-ticket counts to read per open).
              labels: {
                alertname: 'Unreachable',
                instance: `site-${index}`,
                job: 'blackbox',
                severity: 'warning',
              },
            }),
          ]),
        ),
      ),
    );
    expect(answers.filter((answer) => answer.status !== 202).map((answer) => answer.body)).toEqual([]);
    const ticketIds = new Set(
      answers.map((answer) => (answer.body.items as { ticketId: string }[])[0]!.ticketId),
    );
    expect(ticketIds.size).toBe(100);
    expect(await count('tickets', { _id: { $in: [...ticketIds] } })).toBe(100);
    expect(await count(ALERT_EPISODES, { channelId: channel.id })).toBe(100);
  });

  it("opens in the channel's team in one commit", async () => {
    const channel = await createChannel({ name: 'ops-team', team: 'it-ops' });
    const answer = await post(channel.path, channel.key, alertmanager([firing('team001')]));
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    const ticketId = (answer.body.items as { ticketId: string }[])[0]!.ticketId;
    const ticket = await ticketOf(ticketId);
    expect(ticket.team).toBe('it-ops');
    expect(ticket.version).toBe(1);
  });

  it('records a resolved alert on the ticket; resolves it when the channel says so; the next firing opens anew', async () => {
    const recordOnly = await createChannel({ name: 'record only', autoResolve: false });
    const opened = await post(recordOnly.path, recordOnly.key, alertmanager([firing('disk01')]));
    const ticketId = (opened.body.items as { ticketId: string }[])[0]!.ticketId;
    const resolved = alertmanager(
      [firing('disk01', { status: 'resolved', endsAt: '2026-10-08T03:00:00Z' })],
      'resolved',
    );
    const recorded = await post(recordOnly.path, recordOnly.key, resolved);
    expect(recorded.status).toBe(202);
    expect((recorded.body.items as { outcome: string }[])[0]!.outcome).toBe('resolution-recorded');
    const again = await post(recordOnly.path, recordOnly.key, resolved);
    expect((again.body.items as { outcome: string }[])[0]!.outcome).toBe('already-recorded');
    const events = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticketId}/events`,
      headers: bearer(admin),
    });
    const notes = (events.body.items as { events: { type: string; data: { body?: string } }[] }[])
      .flatMap((commit) => commit.events)
      .filter((event) => event.type === 'comment.added');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.data.body).toContain('2026-10-08T03:00:00.000Z');
    expect(((await ticketOf(ticketId)).status as { category: string }).category).not.toBe('resolved');
    expect((await summaryOf(ticketId)).resolutions).toEqual([
      expect.objectContaining({ endsAt: '2026-10-08T03:00:00.000Z', resolvedTicket: false }),
    ]);

    const autoResolve = await createChannel({ name: 'auto resolve', autoResolve: true });
    const first = await post(autoResolve.path, autoResolve.key, alertmanager([firing('cpu01')]));
    const firstTicket = (first.body.items as { ticketId: string }[])[0]!.ticketId;
    const done = await post(
      autoResolve.path,
      autoResolve.key,
      alertmanager([firing('cpu01', { status: 'resolved', endsAt: '2026-10-08T03:00:00Z' })], 'resolved'),
    );
    expect((done.body.items as { outcome: string }[])[0]!.outcome).toBe('resolved');
    expect(['resolved', 'closed']).toContain(
      ((await ticketOf(firstTicket)).status as { category: string }).category,
    );

    const refire = await post(autoResolve.path, autoResolve.key, alertmanager([firing('cpu01')]));
    const item = (refire.body.items as { ticketId: string; episode: number; outcome: string }[])[0]!;
    expect(item).toMatchObject({ episode: 2, outcome: 'opened' });
    expect(item.ticketId).not.toBe(firstTicket);
  });

  it('a resolved alert with no open ticket opens nothing', async () => {
    const channel = await createChannel({ name: 'quiet' });
    const answer = await post(
      channel.path,
      channel.key,
      alertmanager([firing('never', { status: 'resolved' })], 'resolved'),
    );
    expect(answer.status).toBe(202);
    expect((answer.body.items as { outcome: string }[])[0]!.outcome).toBe('no-open-ticket');
    expect(await count(ALERT_EPISODES, { channelId: channel.id })).toBe(0);
  });

  it('refuses a wrong or missing key and an unknown channel with 401, storing nothing', async () => {
    const channel = await createChannel({ name: 'keyed' });
    const before = [await count(ALERT_EPISODES), await count(ALERT_REJECTIONS), await count('tickets')];
    for (const [path, key] of [
      [channel.path, 'oak_wrong'],
      [channel.path, undefined],
      [channel.path, `${channel.key}x`],
      ['/api/channels/alerts/ac0000000000000000', channel.key],
    ] as const) {
      const answer = await post(path, key, alertmanager([firing('intruder')]));
      expect(answer.status).toBe(401);
      expect(answer.response.headers['content-type']).toContain('application/problem+json');
      expect(answer.body.field).toBe('header.x-ordo-alert-key');
    }
    expect([await count(ALERT_EPISODES), await count(ALERT_REJECTIONS), await count('tickets')]).toEqual(
      before,
    );
    // Alertmanager's `http_config.authorization` sends the key as a bearer token.
    const bearerAnswer = await post(channel.path, undefined, alertmanager([firing('bearer01')]), {
      authorization: `Bearer ${channel.key}`,
    });
    expect(bearerAnswer.status, JSON.stringify(bearerAnswer.body)).toBe(202);
  });

  it('a signed channel wants the HMAC of the raw body: a bad one is 401 and stores nothing', async () => {
    const channel = await createChannel({ name: 'signed', signed: true });
    const secret = String(channel.body.signingSecret);
    expect(secret).toMatch(/^oas_/);
    const body = JSON.stringify(alertmanager([firing('signed01')]));
    const before = [await count(ALERT_EPISODES), await count(ALERT_REJECTIONS)];
    for (const signature of [
      undefined,
      'sha256=00',
      signBody('another secret', body),
      signBody(secret, `${body} `),
    ]) {
      const answer = await post(
        channel.path,
        channel.key,
        body,
        signature ? { 'x-ordo-signature': signature } : {},
      );
      expect(answer.status).toBe(401);
      expect(answer.body.field).toBe('header.x-ordo-signature');
    }
    expect([await count(ALERT_EPISODES), await count(ALERT_REJECTIONS)]).toEqual(before);
    const signed = await post(channel.path, channel.key, body, {
      'x-ordo-signature': signBody(secret, body),
    });
    expect(signed.status, JSON.stringify(signed.body)).toBe(202);
  });

  it('a payload not matching its mapping is 422 naming the path, kept as a rejection; replayed once fixed', async () => {
    const channel = await createChannel({
      name: 'custom',
      preset: 'custom',
      mapping: {
        fingerprint: { path: '$.incident.id' },
        title: { path: '$.incident.name' },
        status: { path: '$.incident.state' },
        severity: { path: '$.incident.level' },
      },
    });
    const episodes = await count(ALERT_EPISODES);
    const payload = {
      incident: { key: 'db-7', name: 'Replica lag above 30 s', state: 'triggered', level: 'error' },
    };
    const refused = await post(channel.path, channel.key, payload);
    expect(refused.status).toBe(422);
    expect(refused.response.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.field).toBe('body.incident.id');
    expect(await count(ALERT_EPISODES)).toBe(episodes);

    const unknownStatus = await post(channel.path, channel.key, {
      incident: { ...payload.incident, id: 'db-7', state: 'sleeping' },
    });
    expect(unknownStatus.status).toBe(422);
    expect(unknownStatus.body.field).toBe('body.incident.state');

    const list = await call(app, {
      method: 'GET',
      url: `/api/channels/alert-channels/${channel.id}/rejections`,
      headers: bearer(admin),
    });
    expect(list.body.total).toBe(2);
    const kept = (list.body.items as { id: string; field: string; payload: string; code: string }[]).find(
      (item) => item.field === 'body.incident.id',
    )!;
    expect(JSON.parse(kept.payload)).toEqual(payload);
    expect(kept.id).toBe(refused.body.rejectionId);

    const patched = await call(app, {
      method: 'PATCH',
      url: `/api/channels/alert-channels/${channel.id}`,
      headers: bearer(admin),
      payload: {
        mapping: {
          fingerprint: { path: '$.incident.key' },
          title: { path: '$.incident.name' },
          status: { path: '$.incident.state' },
          severity: { path: '$.incident.level' },
        },
      },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const replay = () =>
      call(app, {
        method: 'POST',
        url: `/api/channels/alert-channels/${channel.id}/rejections/${kept.id}/replay`,
        headers: bearer(admin),
      });
    const replayed = await replay();
    expect(replayed.status, JSON.stringify(replayed.body)).toBe(200);
    const item = (replayed.body.items as { outcome: string; ticketId: string }[])[0]!;
    expect(item.outcome).toBe('opened');
    expect((await ticketOf(item.ticketId)).priority).toBe('high');
    expect((await replay()).status).toBe(409);
  });

  it('the form refusing the mapped data is 422 and kept; nothing else stored but the claim', async () => {
    const channel = await createChannel({ name: 'short titles', dataMapping: { title: { logic: 'x' } } });
    const answer = await post(channel.path, channel.key, alertmanager([firing('form01')]));
    expect(answer.status).toBe(422);
    expect(answer.response.headers['content-type']).toContain('application/problem+json');
    expect(await count(ALERT_REJECTIONS, { channelId: channel.id })).toBe(1);
    expect(await count('tickets', { _id: alertTicketIdOf(`${channel.id}|form01|1`) })).toBe(0);
  });
});

describe('alert channels admin', () => {
  it('shows the key once, rotates it (the old one stops), disables the channel', async () => {
    const channel = await createChannel({ name: 'rotating' });
    const listed = await call(app, {
      method: 'GET',
      url: '/api/channels/alert-channels',
      headers: bearer(admin),
    });
    expect(JSON.stringify(listed.body)).not.toContain(channel.key);
    const rotated = await call(app, {
      method: 'POST',
      url: `/api/channels/alert-channels/${channel.id}/rotate`,
      headers: bearer(admin),
    });
    expect(rotated.status).toBe(200);
    const newKey = String(rotated.body.key);
    expect(newKey).not.toBe(channel.key);
    expect((await post(channel.path, channel.key, alertmanager([firing('rot01')]))).status).toBe(401);
    expect((await post(channel.path, newKey, alertmanager([firing('rot01')]))).status).toBe(202);

    await call(app, {
      method: 'PATCH',
      url: `/api/channels/alert-channels/${channel.id}`,
      headers: bearer(admin),
      payload: { enabled: false },
    });
    const disabled = await post(channel.path, newKey, alertmanager([firing('rot02')]));
    expect(disabled.status).toBe(403);
    expect(await count(ALERT_REJECTIONS, { channelId: channel.id, code: 'alert.channel-disabled' })).toBe(1);
  });

  it('refuses settings naming what does not exist, naming the field', async () => {
    for (const [payload, field] of [
      [{ typeKey: 'no.such.type' }, 'body.typeKey'],
      [{ requesterId: 'f'.repeat(24) }, 'body.requesterId'],
      [{ team: 'no-such-team' }, 'body.team'],
      [{ dataMapping: { title: { path: '$..x' } } }, 'body.dataMapping.title.path'],
      [{ dataMapping: { title: { logic: { no_such_op: [] } } } }, 'body.dataMapping.title.logic'],
      [{ preset: 'custom' }, 'body.mapping'],
    ] as const) {
      const { status, body } = await call(app, {
        method: 'POST',
        url: '/api/channels/alert-channels',
        headers: bearer(admin),
        payload: { name: 'bad', typeKey: 'it.incident', requesterId: monitoring.id, ...(payload as object) },
      });
      expect(status, JSON.stringify(payload)).toBe(400);
      expect(body.field).toBe(field);
    }
    const agentCall = await call(app, {
      method: 'GET',
      url: '/api/channels/alert-channels',
      headers: bearer(agent.token),
    });
    expect(agentCall.status).toBe(403);
  });

  it('keeps a custom mapping and data mapping whose json-logic tests a list (`in`), and alerts open by it', async () => {
    const inList = (path: string, list: string[]) => ({ in: [{ var: path }, list] });
    const mapping = {
      fingerprint: { path: '$.incident.id' },
      title: { path: '$.incident.name' },
      status: { logic: { if: [inList('incident.state', ['ok', 'closed']), 'resolved', 'firing'] } },
      severity: { logic: { if: [inList('incident.level', ['fatal', 'error']), 'critical', 'warning'] } },
    };
    const dataMapping = {
      ...DATA_MAPPING,
      service: { logic: { if: [inList('alert.severity', ['critical']), 'server', 'other'] } },
      hostname: { path: '$.alert.fingerprint' },
    };
    const channel = await createChannel({ name: 'list logic', preset: 'custom', mapping, dataMapping });
    expect(channel.body.channel).toMatchObject({ mapping, dataMapping, priorityData: PRIORITY_DATA });
    const read = await call(app, {
      method: 'GET',
      url: `/api/channels/alert-channels/${channel.id}`,
      headers: bearer(admin),
    });
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body.mapping).toEqual(mapping);
    expect(read.body.dataMapping).toEqual(dataMapping);
    expect(read.body.priorityData).toEqual(PRIORITY_DATA);
    const listed = await call(app, {
      method: 'GET',
      url: '/api/channels/alert-channels',
      headers: bearer(admin),
    });
    expect((listed.body.items as { id: string }[]).find((item) => item.id === channel.id)).toMatchObject({
      mapping,
      dataMapping,
    });

    const patchedMapping = {
      ...mapping,
      severity: { logic: { if: [inList('incident.level', ['fatal']), 'critical', 'warning'] } },
    };
    const patched = await call(app, {
      method: 'PATCH',
      url: `/api/channels/alert-channels/${channel.id}`,
      headers: bearer(admin),
      payload: { mapping: patchedMapping },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.channel).toMatchObject({ mapping: patchedMapping, dataMapping });

    const fired = await post(channel.path, channel.key, {
      incident: { id: 'list-1', name: 'Primary database down', state: 'open', level: 'fatal' },
    });
    expect(fired.status, JSON.stringify(fired.body)).toBe(202);
    expect(fired.body.items).toEqual([expect.objectContaining({ fingerprint: 'list-1', outcome: 'opened' })]);
    const ticket = await ticketOf(alertTicketIdOf(`${channel.id}|list-1|1`));
    expect(ticket.priority).toBe('urgent');
    expect(ticket.data).toMatchObject({ title: 'Primary database down', service: 'server' });
  });

  it('test shows what a payload would do and stores nothing', async () => {
    const channel = await createChannel({ name: 'tested', autoResolve: true });
    await post(channel.path, channel.key, alertmanager([firing('known01')]));
    const before = [
      await count(ALERT_EPISODES),
      await count(ALERT_REJECTIONS),
      await count('tickets'),
      await count('sequences'),
    ];
    const { status, body } = await call(app, {
      method: 'POST',
      url: `/api/channels/alert-channels/${channel.id}/test`,
      headers: bearer(admin),
      payload: {
        payload: alertmanager([
          firing('new01', {
            labels: { alertname: 'DiskFull', job: 'node', instance: 'db-1', severity: 'warning' },
          }),
          firing('known01'),
          firing('known01', { status: 'resolved' }),
        ]),
      },
    });
    expect(status, JSON.stringify(body)).toBe(200);
    const items = body.items as Record<string, unknown>[];
    expect(items.map((item) => item.action)).toEqual(['open', 'add-occurrence', 'resolve']);
    expect(items[0]).toMatchObject({ priority: 'medium', opens: { ok: true, priority: 'medium' } });
    expect(items[1]).toMatchObject({ ticket: { occurrences: 1 } });
    expect([
      await count(ALERT_EPISODES),
      await count(ALERT_REJECTIONS),
      await count('tickets'),
      await count('sequences'),
    ]).toEqual(before);

    const bad = await call(app, {
      method: 'POST',
      url: `/api/channels/alert-channels/${channel.id}/test`,
      headers: bearer(admin),
      payload: { payload: { alerts: [] } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe('body.payload.alerts');
  });
});
