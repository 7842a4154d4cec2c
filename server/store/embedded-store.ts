import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { ensureFerretDbBinary, StoreSetupError, type StoreLog } from './ferretdb-binary.js';

export interface EmbeddedStoreOptions {
  /** Data folder (ORDO_DATA_DIR); the store keeps its SQLite files in `<dataDir>/ferretdb`. */
  dataDir: string;
  /** Project cache folder holding the built binary. */
  cacheDir: string;
  log: StoreLog;
  /** How long to wait for the server to accept connections. */
  startTimeoutMs?: number;
}

export interface EmbeddedStore {
  /** Base connection URI without a database name, e.g. `mongodb://127.0.0.1:40123/`. */
  uri: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

interface LockContent {
  /** The Node process that owns the data folder. */
  ownerPid: number;
  /** The FerretDB child it started. */
  storePid?: number;
  port?: number;
}

export class DataFolderLockedError extends StoreSetupError {
  override name = 'DataFolderLockedError';
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isFerretDbProcess(pid: number): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes('ferretdb');
  } catch {
    return false;
  }
}

async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new StoreSetupError(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Take the data folder's lock file, created exclusively so two processes cannot both win. A lock left by a
 * process that died is taken over, after stopping a FerretDB it may have left running on the same files.
 */
async function takeLock(lockFile: string, log: StoreLog): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(JSON.stringify({ ownerPid: process.pid } satisfies LockContent));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let held: LockContent | undefined;
    try {
      held = JSON.parse(await readFile(lockFile, 'utf8')) as LockContent;
    } catch {
      // A lock being written right now reads as empty; treat it as held for this attempt.
      held = undefined;
    }
    if (held && processAlive(held.ownerPid)) {
      throw new DataFolderLockedError(
        `The data folder ${path.dirname(lockFile)} is in use by another Ordo process (pid ${held.ownerPid}` +
          `${held.port ? `, database on 127.0.0.1:${held.port}` : ''}). Stop that process first, ` +
          'or point ORDO_DATA_DIR at another folder.',
      );
    }
    if (held?.storePid && processAlive(held.storePid) && (await isFerretDbProcess(held.storePid))) {
      log.warn(`Stopping FerretDB (pid ${held.storePid}) left behind by a process that died`);
      process.kill(held.storePid, 'SIGTERM');
      const storePid = held.storePid;
      await waitFor(() => !processAlive(storePid), 10_000, 'the old FerretDB to stop');
    }
    if (held) await rm(lockFile, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new DataFolderLockedError(`Could not lock the data folder ${path.dirname(lockFile)}`);
}

/**
 * Start FerretDB (SQLite backend) on a free loopback port with its files under the data folder, and stop it
 * with this process. Telemetry and the debug HTTP listener are off.
 */
export async function startEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const { dataDir, cacheDir, log } = options;
  const binary = await ensureFerretDbBinary(cacheDir, log);
  const storeDir = path.join(dataDir, 'ferretdb');
  await mkdir(storeDir, { recursive: true });
  const lockFile = path.join(dataDir, 'ferretdb.lock');
  await takeLock(lockFile, log);

  let child: ChildProcess | undefined;
  try {
    const port = await freePort();
    const spawned = spawn(
      binary,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${storeDir}/`,
        `--state-dir=${storeDir}`,
        `--listen-addr=127.0.0.1:${port}`,
        '--telemetry=disable',
        '--debug-addr=-',
        '--log-level=warn',
        '--log-format=text',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child = spawned;
    let exited = false;
    let stderrTail = '';
    spawned.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-4000);
    });
    spawned.on('exit', (code, signal) => {
      exited = true;
      if (!stopping) log.warn(`FerretDB exited unexpectedly (code ${code}, signal ${signal}): ${stderrTail}`);
    });
    let stopping = false;
    await new Promise<void>((resolve, reject) => {
      spawned.once('spawn', resolve);
      spawned.once('error', reject);
    });
    const pid = spawned.pid!;
    const handle = await open(lockFile, 'w');
    await handle.writeFile(
      JSON.stringify({ ownerPid: process.pid, storePid: pid, port } satisfies LockContent),
    );
    await handle.close();

    await waitFor(
      async () => {
        if (exited) throw new StoreSetupError(`FerretDB failed to start: ${stderrTail}`);
        return accepts(port);
      },
      options.startTimeoutMs ?? 30_000,
      `FerretDB to listen on 127.0.0.1:${port}`,
    );

    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      if (!exited) {
        spawned.kill('SIGTERM');
        try {
          await waitFor(() => exited, 10_000, 'FerretDB to stop');
        } catch {
          spawned.kill('SIGKILL');
          await waitFor(() => exited, 5_000, 'FerretDB to be killed');
        }
      }
      await rm(lockFile, { force: true });
    };
    return { uri: `mongodb://127.0.0.1:${port}/`, port, pid, stop };
  } catch (error) {
    child?.kill('SIGKILL');
    await rm(lockFile, { force: true });
    throw error;
  }
}
