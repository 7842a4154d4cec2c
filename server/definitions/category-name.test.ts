import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from '../../test/support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../../test/support/tickets.js';

/** A new category of ticket types named by its definition: the catalog, lists and the portal show that name. */
let app: FastifyInstance;
let designer: CreatedUser;
let requester: CreatedUser;

const FACILITIES = { 'zh-CN': '设施报修', en: 'Facilities' };

beforeAll(async () => {
  app = await buildTestApp('category_name');
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  designer = await createUser(app, admin, { username: 'category.designer', roles: ['designer'] });
  requester = await createUser(app, admin, { username: 'category.requester', roles: ['requester'] });
  await createTeam(app, admin, { key: 'it-desk', members: [] });
  await createTeam(app, admin, { key: 'it-ops', members: [] });
  const repair = { ...itIncidentDefinition(), key: 'facilities.repair', category: 'facilities' };
  expect(await publishType(app, designer.token, { ...repair, categoryName: FACILITIES })).toBe(1);
  expect(await publishType(app, designer.token, itIncidentDefinition())).toBe(1);
});
afterAll(async () => {
  await app.close();
});

type Summary = { key: string; category: string; categoryName?: unknown };

async function list(token: string): Promise<Summary[]> {
  const { status, body } = await call(app, {
    method: 'GET',
    url: '/api/ticket-types',
    headers: bearer(token),
  });
  expect(status).toBe(200);
  return Array.isArray(body) ? (body as Summary[]) : (body as { items: Summary[] }).items;
}

describe('categoryName', () => {
  it('comes with the published type in the catalog, and not for a type without one', async () => {
    const items = await list(requester.token);
    expect(items.find((item) => item.key === 'facilities.repair')).toMatchObject({
      category: 'facilities',
      categoryName: FACILITIES,
    });
    expect(items.find((item) => item.key === 'it.incident')).not.toHaveProperty('categoryName');
  });

  it('is in the definition a requester’s portal reads', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/ticket-types/facilities.repair',
      headers: bearer(requester.token),
    });
    expect(status).toBe(200);
    expect((body as { definition: Record<string, unknown> }).definition.categoryName).toEqual(FACILITIES);
  });

  it('follows the draft for designers, and the published version for everyone else', async () => {
    const current = await call(app, {
      method: 'GET',
      url: '/api/ticket-types/facilities.repair',
      headers: bearer(designer.token),
    });
    const renamed = { ...(current.body as { definition: Record<string, unknown> }).definition };
    renamed.categoryName = { 'zh-CN': '后勤' };
    const saved = await call(app, {
      method: 'PUT',
      url: '/api/ticket-types/facilities.repair/draft',
      headers: bearer(designer.token),
      payload: {
        draftRevision: (current.body as { draftRevision: number }).draftRevision,
        definition: renamed,
      },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const forDesigner = (await list(designer.token)).find((item) => item.key === 'facilities.repair');
    expect(forDesigner?.categoryName).toEqual({ 'zh-CN': '后勤' });
    const forRequester = (await list(requester.token)).find((item) => item.key === 'facilities.repair');
    expect(forRequester?.categoryName).toEqual(FACILITIES);
  });

  it('is refused at publish when malformed, naming where', async () => {
    const broken = {
      ...itIncidentDefinition(),
      key: 'facilities.broken',
      category: 'facilities',
      categoryName: { en: 'Facilities' },
    };
    await expect(publishType(app, designer.token, broken)).rejects.toThrow(/categoryName/);
  });
});
