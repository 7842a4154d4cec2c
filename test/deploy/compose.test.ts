import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// There is no Docker engine where the suite runs, so the deployment files are checked by reading them: the
// wiring between services, the variables they need and the promises made in the issue (auth, no server-side
// JavaScript, non-root, healthchecks) must not drift silently.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const readRepoFile = (relativePath: string): string =>
  readFileSync(path.join(repoRoot, relativePath), 'utf8');

type EnvValue = string | number | boolean | null;
interface Healthcheck {
  test?: string[] | string;
  disable?: boolean;
}
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  entrypoint?: string[] | string;
  command?: string[] | string;
  environment?: Record<string, EnvValue> | string[];
  ports?: (string | { target?: number })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: Healthcheck;
  restart?: string;
}
interface ComposeFile {
  services?: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeText = readRepoFile('docker-compose.yml');
// Compose resolves YAML merge keys (`<<: *anchor`), so the test must too.
const compose = parse(composeText, { merge: true }) as ComposeFile;
const services = compose.services ?? {};

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

function environmentOf(name: string): Record<string, EnvValue> {
  const environment = service(name).environment ?? {};
  if (!Array.isArray(environment)) return environment;
  return Object.fromEntries(
    environment.map((entry) => {
      const separator = entry.indexOf('=');
      return separator < 0 ? [entry, null] : [entry.slice(0, separator), entry.slice(separator + 1)];
    }),
  );
}

function asList(value: string[] | string | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.split(/\s+/);
}

/** Value of `--flag value` or `--flag=value` in an argument list. */
function flagValue(args: string[], flag: string): string | undefined {
  for (const [index, arg] of args.entries()) {
    if (arg === flag) return args[index + 1];
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
  }
  return undefined;
}

/** `${NAME}`, `${NAME:-default}`, `${NAME:?message}`… as compose reads them; `$$` is a literal dollar. */
const variableReference = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}/g;

function referencedVariables(text: string): { name: string; operator: string | undefined }[] {
  return [...text.matchAll(variableReference)].map((match) => ({ name: match[1] ?? '', operator: match[2] }));
}

/** Stand-in values, the way compose would substitute them from .env, so URIs can be parsed. */
function interpolate(text: string, values: Record<string, string>): string {
  return text.replace(
    variableReference,
    (_whole, name: string, operator: string | undefined, rest: string) => {
      const value = values[name];
      if (value !== undefined && value !== '') return value;
      if (operator === ':-' || operator === '-') return rest;
      throw new Error(`no stand-in value for required variable ${name}`);
    },
  );
}

/** Host-side path of a bind mount (`./docker/x:/in/container`) that covers a path inside the container. */
function hostPathOf(serviceName: string, containerPath: string): string | undefined {
  for (const volume of service(serviceName).volumes ?? []) {
    if (typeof volume !== 'string') continue;
    const [source, target] = volume.split(':');
    if (!source?.startsWith('.') || !target) continue;
    if (containerPath === target || containerPath.startsWith(`${target}/`)) {
      return path.join(source, path.relative(target, containerPath));
    }
  }
  return undefined;
}

function namedVolumesOf(serviceName: string): { name: string; target: string }[] {
  return (service(serviceName).volumes ?? []).flatMap((volume) => {
    if (typeof volume !== 'string') {
      return volume.type === 'volume' && volume.source && volume.target
        ? [{ name: volume.source, target: volume.target }]
        : [];
    }
    const [source, target] = volume.split(':');
    if (!source || !target || source.startsWith('.') || source.startsWith('/')) return [];
    return [{ name: source, target }];
  });
}

const standIns: Record<string, string> = {
  MONGO_INITDB_ROOT_USERNAME: 'rootuser',
  MONGO_INITDB_ROOT_PASSWORD: 'rootpassword',
  ORDO_SECRET: 'secret',
  ORDO_ADMIN_PASSWORD: 'admin-password',
};

const mongoArgs = asList(service('mongo').command);
const replicaSetName = flagValue(mongoArgs, '--replSet');

describe('docker-compose.yml', () => {
  it('declares the mongo, api and worker services', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['mongo', 'api', 'worker']));
  });

  it('builds api and worker from the one Dockerfile, as one image', () => {
    const builds = ['api', 'worker'].map((name) => {
      const build = service(name).build;
      const context = typeof build === 'string' ? build : (build?.context ?? '.');
      const dockerfile = typeof build === 'object' ? (build.dockerfile ?? 'Dockerfile') : 'Dockerfile';
      return { context, dockerfile, image: service(name).image };
    });
    expect(builds[0]).toEqual(builds[1]);
    expect(builds[0]?.context).toBe('.');
    expect(existsSync(path.join(repoRoot, builds[0]?.dockerfile ?? ''))).toBe(true);
  });

  it('runs mongo 7 as a replica set with a keyfile, a required root user and server-side JavaScript off', () => {
    const mongo = service('mongo');
    expect(mongo.image).toMatch(/^mongo:7(\.|$)/);
    expect(replicaSetName).toBe('rs0');
    expect(mongoArgs).toContain('--noscripting');

    const keyFile = flagValue(mongoArgs, '--keyFile');
    expect(keyFile).toBeDefined();
    // The keyfile is generated by the wrapped entrypoint, which must write the very path mongod reads.
    const entrypointScript = asList(mongo.entrypoint).find((arg) => arg.endsWith('.sh'));
    const scriptOnHost = entrypointScript && hostPathOf('mongo', entrypointScript);
    expect(scriptOnHost, 'the mongo entrypoint script is bind-mounted from the repository').toBeTruthy();
    const script = readRepoFile(scriptOnHost ?? '');
    expect(script).toContain(`keyfile=${keyFile}`);
    expect(script).toMatch(/chmod 400 "\$keyfile"/);
    expect(script).toMatch(/exec docker-entrypoint\.sh "\$@"/);
    // Kept in a volume so a restart reads the same key.
    expect(namedVolumesOf('mongo').some(({ target }) => keyFile?.startsWith(`${target}/`))).toBe(true);

    const environment = environmentOf('mongo');
    for (const name of ['MONGO_INITDB_ROOT_USERNAME', 'MONGO_INITDB_ROOT_PASSWORD']) {
      expect(String(environment[name])).toMatch(new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`));
    }
  });

  it('checks mongo health with a script that initiates the replica set once and waits for a primary', () => {
    const test = asList(service('mongo').healthcheck?.test);
    expect(test[0]).toBe('CMD');
    expect(test).toContain('mongosh');
    const scriptInContainer = test.find((arg) => arg.endsWith('.js'));
    const scriptOnHost = scriptInContainer && hostPathOf('mongo', scriptInContainer);
    expect(scriptOnHost, 'the healthcheck script is bind-mounted from the repository').toBeTruthy();
    const script = readRepoFile(scriptOnHost ?? '');

    expect(script).toContain(`const replicaSetName = '${replicaSetName}'`);
    // The member host is what drivers switch to, so it must be the service name the api and worker resolve.
    expect(script).toMatch(/const memberHost = 'mongo:27017'/);
    expect(script).toMatch(/codeName !== 'NotYetInitialized'/);
    expect(script).toMatch(/rs\.initiate\(/);
    expect(script).toMatch(/isWritablePrimary/);
    // Credentials from the environment, not from argv.
    expect(script).toContain('process.env.MONGO_INITDB_ROOT_PASSWORD');
    expect(test.join(' ')).not.toMatch(/PASSWORD/);
  });

  it('wires the same MONGODB_URI into api and worker, pointing at the mongo replica set with credentials', () => {
    const uris = ['api', 'worker'].map((name) => environmentOf(name).MONGODB_URI);
    expect(uris[0]).toBeTypeOf('string');
    expect(uris[1]).toBe(uris[0]);

    const uri = new URL(interpolate(String(uris[0]), standIns));
    expect(uri.protocol).toBe('mongodb:');
    expect(services[uri.hostname], `the URI host "${uri.hostname}" is a compose service`).toBeDefined();
    expect(uri.hostname).toBe('mongo');
    expect(uri.port).toBe('27017');
    expect(uri.username).toBe(standIns.MONGO_INITDB_ROOT_USERNAME);
    expect(uri.password).toBe(standIns.MONGO_INITDB_ROOT_PASSWORD);
    expect(uri.searchParams.get('replicaSet')).toBe(replicaSetName);
    expect(uri.searchParams.get('authSource')).toBe('admin');
    expect(uri.pathname.length).toBeGreaterThan(1);
  });

  it('runs the api role on all interfaces with port 3000 published, and the worker role without ports', () => {
    const api = environmentOf('api');
    expect(api.ORDO_ROLE).toBe('api');
    expect(api.HOST).toBe('0.0.0.0');
    expect(service('api').ports?.some((port) => typeof port === 'string' && port.endsWith(':3000'))).toBe(
      true,
    );

    expect(environmentOf('worker').ORDO_ROLE).toBe('worker');
    expect(service('worker').ports ?? []).toEqual([]);
  });

  it('requires ORDO_SECRET and ORDO_ADMIN_PASSWORD from the environment and passes SMTP_URL through', () => {
    for (const name of ['api', 'worker']) {
      const environment = environmentOf(name);
      expect(String(environment.ORDO_SECRET)).toMatch(/^\$\{ORDO_SECRET:\?[^}]+\}$/);
      expect(String(environment.ORDO_ADMIN_PASSWORD)).toMatch(/^\$\{ORDO_ADMIN_PASSWORD:\?[^}]+\}$/);
      // No value: compose passes it on from the shell or .env when set and leaves it out otherwise.
      expect(environment).toHaveProperty('SMTP_URL', null);
    }
  });

  it('starts api and worker only once mongo is healthy, and restarts them', () => {
    for (const name of ['api', 'worker']) {
      expect(service(name).depends_on).toEqual({ mongo: { condition: 'service_healthy' } });
      expect(service(name).restart).toBe('unless-stopped');
    }
    expect(service('mongo').restart).toBe('unless-stopped');
  });

  it('checks api health on GET /health and turns the HTTP check off for the worker', () => {
    const test = asList(service('api').healthcheck?.test);
    expect(test[0]).toBe('CMD');
    expect(test.join(' ')).toContain('http://127.0.0.1:3000/health');
    expect(service('worker').healthcheck?.disable).toBe(true);
  });

  it('keeps data in declared named volumes, attachments under ORDO_DATA_DIR', () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const name of Object.keys(services)) {
      for (const volume of namedVolumesOf(name)) expect(declared).toContain(volume.name);
    }
    expect(namedVolumesOf('mongo').map(({ target }) => target)).toContain('/data/db');
    for (const name of ['api', 'worker']) {
      const dataDir = environmentOf(name).ORDO_DATA_DIR;
      expect(namedVolumesOf(name).map(({ target }) => target)).toContain(dataDir);
    }
  });
});

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function dockerInstructions(text: string): { keyword: string; args: string }[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

describe('Dockerfile', () => {
  const instructions = dockerInstructions(readRepoFile('Dockerfile'));
  const stageStarts = instructions.flatMap((instruction, index) =>
    instruction.keyword === 'FROM' ? [index] : [],
  );
  const finalStage = instructions.slice(stageStarts.at(-1) ?? 0);
  const buildStage = instructions.slice(stageStarts[0] ?? 0, stageStarts.at(-1));

  it('is multi-stage on a node 20 base pinned by tag', () => {
    expect(stageStarts.length).toBeGreaterThanOrEqual(2);
    for (const index of stageStarts) {
      expect(instructions[index]?.args).toMatch(/^node:20[\w.-]*(\s+AS\s+\S+)?$/i);
      expect(instructions[index]?.args).not.toMatch(/:latest/);
    }
  });

  it('installs, builds and prunes dev dependencies in the build stage', () => {
    const runs = buildStage.filter(({ keyword }) => keyword === 'RUN').map(({ args }) => args);
    const all = runs.join(' && ');
    expect(all).toMatch(/npm ci\b/);
    expect(all).toMatch(/npm run build\b/);
    expect(all).toMatch(/npm prune --omit=dev\b/);
  });

  it('runs the compiled server as the non-root node user, with port, healthcheck and command', () => {
    const users = finalStage.filter(({ keyword }) => keyword === 'USER');
    expect(users.at(-1)?.args).toBe('node');
    expect(finalStage.find(({ keyword }) => keyword === 'EXPOSE')?.args).toBe('3000');
    const healthcheck = finalStage.find(({ keyword }) => keyword === 'HEALTHCHECK');
    // Exec form must be valid JSON, or Docker silently runs the text through a shell instead.
    const healthcheckCommand = /\bCMD\s+(\[.*\])$/.exec(healthcheck?.args ?? '')?.[1];
    const healthcheckArgs = JSON.parse(healthcheckCommand ?? 'null') as unknown;
    expect(healthcheckArgs).toEqual(['node', '-e', expect.stringContaining('/health')]);

    const cmd = finalStage.find(({ keyword }) => keyword === 'CMD');
    expect(JSON.parse(cmd?.args ?? 'null')).toEqual([
      'node',
      '--max-semi-space-size=64',
      'dist/server/main.js',
    ]);
    // The image starts the same entry point, with the same Node options, as `npm start`.
    const packageJson = JSON.parse(readRepoFile('package.json')) as { scripts?: Record<string, string> };
    expect(packageJson.scripts?.start).toContain('node --max-semi-space-size=64 dist/server/main.js');
  });

  it('copies the build output the server needs and sets production mode', () => {
    const copies = finalStage.filter(({ keyword }) => keyword === 'COPY').map(({ args }) => args);
    for (const needed of [
      '/app/dist',
      '/app/studio/dist',
      '/app/node_modules',
      '/app/package.json',
      '/app/templates',
    ]) {
      expect(copies.some((args) => args.startsWith('--from=build') && args.includes(`${needed} `))).toBe(
        true,
      );
    }
    expect(
      finalStage.some(({ keyword, args }) => keyword === 'ENV' && /NODE_ENV=production/.test(args)),
    ).toBe(true);
  });

  it('bakes in no secret', () => {
    const settings = instructions.filter(({ keyword }) => keyword === 'ENV' || keyword === 'ARG');
    for (const { args } of settings) {
      expect(args).not.toMatch(/SECRET|PASSWORD|MONGODB_URI|SMTP_URL|TOKEN/i);
    }
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, build output, local data and secrets out of the build context', () => {
    const ignored = readRepoFile('.dockerignore')
      .split(/\r?\n/)
      .map((line) => line.trim());
    for (const entry of [
      'node_modules',
      'dist',
      'data',
      '.cache',
      'coverage',
      '.git',
      'test-results',
      '.env',
    ]) {
      expect(ignored).toContain(entry);
    }
  });
});

describe('.env.example', () => {
  const documented = new Set(
    readRepoFile('.env.example')
      .split(/\r?\n/)
      .flatMap((line) => /^#?\s*([A-Za-z_][A-Za-z0-9_]*)=/.exec(line.trim())?.slice(1) ?? []),
  );

  it('documents every variable docker-compose.yml reads', () => {
    const used = new Set(referencedVariables(composeText).map(({ name }) => name));
    // Variables passed through without a value (`SMTP_URL:`) are read from the environment too.
    for (const name of ['api', 'worker']) {
      for (const [key, value] of Object.entries(environmentOf(name))) if (value === null) used.add(key);
    }
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((name) => !documented.has(name))).toEqual([]);
  });

  it('holds only placeholders for the required secrets', () => {
    const required = referencedVariables(composeText)
      .filter(({ operator }) => operator === ':?')
      .map(({ name }) => name);
    expect(new Set(required)).toEqual(
      new Set([
        'MONGO_INITDB_ROOT_USERNAME',
        'MONGO_INITDB_ROOT_PASSWORD',
        'ORDO_SECRET',
        'ORDO_ADMIN_PASSWORD',
      ]),
    );
    const text = readRepoFile('.env.example');
    for (const name of ['MONGO_INITDB_ROOT_PASSWORD', 'ORDO_SECRET', 'ORDO_ADMIN_PASSWORD']) {
      expect(text).toMatch(new RegExp(`^${name}=change-me`, 'm'));
    }
  });
});
