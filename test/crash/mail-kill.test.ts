/**
 * Mail intake under SIGKILL: the server process (role `all`, SMTP listener on `ORDO_SMTP_LISTEN`) receives a batch
 * of real mail sent with nodemailer — each with its own Message-ID, some with an attachment, some answering a ticket
 * an earlier round opened — and is SIGKILLed while it works: one message is always held after a random number of
 * bytes of its DATA, and the kill itself comes, by round, as soon as a message is stored but not yet answered
 * (`stored`), right after a 250 (`answered`), or a random few milliseconds after a message's last byte (`delay`).
 * The server is started again on the same database and data folder, and the sender retries every message it did
 * not see answered 250, as a relay does. At the end:
 *
 * - every message was answered 250 in the end (none lost);
 * - every new message made exactly one ticket, every answer exactly one comment on its ticket, none made two;
 * - every attachment downloads with its bytes;
 * - no message record is left unfinished.
 *
 * `npm test` runs 2 rounds (about half a minute); `ORDO_MAIL_KILL_ROUNDS=20 npx vitest run --project server
 * test/crash/mail-kill.test.ts` runs more, the kill moments drawn from a seeded random (`ORDO_MAIL_KILL_SEED`
 * replays a run; the seed is printed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import mongoose, { type Connection } from 'mongoose';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageRecordId } from '../../server/channels/mail/mail-intake.js';
import { MAIL_MESSAGES_COLLECTION, type MailMessageDoc } from '../../server/channels/mail/mail.model.js';
import { testDatabaseUri } from '../support/database.js';
import { ADMIN_PASSWORD, waitFor } from '../support/server-app.js';
import { itIncidentDefinition } from '../support/tickets.js';
import { freePort, ServerProcess } from './server-process.js';

const DATABASE = 'mail_kill';
const ROUNDS = Math.max(1, Number(process.env.ORDO_MAIL_KILL_ROUNDS ?? 2));
const SEED = Number(process.env.ORDO_MAIL_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MAILBOX = 'help@kill.test';
/** Messages per round: one held mid-DATA, the others sent at once. */
const BATCH = 6;
const KNOWN = 'kill.known@kill.test';
const SENDERS = [KNOWN, 'ana@customer.test', 'bo@customer.test'];

type Trigger = 'stored' | 'answered' | 'delay';
/** The first rounds cover each moment once; later ones draw it. */
const TRIGGERS: Trigger[] = ['stored', 'answered', 'delay'];

/** A small random number generator with a seed, so a run's kill moments can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

interface Mail {
  messageId: string;
  from: string;
  subject: string;
  /** Text that identifies the message's comment (answers) or description (new tickets). */
  marker: string;
  raw: Buffer;
  /** The mail it answers (same sender, In-Reply-To its Message-ID). */
  answers?: Mail;
  attachment?: { name: string; content: Buffer };
  answered: boolean;
  /** Deliveries tried, the last answer or error. */
  attempts: number;
  last?: string;
}

const png = (n: number) =>
  Buffer.concat([
    Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'),
    Buffer.alloc(48 * 1024 + n * 131, n % 251),
  ]);
const text = (n: number) =>
  Buffer.from(`工单附件 ${n}\n${`line ${n} of the printer log\n`.repeat(1500 + n * 7)}`, 'utf8');

const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

/** The message's bytes, built once: a retry delivers the very same message. */
async function compose(mail: Omit<Mail, 'raw' | 'answered' | 'attempts'>): Promise<Buffer> {
  const info = (await composer.sendMail({
    from: mail.from,
    to: MAILBOX,
    subject: mail.subject,
    messageId: `<${mail.messageId}>`,
    text: `${mail.marker}\n\nSent from the mail-kill test.`,
    ...(mail.answers
      ? { inReplyTo: `<${mail.answers.messageId}>`, references: [`<${mail.answers.messageId}>`] }
      : {}),
    ...(mail.attachment
      ? { attachments: [{ filename: mail.attachment.name, content: mail.attachment.content }] }
      : {}),
  })) as { message: Buffer };
  return info.message;
}

/** The message's bytes as a stream, 16 KB at a time; `sent` is called once the last byte has left it. */
function bytesOf(raw: Buffer, sent?: () => void): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= raw.length) {
        sent?.();
        this.push(null);
        return;
      }
      const end = Math.min(raw.length, offset + 16 * 1024);
      this.push(raw.subarray(offset, end));
      offset = end;
    },
  });
}

/**
 * A TCP relay in front of the listener that passes the SMTP dialogue through and, once the server has said 354,
 * only the first `holdAfter` bytes of the message: the rest never comes. `held` is called when those bytes are
 * handed to the server's socket.
 */
async function holdingRelay(holdAfter: number, held: () => void): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const upstream = net.connect(smtpPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let inData = false;
    let count = 0;
    let holding = false;
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) socket.on('close', end).on('error', end);
    upstream.on('data', (chunk: Buffer) => {
      if (/^354/m.test(chunk.toString('latin1'))) inData = true;
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      if (holding) return;
      if (!inData || count + chunk.length < holdAfter) {
        if (inData) count += chunk.length;
        upstream.write(chunk);
        return;
      }
      holding = true;
      upstream.write(chunk.subarray(0, holdAfter - count), () => held());
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as net.AddressInfo).port,
    close() {
      for (const socket of sockets) socket.destroy();
      relay.close();
    },
  };
}

let dataDir: string;
let server: ServerProcess;
let smtpPort: number;
let db: Connection;
let token: string;

/** One delivery over SMTP, a connection of its own (to `port`: a relay). Resolves with whether it was answered 250. */
async function deliver(mail: Mail, options: { port?: number; sent?: () => void } = {}): Promise<boolean> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: options.port ?? smtpPort,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
  });
  mail.attempts += 1;
  try {
    const info = (await transport.sendMail({
      envelope: { from: mail.from, to: [MAILBOX] },
      raw: bytesOf(mail.raw, options.sent),
    })) as { response: string };
    mail.last = info.response;
    mail.answered = /^250\b/.test(info.response);
    return mail.answered;
  } catch (error) {
    mail.last = `${(error as { responseCode?: number }).responseCode ?? ''} ${(error as Error).message}`;
    return false;
  } finally {
    transport.close();
  }
}

async function api<T = Record<string, unknown>>(
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return server.api<T>(method, url, token, body);
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-mail-kill-'));
  smtpPort = await freePort();
  // The child process takes its settings from this environment (server-process.ts passes it on).
  process.env.ORDO_SMTP_LISTEN = `127.0.0.1:${smtpPort}`;
  server = new ServerProcess({ database: DATABASE, dataDir, port: await freePort() });
  db = await mongoose.createConnection(testDatabaseUri(DATABASE)).asPromise();
}, 60_000);

afterAll(async () => {
  server?.kill();
  delete process.env.ORDO_SMTP_LISTEN;
  await db?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('mail intake killed between receiving a message and answering it', () => {
  it(
    'leaves nothing (the sender retries) or exactly one ticket or comment per message, attachments whole',
    async () => {
      const random = seeded(SEED);
      console.log(`mail-kill: ${ROUNDS} rounds, seed ${SEED} (ORDO_MAIL_KILL_SEED=${SEED} replays it)`);
      let startedAt = Date.now();
      await server.start();
      console.log(`mail-kill: server started in ${Date.now() - startedAt} ms`);
      token = await server.login('admin', ADMIN_PASSWORD);
      const known = await api('POST', '/api/users', {
        username: 'kill.known',
        displayName: 'Known sender',
        email: KNOWN,
        password: 'kill-known-password',
        roles: ['requester'],
      });
      expect(known.status, JSON.stringify(known.body)).toBe(201);
      const agent = await api<{ id: string }>('POST', '/api/users', {
        username: 'kill.agent',
        displayName: 'Desk agent',
        email: 'kill.agent@example.com',
        password: 'kill-agent-password',
        roles: ['agent'],
      });
      expect(agent.status, JSON.stringify(agent.body)).toBe(201);
      for (const key of ['it-desk', 'it-ops', 'service-desk']) {
        const team = await api('POST', '/api/teams', {
          key,
          name: { 'zh-CN': key, en: key },
          members: [{ userId: agent.body.id, skills: {} }],
        });
        expect(team.status, JSON.stringify(team.body)).toBe(201);
      }
      const created = await api('POST', '/api/ticket-types', itIncidentDefinition());
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const published = await api('POST', '/api/ticket-types/it.incident/publish', { note: 'mail kill' });
      expect([200, 201]).toContain(published.status);
      const mailbox = await api('POST', '/api/channels/mailboxes', {
        address: MAILBOX,
        name: 'Help desk',
        typeKey: 'it.incident',
        team: 'service-desk',
        defaults: { service: 'printer', impact: 'person', urgency: 'medium' },
      });
      expect(mailbox.status, JSON.stringify(mailbox.body)).toBe(201);

      const messages = db.collection<MailMessageDoc>(MAIL_MESSAGES_COLLECTION);
      const all: Mail[] = [];
      let previous: Mail[] = [];
      let left = 0;
      for (let round = 0; round < ROUNDS; round += 1) {
        const trigger = round < TRIGGERS.length ? TRIGGERS[round]! : TRIGGERS[Math.floor(random() * 3)]!;
        // The batch: new messages, some with an attachment; from the second round on, answers to the last round's.
        const batch: Mail[] = [];
        for (let index = 0; index < BATCH; index += 1) {
          const n = round * BATCH + index;
          const answers =
            index % 3 === 2 && previous.length > 0 ? previous[index % previous.length] : undefined;
          const attachment =
            index % 2 === 0
              ? index % 4 === 0
                ? { name: `log-${n}.txt`, content: text(n) }
                : { name: `screen-${n}.png`, content: png(n) }
              : undefined;
          const spec = {
            messageId: `kill-${SEED}-${n}@customer.test`,
            from: answers ? answers.from : SENDERS[n % SENDERS.length]!,
            subject: answers ? `Re: ${answers.subject}` : `Kill r${round} m${index}: printer ${n} jams`,
            marker: answers ? `answer ${SEED}-${n}: still jammed` : `description ${SEED}-${n}`,
            ...(answers ? { answers } : {}),
            ...(attachment ? { attachment } : {}),
          };
          batch.push({ ...spec, raw: await compose(spec), answered: false, attempts: 0 });
        }
        all.push(...batch);
        const recordIds = batch.map((mail) => messageRecordId(MAILBOX, mail.messageId));

        let killed = false;
        const kill = () => {
          if (killed) return;
          killed = true;
          server.kill();
        };
        const roundAt = Date.now();
        // One message held after a random number of bytes of its DATA, before the others start.
        const [heldMail, ...others] = batch;
        const holdAfter = 1 + Math.floor(random() * (heldMail!.raw.length - 2));
        let isHeld = false;
        const relay = await holdingRelay(holdAfter, () => (isHeld = true));
        const heldDelivery = deliver(heldMail!, { port: relay.port });
        await waitFor(() => isHeld, {
          timeoutMs: 30_000,
          intervalMs: 5,
          what: 'the held message to be sent',
        });

        const answeredBeforeKill = 1 + Math.floor(random() * (others.length - 1));
        const delayed = Math.floor(random() * others.length);
        const delayMs = Math.floor(random() * 120);
        let answeredCount = 0;
        const deliveries = others.map((mail, index) =>
          deliver(mail, {
            sent: () => {
              if (trigger === 'delay' && index === delayed) setTimeout(kill, delayMs);
            },
          }).then((answered) => {
            if (answered) answeredCount += 1;
            if (trigger === 'answered' && answered && answeredCount === answeredBeforeKill) kill();
          }),
        );
        if (trigger === 'stored') {
          // As soon as a message of this round is stored but not answered.
          const watching = waitFor(
            async () => {
              if (killed) return true;
              const stored = await messages.countDocuments({
                _id: { $in: recordIds },
                outcome: 'processing',
              });
              if (stored > 0) kill();
              return killed;
            },
            { timeoutMs: 120_000, intervalMs: 2, what: 'a stored message' },
          );
          await Promise.race([watching, Promise.all(deliveries)]);
        }
        await Promise.all(deliveries);
        // Every other message answered before the moment came: the kill lands with only the held one open.
        kill();
        await server.exited();
        relay.close();
        await heldDelivery;
        const beforeKill = batch.filter((mail) => mail.answered).length;

        const killedAt = Date.now();
        startedAt = Date.now();
        await server.start();
        const restartMs = Date.now() - startedAt;
        token = await server.login('admin', ADMIN_PASSWORD);
        const unfinished = await messages.countDocuments({
          _id: { $in: recordIds },
          outcome: 'processing',
        });
        // The sender retries what it did not see answered 250.
        for (let attempt = 0; attempt < 5 && batch.some((mail) => !mail.answered); attempt += 1)
          await Promise.all(batch.filter((mail) => !mail.answered).map((mail) => deliver(mail)));
        console.log(
          `mail-kill round ${round}: ${trigger}, held after ${holdAfter} of ${heldMail!.raw.length} bytes; ` +
            `${beforeKill}/${batch.length} answered before the kill, ${unfinished} left stored unanswered, ` +
            `${batch.length - beforeKill} retried (sending ${killedAt - roundAt} ms, restart ${restartMs} ms, ` +
            `retries ${Date.now() - startedAt - restartMs} ms)`,
        );
        left += unfinished;
        const refused = batch.filter((mail) => !mail.answered);
        expect(
          refused.map((mail) => `${mail.subject}: ${mail.last}`),
          'every message answered 250 in the end',
        ).toEqual([]);
        previous = batch.filter((mail) => !mail.answers);
      }
      console.log(
        `mail-kill: ${left} messages were left stored but unanswered by a kill, and finished by the retry`,
      );

      // Tickets, from the trail itself (each ticket's first commit), not from projections.
      const opens = await db
        .collection('ticket_events')
        .find({ seq: 1 }, { projection: { ticketId: 1, payload: 1 } })
        .toArray();
      const ticketsByTitle = new Map<string, string[]>();
      for (const commit of opens) {
        const payload = JSON.parse(String(commit.payload)) as { command: { data?: { title?: string } } };
        const title = payload.command.data?.title ?? '';
        ticketsByTitle.set(title, [...(ticketsByTitle.get(title) ?? []), String(commit.ticketId)]);
      }
      const comments = await db.collection('ticket_events').find({ command: 'comment' }).toArray();
      const commentsOf = (marker: string) =>
        comments.filter((commit) => {
          const payload = JSON.parse(String(commit.payload)) as { command: { body?: string } };
          return payload.command.body?.includes(marker) ?? false;
        });

      const problems: string[] = [];
      const ticketOf = new Map<Mail, string>();
      for (const mail of all) {
        const record = await messages.findOne({ _id: messageRecordId(MAILBOX, mail.messageId) });
        if (record?.outcome !== (mail.answers ? 'reply' : 'ticket'))
          problems.push(`${mail.subject}: record ${record?.outcome ?? 'missing'} ${record?.detail ?? ''}`);
        if (mail.answers) {
          const made = commentsOf(mail.marker);
          if (made.length !== 1) problems.push(`${mail.subject}: ${made.length} comments`);
          else if (made[0]!.ticketId !== ticketOf.get(mail.answers))
            problems.push(`${mail.subject}: commented on another ticket`);
          if (ticketsByTitle.has(mail.subject)) problems.push(`${mail.subject}: opened a ticket`);
        } else {
          const made = ticketsByTitle.get(mail.subject) ?? [];
          if (made.length !== 1) problems.push(`${mail.subject}: ${made.length} tickets`);
          else {
            ticketOf.set(mail, made[0]!);
            if (record?.ticketId !== made[0]) problems.push(`${mail.subject}: record names another ticket`);
          }
        }
      }
      const mailTickets = [...ticketsByTitle].filter(([title]) => title.startsWith('Kill '));
      expect(mailTickets.length).toBe(all.filter((mail) => !mail.answers).length);
      expect(problems).toEqual([]);
      expect(await messages.countDocuments({ outcome: 'processing' })).toBe(0);

      // Attachments: on the new ticket, or on the ticket an answer joined; each downloads whole.
      for (const mail of all.filter((item) => item.attachment)) {
        const ticketId = ticketOf.get(mail.answers ?? mail)!;
        const list = await api<{ items: { id: string; name: string; size: number }[] }>(
          'GET',
          `/api/tickets/${ticketId}/attachments`,
        );
        expect(list.status).toBe(200);
        const files = list.body.items.filter((item) => item.name === mail.attachment!.name);
        expect(files.length, `${mail.attachment!.name} on ${mail.subject}`).toBe(1);
        const download = await server.raw(`/api/tickets/${ticketId}/attachments/${files[0]!.id}`, token);
        expect(download.status).toBe(200);
        expect(download.bytes.equals(mail.attachment!.content), `${mail.attachment!.name} whole`).toBe(true);
      }
    },
    Math.max(180_000, ROUNDS * 120_000),
  );
});
