import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../server/store/paths.js';
import { testDatabaseUri } from '../support/database.js';
import { ADMIN_PASSWORD, waitFor } from '../support/server-app.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Ordo as a child process (`server/main.ts`, role `all`: API and jobs) on a test database, to be SIGKILLed and
 * started again on the same database, data folder and port. Requests go over HTTP.
 */
export class ServerProcess {
  private child: ChildProcess | undefined;
  private stderr = '';

  constructor(private readonly options: { database: string; dataDir: string; port: number }) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('server', 'main.ts')], {
      cwd: projectRoot(),
      env: {
        ...process.env,
        MONGODB_URI: testDatabaseUri(this.options.database),
        PORT: String(this.options.port),
        HOST: '127.0.0.1',
        ORDO_DATA_DIR: this.options.dataDir,
        ORDO_ROLE: 'all',
        ORDO_SECRET: 'c'.repeat(40),
        ORDO_ADMIN_PASSWORD: ADMIN_PASSWORD,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    this.stderr = '';
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)),
    );
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`server exited: ${this.stderr}`);
        try {
          return (await fetch(`${this.base}/health`)).status === 200;
        } catch {
          return false;
        }
      },
      { timeoutMs: 180_000, intervalMs: 200, what: 'the server to answer /health' },
    );
  }

  get base(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  kill(): void {
    this.child?.kill('SIGKILL');
  }

  async exited(): Promise<void> {
    const child = this.child;
    if (!child) return;
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, {
      what: 'the killed server to exit',
    });
  }

  /** Whether a failed request failed because the process is gone (connection refused or reset). */
  gone(error: unknown): boolean {
    return error instanceof TypeError || (error as { name?: string }).name === 'AbortError';
  }

  async api<T = Record<string, unknown>>(
    method: string,
    url: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.base}${url}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  async login(username: string, password: string): Promise<string> {
    const answer = await this.api<{ token: string }>('POST', '/api/auth/login', undefined, {
      username,
      password,
    });
    if (answer.status !== 200)
      throw new Error(`login ${username}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.token;
  }

  async upload(
    url: string,
    token: string,
    file: { name: string; type: string; content: Buffer },
  ): Promise<{ status: number; body: unknown }> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(file.content)], { type: file.type }), file.name);
    const response = await fetch(`${this.base}${url}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : {} };
  }

  async raw(url: string, token: string): Promise<{ status: number; bytes: Buffer }> {
    const response = await fetch(`${this.base}${url}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(60_000),
    });
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
  }
}
