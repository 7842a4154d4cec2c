import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
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
import { markRepair } from '../../tickets/ticket-repairs.js';
import { decodeTrigger, recordCollections, type TriggerDoc } from './records.model.js';
import { recordOf } from './records.routes.js';
import { triggerTicketId } from './trigger-schedule.js';

const DATABASE = 'record_triggers';
/**
 * Every how many of the 500 records match the trigger. All 500 are evaluated by both runs; each match opens a ticket
 * (one commit), so the suite lets one in twenty match — 25 records spread over the whole list, which the two runs
 * reach at the same time. `ORDO_TRIGGERS_FULL=1` makes all 500 match (a throughput measure, tens of seconds).
 */
const MATCH_EVERY = process.env.ORDO_TRIGGERS_FULL === '1' ? 1 : 20;
const MATCHING = Math.ceil(500 / MATCH_EVERY);
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
// Thursday 2026-10-08 10:00 in Shanghai.
const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));

let app: FastifyInstance;
/** A second app on the same database: a second worker. */
let other: FastifyInstance;
let admin: string;
let requester: CreatedUser;
let agent: CreatedUser;

beforeAll(async () => {
  app = await buildTestApp(DATABASE, { clock });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'sales.li', roles: ['requester'] });
  agent = await createUser(app, admin, { username: 'desk.wang', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id }] });
  const designer = await createUser(app, admin, { username: 'designer.wu', roles: ['designer'] });
  expect(await publishType(app, designer.token, itIncidentDefinition())).toBe(1);
  other = await buildTestApp(DATABASE, { clock });
});
afterAll(async () => {
  await other?.close();
  await app?.close();
});

/** Many records straight into the store (the PUT route has its own tests; 500 requests would only add time). */
async function insertRecords(
  system: string,
  type: string,
  count: number,
  updatedAt: (index: number) => number,
) {
  const now = new Date(clock.now());
  const records = Array.from({ length: count }, (_, index) =>
    recordOf(
      { system, type, id: `${type.toUpperCase()}-${index}` },
      {
        title: `客户 ${index} 的商机`,
        owner: 'sales.li',
        updatedAt: new Date(updatedAt(index)).toISOString(),
        data: { amount: 1000 * index },
      },
      now,
      'test',
    ),
  );
  await recordCollections(app.db).records.insertMany(records);
  return records.map((record) => record.id);
}

async function putRecords(system: string, type: string, count: number, updatedAt: (index: number) => number) {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, count - start) }, async (_, offset) => {
        const index = start + offset;
        const id = `${type.toUpperCase()}-${index}`;
        ids[index] = id;
        const { status, body } = await call(app, {
          method: 'PUT',
          url: `/api/records/${system}/${type}/${id}`,
          headers: bearer(admin),
          payload: {
            title: `客户 ${index} 的商机`,
            owner: 'sales.li',
            updatedAt: new Date(updatedAt(index)).toISOString(),
            data: { amount: 1000 * index, stage: index % 3 === 0 ? 'negotiation' : 'proposal' },
          },
        });
        expect(status, JSON.stringify(body)).toBe(201);
      }),
    );
  }
  return ids;
}

const idleMapping = {
  title: { cat: ['跟进闲置商机：', { var: 'record.title' }] },
  description: { cat: ['已 ', { var: 'daysSince.updatedAt' }, ' 天无更新'] },
  service: 'other',
  impact: 'person',
  urgency: 'low',
};

async function createTrigger(body: Record<string, unknown>): Promise<TriggerDoc & { id: string }> {
  const { status, body: created } = await call(app, {
    method: 'POST',
    url: '/api/triggers',
    headers: bearer(admin),
    payload: {
      name: '闲置 30 天的商机',
      kind: 'schedule',
      schedule: '0 9 * * *',
      ticketType: 'it.incident',
      requester: requester.id,
      mapping: idleMapping,
      ...body,
    },
  });
  expect(status, JSON.stringify(created)).toBe(201);
  const trigger = await recordCollections(app.db).triggers.findOne({ _id: String(created.id) });
  return { ...decodeTrigger(trigger!), id: trigger!._id };
}

async function linkedTickets(recordKeys: string[]) {
  const rows = await recordCollections(app.db)
    .links.find({ record: { $in: recordKeys } })
    .toArray();
  const byRecord = new Map<string, string[]>();
  for (const row of rows) byRecord.set(row.record, [...(byRecord.get(row.record) ?? []), row.ticketId]);
  return byRecord;
}

describe('scheduled trigger over records', () => {
  it('a trigger over 500 records run twice in one period by two workers at once opens exactly one ticket per matching record', async () => {
    const now = clock.now();
    // Records idle for 40 days match; those changed 5 days ago do not.
    const matches = (index: number) => index % MATCH_EVERY === 0;
    const ids = await insertRecords(
      'crm',
      'opportunity',
      500,
      (index) => now - (matches(index) ? 40 : 5) * DAY,
    );
    const trigger = await createTrigger({
      source: { system: 'crm', type: 'opportunity' },
      condition: { '>=': [{ var: 'daysSince.updatedAt' }, 30] },
      team: 'it-ops',
      repeat: 'month',
    });
    expect(trigger.nextRunAt?.toISOString()).toBe('2026-10-09T01:00:00.000Z');

    // Two workers claim the same scheduled run: one runs it.
    const scheduledAt = trigger.nextRunAt!;
    const claims = await Promise.all([
      app.recordTriggers.start(trigger, scheduledAt, 'schedule'),
      other.recordTriggers.start(trigger, scheduledAt, 'schedule'),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    // …while a second run of the same period (run by hand on the other worker) goes at once.
    const second = await other.recordTriggers.start(trigger, new Date(now + 1000), 'manual');
    const runs = await Promise.all([claims.find(Boolean)!.done, second!.done]);

    for (const run of runs) {
      expect(run.status).toBe('finished');
      expect(run.period).toBe('2026-10');
      expect(run.examined).toBe(500);
      expect(run.matched).toBe(MATCHING);
      expect(run.failed).toBe(0);
    }
    expect(runs[0].opened + runs[1].opened).toBe(MATCHING);
    expect(runs[0].existing + runs[1].existing).toBe(MATCHING);

    const keys = ids.map((id) => `crm:opportunity:${id}`);
    const linked = await linkedTickets(keys);
    keys.forEach((key, index) => {
      if (matches(index)) expect(linked.get(key), key).toHaveLength(1);
      else expect(linked.get(key), key).toBeUndefined();
    });
    const ticketIds = [...linked.values()].flat();
    expect(new Set(ticketIds).size).toBe(MATCHING);
    const tickets = await app.tickets.tickets.find({ _id: { $in: ticketIds } }).toArray();
    expect(tickets).toHaveLength(MATCHING);
    expect(new Set(tickets.map((ticket) => ticket.number)).size).toBe(MATCHING);
    expect(tickets.every((ticket) => ticket.team === 'it-ops' && ticket.channel === 'schedule')).toBe(true);

    // The ticket as people see it: the mapped form, the requester (the owner was not asked for), the record link.
    const first = await call(app, {
      method: 'GET',
      url: `/api/tickets/${triggerTicketId(trigger.id, 'crm:opportunity:OPPORTUNITY-0', '2026-10')}`,
      headers: bearer(admin),
    });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({
      title: '跟进闲置商机：客户 0 的商机',
      description: '已 40 天无更新',
    });
    expect(tickets.every((ticket) => ticket.requesterId === requester.id)).toBe(true);
    expect(first.body.links).toEqual([
      expect.objectContaining({ system: 'crm', type: 'opportunity', id: 'OPPORTUNITY-0' }),
    ]);

    // The worker's job after the run: not due again until the next scheduled instant. The other worker's run wrote
    // its summary meanwhile, apart from the trigger, so the instant the scheduled run moved on to stays.
    const stored = await recordCollections(app.db).triggers.findOne({ _id: trigger.id });
    expect(stored!.nextRunAt!.toISOString()).toBe('2026-10-10T01:00:00.000Z');
    expect(stored!.lastRun).toBeUndefined();
    const lastRun = await recordCollections(app.db).lastRuns.findOne({ _id: trigger.id });
    expect(lastRun!.lastRun).toMatchObject({ status: 'finished', examined: 500 });
    expect(await app.recordTriggers.runDue(scheduledAt.getTime())).toEqual([]);
    expect(await app.recordTriggers.runDue(now)).toEqual([]);

    // The records list shows the tickets of each record.
    const listed = await call(app, {
      method: 'GET',
      url: '/api/records?system=crm&type=opportunity&linked=true&limit=5',
      headers: bearer(admin),
    });
    expect(listed.status).toBe(200);
    expect(listed.body.total).toBe(MATCHING);
    for (const item of listed.body.items as { tickets: unknown[] }[]) expect(item.tickets).toHaveLength(1);

    // Its runs, newest first.
    const history = await call(app, {
      method: 'GET',
      url: `/api/triggers/${trigger.id}/runs`,
      headers: bearer(admin),
    });
    expect((history.body.items as unknown[]).length).toBe(2);
  }, 120_000);

  it('a new period allows a new ticket per the trigger’s setting; never means once for ever', async () => {
    const now = clock.now();
    await putRecords('crm', 'lead', 3, () => now - 60 * DAY);
    const daily = await createTrigger({
      name: 'daily',
      source: { system: 'crm', type: 'lead' },
      repeat: 'day',
    });
    const once = await createTrigger({
      name: 'once',
      source: { system: 'crm', type: 'lead' },
      repeat: 'never',
    });
    const run = (trigger: TriggerDoc, at: number) =>
      app.recordTriggers.runScheduled(trigger, new Date(at), 'schedule');

    expect((await run(daily, now))!.opened).toBe(3);
    expect((await run(once, now))!.opened).toBe(3);
    // Same day, a later scheduled run: nothing new.
    expect(await run(daily, now + 60_000)).toMatchObject({ opened: 0, existing: 3 });
    // The next day: a new period for the daily trigger, none for the one-off.
    expect(await run(daily, now + DAY)).toMatchObject({ opened: 3, existing: 0, period: '2026-10-09' });
    expect(await run(once, now + DAY)).toMatchObject({ opened: 0, existing: 3, period: 'once' });
    const linked = await linkedTickets(['crm:lead:LEAD-0']);
    expect(linked.get('crm:lead:LEAD-0')).toHaveLength(3);
  }, 60_000);

  it('a crash mid-run opens no duplicate on the re-run, and the re-run finishes what the crash left', async () => {
    const now = clock.now();
    const ids = await putRecords('erp', 'order', 12, () => now - 10 * DAY);
    const trigger = await createTrigger({
      name: 'orders',
      source: { system: 'erp', type: 'order' },
      team: 'it-ops',
    });
    // A ticket opened by an older version (open, then team, then link), whose worker died right after the open.
    const orphanId = triggerTicketId(trigger.id, `erp:order:${ids[11]}`, 'once');
    await app.tickets.open({
      typeKey: 'it.incident',
      data: { title: '跟进闲置商机：半途', service: 'other', impact: 'person', urgency: 'low' },
      requester: (await app.tickets.requester(requester.id))!,
      channel: 'schedule',
      actor: { id: `trigger:${trigger.id}`, roles: [], teams: [], kind: 'system' },
      ticketId: orphanId,
    });
    // …and another run stopped after its first batch (the process was stopping).
    const stop = new AbortController();
    const started = await app.recordTriggers.start(trigger, trigger.nextRunAt!, 'schedule', {
      signal: stop.signal,
    });
    stop.abort();
    const stopped = await started!.done;
    expect(stopped.status).toBe('failed');
    expect(stopped.opened).toBeLessThan(11);

    // The next pass claims the run again (attempt 2) and completes it.
    const rerun = await app.recordTriggers.runScheduled(trigger, trigger.nextRunAt!, 'schedule');
    expect(rerun).toMatchObject({ attempt: 2, status: 'finished', matched: 12 });
    expect(stopped.opened + rerun!.opened).toBe(11);
    const linked = await linkedTickets(ids.map((id) => `erp:order:${id}`));
    for (const id of ids) expect(linked.get(`erp:order:${id}`), id).toHaveLength(1);
    const orphan = await app.tickets.load(orphanId);
    expect(orphan!.state.team).toBe('it-ops');
    expect(orphan!.state.links?.map((link) => link.id)).toEqual([ids[11]]);
  }, 60_000);

  it('opens for the record’s owner when asked and known, else for the trigger’s requester', async () => {
    const now = clock.now();
    for (const [id, owner] of [
      ['A-1', 'desk.wang'],
      ['A-2', 'someone.outside'],
    ] as const) {
      await call(app, {
        method: 'PUT',
        url: `/api/records/assets/server/${id}`,
        headers: bearer(admin),
        payload: { title: `服务器 ${id}`, owner, updatedAt: new Date(now - DAY).toISOString() },
      });
    }
    const trigger = await createTrigger({
      name: 'owners',
      source: { system: 'assets', type: 'server' },
      requesterFromOwner: true,
    });
    const run = await app.recordTriggers.runScheduled(trigger, new Date(now), 'manual');
    expect(run).toMatchObject({ opened: 2, failed: 0 });
    const requesterOf = async (id: string) =>
      (await app.tickets.load(triggerTicketId(trigger.id, `assets:server:${id}`, 'once')))!.state.requester
        .id;
    expect(await requesterOf('A-1')).toBe(agent.id);
    expect(await requesterOf('A-2')).toBe(requester.id);
  });
});

describe('run summary and next run instant', () => {
  it('summaries written by runs on two workers never put back the next run instant the scheduled run moved on', async () => {
    // A trigger over no records: each run is its claim, its summary and (scheduled) the move of the next instant.
    const trigger = await createTrigger({
      name: 'hourly, nothing to open',
      schedule: '0 * * * *',
      source: { system: 'crm', type: 'race' },
    });
    // A trigger stored before summaries were kept apart carries its last run itself: it is read as it is.
    const older = {
      runId: `${trigger.id}@2026-10-01T01:00:00.000Z#1`,
      startedAt: new Date('2026-10-01T01:00:00.000Z'),
      finishedAt: new Date('2026-10-01T01:00:05.000Z'),
      status: 'finished' as const,
      reason: 'schedule' as const,
      examined: 7,
      matched: 2,
      opened: 1,
      existing: 1,
      failed: 0,
    };
    await recordCollections(app.db).triggers.updateOne({ _id: trigger.id }, { $set: { lastRun: older } });
    const before = await call(app, { method: 'GET', url: '/api/triggers', headers: bearer(admin) });
    expect((before.body.items as { id: string }[]).find((item) => item.id === trigger.id)).toMatchObject({
      lastRun: { runId: older.runId, startedAt: '2026-10-01T01:00:00.000Z', examined: 7, opened: 1 },
    });

    let scheduledAt = trigger.nextRunAt!;
    const manualAt = Math.floor(clock.now() / 1000) * 1000 + 10 * DAY;
    for (let round = 0; round < 5; round += 1) {
      // The scheduled run on one worker while the other finishes six runs by hand, each writing its summary.
      const [scheduled] = await Promise.all([
        app.recordTriggers.runScheduled(trigger, scheduledAt, 'schedule'),
        ...Array.from({ length: 6 }, (_, index) =>
          other.recordTriggers.runScheduled(
            trigger,
            new Date(manualAt + (round * 6 + index) * 1000),
            'manual',
          ),
        ),
      ]);
      expect(scheduled?.status).toBe('finished');
      const next = new Date(scheduledAt.getTime() + HOUR);
      const stored = await recordCollections(app.db).triggers.findOne({ _id: trigger.id });
      expect(stored!.nextRunAt!.toISOString(), `round ${round}`).toBe(next.toISOString());
      scheduledAt = next;
    }
    // What the admin reads: the newest summary, and the instant the scheduled runs moved on to.
    const { body } = await call(app, {
      method: 'GET',
      url: `/api/triggers/${trigger.id}`,
      headers: bearer(admin),
    });
    expect(body.nextRunAt).toBe(scheduledAt.toISOString());
    const lastRun = body.lastRun as { runId: string; reason: string };
    expect(lastRun).toMatchObject({ status: 'finished', examined: 0 });
    expect(lastRun.runId).not.toBe(older.runId);
    expect(['schedule', 'manual']).toContain(lastRun.reason);
  }, 60_000);
});

describe('POST /api/triggers/:id/test', () => {
  it('lists which records would open which tickets now, storing nothing', async () => {
    const now = clock.now();
    await putRecords('crm', 'contract', 4, (index) => now - (index < 2 ? 45 : 1) * DAY);
    const trigger = await createTrigger({
      name: 'contracts',
      source: { system: 'crm', type: 'contract' },
      condition: { '>=': [{ var: 'daysSince.updatedAt' }, 30] },
      repeat: 'week',
    });
    const ticketsBefore = await app.tickets.tickets.countDocuments({});
    const runsBefore = await recordCollections(app.db).runs.countDocuments({});
    const { status, body } = await call(app, {
      method: 'POST',
      url: `/api/triggers/${trigger.id}/test`,
      headers: bearer(admin),
      payload: {},
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ examined: 4, matched: 2, period: '2026-W41' });
    const items = body.items as {
      source: string;
      matched: boolean;
      ticketId?: string;
      data?: Record<string, unknown>;
    }[];
    expect(items.filter((item) => item.matched).map((item) => item.source)).toEqual([
      'crm:contract:CONTRACT-0',
      'crm:contract:CONTRACT-1',
    ]);
    expect(items[0]!.ticketId).toBe(triggerTicketId(trigger.id, 'crm:contract:CONTRACT-0', '2026-W41'));
    expect(items[0]!.data).toMatchObject({ title: '跟进闲置商机：客户 0 的商机' });
    expect(await app.tickets.tickets.countDocuments({})).toBe(ticketsBefore);
    expect(await recordCollections(app.db).runs.countDocuments({})).toBe(runsBefore);

    // An unsaved trigger tried on pasted sample records: a mapping the form refuses is shown per record.
    const draft = await call(app, {
      method: 'POST',
      url: '/api/triggers/test',
      headers: bearer(admin),
      payload: {
        trigger: {
          name: 'draft',
          kind: 'schedule',
          schedule: '*/30 * * * *',
          source: { system: 'crm', type: 'contract' },
          ticketType: 'it.incident',
          requester: requester.id,
          mapping: { ...idleMapping, title: { var: 'data.short' } },
        },
        records: [{ id: 'S-1', title: '样例', data: { short: 'ab' } }],
      },
    });
    expect(draft.status, JSON.stringify(draft.body)).toBe(200);
    const [sample] = draft.body.items as { matched: boolean; problems?: { field: string }[] }[];
    expect(sample!.matched).toBe(true);
    expect(sample!.problems?.map((problem) => problem.field)).toContain('mapping.title');
  });
});

describe('json-logic with array literals (`in`)', () => {
  it('stores, reads back, updates, tries and runs a trigger whose condition and mapping test a list', async () => {
    const now = clock.now();
    // Record 0 is in negotiation, records 1 and 2 are proposals.
    await putRecords('crm', 'deal', 3, () => now - DAY);
    const condition = { in: [{ var: 'data.stage' }, ['negotiation', 'won']] };
    const mapping = {
      ...idleMapping,
      urgency: { if: [{ in: [{ var: 'data.stage' }, ['negotiation']] }, 'high', 'low'] },
    };
    const payload = {
      name: 'deals in a list of stages',
      kind: 'schedule',
      schedule: '0 9 * * *',
      source: { system: 'crm', type: 'deal' },
      ticketType: 'it.incident',
      requester: requester.id,
      condition,
      mapping,
      repeat: 'run',
    };
    const created = await call(app, {
      method: 'POST',
      url: '/api/triggers',
      headers: bearer(admin),
      payload,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ condition, mapping });
    const id = String(created.body.id);
    const read = await call(app, { method: 'GET', url: `/api/triggers/${id}`, headers: bearer(admin) });
    expect(read.status).toBe(200);
    expect(read.body.condition).toEqual(condition);
    expect(read.body.mapping).toEqual(mapping);
    const listed = await call(app, { method: 'GET', url: '/api/triggers', headers: bearer(admin) });
    expect((listed.body.items as { id: string }[]).find((item) => item.id === id)).toMatchObject({
      condition,
      mapping,
    });

    const widened = { in: [{ var: 'data.stage' }, ['negotiation', 'proposal']] };
    const updated = await call(app, {
      method: 'PUT',
      url: `/api/triggers/${id}`,
      headers: bearer(admin),
      payload: { ...payload, condition: widened },
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.condition).toEqual(widened);
    expect(updated.body.mapping).toEqual(mapping);

    const tried = await call(app, {
      method: 'POST',
      url: `/api/triggers/${id}/test`,
      headers: bearer(admin),
      payload: {},
    });
    expect(tried.status, JSON.stringify(tried.body)).toBe(200);
    expect(tried.body).toMatchObject({ examined: 3, matched: 3 });
    const items = tried.body.items as { source: string; data?: Record<string, unknown> }[];
    expect(items.find((item) => item.source === 'crm:deal:DEAL-0')!.data).toMatchObject({ urgency: 'high' });
    expect(items.find((item) => item.source === 'crm:deal:DEAL-1')!.data).toMatchObject({ urgency: 'low' });

    const run = await call(app, { method: 'POST', url: `/api/triggers/${id}/run`, headers: bearer(admin) });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    await app.recordTriggers.settle();
    const runs = await call(app, { method: 'GET', url: `/api/triggers/${id}/runs`, headers: bearer(admin) });
    expect(runs.body.items).toEqual([
      expect.objectContaining({
        runId: run.body.runId,
        status: 'finished',
        examined: 3,
        matched: 3,
        opened: 3,
      }),
    ]);
  });

  it('reads a trigger stored with its condition and mapping as documents (the older form)', async () => {
    const now = new Date(clock.now());
    const OLDER_ID = '0a'.repeat(12);
    const condition = { '>=': [{ var: 'daysSince.updatedAt' }, 30] };
    await recordCollections(app.db).triggers.insertOne({
      _id: OLDER_ID,
      name: 'older form',
      enabled: false,
      kind: 'schedule',
      schedule: '0 9 * * *',
      timezone: 'Asia/Shanghai',
      source: { system: 'crm', type: 'none' },
      condition,
      ticketType: 'it.incident',
      requester: requester.id,
      requesterFromOwner: false,
      channel: 'schedule',
      mapping: { title: { var: 'record.title' } },
      repeat: 'never',
      revision: 1,
      createdAt: now,
      updatedAt: now,
      updatedBy: 'test',
    });
    const read = await call(app, { method: 'GET', url: `/api/triggers/${OLDER_ID}`, headers: bearer(admin) });
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body).toMatchObject({ condition, mapping: { title: { var: 'record.title' } } });
  });
});

describe('event triggers', () => {
  let triggerId: string;
  const open = async (impact: string, urgency: string) => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: {
        type: 'it.incident',
        data: { title: '全公司邮件中断', service: 'email', impact, urgency },
      },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    return body as { id: string; number: string; priority: string };
  };
  const reviewOf = (source: string) => triggerTicketId(triggerId, `ticket:${source}`, 'once');

  it('an urgent ticket opened opens one problem review in one commit, linked both ways, once however often the event is seen', async () => {
    const created = await call(app, {
      method: 'POST',
      url: '/api/triggers',
      headers: bearer(admin),
      payload: {
        name: '紧急故障 → 问题复盘',
        kind: 'event',
        events: ['ticket.opened'],
        condition: { '==': [{ var: 'ticket.priority' }, 'urgent'] },
        ticketType: 'it.incident',
        team: 'it-ops',
        mapping: {
          title: { cat: ['问题复盘：', { var: 'ticket.number' }] },
          service: { var: 'ticket.data.service' },
          impact: 'team',
          urgency: 'medium',
        },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    triggerId = String(created.body.id);

    const urgent = await open('company', 'high');
    expect(urgent.priority).toBe('urgent');
    const reviewId = reviewOf(urgent.id);
    const review = await app.tickets.load(reviewId);
    expect(review, 'the review ticket').toBeDefined();
    // Opened in the trigger's team and linked to its source by its first and only commit.
    expect(review!.version).toBe(1);
    expect(review!.state.data).toMatchObject({ title: `问题复盘：${urgent.number}`, service: 'email' });
    expect(review!.state.team).toBe('it-ops');
    expect(review!.state.requester.id).toBe(requester.id);
    expect(review!.state.links).toEqual([
      expect.objectContaining({ system: 'ordo', type: 'ticket', id: urgent.id }),
    ]);
    const source = await app.tickets.load(urgent.id);
    expect(source!.state.links).toEqual([
      expect.objectContaining({ system: 'ordo', type: 'ticket', id: reviewId }),
    ]);

    // The reconciler runs the open's effects again (the ticket marked unfinished): nothing new.
    await markRepair(app.db, urgent.id);
    expect((await app.ticketJobs.reconcileUnfinished(clock.now())).effects).toBeGreaterThan(0);
    const reviews = await recordCollections(app.db).openings.find({ triggerId }).toArray();
    expect(reviews.map((opening) => opening._id)).toEqual([reviewId]);
    expect((await app.tickets.load(urgent.id))!.state.links).toHaveLength(1);
    expect((await app.tickets.load(reviewId))!.version).toBe(1);

    // A low ticket opens none; the review ticket itself (urgent or not) fires no trigger.
    const low = await open('person', 'low');
    expect(await app.tickets.events.get(reviewOf(low.id), 1)).toBeUndefined();
    expect(await recordCollections(app.db).openings.countDocuments({ triggerId })).toBe(1);
    const shown = await call(app, {
      method: 'GET',
      url: `/api/triggers/${triggerId}`,
      headers: bearer(admin),
    });
    expect(shown.body.lastRun).toMatchObject({ reason: 'event', status: 'finished', matched: 1 });
  });

  it('a process dying between an urgent ticket’s commit and its trigger: the workers’ reconcilers open the review, exactly once', async () => {
    // An hour on: the dead process's window holds this test's commits only.
    clock.advance(HOUR);
    const diedAt = clock.now();
    const writers = app.db.collection<{
      _id: string;
      host: string;
      pid: number;
      role: string;
      startedAt: Date;
      beatAt: Date;
    }>('ticket_writers');
    await writers.insertOne({
      _id: 'api-2:4242:dead',
      host: 'api-2',
      pid: 4242,
      role: 'api',
      startedAt: new Date(diedAt - HOUR),
      beatAt: new Date(diedAt),
    });
    const ticketsBefore = await app.tickets.tickets.countDocuments({});
    // The commit is stored with the trigger it matched; the process dies before running it (no mark is left).
    const died = vi.spyOn(app.recordTriggers, 'runEventTrigger').mockResolvedValue(undefined);
    const urgent = await open('company', 'high');
    expect(died).toHaveBeenCalledTimes(1);
    died.mockRestore();
    const reviewId = reviewOf(urgent.id);
    expect(await app.tickets.events.get(reviewId, 1)).toBeUndefined();
    const commit = await app.tickets.events.get(urgent.id, 1);
    expect(commit!.payload.effects).toContainEqual(
      expect.objectContaining({ kind: 'server.event-trigger', triggerId, event: 'ticket.opened' }),
    );

    // Its beats stopped a minute ago: both workers reconcile its window at once.
    clock.advance(2 * 60_000);
    await Promise.all([
      app.ticketJobs.reconcileUnfinished(clock.now()),
      other.ticketJobs.reconcileUnfinished(clock.now()),
    ]);
    const review = await app.tickets.load(reviewId);
    expect(review, 'the review ticket').toBeDefined();
    expect(review!.state).toMatchObject({ team: 'it-ops', data: { title: `问题复盘：${urgent.number}` } });
    expect(review!.state.links).toEqual([expect.objectContaining({ type: 'ticket', id: urgent.id })]);
    expect((await app.tickets.load(urgent.id))!.state.links).toEqual([
      expect.objectContaining({ type: 'ticket', id: reviewId }),
    ]);
    expect(await app.tickets.tickets.countDocuments({})).toBe(ticketsBefore + 2);
    expect(await recordCollections(app.db).openings.countDocuments({ source: `ticket:${urgent.id}` })).toBe(
      1,
    );
    expect(await writers.countDocuments({ _id: 'api-2:4242:dead' })).toBe(0);

    // A worker's first pass after a restart runs the last hour again: nothing new.
    await app.ticketJobs.reconcile(clock.now(), HOUR);
    expect(await app.tickets.tickets.countDocuments({})).toBe(ticketsBefore + 2);
    expect((await app.tickets.load(reviewId))!.version).toBe(1);
  });
});

describe('POST /api/triggers (validation)', () => {
  const valid = () => ({
    name: 'x',
    kind: 'schedule',
    schedule: '0 9 * * 1-5',
    source: { system: 'crm', type: 'opportunity' },
    ticketType: 'it.incident',
    requester: requester.id,
    mapping: { title: { var: 'record.title' } },
  });
  const post = (payload: Record<string, unknown>) =>
    call(app, { method: 'POST', url: '/api/triggers', headers: bearer(admin), payload });

  it.each([
    ['bad cron text', { schedule: 'every monday' }, 'body.schedule'],
    ['cron out of range', { schedule: '61 9 * * *' }, 'body.schedule'],
    ['cron with seconds', { schedule: '0 0 9 * * *' }, 'body.schedule'],
    ['cron never due', { schedule: '0 0 30 2 *' }, 'body.schedule'],
    ['unknown time zone', { timezone: 'Mars/Olympus' }, 'body.timezone'],
    ['unknown json-logic operation', { condition: { eval: ['1'] } }, 'body.condition'],
    ['malformed json-logic', { condition: { '==': [1, 1], '!=': [1, 2] } }, 'body.condition'],
    ['bad mapping rule', { mapping: { title: { nope: [] } } }, 'body.mapping.title'],
    ['mapping of a field the form lacks', { mapping: { budget: 1 } }, 'body.mapping.budget'],
    ['unpublished type', { ticketType: 'no.such' }, 'body.ticketType'],
    ['unknown team', { team: 'nobody' }, 'body.team'],
    ['no requester', { requester: undefined }, 'body.requester'],
    ['no source', { source: undefined }, 'body.source'],
    ['event trigger without events', { kind: 'event', events: undefined }, 'body.events'],
    ['unknown event', { kind: 'event', events: ['ticket.exploded'] }, 'body.events.0'],
  ])('%s → 400 naming the field, nothing stored', async (_case, change, field) => {
    const before = await recordCollections(app.db).triggers.countDocuments({});
    const { status, body } = await post({ ...valid(), ...change });
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.field).toBe(field);
    expect(await recordCollections(app.db).triggers.countDocuments({})).toBe(before);
  });

  it('is for admins only', async () => {
    const { status } = await call(app, {
      method: 'POST',
      url: '/api/triggers',
      headers: bearer(agent.token),
      payload: valid(),
    });
    expect(status).toBe(403);
  });

  it('turns a trigger off and on; run now answers a run id and the run is listed', async () => {
    const { body: created } = await post({
      ...valid(),
      name: 'toggle',
      source: { system: 'crm', type: 'none' },
    });
    const id = String(created.id);
    const off = await call(app, {
      method: 'POST',
      url: `/api/triggers/${id}/disable`,
      headers: bearer(admin),
    });
    expect(off.body).toMatchObject({ enabled: false, upcoming: [] });
    const on = await call(app, { method: 'POST', url: `/api/triggers/${id}/enable`, headers: bearer(admin) });
    expect(on.body.enabled).toBe(true);
    expect((on.body.upcoming as string[]).length).toBe(3);
    const run = await call(app, { method: 'POST', url: `/api/triggers/${id}/run`, headers: bearer(admin) });
    expect(run.status).toBe(202);
    await app.recordTriggers.settle();
    const runs = await call(app, { method: 'GET', url: `/api/triggers/${id}/runs`, headers: bearer(admin) });
    expect(runs.body.items).toEqual([
      expect.objectContaining({ runId: run.body.runId, status: 'finished', examined: 0 }),
    ]);
    const removed = await call(app, { method: 'DELETE', url: `/api/triggers/${id}`, headers: bearer(admin) });
    expect(removed.status).toBe(204);
  });
});
