import type { FastifyInstance } from 'fastify';
import type { RouteAccess } from '../../access/route-access.js';
import { evaluateForm, type FormDefinition } from '../../../runtime/form/index.js';
import { HttpProblem, badRequest, conflict, notFound, type ProblemItem } from '../../lib/problem.js';
import { noContent, problemResponses, problemSchema } from '../../routes/common.schemas.js';
import { loadPacks } from '../../../templates/pack-loader.js';
import { templateInstalls } from '../../templates/template-install.model.js';
import { defaultPacksDir } from '../../templates/templates.routes.js';
import type { LoadedDefinition } from '../../tickets/ticket.service.js';
import { readMail, type MailIntake } from './mail-intake.js';
import { decodeMailbox, encodeMailbox } from './mail.model.js';
import type { MailboxDoc, MailMessageDoc, MailOutcome } from './mail.model.js';
import {
  mailboxAddressParams,
  mailboxCreateBody,
  mailboxUpdateBody,
  mailboxPresetsView,
  mailboxView,
  mailPlanView,
  mailStatusView,
  mailTestBody,
  messageIdParams,
  messagesQuery,
  messageView,
} from './mail.schemas.js';
import type { SmtpListenSettings } from './smtp-listener.js';
import { isDuplicateKey } from '../../lib/sequence.js';

const admins: RouteAccess = { roles: ['admin'] };
const ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

interface MailboxBody {
  address?: string;
  name: string;
  typeKey: string;
  team?: string;
  titleField?: string;
  descriptionField?: string;
  defaults?: Record<string, unknown>;
  createRequesters?: boolean;
  active?: boolean;
}

const mailboxOut = (doc: MailboxDoc) => ({
  address: doc._id,
  name: doc.name,
  typeKey: doc.typeKey,
  ...(doc.team ? { team: doc.team } : {}),
  titleField: doc.titleField,
  descriptionField: doc.descriptionField,
  defaults: doc.defaults,
  createRequesters: doc.createRequesters,
  active: doc.active,
  createdAt: doc.createdAt.toISOString(),
  updatedAt: doc.updatedAt.toISOString(),
});

const REPLAYABLE = new Set<MailOutcome>(['rejected', 'unparsed', 'processing']);
const replayable = (doc: MailMessageDoc) => REPLAYABLE.has(doc.outcome) && doc.reason !== 'duplicate';

const messageOut = (doc: MailMessageDoc) => ({
  id: doc._id,
  mailbox: doc.mailbox,
  messageId: doc.messageId,
  envelopeFrom: doc.envelopeFrom,
  from: doc.from,
  fromName: doc.fromName,
  subject: doc.subject,
  size: doc.size,
  receivedAt: doc.receivedAt.toISOString(),
  outcome: doc.outcome,
  ...(doc.reason ? { reason: doc.reason } : {}),
  ...(doc.detail ? { detail: doc.detail } : {}),
  ...(doc.ticketId ? { ticketId: doc.ticketId } : {}),
  ...(doc.ticketNumber ? { ticketNumber: doc.ticketNumber } : {}),
  ...(doc.attachments !== undefined ? { attachments: doc.attachments } : {}),
  ...(doc.skipped ? { skipped: doc.skipped } : {}),
  ...(doc.duplicateOf ? { duplicateOf: doc.duplicateOf } : {}),
  ...(doc.replayedAt ? { replayedAt: doc.replayedAt.toISOString() } : {}),
  replayable: replayable(doc),
});

/**
 * Admins' side of the mail channel: mailboxes (CRUD and a `test` that shows what a pasted message would do,
 * storing nothing), the messages received with what became of each, replay of those set aside, and the
 * listener's state.
 */
export function mailRoutes(
  intake: MailIntake,
  status: () => { settings?: SmtpListenSettings; address?: string },
) {
  return async function routes(app: FastifyInstance) {
    /**
     * Each default value checked as the ticket's open would check it: the published form's own evaluation
     * (runtime/form: kind, choices, lengths, limits, patterns, read-only fields). Only the fields the defaults
     * name are judged — the subject and body fill others, and a required field left out is the form's to refuse.
     */
    function checkDefaults(definition: LoadedDefinition, defaults: Record<string, unknown>): void {
      const form: unknown = definition.definition.form;
      if (typeof form !== 'object' || form === null || !('schema' in form) || !('layout' in form)) return;
      const evaluation = evaluateForm(form as FormDefinition, defaults, {
        mode: 'create',
        cacheKey: `${definition.key}@${definition.version}`,
        env: { now: app.clock.now() },
      });
      const named = new Set(Object.keys(defaults));
      const problems: ProblemItem[] = [];
      for (const problem of evaluation.errors) {
        const segments = problem.path
          .replace(/^\/data\/?/, '')
          .split('/')
          .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
        const key = segments[0];
        if (!key || !named.has(key)) continue;
        const text = {
          'zh-CN': `默认值 ${key}：${problem.text['zh-CN']}`,
          en: `Default ${key}: ${problem.text.en}`,
        };
        problems.push({
          field: `body.defaults.${segments.join('.')}`,
          code: problem.code,
          message: text.en,
          text,
        });
      }
      const [first] = problems;
      if (!first) return;
      throw new HttpProblem(400, 'Invalid input', {
        field: first.field,
        text: first.text!,
        code: 'invalid-default',
        errors: problems,
      });
    }

    /** The mailbox as it would be stored, every reference checked against this database. */
    async function checkedMailbox(
      body: MailboxBody,
      address: string,
      existing?: MailboxDoc,
    ): Promise<MailboxDoc> {
      const name = body.name.trim();
      if (!name)
        throw badRequest('body.name', { 'zh-CN': '请填写邮箱名称', en: 'Enter a name for the mailbox' });
      const definition = await app.tickets.newestDefinition(body.typeKey);
      if (!definition)
        throw badRequest(
          'body.typeKey',
          {
            'zh-CN': `没有已发布的工单类型 ${body.typeKey}`,
            en: `There is no published ticket type ${body.typeKey}`,
          },
          'unknown-type',
        );
      const form = (definition.definition.form ?? {}) as {
        schema?: { properties?: Record<string, unknown> };
      };
      const fields = new Set(Object.keys(form.schema?.properties ?? {}));
      const titleField = body.titleField ?? 'title';
      const descriptionField = body.descriptionField ?? (fields.has('description') ? 'description' : '');
      for (const [key, field] of [
        ['body.titleField', titleField],
        ['body.descriptionField', descriptionField],
      ] as const) {
        if (field !== '' && !fields.has(field))
          throw badRequest(
            key,
            {
              'zh-CN': `工单类型 ${body.typeKey} 的表单没有字段 ${field}`,
              en: `The form of ${body.typeKey} has no field ${field}`,
            },
            'unknown-field',
          );
      }
      for (const key of Object.keys(body.defaults ?? {}))
        if (!fields.has(key))
          throw badRequest(
            `body.defaults.${key}`,
            {
              'zh-CN': `工单类型 ${body.typeKey} 的表单没有字段 ${key}`,
              en: `The form of ${body.typeKey} has no field ${key}`,
            },
            'unknown-field',
          );
      checkDefaults(definition, body.defaults ?? {});
      const team = body.team?.trim() || undefined;
      if (team && !(await app.models.Team.exists({ key: team })))
        throw badRequest(
          'body.team',
          { 'zh-CN': `没有团队 ${team}`, en: `There is no team ${team}` },
          'unknown-team',
        );
      const now = new Date(app.clock.now());
      return {
        _id: address,
        name,
        typeKey: body.typeKey,
        ...(team ? { team } : {}),
        titleField,
        descriptionField,
        defaults: body.defaults ?? {},
        createRequesters: body.createRequesters ?? true,
        active: body.active ?? true,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
    }

    const addressOf = (raw: string, field: string) => {
      const address = raw.trim().toLowerCase();
      if (!ADDRESS.test(address))
        throw badRequest(
          field,
          { 'zh-CN': '请填写有效的邮箱地址', en: 'Enter a valid e-mail address' },
          'invalid-address',
        );
      return address;
    };

    async function existingMailbox(raw: string): Promise<MailboxDoc> {
      const doc = await intake.mailbox(raw.trim());
      if (!doc) throw notFound({ 'zh-CN': `找不到邮箱 ${raw}`, en: `Mailbox ${raw} not found` });
      return doc;
    }

    app.get(
      '/api/channels/mailboxes',
      {
        config: { access: admins },
        schema: {
          tags: ['channels'],
          summary: 'Mailboxes: which address opens which tickets',
          response: {
            200: {
              type: 'object',
              required: ['items'],
              properties: { items: { type: 'array', items: mailboxView } },
            },
            ...problemResponses(401, 403),
          },
        },
      },
      async () => ({
        items: (await intake.mailboxes.find({}).sort({ _id: 1 }).toArray()).map((stored) =>
          mailboxOut(decodeMailbox(stored)),
        ),
      }),
    );

    app.post<{ Body: MailboxBody & { address: string } }>(
      '/api/channels/mailboxes',
      {
        config: { access: admins },
        schema: {
          tags: ['channels'],
          summary: 'Add a mailbox (409 when the address has one)',
          body: mailboxCreateBody,
          response: { 201: mailboxView, ...problemResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const address = addressOf(request.body.address, 'body.address');
        const doc = await checkedMailbox(request.body, address);
        try {
          await intake.mailboxes.insertOne(encodeMailbox(doc));
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          throw conflict(
            { 'zh-CN': `邮箱 ${address} 已存在`, en: `There is a mailbox for ${address} already` },
            undefined,
            'body.address',
          );
        }
        intake.forgetMailboxes();
        return reply.status(201).send(mailboxOut(doc));
      },
    );

    app.put<{ Params: { address: string }; Body: MailboxBody }>(
      '/api/channels/mailboxes/:address',
      {
        config: { access: admins },
        schema: {
          tags: ['channels'],
          summary: 'Change a mailbox',
          params: mailboxAddressParams,
          body: mailboxUpdateBody,
          response: { 200: mailboxView, ...problemResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const existing = await existingMailbox(request.params.address);
        const doc = await checkedMailbox(request.body, existing._id, existing);
        await intake.mailboxes.replaceOne({ _id: existing._id }, encodeMailbox(doc));
        intake.forgetMailboxes();
        return mailboxOut(doc);
      },
    );

    app.delete<{ Params: { address: string } }>(
      '/api/channels/mailboxes/:address',
      {
        config: { access: admins },
        schema: {
          tags: ['channels'],
          summary: 'Remove a mailbox (its messages stay listed)',
          params: mailboxAddressParams,
          response: { 204: noContent, ...problemResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const existing = await existingMailbox(request.params.address);
        await intake.mailboxes.deleteOne({ _id: existing._id });
        intake.forgetMailboxes();
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/channels/mailboxes/presets',
      {
        config: { access: admins },
        schema: {
          tags: ['channels'],
          summary:
            'Mailboxes the installed scenario packs suggest (create one with POST and the real address)',
          response: { 200: mailboxPresetsView, ...problemResponses(401, 403) },
        },
      },
      async () => {
        const installed = new Set(
          (
            await templateInstalls(app.db)
              .find({}, { projection: { packId: 1 } })
              .toArray()
          ).map((doc) => doc.packId),
        );
        const taken = await intake.mailboxes.find({}, { projection: { typeKey: 1 } }).toArray();
        const items = [];
        for (const result of await loadPacks(defaultPacksDir())) {
          if (!result.ok || !installed.has(result.pack.manifest.id)) continue;
          for (const preset of result.pack.manifest.mailboxes ?? []) {
            const published = (await app.tickets.newestDefinition(preset.typeKey)) !== undefined;
            items.push({
              pack: result.pack.manifest.id,
              ...preset,
              typePublished: published,
              inUse: taken.some((mailbox) => mailbox.typeKey === preset.typeKey),
            });
          }
        }
        return { items };
      },
    );

    app.post<{ Params: { address: string }; Body: { raw: string; envelopeFrom?: string } }>(
      '/api/channels/mailboxes/:address/test',
      {
        config: { access: admins },
        schema: {
          tags: ['channels'],
          summary: 'What a pasted message would do in this mailbox — nothing is stored',
          params: mailboxAddressParams,
          body: mailTestBody,
          response: { 200: mailPlanView, ...problemResponses(400, 401, 403, 404), 422: problemSchema },
        },
      },
      async (request) => {
        const mailbox = await existingMailbox(request.params.address);
        const raw = Buffer.from(request.body.raw.replace(/\r?\n/g, '\r\n'), 'utf8');
        let mail;
        try {
          mail = await readMail(raw);
        } catch (error) {
          throw new HttpProblem(422, 'Unreadable message', {
            field: 'body.raw',
            text: {
              'zh-CN': `无法解析这封邮件：${(error as Error).message}`,
              en: `The message cannot be read: ${(error as Error).message}`,
            },
            code: 'mail-unparsed',
          });
        }
        const message = { messageId: mail.messageId, from: mail.from, subject: mail.subject };
        const refusal = await intake.refusal(
          mail,
          { ...mailbox, active: true },
          request.body.envelopeFrom ?? mail.from,
        );
        if (refusal) return { kind: 'rejected', reason: refusal.reason, detail: refusal.detail, message };
        return { ...(await intake.plan(mail, mailbox)), message };
      },
    );

    app.get<{ Querystring: { outcome?: MailOutcome; mailbox?: string; limit: number; offset: number } }>(
      '/api/channels/mail/messages',
      {
        config: { access: admins },
        schema: {
          tags: ['channels'],
          summary:
            'Messages received, newest first, with what became of each (`outcome=rejected`: set aside)',
          querystring: messagesQuery,
          response: {
            200: {
              type: 'object',
              required: ['items', 'total'],
              properties: { items: { type: 'array', items: messageView }, total: { type: 'integer' } },
            },
            ...problemResponses(400, 401, 403),
          },
        },
      },
      async (request) => {
        const { outcome, mailbox, limit, offset } = request.query;
        const filter = {
          ...(outcome ? { outcome } : {}),
          ...(mailbox ? { mailbox: mailbox.trim().toLowerCase() } : {}),
        };
        const [items, total] = await Promise.all([
          intake.messages.find(filter).sort({ receivedAt: -1, _id: 1 }).skip(offset).limit(limit).toArray(),
          intake.messages.countDocuments(filter),
        ]);
        return { items: items.map(messageOut), total };
      },
    );

    app.post<{ Params: { id: string } }>(
      '/api/channels/mail/messages/:id/replay',
      {
        config: { access: admins },
        schema: {
          tags: ['channels'],
          summary:
            'Handle a message set aside (rejected, unparsed, unfinished) as a person’s mail, once more',
          params: messageIdParams,
          response: { 200: messageView, ...problemResponses(401, 403, 404, 409), 422: problemSchema },
        },
      },
      async (request) => {
        const record = await intake.messages.findOne({ _id: request.params.id });
        if (!record) throw notFound({ 'zh-CN': '找不到这封邮件', en: 'Message not found' });
        if (!replayable(record))
          throw conflict({
            'zh-CN': '这封邮件已处理，或与先前的邮件重复，不能重新处理',
            en: 'This message was handled already or repeats an earlier one; it cannot be replayed',
          });
        const mailbox = await intake.mailbox(record.mailbox);
        if (!mailbox)
          throw conflict({
            'zh-CN': `邮箱 ${record.mailbox} 已删除`,
            en: `The mailbox ${record.mailbox} no longer exists`,
          });
        const raw = await intake.readRaw(record.raw);
        let mail;
        try {
          mail = await readMail(raw);
        } catch (error) {
          throw new HttpProblem(422, 'Unreadable message', {
            text: {
              'zh-CN': `仍无法解析这封邮件：${(error as Error).message}`,
              en: `The message still cannot be read: ${(error as Error).message}`,
            },
            code: 'mail-unparsed',
          });
        }
        const by = request.principal?.id ?? 'admin';
        const done = await intake.handle(
          mail,
          { ...mailbox, active: true },
          {
            raw: record.raw,
            size: record.size,
            envelopeFrom: record.envelopeFrom,
            now: new Date(app.clock.now()),
          },
          { by, record },
        );
        return messageOut({ ...record, ...done, receivedAt: record.receivedAt });
      },
    );

    app.get(
      '/api/channels/mail/status',
      {
        config: { access: admins },
        schema: {
          tags: ['channels'],
          summary: 'Whether the SMTP listener runs, where, and with what limits',
          response: { 200: mailStatusView, ...problemResponses(401, 403) },
        },
      },
      async () => {
        const { settings, address } = status();
        return {
          listening: address !== undefined,
          ...(address ? { address } : {}),
          maxBytes: settings?.maxBytes ?? 0,
          starttls: Boolean(settings?.tlsCert),
          auth: Boolean(settings?.auth),
          outbound: Boolean(app.ordo.smtpUrl),
        };
      },
    );
  };
}
