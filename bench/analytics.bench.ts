/**
 * The KPI dashboard at scale, run by `npm run bench` (or `npm run bench -- analytics`): the full dashboard
 * (`GET /api/analytics/dashboard`, every KPI, trend, distribution, backlog and heat map) over 100,000 tickets
 * (`ORDO_BENCH_ANALYTICS_TICKETS`) on the embedded store, as the API process serves it: from its memory catalog.
 * Reported: p50 / p95 of the dashboard over 90 days, and of one narrowed by team and priority; each as a ratio to
 * one plain scan of the same projections (every catalog entry visited once, its creation day read); and the API
 * process's heap and RSS with the catalog loaded, before the dashboards and after them (after a full collection
 * when run with `--expose-gc`). Goal: p50 ≤ 1 s, and no growth beyond the catalog the process already holds.
 *
 * Tickets past the first 50 opened over HTTP are copies of their projections with varied reporting fields
 * (creation over 90 days, channel, priority, team, assignee, durations, flags), so the groups are as many as a
 * real history would give. `ORDO_BENCH_ANALYTICS_DATABASE=1` also times the same tally as `$match` / `$group`
 * pipelines on the store (slow on FerretDB's SQLite backend, which pushes no filter down).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db } from 'mongodb';
import type { FastifyInstance } from 'fastify';
import { periodBuckets } from '../runtime/time/index.js';
import { parseAnalyticsFilters } from '../server/analytics/analytics.filters.js';
import { buildDashboard, tallyFor } from '../server/analytics/analytics.service.js';
import { buildApp } from '../server/app.js';
import type { EmbeddedStore } from '../server/store/embedded-store.js';
import { TICKETS_COLLECTION, type TicketDoc } from '../server/tickets/ticket.projection.js';
import { seeded } from '../test/support/ticket-history.js';
import { inject, ms, openStore, setUp, type BenchRow, benchAppOptions } from './server.bench.js';

type Print = (title: string, rows: BenchRow[]) => void;

const TICKETS = Number(process.env.ORDO_BENCH_ANALYTICS_TICKETS ?? 100_000);
const RUNS = Number(process.env.ORDO_BENCH_ANALYTICS_RUNS ?? 15);
const OPENED = 50;
const DAY = 86_400_000;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Copies of the opened tickets' projections, each with its own creation instant and reporting facts. */
async function fillVaried(db: Db, target: number, now: number): Promise<number> {
  const tickets = db.collection<TicketDoc>(TICKETS_COLLECTION);
  const templates = await tickets.find({}).limit(OPENED).toArray();
  const random = seeded(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const assignees = [...new Set(templates.map((doc) => doc.assignee))];
  let batch: TicketDoc[] = [];
  const existing = await tickets.countDocuments();
  for (let copy = 0; existing + copy < target; copy++) {
    const template = templates[copy % templates.length]!;
    const id = `tana${copy.toString(36).padStart(8, '0')}`;
    const createdAt = now - Math.floor(random() * 90 * DAY);
    const buckets = periodBuckets(createdAt, 'Asia/Shanghai');
    const responded = random() < 0.9;
    const resolved = responded && random() < 0.75 ? 1 : 0;
    const breached = random() < 0.15 ? 1 : 0;
    const rating =
      resolved && random() < 0.5 ? pick(['satisfied', 'satisfied', 'neutral', 'dissatisfied']) : null;
    const reopenCount = resolved && random() < 0.08 ? 1 : 0;
    const transferCount = random() < 0.12 ? 1 : 0;
    const firstResponse = responded ? Math.floor(random() * 600) : null;
    const resolution = resolved ? (firstResponse ?? 0) + Math.floor(random() * 6000) : null;
    const resolvedAt =
      resolution === null ? null : periodBuckets(createdAt + resolution * 60_000, 'Asia/Shanghai');
    const statusCategory = resolved
      ? pick(['resolved', 'closed', 'closed'])
      : pick(['new', 'open', 'pending']);
    batch.push({
      ...template,
      _id: id,
      number: `ANA-${String(copy).padStart(6, '0')}`,
      channel: pick(['web', 'portal', 'email', 'phone', 'api', 'chat']),
      priority: pick(['urgent', 'high', 'medium', 'medium', 'low', 'low']),
      team: pick(['it-desk', 'it-desk', 'it-ops']),
      assignee: pick(assignees),
      statusCategory,
      createdAt: new Date(createdAt),
      updatedAt: new Date(createdAt),
      createdDay: buckets.day,
      createdWeek: buckets.week,
      createdMonth: buckets.month,
      resolvedDay: resolvedAt?.day ?? null,
      resolvedWeek: resolvedAt?.week ?? null,
      resolvedMonth: resolvedAt?.month ?? null,
      firstResponseMinutes: firstResponse,
      firstResponseBusinessMinutes: firstResponse === null ? null : Math.floor(firstResponse * 0.4),
      resolutionMinutes: resolution,
      resolutionBusinessMinutes: resolution === null ? null : Math.floor(resolution * 0.35),
      resolved: resolved,
      open: resolved ? 0 : 1,
      breached: breached,
      slaMet: resolved && !breached ? 1 : 0,
      fcr: resolved && !reopenCount && !transferCount ? 1 : 0,
      rated: rating ? 1 : 0,
      satisfied: rating === 'satisfied' ? 1 : 0,
      neutral: rating === 'neutral' ? 1 : 0,
      dissatisfied: rating === 'dissatisfied' ? 1 : 0,
      reopenCount,
      transferCount,
      state: template.state.split(template._id).join(id),
    });
    if (batch.length === 1000) {
      await tickets.insertMany(batch, { ordered: false });
      batch = [];
    }
  }
  if (batch.length > 0) await tickets.insertMany(batch, { ordered: false });
  return tickets.countDocuments();
}

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] ?? 0;
}

async function timed(runs: number, task: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await task();
    times.push(performance.now() - started);
  }
  return times;
}

export async function benchAnalytics(print: Print): Promise<void> {
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-bench-analytics-'));
  let app: FastifyInstance | undefined;
  let store: EmbeddedStore | undefined;
  try {
    const opened = await openStore(path.join(tempDir, 'store'));
    store = opened.store;
    app = await buildApp(benchAppOptions(opened, path.join(tempDir, 'data')));
    await app.ready();
    const people = await setUp(app);
    const services = ['email', 'vpn', 'erp', 'printer', 'other', 'server', 'network'];
    for (let n = 0; n < OPENED; n++)
      await inject(app, 'POST', '/api/tickets', people.requester, {
        type: 'it.incident',
        data: {
          title: `报表测试 analytics bench ${n}`,
          service: services[n % services.length],
          ...(services[n % services.length] === 'server' ? { hostname: `srv-${n}` } : {}),
          impact: ['person', 'team', 'company'][n % 3],
          urgency: ['low', 'medium', 'high'][n % 3],
        },
      });
    const now = Date.now();
    const fillStarted = performance.now();
    const tickets = await fillVaried(app.db.db!, TICKETS, now);
    const fillMs = performance.now() - fillStarted;
    const catalog = app.tickets.catalog;
    await catalog.reload();
    global.gc?.();
    const before = process.memoryUsage();

    const from = periodBuckets(now - 89 * DAY, 'Asia/Shanghai').day;
    const to = periodBuckets(now, 'Asia/Shanghai').day;
    // The baseline: one plain scan of the same projections — every entry visited once, its creation day read.
    const scan = await timed(RUNS, async () => {
      const entries = await catalog.find({}, { field: 'createdAt', direction: 1 }, Number.MAX_SAFE_INTEGER);
      let inPeriod = 0;
      for (const entry of entries) if (entry.createdDay >= from && entry.createdDay <= to) inPeriod++;
      return inPeriod;
    });
    const full = `/api/analytics/dashboard?from=${from}&to=${to}&granularity=week`;
    const narrowed = `${full}&team=it-desk&priority=high,urgent`;
    const check = await inject(app, 'GET', full, people.admin);
    const volume = (check.kpis as { volume: { value: number } }).volume.value;
    const fullTimes = await timed(RUNS, () => inject(app!, 'GET', full, people.admin));
    // The same dashboard computed in the process without HTTP, access checks or names: the tally and the figures.
    const filters = parseAnalyticsFilters({ from, to, granularity: 'week' }, now);
    const sources = { catalog, tickets: app.db.collection<TicketDoc>(TICKETS_COLLECTION) };
    const computeTimes = await timed(RUNS, async () =>
      buildDashboard(await tallyFor(sources, {}, filters, now), filters, now),
    );
    const narrowTimes = await timed(RUNS, () => inject(app!, 'GET', narrowed, people.admin));
    global.gc?.();
    const after = process.memoryUsage();

    const scanP50 = percentile(scan, 0.5);
    const row = (name: string, times: number[]): BenchRow => ({
      name,
      opsPerSec: 1000 / percentile(times, 0.5),
      note: `p50 ${ms(percentile(times, 0.5))}, p95 ${ms(percentile(times, 0.95))}; ×${(percentile(times, 0.5) / scanP50).toFixed(1)} one plain scan (goal p50 ≤ 1 s)`,
    });
    const rows: BenchRow[] = [
      {
        name: `plain scan of ${tickets.toLocaleString('en')} projections (baseline)`,
        opsPerSec: 1000 / scanP50,
        note: `p50 ${ms(scanP50)}, p95 ${ms(percentile(scan, 0.95))}`,
      },
      row(
        `full dashboard, 90 days by week (${volume.toLocaleString('en')} tickets in the period)`,
        fullTimes,
      ),
      row('…of which the computation alone (tally and figures, no HTTP)', computeTimes),
      row('dashboard narrowed to one team and two priorities', narrowTimes),
    ];
    if (process.env.ORDO_BENCH_ANALYTICS_DATABASE === '1') {
      const collection = app.db.collection<TicketDoc>(TICKETS_COLLECTION);
      const databaseScan = await timed(3, () =>
        collection.find({}, { projection: { _id: 0, createdDay: 1 }, batchSize: 5000 }).toArray(),
      );
      const databaseTally = await timed(3, () =>
        tallyFor({ catalog: { ...catalog, kind: 'database' }, tickets: collection }, {}, filters, now),
      );
      rows.push(
        {
          name: 'database: plain scan of the creation days (baseline)',
          opsPerSec: 1000 / percentile(databaseScan, 0.5),
          note: `p50 ${ms(percentile(databaseScan, 0.5))}`,
        },
        {
          name: 'database: the same tally as $match/$group pipelines',
          opsPerSec: 1000 / percentile(databaseTally, 0.5),
          note: `p50 ${ms(percentile(databaseTally, 0.5))}; ×${(percentile(databaseTally, 0.5) / percentile(databaseScan, 0.5)).toFixed(1)} the scan`,
        },
      );
    }
    print(`Analytics dashboard over ${tickets.toLocaleString('en')} tickets (${catalog.kind} catalog)`, rows);
    console.log(
      `API process with the catalog loaded: heap ${mb(before.heapUsed)}, RSS ${mb(before.rss)}; after ` +
        `${RUNS * 3} dashboards: heap ${mb(after.heapUsed)} (${after.heapUsed >= before.heapUsed ? '+' : ''}` +
        `${mb(after.heapUsed - before.heapUsed)}), RSS ${mb(after.rss)}` +
        (global.gc ? '' : ' (run with --expose-gc for heaps after a full collection)') +
        `; ${tickets.toLocaleString('en')} tickets stored in ${ms(fillMs)}`,
    );
  } finally {
    await app?.close();
    await store?.stop();
    await rm(tempDir, { recursive: true, force: true });
  }
}
