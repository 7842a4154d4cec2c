import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import mongoose, { type Connection } from 'mongoose';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's own Mongoose connection (not the global one), closed with the app. */
    db: Connection;
  }
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
      // FerretDB has no retryable writes; MongoDB replica sets keep them on through the URI if wanted.
      retryWrites: false,
      autoIndex: false,
    });
    await db.asPromise();
    app.decorate('db', db);
    app.addHook('onClose', async () => {
      await db.close();
    });
  },
  { name: 'db' },
);
