import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
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
  /** The supervisor's first wait before starting a dead child again (250 ms); it doubles while the child keeps dying. */
  restartFirstDelayMs?: number;
}

export interface EmbeddedStore {
  /** Base connection URI without a database name, e.g. `mongodb://127.0.0.1:40123/`. */
  uri: string;
  port: number;
  /** The running FerretDB child's pid (it changes when the child is restarted). */
  readonly pid: number;
  /** How many times the child was started again after dying. */
  readonly restarts: number;
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

/** Restart delays after unexpected exits: doubling from 250 ms to 10 s; a child up for a minute resets it. */
const RESTART_FIRST_DELAY_MS = 250;
const RESTART_MAX_DELAY_MS = 10_000;
const RESTART_STABLE_MS = 60_000;

/**
 * Make the data folder private to this user: the folder and the store's folder 0700, the files already in them
 * 0600 (a folder created by an older version, or copied in with a looser umask).
 */
export async function securePrivateFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) await securePrivateFolder(full);
    else if (entry.isFile()) await chmod(full, 0o600);
  }
}

/** Spawn with a 077 umask, so every file the child creates (SQLite database, journal, state) is 0600. */
function spawnPrivate(binary: string, args: string[]): ChildProcess {
  const previous = process.umask(0o077);
  try {
    return spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } finally {
    process.umask(previous);
  }
}

/**
 * Start FerretDB (SQLite backend) on a free loopback port with its files under the data folder, and stop it
 * with this process. Telemetry and the debug HTTP listener are off.
 *
 * The child is supervised: when it dies unexpectedly it is started again on the same port and files, after a
 * delay that doubles from 250 ms up to 10 s while it keeps dying (reset once it has stayed up a minute), and
 * each restart is logged. The driver reconnects by itself, so the app recovers without a restart of its own.
 */
export async function startEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const { dataDir, cacheDir, log } = options;
  const binary = await ensureFerretDbBinary(cacheDir, log);
  const storeDir = path.join(dataDir, 'ferretdb');
  await securePrivateFolder(dataDir);
  await mkdir(storeDir, { recursive: true, mode: 0o700 });
  const lockFile = path.join(dataDir, 'ferretdb.lock');
  await takeLock(lockFile, log);

  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  const firstDelay = options.restartFirstDelayMs ?? RESTART_FIRST_DELAY_MS;
  let delay = firstDelay;
  try {
    const port = await freePort();
    const args = [
      '--handler=sqlite',
      `--sqlite-url=file:${storeDir}/`,
      `--state-dir=${storeDir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--telemetry=disable',
      '--debug-addr=-',
      '--log-level=warn',
      '--log-format=text',
    ];

    /** Start one child and resolve once it listens; its unexpected exit schedules the next one. */
    const launch = async (): Promise<ChildProcess> => {
      const spawned = spawnPrivate(binary, args);
      child = spawned;
      let exited = false;
      let stderrTail = '';
      const startedAt = Date.now();
      spawned.stderr?.on('data', (chunk: Buffer) => {
        stderrTail = (stderrTail + chunk.toString()).slice(-4000);
      });
      spawned.on('exit', (code, signal) => {
        exited = true;
        if (stopping || child !== spawned) return;
        if (Date.now() - startedAt >= RESTART_STABLE_MS) delay = firstDelay;
        log.warn(
          `FerretDB exited unexpectedly (code ${code}, signal ${signal}); restarting in ${delay} ms: ${stderrTail}`,
        );
        scheduleRestart();
      });
      await new Promise<void>((resolve, reject) => {
        spawned.once('spawn', resolve);
        spawned.once('error', reject);
      });
      const handle = await open(lockFile, 'w');
      await handle.writeFile(
        JSON.stringify({ ownerPid: process.pid, storePid: spawned.pid!, port } satisfies LockContent),
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
      return spawned;
    };

    const scheduleRestart = (): void => {
      const wait = delay;
      delay = Math.min(delay * 2, RESTART_MAX_DELAY_MS);
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        if (stopping) return;
        restarts += 1;
        launch().then(
          (spawned) => {
            if (!stopping) log.warn(`FerretDB restarted (pid ${spawned.pid}, restart ${restarts})`);
          },
          (error: unknown) => {
            if (stopping) return;
            log.warn(`FerretDB restart ${restarts} failed: ${(error as Error).message}`);
            // A child that failed to listen but still runs is stopped; its exit does not schedule another.
            const failed = child;
            child = undefined;
            failed?.kill('SIGKILL');
            scheduleRestart();
          },
        );
      }, wait);
      restartTimer.unref();
    };

    await launch();

    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      clearTimeout(restartTimer);
      const running = child;
      if (running && running.exitCode === null && running.signalCode === null) {
        const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
        const done = () => running.exitCode !== null || running.signalCode !== null;
        running.kill('SIGTERM');
        try {
          await Promise.race([exited, waitFor(done, 10_000, 'FerretDB to stop')]);
        } catch {
          running.kill('SIGKILL');
          await waitFor(done, 5_000, 'FerretDB to be killed');
        }
      }
      await rm(lockFile, { force: true });
    };
    return {
      uri: `mongodb://127.0.0.1:${port}/`,
      port,
      get pid() {
        return child?.pid ?? 0;
      },
      get restarts() {
        return restarts;
      },
      stop,
    };
  } catch (error) {
    stopping = true;
    child?.kill('SIGKILL');
    await rm(lockFile, { force: true });
    throw error;
  }
}
