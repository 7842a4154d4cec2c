import { spawn } from 'node:child_process';
import { access, chmod, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';

export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
export const FERRETDB_VERSION = 'v1.24.2';
/** Bumped whenever the source changes below change, so a cached binary built without them is rebuilt. */
const BUILD_REVISION = 'ordo1';

/**
 * One line of FerretDB's SQLite backend, changed before building. Every `_id` lookup, update and delete there
 * filters on `_ferretdb_sjson->'$._id'`, while the unique `_id` index is on `_ferretdb_sjson->"_id"`: the same
 * value, but SQLite matches index expressions by their text, so each of those statements read the table row by row.
 * Written like the index, they use it: at 20,000 documents a lookup by `_id` took 169 ms and 1.4 ms after (an
 * update by `_id` 312 ms and 2 ms), with the same answers.
 */
const ID_COLUMN_PATCH = {
  file: path.join('internal', 'backends', 'sqlite', 'metadata', 'metadata.go'),
  from: `IDColumn = DefaultColumn + "->'$._id'"`,
  to: 'IDColumn = DefaultColumn + `->"_id"`',
};

export interface StoreLog {
  info(message: string): void;
  warn(message: string): void;
}

export class StoreSetupError extends Error {
  override name = 'StoreSetupError';
}

const NO_GO_HELP =
  'The embedded database needs Go to build FerretDB once, and `go` was not found on this machine.\n' +
  'Do one of these:\n' +
  '  - install Go 1.22 or newer (https://go.dev/doc/install) and start again;\n' +
  '  - set MONGODB_URI to a MongoDB 7+ server you run yourself;\n' +
  '  - or run the production-like setup: docker compose up -d';

/** Where the built FerretDB binary lives inside the project's cache folder. */
export function ferretDbBinaryPath(cacheDir: string): string {
  return path.join(cacheDir, 'bin', `ferretdb-${FERRETDB_VERSION}-${BUILD_REVISION}`);
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      if (options.onLine) for (const line of text.split('\n')) if (line.trim()) options.onLine(line.trim());
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The Go command: `go` on PATH, else the standard install location (shells that skip the profile lack it). */
async function findGo(): Promise<string | undefined> {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    try {
      const result = await run(candidate, ['version'], {});
      if (result.code === 0) return candidate;
    } catch {
      // not here; try the next one
    }
  }
  return undefined;
}

/**
 * Build FerretDB once into the cache folder and return the binary's path; later calls return at once.
 *
 * `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds, but the binary it makes panics at start:
 * the module as served by the Go module proxy lacks the generated `build/version/version.txt` that FerretDB's
 * own build writes. So this downloads that same module version through the Go module proxy, adds the version
 * file, and builds `./cmd/ferretdb` from it — the same source and dependencies `go install` would use, with one
 * line changed so that lookups by `_id` use the `_id` index (ID_COLUMN_PATCH above).
 */
export async function ensureFerretDbBinary(cacheDir: string, log: StoreLog): Promise<string> {
  const binary = ferretDbBinaryPath(cacheDir);
  if (await exists(binary)) return binary;
  const go = await findGo();
  if (!go) throw new StoreSetupError(NO_GO_HELP);
  // The cache folder is also the working folder of the go commands below: it must exist first.
  await mkdir(cacheDir, { recursive: true });

  const started = Date.now();
  log.info(
    `Building FerretDB ${FERRETDB_VERSION} into ${path.dirname(binary)} (first start only; a few minutes)…`,
  );
  const ticker = setInterval(() => {
    log.info(`…still building FerretDB (${Math.round((Date.now() - started) / 1000)} s)`);
  }, 15_000);
  try {
    const env = { ...process.env, GO111MODULE: 'on', GOFLAGS: '-mod=mod' };
    const download = await run(go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
      env,
      cwd: cacheDir,
      onLine: (line) => log.info(`go: ${line}`),
    });
    if (download.code !== 0) {
      throw new StoreSetupError(`Downloading FerretDB failed:\n${download.stdout}\n${download.stderr}`);
    }
    const moduleDir = (JSON.parse(download.stdout) as { Dir?: string }).Dir;
    if (!moduleDir) throw new StoreSetupError(`go mod download did not report a folder:\n${download.stdout}`);

    const sourceDir = path.join(cacheDir, 'src', `ferretdb-${FERRETDB_VERSION}-${process.pid}`);
    await rm(sourceDir, { recursive: true, force: true });
    await mkdir(path.dirname(sourceDir), { recursive: true });
    await cp(moduleDir, sourceDir, { recursive: true });
    // The module cache is read-only; the copy must be writable to add the version file and to be removed later.
    await chmod(sourceDir, 0o755);
    await run('chmod', ['-R', 'u+w', sourceDir], {});
    await writeFile(path.join(sourceDir, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    const patched = path.join(sourceDir, ID_COLUMN_PATCH.file);
    const source = await readFile(patched, 'utf8');
    if (!source.includes(ID_COLUMN_PATCH.from)) {
      throw new StoreSetupError(`FerretDB's ${ID_COLUMN_PATCH.file} is not the one this build expects`);
    }
    await writeFile(patched, source.replace(ID_COLUMN_PATCH.from, ID_COLUMN_PATCH.to));

    await mkdir(path.dirname(binary), { recursive: true });
    const partial = `${binary}.${process.pid}.partial`;
    const build = await run(go, ['build', '-trimpath', '-buildvcs=false', '-o', partial, './cmd/ferretdb'], {
      env,
      cwd: sourceDir,
      onLine: (line) => log.info(`go: ${line}`),
    });
    await rm(sourceDir, { recursive: true, force: true });
    if (build.code !== 0) throw new StoreSetupError(`Building FerretDB failed:\n${build.stderr}`);
    // Rename is atomic: a concurrent start sees either no binary or a whole one.
    await rename(partial, binary);
    log.info(`FerretDB ${FERRETDB_VERSION} built in ${Math.round((Date.now() - started) / 1000)} s.`);
    return binary;
  } finally {
    clearInterval(ticker);
  }
}
