import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/store/paths.js';
import { testDatabaseUri } from '../support/database.js';
import {
  ADMIN_PASSWORD,
  buildTestApp,
  createUser,
  login,
  TEST_SECRET,
  waitFor,
} from '../support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../support/tickets.js';

/**
 * The README's multi-process setup on one store: two `ORDO_ROLE=api` processes and one `ORDO_ROLE=worker`, each a
 * child process of its own on `ORDO_TICKET_CATALOG=database` with a shared `ORDO_SECRET`. Under a sustained
 * concurrent load both API processes open tickets (neither starves on ticket numbers), numbers stay unique and
 * gap-free, round-robin stays exactly fair, an SLA warning fires once, login limits are counted across processes,
 * and nothing acknowledged is lost when one API process is SIGKILLed mid-load.
 */
const DATABASE = 'scale_multi_process';
/** Concurrent clients per API process, and how long the sustained load lasts. */
const CLIENTS = 10;
const LOAD_MS = 10_000;

interface Server {
  name: string;
  child: ChildProcess;
  port?: number;
  stderr: () => string;
}

let dataDir: string;
let db: Connection;
let requesterToken: string;
let apis: Server[] = [];
let worker: Server;
let timerTicket: { id: string };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function startProcess(name: string, role: 'api' | 'worker', port?: number): Server {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('server', 'main.ts')], {
    cwd: projectRoot(),
    env: {
      ...process.env,
      MONGODB_URI: testDatabaseUri(DATABASE),
      ...(port ? { PORT: String(port) } : {}),
      HOST: '127.0.0.1',
      ORDO_DATA_DIR: dataDir,
      ORDO_ROLE: role,
      ORDO_TICKET_CATALOG: 'database',
      ORDO_SECRET: TEST_SECRET,
      ORDO_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
  return { name, child, port, stderr: () => stderr };
}

async function healthy(server: Server): Promise<void> {
  await waitFor(
    async () => {
      if (server.child.exitCode !== null) throw new Error(`${server.name} exited: ${server.stderr()}`);
      try {
        return (await fetch(`http://127.0.0.1:${server.port}/health`)).status < 500;
      } catch {
        return false;
      }
    },
    { timeoutMs: 240_000, intervalMs: 200, what: `${server.name} to answer /health (${server.stderr()})` },
  );
}

async function post(
  server: Server,
  url: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${server.port}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const mailDown = (title: string) => ({
  type: 'it.incident',
  data: { title, description: '详情见标题', service: 'email', impact: 'person', urgency: 'low' },
});

interface Opened {
  server: string;
  id: string;
  number: string;
  assignee: string | null;
}

/** Whether the child has ended, or ends within a few seconds. */
async function exitsSoon(child: Server['child']): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** `CLIENTS` clients per server, each opening tickets one after another until `until(opened so far)` says stop. */
async function load(
  servers: Server[],
  until: (opened: readonly Opened[]) => boolean,
  label: string,
): Promise<Opened[]> {
  const opened: Opened[] = [];
  const client = async (server: Server, index: number) => {
    for (let n = 0; !until(opened); n++) {
      try {
        const answer = await post(server, '/api/tickets', mailDown(`${label} ${index}-${n}`), requesterToken);
        if (answer.status !== 201)
          throw new Error(`${server.name}: ${answer.status} ${JSON.stringify(answer.body)}`);
        opened.push({
          server: server.name,
          id: String(answer.body.id),
          number: String(answer.body.number),
          assignee: (answer.body.assignee as string | null) ?? null,
        });
      } catch (error) {
        // A killed process refuses connections: its clients stop; anything else fails the test. (The socket may
        // close before the child's exit is reported: wait a little for it.)
        if (await exitsSoon(server.child)) return;
        throw error;
      }
    }
  };
  await Promise.all(
    servers.flatMap((server) => Array.from({ length: CLIENTS }, (_, i) => client(server, i))),
  );
  return opened;
}

/** The SLA steps recorded on the ticket whose warning falls due during the test. */
async function slaSteps(): Promise<string[]> {
  const commits = await db.collection('ticket_events').find({ ticketId: timerTicket.id }).toArray();
  return commits.flatMap((commit) =>
    (JSON.parse(String(commit.payload)) as { events: { type: string; data: { key?: string } }[] }).events
      .filter((event) => event.type === 'sla.step')
      .map((event) => String(event.data.key)),
  );
}

const seqOf = (number: string) => Number(number.slice(number.lastIndexOf('-') + 1));

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-scale-'));
  // The data, made once in this process on the same database: people, teams, the IT incident type and a type
  // whose SLA warning falls due 15 s after opening.
  const setup = await buildTestApp(DATABASE);
  const admin = await login(setup, 'admin', ADMIN_PASSWORD);
  const requester = await createUser(setup, admin, { username: 'zhao.min', roles: ['requester'] });
  requesterToken = requester.token;
  const agents = await Promise.all(
    ['desk.a', 'desk.b', 'desk.c'].map((username) =>
      createUser(setup, admin, { username, roles: ['agent'] }),
    ),
  );
  const ops = await createUser(setup, admin, { username: 'ops.one', roles: ['agent'] });
  await createTeam(setup, admin, { key: 'it-ops', members: [{ userId: ops.id, skills: { server: 3 } }] });
  await createTeam(setup, admin, {
    key: 'it-desk',
    backupTeam: 'it-ops',
    members: agents.map((agent) => ({ userId: agent.id })),
  });
  const designer = await createUser(setup, admin, { username: 'designer.qian', roles: ['designer'] });
  const incident = itIncidentDefinition();
  await publishType(setup, designer.token, incident);
  const sla = incident.sla as Record<string, unknown>;
  await publishType(setup, designer.token, {
    ...incident,
    key: 'it.fast',
    numberFormat: 'FAST-{seq:4}',
    sla: {
      ...sla,
      warnAt: 0.25,
      targets: [
        {
          when: true,
          calendar: '24x7',
          firstResponse: { amount: 1, unit: 'minutes' },
          resolution: { amount: 1, unit: 'hours' },
        },
      ],
    },
  });
  await setup.close();

  db = await mongoose.createConnection(testDatabaseUri(DATABASE)).asPromise();
  apis = [startProcess('api-1', 'api', await freePort()), startProcess('api-2', 'api', await freePort())];
  worker = startProcess('worker', 'worker');
  await Promise.all(apis.map(healthy));
}, 300_000);

afterAll(async () => {
  for (const server of [...apis, worker]) {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server.child.once('exit', resolve));
    }
  }
  if (worker) expect(worker.stderr()).not.toMatch(/MongoTopologyClosedError|jobs still running/);
  await db?.dropDatabase();
  await db?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('two API processes and a worker on one store', () => {
  it('both answer opens under sustained load, numbers unique and gap-free, round-robin exactly fair', async () => {
    const opened = await post(
      apis[0]!,
      '/api/tickets',
      { ...mailDown('SLA 提醒只触发一次'), type: 'it.fast' },
      requesterToken,
    );
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    timerTicket = { id: String(opened.body.id) };

    const end = Date.now() + LOAD_MS;
    const tickets = await load(apis, () => Date.now() > end, '持续负载');
    const share = (name: string) =>
      tickets.filter((ticket) => ticket.server === name).length / tickets.length;
    expect(tickets.length).toBeGreaterThan(50);
    expect(share('api-1')).toBeGreaterThanOrEqual(0.3);
    expect(share('api-2')).toBeGreaterThanOrEqual(0.3);

    const seqs = tickets.map((ticket) => seqOf(ticket.number)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    const tally = new Map<string, number>();
    for (const ticket of tickets)
      tally.set(String(ticket.assignee), (tally.get(String(ticket.assignee)) ?? 0) + 1);
    expect(tally.size).toBe(3);
    const counts = [...tally.values()];
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  }, 60_000);

  it('fires a due SLA warning once, by the worker', async () => {
    await waitFor(async () => (await slaSteps()).length > 0, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'the SLA warning to fire',
    });
    expect(await slaSteps()).toEqual(['firstResponse:warning']);
  }, 70_000);

  it('counts login attempts per address across both processes', async () => {
    await db.collection('login_attempts').deleteMany({});
    for (let i = 0; i < 10; i++) {
      const answer = await post(apis[i % 2]!, '/api/auth/login', {
        username: `nobody.${i}`,
        password: 'wrong-pass-1',
      });
      expect(answer.status).toBe(401);
    }
    for (const server of apis) {
      const refused = await post(server, '/api/auth/login', {
        username: 'nobody.x',
        password: 'wrong-pass-1',
      });
      expect(refused.status).toBe(429);
    }
  }, 150_000);

  it('loses nothing acknowledged when one API process is SIGKILLed mid-load', async () => {
    const [survivor, killed] = [apis[0]!, apis[1]!];
    // Killed once it has acknowledged some opens under load; the load goes on until the survivor has acknowledged
    // as many again after the kill.
    let survivorAtKill: number | undefined;
    const tickets = await load(
      apis,
      (opened) => {
        const bySurvivor = opened.filter((ticket) => ticket.server === survivor.name).length;
        if (survivorAtKill === undefined) {
          if (opened.filter((ticket) => ticket.server === killed.name).length < 20) return false;
          killed.child.kill('SIGKILL');
          survivorAtKill = bySurvivor;
        }
        return bySurvivor >= survivorAtKill + 20;
      },
      '中途停机',
    );
    expect(killed.child.signalCode).toBe('SIGKILL');
    expect(tickets.filter((ticket) => ticket.server === 'api-1').length).toBeGreaterThan(0);
    // Every acknowledged open is there, through the process that lives on, with the number it was answered.
    for (const ticket of tickets) {
      const response = await fetch(`http://127.0.0.1:${apis[0]!.port}/api/tickets/${ticket.id}`, {
        headers: { authorization: `Bearer ${requesterToken}` },
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { number: string }).number).toBe(ticket.number);
    }
    const numbers = tickets.map((ticket) => ticket.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    // Several sweeps and reconcile passes later, each SLA step is there once.
    const steps = await slaSteps();
    expect(steps.length).toBeGreaterThan(0);
    expect(new Set(steps).size).toBe(steps.length);
  }, 60_000);
});
