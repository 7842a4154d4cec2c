/**
 * Ticket catalog at scale, run by `npm run bench` (or `npm run bench -- catalog`): the same lists at 10,000
 * tickets (the baseline, same store and run) and at 100,000 (`ORDO_BENCH_CATALOG_TICKETS`): the start-up read of
 * every ticket into the memory catalog (the API process started again on the filled store: from ready to every
 * ticket read), the API process's heap and RSS with them held (and the heap after the lists, with the sort orders and
 * indexes they built), and at 20 connections the p50/p99 of
 * `GET /api/tickets` sorted by SLA due (admin, every ticket; PASS under 50 ms), a filtered list (agent: new, high
 * priority), a text search, and a count (`/api/tickets/awaiting-counts`). Each figure at 100,000 is printed with
 * its ratio to the one at 10,000. 200 tickets are opened over HTTP; the rest are copies of their projections
 * written with insertMany (as in the server bench).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.js';
import type { EmbeddedStore } from '../server/store/embedded-store.js';
import {
  fillTickets,
  inject,
  ms,
  openStore,
  runLists,
  setUp,
  type BenchRow,
  type LoadResult,
  benchAppOptions,
} from './server.bench.js';

type Print = (title: string, rows: BenchRow[]) => void;

const TICKETS = Number(process.env.ORDO_BENCH_CATALOG_TICKETS ?? 100_000);
/** The baseline: a tenth of the tickets, at most 10,000. */
const BASELINE_TICKETS = Math.min(10_000, Math.floor(TICKETS / 10));
const CONNECTIONS = 20;
const SECONDS = Number(process.env.ORDO_BENCH_CATALOG_SECONDS ?? 8);
const OPENED = 200;
/**
 * ORDO_BENCH_CATALOG_CPUPROF=<file>: a CPU profile of the API process over one list at the large size (.cpuprofile):
 * the admin list, or the one ORDO_BENCH_CATALOG_CPUPROF_LIST names (list, filter, text, count).
 */
const CPU_PROFILE = process.env.ORDO_BENCH_CATALOG_CPUPROF;
const PROFILED_LIST = process.env.ORDO_BENCH_CATALOG_CPUPROF_LIST ?? 'list';
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

interface Measured {
  tickets: number;
  fillMs: number;
  startMs: number;
  heap: number;
  rss: number;
  /** The heap after the lists, with the sort orders and indexes they built (collected first). */
  heapAfter: number;
  lists: Record<string, LoadResult>;
  /** The tickets each list's page holds (undefined for the count). */
  answered: Record<string, number | undefined>;
}

export async function benchCatalog(print: Print): Promise<void> {
  const started = performance.now();
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-bench-catalog-'));
  let app: FastifyInstance | undefined;
  let store: EmbeddedStore | undefined;
  try {
    const opened = await openStore(path.join(tempDir, 'store'));
    store = opened.store;
    const dataDir = path.join(tempDir, 'data');
    let url = '';
    /** Start the API process (again): from ready to every ticket in its catalog, in ms. */
    const start = async (): Promise<number> => {
      await app?.close();
      app = await buildApp(benchAppOptions(opened, dataDir));
      const before = performance.now();
      // Ready starts the catalog's read of every ticket (warm); the first count waits for it.
      await app.listen({ host: '127.0.0.1', port: 0 });
      await app.tickets.catalog.count({}, 1);
      const startMs = performance.now() - before;
      const address = app.server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      return startMs;
    };
    await start();
    const people = await setUp(app!);
    // Every impact × urgency pair (so every priority of the matrix, 'high' among them), the service named in the
    // title (the text search finds one ticket in five), the lists' filters matching part of the tickets, not none.
    const services = ['email', 'vpn', 'erp', 'printer', 'other'];
    let begun = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (begun < OPENED) {
          const n = begun++;
          await inject(app!, 'POST', '/api/tickets', people.requester, {
            type: 'it.incident',
            data: {
              title: `目录测试 catalog bench ${n}: ${services[n % services.length]}`,
              service: services[n % services.length],
              impact: ['person', 'team', 'company'][n % 3],
              urgency: ['low', 'medium', 'high'][Math.floor(n / 3) % 3],
            },
          });
        }
      }),
    );
    // The connection of the API process running now (each start opens its own).
    const db = () => app!.db.db!;

    const measure = async (target: number): Promise<Measured> => {
      const fillStarted = performance.now();
      const tickets = await fillTickets(db(), target);
      const fillMs = performance.now() - fillStarted;
      // A restart: a new API process reads every ticket into its catalog.
      const startMs = await start();
      global.gc?.();
      const memory = process.memoryUsage();
      const lists: Record<string, LoadResult> = {};
      const answered: Record<string, number | undefined> = {};
      const paths: [string, string, string][] = [
        ['list', '/api/tickets?limit=50', people.admin],
        ['filter', '/api/tickets?status=new&priority=high&limit=50', people.agent],
        ['text', '/api/tickets?text=printer&limit=50', people.admin],
        ['count', '/api/tickets/awaiting-counts', people.agent],
      ];
      for (const [name, path_, token] of paths) {
        // How many tickets the list answers (a list answering none measures only the way to an empty page).
        const probe = (await (
          await fetch(`${url}${path_}`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as { items?: unknown[] };
        answered[name] = probe.items?.length;
        const profiled = CPU_PROFILE && name === PROFILED_LIST && target === TICKETS ? new Session() : undefined;
        if (profiled) {
          profiled.connect();
          await profiled.post('Profiler.enable');
          await profiled.post('Profiler.start');
        }
        const result = await runLists({
          url,
          path: path_,
          groups: [{ name, headers: { authorization: `Bearer ${token}` }, connections: CONNECTIONS }],
          seconds: SECONDS,
          timeoutSeconds: 120,
        });
        lists[name] = result[name]!;
        if (profiled) {
          const { profile } = await profiled.post('Profiler.stop');
          profiled.disconnect();
          await writeFile(CPU_PROFILE!, JSON.stringify(profile));
        }
      }
      global.gc?.();
      const heapAfter = process.memoryUsage().heapUsed;
      return { tickets, fillMs, startMs, heap: memory.heapUsed, rss: memory.rss, heapAfter, lists, answered };
    };

    const small = await measure(BASELINE_TICKETS);
    const large = await measure(TICKETS);
    const ratio = (a: number, b: number) => `×${(a / Math.max(b, 1e-9)).toFixed(1)}`;
    const listP99 = large.lists.list!.p99;
    const listPass = listP99 < 50 && large.lists.list!.failed === 0;
    const rows: BenchRow[] = [];
    for (const [name, label] of [
      ['list', 'GET /api/tickets sorted by SLA due (admin)'],
      ['filter', 'new + high priority (agent, own team)'],
      ['text', 'text search "printer" (admin)'],
      ['count', 'GET /api/tickets/awaiting-counts (agent)'],
    ] as const) {
      const s = small.lists[name]!;
      const l = large.lists[name]!;
      const holding = (measured: Measured) =>
        measured.answered[name] === undefined ? '' : `; pages of ${measured.answered[name]}`;
      rows.push(
        {
          name: `${label} @ ${small.tickets.toLocaleString('en')}`,
          opsPerSec: s.perSecond,
          note:
            `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}; the baseline` +
            holding(small) +
            (s.failed ? `; ${s.failed} failed` : ''),
        },
        {
          name: `${label} @ ${large.tickets.toLocaleString('en')}`,
          opsPerSec: l.perSecond,
          note:
            `p50 ${ms(l.p50)}, p99 ${ms(l.p99)}; p99 ${ratio(l.p99, s.p99)} the baseline's` +
            (name === 'list' ? `: ${listPass ? 'PASS' : 'FAIL'} (p99 < 50 ms)` : '') +
            holding(large) +
            (l.failed ? `; ${l.failed} failed` : ''),
        },
      );
    }
    for (const measured of [small, large])
      rows.push({
        name: `start-up read @ ${measured.tickets.toLocaleString('en')}`,
        opsPerSec: measured.tickets / (measured.startMs / 1000),
        note:
          `${ms(measured.startMs)} from ready to every ticket in the catalog ` +
          `(${(measured.startMs / measured.tickets).toFixed(3)} ms a ticket); API process ${mb(measured.heap)} heap, ` +
          `${mb(measured.rss)} RSS (${mb(measured.heapAfter)} heap after the lists, with the orders and indexes ` +
          `they built); tickets written in ${(measured.fillMs / 1000).toFixed(1)} s`,
      });
    print(
      `Ticket catalog at ${large.tickets.toLocaleString('en')} tickets against ${small.tickets.toLocaleString('en')}, ` +
        `${CONNECTIONS} connections, ${SECONDS} s each`,
      rows,
    );
    console.log(
      `catalog ${app!.tickets.catalog.kind}; GET /api/tickets sorted by SLA due at ${large.tickets.toLocaleString('en')}: ` +
        `p99 ${ms(listP99)}: ${listPass ? 'PASS' : 'FAIL'} (goal < 50 ms at ${CONNECTIONS} connections); start-up read ` +
        `${ms(large.startMs)} (${ratio(large.startMs, small.startMs)} the ${small.tickets.toLocaleString('en')}'s); ` +
        `API process ${mb(large.heap)} heap / ${mb(large.rss)} RSS` +
        (global.gc ? ' (after a full collection); ' : ' (no --expose-gc: heaps include garbage); ') +
        `${((performance.now() - started) / 1000).toFixed(0)} s` +
        (store ? ', embedded FerretDB' : ', MONGODB_URI'),
    );
    if (!store) await db().dropDatabase();
  } finally {
    await app?.close();
    await store?.stop();
    await rm(tempDir, { recursive: true, force: true });
  }
}
