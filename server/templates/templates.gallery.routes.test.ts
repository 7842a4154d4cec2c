import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { projectRoot } from '../store/paths.js';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from '../../test/support/server-app.js';

/** The gallery's reads: list contents, a pack type's form and flow as shipped, and the diff before an upgrade. */
let app: FastifyInstance;
let packsDir: string;
let admin: string;
let designer: CreatedUser;
let requester: CreatedUser;
const clock = new ManualClock(Date.parse('2026-03-04T09:30:00+08:00'));
const asAdmin = () => ({ headers: bearer(admin) });

async function editJson(file: string, change: (json: Record<string, unknown>) => void): Promise<void> {
  const full = path.join(packsDir, file);
  const json = JSON.parse(await readFile(full, 'utf8')) as Record<string, unknown>;
  change(json);
  await writeFile(full, JSON.stringify(json, null, 2));
}

interface TypeDiff {
  key: string;
  state: string;
  conflict: boolean;
  changes: { path: string; text: { en: string } }[];
  localChanges: { path: string; text: { en: string } }[];
}

const diffOf = async (id: string) => {
  const { status, body } = await call(app, { method: 'GET', url: `/api/templates/${id}/diff`, ...asAdmin() });
  expect(status, JSON.stringify(body)).toBe(200);
  return body as unknown as {
    needsOverwrite: boolean;
    installedVersion: string | null;
    ticketTypes: TypeDiff[];
  };
};

beforeAll(async () => {
  packsDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-gallery-packs-'));
  for (const pack of ['hr', 'project']) {
    await cp(path.join(projectRoot(), 'templates', pack), path.join(packsDir, pack), { recursive: true });
  }
  const previous = process.env.ORDO_TEMPLATES_DIR;
  process.env.ORDO_TEMPLATES_DIR = packsDir;
  try {
    app = await buildTestApp('templates_gallery_routes', { clock });
  } finally {
    if (previous === undefined) delete process.env.ORDO_TEMPLATES_DIR;
    else process.env.ORDO_TEMPLATES_DIR = previous;
  }
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  designer = await createUser(app, admin, { username: 'gallery.designer', roles: ['designer'] });
  requester = await createUser(app, admin, { username: 'gallery.requester', roles: ['requester'] });
});

afterAll(async () => {
  await app?.close();
  await rm(packsDir, { recursive: true, force: true });
});

describe('GET /api/templates — contents', () => {
  it('says what each pack holds: teams and calendars by name, roles, SLA targets, steps, fields', async () => {
    const { body } = await call(app, { method: 'GET', url: '/api/templates', ...asAdmin() });
    const hr = (body.items as Record<string, unknown>[]).find((item) => item.id === 'hr');
    const contents = hr?.contents as Record<string, unknown>;
    const teams = contents.teams as { key: string; name: { en: string } }[];
    expect(teams.find((team) => team.key === 'hr')?.name.en).toBeTruthy();
    expect(contents.slaTargets).toBeGreaterThan(0);
    expect(contents.flowSteps).toBeGreaterThan(0);
    expect(contents.formFields).toBeGreaterThan(4);
    expect(hr).not.toHaveProperty('ticketsInUse');
  });
});

describe('GET /api/templates/:id/types/:key', () => {
  it('answers the form and flow of a pack type as shipped, for admins only', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/templates/hr/types/hr.leave',
      ...asAdmin(),
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ packId: 'hr', key: 'hr.leave', name: { en: 'Leave request' } });
    const form = body.form as { schema: { properties: Record<string, unknown> }; layout: unknown[] };
    expect(Object.keys(form.schema.properties)).toContain('leaveType');
    expect(form.layout.length).toBeGreaterThan(1);
    const flow = body.flow as { nodes: { id: string; position: unknown }[]; edges: unknown[] };
    expect(flow.nodes[0]).toMatchObject({ id: 'start', position: { x: 0, y: 0 } });
    expect(flow.edges.length).toBeGreaterThan(0);

    for (const token of [designer.token, requester.token]) {
      const forbidden = await call(app, {
        method: 'GET',
        url: '/api/templates/hr/types/hr.leave',
        headers: bearer(token),
      });
      expect(forbidden.status).toBe(403);
    }
  });

  it('answers 404 naming the field for a type the pack does not hold, or a pack that does not exist', async () => {
    const missingType = await call(app, {
      method: 'GET',
      url: '/api/templates/hr/types/it.incident',
      ...asAdmin(),
    });
    expect(missingType.status).toBe(404);
    expect(missingType.body).toMatchObject({ field: 'params.key' });
    expect((missingType.body.text as { 'zh-CN': string })['zh-CN']).toContain('it.incident');
    const missingPack = await call(app, {
      method: 'GET',
      url: '/api/templates/nothing/types/hr.leave',
      ...asAdmin(),
    });
    expect(missingPack.status).toBe(404);
    const badKey = await call(app, {
      method: 'GET',
      url: `/api/templates/hr/types/${'x'.repeat(90)}`,
      ...asAdmin(),
    });
    expect(badKey.status).toBe(400);
    expect(String(badKey.body.field)).toMatch(/key/);
  });
});

describe('GET /api/templates/:id/diff', () => {
  it('before the first install: every type is new and nothing needs overwriting', async () => {
    const diff = await diffOf('project');
    expect(diff).toMatchObject({ installedVersion: null, needsOverwrite: false });
    expect(diff.ticketTypes).toEqual([
      expect.objectContaining({ key: 'project.task', state: 'new', conflict: false, changes: [] }),
    ]);
  });

  it('after an upgrade of the pack and a local edit: what the upgrade changes and what was edited here', async () => {
    expect((await call(app, { method: 'POST', url: '/api/templates/hr/install', ...asAdmin() })).status).toBe(
      201,
    );
    expect((await diffOf('hr')).ticketTypes.every((type) => type.state === 'same')).toBe(true);

    // A designer edits the onboarding type; the pack's next version changes the leave type's description.
    const draft = await call(app, {
      method: 'GET',
      url: '/api/ticket-types/hr.onboarding',
      headers: bearer(designer.token),
    });
    const definition = draft.body.definition as Record<string, unknown>;
    const saved = await call(app, {
      method: 'PUT',
      url: '/api/ticket-types/hr.onboarding/draft',
      headers: bearer(designer.token),
      payload: {
        draftRevision: draft.body.draftRevision,
        definition: { ...definition, numberFormat: 'ONB-{seq:6}' },
      },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    let installedHr = '';
    await editJson('hr/pack.json', (manifest) => {
      installedHr = String(manifest.version);
      manifest.version = '9.0.0';
    });
    await editJson('hr/leave.ticket-type.json', (type) => {
      (type.description as Record<string, string>).en += ' Sick leave needs a note.';
    });

    const diff = await diffOf('hr');
    expect(diff).toMatchObject({ installedVersion: installedHr, needsOverwrite: true });
    const byKey = new Map(diff.ticketTypes.map((type) => [type.key, type]));
    expect(byKey.get('hr.leave')).toMatchObject({ state: 'pack-changed', conflict: false, localChanges: [] });
    expect(byKey.get('hr.leave')?.changes).toEqual([
      expect.objectContaining({ path: '/description', kind: 'changed' }),
    ]);
    const onboarding = byKey.get('hr.onboarding');
    expect(onboarding).toMatchObject({ state: 'locally-changed', conflict: true });
    expect(onboarding?.localChanges).toEqual([expect.objectContaining({ path: '/numberFormat' })]);
    // Installing would put the pack's number format back: that is what overwriting loses.
    expect(onboarding?.changes).toEqual([expect.objectContaining({ path: '/numberFormat' })]);
    expect(byKey.get('hr.offboarding')).toMatchObject({ state: 'same', changes: [] });

    const refused = await call(app, { method: 'POST', url: '/api/templates/hr/install', ...asAdmin() });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ field: 'body.overwrite' });
  });

  it('lists tickets in use for an installed pack, which is why it cannot be removed', async () => {
    const opened = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: {
        type: 'hr.leave',
        data: {
          title: '3 月中旬年假',
          leaveType: 'annual',
          startDate: '2026-03-16',
          endDate: '2026-03-17',
          days: 2,
          contactDuringLeave: '13800000000',
        },
      },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const { body } = await call(app, { method: 'GET', url: '/api/templates', ...asAdmin() });
    const hr = (body.items as Record<string, unknown>[]).find((item) => item.id === 'hr');
    expect(hr?.ticketsInUse).toEqual([{ type: 'hr.leave', count: 1 }]);
    const removal = await call(app, { method: 'DELETE', url: '/api/templates/hr', ...asAdmin() });
    expect(removal.status).toBe(409);
    expect(removal.body).toMatchObject({ field: 'params.id', tickets: [{ type: 'hr.leave', count: 1 }] });
  });

  it('is for admins only and 404 for an unknown pack', async () => {
    const forbidden = await call(app, {
      method: 'GET',
      url: '/api/templates/hr/diff',
      headers: bearer(designer.token),
    });
    expect(forbidden.status).toBe(403);
    const missing = await call(app, { method: 'GET', url: '/api/templates/nothing/diff', ...asAdmin() });
    expect(missing.status).toBe(404);
  });
});
