/**
 * Store loss under load: the embedded store (FerretDB) is SIGKILLed while clients open tickets and comment on them
 * over HTTP. Meanwhile every answer is a success, a 409 (a stale version) or a 503 with `Retry-After` — never
 * another 5xx, never a hang (each request has a deadline). The supervisor restarts the store, writes resume
 * without restarting Ordo, and afterwards nothing acknowledged is missing or doubled: every open acknowledged (or
 * retried after a 503 with the same Idempotency-Key) is one ticket, every comment acknowledged is one commit,
 * projections equal rebuilds from their commits and every chain verifies.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStore, type EmbeddedStore } from '../../server/store/embedded-store.js';
import { projectCacheDir } from '../../server/store/paths.js';
import { ADMIN_PASSWORD, buildTestApp, createUser, login, waitFor } from '../support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../support/tickets.js';

const LANES = 8;
/** Acknowledged writes before the kill, and again after the restart, before the load ends. */
const BEFORE_KILL = 40;
const AFTER_RESTART = 40;
/** A request without an answer in this time is a hang. */
const REQUEST_DEADLINE_MS = 20_000;

let dataDir: string;
let store: EmbeddedStore;
let app: FastifyInstance;
let base: string;
let requesterToken: string;
const storeLog: string[] = [];
/** What the server logged at error level (a 500's cause), to name it when the test fails. */
const serverErrors: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-store-loss-'));
  const log = { info: (m: string) => storeLog.push(m), warn: (m: string) => storeLog.push(m) };
  // The store stays down a few seconds, so requests under way and new ones meet the outage (not only the kill).
  store = await startEmbeddedStore({ dataDir, cacheDir: projectCacheDir(), log, restartFirstDelayMs: 4000 });
  app = await buildTestApp('hardening_store_loss', {
    mongodbUri: `${store.uri}hardening_store_loss`,
    logger: { level: 'error', stream: { write: (line: string) => void serverErrors.push(line) } },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  const agent = await createUser(app, admin, { username: 'loss.agent', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id, skills: { server: 3 } }] });
  const designer = await createUser(app, admin, { username: 'loss.designer', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
  requesterToken = (await createUser(app, admin, { username: 'loss.requester', roles: ['requester'] })).token;
});
afterAll(async () => {
  await app?.close();
  await store?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

async function send(method: string, url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${requesterToken}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_DEADLINE_MS),
  });
  const text = await response.text();
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  } satisfies Answer;
}

/**
 * What a client told 503 does before it tries again: waits until the server says it is ready (`/health` answers
 * 200 and the API no longer refuses), no longer than the answer's `Retry-After` plus the store's restart time (a test deadline, not a pause).
 * The lanes share one watch of `/health` while it is under way.
 */
let readiness: Promise<void> | undefined;
function untilReady(retryAfter: string | null): Promise<void> {
  readiness ??= waitFor(
    async () => {
      const health = await fetch(`${base}/health`, { signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) });
      await health.arrayBuffer();
      // Ready: the store answers (`/health`), and the API's own gate has seen it again (its next heartbeat).
      return health.status === 200 && app.dbReachable();
    },
    {
      timeoutMs: Number(retryAfter ?? 0) * 1000 + REQUEST_DEADLINE_MS,
      intervalMs: 50,
      what: '/health to answer 200 after a 503',
    },
  ).then(
    () => {
      readiness = undefined;
    },
    (error: unknown) => {
      readiness = undefined;
      throw error;
    },
  );
  return readiness;
}

describe('the store killed under load', () => {
  it('503 with Retry-After meanwhile, restarted by the supervisor, nothing acknowledged lost or doubled', async () => {
    const statuses = new Map<number, number>();
    const wrong: string[] = [];
    /** Open keys acknowledged (201) → ticket id; comments acknowledged: marker → ticket id. */
    const opens = new Map<string, string>();
    const comments = new Map<string, string>();
    let acknowledged = 0;
    let afterRestart = 0;
    let killedPid = 0;
    const restarted = () => killedPid !== 0 && store.restarts >= 1 && store.pid !== killedPid;
    const done = () => restarted() && afterRestart >= AFTER_RESTART;
    const note = (answer: Answer, what: string) => {
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status === 503 && answer.retryAfter === null) wrong.push(`${what}: 503 without Retry-After`);
      if (answer.status >= 500 && answer.status !== 503)
        wrong.push(`${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    };
    const acknowledge = () => {
      acknowledged += 1;
      if (restarted()) afterRestart += 1;
      if (killedPid === 0 && acknowledged >= BEFORE_KILL) {
        killedPid = store.pid;
        process.kill(killedPid, 'SIGKILL');
        probe = probeOutage();
      }
    };
    /**
     * A client arriving during the outage, once the API has noticed it (the lanes' own requests may all have been
     * under way and waited it out): answered 503 with Retry-After at once, not after a server-selection wait.
     */
    let probe: Promise<Answer> | undefined;
    const probeOutage = async (): Promise<Answer> => {
      await waitFor(() => !app.dbReachable(), {
        timeoutMs: 3500,
        intervalMs: 20,
        what: 'the API to notice the outage',
      });
      const response = await fetch(`${base}/api/tickets?limit=1`, {
        headers: { authorization: `Bearer ${requesterToken}` },
        signal: AbortSignal.timeout(REQUEST_DEADLINE_MS),
      });
      const text = await response.text();
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: JSON.parse(text) as Record<string, unknown>,
      };
    };
    const overall = Date.now() + 120_000;

    const lanes = Array.from({ length: LANES }, async (_, lane) => {
      for (let n = 0; !done() && Date.now() < overall; n++) {
        // An open, retried with the same key after a 503 until it is answered (as a client is told to).
        const key = `loss-${lane}-${n}`;
        let ticket: string | undefined;
        while (!ticket && Date.now() < overall) {
          let answer: Answer;
          try {
            answer = await send(
              'POST',
              '/api/tickets',
              {
                type: 'it.incident',
                data: { title: key, service: 'email', impact: 'person', urgency: 'low', description: key },
              },
              { 'idempotency-key': key },
            );
          } catch (error) {
            wrong.push(`open ${key}: ${(error as Error).message}`);
            return;
          }
          note(answer, `open ${key}`);
          if (answer.status === 201) {
            ticket = String(answer.body.id);
            opens.set(key, ticket);
            acknowledge();
          } else if (answer.status !== 503) {
            wrong.push(`open ${key}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
            return;
          } else await untilReady(answer.retryAfter);
        }
        if (!ticket) return;
        // Two comments on it, each with the version last seen; a 503 or 409 leaves the comment unacknowledged.
        let version = 1;
        for (let c = 0; c < 2 && !done(); c++) {
          const marker = `${key}-c${c}`;
          let answer: Answer;
          try {
            answer = await send('POST', `/api/tickets/${ticket}/commands`, {
              command: 'comment',
              version,
              body: marker,
              visibility: 'public',
            });
          } catch (error) {
            wrong.push(`comment ${marker}: ${(error as Error).message}`);
            return;
          }
          note(answer, `comment ${marker}`);
          if (answer.status === 200) {
            comments.set(marker, ticket);
            version = Number(answer.body.version);
            acknowledge();
          } else if (answer.status === 409) version = Number(answer.body.currentVersion ?? version);
          else if (answer.status !== 503) wrong.push(`comment ${marker}: ${answer.status}`);
        }
      }
    });
    await Promise.all(lanes);

    expect(wrong, `server errors: ${serverErrors.join('\n').slice(0, 4000)}`).toEqual([]);
    // The outage was seen by a client arriving while the store was down.
    const outage = await probe;
    expect(outage?.status, JSON.stringify(outage?.body)).toBe(503);
    expect(Number(outage?.retryAfter)).toBeGreaterThan(0);
    expect(restarted(), `store log: ${storeLog.join(' | ')}`).toBe(true);
    expect(afterRestart).toBeGreaterThanOrEqual(AFTER_RESTART);
    expect(storeLog.some((line) => /FerretDB restarted/.test(line))).toBe(true);
    // Only successes, stale versions and 503s were answered.
    expect([...statuses.keys()].filter((status) => ![200, 201, 409, 503].includes(status))).toEqual([]);

    // Nothing acknowledged lost, nothing doubled.
    await waitFor(() => app.dbReachable(), { what: 'the database to be reachable' });
    // A commit stored just before the store died may have missed its projection (marked unfinished): the worker's
    // next pass folds it forward, as it does every minute.
    await app.ticketJobs.reconcileUnfinished(app.clock.now());
    for (const [key, id] of opens) {
      const found = await app.db.collection('tickets').find({ title: key }).toArray();
      expect(
        found.map((doc) => doc._id),
        key,
      ).toEqual([id]);
    }
    const tickets = new Set(opens.values());
    const seen = new Map<string, number>();
    for (const id of tickets) {
      for (const commit of await app.tickets.events.load(id)) {
        const body = (commit.payload.command as { body?: string }).body;
        if (body) seen.set(body, (seen.get(body) ?? 0) + 1);
      }
      const rebuilt = await app.tickets.rebuild(id);
      const projected = await app.tickets.tickets.findOne({ _id: id });
      expect(projected?.version, id).toBe(rebuilt?.version);
      expect((await app.tickets.events.verify(id)).valid, id).toBe(true);
    }
    for (const marker of comments.keys()) expect(seen.get(marker), marker).toBe(1);
    for (const [marker, count] of seen) expect(count, marker).toBe(1);
    console.log(
      `store loss: ${acknowledged} writes acknowledged (${afterRestart} after the restart), answers ` +
        JSON.stringify(Object.fromEntries(statuses)),
    );
  }, 180_000);
});
