import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/lib/clock.js';
import { projectRoot } from '../../server/store/paths.js';
import { testDatabaseUri } from '../support/database.js';
import { ADMIN_PASSWORD, buildTestApp, waitFor } from '../support/server-app.js';
import { itIncidentDefinition } from '../support/tickets.js';

/**
 * A server process is killed with SIGKILL in the middle of a burst of commands. After a restart, every command
 * that was acknowledged is in the trail exactly once, every projection equals a rebuild from its commits, every
 * chain verifies, and every SLA step that fell due fires exactly once.
 */
const DATABASE = 'crash_recovery';
const TICKETS = 20;
const COMMANDS = 200;

let child: ChildProcess | undefined;
let dataDir: string;
let port: number;

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

async function startServer(): Promise<ChildProcess> {
  const process_ = spawn(process.execPath, ['--import', 'tsx', path.join('server', 'main.ts')], {
    cwd: projectRoot(),
    env: {
      ...process.env,
      MONGODB_URI: testDatabaseUri(DATABASE),
      PORT: String(port),
      HOST: '127.0.0.1',
      ORDO_DATA_DIR: dataDir,
      ORDO_ROLE: 'all',
      ORDO_SECRET: 'c'.repeat(40),
      ORDO_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  process_.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  await waitFor(
    async () => {
      if (process_.exitCode !== null) throw new Error(`server exited: ${stderr}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
      } catch {
        return false;
      }
    },
    { timeoutMs: 180_000, what: 'the server to answer /health' },
  );
  return process_;
}

async function api<T = Record<string, unknown>>(
  method: string,
  url: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`http://127.0.0.1:${port}${url}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-crash-'));
  port = await freePort();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('crash during a burst of commands', () => {
  it('keeps every acknowledged command exactly once and recovers projections and SLA steps', async () => {
    child = await startServer();
    const admin = (
      await api<{ token: string }>('POST', '/api/auth/login', undefined, {
        username: 'admin',
        password: ADMIN_PASSWORD,
      })
    ).body.token;
    const agent = await api<{ id: string }>('POST', '/api/users', admin, {
      username: 'crash.agent',
      displayName: 'Crash agent',
      email: 'crash.agent@example.com',
      password: 'crash-agent-password',
      roles: ['agent', 'admin'],
    });
    expect(agent.status).toBe(201);
    for (const key of ['it-desk', 'it-ops']) {
      const team = await api('POST', '/api/teams', admin, {
        key,
        name: { 'zh-CN': key, en: key },
        members: [{ userId: agent.body.id, skills: {} }],
      });
      expect(team.status).toBe(201);
    }
    const created = await api('POST', '/api/ticket-types', admin, itIncidentDefinition());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const published = await api('POST', '/api/ticket-types/it.incident/publish', admin, {
      note: 'crash test',
    });
    expect([200, 201]).toContain(published.status);
    const agentToken = (
      await api<{ token: string }>('POST', '/api/auth/login', undefined, {
        username: 'crash.agent',
        password: 'crash-agent-password',
      })
    ).body.token;

    const ticketIds: string[] = [];
    for (let i = 0; i < TICKETS; i++) {
      const opened = await api<{ id: string }>('POST', '/api/tickets', agentToken, {
        type: 'it.incident',
        data: {
          title: `崩溃测试 ${i}`,
          service: 'email',
          impact: i % 2 ? 'company' : 'person',
          urgency: 'high',
        },
      });
      expect(opened.status, JSON.stringify(opened.body)).toBe(201);
      ticketIds.push(opened.body.id);
    }

    // The burst: one lane per ticket, each lane sends its comments one after another with the version it saw.
    const acknowledged = new Set<string>();
    let sent = 0;
    let killed = false;
    const lanes = ticketIds.map(async (id, lane) => {
      let version = 1;
      for (let n = 0; sent < COMMANDS; n++) {
        sent += 1;
        const marker = `crash-${lane}-${n}`;
        try {
          const result = await api<{ version: number }>('POST', `/api/tickets/${id}/commands`, agentToken, {
            command: 'comment',
            version,
            body: marker,
            visibility: 'internal',
          });
          if (result.status === 200) {
            acknowledged.add(marker);
            version = result.body.version;
          } else if (result.status === 409) {
            version = (result.body as unknown as { currentVersion: number }).currentVersion;
          }
        } catch {
          return; // the server is gone
        }
        if (!killed && acknowledged.size >= COMMANDS / 2) {
          killed = true;
          child?.kill('SIGKILL');
        }
      }
    });
    await Promise.all(lanes);
    expect(killed).toBe(true);
    await waitFor(() => child?.exitCode !== null || child?.signalCode !== null, {
      what: 'the killed server to exit',
    });

    child = await startServer();

    // Checked in-process on the same database: trail, projections, chains, and SLA steps with a clock far ahead.
    const clock = new ManualClock(Date.now());
    const app: FastifyInstance = await buildTestApp(DATABASE, { clock });
    try {
      const markers = new Map<string, number>();
      for (const id of ticketIds) {
        const commits = await app.tickets.events.load(id);
        for (const commit of commits) {
          const body = (commit.payload.command as { body?: string }).body;
          if (body?.startsWith('crash-')) markers.set(body, (markers.get(body) ?? 0) + 1);
        }
      }
      for (const marker of acknowledged) expect(markers.get(marker), marker).toBe(1);
      for (const count of markers.values()) expect(count).toBe(1);

      await app.ticketJobs.reconcile(clock.now());
      for (const id of ticketIds) {
        const rebuilt = await app.tickets.rebuild(id);
        const projected = await app.tickets.tickets.findOne({ _id: id });
        expect(projected?.version).toBe(rebuilt?.version);
        expect(JSON.parse(projected!.state)).toEqual(rebuilt?.state);
        expect((await app.tickets.events.verify(id)).valid).toBe(true);
      }

      // Three weeks later every SLA step is due (even 7 business days); firing twice must not fire anything twice.
      clock.advance(21 * 24 * 60 * 60 * 1000);
      await app.ticketJobs.fireDueTimers(clock.now());
      const afterFirst = await app.db.collection('ticket_events').countDocuments();
      await app.ticketJobs.fireDueTimers(clock.now());
      expect(await app.db.collection('ticket_events').countDocuments()).toBe(afterFirst);
      for (const id of ticketIds) {
        const commits = await app.tickets.events.load(id);
        const steps = commits.flatMap((commit) =>
          (commit.payload.events as { type: string; data: { key?: string } }[])
            .filter((event) => event.type === 'sla.step')
            .map((event) => String(event.data.key)),
        );
        expect(new Set(steps).size, `${id}: ${steps.join(', ')}`).toBe(steps.length);
        expect(steps).toEqual(expect.arrayContaining(['firstResponse:breach', 'resolution:breach']));
      }
    } finally {
      await app.close();
    }
  }, 480_000);
});
