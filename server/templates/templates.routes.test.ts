import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
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
import { TICKET_TYPE_VERSIONS_COLLECTION } from '../definitions/ticket-type.model.js';
import { testDatabaseUri } from '../../test/support/database.js';
import { parseInstallArgs, runTemplatesCommand, USAGE } from './install-cli.js';
import { TEMPLATE_INSTALLS_COLLECTION, TEMPLATE_REMOVALS_COLLECTION } from './template-install.model.js';

let app: FastifyInstance;
let packsDir: string;
let admin: string;
let requester: CreatedUser;
let designer: CreatedUser;
const clock = new ManualClock(Date.parse('2026-03-04T09:30:00+08:00'));

const asAdmin = () => ({ headers: bearer(admin) });

/** A working copy of the shipped packs, so tests can bump versions and break packs without touching the repo. */
async function copyPacks(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ordo-packs-'));
  for (const pack of ['it-service-desk', 'hr', 'administration', 'manufacturing', 'project']) {
    await cp(path.join(projectRoot(), 'templates', pack), path.join(dir, pack), { recursive: true });
    // The shipped packs move on (1.0.1, 1.1.0…); this story of versions starts every copy at 1.0.0.
    const manifest = path.join(dir, pack, 'pack.json');
    const json = JSON.parse(await readFile(manifest, 'utf8')) as Record<string, unknown>;
    await writeFile(manifest, JSON.stringify({ ...json, version: '1.0.0' }, null, 2));
  }
  return dir;
}

async function editJson(file: string, change: (json: Record<string, unknown>) => void): Promise<void> {
  const full = path.join(packsDir, file);
  const json = JSON.parse(await readFile(full, 'utf8')) as Record<string, unknown>;
  change(json);
  await writeFile(full, JSON.stringify(json, null, 2));
}

const setVersion = (pack: string, version: string) =>
  editJson(`${pack}/pack.json`, (manifest) => {
    manifest.version = version;
  });

const install = (id: string, payload?: Record<string, unknown>) =>
  call(app, {
    method: 'POST',
    url: `/api/templates/${id}/install`,
    ...asAdmin(),
    ...(payload === undefined ? {} : { payload }),
  });

async function versionsOf(key: string): Promise<number[]> {
  const { body } = await call(app, { method: 'GET', url: `/api/ticket-types/${key}/versions`, ...asAdmin() });
  return (body as unknown as { version: number }[]).map((item) => item.version);
}

/** Keys of the types a requester may open. */
async function openableTypes(): Promise<string[]> {
  const { body } = await call(app, {
    method: 'GET',
    url: '/api/ticket-types',
    headers: bearer(requester.token),
  });
  return (body as unknown as { key: string }[]).map((item) => item.key);
}

beforeAll(async () => {
  packsDir = await copyPacks();
  const previous = process.env.ORDO_TEMPLATES_DIR;
  process.env.ORDO_TEMPLATES_DIR = packsDir;
  try {
    app = await buildTestApp('templates_routes', { clock });
  } finally {
    if (previous === undefined) delete process.env.ORDO_TEMPLATES_DIR;
    else process.env.ORDO_TEMPLATES_DIR = previous;
  }
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'zhou.min', roles: ['requester'] });
  designer = await createUser(app, admin, { username: 'lin.designer', roles: ['designer'] });
});

afterAll(async () => {
  await app?.close();
  await rm(packsDir, { recursive: true, force: true });
});

describe('GET /api/templates', () => {
  it('lists every pack with its version and install status, for admins only', async () => {
    const { status, body } = await call(app, { method: 'GET', url: '/api/templates', ...asAdmin() });
    expect(status).toBe(200);
    const items = body.items as { id: string; version: string; status: string; installedVersion: null }[];
    expect(items.map((item) => item.id)).toEqual([
      'administration',
      'hr',
      'it-service-desk',
      'manufacturing',
      'project',
    ]);
    for (const item of items)
      expect(item).toMatchObject({ version: '1.0.0', status: 'not-installed', installedVersion: null });
    const hr = items.find((item) => item.id === 'hr') as unknown as Record<string, unknown>;
    expect(hr.teams).toEqual(['hr', 'it-desk', 'admin-office', 'appeal-committee']);
    expect(hr.ticketTypes).toContainEqual({
      key: 'hr.leave',
      name: { 'zh-CN': '请假申请', en: 'Leave request' },
    });

    const forbidden = await call(app, {
      method: 'GET',
      url: '/api/templates',
      headers: bearer(designer.token),
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await call(app, { method: 'GET', url: '/api/templates' })).status).toBe(401);
  });
});

describe('GET /api/templates/:id', () => {
  it('previews the types with their form fields and flow, and the teams, roles and calendars needed', async () => {
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/templates/manufacturing',
      ...asAdmin(),
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 'manufacturing',
      version: '1.0.0',
      status: 'not-installed',
      installable: true,
      roles: [],
    });
    expect(body.teams).toContainEqual(expect.objectContaining({ key: 'maintenance', exists: false }));
    const [calendar] = body.calendars as { key: string; name: { en: string }; exists: boolean }[];
    expect(calendar).toMatchObject({ key: 'mfg-two-shift', exists: false });
    expect(calendar?.name.en).toContain('Two-shift');
    const quality = (body.ticketTypes as Record<string, unknown>[]).find(
      (type) => type.key === 'mfg.quality-issue',
    );
    expect(quality).toMatchObject({
      exists: false,
      latestVersion: 0,
      problems: [],
      routingRules: 3,
      slaTargets: 3,
    });
    expect(quality?.flow).toMatchObject({
      byKind: { task: 4, approval: 1, exclusive: 1, notify: 2, start: 1, end: 1 },
    });
    const fields = (quality?.sections as { fields: Record<string, unknown>[] }[]).flatMap(
      (section) => section.fields,
    );
    expect(fields).toContainEqual(
      expect.objectContaining({ field: 'batchNo', widget: 'text', required: true, requiredWhen: false }),
    );
    expect(fields).toContainEqual(
      expect.objectContaining({ field: 'supplier', required: false, requiredWhen: true, visibleWhen: true }),
    );
  });

  it('answers 404 as problem+json for a pack that does not exist', async () => {
    const { status, body, response } = await call(app, {
      method: 'GET',
      url: '/api/templates/nothing-here',
      ...asAdmin(),
    });
    expect(status).toBe(404);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((body.text as { en: string }).en).toContain('nothing-here');
    expect((await call(app, { method: 'GET', url: '/api/templates/..%2F..', ...asAdmin() })).status).toBe(
      400,
    );
  });
});

describe('POST /api/templates/:id/install', () => {
  let ticketId: string;

  it('creates the missing teams with no members and publishes every type; a requester can open a ticket', async () => {
    const { status, body } = await install('it-service-desk');
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({
      id: 'it-service-desk',
      version: '1.0.0',
      alreadyInstalled: false,
      published: true,
    });
    expect((body.teams as { created: string[] }).created.sort()).toEqual([
      'it-cab',
      'it-desk',
      'it-ops',
      'it-security',
    ]);
    expect(
      (body.ticketTypes as { key: string; action: string; version: number }[]).map((type) => [
        type.key,
        type.action,
        type.version,
      ]),
    ).toEqual([
      ['it.incident', 'created', 1],
      ['it.account-request', 'created', 1],
      ['it.permission-change', 'created', 1],
    ]);
    const team = await call(app, { method: 'GET', url: '/api/teams/it-desk', ...asAdmin() });
    expect(team.body).toMatchObject({ key: 'it-desk', name: { 'zh-CN': 'IT 服务台' }, members: [] });

    expect(await openableTypes()).toEqual(
      expect.arrayContaining(['it.incident', 'it.account-request', 'it.permission-change']),
    );
    const opened = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: {
        type: 'it.account-request',
        data: {
          title: '开通企业邮箱',
          accountType: 'email',
          forWhom: 'self',
          startDate: '2026-03-10',
          justification: '新入职销售岗位，需要收发客户邮件。',
        },
      },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(opened.body).toMatchObject({ type: 'it.account-request', typeVersion: 1, team: 'it-desk' });
    expect(opened.body.number).toMatch(/^ACC-202603-\d{5}$/);
    ticketId = String(opened.body.id);
  });

  it('answers 200 with alreadyInstalled for the same version, changing nothing', async () => {
    const { status, body } = await install('it-service-desk', {});
    expect(status).toBe(200);
    expect(body).toMatchObject({ alreadyInstalled: true, version: '1.0.0' });
    expect(await versionsOf('it.incident')).toEqual([1]);
    expect(
      await app.db.collection(TEMPLATE_INSTALLS_COLLECTION).countDocuments({ packId: 'it-service-desk' }),
    ).toBe(1);
    const { body: list } = await call(app, { method: 'GET', url: '/api/templates', ...asAdmin() });
    expect(
      (list.items as Record<string, unknown>[]).find((item) => item.id === 'it-service-desk'),
    ).toMatchObject({
      status: 'installed',
      installedVersion: '1.0.0',
    });
  });

  it('upgrades to a newer pack version: changed types get a new version, running tickets keep theirs', async () => {
    await setVersion('it-service-desk', '1.1.0');
    await editJson('it-service-desk/incident.ticket-type.json', (type) => {
      (type.description as Record<string, string>).en += ' Now with monitoring alerts.';
    });
    const { body: list } = await call(app, { method: 'GET', url: '/api/templates', ...asAdmin() });
    expect(
      (list.items as Record<string, unknown>[]).find((item) => item.id === 'it-service-desk'),
    ).toMatchObject({
      status: 'upgrade-available',
      version: '1.1.0',
      installedVersion: '1.0.0',
    });

    const { status, body } = await install('it-service-desk');
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ upgraded: true, previousVersion: '1.0.0', version: '1.1.0' });
    const actions = Object.fromEntries(
      (body.ticketTypes as { key: string; action: string; version: number }[]).map((type) => [
        type.key,
        [type.action, type.version],
      ]),
    );
    expect(actions).toEqual({
      'it.incident': ['updated', 2],
      'it.account-request': ['unchanged', 1],
      'it.permission-change': ['unchanged', 1],
    });
    expect((body.teams as { created: string[] }).created).toEqual([]);
    const ticket = await call(app, { method: 'GET', url: `/api/tickets/${ticketId}`, ...asAdmin() });
    expect(ticket.body.typeVersion).toBe(1);
  });

  it('does not replace a draft edited since the install unless told to overwrite', async () => {
    const draft = await call(app, {
      method: 'GET',
      url: '/api/ticket-types/it.permission-change',
      headers: bearer(designer.token),
    });
    const definition = draft.body.definition as Record<string, unknown>;
    const saved = await call(app, {
      method: 'PUT',
      url: '/api/ticket-types/it.permission-change/draft',
      headers: bearer(designer.token),
      payload: {
        draftRevision: draft.body.draftRevision,
        definition: { ...definition, numberFormat: 'PERM-{seq:6}' },
      },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    await setVersion('it-service-desk', '1.2.0');

    const refused = await install('it-service-desk');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      field: 'body.overwrite',
      conflicts: [{ key: 'it.permission-change', reason: 'modified' }],
    });
    expect((refused.body.text as { 'zh-CN': string })['zh-CN']).toContain('it.permission-change');
    expect(await versionsOf('it.permission-change')).toEqual([1]);

    const forced = await install('it-service-desk', { overwrite: true });
    expect(forced.status).toBe(201);
    expect(
      (forced.body.ticketTypes as { key: string; action: string }[]).find(
        (type) => type.key === 'it.permission-change',
      ),
    ).toMatchObject({
      action: 'updated',
      version: 1,
    });
  });

  it('refuses to go back to an older version', async () => {
    await setVersion('it-service-desk', '1.0.0');
    const { status, body } = await install('it-service-desk');
    expect(status).toBe(409);
    expect(body).toMatchObject({ field: 'params.id', installedVersion: '1.2.0', availableVersion: '1.0.0' });
    await setVersion('it-service-desk', '1.2.0');
  });

  it('refuses with 422 naming the missing teams when told not to create them, writing nothing', async () => {
    const { status, body } = await install('manufacturing', { createTeams: false });
    expect(status).toBe(422);
    expect(body).toMatchObject({ field: 'body.createTeams' });
    expect((body.missingTeams as string[]).sort()).toEqual([
      'maintenance',
      'mfg-engineering',
      'production',
      'quality',
    ]);
    const type = await call(app, { method: 'GET', url: '/api/ticket-types/mfg.quality-issue', ...asAdmin() });
    expect(type.status).toBe(404);
  });

  it('installs drafts only when asked, and publishes them on a later install of the same version', async () => {
    const drafts = await install('project', { publish: false });
    expect(drafts.status).toBe(201);
    expect(drafts.body).toMatchObject({
      published: false,
      ticketTypes: [{ key: 'project.task', action: 'created', version: null }],
    });
    expect(await openableTypes()).not.toContain('project.task');

    const published = await install('project');
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({
      published: true,
      ticketTypes: [{ key: 'project.task', version: 1 }],
    });
    expect((await install('project')).body).toMatchObject({ alreadyInstalled: true });
  });

  it('creates the calendars a pack ships and validates the body', async () => {
    const { status, body } = await install('manufacturing');
    expect(status, JSON.stringify(body)).toBe(201);
    expect(body.calendars).toEqual({ created: ['mfg-two-shift'], existing: [] });
    const calendar = await call(app, { method: 'GET', url: '/api/calendars/mfg-two-shift', ...asAdmin() });
    expect(calendar.status).toBe(200);

    const bad = await install('hr', { createTeams: 'yes please' });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toMatch(/createTeams/);
    const unknown = await install('hr', { force: true });
    expect(unknown.status).toBe(400);
  });

  it('answers 422 with the problems of a broken pack, and lists it as invalid', async () => {
    await mkdir(path.join(packsDir, 'broken'), { recursive: true });
    await writeFile(
      path.join(packsDir, 'broken', 'pack.json'),
      JSON.stringify({
        id: 'broken',
        version: '0.1.0',
        name: { 'zh-CN': '坏包', en: 'Broken' },
        description: { 'zh-CN': '缺文件', en: 'A file is missing' },
        category: 'demo',
        ticketTypes: ['gone.ticket-type.json'],
        teams: [],
        roles: [],
      }),
    );
    const { status, body } = await install('broken');
    expect(status).toBe(422);
    expect(body.problems).toEqual([
      expect.objectContaining({ code: 'pack.fileMissing', path: '/ticketTypes/0' }),
    ]);
    expect((body.text as { 'zh-CN': string })['zh-CN']).toContain('模板包缺少文件“gone.ticket-type.json”');
    const { body: list } = await call(app, { method: 'GET', url: '/api/templates', ...asAdmin() });
    expect((list.items as Record<string, unknown>[]).find((item) => item.id === 'broken')).toMatchObject({
      status: 'invalid',
      problems: [expect.objectContaining({ code: 'pack.fileMissing' })],
    });
    await rm(path.join(packsDir, 'broken'), { recursive: true, force: true });
  });

  it('records two simultaneous installs of the same version once, each type published once', async () => {
    const answers = await Promise.all([install('administration'), install('administration')]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 201]);
    expect(answers.find((answer) => answer.status === 200)?.body).toMatchObject({ alreadyInstalled: true });
    for (const key of [
      'admin.office-supplies',
      'admin.meeting-room',
      'admin.travel-expense',
      'admin.seal-use',
    ]) {
      expect(await versionsOf(key), key).toEqual([1]);
    }
    expect(await app.db.collection('teams').countDocuments({ key: 'seal-committee' })).toBe(1);
  });

  it('is for admins only', async () => {
    const { status } = await call(app, {
      method: 'POST',
      url: '/api/templates/hr/install',
      headers: bearer(designer.token),
      payload: {},
    });
    expect(status).toBe(403);
  });
});

describe('DELETE /api/templates/:id', () => {
  it('is refused while tickets of the pack’s types exist, naming them', async () => {
    const { status, body } = await call(app, {
      method: 'DELETE',
      url: '/api/templates/it-service-desk',
      ...asAdmin(),
    });
    expect(status).toBe(409);
    expect(body).toMatchObject({ field: 'params.id', tickets: [{ type: 'it.account-request', count: 1 }] });
    expect(String(body.detail)).toContain('it.account-request (1)');
    const still = await call(app, {
      method: 'GET',
      url: '/api/ticket-types/it.account-request',
      ...asAdmin(),
    });
    expect(still.status).toBe(200);
  });

  it('hides the types of an unused pack, keeps their versions, and allows installing it again', async () => {
    const { status, body } = await call(app, {
      method: 'DELETE',
      url: '/api/templates/project',
      ...asAdmin(),
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({
      id: 'project',
      version: '1.0.0',
      removedTypes: ['project.task'],
      keptTeams: ['pmo'],
    });
    expect(
      (await call(app, { method: 'GET', url: '/api/ticket-types/project.task', ...asAdmin() })).status,
    ).toBe(404);
    expect(
      await app.db.collection(TICKET_TYPE_VERSIONS_COLLECTION).countDocuments({ key: 'project.task' }),
    ).toBe(1);
    expect(await app.db.collection(TEMPLATE_REMOVALS_COLLECTION).countDocuments({ packId: 'project' })).toBe(
      1,
    );
    const refused = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: { type: 'project.task', data: {} },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.field).toBe('body.type');
    const { body: list } = await call(app, { method: 'GET', url: '/api/templates', ...asAdmin() });
    expect((list.items as Record<string, unknown>[]).find((item) => item.id === 'project')).toMatchObject({
      status: 'not-installed',
    });

    const again = await install('project');
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.ticketTypes).toEqual([
      expect.objectContaining({ key: 'project.task', action: 'created', version: 1 }),
    ]);
    expect(await openableTypes()).toContain('project.task');
  });

  it('answers 404 for a pack that is not installed', async () => {
    const { status, body } = await call(app, { method: 'DELETE', url: '/api/templates/hr', ...asAdmin() });
    expect(status).toBe(404);
    expect((body.text as { 'zh-CN': string })['zh-CN']).toContain('hr');
  });
});

describe('npm run templates:install', () => {
  it('reads its options, refusing a call without a pack', () => {
    expect(
      parseInstallArgs(['hr', '--uri', 'mongodb://127.0.0.1:27017/ordo', '--draft', '--no-create-teams']),
    ).toMatchObject({
      packId: 'hr',
      uri: 'mongodb://127.0.0.1:27017/ordo',
      publish: false,
      createTeams: false,
      overwrite: false,
      list: false,
    });
    expect(parseInstallArgs(['--list', '--dir', '/tmp/packs'])).toMatchObject({
      list: true,
      dir: '/tmp/packs',
    });
    expect(() => parseInstallArgs([])).toThrow(USAGE);
    expect(() => parseInstallArgs(['hr', 'it-service-desk'])).toThrow(/one pack at a time/);
    expect(() => parseInstallArgs(['hr', '--bogus'])).toThrow();
  });

  it('installs a pack into the database as the API does, and says what it did', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const output = { out: (text: string) => lines.push(text), err: (text: string) => errors.push(text) };
    const code = await runTemplatesCommand(app.db, parseInstallArgs(['hr', '--dir', packsDir]), output);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    expect(lines.join('\n')).toContain('hr 1.0.0 installed');
    expect(lines.join('\n')).toMatch(/hr\.leave: created, version 1/);
    const { body } = await call(app, { method: 'GET', url: '/api/templates/hr', ...asAdmin() });
    expect(body).toMatchObject({ status: 'installed', installedVersion: '1.0.0' });

    const failed = await runTemplatesCommand(
      app.db,
      parseInstallArgs(['no-such-pack', '--dir', packsDir]),
      output,
    );
    expect(failed).toBe(1);
    expect(errors.join('\n')).toContain('no-such-pack');
  });

  it('runs from the command line', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(projectRoot(), 'server/templates/install-cli.ts'),
        '--list',
        '--dir',
        packsDir,
        '--uri',
        testDatabaseUri('templates_routes'),
      ],
      { cwd: projectRoot(), timeout: 60_000 },
    );
    expect(stdout).toMatch(/^hr\s+1\.0\.0\s+installed/m);
    expect(stdout).toMatch(/^it-service-desk\s+1\.2\.0\s+installed/m);
  });
});
