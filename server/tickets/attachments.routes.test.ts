import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  waitFor,
  type CreatedUser,
} from '../../test/support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../../test/support/tickets.js';
import { ATTACHMENTS_COLLECTION } from './attachments.routes.js';

let app: FastifyInstance;
let requester: CreatedUser;
let stranger: CreatedUser;
let agent: CreatedUser;
let ticketId: string;
/** The files in the ticket's attachment folder. */
const filesOfTicket = async () =>
  (await readdir(path.join(app.ordo.dataDir, 'attachments', ticketId)).catch(() => [] as string[])).sort();

/** A multipart/form-data body by hand, as a browser sends it. */
function multipartBody(files: { field?: string; name: string; type: string; content: Buffer }[]) {
  const boundary = `----ordo${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const file of files) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

beforeAll(async () => {
  app = await buildTestApp('ticket_attachments');
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'sun.li', roles: ['requester'] });
  stranger = await createUser(app, admin, { username: 'zhou.yu', roles: ['requester'] });
  agent = await createUser(app, admin, { username: 'desk.agent', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id, skills: { server: 3 } }] });
  const designer = await createUser(app, admin, { username: 'designer.att', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: {
      type: 'it.incident',
      data: { title: '截图里的报错', service: 'email', impact: 'person', urgency: 'low' },
    },
  });
  if (opened.status !== 201) throw new Error(`opening the ticket: ${JSON.stringify(opened.body)}`);
  ticketId = String(opened.body.id);
});
afterAll(async () => {
  await app.close();
});

describe('POST /api/tickets/:id/attachments', () => {
  it('stores files, lists them, serves them to those who see the ticket and 404 to others', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const upload = multipartBody([
      { name: '报错截图.png', type: 'image/png', content: png },
      { name: 'log.txt', type: 'text/plain', content: Buffer.from('SMTP 550 relay denied\n') },
    ]);
    const response = await app.inject({
      method: 'POST',
      url: `/api/tickets/${ticketId}/attachments`,
      headers: { ...bearer(requester.token), ...upload.headers },
      payload: upload.payload,
    });
    expect(response.statusCode, response.body).toBe(201);
    const items = response.json<{ items: { id: string; name: string; size: number }[] }>().items;
    expect(items.map((item) => item.name)).toEqual(['报错截图.png', 'log.txt']);
    expect(items[0]!.size).toBe(png.length);
    // Each file under its attachment's name, no temporary left.
    expect(await filesOfTicket()).toEqual(items.map((item) => item.id).sort());

    const list = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticketId}/attachments`,
      headers: bearer(agent.token),
    });
    expect((list.body.items as unknown[]).length).toBe(2);
    const download = await app.inject({
      method: 'GET',
      url: `/api/tickets/${ticketId}/attachments/${items[1]!.id}`,
      headers: bearer(agent.token),
    });
    expect(download.statusCode).toBe(200);
    expect(download.body).toBe('SMTP 550 relay denied\n');
    expect(download.headers['content-disposition']).toContain("filename*=UTF-8''log.txt");
    const forbidden = await app.inject({
      method: 'GET',
      url: `/api/tickets/${ticketId}/attachments/${items[1]!.id}`,
      headers: bearer(stranger.token),
    });
    expect(forbidden.statusCode).toBe(404);

    const comment = await call(app, {
      method: 'POST',
      url: `/api/tickets/${ticketId}/commands`,
      headers: bearer(requester.token),
      payload: {
        command: 'comment',
        version: 1,
        body: '见附件',
        visibility: 'public',
        attachments: [items[0]!.id],
      },
    });
    expect(comment.status, JSON.stringify(comment.body)).toBe(200);
  });

  it('refuses executables and files over the limit, storing nothing', async () => {
    const before = await app.db.collection(ATTACHMENTS_COLLECTION).countDocuments();
    const filesBefore = await filesOfTicket();
    const script = multipartBody([
      { name: 'fix.exe', type: 'application/octet-stream', content: Buffer.from('MZ') },
    ]);
    const refused = await app.inject({
      method: 'POST',
      url: `/api/tickets/${ticketId}/attachments`,
      headers: { ...bearer(requester.token), ...script.headers },
      payload: script.payload,
    });
    expect(refused.statusCode).toBe(415);
    expect(refused.json<{ field: string }>().field).toBe('body.file');
    const huge = multipartBody([
      { name: 'dump.zip', type: 'application/zip', content: Buffer.alloc(20 * 1024 * 1024 + 1, 1) },
    ]);
    const tooLarge = await app.inject({
      method: 'POST',
      url: `/api/tickets/${ticketId}/attachments`,
      headers: { ...bearer(requester.token), ...huge.headers },
      payload: huge.payload,
    });
    expect(tooLarge.statusCode).toBe(413);
    expect(await app.db.collection(ATTACHMENTS_COLLECTION).countDocuments()).toBe(before);
    expect(await filesOfTicket()).toEqual(filesBefore);
  });

  it('refuses a comment naming a file of another ticket', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: `/api/tickets/${ticketId}/commands`,
      headers: bearer(requester.token),
      payload: {
        command: 'comment',
        version: 2,
        body: '别的文件',
        visibility: 'public',
        attachments: ['a000notours'],
      },
    });
    expect(status).toBe(400);
    expect(body.field).toBe('body.attachments');
  });
});

describe('half-written files a killed process left', () => {
  it('are removed after start-up once over 10 minutes old; younger ones and whole files stay', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-attachments-sweep-'));
    const root = path.join(dataDir, 'attachments');
    const hourAgo = new Date(Date.now() - 3_600_000);
    const place = async (relative: string, old: boolean) => {
      const at = path.join(root, relative);
      await mkdir(path.dirname(at), { recursive: true });
      await writeFile(at, 'part of a file');
      if (old) await utimes(at, hourAgo, hourAgo);
    };
    await place('t1/.tmp-a1-00aa', true);
    await place('t1/.tmp-a2-00bb', false);
    await place('t1/a3', true);
    await place('intake/.tmp-a4-00cc', true);
    const started = await buildTestApp('ticket_attachments_sweep', { dataDir });
    try {
      await started.ready();
      const left = async () => [
        ...(await readdir(path.join(root, 't1'))),
        ...(await readdir(path.join(root, 'intake'))),
      ];
      await waitFor(
        async () => !(await left()).some((name) => ['.tmp-a1-00aa', '.tmp-a4-00cc'].includes(name)),
        {
          what: 'the stale temporaries to be removed',
          intervalMs: 20,
        },
      );
      expect((await readdir(path.join(root, 't1'))).sort()).toEqual(['.tmp-a2-00bb', 'a3']);
      expect(await readdir(path.join(root, 'intake'))).toEqual([]);
    } finally {
      await started.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
