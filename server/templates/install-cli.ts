// `npm run templates:install -- <pack id> [--uri mongodb://…] [--draft] [--no-create-teams] [--overwrite]`:
// install or upgrade a scenario pack straight into a database, as `POST /api/templates/:id/install` does. With
// `--list`, show the packs and their status. Without --uri: MONGODB_URI, else the embedded store's data folder.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import mongoose, { type Connection } from 'mongoose';
import { loadConfig } from '../config.js';
import { seedPresetCalendars } from '../definitions/calendars.service.js';
import { ensureTicketTypeIndexes } from '../definitions/ticket-type.model.js';
import { HttpProblem } from '../lib/problem.js';
import { teamModel } from '../models/team.model.js';
import { DataFolderLockedError, startEmbeddedStore, type EmbeddedStore } from '../store/embedded-store.js';
import { ensureTemplateIndexes } from './template-install.model.js';
import { defaultPacksDir } from './templates.routes.js';
import { installTemplate, listTemplates, summarizeInstall } from './templates.service.js';

export const USAGE = `Usage: npm run templates:install -- <pack id> [options]
       npm run templates:install -- --list [options]

Options:
  --uri <mongodb://host:port/db>  database to install into (default: MONGODB_URI, else the embedded store)
  --dir <folder>                  folder of the packs (default: ORDO_TEMPLATES_DIR, else templates/)
  --draft                         write the drafts only; publish them later from the studio
  --no-create-teams               do not create missing teams (the install fails if any is missing)
  --overwrite                     replace drafts changed since the pack installed them
  --list                          list the packs and their install status
  -h, --help                      show this help`;

export interface CliOptions {
  packId?: string;
  list: boolean;
  uri?: string;
  dir: string;
  publish: boolean;
  createTeams: boolean;
  overwrite: boolean;
  help: boolean;
}

/** Read the command line; throws with the usage on a mistake. */
export function parseInstallArgs(argv: readonly string[]): CliOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      uri: { type: 'string' },
      dir: { type: 'string' },
      draft: { type: 'boolean', default: false },
      'no-create-teams': { type: 'boolean', default: false },
      overwrite: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const options: CliOptions = {
    list: values.list,
    dir: values.dir ?? defaultPacksDir(),
    publish: !values.draft,
    createTeams: !values['no-create-teams'],
    overwrite: values.overwrite,
    help: values.help,
  };
  if (values.uri !== undefined) options.uri = values.uri;
  if (positionals.length > 1)
    throw new Error(`Install one pack at a time, not ${positionals.join(', ')}.\n${USAGE}`);
  if (positionals[0] !== undefined) options.packId = positionals[0];
  if (!options.help && !options.list && options.packId === undefined) throw new Error(USAGE);
  return options;
}

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/** What the studio would show, for a terminal: a problem's texts and the facts it names. */
function describeProblem(error: HttpProblem): string {
  const body = error.toBody();
  const lines = [`${body.title}: ${body.detail ?? ''}`];
  const problems = (body.problems as { path: string; text: { en: string } }[] | undefined) ?? [];
  for (const problem of problems.slice(0, 20)) lines.push(`  ${problem.path}: ${problem.text.en}`);
  if (problems.length > 20) lines.push(`  … and ${problems.length - 20} more`);
  return lines.join('\n');
}

/** The install against an open connection; returns the process exit code. */
export async function runTemplatesCommand(
  db: Connection,
  options: CliOptions,
  output: CliOutput,
): Promise<number> {
  const now = new Date();
  await ensureTicketTypeIndexes(db);
  await teamModel(db).createIndexes();
  await ensureTemplateIndexes(db);
  await seedPresetCalendars(db, now);
  if (options.list) {
    for (const pack of await listTemplates(db, options.dir)) {
      const installed = pack.installedVersion ? ` (installed: ${pack.installedVersion})` : '';
      output.out(`${pack.id.padEnd(20)} ${(pack.version ?? '?').padEnd(10)} ${pack.status}${installed}`);
    }
    return 0;
  }
  try {
    const result = await installTemplate(
      db,
      options.dir,
      options.packId ?? '',
      { publish: options.publish, createTeams: options.createTeams, overwrite: options.overwrite },
      'cli',
      now,
    );
    output.out(summarizeInstall(result));
    return 0;
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    output.err(describeProblem(error));
    return 1;
  }
}

async function main(): Promise<void> {
  const output: CliOutput = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  };
  let options: CliOptions;
  try {
    options = parseInstallArgs(process.argv.slice(2));
  } catch (error) {
    output.err((error as Error).message);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    output.out(USAGE);
    return;
  }
  let store: EmbeddedStore | undefined;
  let uri = options.uri ?? process.env.MONGODB_URI;
  try {
    if (!uri) {
      const config = loadConfig();
      store = await startEmbeddedStore({
        dataDir: config.dataDir,
        cacheDir: config.cacheDir,
        log: { info: () => {}, warn: (text) => output.err(text) },
      });
      uri = `${store.uri}ordo`;
    }
    const db = await mongoose
      .createConnection(uri, { serverSelectionTimeoutMS: 5000, retryWrites: false, autoIndex: false })
      .asPromise();
    try {
      process.exitCode = await runTemplatesCommand(db, options, output);
    } finally {
      await db.close();
    }
  } catch (error) {
    if (error instanceof DataFolderLockedError) {
      output.err(
        `${error.message}\nThe server is running on that folder: install from the studio, with ` +
          `POST /api/templates/${options.packId ?? '<id>'}/install, or pass --uri mongodb://127.0.0.1:<port>/ordo.`,
      );
    } else {
      output.err(`templates:install failed: ${(error as Error).stack ?? String(error)}`);
    }
    process.exitCode = 1;
  } finally {
    await store?.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
