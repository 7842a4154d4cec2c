import { existsSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { PasswordHasher, type PasswordParameters } from './access/password.js';
import type { ProcessRole } from './config.js';
import { systemClock, type Clock } from './lib/clock.js';
import { bootstrapAdmin } from './bootstrap.js';
import { authPlugin } from './plugins/auth.plugin.js';
import { dbPlugin } from './plugins/db.plugin.js';
import { errorsPlugin } from './plugins/errors.plugin.js';
import { securityHeadersPlugin } from './plugins/security-headers.plugin.js';
import { inputGuardPlugin } from './plugins/input-guard.plugin.js';
import { publishContract } from './plugins/openapi-contract.js';
import { modelsPlugin } from './plugins/models.plugin.js';
import { requestValidatorCompiler } from './plugins/validation.js';
import { workerPlugin } from './plugins/worker.plugin.js';
import { apiKeysRoutes } from './routes/api-keys.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { teamsRoutes } from './routes/teams.routes.js';
import { usersRoutes } from './routes/users.routes.js';
import { directoryRoutes } from './routes/directory.routes.js';
import { projectRoot } from './store/paths.js';
import { ticketsPlugin } from './tickets/tickets.plugin.js';
import { anchorRoutes } from './tickets/anchors.routes.js';
import { analyticsRoutes } from './analytics/analytics.routes.js';
import { notificationsPlugin } from './notifications/notifications.plugin.js';
import { calendarRoutes } from './definitions/calendars.routes.js';
import { slaPolicyRoutes } from './definitions/sla-policies.routes.js';
import { ticketTypeRoutes } from './definitions/ticket-types.routes.js';
import { changesPlugin } from './plugins/changes.plugin.js';
import { templatesRoutes } from './templates/templates.routes.js';
import { livePlugin } from './live/live.plugin.js';
import { recordsPlugin } from './channels/records/records.plugin.js';
import { knowledgePlugin } from './knowledge/knowledge.plugin.js';
import { mailChannelPlugin } from './channels/mail/mail.plugin.js';
import type { TicketCatalogKind } from './tickets/ticket-catalog.js';

export interface AppOptions {
  /** Connection URI including the database name. */
  mongodbUri: string;
  /** Signs session tokens and public links. */
  secret: string;
  role: ProcessRole;
  dataDir: string;
  publicUrl: string;
  adminPassword?: string;
  smtpUrl?: string;
  /** Pino options, or false for silence (tests). */
  logger?: FastifyServerOptions['logger'];
  clock?: Clock;
  /** Folder of the built studio; false to serve none. Default: studio/dist when it exists. */
  studioDir?: string | false;
  /** Run Agenda jobs in this process (roles all and worker). Default: from role. */
  runJobs?: boolean;
  /** Addresses (or hop count) of trusted reverse proxies; ORDO_TRUST_PROXY. Default: none. */
  trustProxy?: boolean | string | number;
  /** Sign-in attempts per minute per address, counted across processes (server/routes/login-limits.ts). */
  loginRateLimit?: number;
  /** Failed sign-ins on one account (in 15 minutes) before each further one doubles the wait. Default 5. */
  loginFreeFailures?: number;
  /**
   * Where lists and the timer sweep read tickets: `database` (indexed queries; several processes may write) or
   * `memory` (this process holds every ticket's list fields; only when it is the store's sole writer, as with the
   * embedded store). Default: `database`. See server/tickets/ticket-catalog.ts.
   */
  ticketCatalog?: TicketCatalogKind;
  /** Content types an attachment may have (detected from its bytes). Default: DEFAULT_ATTACHMENT_TYPES. */
  attachmentTypes?: readonly string[];
  /** scrypt cost for new password hashes; tests lower it to keep runs fast. Default: PASSWORD_PARAMETERS. */
  passwordParameters?: PasswordParameters;
}

declare module 'fastify' {
  interface FastifyInstance {
    ordo: AppOptions;
    clock: Clock;
    passwords: PasswordHasher;
  }
}

const BODY_LIMIT = 1024 * 1024;

/** Compose the application from its plugins. Tests call this and use `inject()`; `main.ts` listens. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: 'info' },
    bodyLimit: BODY_LIMIT,
    // Prototype poisoning in JSON bodies is refused, not silently stripped.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Only behind a known proxy may X-Forwarded-For name the client (the login rate limit counts by address).
    trustProxy: (options.trustProxy ?? false) as boolean,
    // Path parameters up to 500 characters reach their route's schema (a 400 naming the parameter) instead of the
    // router's bare 414: records from other systems are addressed by the other system's own id.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  });
  // Query strings, parameters and headers are coerced to their schema's types, bodies are checked as sent, and no
  // number may be infinite — for every route (plugins/validation.ts).
  app.setValidatorCompiler(requestValidatorCompiler());
  app.decorate('ordo', options);
  app.decorate('clock', options.clock ?? systemClock);
  app.decorate('passwords', new PasswordHasher(options.passwordParameters));

  const studioDir = options.studioDir ?? path.join(projectRoot(), 'studio', 'dist');
  const servedStudioDir = studioDir && existsSync(path.join(studioDir, 'index.html')) ? studioDir : undefined;
  await app.register(errorsPlugin, { studioClientRoutes: servedStudioDir !== undefined });
  // Helmet's headers, worked out once; HSTS and upgrade-insecure-requests only over https.
  await app.register(securityHeadersPlugin);
  await app.register(cookie, { secret: options.secret });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    // The runtime's own schemas for definitions and commands, and the replay header (plugins/openapi-contract.ts).
    transformObject: (documentObject) =>
      publishContract((documentObject as { openapiObject: Record<string, unknown> }).openapiObject) as never,
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Ordo API',
        version: '0.1.0',
        description: 'Low-code work orders: definitions, tickets, people.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
          session: { type: 'apiKey', in: 'cookie', name: 'ordo_session' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(inputGuardPlugin);
  await app.register(changesPlugin);
  await app.register(dbPlugin, { mongodbUri: options.mongodbUri });
  await app.register(modelsPlugin);
  await app.register(authPlugin);
  await app.register(workerPlugin, {
    runJobs: options.runJobs ?? (options.role === 'all' || options.role === 'worker'),
  });
  await bootstrapAdmin({
    models: app.models,
    passwords: app.passwords,
    adminPassword: options.adminPassword,
    now: app.clock.now(),
    print: (text) => process.stdout.write(text),
  });

  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(usersRoutes);
  await app.register(teamsRoutes);
  await app.register(directoryRoutes);
  await app.register(apiKeysRoutes);
  await app.register(calendarRoutes);
  await app.register(slaPolicyRoutes);
  await app.register(ticketTypeRoutes);
  await app.register(ticketsPlugin);
  await app.register(anchorRoutes);
  await app.register(analyticsRoutes);
  await app.register(notificationsPlugin);
  await app.register(templatesRoutes);
  await app.register(recordsPlugin);
  await app.register((await import('./channels/alerts/alerts.plugin.js')).alertsPlugin);
  await app.register(knowledgePlugin);
  await app.register(mailChannelPlugin);
  await app.register(livePlugin);

  if (servedStudioDir) {
    await app.register(fastifyStatic, {
      root: servedStudioDir,
      prefix: '/',
      wildcard: false,
      index: 'index.html',
    });
  }

  return app;
}
