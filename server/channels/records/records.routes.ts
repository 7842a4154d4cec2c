import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LocalizedText } from '../../../runtime/common/types.js';
import { isWebAddress } from '../../../runtime/engine/command-shape.js';
import type { RouteAccess } from '../../access/route-access.js';
import { badRequest, notFound } from '../../lib/problem.js';
import { noContent, problemResponses } from '../../routes/common.schemas.js';
import {
  RECORD_DATA_MAX_BYTES,
  recordCollections,
  recordKeyOf,
  replaceWhole,
  type RecordDoc,
  type RecordSystemDoc,
} from './records.model.js';
import { isDuplicateKey } from '../../lib/sequence.js';
import {
  recordBody,
  recordListQuery,
  recordParams,
  recordSystemBody,
  recordSystemParams,
  recordSystemView,
  recordView,
} from './records.schemas.js';

/** Other systems send records (admins, or integrations holding `records:write`). */
const senders: RouteAccess = { roles: ['admin'], scopes: ['records:write'] };
/** Staff read them (agents see what a ticket links to); integrations read back what they send. */
const readers: RouteAccess = { roles: ['admin', 'agent'], scopes: ['records:write'] };
const admins: RouteAccess = { roles: ['admin'] };

interface RecordParams {
  system: string;
  type: string;
  id: string;
}

interface RecordBody {
  title: string;
  owner?: string;
  url?: string;
  updatedAt?: string;
  data?: Record<string, unknown>;
}

const MAX_DEPTH = 20;

/**
 * What the store can hold (DESIGN.md §8): no array directly inside an array, not too deep. Answers the first path
 * at fault (`body.data.lines.0`), or undefined.
 */
export function unstorablePath(value: unknown, path: string, depth = 0, inArray = false): string | undefined {
  if (depth > MAX_DEPTH) return path;
  if (Array.isArray(value)) {
    if (inArray) return path;
    for (let index = 0; index < value.length; index++) {
      const found = unstorablePath(value[index], `${path}.${index}`, depth + 1, true);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const found = unstorablePath(child, `${path}.${key}`, depth + 1, false);
      if (found) return found;
    }
  }
  return undefined;
}

/** Check a record as sent; 400 naming the field. Shared with the trigger test's sample records. */
export function checkRecordBody(body: RecordBody, field: string): void {
  if (body.url !== undefined && !isWebAddress(body.url.trim())) {
    throw badRequest(`${field}.url`, {
      'zh-CN': '地址须是 http(s) 网址，且不含账号密码',
      en: 'The address must be an http(s) address without credentials',
    });
  }
  if (body.updatedAt !== undefined && Number.isNaN(Date.parse(body.updatedAt))) {
    throw badRequest(`${field}.updatedAt`, { 'zh-CN': '不是有效的时间', en: 'Not a valid instant' });
  }
  const data = body.data ?? {};
  if (Buffer.byteLength(JSON.stringify(data)) > RECORD_DATA_MAX_BYTES) {
    throw badRequest(
      `${field}.data`,
      {
        'zh-CN': `记录数据超过 ${RECORD_DATA_MAX_BYTES / 1024} KB`,
        en: `The record’s data is larger than ${RECORD_DATA_MAX_BYTES / 1024} kB`,
      },
      'too-large',
    );
  }
  const unstorable = unstorablePath(data, `${field}.data`);
  if (unstorable) {
    throw badRequest(unstorable, {
      'zh-CN': `数据嵌套过深（最多 ${MAX_DEPTH} 层），或数组中直接套数组`,
      en: `Nested too deep (at most ${MAX_DEPTH} levels), or an array directly inside an array`,
    });
  }
}

/** A record as sent, as it would be stored (the trigger test uses it for samples, storing nothing). */
export function recordOf(
  params: RecordParams,
  body: RecordBody,
  now: Date,
  sentBy: string,
  createdAt: Date = now,
): RecordDoc {
  return {
    _id: recordKeyOf(params.system, params.type, params.id),
    system: params.system,
    type: params.type,
    id: params.id,
    title: body.title.trim(),
    ...(body.owner ? { owner: body.owner.trim() } : {}),
    ...(body.url ? { url: body.url.trim() } : {}),
    data: body.data ?? {},
    updatedAt: body.updatedAt ? new Date(body.updatedAt) : now,
    receivedAt: now,
    createdAt,
    sentBy,
  };
}

const senderOf = (request: FastifyRequest): string => {
  const principal = request.principal!;
  return principal.kind === 'user' ? principal.id : `api-key:${principal.id}`;
};

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function recordsRoutes(app: FastifyInstance): Promise<void> {
  const { records, links, systems } = recordCollections(app.db);

  /** Tickets linked to each record key (one query for a page of records). */
  async function ticketsOf(keys: string[]): Promise<Map<string, { id: string; number: string }[]>> {
    const found = new Map<string, { id: string; number: string }[]>();
    if (keys.length === 0) return found;
    const rows = await links.find({ record: { $in: keys } }).toArray();
    rows.sort((a, b) => a.at.getTime() - b.at.getTime());
    for (const row of rows) {
      const list = found.get(row.record) ?? [];
      list.push({ id: row.ticketId, number: row.number });
      found.set(row.record, list);
    }
    return found;
  }

  const viewOf = (record: RecordDoc, tickets: { id: string; number: string }[]) => ({
    system: record.system,
    type: record.type,
    id: record.id,
    title: record.title,
    ...(record.owner ? { owner: record.owner } : {}),
    ...(record.url ? { url: record.url } : {}),
    data: record.data,
    updatedAt: record.updatedAt.toISOString(),
    receivedAt: record.receivedAt.toISOString(),
    createdAt: record.createdAt.toISOString(),
    tickets,
  });

  app.put<{ Params: RecordParams; Body: RecordBody }>(
    '/api/records/:system/:type/:id',
    {
      config: { access: senders },
      schema: {
        tags: ['records'],
        summary: 'Create or replace a record from another system (ERP, CRM, assets)',
        description:
          'The whole record is replaced. 201 when it is new, 200 when it replaced one. Triggers read records; ' +
          'tickets link to them by {system, type, id}.',
        params: recordParams,
        body: recordBody,
        response: { 200: recordView, 201: recordView, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { params, body } = request;
      checkRecordBody(body, 'body');
      const now = new Date(app.clock.now());
      const _id = recordKeyOf(params.system, params.type, params.id);
      const existing = await records.findOne({ _id }, { projection: { createdAt: 1 } });
      const record = recordOf(params, body, now, senderOf(request), existing?.createdAt ?? now);
      let created = false;
      if (existing) {
        const { _id: _key, createdAt: _created, ...fields } = record;
        await records.updateOne({ _id }, updateOf(fields, record));
      } else {
        try {
          await records.insertOne(record);
          created = true;
        } catch (error) {
          // Two senders of a new record at once: the second replaces the first, as if it came after.
          if (!isDuplicateKey(error)) throw error;
          const { _id: _key, createdAt: _created, ...fields } = record;
          await records.updateOne({ _id }, updateOf(fields, record));
        }
      }
      const tickets = (await ticketsOf([_id])).get(_id) ?? [];
      return reply.status(created ? 201 : 200).send(viewOf(record, tickets));
    },
  );

  app.get<{ Params: RecordParams }>(
    '/api/records/:system/:type/:id',
    {
      config: { access: readers },
      schema: {
        tags: ['records'],
        summary: 'One record with the tickets linked to it',
        params: recordParams,
        response: { 200: recordView, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { system, type, id } = request.params;
      const record = await records.findOne({ _id: recordKeyOf(system, type, id) });
      if (!record) throw notFound({ 'zh-CN': '记录', en: 'Record' });
      return viewOf(record, (await ticketsOf([record._id])).get(record._id) ?? []);
    },
  );

  app.delete<{ Params: RecordParams }>(
    '/api/records/:system/:type/:id',
    {
      config: { access: senders },
      schema: {
        tags: ['records'],
        summary: 'Remove a record (tickets keep their links to it)',
        params: recordParams,
        response: { 204: noContent, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { system, type, id } = request.params;
      const { deletedCount } = await records.deleteOne({ _id: recordKeyOf(system, type, id) });
      if (deletedCount === 0) throw notFound({ 'zh-CN': '记录', en: 'Record' });
      return reply.status(204).send();
    },
  );

  app.get<{
    Querystring: {
      system?: string;
      type?: string;
      owner?: string;
      q?: string;
      updatedBefore?: string;
      linked?: boolean;
      limit: number;
      offset: number;
    };
  }>(
    '/api/records',
    {
      config: { access: readers },
      schema: {
        tags: ['records'],
        summary: 'Records, newest change first, each with the tickets linked to it',
        querystring: recordListQuery,
        response: {
          200: {
            type: 'object',
            required: ['items', 'total'],
            properties: { items: { type: 'array', items: recordView }, total: { type: 'integer' } },
          },
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const query = request.query;
      const filter: Record<string, unknown> = {};
      if (query.system) filter.system = query.system;
      if (query.type) filter.type = query.type;
      if (query.owner) filter.owner = query.owner;
      if (query.updatedBefore) filter.updatedAt = { $lt: new Date(query.updatedBefore) };
      if (query.q) {
        const pattern = escapeRegex(query.q);
        filter.$or = [
          { title: { $regex: pattern, $options: 'i' } },
          { id: { $regex: pattern, $options: 'i' } },
        ];
      }
      if (query.linked !== undefined) {
        const linkedKeys = [
          ...new Set(
            (await links.find({}, { projection: { record: 1 } }).toArray()).map((row) => row.record),
          ),
        ];
        filter._id = query.linked ? { $in: linkedKeys } : { $nin: linkedKeys };
      }
      const [items, total] = await Promise.all([
        records.find(filter).sort({ updatedAt: -1, _id: 1 }).skip(query.offset).limit(query.limit).toArray(),
        records.countDocuments(filter),
      ]);
      const tickets = await ticketsOf(items.map((record) => record._id));
      return { items: items.map((record) => viewOf(record, tickets.get(record._id) ?? [])), total };
    },
  );

  // ── record systems: optional display names, types and record addresses ──────────────────────────────────────

  const systemView = (doc: RecordSystemDoc | undefined, key: string, count: number) => ({
    key,
    name: doc?.name ?? { 'zh-CN': key, en: key },
    types: doc?.types ?? [],
    ...(doc?.urlTemplate ? { urlTemplate: doc.urlTemplate } : {}),
    registered: doc !== undefined,
    records: count,
    updatedAt: doc ? doc.updatedAt.toISOString() : null,
  });

  app.get(
    '/api/record-systems',
    {
      config: { access: readers },
      schema: {
        tags: ['records'],
        summary: 'Systems records come from: those registered and those records arrived from',
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: recordSystemView } },
          },
          ...problemResponses(401, 403),
        },
      },
    },
    async () => {
      const [registered, counted] = await Promise.all([
        systems.find({}).toArray(),
        records
          .aggregate<{ _id: string; count: number }>([{ $group: { _id: '$system', count: { $sum: 1 } } }])
          .toArray(),
      ]);
      const counts = new Map(counted.map((row) => [row._id, row.count]));
      const byKey = new Map(registered.map((doc) => [doc._id, doc]));
      const keys = [...new Set([...byKey.keys(), ...counts.keys()])].sort();
      return { items: keys.map((key) => systemView(byKey.get(key), key, counts.get(key) ?? 0)) };
    },
  );

  app.put<{
    Params: { key: string };
    Body: { name: LocalizedText; types?: RecordSystemDoc['types']; urlTemplate?: string };
  }>(
    '/api/record-systems/:key',
    {
      config: { access: admins },
      schema: {
        tags: ['records'],
        summary: 'Name a system (and its record types) for people; optional',
        params: recordSystemParams,
        body: recordSystemBody,
        response: { 200: recordSystemView, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { key } = request.params;
      const body = request.body;
      const urlTemplate = body.urlTemplate?.trim();
      if (urlTemplate && !isWebAddress(urlTemplate.replace(/\{(id|type)\}/g, 'x'))) {
        throw badRequest('body.urlTemplate', {
          'zh-CN': '须是 http(s) 网址，用 {id}（和 {type}）标出记录编号的位置',
          en: 'Must be an http(s) address with {id} (and {type}) where the record’s id goes',
        });
      }
      const seen = new Set<string>();
      (body.types ?? []).forEach((type, index) => {
        if (seen.has(type.key)) throw badRequest(`body.types.${index}.key`, 'is listed twice');
        seen.add(type.key);
      });
      const doc: RecordSystemDoc = {
        _id: key,
        name: body.name,
        types: body.types ?? [],
        ...(urlTemplate ? { urlTemplate } : {}),
        updatedAt: new Date(app.clock.now()),
        updatedBy: senderOf(request),
      };
      await replaceWhole(systems, doc);
      const count = await records.countDocuments({ system: key });
      return systemView(doc, key, count);
    },
  );

  app.delete<{ Params: { key: string } }>(
    '/api/record-systems/:key',
    {
      config: { access: admins },
      schema: {
        tags: ['records'],
        summary: 'Forget a system’s names (its records stay)',
        params: recordSystemParams,
        response: { 204: noContent, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { deletedCount } = await systems.deleteOne({ _id: request.params.key });
      if (deletedCount === 0) throw notFound({ 'zh-CN': '系统', en: 'System' });
      return reply.status(204).send();
    },
  );
}

/** Replace the stored version's fields; optional fields the new version no longer has are removed. */
function updateOf(fields: Partial<RecordDoc>, record: RecordDoc) {
  const unset: Partial<Record<'owner' | 'url', ''>> = {};
  if (record.owner === undefined) unset.owner = '';
  if (record.url === undefined) unset.url = '';
  return Object.keys(unset).length > 0 ? { $set: fields, $unset: unset } : { $set: fields };
}
