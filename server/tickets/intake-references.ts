/**
 * Reference fields of an intake form, checked before a ticket is opened: people (`user` widget), teams (`team`),
 * and files uploaded before the ticket existed (`attachment`). Made-up ids are refused with a 422 naming every
 * field at fault; uploads are claimed by the open that references them.
 *
 * The claim's commit point is one insert into `attachment_claims` keyed by the upload's id (no conditional update:
 * FerretDB 1.24 has none atomically), so two opens can never both take one upload. A claim is made under the id
 * the ticket will have, before the open; a refused open releases the claims it made; the hourly sweep
 * (`sweepIntakeUploads`) settles the rest: a claim whose ticket exists binds the upload to it, anything else
 * unclaimed for a day is removed.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import type { LocalizedText } from '../../runtime/common/types.js';
import type { FormField } from '../../runtime/form/form.types.js';
import { HttpProblem, type ProblemItem } from '../lib/problem.js';
import { ATTACHMENTS_COLLECTION, type AttachmentDoc } from './attachment.model.js';
import { TICKETS_COLLECTION } from './ticket.projection.js';
import { isDuplicateKey } from '../lib/sequence.js';

export const ATTACHMENT_CLAIMS_COLLECTION = 'attachment_claims';
/** An upload no open has claimed is removed after this long. */
export const UNCLAIMED_UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;

interface ClaimDoc {
  _id: string;
  ticketId: string;
  at: Date;
}

type ReferenceKind = 'user' | 'team' | 'attachment';
interface Reference {
  kind: ReferenceKind;
  field: string;
  value: unknown;
  label: LocalizedText;
}

/** Every reference value of the form's fields (table columns too), with the request field it sits in. */
function referencesOf(layout: unknown, data: Record<string, unknown>): Reference[] {
  const found: Reference[] = [];
  const sections = Array.isArray(layout) ? (layout as { fields?: FormField[] }[]) : [];
  const visit = (field: FormField, value: unknown, at: string) => {
    if (value === undefined || value === null) return;
    if (field.widget === 'user' || field.widget === 'team' || field.widget === 'attachment') {
      const values = Array.isArray(value) ? value : [value];
      values.forEach((item, index) =>
        found.push({
          kind: field.widget as ReferenceKind,
          field: Array.isArray(value) ? `${at}.${index}` : at,
          value: item,
          label: field.label,
        }),
      );
    } else if (field.widget === 'table' && Array.isArray(value) && field.columns) {
      value.forEach((row: unknown, index) => {
        if (typeof row !== 'object' || row === null) return;
        for (const column of field.columns ?? [])
          visit(
            { ...column, field: column.field },
            (row as Record<string, unknown>)[column.field],
            `${at}.${index}.${column.field}`,
          );
      });
    }
  };
  for (const section of sections)
    for (const field of section.fields ?? []) visit(field, data[field.field], `body.data.${field.field}`);
  return found;
}

const TEXTS = {
  'unknown-user': (label: LocalizedText, value: string): LocalizedText => ({
    'zh-CN': `“${label['zh-CN']}”中的人员 ${value} 不存在或已停用`,
    en: `“${label.en}” names ${value}, who is not an active person`,
  }),
  'unknown-team': (label: LocalizedText, value: string): LocalizedText => ({
    'zh-CN': `“${label['zh-CN']}”中的团队 ${value} 不存在`,
    en: `“${label.en}” names the team ${value}, which does not exist`,
  }),
  'unknown-attachment': (label: LocalizedText, value: string): LocalizedText => ({
    'zh-CN': `“${label['zh-CN']}”中的附件 ${value} 不存在或已过期，请重新上传`,
    en: `“${label.en}” refers to the file ${value}, which does not exist or has expired; upload it again`,
  }),
  'attachment-not-yours': (label: LocalizedText, value: string): LocalizedText => ({
    'zh-CN': `“${label['zh-CN']}”中的附件 ${value} 不是由您上传的`,
    en: `“${label.en}” refers to the file ${value}, which you did not upload`,
  }),
  'attachment-taken': (label: LocalizedText, value: string): LocalizedText => ({
    'zh-CN': `“${label['zh-CN']}”中的附件 ${value} 已属于另一张工单，请重新上传`,
    en: `“${label.en}” refers to the file ${value}, which already belongs to another ticket; upload it again`,
  }),
} as const;

function refusal(problems: ProblemItem[]): HttpProblem {
  const first = problems[0]!;
  return new HttpProblem(422, 'Command refused', {
    code: 'invalid-reference',
    field: first.field,
    text:
      problems.length === 1
        ? first.text!
        : {
            'zh-CN': `表单中有 ${problems.length} 处引用无效：${problems.map((p) => p.text!['zh-CN']).join('；')}`,
            en: `${problems.length} references in the form are not valid: ${problems.map((p) => p.text!.en).join('; ')}`,
          },
    errors: problems,
  });
}

/** What the open route does with the uploads it claimed. */
export interface IntakeClaims {
  /** The id the ticket must be opened under when uploads were claimed for it. */
  ticketId?: string;
  /** The open was refused: give back the uploads this request claimed. */
  release(): Promise<void>;
  /** The ticket exists: bind the claimed uploads to it (their listing and download go through the ticket). */
  settle(ticketId: string): Promise<void>;
}

const NOTHING_CLAIMED: IntakeClaims = { release: async () => {}, settle: async () => {} };

/**
 * Check every reference field of `data` against the type's newest form and claim the uploads it names for the
 * ticket about to be opened (`ticketId`: the idempotent id when the open has a key; a new one otherwise).
 */
export async function claimIntakeReferences(
  app: FastifyInstance,
  input: { typeKey: string; data: Record<string, unknown>; uploader: string; ticketId?: string },
): Promise<IntakeClaims> {
  const definition = await app.tickets.newestDefinition(input.typeKey);
  const form = definition?.definition.form as { layout?: unknown } | undefined;
  if (!form) return NOTHING_CLAIMED;
  const references = referencesOf(form.layout, input.data);
  if (references.length === 0) return NOTHING_CLAIMED;

  const problems: ProblemItem[] = [];
  // Listed in the form's order, whichever check found them.
  const order = (item: ProblemItem) => references.findIndex((reference) => reference.field === item.field);
  const problem = (reference: Reference, code: keyof typeof TEXTS) => {
    const text = TEXTS[code](reference.label, String(reference.value));
    problems.push({ field: reference.field, code, message: text.en, text });
    problems.sort((a, b) => order(a) - order(b));
  };
  const ofKind = (kind: ReferenceKind) => references.filter((reference) => reference.kind === kind);

  const users = ofKind('user');
  const userIds = users
    .map((r) => r.value)
    .filter(
      (v): v is string => typeof v === 'string' && Types.ObjectId.isValid(v) && /^[0-9a-f]{24}$/.test(v),
    );
  const activeUsers = new Set(
    userIds.length === 0
      ? []
      : (await app.models.User.find({ _id: { $in: userIds }, active: true }, { _id: 1 }).lean()).map((u) =>
          String(u._id),
        ),
  );
  for (const reference of users)
    if (typeof reference.value !== 'string' || !activeUsers.has(reference.value))
      problem(reference, 'unknown-user');

  const teams = ofKind('team');
  const teamKeys = teams.map((r) => r.value).filter((v): v is string => typeof v === 'string');
  const knownTeams = new Set(
    teamKeys.length === 0
      ? []
      : (await app.models.Team.find({ key: { $in: teamKeys } }, { key: 1 }).lean()).map((t) => t.key),
  );
  for (const reference of teams)
    if (typeof reference.value !== 'string' || !knownTeams.has(reference.value))
      problem(reference, 'unknown-team');

  const files = ofKind('attachment');
  const fileIds = files.map((r) => r.value).filter((v): v is string => typeof v === 'string');
  const uploads = new Map(
    fileIds.length === 0
      ? []
      : (
          await app.db
            .collection<AttachmentDoc>(ATTACHMENTS_COLLECTION)
            .find({ _id: { $in: fileIds } })
            .toArray()
        ).map((doc) => [doc._id, doc]),
  );
  const toClaim: Reference[] = [];
  for (const reference of files) {
    const upload = typeof reference.value === 'string' ? uploads.get(reference.value) : undefined;
    if (!upload) problem(reference, 'unknown-attachment');
    else if (upload.uploadedBy !== input.uploader) problem(reference, 'attachment-not-yours');
    else if (upload.ticketId !== '' && upload.ticketId !== input.ticketId)
      problem(reference, 'attachment-taken');
    else if (upload.ticketId === '') toClaim.push(reference);
  }
  if (problems.length > 0) throw refusal(problems);
  if (toClaim.length === 0) return NOTHING_CLAIMED;

  const ticketId = input.ticketId ?? `t${Date.now().toString(36)}${randomBytes(8).toString('hex')}`;
  const claims = app.db.collection<ClaimDoc>(ATTACHMENT_CLAIMS_COLLECTION);
  const made: string[] = [];
  const release = async () => {
    if (made.length > 0) await claims.deleteMany({ _id: { $in: made }, ticketId });
  };
  for (const reference of toClaim) {
    const id = reference.value as string;
    if (made.includes(id)) continue;
    try {
      await claims.insertOne({ _id: id, ticketId, at: new Date(app.clock.now()) });
      made.push(id);
    } catch (error) {
      if (!isDuplicateKey(error)) {
        await release();
        throw error;
      }
      const holder = await claims.findOne({ _id: id });
      if (holder?.ticketId !== ticketId) problem(reference, 'attachment-taken');
    }
  }
  if (problems.length > 0) {
    await release();
    throw refusal(problems);
  }
  const claimed = [...new Set(toClaim.map((reference) => reference.value as string))];
  return {
    ticketId,
    release,
    async settle(openedId) {
      await app.db
        .collection<AttachmentDoc>(ATTACHMENTS_COLLECTION)
        .updateMany({ _id: { $in: claimed }, ticketId: '' }, { $set: { ticketId: openedId } });
    },
  };
}

/**
 * Settle uploads made before a ticket existed: bind those claimed by a ticket that exists (an open that stopped
 * between its commit and binding them), remove the files and records of those unclaimed — or claimed by an open that
 * never happened — for longer than a day. Idempotent: a second pass finds nothing left to do.
 */
export async function sweepIntakeUploads(
  app: FastifyInstance,
  now: number,
  root: string,
): Promise<{ bound: number; removed: number }> {
  const attachments = app.db.collection<AttachmentDoc>(ATTACHMENTS_COLLECTION);
  const claims = app.db.collection<ClaimDoc>(ATTACHMENT_CLAIMS_COLLECTION);
  const tickets = app.db.collection<{ _id: string }>(TICKETS_COLLECTION);
  const pending = await attachments.find({ ticketId: '' }).toArray();
  let bound = 0;
  let removed = 0;
  for (const upload of pending) {
    const claim = await claims.findOne({ _id: upload._id });
    if (claim && (await tickets.findOne({ _id: claim.ticketId }, { projection: { _id: 1 } }))) {
      await attachments.updateOne({ _id: upload._id, ticketId: '' }, { $set: { ticketId: claim.ticketId } });
      bound += 1;
      continue;
    }
    if (now - upload.at.getTime() < UNCLAIMED_UPLOAD_TTL_MS) continue;
    await rm(path.join(root, upload.file ?? path.join('intake', upload._id)), { force: true });
    if (claim) await claims.deleteOne({ _id: upload._id });
    await attachments.deleteOne({ _id: upload._id, ticketId: '' });
    removed += 1;
  }
  return { bound, removed };
}
