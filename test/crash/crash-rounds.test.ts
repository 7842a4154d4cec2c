/**
 * Crash rounds: the server process (role `all`: API, timer sweep, reconciler) is SIGKILLed at a random moment of a
 * mixed load — opens with an Idempotency-Key, comments, file uploads, while SLA timers of one and two minutes fall
 * due and the sweep fires them — then started again on the same database, round after round. Every open a client
 * could not see answered is retried with its key in the next round, as a client would. At the end:
 *
 * - no acknowledged write lost: each acknowledged open is one ticket, each acknowledged comment one commit, each
 *   acknowledged upload readable with its bytes;
 * - no duplicate: one ticket per open key (retries included), no comment twice;
 * - no sequence gap and every chain verifies (`verify`);
 * - every projection equals its rebuild from the commits;
 * - timers still fire, each due SLA step exactly once (the sweep of the restarted server, then a clock three weeks on).
 *
 * `npm run test:crash` runs 20 rounds (ORDO_CRASH_ROUNDS=20; `ORDO_CRASH_ROUNDS=2 npx vitest run --project server
 * test/crash/crash-rounds.test.ts` for a short one). `npm test` skips it: the single-round crash test
 * (crash-recovery.test.ts) runs there. ORDO_CRASH_SEED replays the random kill moments of a run (the seed is printed).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/lib/clock.js';
import { ADMIN_PASSWORD, buildTestApp } from '../support/server-app.js';
import { itIncidentDefinition } from '../support/tickets.js';
import { freePort, ServerProcess } from './server-process.js';

const DATABASE = 'crash_rounds';
/** Off in `npm test` (each round starts a server process: minutes on a busy machine); `npm run test:crash`. */
const ROUNDS = Number(process.env.ORDO_CRASH_ROUNDS ?? 0);
const SEED = Number(process.env.ORDO_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const LANES = 6;

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

/** The IT incident with SLA clocks of one and two minutes on a 24×7 calendar, so timers fall due during the rounds. */
function crashDefinition(): Record<string, unknown> {
  const definition = itIncidentDefinition();
  const sla = definition.sla as Record<string, unknown>;
  return {
    ...definition,
    key: 'crash.incident',
    numberFormat: 'CRASH-{seq:6}',
    sla: {
      ...sla,
      targets: [
        {
          when: true,
          calendar: '24x7',
          firstResponse: { amount: 1, unit: 'minutes' },
          resolution: { amount: 2, unit: 'minutes' },
        },
      ],
    },
  };
}

/** A small UTF-8 text file whose content differs by `n`. */
function textFile(n: number): Buffer {
  return Buffer.from(`崩溃测试附件 ${n}\n${'log line\n'.repeat(1 + (n % 50))}`, 'utf8');
}

let dataDir: string;
let server: ServerProcess;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-crash-rounds-'));
  server = new ServerProcess({ database: DATABASE, dataDir, port: await freePort() });
});
afterAll(async () => {
  server?.kill();
  await rm(dataDir, { recursive: true, force: true });
});

describe.skipIf(ROUNDS === 0)(`crash rounds (${ROUNDS})`, () => {
  it(
    'loses nothing acknowledged, doubles nothing, leaves no gap; projections, chains and timers hold',
    async () => {
      console.log(`crash rounds: ${ROUNDS}, seed ${SEED} (ORDO_CRASH_SEED to replay)`);
      const random = seeded(SEED);
      await server.start();
      const admin = await server.login('admin', ADMIN_PASSWORD);
      const agent = await server.api<{ id: string }>('POST', '/api/users', admin, {
        username: 'rounds.agent',
        displayName: 'Rounds agent',
        email: 'rounds.agent@example.com',
        password: 'rounds-agent-password',
        roles: ['agent', 'admin'],
      });
      expect(agent.status).toBe(201);
      for (const key of ['it-desk', 'it-ops']) {
        const team = await server.api('POST', '/api/teams', admin, {
          key,
          name: { 'zh-CN': key, en: key },
          members: [{ userId: agent.body.id, skills: {} }],
        });
        expect(team.status).toBe(201);
      }
      const created = await server.api('POST', '/api/ticket-types', admin, crashDefinition());
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const published = await server.api('POST', '/api/ticket-types/crash.incident/publish', admin, {
        note: 'crash rounds',
      });
      expect([200, 201]).toContain(published.status);

      /** Open keys → the ticket acknowledged for them; keys sent but not answered (retried next round). */
      const opens = new Map<string, string>();
      let inDoubt: string[] = [];
      const comments = new Map<string, string>();
      const uploads = new Map<string, { ticket: string; sha256: string }>();
      const versions = new Map<string, number>();
      const firstOpenAt = Date.now();
      let keyCounter = 0;

      // One sign-in for every round: sessions are stored, so the token outlives each kill (a sign-in per round
      // would run into the per-address sign-in limit once rounds are quick).
      const token = await server.login('rounds.agent', 'rounds-agent-password');
      for (let round = 0; round < ROUNDS; round++) {
        if (round > 0) await server.start();
        // The kill comes after a random number of acknowledged writes of this round.
        const killAfter = 8 + Math.floor(random() * 30);
        let acknowledged = 0;
        let killed = false;
        const acknowledge = () => {
          acknowledged += 1;
          if (!killed && acknowledged >= killAfter) {
            killed = true;
            server.kill();
          }
        };
        const retry = inDoubt;
        inDoubt = [];
        const open = async (key: string): Promise<boolean> => {
          try {
            const answer = await server.api<{ id: string; version: number }>(
              'POST',
              '/api/tickets',
              token,
              {
                type: 'crash.incident',
                data: { title: key, service: 'email', impact: 'person', urgency: 'high', description: key },
              },
              { 'idempotency-key': key },
            );
            if (answer.status === 201) {
              opens.set(key, answer.body.id);
              versions.set(answer.body.id, answer.body.version);
              acknowledge();
              return true;
            }
            throw new Error(`open ${key}: ${answer.status} ${JSON.stringify(answer.body)}`);
          } catch (error) {
            if (!server.gone(error)) throw error;
            inDoubt.push(key);
            return false;
          }
        };
        const lanes = Array.from({ length: LANES }, async (_, lane) => {
          // In-doubt opens of the last round first, with their own keys.
          for (let i = lane; i < retry.length; i += LANES) if (!(await open(retry[i]!))) return;
          for (let n = 0; !killed; n++) {
            const pick = random();
            const tickets = [...opens.values()];
            if (tickets.length < 4 || pick < 0.3) {
              if (!(await open(`r${round}-l${lane}-${keyCounter++}`))) return;
              continue;
            }
            const ticket = tickets[Math.floor(random() * tickets.length)]!;
            try {
              if (pick < 0.8) {
                const marker = `crash-r${round}-l${lane}-${n}`;
                const answer = await server.api<{ version: number; currentVersion?: number }>(
                  'POST',
                  `/api/tickets/${ticket}/commands`,
                  token,
                  {
                    command: 'comment',
                    version: versions.get(ticket) ?? 1,
                    body: marker,
                    visibility: 'internal',
                  },
                );
                if (answer.status === 200) {
                  comments.set(marker, ticket);
                  versions.set(ticket, answer.body.version);
                  acknowledge();
                } else if (answer.status === 409) versions.set(ticket, answer.body.currentVersion ?? 1);
                else throw new Error(`comment: ${answer.status} ${JSON.stringify(answer.body)}`);
              } else {
                const content = textFile(n + lane * 1000 + round * 100_000);
                const answer = await server.upload(`/api/tickets/${ticket}/attachments`, token, {
                  name: `log-${round}-${lane}-${n}.txt`,
                  type: 'text/plain',
                  content,
                });
                if (answer.status !== 201)
                  throw new Error(`upload: ${answer.status} ${JSON.stringify(answer.body)}`);
                const item = (answer.body as { items: { id: string }[] }).items[0]!;
                uploads.set(item.id, { ticket, sha256: createHash('sha256').update(content).digest('hex') });
                acknowledge();
              }
            } catch (error) {
              if (server.gone(error)) return;
              throw error;
            }
          }
        });
        await Promise.all(lanes);
        if (!killed) server.kill();
        await server.exited();
      }

      // The last start: the server recovers (reconciler) and its own sweep keeps firing timers.
      await server.start();
      for (const key of inDoubt) {
        const answer = await server.api<{ id: string }>(
          'POST',
          '/api/tickets',
          token,
          {
            type: 'crash.incident',
            data: { title: key, service: 'email', impact: 'person', urgency: 'high', description: key },
          },
          { 'idempotency-key': key },
        );
        expect(answer.status).toBe(201);
        opens.set(key, answer.body.id);
      }
      for (const [id, { ticket, sha256 }] of uploads) {
        const file = await server.raw(`/api/tickets/${ticket}/attachments/${id}`, token);
        expect(file.status, id).toBe(200);
        expect(createHash('sha256').update(file.bytes).digest('hex'), id).toBe(sha256);
      }

      const clock = new ManualClock(Date.now());
      const app: FastifyInstance = await buildTestApp(DATABASE, { clock });
      try {
        const ticketIds = new Set(opens.values());
        for (const [key, id] of opens) {
          const found = await app.db
            .collection('tickets')
            .find({ title: key }, { projection: { _id: 1 } })
            .toArray();
          expect(
            found.map((doc) => doc._id),
            key,
          ).toEqual([id]);
        }
        expect(await app.db.collection('tickets').countDocuments()).toBe(ticketIds.size);
        const markers = new Map<string, number>();
        let firedByServer = 0;
        for (const id of ticketIds) {
          for (const commit of await app.tickets.events.load(id)) {
            const body = (commit.payload.command as { body?: string }).body;
            if (body?.startsWith('crash-')) markers.set(body, (markers.get(body) ?? 0) + 1);
            if ((commit.payload.command as { command: string }).command === 'timer-fired') firedByServer += 1;
          }
          const verified = await app.tickets.events.verify(id);
          expect(verified.valid, `${id}: ${JSON.stringify(verified)}`).toBe(true);
          const rebuilt = await app.tickets.rebuild(id);
          const projected = await app.tickets.tickets.findOne({ _id: id });
          expect(projected?.version, id).toBe(rebuilt?.version);
          expect(JSON.parse(projected!.state), id).toEqual(rebuilt?.state);
        }
        for (const marker of comments.keys()) expect(markers.get(marker), marker).toBe(1);
        for (const [marker, count] of markers) expect(count, marker).toBe(1);
        // Rounds long enough for the one-minute clocks: the restarted servers' sweeps fired some of them.
        if (Date.now() - firstOpenAt > 100_000) expect(firedByServer).toBeGreaterThan(0);

        // Stop the server, then three weeks on: every remaining step fires, and firing again fires nothing.
        server.kill();
        await server.exited();
        clock.advance(21 * 24 * 60 * 60 * 1000);
        await app.ticketJobs.fireDueTimers(clock.now());
        const afterFirst = await app.db.collection('ticket_events').countDocuments();
        await app.ticketJobs.fireDueTimers(clock.now());
        expect(await app.db.collection('ticket_events').countDocuments()).toBe(afterFirst);
        for (const id of ticketIds) {
          const steps = (await app.tickets.events.load(id)).flatMap((commit) =>
            (commit.payload.events as { type: string; data: { key?: string } }[])
              .filter((event) => event.type === 'sla.step')
              .map((event) => String(event.data.key)),
          );
          expect(new Set(steps).size, `${id}: ${steps.join(', ')}`).toBe(steps.length);
          expect(steps).toEqual(expect.arrayContaining(['firstResponse:breach', 'resolution:breach']));
        }
        console.log(
          `crash rounds: ${ROUNDS} kills, ${ticketIds.size} tickets, ${comments.size} comments and ` +
            `${uploads.size} uploads acknowledged, ${firedByServer} timers fired by the servers, ` +
            `${((Date.now() - firstOpenAt) / 1000).toFixed(0)} s`,
        );
      } finally {
        await app.close();
      }
    },
    ROUNDS * 120_000 + 300_000,
  );
});
