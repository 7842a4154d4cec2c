import { access } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from '../../test/support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../../test/support/tickets.js';
import { ATTACHMENTS_COLLECTION } from './attachment.model.js';
import { sweepIntakeUploads } from './intake-references.js';

let app: FastifyInstance;
let requester: CreatedUser;
let other: CreatedUser;
let agent: CreatedUser;
const clock = new ManualClock(Date.parse('2026-10-12T10:00:00+08:00'));
const HOUR = 60 * 60 * 1000;

function multipartBody(files: { name: string; type: string; content: Buffer }[]) {
  const boundary = `----ordo${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const file of files)
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.content,
      Buffer.from('\r\n'),
    );
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

async function upload(user: CreatedUser, name = 'screenshot.png'): Promise<string> {
  // A PNG signature and IHDR chunk start: the server reads the type from the bytes.
  const png = Buffer.concat([
    Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'),
    Buffer.from(`png bytes of ${name}`),
  ]);
  const body = multipartBody([{ name, type: 'image/png', content: png }]);
  const { status, body: answer } = await call(app, {
    method: 'POST',
    url: '/api/attachments',
    headers: { ...bearer(user.token), ...body.headers },
    payload: body.payload,
  });
  expect(status, JSON.stringify(answer)).toBe(201);
  return (answer.items as { id: string }[])[0]!.id;
}

const request = (data: Record<string, unknown>) => ({
  type: 'it.intake',
  data: { title: '报销单打印不出来', service: 'printer', impact: 'person', urgency: 'low', ...data },
});

async function open(user: CreatedUser, data: Record<string, unknown>, headers: Record<string, string> = {}) {
  return call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: { ...bearer(user.token), ...headers },
    payload: request(data),
  });
}

beforeAll(async () => {
  app = await buildTestApp('intake_uploads', { clock });
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'qin.lan', roles: ['requester'] });
  other = await createUser(app, admin, { username: 'wei.dong', roles: ['requester'] });
  agent = await createUser(app, admin, { username: 'desk.gu', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id }] });
  const definition = itIncidentDefinition();
  definition.key = 'it.intake';
  const form = definition.form as {
    schema: { required: string[]; properties: Record<string, unknown> };
    layout: { fields: Record<string, unknown>[] }[];
  };
  form.schema.required.push('attachments');
  (form.schema.properties.attachments as { minItems?: number }).minItems = 1;
  form.schema.properties.affected = { type: 'string' };
  form.schema.properties.forTeam = { type: 'string' };
  form.layout[0]!.fields.push(
    { field: 'affected', widget: 'user', label: { 'zh-CN': '受影响的同事', en: 'Colleague affected' } },
    { field: 'forTeam', widget: 'team', label: { 'zh-CN': '相关团队', en: 'Team concerned' } },
  );
  const designer = await createUser(app, admin, { username: 'designer.intake', roles: ['designer'] });
  await publishType(app, designer.token, definition);
});
afterAll(async () => {
  await app.close();
});

describe('POST /api/attachments, then POST /api/tickets naming the files', () => {
  it('a required attachment is satisfied by a file uploaded before the ticket; the ticket then owns it', async () => {
    const fileId = await upload(requester);
    const { status, body } = await open(requester, {
      attachments: [fileId],
      affected: other.id,
      forTeam: 'it-ops',
    });
    expect(status, JSON.stringify(body)).toBe(201);
    const listed = await call(app, {
      method: 'GET',
      url: `/api/tickets/${String(body.id)}/attachments`,
      headers: bearer(agent.token),
    });
    expect((listed.body.items as { id: string }[]).map((item) => item.id)).toEqual([fileId]);
    const download = await app.inject({
      method: 'GET',
      url: `/api/tickets/${String(body.id)}/attachments/${fileId}`,
      headers: bearer(requester.token),
    });
    expect(download.statusCode).toBe(200);
    expect(download.body).toContain('png bytes of screenshot.png');

    // The same file cannot be claimed by a second ticket.
    const again = await open(requester, { attachments: [fileId] });
    expect(again.status).toBe(422);
    expect(again.body.field).toBe('body.data.attachments.0');
    expect((again.body.errors as { code: string }[])[0]!.code).toBe('attachment-taken');
  });

  it('refuses made-up people, teams and files, naming every field, and stores nothing', async () => {
    const stranger = await upload(other, 'theirs.png');
    const before = await app.tickets.tickets.countDocuments({});
    const { status, body } = await open(requester, {
      attachments: ['a-made-up-id', stranger],
      affected: '0123456789abcdef01234567',
      forTeam: 'no-such-team',
    });
    expect(status, JSON.stringify(body)).toBe(422);
    expect(body.type).toBe('urn:ordo:problem:invalid-reference');
    const errors = body.errors as { field: string; code: string; text: Record<string, string> }[];
    expect(errors.map((error) => [error.field, error.code])).toEqual([
      ['body.data.attachments.0', 'unknown-attachment'],
      ['body.data.attachments.1', 'attachment-not-yours'],
      ['body.data.affected', 'unknown-user'],
      ['body.data.forTeam', 'unknown-team'],
    ]);
    for (const error of errors) expect(error.text['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
    expect(body.field).toBe('body.data.attachments.0');
    expect(await app.tickets.tickets.countDocuments({})).toBe(before);
    // The other person's upload is still theirs to use.
    const theirs = await open(other, { attachments: [stranger] });
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);
  });

  it('a refused open gives its uploads back; an idempotent retry reuses them', async () => {
    const fileId = await upload(requester, 'retry.png');
    const refused = await open(requester, { attachments: [fileId], urgency: 'not-an-urgency' });
    expect(refused.status).toBe(422);
    const key = { 'idempotency-key': 'intake-retry-1' };
    const first = await open(requester, { attachments: [fileId] }, key);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const retry = await open(requester, { attachments: [fileId] }, key);
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
  });

  it('removes uploads no open claimed after a day, keeps claimed ones; a second sweep changes nothing', async () => {
    const unclaimed = await upload(requester, 'forgotten.png');
    const claimedId = await upload(requester, 'kept.png');
    const opened = await open(requester, { attachments: [claimedId] });
    expect(opened.status).toBe(201);
    const root = path.join(app.ordo.dataDir, 'attachments');
    const attachments = app.db.collection(ATTACHMENTS_COLLECTION);

    clock.advance(23 * HOUR);
    await sweepIntakeUploads(app, clock.now(), root);
    expect(await attachments.findOne({ _id: unclaimed as never })).not.toBeNull();

    clock.advance(2 * HOUR);
    const swept = await sweepIntakeUploads(app, clock.now(), root);
    expect(swept.removed).toBeGreaterThanOrEqual(1);
    expect(await attachments.findOne({ _id: unclaimed as never })).toBeNull();
    await expect(access(path.join(root, 'intake', unclaimed))).rejects.toThrow();
    expect(await attachments.findOne({ _id: claimedId as never })).toMatchObject({
      ticketId: opened.body.id,
    });
    expect(await sweepIntakeUploads(app, clock.now(), root)).toEqual({ bound: 0, removed: 0 });

    // A day later the session has expired: sign in again.
    requester = { ...requester, token: await login(app, requester.username, requester.password) };
    const late = await open(requester, { attachments: [unclaimed] });
    expect(late.status).toBe(422);
    expect((late.body.errors as { code: string }[])[0]!.code).toBe('unknown-attachment');
  });
});
