import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from '../../test/support/server-app.js';
import { attachmentKinds, DEFAULT_ATTACHMENT_TYPES } from './attachment-types.js';

/** The kinds of file a server takes, as the studio reads them to check a file before uploading it. */
let app: FastifyInstance;
let requester: CreatedUser;

beforeAll(async () => {
  // An operator who takes only pictures and sound recordings.
  app = await buildTestApp('attachment_kinds', {
    attachmentTypes: ['image/png', 'image/jpeg', 'audio/mpeg'],
  });
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'kinds.requester', roles: ['requester'] });
});
afterAll(async () => {
  await app.close();
});

function upload(name: string, type: string, content: Buffer) {
  const boundary = '----ordokinds';
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return call(app, {
    method: 'POST',
    url: '/api/attachments',
    headers: { ...bearer(requester.token), 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload,
  });
}

describe('GET /api/attachments/kinds', () => {
  it('lists the configured kinds with their extensions, and the size and count limits', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/attachments/kinds',
      headers: bearer(requester.token),
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      types: [
        { type: 'image/png', aliases: [], extensions: ['.png'] },
        { type: 'image/jpeg', aliases: ['image/jpg'], extensions: ['.jpg', '.jpeg'] },
        { type: 'audio/mpeg', aliases: [], extensions: ['.mp3'] },
      ],
      maxBytes: 20 * 1024 * 1024,
      maxFiles: 10,
    });
  });

  it('answers 401 to someone not signed in', async () => {
    const { status } = await call(app, { method: 'GET', url: '/api/attachments/kinds' });
    expect(status).toBe(401);
  });

  it('agrees with the upload: a kind not listed is refused by the server too', async () => {
    const refused = await upload('notes.txt', 'text/plain', Buffer.from('plain text'));
    expect(refused.status).toBe(415);
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const taken = await upload('screen.png', 'image/png', png);
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
  });

  it('names every default kind by at least one extension, none a browser would run', () => {
    const kinds = attachmentKinds(DEFAULT_ATTACHMENT_TYPES);
    expect(kinds.map((kind) => kind.type)).toEqual([...DEFAULT_ATTACHMENT_TYPES]);
    for (const kind of kinds) expect(kind.extensions.length, kind.type).toBeGreaterThan(0);
    expect(kinds.flatMap((kind) => kind.extensions)).not.toContain('.svg');
  });
});
