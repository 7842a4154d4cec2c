/**
 * `npm run soak`: the whole server (API and jobs: timer sweeps, reconciler, anchors) under a steady, moderate mixed
 * load for 30 minutes, printing the process's heap and RSS over time and latency percentiles per 5-minute window.
 * Fails (exit code 1) on any error answer or failed request, or when memory grows: the heap after a full garbage
 * collection in the last window more than 25 % and 32 MB above the first window's, or RSS more than 30 % and 64 MB.
 *
 * Settings (environment): ORDO_SOAK_MINUTES (30), ORDO_SOAK_WINDOW_MINUTES (5), ORDO_SOAK_CLIENTS (8),
 * ORDO_SOAK_RATE (requests a second over all clients, 20). The store is an embedded FerretDB in a temporary folder,
 * or MONGODB_URI's server (a database of its own, dropped afterwards). The load runs in this process over HTTP to
 * the server's own listener, at a fixed rate (an open loop: a slow server gets no breather), and each client's
 * memory is small and constant, so growth is the server's. Short run: `ORDO_SOAK_MINUTES=3
 * ORDO_SOAK_WINDOW_MINUTES=1 npm run soak`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../server/app.js';
import { ADMIN_PASSWORD, PASSWORD_PARAMETERS, openStore, percentile, setUp } from './server.bench.js';

const MINUTES = Number(process.env.ORDO_SOAK_MINUTES ?? 30);
const WINDOW_MINUTES = Number(process.env.ORDO_SOAK_WINDOW_MINUTES ?? 5);
const CLIENTS = Number(process.env.ORDO_SOAK_CLIENTS ?? 8);
const RATE = Number(process.env.ORDO_SOAK_RATE ?? 20);
const SAMPLE_MS = 10_000;

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const clock = (elapsedMs: number) => {
  const seconds = Math.floor(elapsedMs / 1000);
  return `${String(Math.floor(seconds / 60)).padStart(2, ' ')}:${String(seconds % 60).padStart(2, '0')}`;
};

interface Sample {
  at: number;
  heap: number;
  rss: number;
}

function memory(): { heap: number; rss: number } {
  global.gc?.();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

async function main(): Promise<number> {
  console.log(
    `# Ordo soak — ${new Date().toISOString()}: ${MINUTES} min, windows of ${WINDOW_MINUTES} min, ${CLIENTS} clients, ` +
      `${RATE} requests/s; ${os.cpus()[0]?.model ?? 'CPU'} × ${os.cpus().length}, Node ${process.version}` +
      (global.gc ? '' : ' (no --expose-gc: heap figures include garbage)'),
  );
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-soak-'));
  const opened = await openStore(path.join(tempDir, 'store'));
  const app = await buildApp({
    mongodbUri: opened.uri,
    secret: 's'.repeat(40),
    role: 'all',
    runJobs: true,
    dataDir: path.join(tempDir, 'data'),
    publicUrl: 'http://127.0.0.1',
    logger: false,
    adminPassword: ADMIN_PASSWORD,
    loginRateLimit: 100_000,
    passwordParameters: PASSWORD_PARAMETERS,
    studioDir: false,
    ticketCatalog: opened.store ? 'memory' : 'database',
  });
  let failed: boolean;
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const people = await setUp(app);

    const latencies: number[] = [];
    let errors = 0;
    let requests = 0;
    const errorSamples: string[] = [];
    const tickets: { id: string; version: number }[] = [];
    const call = async (
      method: string,
      url: string,
      token: string,
      body?: unknown,
    ): Promise<Record<string, unknown> | undefined> => {
      const asked = performance.now();
      requests += 1;
      try {
        const response = await fetch(`${base}${url}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        latencies.push(performance.now() - asked);
        // A stale version (409) is an expected answer to concurrent commands, not an error.
        if (response.status >= 400 && response.status !== 409) {
          errors += 1;
          if (errorSamples.length < 5) {
            errorSamples.push(`${method} ${url} → ${response.status} ${text.slice(0, 200)}`);
            console.log(`  error (first five shown as they come): ${errorSamples[errorSamples.length - 1]}`);
          }
          return undefined;
        }
        return text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch (error) {
        errors += 1;
        if (errorSamples.length < 5) {
          errorSamples.push(`${method} ${url}: ${(error as Error).message}`);
          console.log(`  error (first five shown as they come): ${errorSamples[errorSamples.length - 1]}`);
        }
        return undefined;
      }
    };
    let n = 0;
    const one = async () => {
      n += 1;
      const pick = n % 20;
      const ticket = tickets.length ? tickets[Math.floor(Math.random() * tickets.length)]! : undefined;
      if (!ticket || pick < 3) {
        const body = await call('POST', '/api/tickets', people.requester, {
          type: 'it.incident',
          data: {
            title: `soak ${n} 打印机`,
            description: 'x'.repeat(200),
            service: ['email', 'vpn', 'erp', 'printer', 'other'][n % 5],
            impact: ['person', 'team', 'company'][n % 3],
            urgency: ['low', 'medium', 'high'][n % 3],
          },
        });
        // The set of tickets worked on stays bounded (the newest 500), so the load stays the same.
        if (typeof body?.id === 'string') tickets.push({ id: body.id, version: Number(body.version) });
        if (tickets.length > 500) tickets.shift();
      } else if (pick < 9) {
        const body = await call('POST', `/api/tickets/${ticket.id}/commands`, people.agent, {
          command: 'comment',
          version: ticket.version,
          body: `soak note ${n}`,
          visibility: 'internal',
        });
        if (body?.version) ticket.version = Number(body.version);
        else {
          const current = await call('GET', `/api/tickets/${ticket.id}`, people.agent);
          if (current?.version) ticket.version = Number(current.version);
        }
      } else if (pick < 15) await call('GET', '/api/tickets?limit=50', n % 2 ? people.admin : people.agent);
      else if (pick < 18) await call('GET', `/api/tickets/${ticket.id}`, people.agent);
      else if (pick < 19) await call('GET', `/api/tickets/${ticket.id}/events`, people.agent);
      else await call('GET', '/api/tickets/awaiting-counts', people.agent);
    };

    const started = Date.now();
    const end = started + MINUTES * 60_000;
    const samples: Sample[] = [];
    const windows: { heap: number; rss: number }[] = [];
    let windowStart = started;
    const sampler = setInterval(() => {
      const { heap, rss } = memory();
      samples.push({ at: Date.now() - started, heap, rss });
      console.log(
        `[${clock(Date.now() - started)}] heap ${mb(heap)}, RSS ${mb(rss)}, ${tickets.length} tickets in play`,
      );
    }, SAMPLE_MS);
    const closeWindow = () => {
      const sorted = latencies.splice(0).sort((a, b) => a - b);
      const count = sorted.length;
      const { heap, rss } = memory();
      windows.push({ heap, rss });
      console.log(
        `== window ${windows.length} (${clock(windowStart - started)}–${clock(Date.now() - started)}): ${count} answers, ` +
          `${errors} errors so far, p50 ${ms(percentile(sorted, 0.5))}, p95 ${ms(percentile(sorted, 0.95))}, ` +
          `p99 ${ms(percentile(sorted, 0.99))}, max ${ms(sorted[count - 1] ?? 0)}; heap ${mb(heap)}, RSS ${mb(rss)}`,
      );
      windowStart = Date.now();
    };
    const windowTimer = setInterval(closeWindow, WINDOW_MINUTES * 60_000);

    // Open loop: each client sends on its own schedule, whatever the previous answer's delay.
    const inFlight = new Set<Promise<void>>();
    const interval = (1000 * CLIENTS) / RATE;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        await new Promise((resolve) => setTimeout(resolve, (client * interval) / CLIENTS));
        for (let next = Date.now(); next < end; next += interval) {
          const wait = next - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          const request = one();
          inFlight.add(request);
          void request.finally(() => inFlight.delete(request));
        }
      }),
    );
    await Promise.allSettled([...inFlight]);
    clearInterval(sampler);
    clearInterval(windowTimer);
    if (latencies.length > 0) closeWindow();

    const first = windows[0];
    const last = windows[windows.length - 1];
    const heapGrowth = first && last ? last.heap - first.heap : 0;
    const rssGrowth = first && last ? last.rss - first.rss : 0;
    const heapGrew = first !== undefined && heapGrowth > Math.max(first.heap * 0.25, 32 * 2 ** 20);
    const rssGrew = first !== undefined && rssGrowth > Math.max(first.rss * 0.3, 64 * 2 ** 20);
    console.log(
      `soak: ${requests} requests in ${((Date.now() - started) / 60_000).toFixed(1)} min, ${errors} errors; ` +
        `heap ${first ? mb(first.heap) : '?'} → ${last ? mb(last.heap) : '?'} (${mb(heapGrowth)}), ` +
        `RSS ${first ? mb(first.rss) : '?'} → ${last ? mb(last.rss) : '?'} (${mb(rssGrowth)}) from the first window to the last`,
    );
    for (const sample of errorSamples) console.log(`  error: ${sample}`);
    if (errors > 0) console.log('FAIL: errors');
    if (heapGrew) console.log('FAIL: the heap grew');
    if (rssGrew) console.log('FAIL: RSS grew');
    failed = errors > 0 || heapGrew || rssGrew;
    if (!failed) console.log('PASS');
    if (!opened.store) await app.db.db!.dropDatabase();
  } finally {
    await app.close();
    await opened.store?.stop();
    await rm(tempDir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
