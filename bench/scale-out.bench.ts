/**
 * Scale-out benchmark, run by `npm run bench` (bench/run.ts, or `npm run bench -- scale-out`): ticket opens per
 * second through two `ORDO_ROLE=api` processes on one store against one process alone, measured in the same run.
 *
 * 1. One API process (a child `server/main.ts`, `ORDO_TICKET_CATALOG=database`), CONNECTIONS clients opening tickets
 *    one after another for SECONDS.
 * 2. Two API processes on the same database, CONNECTIONS clients each, for SECONDS.
 * Reported: opens/s of each, the ratio (goal ≥ 0.9× on the embedded FerretDB, whose SQLite takes one writer at a
 * time — the storage is the ceiling there), each process's share and p99 latency (goal ≤ 2 s), and whether the
 * numbers came out unique and gap-free. With MONGODB_URI the same runs go against that server (a database of its
 * own, dropped afterwards), which reports the scaling ratio for real MongoDB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { buildApp } from '../server/app.js';
import { startEmbeddedStore, type EmbeddedStore } from '../server/store/embedded-store.js';
import { projectCacheDir, projectRoot } from '../server/store/paths.js';

interface BenchRow {
  name: string;
  opsPerSec: number;
  note?: string;
}
type Print = (title: string, rows: BenchRow[]) => void;

const CONNECTIONS = 20;
const SECONDS = 15;
const SECRET = 's'.repeat(40);
const ADMIN_PASSWORD = 'bench-admin-pass-1';

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

async function startApi(uri: string, dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('server', 'main.ts')], {
    cwd: projectRoot(),
    env: {
      ...process.env,
      MONGODB_URI: uri,
      PORT: String(port),
      HOST: '127.0.0.1',
      ORDO_DATA_DIR: dataDir,
      ORDO_ROLE: 'api',
      ORDO_TICKET_CATALOG: 'database',
      ORDO_SECRET: SECRET,
      ORDO_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('an API process exited during start');
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).status < 500) return { child, port };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('an API process did not start within 4 minutes');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** People, teams and the IT incident type, made in this process; returns a requester's bearer token. */
async function seed(uri: string, dataDir: string): Promise<string> {
  const app = await buildApp({
    mongodbUri: uri,
    secret: SECRET,
    role: 'api',
    runJobs: false,
    dataDir,
    publicUrl: 'http://localhost',
    logger: false,
    adminPassword: ADMIN_PASSWORD,
    studioDir: false,
    ticketCatalog: 'database',
  });
  try {
    const call = async (method: 'POST', url: string, payload: unknown, token?: string) => {
      const response = await app.inject({
        method,
        url,
        payload: payload as Record<string, unknown>,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
      return response.json<Record<string, unknown>>();
    };
    const login = async (username: string, password: string) =>
      String((await call('POST', '/api/auth/login', { username, password })).token);
    const admin = await login('admin', ADMIN_PASSWORD);
    const user = async (username: string, roles: string[]) => {
      const password = `${username}-password-1`;
      const created = await call(
        'POST',
        '/api/users',
        { username, displayName: username, email: `${username}@example.com`, roles, password },
        admin,
      );
      return { id: String(created.id), token: await login(username, password) };
    };
    const requester = await user('bench.requester', ['requester']);
    const agents = await Promise.all(['bench.a', 'bench.b', 'bench.c'].map((name) => user(name, ['agent'])));
    const ops = await user('bench.ops', ['agent']);
    const team = (key: string, members: string[], extra: Record<string, unknown> = {}) =>
      call(
        'POST',
        '/api/teams',
        {
          key,
          name: { 'zh-CN': key, en: key },
          members: members.map((userId) => ({ userId, skills: {} })),
          ...extra,
        },
        admin,
      );
    await team('it-ops', [ops.id]);
    await team(
      'it-desk',
      agents.map((agent) => agent.id),
      { backupTeam: 'it-ops' },
    );
    const designer = await user('bench.designer', ['designer']);
    const file = path.join(
      projectRoot(),
      'runtime',
      'definitions',
      'fixtures',
      'it-incident.ticket-type.json',
    );
    await call('POST', '/api/ticket-types', JSON.parse(readFileSync(file, 'utf8')), designer.token);
    await call('POST', '/api/ticket-types/it.incident/publish', { note: 'bench' }, designer.token);
    return requester.token;
  } finally {
    await app.close();
  }
}

interface Run {
  perProcess: { opens: number; p99: number }[];
  opensPerSec: number;
  numbers: string[];
  errors: number;
}

/** CONNECTIONS clients per port, each opening tickets one after another for SECONDS. */
async function run(ports: number[], token: string, label: string): Promise<Run> {
  const end = Date.now() + SECONDS * 1000;
  const latencies = ports.map(() => [] as number[]);
  const numbers: string[] = [];
  let errors = 0;
  const client = async (index: number, client: number) => {
    for (let n = 0; Date.now() < end; n++) {
      const started = performance.now();
      try {
        const response = await fetch(`http://127.0.0.1:${ports[index]}/api/tickets`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            type: 'it.incident',
            data: {
              title: `${label} ${index}-${client}-${n}`,
              description: '基准测试',
              service: 'email',
              impact: 'person',
              urgency: 'low',
            },
          }),
        });
        const body = (await response.json()) as { number?: string };
        if (response.status !== 201) errors += 1;
        else {
          latencies[index]!.push(performance.now() - started);
          numbers.push(String(body.number));
        }
      } catch {
        errors += 1;
      }
    }
  };
  const started = performance.now();
  await Promise.all(
    ports.flatMap((_, index) => Array.from({ length: CONNECTIONS }, (_, c) => client(index, c))),
  );
  const seconds = (performance.now() - started) / 1000;
  const p99 = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
  };
  return {
    perProcess: latencies.map((values) => ({ opens: values.length, p99: p99(values) })),
    opensPerSec: numbers.length / seconds,
    numbers,
    errors,
  };
}

function denseAndUnique(numbers: string[]): boolean {
  const seqs = numbers
    .map((number) => Number(number.slice(number.lastIndexOf('-') + 1)))
    .sort((a, b) => a - b);
  return seqs.every((seq, index) => index === 0 || seq === seqs[index - 1]! + 1);
}

export async function benchScaleOut(print: Print): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-bench-scale-'));
  let store: EmbeddedStore | undefined;
  const external = process.env.MONGODB_URI;
  let uri: string;
  if (external) {
    const base = new URL(external);
    base.pathname = `/ordo_bench_scale_${process.pid}`;
    uri = base.toString();
  } else {
    store = await startEmbeddedStore({
      dataDir: path.join(dataDir, 'store'),
      cacheDir: projectCacheDir(),
      log: { info: () => undefined, warn: (m) => console.warn(`[store] ${m}`) },
    });
    uri = `${store.uri}ordo_bench_scale`;
  }
  const children: ChildProcess[] = [];
  try {
    const token = await seed(uri, dataDir);
    const first = await startApi(uri, dataDir);
    children.push(first.child);
    const second = await startApi(uri, dataDir);
    children.push(second.child);
    // Warm both (JIT, caches) before measuring.
    await run([first.port, second.port], token, 'warm-up').catch(() => undefined);
    const one = await run([first.port], token, 'one');
    const two = await run([first.port, second.port], token, 'two');
    const ratio = two.opensPerSec / one.opensPerSec;
    const store_ = external ? 'MongoDB (MONGODB_URI)' : 'embedded FerretDB';
    const ms = (value: number) => `${Math.round(value)} ms`;
    print(
      `Scale-out: ticket opens through two API processes vs one, ${store_}, ${CONNECTIONS} clients each`,
      [
        {
          name: 'one API process',
          opsPerSec: one.opensPerSec,
          note: `p99 ${ms(one.perProcess[0]!.p99)}, ${one.errors} errors`,
        },
        {
          name: 'two API processes',
          opsPerSec: two.opensPerSec,
          note:
            `${ratio.toFixed(2)}× one (goal ≥ 0.9×); ` +
            two.perProcess
              .map(
                (p, i) =>
                  `process ${i + 1}: ${Math.round((100 * p.opens) / two.numbers.length)} %, p99 ${ms(p.p99)}`,
              )
              .join('; ') +
            ` (goal ≤ 2000 ms); numbers ${denseAndUnique(two.numbers) ? 'unique and gap-free' : 'NOT dense'}; ${two.errors} errors`,
        },
      ],
    );
  } finally {
    for (const child of children) await stop(child);
    if (external) {
      const connection = await mongoose.createConnection(uri).asPromise();
      await connection.dropDatabase();
      await connection.close();
    }
    await store?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
