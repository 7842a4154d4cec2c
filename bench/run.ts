// `npm run bench`: every benchmark of the project in one run, each reported against a baseline measured in the
// same run, so the ratios mean something on whatever machine runs them. Not part of `npm test`.
import os from 'node:os';

interface BenchRow {
  name: string;
  opsPerSec: number;
  note?: string;
}

function printRows(title: string, rows: BenchRow[]): void {
  console.log(`\n## ${title}`);
  const width = Math.max(...rows.map((row) => row.name.length), 10);
  for (const row of rows) {
    const ops =
      row.opsPerSec >= 100 ? Math.round(row.opsPerSec).toLocaleString('en') : row.opsPerSec.toFixed(2);
    console.log(`${row.name.padEnd(width)}  ${ops.padStart(14)} ops/s${row.note ? `  ${row.note}` : ''}`);
  }
}

const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);

console.log(`# Ordo benchmarks — ${new Date().toISOString()}`);
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);

if (wanted('runtime')) {
  const { benchRouting } = await import('../runtime/bench/rules.bench.js');
  printRows('Routing (20-rule table) vs plain jsonLogic.apply loop', benchRouting());
  const { benchTime } = await import('../runtime/bench/time.bench.js');
  printRows('Business-time add over growing spans', benchTime());
  const { benchEngine } = await import('../runtime/bench/engine.bench.js');
  printRows('One flow step decided in memory', benchEngine());
}

if (wanted('studio')) {
  const { benchFlowCanvas, printFlowCanvas } = await import('./flow-canvas.bench.js');
  printFlowCanvas(await benchFlowCanvas());
}

if (wanted('knowledge')) {
  const { benchKnowledge } = await import('./knowledge.bench.js');
  benchKnowledge(printRows);
}

if (wanted('server')) {
  const { benchServer } = await import('./server.bench.js');
  await benchServer(printRows);
}

if (wanted('sla')) {
  // The SLA scheduler: 100,000 future timers, 10,000 due within a minute (ORDO_BENCH_SLA_DUE to change).
  const { benchSlaTimers } = await import('./sla-timers.bench.js');
  await benchSlaTimers(printRows);
}

if (wanted('catalog')) {
  // The ticket catalog at 100,000 tickets against 10,000 (ORDO_BENCH_CATALOG_TICKETS to change).
  const { benchCatalog } = await import('./catalog.bench.js');
  await benchCatalog(printRows);
}

if (wanted('analytics')) {
  // The full KPI dashboard over 100,000 tickets against one plain scan (ORDO_BENCH_ANALYTICS_TICKETS to change).
  const { benchAnalytics } = await import('./analytics.bench.js');
  await benchAnalytics(printRows);
}

if (wanted('alerts')) {
  // Alert storms: 1,000 identical alerts → one ticket (p99), alerts/s for 100 fingerprints (bench/alerts.bench.ts).
  const { benchAlerts } = await import('./alerts.bench.js');
  await benchAlerts(printRows);
}

if (wanted('mail')) {
  // Mail over SMTP into tickets per second, against the same tickets opened over the API (bench/mail.bench.ts).
  const { benchMail } = await import('./mail.bench.js');
  await benchMail(printRows);
}

if (wanted('scale-out')) {
  // Two API processes against one on the same store (embedded FerretDB, or MONGODB_URI).
  const { benchScaleOut } = await import('./scale-out.bench.js');
  await benchScaleOut(printRows);
}

if (wanted('studio')) {
  const { benchFormPreview } = await import('./form-preview.bench.js');
  await benchFormPreview(printRows);
}

if (wanted('live')) {
  // Live pages: signal latency to an open page (Chromium, built studio) and memory under 500 open streams
  // (LIVE_BENCH_MEMORY_MS=600000 for the 10-minute run).
  const { benchLive } = await import('./live-signal.bench.js');
  await benchLive();
}
