import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { projectRoot } from '../../server/store/paths.js';
import { bearer, call } from './server-app.js';

/** The IT incident example every part of the project is checked against. */
export function itIncidentDefinition(): Record<string, unknown> {
  const file = path.join(projectRoot(), 'runtime', 'definitions', 'fixtures', 'it-incident.ticket-type.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** Create (or replace the draft of) a ticket type and publish it; returns the published version number. */
export async function publishType(
  app: FastifyInstance,
  token: string,
  definition: Record<string, unknown>,
): Promise<number> {
  const key = String(definition.key);
  const created = await call(app, {
    method: 'POST',
    url: '/api/ticket-types',
    headers: bearer(token),
    payload: definition,
  });
  if (created.status === 409) {
    const current = await call(app, {
      method: 'GET',
      url: `/api/ticket-types/${key}`,
      headers: bearer(token),
    });
    const replaced = await call(app, {
      method: 'PUT',
      url: `/api/ticket-types/${key}/draft`,
      headers: bearer(token),
      payload: { draftRevision: current.body.draftRevision, definition },
    });
    if (replaced.status !== 200) throw new Error(`draft of ${key}: ${JSON.stringify(replaced.body)}`);
  } else if (created.status !== 201) {
    throw new Error(`creating ${key}: ${JSON.stringify(created.body)}`);
  }
  const published = await call(app, {
    method: 'POST',
    url: `/api/ticket-types/${key}/publish`,
    headers: bearer(token),
    payload: { note: 'test' },
  });
  if (published.status !== 201 && published.status !== 200) {
    throw new Error(`publishing ${key}: ${JSON.stringify(published.body)}`);
  }
  return Number(published.body.version);
}

/** Create a team through the API as the admin. */
export async function createTeam(
  app: FastifyInstance,
  adminToken: string,
  team: {
    key: string;
    members: { userId: string; skills?: Record<string, number>; capacity?: number; awayUntil?: string }[];
    supervisor?: string;
    backupTeam?: string;
  },
): Promise<void> {
  const response = await call(app, {
    method: 'POST',
    url: '/api/teams',
    headers: bearer(adminToken),
    payload: {
      name: { 'zh-CN': team.key, en: team.key },
      ...team,
      members: team.members.map((m) => ({ skills: {}, ...m })),
    },
  });
  if (response.status !== 201) throw new Error(`creating team ${team.key}: ${JSON.stringify(response.body)}`);
}
