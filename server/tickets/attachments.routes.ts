import { ensureQueryIndexes } from '../lib/query-indexes.js';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { accessContextOf, requireVisible } from '../access/record-rules.js';
import { HttpProblem, badRequest, notFound } from '../lib/problem.js';
import { sweepStaleTemporaries, temporaryPath } from '../lib/whole-files.js';
import { ATTACHMENTS_COLLECTION, type AttachmentDoc } from './attachment.model.js';
import { sweepIntakeUploads } from './intake-references.js';
import {
  checkAttachmentType,
  DEFAULT_ATTACHMENT_TYPES,
  normaliseName,
  readHead,
  attachmentKinds,
} from './attachment-types.js';

export { ATTACHMENTS_COLLECTION, type AttachmentDoc } from './attachment.model.js';
import { ticketPolicy } from './ticket.access.js';
import { problemSchema, ticketIdParams } from './tickets.schemas.js';

export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;
export const INTAKE_UPLOAD_SWEEP_JOB = 'intake-upload-sweep';
const MAX_FILES_PER_UPLOAD = 10;
/** A temporary this old is not an upload under way but one a killed process left. */
export const STALE_UPLOAD_MS = 10 * 60 * 1000;

const attachmentView = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    contentType: { type: 'string' },
    size: { type: 'integer' },
    sha256: { type: 'string' },
    uploadedBy: { type: 'string' },
    at: { type: 'string' },
  },
} as const;

const viewOf = (doc: AttachmentDoc) => ({
  id: doc._id,
  name: doc.name,
  contentType: doc.contentType,
  size: doc.size,
  sha256: doc.sha256,
  uploadedBy: doc.uploadedBy,
  at: doc.at.toISOString(),
});

/** A file name safe to show and to put in Content-Disposition: no folders, no control characters. */

/**
 * Attachments of a ticket: uploaded by anyone who may see the ticket, stored as files in the data folder with
 * their metadata in `attachments`, served only to those who may see the ticket (others get 404). Comments refer
 * to them by id. A refused upload (too large, wrong type) leaves nothing behind. Files for an intake form are
 * uploaded before the ticket exists (`POST /api/attachments`), claimed by the open that names them
 * (intake-references.ts) and removed by an hourly sweep when no open did within a day.
 *
 * A file is written to a temporary name beside its final one, fsync'd, and renamed once the whole upload was
 * accepted, just before its record is stored: a process killed mid-upload leaves only `.tmp-` files, never a short
 * file under an attachment's name. Those (and mail's, written the same way) are removed after start-up, in the
 * background, once over 10 minutes old.
 */
export async function attachmentsRoutes(app: FastifyInstance) {
  await app.register(multipart, {
    limits: { fileSize: MAX_ATTACHMENT_BYTES, files: MAX_FILES_PER_UPLOAD, fields: 5 },
  });
  const collection = app.db.collection<AttachmentDoc>(ATTACHMENTS_COLLECTION);
  await ensureQueryIndexes(app.db, ATTACHMENTS_COLLECTION, [{ ticketId: 1, at: 1 }]);
  const root = path.join(app.ordo.dataDir, 'attachments');
  const allowedTypes = new Set(app.ordo.attachmentTypes ?? DEFAULT_ATTACHMENT_TYPES);
  // The data folder and everything in it is this user's alone (files 0600, folders 0700).
  await mkdir(app.ordo.dataDir, { recursive: true, mode: 0o700 });
  await chmod(app.ordo.dataDir, 0o700);
  await mkdir(root, { recursive: true, mode: 0o700 });

  // Temporaries a killed process left, in every ticket's folder: walked once the server is ready, one folder at a
  // time, so a large data folder never holds start-up; closing ends the walk between folders.
  let sweep: Promise<void> | undefined;
  let closing = false;
  app.addHook('onReady', async () => {
    sweep = sweepStaleTemporaries(root, { olderThanMs: STALE_UPLOAD_MS, stopped: () => closing })
      .then((removed) => {
        if (removed.length > 0)
          app.log.info(
            { removed: removed.length, files: removed.slice(0, 50), folder: root },
            'half-written attachment files removed',
          );
      })
      .catch((error: unknown) =>
        app.log.warn({ err: error, folder: root }, 'removing half-written files failed'),
      );
  });
  app.addHook('onClose', async () => {
    closing = true;
    await sweep;
  });

  async function visible(request: Parameters<typeof accessContextOf>[0], ticketId: string) {
    const context = await accessContextOf(request);
    const doc = await app.tickets.tickets.findOne({ _id: ticketId }, { projection: { state: 0 } });
    requireVisible(context, ticketPolicy, doc);
    return context;
  }

  /**
   * Store the files of a multipart request in `folder` and their records; a refused upload (too large, wrong type,
   * empty, too many) leaves nothing behind.
   */
  async function receive(
    request: FastifyRequest,
    target: { ticketId: string; uploader: string; folder: string },
  ): Promise<AttachmentDoc[]> {
    if (!request.isMultipart())
      throw new HttpProblem(415, 'Unsupported Media Type', {
        field: 'header.content-type',
        text: {
          'zh-CN': '请以 multipart/form-data 方式上传文件',
          en: 'Send the files as multipart/form-data',
        },
        code: 'multipart-required',
      });
    const folder = path.join(root, target.folder);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const stored: AttachmentDoc[] = [];
    /** Each file's temporary and final name; renamed once the whole upload is accepted. */
    const written: { temporary: string; file: string }[] = [];
    try {
      for await (const part of request.files()) {
        const name = normaliseName(part.filename);
        const id = `a${Date.now().toString(36)}${randomBytes(8).toString('hex')}`;
        const file = path.join(folder, id);
        const temporary = temporaryPath(file);
        written.push({ temporary, file });
        const hash = createHash('sha256');
        let size = 0;
        await pipeline(
          part.file,
          new Transform({
            transform(chunk: Buffer, _encoding, done) {
              hash.update(chunk);
              size += chunk.length;
              done(null, chunk);
            },
          }),
          createWriteStream(temporary, { flags: 'wx', mode: 0o600 }),
        );
        if (part.file.truncated) {
          throw new HttpProblem(413, 'Payload Too Large', {
            field: `body.${part.fieldname}`,
            text: {
              'zh-CN': `${name} 超过 ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB`,
              en: `${name} is larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB`,
            },
            code: 'attachment-too-large',
          });
        }
        if (size === 0)
          throw badRequest(
            `body.${part.fieldname}`,
            { 'zh-CN': `${name} 是空文件`, en: `${name} is empty` },
            'attachment-empty',
          );
        // The type is read from the bytes (attachment-types.ts): the declared one and the name only narrow it.
        const checked = await checkAttachmentType(
          name,
          part.mimetype,
          await readHead(temporary),
          allowedTypes,
        );
        if (!checked.ok)
          throw new HttpProblem(415, 'Unsupported Media Type', {
            field: `body.${part.fieldname}`,
            text:
              checked.reason === 'extension'
                ? {
                    'zh-CN': `出于安全原因，不能上传此类文件（${name}）`,
                    en: `Files like ${name} cannot be attached, for safety`,
                  }
                : {
                    'zh-CN': `${name} 的内容不是允许上传的文件类型，或与声明的类型 ${part.mimetype} 不符`,
                    en: `The content of ${name} is not an allowed file type, or not the declared ${part.mimetype}`,
                  },
            code: 'attachment-type',
          });
        const contentType = checked.contentType;
        stored.push({
          _id: id,
          ticketId: target.ticketId,
          ...(target.folder === target.ticketId ? {} : { file: path.join(target.folder, id) }),
          name,
          contentType,
          size,
          sha256: hash.digest('hex'),
          uploadedBy: target.uploader,
          at: new Date(app.clock.now()),
        });
      }
      if (stored.length === 0)
        throw badRequest(
          'body.file',
          { 'zh-CN': '请至少选择一个文件', en: 'Attach at least one file' },
          'attachment-missing',
        );
      for (const { temporary, file } of written) {
        const handle = await open(temporary, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temporary, file);
      }
    } catch (error) {
      await Promise.all(
        written.flatMap(({ temporary, file }) => [rm(temporary, { force: true }), rm(file, { force: true })]),
      );
      if ((error as { code?: string }).code === 'FST_FILES_LIMIT') {
        throw new HttpProblem(413, 'Payload Too Large', {
          field: 'body',
          text: {
            'zh-CN': `一次最多上传 ${MAX_FILES_PER_UPLOAD} 个文件`,
            en: `At most ${MAX_FILES_PER_UPLOAD} files at once`,
          },
          code: 'attachment-count',
        });
      }
      throw error;
    }
    // A store that fails here leaves whole files no record names (never a record without its file).
    await collection.insertMany(stored);
    return stored;
  }

  const kinds = attachmentKinds(allowedTypes);
  app.get(
    '/api/attachments/kinds',
    {
      schema: {
        tags: ['tickets'],
        summary: 'The kinds and sizes of file this server takes, to check a file before uploading it',
        description:
          'Configured by the operator (`attachmentTypes`). A browser checks a file against these before sending ' +
          'it; the server still decides from the bytes (415 for a kind it does not take, 413 for a size).',
        response: {
          200: {
            type: 'object',
            properties: {
              types: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    type: { type: 'string' },
                    aliases: { type: 'array', items: { type: 'string' } },
                    extensions: { type: 'array', items: { type: 'string' } },
                  },
                },
              },
              maxBytes: { type: 'integer' },
              maxFiles: { type: 'integer' },
            },
          },
          401: problemSchema,
          403: problemSchema,
        },
      },
      config: { access: { scopes: ['tickets:write'] } },
    },
    async () => ({ types: kinds, maxBytes: MAX_ATTACHMENT_BYTES, maxFiles: MAX_FILES_PER_UPLOAD }),
  );

  app.post(
    '/api/attachments',
    {
      schema: {
        tags: ['tickets'],
        summary:
          'Upload files for a ticket about to be opened (multipart/form-data, up to 10 files of 20 MB)',
        description:
          'For attachment fields of an intake form: put the returned ids in the form data of `POST /api/tickets`. ' +
          'The files belong to the uploader until an open by the same caller references them, then to that ' +
          'ticket; files no open has claimed are removed after a day.',
        consumes: ['multipart/form-data'],
        response: {
          201: { type: 'object', properties: { items: { type: 'array', items: attachmentView } } },
          400: problemSchema,
          401: problemSchema,
          403: problemSchema,
          413: problemSchema,
          415: problemSchema,
        },
      },
      config: { access: { scopes: ['tickets:write'] } },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const uploader = principal.kind === 'user' ? principal.id : `integration:${principal.id}`;
      const stored = await receive(request, { ticketId: '', uploader, folder: 'intake' });
      return reply.status(201).send({ items: stored.map(viewOf) });
    },
  );

  // Unclaimed intake uploads: settled every hour (idempotent; no TTL index, which FerretDB lacks).
  app.jobs.define(INTAKE_UPLOAD_SWEEP_JOB, async () => {
    await sweepIntakeUploads(app, app.clock.now(), root);
  });
  if (app.ordo.runJobs ?? (app.ordo.role === 'all' || app.ordo.role === 'worker')) {
    app.addHook('onReady', async () => {
      await app.jobs.every('1 hour', INTAKE_UPLOAD_SWEEP_JOB, undefined, { skipImmediate: true });
    });
  }

  app.post(
    '/api/tickets/:id/attachments',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Upload files to a ticket (multipart/form-data, up to 10 files of 20 MB)',
        consumes: ['multipart/form-data'],
        params: ticketIdParams,
        response: {
          201: { type: 'object', properties: { items: { type: 'array', items: attachmentView } } },
          400: problemSchema,
          401: problemSchema,
          404: problemSchema,
          413: problemSchema,
          415: problemSchema,
        },
      },
      config: { access: { scopes: ['tickets:write'] } },
    },
    async (request, reply) => {
      const { id: ticketId } = request.params as { id: string };
      const context = await visible(request, ticketId);
      const uploader =
        context.principal.kind === 'user' ? context.principal.id : `integration:${context.principal.id}`;
      const stored = await receive(request, { ticketId, uploader, folder: ticketId });
      return reply.status(201).send({ items: stored.map(viewOf) });
    },
  );

  app.get(
    '/api/tickets/:id/attachments',
    {
      schema: {
        tags: ['tickets'],
        summary: 'The files attached to a ticket',
        params: ticketIdParams,
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: attachmentView } } },
          401: problemSchema,
          404: problemSchema,
        },
      },
      config: { access: { scopes: ['tickets:read'] } },
    },
    async (request) => {
      const { id: ticketId } = request.params as { id: string };
      await visible(request, ticketId);
      const docs = await collection.find({ ticketId }).sort({ at: 1 }).toArray();
      return { items: docs.map(viewOf) };
    },
  );

  app.get(
    '/api/tickets/:id/attachments/:attachmentId',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Download one attachment (only for those who may see the ticket)',
        params: {
          type: 'object',
          required: ['id', 'attachmentId'],
          properties: {
            ...ticketIdParams.properties,
            attachmentId: { type: 'string', pattern: '^a[a-z0-9]+$', maxLength: 64 },
          },
        },
        response: { 401: problemSchema, 404: problemSchema },
      },
      config: { access: { scopes: ['tickets:read'] } },
    },
    async (request, reply) => {
      const { id: ticketId, attachmentId } = request.params as { id: string; attachmentId: string };
      await visible(request, ticketId);
      const doc = await collection.findOne({ _id: attachmentId, ticketId });
      if (!doc) throw notFound('Attachment');
      const file = path.join(root, doc.file ?? path.join(ticketId, attachmentId));
      await stat(file).catch(() => {
        throw notFound('Attachment');
      });
      return reply
        .header('content-type', doc.contentType)
        .header('content-length', String(doc.size))
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(doc.name)}`)
        .send(createReadStream(file));
    },
  );
}
