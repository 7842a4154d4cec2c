import type { FastifyInstance, FastifyRequest } from 'fastify';
import { accessContextOf, requireVisible } from '../../access/record-rules.js';
import { checkJsonContentType, parseJsonBody } from '../../plugins/input-guard.plugin.js';
import { HttpProblem, notFound } from '../../lib/problem.js';
import { problemResponses, problemSchema } from '../../routes/common.schemas.js';
import { ticketPolicy } from '../../tickets/ticket.access.js';
import { keyMatches, openSecret, signatureMatches, type AlertChannelDoc } from './alert-channel.model.js';
import type { AlertIntake } from './alert-intake.js';
import { keepRejection, problemOf, receivePayload, refusalOf } from './alert-receiver.js';
import { occurrenceSummarySchema, outcomesSchema } from './alerts.schemas.js';

export const ALERT_KEY_HEADER = 'x-ordo-alert-key';
export const SIGNATURE_HEADER = 'x-ordo-signature';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

const refusedKey = () =>
  new HttpProblem(401, 'Unauthorized', {
    code: 'alert.key',
    field: `header.${ALERT_KEY_HEADER}`,
    text: {
      'zh-CN': '告警通道或其密钥不正确',
      en: 'The alert channel or its key is not right',
    },
  });

const refusedSignature = () =>
  new HttpProblem(401, 'Unauthorized', {
    code: 'alert.signature',
    field: `header.${SIGNATURE_HEADER}`,
    text: {
      'zh-CN': '请求体签名缺失或不正确（X-Ordo-Signature: sha256=<HMAC>）',
      en: 'The body signature is missing or wrong (X-Ordo-Signature: sha256=<HMAC>)',
    },
  });

/**
 * `POST /api/channels/alerts/:key` — where monitoring systems post — and the occurrence panel of an alert's ticket.
 * The channel's key (`X-Ordo-Alert-Key`) authenticates; a channel set to signed also wants an HMAC of the raw body.
 * Nothing is stored for a caller who is not the channel's; a payload of the channel's that does not become
 * tickets is kept with why (`alert_rejections`).
 */
export async function alertsRoutes(
  app: FastifyInstance,
  options: { intake: AlertIntake; channelOf: (id: string) => Promise<AlertChannelDoc | undefined> },
) {
  const { intake, channelOf } = options;

  // The raw body is kept for the signature; this scope's JSON parser is the input guard's, plus the bytes.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      checkJsonContentType(request.headers['content-type']);
      request.rawBody = body as Buffer;
      done(null, parseJsonBody((body as Buffer).toString('utf8')));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.post<{ Params: { key: string } }>(
    '/api/channels/alerts/:key',
    {
      // Monitoring payloads may carry any keys (dotted label names): they are stored as text, never as documents.
      config: { access: { public: true }, allowDollarKeys: true },
      schema: {
        tags: ['channels'],
        summary:
          'Receive monitoring alerts (Alertmanager webhook, generic JSON, or the channel’s own mapping)',
        params: {
          type: 'object',
          required: ['key'],
          properties: { key: { type: 'string', minLength: 1, maxLength: 40 } },
        },
        headers: {
          type: 'object',
          properties: {
            [ALERT_KEY_HEADER]: { type: 'string', maxLength: 200 },
            [SIGNATURE_HEADER]: { type: 'string', maxLength: 200 },
          },
        },
        body: {},
        response: {
          202: outcomesSchema,
          ...problemResponses(400, 401, 403),
          413: problemSchema,
          415: problemSchema,
          422: problemSchema,
        },
      },
    },
    async (request, reply) => {
      // The key as its own header, or as a bearer token (Alertmanager's `http_config.authorization`).
      const bearer = /^Bearer\s+(oak_\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const presented = request.headers[ALERT_KEY_HEADER] ?? bearer;
      const channel = await channelOf(request.params.key);
      if (!channel || typeof presented !== 'string' || !keyMatches(presented, channel.keyHash))
        throw refusedKey();
      const raw = request.rawBody ?? Buffer.alloc(0);
      if (channel.signingSecret) {
        const signature = request.headers[SIGNATURE_HEADER];
        const secret = openSecret(channel.signingSecret, app.ordo.secret);
        if (!signatureMatches(secret, raw, typeof signature === 'string' ? signature : undefined))
          throw refusedSignature();
      }
      const payloadText = raw.toString('utf8');
      if (!channel.enabled) {
        const refusal = {
          status: 403,
          code: 'alert.channel-disabled',
          text: {
            'zh-CN': '此告警通道已停用；告警已保留，可在启用后重放',
            en: 'This alert channel is disabled; the payload is kept and can be replayed once it is enabled',
          },
        };
        const id = await keepRejection(app, channel._id, payloadText, refusal);
        throw new HttpProblem(403, 'Forbidden', {
          code: refusal.code,
          text: refusal.text,
          extra: { rejectionId: id },
        });
      }
      try {
        const items = await receivePayload(intake, channel, request.body);
        return reply.status(202).send({ items });
      } catch (error) {
        const refusal = refusalOf(error);
        if (!refusal) throw error;
        const id = await keepRejection(app, channel._id, payloadText, refusal);
        throw problemOf(refusal, id);
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/channels/alerts/tickets/:id',
    {
      config: { access: { roles: ['admin', 'agent'], scopes: ['tickets:read'] } },
      schema: {
        tags: ['channels'],
        summary: 'The alert behind a ticket: occurrences (count, first and last seen) and recoveries',
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: { 200: occurrenceSummarySchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const context = await accessContextOf(request);
      const doc = await app.tickets.tickets.findOne({ _id: request.params.id }, { projection: { state: 0 } });
      requireVisible(context, ticketPolicy, doc);
      const summary = await intake.summaryOf(request.params.id);
      if (!summary) throw notFound('Alert');
      return summary;
    },
  );
}
