// Entry point: read the configuration, start the embedded store when no MONGODB_URI is given, compose the app,
// listen (roles all and api), and shut down in order on SIGINT/SIGTERM: stop accepting, finish in-flight
// requests, stop jobs, close the database, stop the store.
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, LISTEN_BACKLOG, loadConfig, resolveSecret } from './config.js';
import { startEmbeddedStore, type EmbeddedStore } from './store/embedded-store.js';
import { StoreSetupError } from './store/ferretdb-binary.js';

const say = (message: string) => process.stdout.write(`[ordo] ${message}\n`);

async function main(): Promise<void> {
  const config = loadConfig();
  let store: EmbeddedStore | undefined;
  let mongodbUri = config.mongodbUri;
  if (!mongodbUri) {
    say(`No MONGODB_URI: starting the embedded store with data in ${config.dataDir}`);
    store = await startEmbeddedStore({
      dataDir: config.dataDir,
      cacheDir: config.cacheDir,
      log: { info: say, warn: (m) => process.stderr.write(`[ordo] ${m}\n`) },
    });
    mongodbUri = `${store.uri}ordo`;
    say(`Embedded store listening on ${store.uri}`);
  }

  const app = await buildApp({
    mongodbUri,
    secret: await resolveSecret(config),
    role: config.role,
    dataDir: config.dataDir,
    publicUrl: config.publicUrl,
    adminPassword: config.adminPassword,
    smtpUrl: config.smtpUrl,
    trustProxy: config.trustProxy,
    // The embedded store has one user, this process: lists and timers can be answered from memory.
    ticketCatalog: config.ticketCatalog ?? (store ? 'memory' : 'database'),
    logger: { level: config.logLevel },
  }).catch(async (error: unknown) => {
    await store?.stop();
    throw error;
  });

  closeWithGrace({ delay: 15_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    await store?.stop();
  });

  if (config.role === 'worker') {
    await app.ready();
    app.log.info('worker running (no HTTP listener in the worker role)');
    return;
  }
  await app.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });
  say(`Ordo is ready on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StoreSetupError) {
    process.stderr.write(`[ordo] ${error.message}\n`);
  } else {
    process.stderr.write(`[ordo] failed to start: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
