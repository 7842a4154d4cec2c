import { describe, expect, it } from 'vitest';
import exampleTicketType from '../definitions/fixtures/it-incident.ticket-type.json' with { type: 'json' };
import { compileValidator } from '../definitions/ajv.js';
import { WIDGET_KINDS, checkForm, formSchema, isValidFieldKey, type FormDefinition } from './index.js';

const itForm = exampleTicketType.form as unknown as FormDefinition;
const label = { 'zh-CN': '字段', en: 'Field' };

function formWith(
  properties: Record<string, unknown>,
  fields: Record<string, unknown>[],
  extra: Partial<FormDefinition> = {},
) {
  return {
    schema: { type: 'object', properties },
    layout: [{ section: 'main', title: label, fields }],
    ...extra,
  } as FormDefinition;
}

describe('field keys', () => {
  it.each([
    ['title', true],
    ['标题', true],
    ['a-b_c', true],
    ['a.b', false],
    ['$where', false],
    ['a$', true],
    ['', false],
    ['__proto__', false],
    ['constructor', false],
    ['prototype', false],
    ['x'.repeat(65), false],
    [42, false],
  ])('%j valid: %s', (key, valid) => {
    expect(isValidFieldKey(key)).toBe(valid);
  });
});

describe('formSchema', () => {
  const validate = compileValidator(formSchema);

  it('accepts the example form and a form using every widget', () => {
    expect(validate(itForm, '/form')).toEqual([]);
    const everyWidget = formWith(
      Object.fromEntries(WIDGET_KINDS.map((widget) => [widget, {}])),
      WIDGET_KINDS.map((widget) => ({
        field: widget,
        widget,
        label,
        help: label,
        placeholder: label,
        default: null,
        visibleWhen: true,
        requiredWhen: { '==': [{ var: 'text' }, 'x'] },
        readOnlyWhen: false,
      })),
      {
        steps: {
          triage: { fields: [], readOnly: ['text'], hidden: ['number'], editable: ['date'], title: label },
        },
      },
    );
    expect(validate(everyWidget, '/form')).toEqual([]);
  });

  it.each([
    {
      name: 'a dotted field key in the layout',
      form: formWith({}, [{ field: 'a.b', widget: 'text', label }]),
      path: '/form/layout/0/fields/0/field',
    },
    {
      name: 'a $ field key in the data schema',
      form: formWith({ $x: {} }, []),
      path: '/form/schema/properties/$x',
    },
    {
      name: 'an unknown widget',
      form: formWith({ a: {} }, [{ field: 'a', widget: 'slider', label }]),
      path: '/form/layout/0/fields/0/widget',
    },
    {
      name: 'a label in one language only',
      form: formWith({ a: {} }, [{ field: 'a', widget: 'text', label: { en: 'A' } }]),
      path: '/form/layout/0/fields/0/label/zh-CN',
    },
    {
      name: 'a rule that is a text',
      form: formWith({ a: {} }, [{ field: 'a', widget: 'text', label, visibleWhen: 'yes' }]),
      path: '/form/layout/0/fields/0/visibleWhen',
    },
    {
      name: 'a currency in lower case',
      form: formWith({ a: {} }, [{ field: 'a', widget: 'money', label, currency: 'cny' }]),
      path: '/form/layout/0/fields/0/currency',
    },
  ])('refuses $name', ({ form, path }) => {
    expect(validate(form, '/form').map((problem) => problem.path)).toContain(path);
  });
});

describe('checkForm', () => {
  it('finds nothing wrong with the example form', () => {
    expect(checkForm(itForm)).toEqual([]);
  });

  it.each<{ name: string; form: FormDefinition; problems: string[][] }>([
    {
      name: 'a layout field missing from the data schema',
      form: formWith({}, [{ field: 'ghost', widget: 'text', label }]),
      problems: [['form.unknownField', '/form/layout/0/fields/0/field']],
    },
    {
      name: 'a field shown twice and a section key used twice',
      form: {
        schema: { type: 'object', properties: { a: {} } },
        layout: [
          { section: 's', title: label, fields: [{ field: 'a', widget: 'text', label }] },
          { section: 's', title: label, fields: [{ field: 'a', widget: 'text', label }] },
        ],
      },
      problems: [
        ['form.duplicateSection', '/form/layout/1/section'],
        ['form.duplicateField', '/form/layout/1/fields/0/field'],
      ],
    },
    {
      name: 'widgets that cannot hold their data type',
      form: formWith(
        { n: { type: 'string' }, m: { type: 'array' }, t: { type: ['string', 'null'] }, free: {} },
        [
          { field: 'n', widget: 'number', label },
          { field: 'm', widget: 'text', label },
          { field: 't', widget: 'textarea', label },
          { field: 'free', widget: 'rating', label },
        ],
      ),
      problems: [
        ['form.widgetMismatch', '/form/layout/0/fields/0/widget'],
        ['form.widgetMismatch', '/form/layout/0/fields/1/widget'],
      ],
    },
    {
      name: 'rules off the allow-list',
      form: {
        schema: { type: 'object', properties: { a: {} } },
        layout: [
          {
            section: 's',
            title: label,
            visibleWhen: { log: 1 },
            fields: [{ field: 'a', widget: 'text', label, readOnlyWhen: { var: '__proto__' } }],
          },
        ],
      },
      problems: [
        ['rule.unknownOperation', '/form/layout/0/visibleWhen/log'],
        ['rule.forbiddenPath', '/form/layout/0/fields/0/readOnlyWhen/var'],
      ],
    },
    {
      name: 'bad keys in the data schema, the layout and table columns',
      form: formWith({ 'a.b': {}, t: { type: 'array' } }, [
        { field: '$bad', widget: 'text', label },
        { field: 't', widget: 'table', label, columns: [{ field: 'x.y', widget: 'text', label }] },
      ]),
      problems: [
        ['form.fieldKey', '/form/schema/properties/a.b'],
        ['form.fieldKey', '/form/layout/0/fields/0/field'],
        ['form.fieldKey', '/form/layout/0/fields/1/columns/0/field'],
      ],
    },
    {
      name: 'step rights naming fields the form does not have; step fields may repeat across steps',
      form: formWith({ a: {}, s: {} }, [{ field: 'a', widget: 'text', label }], {
        steps: {
          one: { fields: [{ field: 's', widget: 'text', label }], readOnly: ['ghost'] },
          two: { fields: [{ field: 's', widget: 'text', label }], hidden: ['s', 'a'], editable: ['nope'] },
        },
      }),
      problems: [
        ['form.unknownStepField', '/form/steps/one/readOnly/0'],
        ['form.unknownStepField', '/form/steps/two/editable/0'],
      ],
    },
  ])('$name', ({ form, problems }) => {
    const found = checkForm(form);
    expect(found.map((problem) => [problem.code, problem.path])).toEqual(problems);
    for (const problem of found) {
      expect(problem.text['zh-CN']).not.toMatch(/\{\w+\}/);
      expect(problem.text.en).not.toMatch(/\{\w+\}/);
    }
  });
});
