// Alert storms on the embedded store (or MONGODB_URI's server, on a database of its own): `npm run bench -- alerts`.
//
// 1. 1,000 identical firing alerts posted at once over HTTP: exactly one ticket, occurrence count 1,000, and the
//    p50 / p99 of the answers (goal: p99 ≤ 1 s);
// 2. 100 alerts with distinct fingerprints posted at once (100 new tickets): alerts/s and p99;
// 3. the same 100 again (100 occurrences on open tickets): alerts/s and p99.
// Baseline in the same run: 100 tickets opened at once through POST /api/tickets, so the ratio means something on
// whatever machine runs it.
import { benchAppOptions, ADMIN_PASSWORD, inject, openStore } from './server.bench.js';
import { Worker } from 'node:worker_threads';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/app.js';
import { LISTEN_BACKLOG } from '../server/config.js';
import type { EmbeddedStore } from '../server/store/embedded-store.js';
import { projectRoot } from '../server/store/paths.js';

interface Row {
  name: string;
  opsPerSec: number;
  note?: string;
}
type Print = (title: string, rows: Row[]) => void;

/**
 * The sender: a worker thread (`burst-client.worker.mjs`) posting over real sockets, so answering and sending do
 * not take turns on one event loop — an alert source is another process.
 */
const client = new Worker(new URL('./burst-client.worker.mjs', import.meta.url));
client.unref();

interface Answer {
  status: number;
  body: string;
  ms: number;
}

const percentile = (values: number[], share: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
};
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

function firing(fingerprint: string) {
  return {
    version: '4',
    status: 'firing',
    receiver: 'ordo',
    alerts: [
      {
        status: 'firing',
        labels: {
          alertname: 'HighLoad',
          instance: `host-${fingerprint}`,
          job: 'blackbox',
          severity: 'critical',
        },
        annotations: { summary: `Load high on ${fingerprint}` },
        startsAt: new Date().toISOString(),
        fingerprint,
      },
    ],
  };
}

/** Post all bodies at once from the sender's thread; answers the wall time and each answer. */
async function burst(base: string, pathname: string, headers: Record<string, string>, bodies: string[]) {
  const result = await new Promise<{ wall: number; answers: Answer[]; error?: string }>((resolve) => {
    client.once('message', resolve);
    client.postMessage({ url: `${base}${pathname}`, headers, bodies });
  });
  if (result.error) throw new Error(result.error);
  const { wall, answers } = result;
  const failed = answers.filter((answer) => answer.status >= 300);
  if (failed.length > 0)
    throw new Error(`${failed.length} refused, e.g. ${failed[0]!.status} ${failed[0]!.body}`);
  return { wall, answers, latencies: answers.map((answer) => answer.ms) };
}

export async function benchAlerts(print: Print): Promise<void> {
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-bench-alerts-'));
  let app: FastifyInstance | undefined;
  let store: EmbeddedStore | undefined;
  try {
    const opened = await openStore(path.join(tempDir, 'store'));
    store = opened.store;
    app = await buildApp(benchAppOptions(opened, path.join(tempDir, 'data')));
    // As `npm start` listens: an accept queue for the whole burst of connections.
    await app.listen({ host: '127.0.0.1', port: 0, backlog: LISTEN_BACKLOG });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    const admin = String(
      (
        await inject(app, 'POST', '/api/auth/login', undefined, {
          username: 'admin',
          password: ADMIN_PASSWORD,
        })
      ).token,
    );
    const user = async (username: string, roles: string[]) =>
      String(
        (
          await inject(app!, 'POST', '/api/users', admin, {
            username,
            displayName: username,
            email: `${username}@example.com`,
            password: `${username}-password`,
            roles,
          })
        ).id,
      );
    const requesterId = await user('bench.monitoring', ['requester']);
    const desk = [await user('bench.desk1', ['agent']), await user('bench.desk2', ['agent'])];
    for (const key of ['it-desk', 'it-ops'])
      await inject(app, 'POST', '/api/teams', admin, {
        key,
        name: { 'zh-CN': key, en: key },
        members: desk.map((userId) => ({ userId, skills: { server: 3 } })),
      });
    const definition = JSON.parse(
      await readFile(
        path.join(projectRoot(), 'runtime', 'definitions', 'fixtures', 'it-incident.ticket-type.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    await inject(app, 'POST', '/api/ticket-types', admin, definition);
    await inject(app, 'POST', `/api/ticket-types/${String(definition.key)}/publish`, admin, {
      note: 'bench',
    });
    const created = await inject(app, 'POST', '/api/channels/alert-channels', admin, {
      name: 'bench',
      typeKey: 'it.incident',
      requesterId,
      priorityData: { urgent: { impact: 'company', urgency: 'high' } },
      dataMapping: {
        title: { path: '$.alert.title' },
        description: { path: '$.alert.description' },
        service: { logic: 'other' },
      },
    });
    const webhook = String((created.channel as { webhookPath: string }).webhookPath);
    const headers = { 'x-ordo-alert-key': String(created.key) };

    // Warm-up: one alert (JIT, caches), then the baseline of 100 opens over the ticket API.
    await burst(base, webhook, headers, [JSON.stringify(firing('warm-up'))]);
    const token = String(
      (
        await inject(app, 'POST', '/api/auth/login', undefined, {
          username: 'bench.monitoring',
          password: 'bench.monitoring-password',
        })
      ).token,
    );
    const baseline = await burst(
      base,
      '/api/tickets',
      { authorization: `Bearer ${token}` },
      Array.from({ length: 100 }, (_, index) =>
        JSON.stringify({
          type: 'it.incident',
          data: { title: `Baseline ${index}`, service: 'other', impact: 'team', urgency: 'low' },
        }),
      ),
    );

    const storm = await burst(
      base,
      webhook,
      headers,
      Array.from({ length: 1000 }, () => JSON.stringify(firing('storm'))),
    );
    const stormItems = storm.answers.map(
      (answer) => (JSON.parse(answer.body) as { items: { ticketId: string }[] }).items[0]!,
    );
    const stormTickets = new Set(stormItems.map((item) => item.ticketId));
    const summary = await inject(app, 'GET', `/api/channels/alerts/tickets/${[...stormTickets][0]!}`, admin);

    const distinct = Array.from({ length: 100 }, (_, index) => JSON.stringify(firing(`fleet-${index}`)));
    const fresh = await burst(base, webhook, headers, distinct);
    const repeated = await burst(base, webhook, headers, distinct);

    const p99 = percentile(storm.latencies, 0.99);
    print('Alert storms (embedded store unless MONGODB_URI)', [
      {
        name: 'POST /api/tickets, 100 at once (baseline)',
        opsPerSec: (100 * 1000) / baseline.wall,
        note: `p99 ${ms(percentile(baseline.latencies, 0.99))}`,
      },
      {
        name: '1,000 identical alerts at once',
        opsPerSec: (1000 * 1000) / storm.wall,
        note: `tickets ${stormTickets.size} (want 1), count ${String(summary.count)} (want 1000), p50 ${ms(percentile(storm.latencies, 0.5))}, p99 ${ms(p99)} (goal ≤ 1 s: ${p99 <= 1000 ? 'met' : 'NOT met'})`,
      },
      {
        name: '100 distinct fingerprints (new tickets)',
        opsPerSec: (100 * 1000) / fresh.wall,
        note: `p99 ${ms(percentile(fresh.latencies, 0.99))}; ${((fresh.wall / baseline.wall) * 100).toFixed(0)} % of the baseline's time`,
      },
      {
        name: '100 distinct fingerprints again (occurrences)',
        opsPerSec: (100 * 1000) / repeated.wall,
        note: `p99 ${ms(percentile(repeated.latencies, 0.99))}`,
      },
    ]);
    if (stormTickets.size !== 1 || summary.count !== 1000)
      throw new Error('the storm did not make one ticket of 1,000');
  } finally {
    client.postMessage('close');
    await app?.close();
    await store?.stop();
    await rm(tempDir, { recursive: true, force: true });
  }
}
