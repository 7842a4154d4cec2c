import type { FastifyInstance } from 'fastify';
import { simulateTicketType } from '../../definitions/simulate.service.js';
import { HttpProblem, badRequest, conflict, notFound } from '../../lib/problem.js';
import { problemResponses, problemSchema } from '../../routes/common.schemas.js';
import {
  alertCollections,
  decodeAlertChannel,
  encodeAlertChannel,
  hashKey,
  newAlertKey,
  newChannelId,
  newSigningSecret,
  sealSecret,
  type AlertChannelDoc,
  type AlertRejectionDoc,
  type StoredAlertChannelDoc,
} from './alert-channel.model.js';
import type { AlertIntake } from './alert-intake.js';
import {
  DEFAULT_DATA_MAPPING,
  MAPPED_FIELDS,
  MappingError,
  expressionProblem,
  mapAlerts,
  parsePath,
  type CustomMapping,
  type MappingExpression,
  type MappingPreset,
  type Priority,
} from './alert-mapping.js';
import { problemOf, receivePayload, refusalOf } from './alert-receiver.js';
import {
  channelIdSchema,
  channelViewSchema,
  createChannelBody,
  outcomesSchema,
  patchChannelBody,
  rejectionViewSchema,
  secretsSchema,
  testResultSchema,
} from './alerts.schemas.js';

interface ChannelSettings {
  name?: string;
  enabled?: boolean;
  typeKey?: string;
  requesterId?: string;
  team?: string | null;
  preset?: MappingPreset;
  mapping?: CustomMapping | null;
  severityMap?: Record<string, Priority>;
  defaultPriority?: Priority;
  priorityData?: Partial<Record<Priority, Record<string, unknown>>>;
  dataMapping?: Record<string, MappingExpression>;
  autoResolve?: boolean;
  signed?: boolean;
}

const adminOnly = { access: { roles: ['admin'] as const } };
const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: channelIdSchema },
} as const;

/** Severities as Alertmanager rules usually name them. */
const DEFAULT_SEVERITY_MAP: Record<string, Priority> = {
  critical: 'urgent',
  page: 'urgent',
  error: 'high',
  major: 'high',
  warning: 'medium',
  minor: 'low',
  info: 'low',
};

export function channelView(channel: AlertChannelDoc) {
  return {
    id: channel._id,
    name: channel.name,
    enabled: channel.enabled,
    webhookPath: `/api/channels/alerts/${channel._id}`,
    keyHint: channel.keyHint,
    keyRotatedAt: channel.keyRotatedAt.toISOString(),
    signed: channel.signingSecret !== undefined,
    preset: channel.preset,
    ...(channel.mapping ? { mapping: channel.mapping } : {}),
    typeKey: channel.typeKey,
    requesterId: channel.requesterId,
    ...(channel.team ? { team: channel.team } : {}),
    severityMap: channel.severityMap,
    defaultPriority: channel.defaultPriority,
    priorityData: channel.priorityData,
    dataMapping: channel.dataMapping,
    autoResolve: channel.autoResolve,
    createdAt: channel.createdAt.toISOString(),
    updatedAt: channel.updatedAt.toISOString(),
  };
}

function rejectionView(rejection: AlertRejectionDoc) {
  return {
    id: rejection._id,
    at: rejection.at.toISOString(),
    code: rejection.code,
    ...(rejection.field ? { field: rejection.field } : {}),
    reason: rejection.reason,
    payload: rejection.payload,
    truncated: rejection.truncated,
    replays: rejection.replays,
    ...(rejection.replayedAt ? { replayedAt: rejection.replayedAt.toISOString() } : {}),
    ...(rejection.settledAt ? { settledAt: rejection.settledAt.toISOString() } : {}),
  };
}

const asBadRequest = (error: MappingError) => badRequest(error.field, error.text, 'alert.mapping-invalid');

/**
 * Admin API of alert channels: create (the key shown once), change, rotate the key, try a payload (storing nothing),
 * and the payloads not turned into tickets, with replay.
 */
export async function alertChannelsRoutes(
  app: FastifyInstance,
  options: { intake: AlertIntake; forget: (id?: string) => void },
) {
  const { intake, forget } = options;
  const collections = () => alertCollections(app.db);

  async function load(id: string): Promise<AlertChannelDoc> {
    const channel = await collections().channels.findOne({ _id: id });
    if (!channel) throw notFound('Alert channel');
    return decodeAlertChannel(channel);
  }

  /** Every reference and expression of the settings checked, naming the field; nothing stored before. */
  async function check(settings: ChannelSettings, preset: MappingPreset, mapping: CustomMapping | undefined) {
    if (settings.typeKey !== undefined && !(await app.tickets.newestDefinition(settings.typeKey)))
      throw badRequest(
        'body.typeKey',
        {
          'zh-CN': `没有已发布的工单类型“${settings.typeKey}”`,
          en: `There is no published ticket type "${settings.typeKey}"`,
        },
        'unknown-type',
      );
    if (settings.requesterId !== undefined && !(await app.tickets.requester(settings.requesterId)))
      throw badRequest(
        'body.requesterId',
        { 'zh-CN': '提单人不存在或已停用', en: 'The requester does not exist or is inactive' },
        'unknown-person',
      );
    if (typeof settings.team === 'string' && !(await app.models.Team.exists({ key: settings.team })))
      throw badRequest(
        'body.team',
        { 'zh-CN': `团队“${settings.team}”不存在`, en: `There is no team "${settings.team}"` },
        'unknown-team',
      );
    if (preset === 'custom' && !mapping)
      throw badRequest('body.mapping', {
        'zh-CN': '自定义映射须填写映射（至少指纹与标题）',
        en: 'A custom mapping needs its mapping (at least fingerprint and title)',
      });
    if (mapping) {
      if (mapping.items !== undefined) {
        const parsed = parsePath(mapping.items);
        if (!parsed.ok)
          throw badRequest('body.mapping.items', {
            'zh-CN': `JSON 路径无法解析：${parsed.reason}`,
            en: `The JSON path cannot be read: ${parsed.reason}`,
          });
      }
      for (const field of MAPPED_FIELDS) {
        const expression = mapping[field];
        const problem = expression && expressionProblem(expression, `body.mapping.${field}`);
        if (problem) throw asBadRequest(problem);
      }
    }
    for (const [field, expression] of Object.entries(settings.dataMapping ?? {})) {
      const problem = expressionProblem(expression, `body.dataMapping.${field}`);
      if (problem) throw asBadRequest(problem);
    }
  }

  app.get(
    '/api/channels/alert-channels',
    {
      config: adminOnly,
      schema: {
        tags: ['channels'],
        summary: 'List alert channels (never their keys)',
        response: {
          200: {
            type: 'object',
            required: ['items', 'total'],
            properties: { items: { type: 'array', items: channelViewSchema }, total: { type: 'integer' } },
          },
          ...problemResponses(401, 403),
        },
      },
    },
    async () => {
      const channels = await collections().channels.find({}).sort({ createdAt: -1 }).toArray();
      return {
        items: channels.map((channel) => channelView(decodeAlertChannel(channel))),
        total: channels.length,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/channels/alert-channels/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['channels'],
        summary: 'One alert channel',
        params: idParams,
        response: { 200: channelViewSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => channelView(await load(request.params.id)),
  );

  app.post<{ Body: ChannelSettings & { name: string; typeKey: string; requesterId: string } }>(
    '/api/channels/alert-channels',
    {
      config: adminOnly,
      schema: {
        tags: ['channels'],
        summary: 'Create an alert channel; its key (and signing secret) are shown once',
        body: createChannelBody,
        response: {
          201: {
            type: 'object',
            required: ['channel', 'key'],
            properties: { channel: channelViewSchema, ...secretsSchema.properties },
          },
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const preset = body.preset ?? 'alertmanager';
      const mapping = body.mapping ?? undefined;
      await check(body, preset, mapping);
      const now = new Date(app.clock.now());
      const key = newAlertKey();
      const signingSecret = body.signed ? newSigningSecret() : undefined;
      const channel: AlertChannelDoc = {
        _id: newChannelId(),
        name: body.name,
        enabled: body.enabled ?? true,
        keyHash: hashKey(key),
        keyHint: key.slice(-4),
        keyRotatedAt: now,
        ...(signingSecret ? { signingSecret: sealSecret(signingSecret, app.ordo.secret) } : {}),
        preset,
        ...(mapping ? { mapping } : {}),
        typeKey: body.typeKey,
        requesterId: body.requesterId,
        ...(body.team ? { team: body.team } : {}),
        severityMap: body.severityMap ?? DEFAULT_SEVERITY_MAP,
        defaultPriority: body.defaultPriority ?? 'medium',
        priorityData: body.priorityData ?? {},
        dataMapping: body.dataMapping ?? DEFAULT_DATA_MAPPING,
        autoResolve: body.autoResolve ?? false,
        createdAt: now,
        updatedAt: now,
      };
      await collections().channels.insertOne(encodeAlertChannel(channel) as StoredAlertChannelDoc);
      return reply
        .status(201)
        .send({ channel: channelView(channel), key, ...(signingSecret ? { signingSecret } : {}) });
    },
  );

  app.patch<{ Params: { id: string }; Body: ChannelSettings }>(
    '/api/channels/alert-channels/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['channels'],
        summary: 'Change an alert channel (disable, mapping, severities, type, team, auto-resolve, signing)',
        params: idParams,
        body: patchChannelBody,
        response: {
          200: {
            type: 'object',
            required: ['channel'],
            properties: { channel: channelViewSchema, signingSecret: secretsSchema.properties.signingSecret },
          },
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const current = await load(request.params.id);
      const body = request.body;
      const preset = body.preset ?? current.preset;
      const mapping = body.mapping === null ? undefined : (body.mapping ?? current.mapping);
      await check(body, preset, mapping);
      const set: Partial<AlertChannelDoc> = { updatedAt: new Date(app.clock.now()) };
      const unset: Record<string, ''> = {};
      for (const field of [
        'name',
        'enabled',
        'typeKey',
        'requesterId',
        'preset',
        'severityMap',
        'defaultPriority',
        'priorityData',
        'dataMapping',
        'autoResolve',
      ] as const) {
        if (body[field] !== undefined) (set as Record<string, unknown>)[field] = body[field];
      }
      if (body.team === null || body.team === '') unset.team = '';
      else if (body.team !== undefined) set.team = body.team;
      if (body.mapping === null) unset.mapping = '';
      else if (body.mapping !== undefined) set.mapping = body.mapping;
      let signingSecret: string | undefined;
      if (body.signed === true && !current.signingSecret) {
        signingSecret = newSigningSecret();
        set.signingSecret = sealSecret(signingSecret, app.ordo.secret);
      } else if (body.signed === false) unset.signingSecret = '';
      await collections().channels.updateOne(
        { _id: current._id },
        { $set: encodeAlertChannel(set), ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}) },
      );
      forget(current._id);
      return { channel: channelView(await load(current._id)), ...(signingSecret ? { signingSecret } : {}) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/channels/alert-channels/:id/rotate',
    {
      config: adminOnly,
      schema: {
        tags: ['channels'],
        summary: 'Replace the channel’s key (and its signing secret when signed); the old ones stop at once',
        params: idParams,
        response: {
          200: {
            type: 'object',
            required: ['channel', 'key'],
            properties: { channel: channelViewSchema, ...secretsSchema.properties },
          },
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const current = await load(request.params.id);
      const now = new Date(app.clock.now());
      const key = newAlertKey();
      const signingSecret = current.signingSecret ? newSigningSecret() : undefined;
      await collections().channels.updateOne(
        { _id: current._id },
        {
          $set: {
            keyHash: hashKey(key),
            keyHint: key.slice(-4),
            keyRotatedAt: now,
            updatedAt: now,
            ...(signingSecret ? { signingSecret: sealSecret(signingSecret, app.ordo.secret) } : {}),
          },
        },
      );
      forget(current._id);
      return {
        channel: channelView(await load(current._id)),
        key,
        ...(signingSecret ? { signingSecret } : {}),
      };
    },
  );

  app.post<{ Params: { id: string }; Body: { payload: unknown } }>(
    '/api/channels/alert-channels/:id/test',
    {
      config: { ...adminOnly, allowDollarKeys: true },
      schema: {
        tags: ['channels'],
        summary:
          'What a payload would do on this channel (open, add an occurrence, resolve…); stores nothing',
        params: idParams,
        body: {
          type: 'object',
          required: ['payload'],
          additionalProperties: false,
          properties: { payload: {} },
        },
        response: { 200: testResultSchema, ...problemResponses(400, 401, 403, 404), 422: problemSchema },
      },
    },
    async (request) => {
      const channel = await load(request.params.id);
      let alerts;
      try {
        alerts = mapAlerts(request.body.payload, channel.preset, channel.mapping);
      } catch (error) {
        if (!(error instanceof MappingError)) throw error;
        // The payload's paths are named under body.payload here (the webhook's body is the payload itself).
        throw problemOf({
          status: 422,
          code: error.code,
          field: error.field.replace(/^body/, 'body.payload'),
          text: error.text,
        });
      }
      const definition = await app.tickets.newestDefinition(channel.typeKey);
      const items = [];
      for (const alert of alerts.slice(0, 50)) {
        const { priority, data } = await intake.ticketInput(channel, alert);
        const found = await intake.peek(channel, alert.fingerprint);
        const ticket = found && {
          id: found.episode.ticketId,
          occurrences: found.count,
          ...(await numberOf(found.episode.ticketId)),
        };
        if (alert.status === 'resolved') {
          items.push({
            alert,
            priority,
            data,
            action: found ? (channel.autoResolve ? 'resolve' : 'record-resolution') : 'nothing',
            ...(ticket ? { ticket } : {}),
          });
          continue;
        }
        if (found) {
          items.push({ alert, priority, data, action: 'add-occurrence', ...(ticket ? { ticket } : {}) });
          continue;
        }
        let opens: Record<string, unknown> = { ok: false, error: { code: 'unknown-type' } };
        if (definition) {
          const simulated = await simulateTicketType(
            app.db,
            channel.typeKey,
            {
              version: definition.version,
              samples: [{ data, requester: { id: channel.requesterId }, channel: 'alert' }],
            },
            { now: app.clock.now() },
          );
          const sample = simulated.samples[0]!;
          opens = {
            ok: sample.ok,
            ...(sample.priority ? { priority: sample.priority.value } : {}),
            ...(sample.assignment?.team || channel.team
              ? { team: channel.team ?? sample.assignment?.team }
              : {}),
            ...(sample.assignment?.assignee && !channel.team ? { assignee: sample.assignment.assignee } : {}),
            ...(sample.error ? { error: sample.error } : {}),
          };
        }
        items.push({ alert, priority, data, action: 'open', opens });
      }
      return { items };
    },
  );

  async function numberOf(ticketId: string): Promise<{ number?: string }> {
    const doc = await app.tickets.tickets.findOne({ _id: ticketId }, { projection: { number: 1 } });
    return doc?.number ? { number: doc.number } : {};
  }

  app.get<{ Params: { id: string }; Querystring: { offset?: number; limit?: number } }>(
    '/api/channels/alert-channels/:id/rejections',
    {
      config: adminOnly,
      schema: {
        tags: ['channels'],
        summary: 'Payloads of this channel not turned into tickets, newest first, with the reason',
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            offset: { type: 'integer', minimum: 0, default: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items', 'total'],
            properties: { items: { type: 'array', items: rejectionViewSchema }, total: { type: 'integer' } },
          },
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const channel = await load(request.params.id);
      const { rejections } = collections();
      const filter = { channelId: channel._id };
      const [items, total] = await Promise.all([
        rejections
          .find(filter)
          .sort({ at: -1, _id: -1 })
          .skip(request.query.offset ?? 0)
          .limit(request.query.limit ?? 20)
          .toArray(),
        rejections.countDocuments(filter),
      ]);
      return { items: items.map(rejectionView), total };
    },
  );

  app.post<{ Params: { id: string; rejection: string } }>(
    '/api/channels/alert-channels/:id/rejections/:rejection/replay',
    {
      config: adminOnly,
      schema: {
        tags: ['channels'],
        summary: 'Run a kept payload again with the channel as it is now',
        params: {
          type: 'object',
          required: ['id', 'rejection'],
          properties: { id: channelIdSchema, rejection: { type: 'string', pattern: '^ar[0-9a-z]{8,40}$' } },
        },
        response: { 200: outcomesSchema, ...problemResponses(400, 401, 403, 404, 409), 422: problemSchema },
      },
    },
    async (request) => {
      const channel = await load(request.params.id);
      const { rejections } = collections();
      const rejection = await rejections.findOne({ _id: request.params.rejection, channelId: channel._id });
      if (!rejection) throw notFound('Rejected payload');
      if (rejection.settledAt)
        throw conflict({
          'zh-CN': '此告警已重放成功，不再重复处理',
          en: 'This payload was already replayed into tickets',
        });
      if (!channel.enabled)
        throw conflict({ 'zh-CN': '请先启用此告警通道', en: 'Enable this alert channel first' });
      if (rejection.truncated)
        throw new HttpProblem(422, 'Unprocessable Entity', {
          code: 'alert.truncated',
          text: {
            'zh-CN': '此告警内容过大，仅保留了前一部分，无法重放',
            en: 'Only the beginning of this payload was kept (too large); it cannot be replayed',
          },
        });
      const now = new Date(app.clock.now());
      try {
        const items = await receivePayload(intake, channel, JSON.parse(rejection.payload));
        await rejections.updateOne(
          { _id: rejection._id },
          { $set: { replayedAt: now, settledAt: now }, $inc: { replays: 1 } },
        );
        return { items };
      } catch (error) {
        const refusal = refusalOf(error);
        if (!refusal) throw error;
        await rejections.updateOne(
          { _id: rejection._id },
          {
            $set: {
              replayedAt: now,
              code: refusal.code,
              reason: refusal.text,
              ...(refusal.field ? { field: refusal.field } : {}),
            },
            $inc: { replays: 1 },
          },
        );
        throw problemOf(refusal, rejection._id);
      }
    },
  );
}
