import { Types } from 'mongoose';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RouteAccess } from '../../access/route-access.js';
import { expectedRevision, ifMatchHeaders } from '../../definitions/definitions.http.js';
import { badRequest, conflict, notFound } from '../../lib/problem.js';
import { noContent, problemResponses } from '../../routes/common.schemas.js';
import { decodeTrigger, encodeTrigger } from './records.model.js';
import type { RecordDoc, TriggerDoc, TriggerRepeat, TriggerRunDoc } from './records.model.js';
import { checkRecordBody, recordOf } from './records.routes.js';
import {
  runView,
  triggerBody,
  triggerParams,
  storedTriggerTestBody,
  triggerTestBody,
  triggerTestView,
  triggerView,
} from './records.schemas.js';
import { checkMappingKeys, prepareTriggerRules } from './trigger-rules.js';
import { nextRunAfter, scheduleProblem, isTimeZone, upcomingRuns } from './trigger-schedule.js';
import { publishedFormFields } from './triggers.service.js';

const admins: RouteAccess = { roles: ['admin'] };
const DEFAULT_TIMEZONE = 'Asia/Shanghai';

export interface TriggerInput {
  name: string;
  description?: string;
  enabled?: boolean;
  kind: 'schedule' | 'event';
  schedule?: string;
  timezone?: string;
  source?: { system: string; type: string };
  events?: string[];
  condition?: unknown;
  ticketType: string;
  team?: string;
  requester?: string;
  requesterFromOwner?: boolean;
  channel?: string;
  mapping?: Record<string, unknown>;
  repeat?: TriggerRepeat;
}

type TriggerFields = Omit<
  TriggerDoc,
  '_id' | 'revision' | 'createdAt' | 'updatedAt' | 'updatedBy' | 'lastRun'
>;

/**
 * Check a trigger as sent and give the fields to store; every refusal is a 400 naming its field under `prefix`
 * (`body.schedule`, `body.trigger.mapping.title`): the schedule by croner, the time zone, the condition and each
 * mapping rule by the rule engine's allow-list, the mapping's keys against the type's published form, the team
 * and the requester against what exists.
 */
export async function checkTrigger(
  app: FastifyInstance,
  input: TriggerInput,
  prefix = 'body',
): Promise<TriggerFields> {
  const timezone = input.timezone ?? DEFAULT_TIMEZONE;
  if (!isTimeZone(timezone)) {
    throw badRequest(`${prefix}.timezone`, {
      'zh-CN': `“${timezone}”不是可识别的时区（例如 Asia/Shanghai）`,
      en: `“${timezone}” is not a known time zone (e.g. Asia/Shanghai)`,
    });
  }
  const schedule = input.kind === 'schedule';
  if (schedule) {
    if (!input.schedule) {
      throw badRequest(`${prefix}.schedule`, {
        'zh-CN': '定时触发器需要 Cron 表达式',
        en: 'A scheduled trigger needs a cron expression',
      });
    }
    const problem = scheduleProblem(input.schedule, timezone);
    if (problem) throw badRequest(`${prefix}.schedule`, problem, 'invalid-cron');
    if (!input.source) {
      throw badRequest(`${prefix}.source`, {
        'zh-CN': '定时触发器需要指定查看哪个系统的哪类记录',
        en: 'A scheduled trigger needs the system and type of the records it looks at',
      });
    }
    if (!input.requester) {
      throw badRequest(`${prefix}.requester`, {
        'zh-CN': '定时触发器需要指定为谁提单',
        en: 'A scheduled trigger needs the person tickets are opened for',
      });
    }
  } else if (!input.events || input.events.length === 0) {
    throw badRequest(`${prefix}.events`, {
      'zh-CN': '事件触发器至少要监听一种工单事件',
      en: 'An event trigger listens to at least one ticket event',
    });
  }
  const mapping = input.mapping ?? {};
  const fields = await publishedFormFields(app, input.ticketType);
  if (!fields) {
    throw badRequest(`${prefix}.ticketType`, {
      'zh-CN': `没有已发布的工单类型“${input.ticketType}”`,
      en: `There is no published ticket type “${input.ticketType}”`,
    });
  }
  checkMappingKeys(mapping, fields, prefix);
  prepareTriggerRules(input.condition, mapping, prefix);
  if (input.team && !(await app.models.Team.exists({ key: input.team }))) {
    throw badRequest(`${prefix}.team`, {
      'zh-CN': `没有团队“${input.team}”`,
      en: `There is no team “${input.team}”`,
    });
  }
  if (input.requester && !(await app.tickets.requester(input.requester))) {
    throw badRequest(`${prefix}.requester`, {
      'zh-CN': '提单人不存在或已停用',
      en: 'The requester does not exist or is inactive',
    });
  }
  return {
    name: input.name.trim(),
    ...(input.description ? { description: input.description } : {}),
    enabled: input.enabled ?? true,
    kind: input.kind,
    ...(schedule ? { schedule: input.schedule!.trim(), source: input.source } : { events: input.events }),
    timezone,
    ...(input.condition === undefined || input.condition === null ? {} : { condition: input.condition }),
    ticketType: input.ticketType,
    ...(input.team ? { team: input.team } : {}),
    requester: input.requester ?? '',
    requesterFromOwner: schedule && (input.requesterFromOwner ?? false),
    channel: input.channel ?? 'schedule',
    mapping,
    // An event trigger opens once per source ticket.
    repeat: schedule ? (input.repeat ?? 'never') : 'never',
  };
}

const iso = (date: Date | undefined) => date?.toISOString();

function runViewOf(
  run: Partial<TriggerRunDoc> & Pick<TriggerRunDoc, 'runId' | 'startedAt' | 'status' | 'reason'>,
) {
  return {
    runId: run.runId,
    startedAt: run.startedAt.toISOString(),
    ...(run.finishedAt ? { finishedAt: run.finishedAt.toISOString() } : {}),
    status: run.status,
    reason: run.reason,
    ...(run.scheduledAt ? { scheduledAt: run.scheduledAt.toISOString() } : {}),
    ...(run.period ? { period: run.period } : {}),
    ...(run.attempt ? { attempt: run.attempt } : {}),
    ...(run.error ? { error: run.error } : {}),
    ...(run.failures ? { failures: run.failures } : {}),
    examined: run.examined ?? 0,
    matched: run.matched ?? 0,
    opened: run.opened ?? 0,
    existing: run.existing ?? 0,
    failed: run.failed ?? 0,
  };
}

function triggerViewOf(trigger: TriggerDoc, now: number) {
  const { _id, nextRunAt, lastRun, createdAt, updatedAt, condition, ...rest } = trigger;
  let upcoming: string[] = [];
  if (trigger.kind === 'schedule' && trigger.schedule && trigger.enabled) {
    try {
      upcoming = upcomingRuns(trigger.schedule, trigger.timezone, new Date(now), 3).map((at) =>
        at.toISOString(),
      );
    } catch {
      upcoming = [];
    }
  }
  return {
    id: _id,
    ...rest,
    ...(rest.requester ? {} : { requester: undefined }),
    ...(condition === undefined ? {} : { condition }),
    ...(nextRunAt && trigger.enabled ? { nextRunAt: iso(nextRunAt) } : {}),
    upcoming,
    ...(lastRun ? { lastRun: runViewOf(lastRun) } : {}),
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
  };
}

const editorOf = (request: FastifyRequest): string => {
  const principal = request.principal!;
  return principal.kind === 'user' ? principal.id : `api-key:${principal.id}`;
};

export async function triggersRoutes(app: FastifyInstance): Promise<void> {
  const service = app.recordTriggers;
  const { triggers, runs } = service.collections;

  const load = async (id: string): Promise<TriggerDoc> => {
    const trigger = await triggers.findOne({ _id: id });
    if (!trigger) throw notFound({ 'zh-CN': '触发器', en: 'Trigger' });
    return decodeTrigger(trigger);
  };
  /** A trigger as the admin sees it: with the summary of its newest run (kept apart, joined here). */
  const loadWithLastRun = async (id: string): Promise<TriggerDoc> => {
    const [trigger] = await service.withLastRuns([await load(id)]);
    return trigger!;
  };

  /** The first due instant of a scheduled trigger from now. */
  const firstRun = (fields: TriggerFields, now: number): Date | undefined =>
    fields.kind === 'schedule' && fields.schedule
      ? nextRunAfter(fields.schedule, fields.timezone, new Date(now))
      : undefined;

  const list = {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: triggerView } },
  } as const;

  app.get(
    '/api/triggers',
    {
      config: { access: admins },
      schema: {
        tags: ['triggers'],
        summary: 'Scheduled and event triggers, with their last run and next scheduled runs',
        response: { 200: list, ...problemResponses(401, 403) },
      },
    },
    async () => {
      const now = app.clock.now();
      const all = await triggers.find({}).sort({ createdAt: 1 }).toArray();
      const joined = await service.withLastRuns(all.map(decodeTrigger));
      return { items: joined.map((trigger) => triggerViewOf(trigger, now)) };
    },
  );

  app.post<{ Body: TriggerInput }>(
    '/api/triggers',
    {
      config: { access: admins },
      schema: {
        tags: ['triggers'],
        summary: 'Create a trigger',
        body: triggerBody,
        response: { 201: triggerView, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const fields = await checkTrigger(app, request.body);
      const now = app.clock.now();
      const next = firstRun(fields, now);
      const doc: TriggerDoc = {
        _id: new Types.ObjectId().toHexString(),
        ...fields,
        ...(next ? { nextRunAt: next } : {}),
        revision: 1,
        createdAt: new Date(now),
        updatedAt: new Date(now),
        updatedBy: editorOf(request),
      };
      await triggers.insertOne(encodeTrigger(doc));
      service.forgetEventTriggers();
      void reply.header('etag', `"${doc.revision}"`);
      return reply.status(201).send(triggerViewOf(doc, now));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/triggers/:id',
    {
      config: { access: admins },
      schema: {
        tags: ['triggers'],
        summary: 'One trigger',
        params: triggerParams,
        response: { 200: triggerView, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const trigger = await loadWithLastRun(request.params.id);
      void reply.header('etag', `"${trigger.revision}"`);
      return triggerViewOf(trigger, app.clock.now());
    },
  );

  app.put<{ Params: { id: string }; Body: TriggerInput }>(
    '/api/triggers/:id',
    {
      config: { access: admins },
      schema: {
        tags: ['triggers'],
        summary: 'Replace a trigger (tickets it opened stay; a new period starts nothing over)',
        params: triggerParams,
        headers: ifMatchHeaders,
        body: triggerBody,
        response: { 200: triggerView, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const current = await load(request.params.id);
      const expected = expectedRevision(request);
      if (expected !== undefined && expected !== current.revision) {
        throw conflict(
          {
            'zh-CN': '触发器已被他人修改，请重新加载',
            en: 'Someone changed the trigger since you loaded it; reload it',
          },
          { revision: current.revision },
        );
      }
      const fields = await checkTrigger(app, request.body);
      const now = app.clock.now();
      const next = firstRun(fields, now);
      const unset: Record<string, ''> = {};
      for (const key of [
        'description',
        'schedule',
        'source',
        'events',
        'condition',
        'team',
        'nextRunAt',
      ] as const) {
        if (!(key in fields) && !(key === 'nextRunAt' && next)) unset[key] = '';
      }
      const update = {
        ...fields,
        ...(next ? { nextRunAt: next } : {}),
        revision: current.revision + 1,
        updatedAt: new Date(now),
        updatedBy: editorOf(request),
      };
      await triggers.updateOne(
        { _id: current._id },
        Object.keys(unset).length > 0
          ? { $set: encodeTrigger(update), $unset: unset }
          : { $set: encodeTrigger(update) },
      );
      service.forgetEventTriggers();
      const saved = await loadWithLastRun(current._id);
      void reply.header('etag', `"${saved.revision}"`);
      return triggerViewOf(saved, now);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/triggers/:id',
    {
      config: { access: admins },
      schema: {
        tags: ['triggers'],
        summary: 'Remove a trigger (the tickets it opened stay)',
        params: triggerParams,
        response: { 204: noContent, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { deletedCount } = await triggers.deleteOne({ _id: request.params.id });
      if (deletedCount === 0) throw notFound({ 'zh-CN': '触发器', en: 'Trigger' });
      await service.collections.lastRuns.deleteOne({ _id: request.params.id });
      service.forgetEventTriggers();
      return reply.status(204).send();
    },
  );

  for (const action of ['enable', 'disable'] as const) {
    app.post<{ Params: { id: string } }>(
      `/api/triggers/:id/${action}`,
      {
        config: { access: admins },
        schema: {
          tags: ['triggers'],
          summary: action === 'enable' ? 'Turn a trigger on' : 'Turn a trigger off',
          params: triggerParams,
          response: { 200: triggerView, ...problemResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const trigger = await load(request.params.id);
        const now = app.clock.now();
        const enabled = action === 'enable';
        // Turned on, a schedule starts from now: runs missed while it was off are not made up.
        const next =
          enabled && trigger.kind === 'schedule' && trigger.schedule
            ? nextRunAfter(trigger.schedule, trigger.timezone, new Date(now))
            : undefined;
        await triggers.updateOne(
          { _id: trigger._id },
          {
            $set: {
              enabled,
              ...(next ? { nextRunAt: next } : {}),
              revision: trigger.revision + 1,
              updatedAt: new Date(now),
            },
          },
        );
        service.forgetEventTriggers();
        return triggerViewOf(await loadWithLastRun(trigger._id), now);
      },
    );
  }

  app.post<{ Params: { id: string } }>(
    '/api/triggers/:id/run',
    {
      config: { access: admins },
      schema: {
        tags: ['triggers'],
        summary: 'Run a scheduled trigger now (in the background); its runs list shows the counts',
        description:
          'The period is the one holding this instant, so records that opened a ticket in this period open none.',
        params: triggerParams,
        response: {
          202: { type: 'object', required: ['runId'], properties: { runId: { type: 'string' } } },
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const trigger = await load(request.params.id);
      if (trigger.kind !== 'schedule') {
        throw badRequest('params.id', {
          'zh-CN': '事件触发器随工单事件触发，不能手动运行',
          en: 'An event trigger fires on ticket events; it cannot be run by hand',
        });
      }
      const at = new Date(Math.floor(app.clock.now() / 1000) * 1000);
      const started = await service.start(trigger, at, 'manual');
      if (!started)
        throw conflict({ 'zh-CN': '这一秒已有一次运行', en: 'A run was started this very second' });
      started.done.catch((error: unknown) =>
        app.log.error({ err: error, triggerId: trigger._id }, 'trigger run failed'),
      );
      return reply.status(202).send({ runId: started.run.runId });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/triggers/:id/runs',
    {
      config: { access: admins },
      schema: {
        tags: ['triggers'],
        summary: 'The last 20 runs of a trigger, newest first, with counts and the first failures',
        params: triggerParams,
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: runView } },
          },
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const trigger = await load(request.params.id);
      const found = await runs.find({ triggerId: trigger._id }).sort({ startedAt: -1 }).limit(20).toArray();
      return { items: found.map(runViewOf) };
    },
  );

  interface TestBody {
    trigger?: TriggerInput;
    records?: ({ id: string; title: string } & Record<string, unknown>)[];
    ticketId?: string;
    limit: number;
  }

  async function preview(trigger: TriggerDoc, body: TestBody) {
    const now = new Date(app.clock.now());
    let records: RecordDoc[] | undefined;
    if (body.records) {
      if (trigger.kind !== 'schedule')
        throw badRequest('body.records', 'sample records are for scheduled triggers');
      records = body.records.map((sample, index) => {
        const { id, ...rest } = sample;
        checkRecordBody(rest, `body.records.${index}`);
        return recordOf({ ...trigger.source!, id }, rest, now, 'sample');
      });
    }
    let ticket;
    if (body.ticketId) {
      ticket = (await app.tickets.load(body.ticketId))?.state;
      if (!ticket)
        throw badRequest('body.ticketId', { 'zh-CN': '没有这张工单', en: 'There is no such ticket' });
    }
    return service.preview(trigger, { records, ticket, limit: body.limit });
  }

  app.post<{ Body: TestBody }>(
    '/api/triggers/test',
    {
      config: { access: admins },
      schema: {
        tags: ['triggers'],
        summary:
          'Try an unsaved trigger: which records (or which ticket) would open which tickets now; nothing stored',
        body: { ...triggerTestBody, required: ['trigger'] },
        response: { 200: triggerTestView, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const fields = await checkTrigger(app, request.body.trigger!, 'body.trigger');
      const now = new Date(app.clock.now());
      const draft: TriggerDoc = {
        _id: 'draft',
        ...fields,
        revision: 0,
        createdAt: now,
        updatedAt: now,
        updatedBy: editorOf(request),
      };
      return preview(draft, request.body);
    },
  );

  app.post<{ Params: { id: string }; Body: TestBody }>(
    '/api/triggers/:id/test',
    {
      config: { access: admins },
      schema: {
        tags: ['triggers'],
        summary: 'Try a saved trigger now: which records would open which tickets; nothing stored',
        params: triggerParams,
        body: storedTriggerTestBody,
        response: { 200: triggerTestView, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => preview(await load(request.params.id), request.body ?? { limit: 100 }),
  );
}
