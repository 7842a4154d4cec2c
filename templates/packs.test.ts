import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalizedText } from '../runtime/common/types.js';
import { validateTicketType } from '../runtime/definitions/index.js';
import { decide, type EngineDefinition, type TeamState, type TicketState } from '../runtime/engine/index.js';
import { evaluateForm, type FormDefinition } from '../runtime/form/index.js';
import { renderNotification, type NotificationTemplate } from '../runtime/notify/index.js';
import {
  ALWAYS_OPEN_CALENDAR,
  CN_STANDARD_CALENDAR,
  calendarSchema,
  checkCalendar,
  compileCalendar,
  type BusinessCalendar,
  type BusinessCalendarDefinition,
} from '../runtime/time/index.js';
import { compileValidator } from '../runtime/definitions/index.js';
import { loadPack, loadPacks, type LoadedPack, type PackSample, type PackTicketType } from './pack-loader.js';
import { checkPackManifest } from './pack.schema.js';

const TEMPLATES_DIR = path.dirname(fileURLToPath(import.meta.url));
/** Wednesday 2026-03-04 09:30 in Shanghai: working time on the CN calendar. */
const NOW = Date.parse('2026-03-04T09:30:00+08:00');
const EXPECTED_PACKS = [
  'administration',
  'customer-service',
  'hr',
  'it-service-desk',
  'manufacturing',
  'project',
];

let packs: LoadedPack[] = [];

beforeAll(async () => {
  const results = await loadPacks(TEMPLATES_DIR);
  const broken = results.filter((result) => !result.ok);
  expect(
    broken.map((result) => (result.ok ? '' : `${result.id}: ${JSON.stringify(result.problems)}`)),
  ).toEqual([]);
  packs = results.flatMap((result) => (result.ok ? [result.pack] : []));
});

const allTypes = (): { pack: LoadedPack; type: PackTicketType }[] =>
  packs.flatMap((pack) => pack.ticketTypes.map((type) => ({ pack, type })));

const validateCalendarShape = compileValidator(calendarSchema);

function calendarsOf(pack: LoadedPack): Record<string, BusinessCalendar> {
  const calendars: Record<string, BusinessCalendar> = {
    'cn-standard': CN_STANDARD_CALENDAR,
    '24x7': ALWAYS_OPEN_CALENDAR,
  };
  for (const calendar of pack.calendars) {
    calendars[calendar.key] = compileCalendar(calendar.definition as unknown as BusinessCalendarDefinition);
  }
  return calendars;
}

/** Every suggested team with one member, so routing and assignment have someone to pick. */
function teamsOf(pack: LoadedPack): Record<string, TeamState> {
  return Object.fromEntries(
    pack.manifest.teams.map((team) => [
      team.key,
      {
        key: team.key,
        members: [{ userId: `u-${team.key}`, openTickets: 0 }],
        cursor: 0,
        supervisor: 'u-sup',
      },
    ]),
  );
}

function openSample(pack: LoadedPack, type: PackTicketType, sample: PackSample, index: number) {
  const definition = { ...type.definition, version: 1 } as unknown as EngineDefinition;
  return decide(
    definition,
    undefined,
    {
      command: 'open',
      id: `T-${index}`,
      number: `${type.key.toUpperCase()}-${index}`,
      data: sample.data,
      requester: { id: 'u-req', name: '周敏', manager: 'u-mgr', department: 'sales', ...sample.requester },
      channel: sample.channel ?? 'web',
    },
    {
      now: NOW,
      actor: { id: 'u-req', roles: [], teams: [], kind: 'requester' },
      calendars: calendarsOf(pack),
      teams: teamsOf(pack),
    },
  );
}

function fieldLabels(form: FormDefinition): Record<string, LocalizedText> {
  const labels: Record<string, LocalizedText> = {};
  for (const section of form.layout) for (const field of section.fields) labels[field.field] = field.label;
  return labels;
}

/** What the notification service gives a template (server/notifications/notification-context.ts). */
function notificationContext(state: TicketState, type: PackTicketType, locale: 'zh-CN' | 'en') {
  const name = type.definition.name as LocalizedText;
  return {
    ticket: {
      id: state.id,
      number: state.number,
      title: typeof state.data.title === 'string' ? state.data.title : state.number,
      type: state.typeKey,
      typeName: name[locale],
      status: state.status,
      statusName: state.status.key,
      priority: state.priority,
      priorityKey: state.priority,
      requesterName: '周敏',
      assigneeName: 'Li Lei',
      team: state.team ?? '',
      data: state.data,
      url: `https://ordo.example.com/tickets/${state.id}`,
      createdAt: new Date(state.createdAt).toISOString(),
    },
    recipient: { name: 'Wang Fang', locale },
    actor: { name: 'Li Lei' },
    comment: { body: 'Looking at it <now>', visibility: 'public' },
    link: { url: 'https://ordo.example.com/p/abc', expiresAt: '2026-03-11T09:30:00.000Z' },
    step: { id: 'step', name: 'Step' },
    sla: { clock: 'resolution', dueAt: '2026-03-05T09:30:00.000Z' },
    details: {},
  };
}

describe('scenario packs on disk', () => {
  it('ships the packs users expect, each loading without problems', () => {
    expect(packs.map((pack) => pack.manifest.id).sort()).toEqual(EXPECTED_PACKS);
  });

  it('has manifests that match the pack schema, with every listed file present', () => {
    for (const pack of packs) {
      expect(checkPackManifest(pack.manifest), pack.manifest.id).toEqual([]);
      expect(pack.ticketTypes.map((type) => type.file)).toEqual(pack.manifest.ticketTypes);
      expect(pack.calendars.map((calendar) => calendar.file)).toEqual(pack.manifest.calendars ?? []);
    }
  });

  it('uses ticket type keys that are unique across packs and start with a prefix of their category', () => {
    const keys = allTypes().map(({ type }) => type.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const { pack, type } of allTypes()) {
      expect(type.definition.category, type.key).toBe(pack.manifest.category);
    }
  });

  it('names a team shared by several packs the same way in each', () => {
    const names = new Map<string, LocalizedText>();
    for (const pack of packs) {
      for (const team of pack.manifest.teams) {
        const known = names.get(team.key);
        if (known) expect(team.name, `${pack.manifest.id}: ${team.key}`).toEqual(known);
        else names.set(team.key, team.name);
      }
    }
  });

  it('ships valid calendars', () => {
    for (const pack of packs) {
      for (const calendar of pack.calendars) {
        expect(validateCalendarShape(calendar.definition), calendar.file).toEqual([]);
        expect(checkCalendar(calendar.definition as unknown as BusinessCalendarDefinition)).toEqual([]);
      }
    }
  });

  it('reuses the IT incident example form as it is', async () => {
    const fixture = JSON.parse(
      await readFile(
        path.join(TEMPLATES_DIR, '../runtime/definitions/fixtures/it-incident.ticket-type.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    const incident = allTypes().find(({ type }) => type.key === 'it.incident');
    expect(incident?.type.definition.form).toEqual(fixture.form);
    expect(incident?.type.definition.priority).toEqual(fixture.priority);
  });
});

describe('every ticket type of every pack', () => {
  it('passes validateTicketType with the pack’s teams, roles and calendars and no problem at all', () => {
    for (const { pack, type } of allTypes()) {
      const result = validateTicketType(type.definition, {
        teams: pack.manifest.teams.map((team) => team.key),
        roles: pack.manifest.roles,
        calendars: pack.calendars.map((calendar) => calendar.key),
        ticketTypes: allTypes().map((entry) => entry.type.key),
      });
      expect(
        result.problems.map((problem) => `${problem.path} ${problem.text.en}`),
        type.key,
      ).toEqual([]);
      expect(result.valid).toBe(true);
    }
  });

  it('refers only to teams the manifest suggests, and the manifest suggests no team it does not use', () => {
    for (const pack of packs) {
      const used = new Set<string>();
      for (const type of pack.ticketTypes) {
        JSON.stringify(type.definition, (key, value: unknown) => {
          if (key === 'team' && typeof value === 'string') used.add(value);
          return value;
        });
      }
      expect([...used].sort(), pack.manifest.id).toEqual(pack.manifest.teams.map((team) => team.key).sort());
    }
  });

  it('has a real form, routing with a default, priority, an SLA policy and notification templates', () => {
    for (const { type } of allTypes()) {
      const definition = type.definition as Record<string, unknown> & {
        form: FormDefinition;
        routing: { when: unknown }[];
        notifications: Record<string, unknown>;
      };
      const fields = definition.form.layout.flatMap((section) => section.fields);
      expect(definition.form.layout.length, type.key).toBeGreaterThanOrEqual(2);
      expect(
        fields.some((field) => field.visibleWhen !== undefined),
        type.key,
      ).toBe(true);
      expect(
        fields.some((field) => field.requiredWhen !== undefined),
        type.key,
      ).toBe(true);
      expect(definition.routing.at(-1)?.when).toBe(true);
      expect(definition.priority, type.key).toBeDefined();
      expect(definition.sla, type.key).toBeDefined();
      expect(Object.keys(definition.notifications).length, type.key).toBeGreaterThan(0);
    }
  });

  it('has at least two samples, each accepted by its form as it is', () => {
    for (const { type } of allTypes()) {
      expect(type.samples.length, type.key).toBeGreaterThanOrEqual(2);
      for (const sample of type.samples) {
        const evaluation = evaluateForm(type.definition.form as FormDefinition, sample.data, {
          env: { now: NOW },
        });
        expect(
          evaluation.errors.map((error) => `${error.path} ${error.text.en}`),
          `${type.key}: ${sample.title}`,
        ).toEqual([]);
        expect(evaluation.problems, `${type.key}: ${sample.title}`).toEqual([]);
        expect(evaluation.dropped, `${type.key}: ${sample.title}`).toEqual([]);
      }
    }
  });

  it('opens every sample through the engine, routed, prioritised and waiting where expected', () => {
    let index = 0;
    for (const { pack, type } of allTypes()) {
      for (const sample of type.samples) {
        index += 1;
        const label = `${type.key}: ${sample.title}`;
        const result = openSample(pack, type, sample, index);
        if (!result.ok) throw new Error(`${label} refused: ${result.error.code} ${result.error.message.en}`);
        const { state, events } = result;
        expect(state.tokens.length, label).toBeGreaterThan(0);
        const failures = events.filter((event) => /failed|unresolved/.test(event.type));
        expect(
          failures.map((event) => `${event.type} ${JSON.stringify(event.data)}`),
          label,
        ).toEqual([]);
        expect(state.sla, label).toBeDefined();
        if (sample.expect?.priority) expect(state.priority, label).toBe(sample.expect.priority);
        if (sample.expect?.team) expect(state.team, label).toBe(sample.expect.team);
        if (sample.expect?.at)
          expect(state.tokens.map((token) => token.nodeId).sort(), label).toEqual(sample.expect.at);
      }
    }
  });

  it('renders every notification template in both languages with no fallback', () => {
    for (const { pack, type } of allTypes()) {
      const sample = type.samples[0];
      if (!sample) throw new Error(`${type.key} has no sample`);
      const opened = openSample(pack, type, sample, 0);
      if (!opened.ok) throw new Error(`${type.key}: ${opened.error.code}`);
      const form = type.definition.form as FormDefinition;
      const templates = type.definition.notifications as Record<string, NotificationTemplate>;
      for (const [key, template] of Object.entries(templates)) {
        // Each language's text is written in that language (data values aside).
        expect(template.subject.en + template.body.en, `${type.key} ${key}`).not.toMatch(/\p{Script=Han}/u);
        expect(template.subject['zh-CN'] + template.body['zh-CN'], `${type.key} ${key}`).toMatch(
          /\p{Script=Han}/u,
        );
        for (const locale of ['zh-CN', 'en'] as const) {
          const rendered = renderNotification(template, notificationContext(opened.state, type, locale), {
            locale,
            zone: 'Asia/Shanghai',
            fields: fieldLabels(form),
            templateKey: key,
          });
          const label = `${type.key} ${key} ${locale}`;
          expect(rendered.problems, label).toEqual([]);
          expect(rendered.fallback, label).toBe(false);
          expect(rendered.subject.length, label).toBeGreaterThan(0);
          expect(rendered.subject, label).toContain(opened.state.number);
          expect(rendered.body, label).not.toMatch(/\{\{|\}\}/);
        }
      }
    }
  });
});

describe('pack manifest and loader problems', () => {
  let scratch: string;
  const manifest = {
    id: 'demo',
    version: '1.0.0',
    name: { 'zh-CN': '演示', en: 'Demo' },
    description: { 'zh-CN': '演示包', en: 'A demo pack' },
    category: 'demo',
    ticketTypes: ['demo.ticket-type.json'],
    teams: [{ key: 'desk', name: { 'zh-CN': '服务台', en: 'Desk' } }],
    roles: [],
  };

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'ordo-packs-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  async function writePack(folder: string, files: Record<string, unknown>): Promise<string> {
    const dir = path.join(scratch, folder);
    await mkdir(dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      await writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    }
    return dir;
  }

  it.each([
    ['a version that is not semver', { version: '1.0' }, '/version'],
    ['an id with capitals', { id: 'Demo' }, '/id'],
    ['no ticket types', { ticketTypes: [] }, '/ticketTypes'],
    ['a file that is not a ticket type file', { ticketTypes: ['demo.json'] }, '/ticketTypes/0'],
    [
      'a team key with a dot',
      { teams: [{ key: 'it.desk', name: { 'zh-CN': 'x', en: 'x' } }] },
      '/teams/0/key',
    ],
    ['an unknown property', { author: 'me' }, '/author'],
    [
      'a team listed twice',
      {
        teams: [
          { key: 'desk', name: { 'zh-CN': 'a', en: 'a' } },
          { key: 'desk', name: { 'zh-CN': 'b', en: 'b' } },
        ],
      },
      '/teams/1/key',
    ],
  ])('refuses a manifest with %s, naming where', (_case, change, pointer) => {
    const problems = checkPackManifest({ ...manifest, ...change });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map((problem) => problem.path)).toContain(pointer);
    for (const problem of problems) {
      expect(problem.text['zh-CN'].length).toBeGreaterThan(0);
      expect(problem.text.en.length).toBeGreaterThan(0);
    }
  });

  it('reports a missing file, a folder that does not match the id, and broken JSON', async () => {
    const missing = await loadPack(
      await writePack('missing', { 'pack.json': { ...manifest, id: 'missing' } }),
    );
    expect(missing.ok ? [] : missing.problems.map((problem) => problem.code)).toEqual(['pack.fileMissing']);

    const mismatch = await loadPack(
      await writePack('other-folder', {
        'pack.json': manifest,
        'demo.ticket-type.json': { key: 'demo.one' },
      }),
    );
    expect(mismatch.ok ? [] : mismatch.problems.map((problem) => problem.code)).toEqual(['pack.idMismatch']);

    const broken = await loadPack(
      await writePack('broken', {
        'pack.json': { ...manifest, id: 'broken' },
        'demo.ticket-type.json': '{ "key": ',
        'demo.samples.json': { not: 'a list' },
      }),
    );
    expect(broken.ok ? [] : broken.problems.map((problem) => problem.code)).toEqual(['pack.notJson']);

    const badSamples = await loadPack(
      await writePack('bad-samples', {
        'pack.json': { ...manifest, id: 'bad-samples' },
        'demo.ticket-type.json': { key: 'demo.one' },
        'demo.samples.json': [{ title: 'no data' }],
      }),
    );
    expect(badSamples.ok ? [] : badSamples.problems.map((problem) => problem.code)).toEqual([
      'pack.badSamples',
    ]);
  });

  it('loads a minimal pack and skips folders without a manifest', async () => {
    await writePack('demo', { 'pack.json': manifest, 'demo.ticket-type.json': { key: 'demo.one' } });
    await mkdir(path.join(scratch, 'not-a-pack'), { recursive: true });
    const results = await loadPacks(scratch);
    const demo = results.find((result) => result.ok && result.pack.manifest.id === 'demo');
    expect(demo?.ok && demo.pack.ticketTypes.map((type) => [type.key, type.samples])).toEqual([
      ['demo.one', []],
    ]);
    expect(results.some((result) => !result.ok && result.id === 'not-a-pack')).toBe(false);
    expect(await loadPacks(path.join(scratch, 'nowhere'))).toEqual([]);
  });
});
