import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../common/types.js';
import type { DefinitionRefs } from './references.js';
import { pointerSegments } from './pointer.js';
import { validateTicketType } from './validate-ticket-type.js';

type Definition = Record<string, unknown>;

const fixtureText = readFileSync(new URL('./fixtures/it-incident.ticket-type.json', import.meta.url), 'utf8');
const itIncident = (): Definition => JSON.parse(fixtureText) as Definition;

/** The container and last segment a JSON pointer designates inside `document`. */
function locate(document: unknown, pointer: string): [Record<string, unknown>, string] {
  const segments = pointerSegments(pointer);
  const last = segments.pop() as string;
  let container: unknown = document;
  for (const segment of segments) container = (container as Record<string, unknown>)[segment];
  return [container as Record<string, unknown>, last];
}
const at = (document: unknown, pointer: string): unknown => {
  const [container, key] = locate(document, pointer);
  return container[key];
};
const set = (document: unknown, pointer: string, value: unknown): void => {
  const [container, key] = locate(document, pointer);
  container[key] = value;
};
const remove = (document: unknown, pointer: string): void => {
  const [container, key] = locate(document, pointer);
  if (Array.isArray(container)) container.splice(Number(key), 1);
  else delete container[key];
};
const push = (document: unknown, pointer: string, value: unknown): void => {
  (at(document, pointer) as unknown[]).push(value);
};

const refs: DefinitionRefs = {
  teams: ['it-ops', 'it-desk'],
  roles: ['change-manager'],
  calendars: [],
  users: ['alice'],
};

const summary = (problem: Problem) =>
  [problem.code, problem.path, problem.nodeId ?? problem.edgeId]
    .filter((part) => part !== undefined)
    .join(' ');

describe('validateTicketType', () => {
  it('accepts the IT incident example', () => {
    expect(validateTicketType(itIncident(), refs)).toEqual({ valid: true, problems: [] });
  });

  it('accepts the example with no outside lists at all', () => {
    expect(validateTicketType(itIncident())).toEqual({ valid: true, problems: [] });
  });

  const cases: { name: string; change: (definition: Definition) => void; expected: string[] }[] = [
    {
      name: 'a key with capitals and spaces',
      change: (d) => set(d, '/key', 'IT Incident'),
      expected: ['definition.pattern /key'],
    },
    {
      name: 'a missing English name',
      change: (d) => remove(d, '/name/en'),
      expected: ['definition.required /name/en'],
    },
    {
      name: 'an unknown top-level setting',
      change: (d) => set(d, '/$comment', 'left over'),
      expected: ['definition.additionalProperty /$comment'],
    },
    {
      name: 'a number format without a sequence',
      change: (d) => set(d, '/numberFormat', 'INC-{yyyy}'),
      expected: ['definition.numberFormat.noSequence /numberFormat'],
    },
    {
      name: 'a number format with an unknown placeholder',
      change: (d) => set(d, '/numberFormat', 'INC-{year}-{seq:6}'),
      expected: ['definition.numberFormat.unknownPlaceholder /numberFormat'],
    },
    {
      name: 'an unknown time zone',
      change: (d) => set(d, '/zone', 'Mars/Olympus'),
      expected: ['definition.zone /zone'],
    },
    {
      name: 'a status category left empty and another missing',
      change: (d) => {
        set(d, '/statuses/pending', []);
        remove(d, '/statuses/cancelled');
      },
      expected: [
        'definition.statuses.categoryEmpty /statuses/pending',
        'definition.statuses.categoryEmpty /statuses/cancelled',
      ],
    },
    {
      name: 'a status key used in two categories',
      change: (d) =>
        push(d, '/statuses/closed', { key: 'in-progress', name: { 'zh-CN': '重复', en: 'Again' } }),
      expected: ['definition.statuses.duplicateKey /statuses/closed/1/key'],
    },
    {
      name: 'an unknown status category',
      change: (d) =>
        set(d, '/statuses/waiting', [{ key: 'waiting', name: { 'zh-CN': '等待', en: 'Waiting' } }]),
      expected: ['definition.additionalProperty /statuses/waiting'],
    },
    {
      name: 'field keys with a dot and a dollar',
      change: (d) => {
        set(d, '/form/schema/properties/a.b', { type: 'string' });
        set(d, '/form/schema/properties/$x', { type: 'string' });
      },
      expected: [
        'definition.fieldKey.dot /form/schema/properties/a.b',
        'definition.fieldKey.dollar /form/schema/properties/$x',
      ],
    },
    {
      name: 'a layout field with a dot in its key',
      change: (d) => set(d, '/form/layout/0/fields/0/field', 'ti.tle'),
      expected: ['definition.pattern /form/layout/0/fields/0/field'],
    },
    {
      name: 'a layout field the data schema does not define',
      change: (d) =>
        push(d, '/form/layout/0/fields', {
          field: 'asset',
          widget: 'text',
          label: { 'zh-CN': '资产', en: 'Asset' },
        }),
      expected: ['form.unknownField /form/layout/0/fields/5/field'],
    },
    {
      name: 'a misspelt keyword in the data schema',
      change: (d) => set(d, '/form/schema/properties/title/maxLenght', 10),
      expected: ['definition.dataSchemaUnknownKeyword /form/schema'],
    },
    {
      name: 'a data schema type that does not exist',
      change: (d) => set(d, '/form/schema/properties/title/type', 'text'),
      expected: [
        'form.widgetMismatch /form/layout/0/fields/0/widget',
        'definition.enum /form/schema/properties/title/type',
      ],
    },
    {
      name: 'a form rule reading a field that does not exist',
      change: (d) => set(d, '/form/layout/0/fields/2/visibleWhen', { '==': [{ var: 'servce' }, 'server'] }),
      expected: ['definition.ref.unknownField /form/layout/0/fields/2/visibleWhen/==/0/var'],
    },
    {
      name: 'step field rights for a step that does not exist',
      change: (d) => set(d, '/form/steps', { 'no-such-step': { readOnly: ['title'] } }),
      expected: ['definition.ref.unknownNode /form/steps/no-such-step'],
    },
    {
      name: 'routing to a team that does not exist',
      change: (d) => set(d, '/routing/1/then/team', 'ghost-team'),
      expected: ['definition.ref.unknownTeam /routing/1/then/team'],
    },
    {
      name: 'a routing rule reading a field that does not exist',
      change: (d) => set(d, '/routing/0/when', { in: [{ var: 'data.servce' }, ['server']] }),
      expected: ['definition.ref.unknownField /routing/0/when/in/0/var'],
    },
    {
      name: 'routing without a default rule last',
      change: (d) => remove(d, '/routing/2'),
      expected: ['routing.noDefault /routing/1/when'],
    },
    {
      name: 'routing directly to a person who does not exist',
      change: (d) => set(d, '/routing/2/then', { team: 'it-desk', strategy: 'direct', user: 'bob' }),
      expected: ['definition.ref.unknownUser /routing/2/then/user'],
    },
    {
      name: 'a priority matrix reading a field that does not exist',
      change: (d) => set(d, '/priority/matrix/rows', { var: 'data.impakt' }),
      expected: ['definition.ref.unknownField /priority/matrix/rows/var'],
    },
    {
      name: 'an SLA target on a calendar that does not exist',
      change: (d) => set(d, '/sla/targets/0/calendar', 'ghost-calendar'),
      expected: ['definition.ref.unknownCalendar /sla/targets/0/calendar'],
    },
    {
      name: 'an SLA target with an operation outside the allow-list',
      change: (d) => set(d, '/sla/targets/0/when', { method: [{ var: 'priority' }, 'toString'] }),
      expected: ['rule.unknownOperation /sla/targets/0/when/method'],
    },
    {
      name: 'an SLA escalation to a team that does not exist',
      change: (d) => push(d, '/sla/escalations/2/do', { reassign: { team: 'ghost-team' } }),
      expected: ['definition.ref.unknownTeam /sla/escalations/2/do/2/reassign/team'],
    },
    {
      name: 'a notify step naming a template that does not exist',
      change: (d) => set(d, '/flow/nodes/5/data/template', 'ghost-template'),
      expected: ['definition.ref.unknownTemplate /flow/nodes/5/data/template notify-rejected'],
    },
    {
      name: 'a template with a broken placeholder',
      change: (d) => set(d, '/notifications/change-rejected/subject/en', 'Rejected: {{ticket.number'),
      expected: ['notify.templateInvalid /notifications/change-rejected/subject/en'],
    },
    {
      name: 'a template key with a dot',
      change: (d) => {
        set(d, '/notifications/change.rejected', at(d, '/notifications/change-rejected'));
      },
      expected: ['definition.propertyName /notifications/change.rejected'],
    },
    {
      name: 'an approval role that does not exist',
      change: (d) => set(d, '/flow/nodes/2/data/approvers/role', 'ghost-role'),
      expected: ['definition.ref.unknownRole /flow/nodes/2/data/approvers/role change-approval'],
    },
    {
      name: 'an edge condition reading a field that does not exist',
      change: (d) => set(d, '/flow/edges/4/data/when', { '==': [{ var: 'data.approval' }, 'approved'] }),
      expected: ['definition.ref.unknownField /flow/edges/4/data/when/==/0/var e5'],
    },
    {
      name: 'a task editing a field that does not exist',
      change: (d) => push(d, '/flow/nodes/1/data/editable', 'ghostField'),
      expected: ['definition.ref.unknownField /flow/nodes/1/data/editable/3 triage'],
    },
    {
      name: 'a flow with two starts',
      change: (d) => {
        push(d, '/flow/nodes', { id: 'start2', type: 'start', position: { x: 0, y: 0 }, data: {} });
        push(d, '/flow/edges', { id: 'e10', source: 'start2', target: 'triage' });
      },
      expected: ['flow.start.multiple /flow/nodes/8 start2'],
    },
    {
      name: 'a gateway without its default edge',
      change: (d) => remove(d, '/flow/edges/5/data'),
      expected: [
        'flow.exclusive.noDefault /flow/nodes/3 approved?',
        'flow.exclusive.missingCondition /flow/edges/5 approved?',
      ],
    },
    {
      name: 'a part of the wrong type',
      change: (d) => set(d, '/routing', { rules: [] }),
      expected: ['definition.type /routing'],
    },
    {
      name: 'a missing flow',
      change: (d) => remove(d, '/flow'),
      expected: ['definition.required /flow'],
    },
  ];

  it.each(cases)('reports $name', ({ change, expected }) => {
    const definition = itIncident();
    change(definition);
    const result = validateTicketType(definition, refs);
    expect(result.problems.map(summary)).toEqual(expected);
    expect(result.valid).toBe(false);
  });

  it('checks form fields against the caller’s list when given one', () => {
    const result = validateTicketType(itIncident(), { ...refs, fields: ['title'] });
    expect(result.problems.map(summary)).toContain(
      'definition.ref.unknownField /flow/nodes/1/data/editable/0 triage',
    );
  });

  it('knows the preset calendars even when the caller lists none', () => {
    const definition = itIncident();
    set(definition, '/sla/calendar', 'cn-standard');
    set(definition, '/sla/targets/0/calendar', '24x7');
    expect(validateTicketType(definition, { calendars: [] }).valid).toBe(true);
  });

  it.each([
    ['nothing', undefined, 'definition.notObject'],
    ['a string', 'it.incident', 'definition.notObject'],
    ['a list', [itIncident()], 'definition.notObject'],
    ['NaN', Number.NaN, 'definition.notJson'],
  ])('reports a definition that is %s', (_name, definition, code) => {
    expect(validateTicketType(definition).problems.map((problem) => problem.code)).toEqual([code]);
  });

  it('reports values that cannot be stored instead of checking them', () => {
    const definition = itIncident();
    set(definition, '/sla/warnAt', Number.POSITIVE_INFINITY);
    set(definition, '/form/schema/properties/title/default', () => 'x');
    set(definition, '/flow/nodes/0/data/when', new Date(0));
    push(definition, '/routing', undefined);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    set(definition, '/priority/extra', cyclic);
    expect(validateTicketType(definition).problems.map(summary)).toEqual([
      'definition.notJson /form/schema/properties/title/default',
      'definition.notJson /priority/extra/self',
      'definition.notJson /routing/3',
      'definition.notJson /sla/warnAt',
      'definition.notJson /flow/nodes/0/data/when',
    ]);
  });

  it('reports nesting deeper than any definition needs', () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 150; level += 1) deep = { next: deep };
    const definition = itIncident();
    set(definition, '/form/schema/properties/title/default', deep);
    expect(validateTicketType(definition).problems.map((problem) => problem.code)).toEqual([
      'definition.notJson',
    ]);
  });

  it('never throws and always explains itself, whatever JSON it is given', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = validateTicketType(value, refs);
        expect(result.valid).toBe(result.problems.length === 0);
        expect(result.valid).toBe(false);
        for (const problem of result.problems) {
          expect(typeof problem.code).toBe('string');
          expect(typeof problem.path).toBe('string');
          expect(problem.text['zh-CN'].length).toBeGreaterThan(0);
          expect(problem.text.en.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws when any one part of a valid definition is replaced by arbitrary JSON', () => {
    const parts = [
      'key',
      'name',
      'numberFormat',
      'statuses',
      'form',
      'flow',
      'routing',
      'priority',
      'sla',
      'notifications',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...parts), fc.jsonValue({ maxDepth: 4 }), (part, value) => {
        const definition = itIncident();
        definition[part] = value;
        const result = validateTicketType(definition, refs);
        expect(result.valid).toBe(result.problems.length === 0);
        for (const problem of result.problems) expect(problem.text.en.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws when a node or an edge of the flow is replaced by arbitrary JSON', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('nodes', 'edges'),
        fc.nat({ max: 8 }),
        fc.jsonValue({ maxDepth: 3 }),
        (list, index, value) => {
          const definition = itIncident();
          set(definition, `/flow/${list}/${index}`, value);
          const result = validateTicketType(definition, refs);
          expect(result.valid).toBe(result.problems.length === 0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
