import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectCacheDir, projectRoot } from './store/paths.js';

/**
 * Connections the HTTP listener's accept queue holds (the kernel caps it at net.core.somaxconn, 4,096 by default).
 * Node's default, 511, made the 512th and later of a burst of simultaneous connections (an alert storm, many
 * clients at once) wait for the client's SYN retry, one second later.
 */
export const LISTEN_BACKLOG = 4096;

export const ROLES = ['all', 'api', 'worker'] as const;
export type ProcessRole = (typeof ROLES)[number];

/** Configuration read from the environment at start; every problem names the variable. */
export interface OrdoConfig {
  port: number;
  host: string;
  /** Unset: start the embedded store. */
  mongodbUri?: string;
  dataDir: string;
  cacheDir: string;
  role: ProcessRole;
  /** Unset: generated once and kept in the data folder (see resolveSecret). */
  secret?: string;
  adminPassword?: string;
  smtpUrl?: string;
  logLevel: string;
  /** ORDO_TRUST_PROXY: `true`, a hop count, or comma-separated proxy addresses; unset trusts none. */
  trustProxy?: boolean | string | number;
  /** Public base URL used in links sent by email (signed confirmation links…). */
  publicUrl: string;
  /** ORDO_TICKET_CATALOG; unset: `memory` with the embedded store (its sole user), `database` with MONGODB_URI. */
  ticketCatalog?: 'memory' | 'database';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 3000;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    throw new ConfigError('PORT', `must be a whole number from 1 to 65535, got "${raw}"`);
  }
  return Number(raw);
}

function parseMongoUri(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^mongodb(\+srv)?:\/\/[^/]+/.test(raw)) {
    throw new ConfigError('MONGODB_URI', 'must look like mongodb://host:27017/ordo (or mongodb+srv://…)');
  }
  return raw;
}

function parseSmtpUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('SMTP_URL', `is not a URL: "${raw}" (expected smtp://user:pass@host:587)`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new ConfigError('SMTP_URL', `must start with smtp:// or smtps://, got "${url.protocol}//"`);
  }
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): OrdoConfig {
  const role = (env.ORDO_ROLE ?? 'all') as ProcessRole;
  if (!ROLES.includes(role)) {
    throw new ConfigError('ORDO_ROLE', `must be one of ${ROLES.join(', ')}, got "${env.ORDO_ROLE}"`);
  }
  const host = env.HOST || '127.0.0.1';
  if (!/^[\w.:-]+$/.test(host)) throw new ConfigError('HOST', `is not a host name or address: "${host}"`);
  if (env.ORDO_SECRET !== undefined && env.ORDO_SECRET !== '' && env.ORDO_SECRET.length < 32) {
    throw new ConfigError('ORDO_SECRET', 'must be at least 32 characters long (or unset to generate one)');
  }
  if (
    env.ORDO_ADMIN_PASSWORD !== undefined &&
    env.ORDO_ADMIN_PASSWORD !== '' &&
    env.ORDO_ADMIN_PASSWORD.length < 8
  ) {
    throw new ConfigError('ORDO_ADMIN_PASSWORD', 'must be at least 8 characters long');
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const port = parsePort(env.PORT);
  const publicUrl = env.ORDO_PUBLIC_URL || `http://localhost:${port}`;
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError('ORDO_PUBLIC_URL', `is not a URL: "${publicUrl}"`);
  }
  const trustRaw = env.ORDO_TRUST_PROXY;
  const trustProxy =
    trustRaw === undefined || trustRaw === '' || trustRaw === 'false'
      ? undefined
      : trustRaw === 'true'
        ? true
        : /^\d+$/.test(trustRaw)
          ? Number(trustRaw)
          : trustRaw;
  const catalog = env.ORDO_TICKET_CATALOG || undefined;
  if (catalog !== undefined && catalog !== 'memory' && catalog !== 'database') {
    throw new ConfigError('ORDO_TICKET_CATALOG', `must be "memory" or "database", not "${catalog}"`);
  }
  return {
    port,
    trustProxy,
    ticketCatalog: catalog,
    host,
    mongodbUri: parseMongoUri(env.MONGODB_URI),
    dataDir: path.resolve(env.ORDO_DATA_DIR || path.join(projectRoot(), 'data')),
    cacheDir: projectCacheDir(),
    role,
    secret: env.ORDO_SECRET || undefined,
    adminPassword: env.ORDO_ADMIN_PASSWORD || undefined,
    smtpUrl: parseSmtpUrl(env.SMTP_URL),
    logLevel,
    publicUrl: publicUrl.replace(/\/$/, ''),
  };
}

/** ORDO_SECRET, or one generated on first start and kept in the data folder so sessions survive restarts. */
export async function resolveSecret(config: OrdoConfig): Promise<string> {
  if (config.secret) return config.secret;
  const file = path.join(config.dataDir, 'secret');
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored.length >= 32) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'w' });
  return secret;
}
