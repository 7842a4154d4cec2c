import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import mongoose, { type Connection } from 'mongoose';
import { HttpProblem } from '../lib/problem.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's own Mongoose connection (not the global one), closed with the app. */
    db: Connection;
    /** False from the moment the driver loses the database until it reaches it again. */
    dbReachable: () => boolean;
    /** An operation found the database unreachable: answer 503 at once until a heartbeat reaches it again. */
    noteDatabaseUnreachable: () => void;
  }
}

/** Seconds a client is told to wait (`Retry-After`) while the database cannot be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The driver's and Mongoose's ways of saying the database cannot be reached (not a refused operation). */
const UNREACHABLE_ERRORS = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoPoolClosedError',
]);

/**
 * Node's own socket errors, as the driver lets them through when it writes a command to a connection the store
 * closed as it died (a plain `Error` with code EPIPE from the driver's connection, not a MongoNetworkError).
 */
const SOCKET_ERRORS = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED']);

/** Whether an error means the database is unreachable (answered 503 with Retry-After by the errors plugin). */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const named = error as {
    name?: unknown;
    message?: unknown;
    cause?: unknown;
    code?: unknown;
    stack?: unknown;
    errorResponse?: unknown;
  };
  if (typeof named.name === 'string' && UNREACHABLE_ERRORS.has(named.name)) return true;
  // Only the database driver's own socket: another connection's failure (mail, a webhook) is not the database's.
  if (
    typeof named.code === 'string' &&
    SOCKET_ERRORS.has(named.code) &&
    typeof named.stack === 'string' &&
    /[\\/]mongodb[\\/]lib[\\/]/.test(named.stack)
  )
    return true;
  // Mongoose's own queue of operations waiting for a connection gave up.
  if (typeof named.message === 'string' && /buffering timed out after/.test(named.message)) return true;
  // A bulk write the connection died under: MongoBulkWriteError carries the network error as its errorResponse.
  if (
    named.errorResponse !== undefined &&
    named.errorResponse !== error &&
    isDatabaseUnreachable(named.errorResponse)
  )
    return true;
  return named.cause !== undefined && named.cause !== error ? isDatabaseUnreachable(named.cause) : false;
}

/** The 503 every API route answers while the database is unreachable. */
export function databaseUnavailable(): HttpProblem {
  return new HttpProblem(503, 'Service Unavailable', {
    code: 'database-unavailable',
    text: {
      'zh-CN': '数据库暂时无法访问，请稍后重试。',
      en: 'The database cannot be reached right now; please try again shortly.',
    },
    extra: { retryAfter: DATABASE_RETRY_AFTER_SECONDS },
  });
}

export interface DbPluginOptions {
  mongodbUri: string;
}

/** Ping the database with a deadline; false when it does not answer in time. */
export async function databaseAnswers(db: Connection, timeoutMs = 2000): Promise<boolean> {
  if (db.readyState !== mongoose.ConnectionStates.connected || !db.db) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const ping = db.db.command({ ping: 1 }).then(() => true);
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    return await Promise.race([ping, timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export const dbPlugin = fp(
  async function dbPlugin(app: FastifyInstance, options: DbPluginOptions) {
    const db = mongoose.createConnection(options.mongodbUri, {
      serverSelectionTimeoutMS: 5000,
      // Check a lost server every second, so a restarted store is used again within about a second.
      heartbeatFrequencyMS: 1000,
      // FerretDB has no retryable writes; MongoDB replica sets keep them on through the URI if wanted.
      retryWrites: false,
      autoIndex: false,
    });
    await db.asPromise();
    app.decorate('db', db);
    // Fail fast while the database is unreachable: the driver says so as soon as a heartbeat or an operation
    // fails, and API requests then answer 503 with Retry-After at once instead of waiting for a server to be
    // selected. Recovery needs no restart: the driver reconnects and the next heartbeat clears the flag.
    let reachable = true;
    const client = db.getClient();
    client.on('serverDescriptionChanged', (event) => {
      reachable = event.newDescription.type !== 'Unknown';
    });
    client.on('serverHeartbeatSucceeded', () => {
      reachable = true;
    });
    client.on('serverHeartbeatFailed', () => {
      reachable = false;
    });
    app.decorate('dbReachable', () => reachable);
    app.decorate('noteDatabaseUnreachable', () => {
      reachable = false;
    });
    app.addHook('onRequest', async (request) => {
      if (!reachable && request.url.startsWith('/api/')) throw databaseUnavailable();
    });
    app.addHook('onClose', async () => {
      await db.close();
    });
  },
  { name: 'db' },
);
