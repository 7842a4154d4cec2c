import { describe, expect, it } from 'vitest';
import { checkForm } from '../../../../runtime/form/form.schema';
import type { FormDefinition } from '../../../../runtime/form/form.types';
import {
  PALETTE_KINDS,
  addField,
  addSection,
  allFields,
  changeWidget,
  ensureForm,
  formRuleVariables,
  isGeneratedKey,
  keyFromLabel,
  keyProblem,
  moveField,
  moveSection,
  nudgeField,
  parseFormPointer,
  propertiesOf,
  removeField,
  removeSection,
  renameField,
  requiredOf,
  setRequired,
  syncProperty,
} from './form-model';
import { WIDGET_KINDS } from '../../../../runtime/form/form.types';

const blank = (): FormDefinition => ({
  schema: { type: 'object', properties: {}, required: [] },
  layout: [],
});

/** Layout keys and schema keys are the same set, required names only fields, and the runtime finds nothing wrong. */
function expectConsistent(form: FormDefinition): void {
  const layoutKeys = allFields(form).map((entry) => entry.field.field);
  expect(new Set(layoutKeys).size).toBe(layoutKeys.length);
  expect(Object.keys(propertiesOf(form)).sort()).toEqual([...layoutKeys].sort());
  for (const key of requiredOf(form)) expect(layoutKeys).toContain(key);
  expect(checkForm(form)).toEqual([]);
}

const keys = (form: FormDefinition) =>
  form.layout.map((section) => section.fields.map((field) => field.field));

describe('form model', () => {
  it('offers every widget of the runtime and a section', () => {
    expect(PALETTE_KINDS).toEqual([...WIDGET_KINDS, 'section']);
  });

  it('adds a field of every kind with a data property of the right JSON type', () => {
    const form = blank();
    for (const kind of WIDGET_KINDS) addField(form, kind);
    expect(form.layout).toHaveLength(1);
    expectConsistent(form);
    const types = Object.fromEntries(
      allFields(form).map(({ field }) => [field.widget, propertiesOf(form)[field.field]!.type]),
    );
    expect(types).toEqual({
      text: 'string',
      textarea: 'string',
      number: 'number',
      money: 'number',
      date: 'string',
      datetime: 'string',
      daterange: 'array',
      select: 'string',
      multiselect: 'array',
      radio: 'string',
      checkbox: 'boolean',
      user: 'string',
      team: 'string',
      attachment: 'string',
      rating: 'integer',
      table: 'array',
      record: 'string',
    });
    const select = allFields(form).find((entry) => entry.field.widget === 'select')!.field;
    expect(propertiesOf(form)[select.field]!.enum).toEqual(['option1', 'option2']);
  });

  it('makes a section when a field is added to an empty form, and keys fields field_1, field_2…', () => {
    const form = blank();
    const first = addField(form, 'text');
    const second = addField(form, 'number', 0, 0);
    expect(first.key).toBe('field_1');
    expect(second).toEqual({ key: 'field_2', location: { section: 0, index: 0 } });
    expect(keys(form)).toEqual([['field_2', 'field_1']]);
    expect(form.layout[0]!.section).toBe('section_1');
    expectConsistent(form);
  });

  it('moves fields within and across sections without touching the data schema', () => {
    const form = blank();
    addField(form, 'text');
    addField(form, 'text');
    addSection(form);
    addField(form, 'number', 1);
    const schemaBefore = JSON.stringify(form.schema);
    expect(moveField(form, { section: 0, index: 0 }, { section: 1, index: 1 })).toEqual({
      section: 1,
      index: 1,
    });
    expect(keys(form)).toEqual([['field_2'], ['field_3', 'field_1']]);
    expect(nudgeField(form, { section: 1, index: 0 }, -1)).toEqual({ section: 0, index: 1 });
    expect(keys(form)).toEqual([['field_2', 'field_3'], ['field_1']]);
    expect(nudgeField(form, { section: 0, index: 0 }, -1)).toBeUndefined();
    expect(nudgeField(form, { section: 0, index: 1 }, 1)).toEqual({ section: 1, index: 0 });
    expect(keys(form)).toEqual([['field_2'], ['field_3', 'field_1']]);
    expect(moveSection(form, 1, 0)).toBe(0);
    expect(keys(form)).toEqual([['field_3', 'field_1'], ['field_2']]);
    expect(JSON.stringify(form.schema)).toBe(schemaBefore);
    expectConsistent(form);
  });

  it('deletes a field with its property and required mark; a section with all of its fields', () => {
    const form = blank();
    addField(form, 'text');
    addField(form, 'text');
    setRequired(form, 'field_1', true);
    setRequired(form, 'field_2', true);
    addSection(form);
    addField(form, 'date', 1);
    setRequired(form, 'field_3', true);
    removeField(form, { section: 0, index: 0 });
    expect(requiredOf(form)).toEqual(['field_2', 'field_3']);
    expectConsistent(form);
    removeSection(form, 1);
    expect(requiredOf(form)).toEqual(['field_2']);
    expect(Object.keys(propertiesOf(form))).toEqual(['field_2']);
    expectConsistent(form);
    setRequired(form, 'field_2', false);
    expect(requiredOf(form)).toEqual([]);
  });

  it('derives keys from the English label, unique, else field_N', () => {
    const taken = new Set(['hostName']);
    expect(keyFromLabel('Host name', taken)).toBe('hostName2');
    expect(keyFromLabel('Impact on business', new Set())).toBe('impactOnBusiness');
    expect(keyFromLabel('  2nd phone #', new Set())).toBe('f2ndPhone');
    expect(keyFromLabel('Café', new Set())).toBe('cafe');
    expect(keyFromLabel('主机名', new Set(['field_1']))).toBe('field_2');
  });

  it('checks keys: empty, invalid for storage, taken', () => {
    const form = blank();
    addField(form, 'text');
    addField(form, 'text');
    expect(keyProblem(form, '', 'field_1')).toBe('empty');
    expect(keyProblem(form, 'a.b', 'field_1')).toBe('invalid');
    expect(keyProblem(form, '$set', 'field_1')).toBe('invalid');
    expect(keyProblem(form, 'has space', 'field_1')).toBe('invalid');
    expect(keyProblem(form, 'field_2', 'field_1')).toBe('taken');
    expect(keyProblem(form, 'field_1', 'field_1')).toBeUndefined();
    expect(keyProblem(form, 'hostName', 'field_1')).toBeUndefined();
  });

  it('renames a field everywhere the form names it: property, required, conditions', () => {
    const form = blank();
    addField(form, 'select');
    addField(form, 'text');
    setRequired(form, 'field_1', true);
    form.layout[0]!.fields[1]!.visibleWhen = { '==': [{ var: 'field_1' }, 'option1'] };
    form.layout[0]!.fields[1]!.requiredWhen = { in: [{ var: ['field_1.x', null] }, ['a']] };
    expect(renameField(form, 'field_1', 'service')).toBe(true);
    expect(Object.keys(propertiesOf(form))).toEqual(['service', 'field_2']);
    expect(requiredOf(form)).toEqual(['service']);
    expect(form.layout[0]!.fields[1]!.visibleWhen).toEqual({ '==': [{ var: 'service' }, 'option1'] });
    expect(form.layout[0]!.fields[1]!.requiredWhen).toEqual({ in: [{ var: ['service.x', null] }, ['a']] });
    expect(renameField(form, 'service', 'field_2')).toBe(false);
    expectConsistent(form);
  });

  it('tells generated keys from chosen ones', () => {
    const form = blank();
    addField(form, 'text');
    const field = form.layout[0]!.fields[0]!;
    expect(isGeneratedKey(field, form)).toBe(true);
    field.label.en = 'Host name';
    renameField(form, 'field_1', 'hostName');
    expect(isGeneratedKey(field, form)).toBe(true);
    renameField(form, 'hostName', 'machine');
    expect(isGeneratedKey(field, form)).toBe(false);
  });

  it('rewrites the property when choices, multiple or columns change, keeping constraints that still apply', () => {
    const form = blank();
    addField(form, 'checkbox');
    addField(form, 'user');
    addField(form, 'text');
    const [checkbox, user, textField] = form.layout[0]!.fields;
    checkbox!.options = [{ value: 'a', label: { 'zh-CN': 'A', en: 'A' } }];
    syncProperty(form, checkbox!);
    expect(propertiesOf(form).field_1).toEqual({
      type: 'array',
      items: { type: 'string', enum: ['a'] },
      uniqueItems: true,
    });
    user!.multiple = true;
    syncProperty(form, user!);
    expect(propertiesOf(form).field_2!.type).toBe('array');
    propertiesOf(form).field_3!.maxLength = 20;
    propertiesOf(form).field_3!.minimum = 3;
    syncProperty(form, textField!);
    expect(propertiesOf(form).field_3).toEqual({ type: 'string', maxLength: 20 });
    expectConsistent(form);
  });

  it('repairs a half-written form', () => {
    const holder: { form?: FormDefinition } = {};
    expect(ensureForm(holder)).toEqual(blank());
    const broken = { schema: { properties: [] }, layout: [{ section: 's', title: { 'zh-CN': '', en: '' } }] };
    const form = ensureForm({ form: broken as unknown as FormDefinition });
    expect(form.schema).toEqual({ properties: {}, type: 'object', required: [] });
    expect(form.layout[0]!.fields).toEqual([]);
  });

  it('lists the rule variables of the form', () => {
    const form = blank();
    addField(form, 'select');
    addField(form, 'number');
    addField(form, 'checkbox');
    addField(form, 'team');
    form.layout[0]!.fields[3]!.multiple = true;
    expect(
      formRuleVariables(form).map((variable) => [variable.path, variable.type, variable.widget]),
    ).toEqual([
      ['field_1', 'enum', 'select'],
      ['field_2', 'number', 'number'],
      ['field_3', 'boolean', 'checkbox'],
      ['field_4', 'array', 'team'],
    ]);
    expect(formRuleVariables(form)[0]!.options?.map((option) => option.value)).toEqual([
      'option1',
      'option2',
    ]);
  });

  it('reads the field or section a problem pointer names', () => {
    const form = blank();
    addField(form, 'text');
    addField(form, 'text');
    setRequired(form, 'field_2', true);
    expect(parseFormPointer(form, '/form/layout/0/fields/1/visibleWhen')).toEqual({
      kind: 'field',
      key: 'field_2',
      part: 'visibleWhen',
    });
    expect(parseFormPointer(form, '/form/layout/0/title')).toEqual({
      kind: 'section',
      index: 0,
      part: 'title',
    });
    expect(parseFormPointer(form, '/form/schema/properties/field_1')).toEqual({
      kind: 'field',
      key: 'field_1',
      part: 'schema',
    });
    expect(parseFormPointer(form, '/form/schema/required/0')).toEqual({
      kind: 'field',
      key: 'field_2',
      part: 'required',
    });
    expect(parseFormPointer(form, '/routing/0')).toBeUndefined();
  });
});

describe('changing a field kind', () => {
  it('keeps choices between choice kinds, adds and drops kind settings, rewrites the data schema', () => {
    const form = blank();
    addField(form, 'select');
    changeWidget(form, 'field_1', 'multiselect');
    const field = form.layout[0]!.fields[0]!;
    expect(field.options?.map((option) => option.value)).toEqual(['option1', 'option2']);
    expect(propertiesOf(form).field_1!.type).toBe('array');
    changeWidget(form, 'field_1', 'team');
    expect(field.options).toBeUndefined();
    expect(propertiesOf(form).field_1).toEqual({ type: 'string' });
    changeWidget(form, 'field_1', 'rating');
    expect(field.scale).toBe(5);
    changeWidget(form, 'field_1', 'table');
    expect(field.scale).toBeUndefined();
    expect(field.columns).toHaveLength(2);
    expectConsistent(form);
  });
});
