/**
 * Server benchmark, run by `npm run bench` (bench/run.ts): the whole server on a real store, measured against a
 * baseline taken on the same store in the same run, so the ratios mean something on whatever machine runs it.
 *
 * 1. Ticket opens per second over HTTP (autocannon, 50 connections, each POST /api/tickets a different title)
 *    against 50 concurrent raw driver `insertOne` loops of a ~2 kB document on the same database. The baseline is
 *    measured in two halves, before and after the opens, so a load change on a shared machine hits both sides.
 * 2. `GET /api/tickets` (sorted by SLA due, the default) over 10,000 tickets (those opened in 1, the rest copies
 *    of them), 20 connections at once: ten as an admin (no filter), ten as an agent (their team's tickets).
 * 3. The share of the server's CPU during the opens spent in runtime decisions (`decide`), timed through the
 *    ticket service's `timeDecide` hook and compared with `process.cpuUsage()` over the run.
 *
 * The store is an embedded FerretDB in a temporary folder (or MONGODB_URI's server, on a database of its own
 * that is dropped afterwards). The load generator runs in a child process, so the server process's CPU time is
 * the server's alone. Everything stops by itself (each phase has a deadline) and removes what it created.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Db } from 'mongodb';
import { buildApp, type AppOptions } from '../server/app.js';
import { startEmbeddedStore, type EmbeddedStore } from '../server/store/embedded-store.js';
import { projectCacheDir, projectRoot } from '../server/store/paths.js';
import { NO_DUE, TICKETS_COLLECTION, type TicketDoc } from '../server/tickets/ticket.projection.js';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * From a V8 sampling profile of the main thread: the time in samples under the runtime's `decide`, against every
 * sample that was not idle (garbage collection included — it is the program's cost too).
 */
function decideShareOf(profile: CpuProfile): { decideMs: number; busyMs: number } {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const underDecide = new Map<number, boolean>();
  const isUnderDecide = (id: number): boolean => {
    const known = underDecide.get(id);
    if (known !== undefined) return known;
    const frame = byId.get(id)!.callFrame;
    const here = frame.functionName === 'decide' && /runtime\/engine\/decide\.[tj]s$/.test(frame.url);
    const parentId = parent.get(id);
    const result = here || (parentId !== undefined && isUnderDecide(parentId));
    underDecide.set(id, result);
    return result;
  };
  let decideMs = 0;
  let busyMs = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
    if (byId.get(id)!.callFrame.functionName === '(idle)') return;
    busyMs += ms;
    if (isUnderDecide(id)) decideMs += ms;
  });
  return { decideMs, busyMs };
}

export interface BenchRow {
  name: string;
  opsPerSec: number;
  note?: string;
}

type Print = (title: string, rows: BenchRow[]) => void;

const OPEN_CONNECTIONS = 50;
const OPEN_SECONDS = 10;
const BASELINE_HALF_SECONDS = 5;
/** The comparison run without notifications. */
const QUIET_SECONDS = 6;
/** The profiled run that samples where the main thread's time goes. */
const SAMPLED_SECONDS = 5;
export const LIST_CONNECTIONS = 20;
const LIST_SECONDS = 10;
const LIST_TICKETS = 10_000;
export const ADMIN_PASSWORD = 'bench-admin-password';
/** Cheap scrypt: sign-ins are set-up here, not what is measured. */
export const PASSWORD_PARAMETERS = { N: 2 ** 10, r: 8, p: 1, keyLength: 64 };

export interface LoadResult {
  /** Answered requests (for opens: within the run; for lists: every one asked, waited for). */
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Errors, time-outs and answers other than 2xx. */
  failed: number;
  seconds: number;
}

/**
 * The load generator, run with `node --input-type=module -e` in the project root so that `autocannon` resolves.
 * Opens: autocannon, each POST body with a fresh title (a counter makes every title different) and a rotating
 * service, so routing goes round robin for most and by skills for servers and networks. Lists: a closed loop of
 * keep-alive connections that stop asking at the deadline and wait for the answers on their way — on a store
 * where one list takes seconds, a fixed-duration tool would drop exactly the slow answers the p99 is about.
 */
const LOAD_SCRIPT = `
import http from 'node:http';
import autocannon from 'autocannon';
const spec = JSON.parse(process.env.ORDO_BENCH_LOAD);
const percentile = (sorted, fraction) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] : 0;

async function openLoad() {
  const services = ['email', 'vpn', 'erp', 'printer', 'other', 'network', 'server'];
  let n = 0;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    timeout: spec.timeoutSeconds,
    requests: [{
      method: 'POST',
      path: spec.path,
      headers: spec.headers,
      setupRequest: (req) => {
        n += 1;
        const service = services[n % services.length];
        const data = {
          title: '打印机卡纸 bench ticket #' + n + ' ' + Math.random().toString(36).slice(2, 10),
          description: 'Opened by the server benchmark. ' + 'x'.repeat(200),
          service,
          impact: ['person', 'team', 'company'][n % 3],
          urgency: ['low', 'medium', 'high'][n % 3],
          ...(service === 'server' ? { hostname: 'srv-' + (n % 40) + '.corp.example' } : {}),
        };
        return { ...req, body: JSON.stringify({ type: 'it.incident', data }) };
      },
    }],
  });
  return {
    requests: result.requests.total,
    perSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors,
    seconds: result.duration,
  };
}

async function listLoad() {
  const started = performance.now();
  const until = started + spec.seconds * 1000;
  const measure = async (group) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: group.connections });
    const latencies = [];
    let failed = 0;
    const one = () => new Promise((resolve) => {
      const asked = performance.now();
      const request = http.request(spec.url + spec.path, { headers: group.headers, agent, timeout: spec.timeoutSeconds * 1000 }, (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode >= 300) failed += 1;
          else latencies.push(performance.now() - asked);
          resolve();
        });
      });
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', () => { failed += 1; resolve(); });
      request.end();
    });
    await Promise.all(Array.from({ length: group.connections }, async () => {
      do await one(); while (performance.now() < until);
    }));
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    latencies.sort((a, b) => a - b);
    return [group.name, { requests: latencies.length, perSecond: latencies.length / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), failed, seconds }];
  };
  return Object.fromEntries(await Promise.all(spec.groups.map(measure)));
}

const result = spec.groups ? await listLoad() : await openLoad();
process.stdout.write(JSON.stringify(result));
`;

/** Run the load generator in a child process with `spec`; killed if it outlives `budgetSeconds`. */
function runLoadChild<T>(spec: Record<string, unknown>, budgetSeconds: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', LOAD_SCRIPT], {
      cwd: projectRoot(),
      env: { ...process.env, ORDO_BENCH_LOAD: JSON.stringify(spec) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    // A load generator that hangs must not hold the whole run.
    const deadline = setTimeout(() => child.kill('SIGKILL'), budgetSeconds * 1000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(deadline);
      if (code !== 0) return reject(new Error(`load generator exited with ${code}: ${stderr}`));
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`load generator printed no result: ${stdout} ${stderr}`));
      }
    });
  });
}

/** autocannon POSTs of new tickets for `seconds`. */
function runOpens(spec: {
  url: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  timeoutSeconds: number;
}): Promise<LoadResult> {
  return runLoadChild({ ...spec, path: '/api/tickets' }, spec.seconds + spec.timeoutSeconds + 30);
}

/**
 * Closed-loop GETs of `path` from several groups of connections at once (each with its own credentials), asking
 * until `seconds` have passed and waiting for every answer on its way; results by group name.
 */
export function runLists(spec: {
  url: string;
  path: string;
  groups: { name: string; headers: Record<string, string>; connections: number }[];
  seconds: number;
  timeoutSeconds: number;
}): Promise<Record<string, LoadResult>> {
  return runLoadChild(spec, spec.seconds + spec.timeoutSeconds + 30);
}

export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

/** 50 concurrent `insertOne` loops of a ~2 kB document (the order of a commit or a projection). */
export async function rawInserts(
  db: Db,
  seconds: number,
): Promise<{ ops: number; elapsedMs: number; latencies: number[] }> {
  const collection = db.collection('bench_raw_inserts');
  const filler = 'x'.repeat(1800);
  const latencies: number[] = [];
  let ops = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: OPEN_CONNECTIONS }, async (_, lane) => {
      for (let n = 0; performance.now() < until; n++) {
        const before = performance.now();
        await collection.insertOne({
          _id: `${lane}-${n}-${Math.random().toString(36).slice(2)}` as never,
          lane,
          n,
          at: new Date(),
          title: `raw insert ${lane}/${n}`,
          filler,
        });
        latencies.push(performance.now() - before);
        ops += 1;
      }
    }),
  );
  return { ops, elapsedMs: performance.now() - started, latencies };
}

export async function inject(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  token: string | undefined,
  payload?: unknown,
): Promise<Record<string, unknown>> {
  const response = await app.inject({
    method,
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  if (response.statusCode >= 300)
    throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json<Record<string, unknown>>();
}

export async function login(app: FastifyInstance, username: string, password: string): Promise<string> {
  const body = await inject(app, 'POST', '/api/auth/login', undefined, { username, password });
  return String(body.token);
}

export interface People {
  admin: string;
  requester: string;
  agent: string;
}

/** The IT incident example with the people and teams its routing names (as the ticket tests set them up). */
export async function setUp(app: FastifyInstance): Promise<People> {
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  const user = async (username: string, roles: string[]) => {
    const password = `${username}-password`;
    const created = await inject(app, 'POST', '/api/users', admin, {
      username,
      displayName: username,
      email: `${username}@example.com`,
      password,
      roles,
    });
    return { id: String(created.id), token: await login(app, username, password) };
  };
  const requester = await user('bench.requester', ['requester']);
  const lead = await user('bench.lead', ['agent']);
  const desk = [await user('bench.desk1', ['agent']), await user('bench.desk2', ['agent'])];
  desk.push(await user('bench.desk3', ['agent']));
  const ops = [await user('bench.ops1', ['agent']), await user('bench.ops2', ['agent'])];
  const designer = await user('bench.designer', ['designer']);
  await inject(app, 'POST', '/api/teams', admin, {
    key: 'it-ops',
    name: { 'zh-CN': '运维', en: 'IT operations' },
    supervisor: lead.id,
    members: [
      { userId: ops[0]!.id, skills: { server: 4, network: 2 } },
      { userId: ops[1]!.id, skills: { server: 2, network: 4 } },
    ],
  });
  await inject(app, 'POST', '/api/teams', admin, {
    key: 'it-desk',
    name: { 'zh-CN': '服务台', en: 'Service desk' },
    supervisor: lead.id,
    backupTeam: 'it-ops',
    members: desk.map((member) => ({ userId: member.id, skills: {} })),
  });
  const { readFile } = await import('node:fs/promises');
  const definition = JSON.parse(
    await readFile(
      path.join(projectRoot(), 'runtime', 'definitions', 'fixtures', 'it-incident.ticket-type.json'),
      'utf8',
    ),
  ) as Record<string, unknown>;
  await inject(app, 'POST', '/api/ticket-types', designer.token, definition);
  await inject(app, 'POST', `/api/ticket-types/${String(definition.key)}/publish`, designer.token, {
    note: 'bench',
  });
  return { admin, requester: requester.token, agent: desk[0]!.token };
}

/**
 * Top the store up to `target` tickets by copying the opened ones under new ids, numbers and due times: the list
 * reads the same shapes it would after that many opens, in seconds. Only projections are copied: a list reads
 * nothing else, and their commits would double the time the copy takes.
 */
export async function fillTickets(db: Db, target: number): Promise<number> {
  const tickets = db.collection<TicketDoc>(TICKETS_COLLECTION);
  const existing = await tickets.countDocuments();
  if (existing >= target) return existing;
  const templates = await tickets.find({}).limit(200).toArray();
  const now = Date.now();
  let batch: TicketDoc[] = [];
  for (let copy = 0; existing + copy < target; copy++) {
    const template = templates[copy % templates.length]!;
    // Numbered after the tickets already there, so a second top-up adds new ids.
    const id = `tbench${(existing + copy).toString(36).padStart(8, '0')}`;
    const number = `BENCH-${String(existing + copy).padStart(6, '0')}`;
    // Spread over the next three weeks, some already overdue, one in ten without a running clock.
    const due =
      copy % 10 === 0 ? NO_DUE : new Date(now + ((copy * 7919) % (21 * 24 * 60)) * 60_000 - 2 * 60 * 60_000);
    batch.push({
      ...template,
      _id: id,
      number,
      slaDueAt: due,
      searchText: template.searchText.split(template.number.toLowerCase()).join(number.toLowerCase()),
      state: template.state.split(template._id).join(id).split(template.number).join(number),
    });
    if (batch.length === 1000) {
      await tickets.insertMany(batch, { ordered: false });
      batch = [];
    }
  }
  if (batch.length > 0) await tickets.insertMany(batch, { ordered: false });
  return tickets.countDocuments();
}

export async function openStore(dataDir: string): Promise<{ uri: string; store?: EmbeddedStore }> {
  const external = process.env.MONGODB_URI;
  const database = `ordo_bench_${process.pid}`;
  if (external) {
    const uri = new URL(external);
    uri.pathname = `/${database}`;
    return { uri: uri.toString() };
  }
  const store = await startEmbeddedStore({
    dataDir,
    cacheDir: projectCacheDir(),
    log: { info: () => undefined, warn: (message) => console.warn(`[store] ${message}`) },
  });
  return { uri: `${store.uri}${database}`, store };
}

/**
 * The options a bench's API process starts with: one process, no jobs, quick password hashing, no studio, and the
 * memory catalog as `npm start` uses with the embedded store (its sole user; with MONGODB_URI, the indexed
 * queries). `more` overrides any of them.
 */
export function benchAppOptions(
  opened: { uri: string; store?: EmbeddedStore },
  dataDir: string,
  more: Partial<AppOptions> = {},
): AppOptions {
  return {
    mongodbUri: opened.uri,
    secret: 'b'.repeat(40),
    role: 'api',
    runJobs: false,
    dataDir,
    publicUrl: 'http://127.0.0.1',
    logger: false,
    adminPassword: ADMIN_PASSWORD,
    loginRateLimit: 1000,
    passwordParameters: PASSWORD_PARAMETERS,
    studioDir: false,
    ticketCatalog: opened.store ? 'memory' : 'database',
    ...more,
  };
}

export const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const percent = (value: number) => `${(value * 100).toFixed(1)} %`;

export async function benchServer(print: Print): Promise<void> {
  const started = performance.now();
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-bench-'));
  let app: FastifyInstance | undefined;
  let store: EmbeddedStore | undefined;
  try {
    const opened = await openStore(path.join(tempDir, 'store'));
    store = opened.store;
    app = await buildApp(benchAppOptions(opened, path.join(tempDir, 'data')));
    // Opens the server is still working on when a load generator stops (answered after its deadline, or to a
    // connection it already closed): counted around the service, since an aborted request still runs to the end.
    let opening = 0;
    const service = app.tickets;
    const open = service.open.bind(service);
    service.open = async (input) => {
      opening += 1;
      try {
        return await open(input);
      } finally {
        opening -= 1;
      }
    };
    const settled = async () => {
      const deadline = performance.now() + 60_000;
      while (opening > 0 && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
    };
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const people = await setUp(app);
    const db = app.db.db!;

    const openLoad = (connections: number, seconds: number) =>
      runOpens({
        url,
        headers: { authorization: `Bearer ${people.requester}`, 'content-type': 'application/json' },
        connections,
        seconds,
        timeoutSeconds: 30,
      });
    const ticketCount = () => db.collection(TICKETS_COLLECTION).countDocuments();

    // Warm up (compiled schemas, caches, connection pool, JIT) so the first measured second is not the slowest.
    await openLoad(10, 2);
    await settled();

    const firstHalf = await rawInserts(db, BASELINE_HALF_SECONDS);

    let decideCpuMicros = 0;
    let decideWallMs = 0;
    let decisions = 0;
    app.tickets.timeDecide = (run) => {
      const cpu = process.cpuUsage();
      const wall = performance.now();
      try {
        return run();
      } finally {
        decideWallMs += performance.now() - wall;
        const spent = process.cpuUsage(cpu);
        decideCpuMicros += spent.user + spent.system;
        decisions += 1;
      }
    };
    const ticketsBefore = await ticketCount();
    const cpuBefore = process.cpuUsage();
    const opens = await openLoad(OPEN_CONNECTIONS, OPEN_SECONDS);
    // CPU, decisions and tickets all up to the last open answered, late ones included.
    await settled();
    const serverCpu = process.cpuUsage(cpuBefore);
    delete app.tickets.timeDecide;
    const openedInRun = (await ticketCount()) - ticketsBefore;

    // The same share measured another way: a V8 sampling profile of the server's main thread during a short run of
    // the same opens (the per-call CPU clock above also counts the process's other threads, e.g. the garbage
    // collector's helpers, while a decide runs).
    const inspector = await import('node:inspector/promises');
    const session = new inspector.Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    const ticketsBeforeSampled = await ticketCount();
    await session.post('Profiler.start');
    await openLoad(OPEN_CONNECTIONS, SAMPLED_SECONDS);
    await settled();
    const sampledOpens = (await ticketCount()) - ticketsBeforeSampled;
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    session.disconnect();
    const sampled = decideShareOf(profile);

    // For comparison only: the same opens with the assignment notice not queued (the notifications module's
    // outbox, in-app delivery and attempt record are most of an open's writes). Everything else is unchanged.
    app.effects.on('notify', () => Promise.resolve());
    const opensQuiet = await openLoad(OPEN_CONNECTIONS, QUIET_SECONDS);
    await settled();

    const secondHalf = await rawInserts(db, BASELINE_HALF_SECONDS);
    const rawPerSecond =
      (firstHalf.ops + secondHalf.ops) / ((firstHalf.elapsedMs + secondHalf.elapsedMs) / 1000);
    const rawLatencies = [...firstHalf.latencies, ...secondHalf.latencies].sort((a, b) => a - b);
    await db.collection('bench_raw_inserts').drop();

    const serverCpuMs = (serverCpu.user + serverCpu.system) / 1000;
    const decideCpuMs = decideCpuMicros / 1000;
    const each = (total: number) => (total / Math.max(decisions, 1)).toFixed(2);
    print(`Ticket opens over HTTP (autocannon, ${OPEN_CONNECTIONS} connections, ${OPEN_SECONDS} s)`, [
      {
        name: 'raw driver insertOne (~2 kB), 50 loops',
        opsPerSec: rawPerSecond,
        note:
          `p50 ${ms(percentile(rawLatencies, 0.5))}, p99 ${ms(percentile(rawLatencies, 0.99))}; ` +
          `the baseline, measured half before and half after the opens`,
      },
      {
        name: 'POST /api/tickets',
        opsPerSec: opens.perSecond,
        note:
          `p50 ${ms(opens.p50)}, p99 ${ms(opens.p99)}; ${percent(opens.perSecond / rawPerSecond)} of the raw ` +
          `inserts (goal ≥ 25 %)` +
          (opens.failed ? `; ${opens.failed} failed or timed out` : ''),
      },
      {
        name: 'POST /api/tickets, notices not queued',
        opsPerSec: opensQuiet.perSecond,
        note:
          `p50 ${ms(opensQuiet.p50)}, p99 ${ms(opensQuiet.p99)}; ${percent(opensQuiet.perSecond / rawPerSecond)} of ` +
          `the raw inserts; for comparison, ${QUIET_SECONDS} s` +
          (opensQuiet.failed ? `; ${opensQuiet.failed} failed or timed out` : ''),
      },
      {
        name: 'runtime decide',
        opsPerSec: decisions / Math.max(decideCpuMs / 1000, 1e-9),
        note:
          `${percent(decideCpuMs / serverCpuMs)} of the server's CPU during the opens (goal ≤ 5 %); ` +
          `${(decisions / Math.max(openedInRun, 1)).toFixed(2)} decides per open, ${each(decideCpuMs)} ms CPU ` +
          `(${each(decideWallMs)} ms wall) each; server CPU ${(serverCpuMs / Math.max(openedInRun, 1)).toFixed(1)} ms per open`,
      },
      {
        name: 'runtime decide (sampled)',
        opsPerSec: sampledOpens / Math.max(sampled.decideMs / 1000, 1e-9),
        note:
          `${percent(sampled.decideMs / Math.max(sampled.busyMs, 1e-9))} of the main thread's busy time in a ` +
          `${SAMPLED_SECONDS} s profiled run of the same opens (V8 sampling profiler, 0.2 ms interval)`,
      },
    ]);

    const openedOverHttp = await ticketCount();
    const total = await fillTickets(db, LIST_TICKETS);
    // The copies were written behind the service's back: read them as a restart would (timed, for the record).
    const reloadStarted = performance.now();
    await app.tickets.catalog.reload();
    const reloadMs = performance.now() - reloadStarted;
    const lists = await runLists({
      url,
      path: '/api/tickets?limit=50',
      groups: [
        {
          name: 'admin',
          headers: { authorization: `Bearer ${people.admin}` },
          connections: LIST_CONNECTIONS / 2,
        },
        {
          name: 'agent',
          headers: { authorization: `Bearer ${people.agent}` },
          connections: LIST_CONNECTIONS / 2,
        },
      ],
      seconds: LIST_SECONDS,
      timeoutSeconds: 120,
    });
    const listRow = (name: string, result: LoadResult | undefined): BenchRow => ({
      name,
      opsPerSec: result?.perSecond ?? 0,
      note: result
        ? `p50 ${ms(result.p50)}, p99 ${ms(result.p99)} over ${result.requests} answers` +
          (result.failed ? `; ${result.failed} failed or timed out` : '')
        : 'no result',
    });
    print(
      `GET /api/tickets sorted by SLA due, 50 a page, over ${total.toLocaleString('en')} tickets ` +
        `(${openedOverHttp.toLocaleString('en')} opened over HTTP, the rest copies), ` +
        `${LIST_CONNECTIONS} connections at once: half as an admin, half as an agent`,
      [
        listRow('as admin (every ticket)', lists.admin),
        listRow('as agent (own team, filtered)', lists.agent),
      ],
    );
    console.log(
      `ticket catalog: ${app.tickets.catalog.kind}` +
        (app.tickets.catalog.kind === 'memory'
          ? `; reading all ${total.toLocaleString('en')} tickets into it took ${ms(reloadMs)}`
          : ''),
    );
    console.log(
      `server bench: ${((performance.now() - started) / 1000).toFixed(0)} s, ` +
        `load average ${os
          .loadavg()
          .map((value) => value.toFixed(1))
          .join(' ')} on ${os.cpus().length} CPUs` +
        (store ? ', embedded FerretDB' : ', MONGODB_URI'),
    );
    if (!store) await db.dropDatabase();
  } finally {
    await app?.close();
    await store?.stop();
    await rm(tempDir, { recursive: true, force: true });
  }
}
