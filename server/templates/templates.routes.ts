import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { RouteAccess } from '../access/route-access.js';
import { actorOf, requestTime } from '../definitions/definitions.http.js';
import { projectRoot } from '../store/paths.js';
import { ensureTemplateIndexes } from './template-install.model.js';
import {
  installBodySchema,
  installConflictResponse,
  installResultSchema,
  invalidPackResponse,
  packDiffSchema,
  packListSchema,
  packParams,
  packTypeDefinitionSchema,
  packTypeParams,
  packPreviewSchema,
  problemResponses,
  removalResultSchema,
  ticketsExistResponse,
} from './templates.schemas.js';
import { packTypeDefinition, packUpgradeDiff } from './templates.gallery.js';
import {
  installTemplate,
  listTemplates,
  previewTemplate,
  removeTemplate,
  type InstallOptions,
} from './templates.service.js';

export interface TemplatesRoutesOptions {
  /** Folder holding one folder per pack; ORDO_TEMPLATES_DIR, else the project's `templates/`. */
  packsDir?: string;
}

/** Where packs are read from unless the routes are given a folder. */
export function defaultPacksDir(): string {
  return process.env.ORDO_TEMPLATES_DIR ?? path.join(projectRoot(), 'templates');
}

const adminsOnly: RouteAccess = { roles: ['admin'] };

/** Scenario packs: list with install status, preview, install or upgrade, remove. Admins only. */
export async function templatesRoutes(
  app: FastifyInstance,
  options: TemplatesRoutesOptions = {},
): Promise<void> {
  const packsDir = options.packsDir ?? defaultPacksDir();
  await ensureTemplateIndexes(app.db);

  app.get(
    '/api/templates',
    {
      config: { access: adminsOnly },
      schema: {
        tags: ['templates'],
        summary: 'Scenario packs with their install status in this database',
        response: { 200: packListSchema, ...problemResponses(401, 403) },
      },
    },
    async () => {
      const items = await listTemplates(app.db, packsDir);
      return { items, total: items.length };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/templates/:id',
    {
      config: { access: adminsOnly },
      schema: {
        tags: ['templates'],
        summary: 'What a pack would add: its ticket types (form fields, flow), teams, roles and calendars',
        description: 'Nothing is written. `problems` per type say what would stop it from installing here.',
        params: packParams,
        response: { 200: packPreviewSchema, ...problemResponses(400, 401, 403, 404), ...invalidPackResponse },
      },
    },
    async (request) => previewTemplate(app.db, packsDir, request.params.id),
  );

  app.get<{ Params: { id: string; key: string } }>(
    '/api/templates/:id/types/:key',
    {
      config: { access: adminsOnly },
      schema: {
        tags: ['templates'],
        summary: 'One of a pack’s ticket types as shipped: its form and flow, to preview them read-only',
        params: packTypeParams,
        response: {
          200: packTypeDefinitionSchema,
          ...problemResponses(400, 401, 403, 404),
          ...invalidPackResponse,
        },
      },
    },
    async (request) => packTypeDefinition(packsDir, request.params.id, request.params.key),
  );

  app.get<{ Params: { id: string } }>(
    '/api/templates/:id/diff',
    {
      config: { access: adminsOnly },
      schema: {
        tags: ['templates'],
        summary: 'Before installing or upgrading: what changes in each type, and what was edited here since',
        description:
          'Per ticket type of the pack: its state here, the changes installing would make to its draft, and ' +
          'the local edits made since the pack installed it (which only overwrite: true replaces). Nothing is written.',
        params: packParams,
        response: { 200: packDiffSchema, ...problemResponses(400, 401, 403, 404), ...invalidPackResponse },
      },
    },
    async (request) => packUpgradeDiff(app.db, packsDir, request.params.id),
  );

  app.post<{ Params: { id: string }; Body: InstallOptions | undefined }>(
    '/api/templates/:id/install',
    {
      config: { access: adminsOnly },
      // Every option has a default, so a POST without a body means "install with the defaults".
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['templates'],
        summary: 'Install or upgrade a pack',
        description:
          'Creates the missing suggested teams (no members) and calendars, writes each ticket type’s draft and ' +
          'publishes it. An upgrade publishes new versions; running tickets stay on theirs. The same version ' +
          'again answers 200 with alreadyInstalled: true. Drafts changed since the last install are not ' +
          'replaced without overwrite: true.',
        params: packParams,
        body: installBodySchema,
        response: {
          200: { ...installResultSchema, description: 'This version was installed already' },
          201: { ...installResultSchema, description: 'Installed or upgraded' },
          ...problemResponses(400, 401, 403, 404),
          ...installConflictResponse,
          ...invalidPackResponse,
        },
      },
    },
    async (request, reply) => {
      const { created, ...result } = await installTemplate(
        app.db,
        packsDir,
        request.params.id,
        request.body ?? {},
        actorOf(request),
        requestTime(app),
      );
      return reply.status(created ? 201 : 200).send(result);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/templates/:id',
    {
      config: { access: adminsOnly },
      schema: {
        tags: ['templates'],
        summary: 'Remove an installed pack',
        description:
          'Refused (409, naming them) while tickets of its types exist. Otherwise its ticket types are hidden ' +
          'from the designer and the portal; published versions, teams and calendars stay.',
        params: packParams,
        response: {
          200: removalResultSchema,
          ...problemResponses(400, 401, 403, 404),
          ...ticketsExistResponse,
        },
      },
    },
    async (request) => removeTemplate(app.db, request.params.id, actorOf(request), requestTime(app)),
  );
}
