// Mail into tickets on the embedded store (or MONGODB_URI's server, on a database of its own):
// `npm run bench -- mail`.
//
// The same tickets opened two ways, in one run: N mails sent over SMTP to the listener (nodemailer, a pool of 10
// connections), and N opens through POST /api/tickets over HTTP (10 at a time). Each mail is answered 250 only
// once its ticket is stored, so mails/s is tickets/s. Goal: mail ≥ 50 % of the API's rate. ORDO_BENCH_MAIL (200)
// sets N.
import { benchAppOptions, ADMIN_PASSWORD, inject, openStore } from './server.bench.js';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import nodemailer from 'nodemailer';
import { buildApp } from '../server/app.js';
import type { EmbeddedStore } from '../server/store/embedded-store.js';
import { projectRoot } from '../server/store/paths.js';

interface Row {
  name: string;
  opsPerSec: number;
  note?: string;
}
type Print = (title: string, rows: Row[]) => void;

const CONCURRENCY = 10;
const SENDERS = 20;

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(base: string, pathname: string, token: string, body: string) {
  return new Promise<number>((resolve, reject) => {
    const request = http.request(
      `${base}${pathname}`,
      {
        method: 'POST',
        agent: httpAgent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Run `count` jobs, `CONCURRENCY` at a time; answers the wall time in ms. */
async function pooled(count: number, job: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await job(next++);
    }),
  );
  return performance.now() - started;
}

export async function benchMail(print: Print): Promise<void> {
  const count = Number(process.env.ORDO_BENCH_MAIL ?? 200);
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-bench-mail-'));
  let app: FastifyInstance | undefined;
  let store: EmbeddedStore | undefined;
  const previousListen = process.env.ORDO_SMTP_LISTEN;
  try {
    const opened = await openStore(path.join(tempDir, 'store'));
    store = opened.store;
    process.env.ORDO_SMTP_LISTEN = '127.0.0.1:0';
    app = await buildApp(benchAppOptions(opened, path.join(tempDir, 'data')));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const smtpAddress = app.mailChannel.smtpAddress()!;

    const admin = String(
      (
        await inject(app, 'POST', '/api/auth/login', undefined, {
          username: 'admin',
          password: ADMIN_PASSWORD,
        })
      ).token,
    );
    const desk = String(
      (
        await inject(app, 'POST', '/api/users', admin, {
          username: 'bench.desk',
          displayName: 'Desk',
          email: 'desk@example.com',
          password: 'bench-desk-password',
          roles: ['agent'],
        })
      ).id,
    );
    for (const key of ['it-desk', 'it-ops'])
      await inject(app, 'POST', '/api/teams', admin, {
        key,
        name: { 'zh-CN': key, en: key },
        members: [{ userId: desk }],
      });
    const definition = JSON.parse(
      await readFile(
        path.join(projectRoot(), 'runtime', 'definitions', 'fixtures', 'it-incident.ticket-type.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    await inject(app, 'POST', '/api/ticket-types', admin, definition);
    await inject(app, 'POST', `/api/ticket-types/${String(definition.key)}/publish`, admin, {
      note: 'bench',
    });
    const defaults = { service: 'other', impact: 'person', urgency: 'low' };
    await inject(app, 'POST', '/api/channels/mailboxes', admin, {
      address: 'help@bench.test',
      name: 'Bench',
      typeKey: 'it.incident',
      defaults,
    });

    const transport = nodemailer.createTransport({
      host: smtpAddress.host,
      port: smtpAddress.port,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: CONCURRENCY,
      maxMessages: Infinity,
    });
    const mail = (index: number, run: string) => ({
      from: `Customer ${index % SENDERS} <customer${index % SENDERS}@example.org>`,
      to: 'help@bench.test',
      subject: `Printer ${run} ${index} does not print`,
      text: `The printer on floor ${index % 9} shows error ${index}.\nRegards`,
      messageId: `<${run}-${index}@bench.example.org>`,
    });
    // Warm-up: every sender becomes a requester once, and both paths are exercised.
    for (let index = 0; index < SENDERS; index++) await transport.sendMail(mail(index, 'warm'));
    const users = (
      await app.models.User.find({ email: /^customer\d+@example\.org$/ }, { _id: 1 }).lean()
    ).map((user) => String(user._id));

    const mailMs = await pooled(count, async (index) => {
      await transport.sendMail(mail(index, 'run'));
    });
    const apiMs = await pooled(count, async (index) => {
      const status = await post(
        base,
        '/api/tickets',
        admin,
        JSON.stringify({
          type: 'it.incident',
          channel: 'email',
          requester: users[index % users.length],
          data: {
            ...defaults,
            title: `Printer api ${index} does not print`,
            description: `The printer on floor ${index % 9} shows error ${index}.\nRegards`,
          },
        }),
      );
      if (status !== 201) throw new Error(`POST /api/tickets answered ${status}`);
    });
    transport.close();
    const stored = await app.mailChannel.intake.messages.countDocuments({ outcome: 'ticket' });
    if (stored !== count + SENDERS)
      throw new Error(`expected ${count + SENDERS} mail tickets, found ${stored}`);
    const apiRate = (count / apiMs) * 1000;
    const mailRate = (count / mailMs) * 1000;
    print(
      `Mail into tickets: ${count} each, ${CONCURRENCY} at a time (${store ? 'embedded store' : 'MONGODB_URI'})`,
      [
        { name: 'POST /api/tickets (baseline)', opsPerSec: apiRate },
        {
          name: 'SMTP mail → ticket',
          opsPerSec: mailRate,
          note: `${Math.round((mailRate / apiRate) * 100)} % of the API (goal ≥ 50 %)`,
        },
      ],
    );
  } finally {
    if (previousListen === undefined) delete process.env.ORDO_SMTP_LISTEN;
    else process.env.ORDO_SMTP_LISTEN = previousListen;
    await app?.close();
    await store?.stop();
    httpAgent.destroy();
    await rm(tempDir, { recursive: true, force: true });
  }
}
