/**
 * The form designer's operations on a form definition (`draft.form`), pure and synchronous so they can be tested
 * without a browser and run inside `designer.change()`. Every operation keeps the two halves of the form in step:
 * the data schema (`schema.properties`, `schema.required`) and the layout (sections of fields). Operations mutate
 * the form they are given (the designer store records the change as a patch).
 */
import type { LocalizedText } from '../../../../runtime/common/types';
import { isValidFieldKey } from '../../../../runtime/form/form.schema';
import {
  WIDGET_KINDS,
  type FieldOption,
  type FormDefinition,
  type FormField,
  type FormSection,
  type TableColumn,
  type WidgetKind,
} from '../../../../runtime/form/form.types';
import type { RuleVariableInfo } from '../rules/rule-builder.types';

/** What the palette offers: every widget of the runtime, and a section. */
export const PALETTE_KINDS = [...WIDGET_KINDS, 'section'] as const;
export type PaletteKind = (typeof PALETTE_KINDS)[number];

export type JsonSchema = Record<string, unknown>;

/** Where a field sits in the layout. */
export interface FieldLocation {
  section: number;
  index: number;
}

/** The three conditions a field may carry. */
export const RULE_KEYS = ['visibleWhen', 'requiredWhen', 'readOnlyWhen'] as const;
export type FieldRuleKey = (typeof RULE_KEYS)[number];

/** Widgets with a list of choices. */
export const OPTION_WIDGETS: readonly WidgetKind[] = ['select', 'multiselect', 'radio', 'checkbox'];
/** Widgets that may hold more than one value through `multiple`. */
export const MULTIPLE_WIDGETS: readonly WidgetKind[] = ['user', 'team', 'attachment', 'record'];
/** Widgets whose value is text (length and pattern apply). */
export const TEXT_WIDGETS: readonly WidgetKind[] = ['text', 'textarea'];
/** Widgets whose value is a number (minimum and maximum apply). */
export const NUMBER_WIDGETS: readonly WidgetKind[] = ['number', 'money'];

/** Constraint keywords of a property the designer edits and keeps across widget changes when they still apply. */
const STRING_CONSTRAINTS = ['minLength', 'maxLength', 'pattern'] as const;
const NUMBER_CONSTRAINTS = ['minimum', 'maximum'] as const;

const text = (zh: string, en: string): LocalizedText => ({ 'zh-CN': zh, en });

/** Names of the kinds, used as the label of a new field and in the palette. */
export const KIND_NAMES: Record<PaletteKind, LocalizedText> = {
  text: text('单行文本', 'Text'),
  textarea: text('多行文本', 'Long text'),
  number: text('数字', 'Number'),
  money: text('金额', 'Amount'),
  date: text('日期', 'Date'),
  datetime: text('日期时间', 'Date and time'),
  daterange: text('日期范围', 'Date range'),
  select: text('下拉选择', 'Choice'),
  multiselect: text('多项选择', 'Choices'),
  radio: text('单选', 'Single choice'),
  checkbox: text('复选框', 'Checkbox'),
  rating: text('评分', 'Rating'),
  user: text('人员', 'Person'),
  team: text('团队', 'Team'),
  record: text('关联记录', 'Linked record'),
  attachment: text('附件', 'Attachment'),
  table: text('表格', 'Table'),
  section: text('分组', 'Section'),
};

/** The form, made whole when it is missing or half-written (a draft may be either). */
export function ensureForm(holder: { form?: FormDefinition }): FormDefinition {
  const form = (holder.form ??= { schema: { type: 'object', properties: {}, required: [] }, layout: [] });
  if (typeof form.schema !== 'object' || form.schema === null || Array.isArray(form.schema)) {
    form.schema = { type: 'object', properties: {}, required: [] };
  }
  form.schema.type ??= 'object';
  const properties = form.schema.properties;
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
    form.schema.properties = {};
  }
  if (!Array.isArray(form.schema.required)) form.schema.required = [];
  if (!Array.isArray(form.layout)) form.layout = [];
  for (const section of form.layout) if (!Array.isArray(section.fields)) section.fields = [];
  return form;
}

export function propertiesOf(form: FormDefinition): Record<string, JsonSchema> {
  const properties = form.schema?.properties;
  return typeof properties === 'object' && properties !== null
    ? (properties as Record<string, JsonSchema>)
    : {};
}

export function requiredOf(form: FormDefinition): string[] {
  const required = form.schema?.required;
  return Array.isArray(required) ? required.filter((key): key is string => typeof key === 'string') : [];
}

/** Every field of the layout, in order, with where it is. */
export function allFields(form: FormDefinition): { field: FormField; location: FieldLocation }[] {
  const list: { field: FormField; location: FieldLocation }[] = [];
  (form.layout ?? []).forEach((section, sectionIndex) =>
    (section.fields ?? []).forEach((field, index) =>
      list.push({ field, location: { section: sectionIndex, index } }),
    ),
  );
  return list;
}

export function findField(form: FormDefinition, key: string): FieldLocation | undefined {
  return allFields(form).find((entry) => entry.field.field === key)?.location;
}

export function fieldAt(form: FormDefinition, location: FieldLocation): FormField | undefined {
  return form.layout?.[location.section]?.fields?.[location.index];
}

/** Keys taken in the form: layout fields, data properties and table columns are kept apart by the caller. */
export function takenKeys(form: FormDefinition): Set<string> {
  return new Set([...Object.keys(propertiesOf(form)), ...allFields(form).map((entry) => entry.field.field)]);
}

/** `field_N` with the smallest N not taken. */
export function nextFieldKey(taken: ReadonlySet<string>, prefix = 'field_'): string {
  for (let n = 1; ; n += 1) if (!taken.has(`${prefix}${n}`)) return `${prefix}${n}`;
}

/**
 * A key from an English label: its words in camelCase (`Host name` → `hostName`), ASCII letters and digits only,
 * at most 40 characters; a number is appended when the key is taken. Without usable English the key is `field_N`.
 */
export function keyFromLabel(label: string, taken: ReadonlySet<string>): string {
  const words = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  if (words.length === 0) return nextFieldKey(taken);
  let key = words
    .map((word, index) =>
      index === 0 ? word.toLowerCase() : word[0]!.toUpperCase() + word.slice(1).toLowerCase(),
    )
    .join('')
    .slice(0, 40);
  if (/^[0-9]/.test(key)) key = `f${key}`;
  if (!taken.has(key)) return key;
  for (let n = 2; ; n += 1) if (!taken.has(`${key}${n}`)) return `${key}${n}`;
}

export type KeyProblem = 'empty' | 'invalid' | 'taken';

/** Why `key` cannot be the key of the field now keyed `current` (undefined: it can). */
export function keyProblem(form: FormDefinition, key: string, current?: string): KeyProblem | undefined {
  if (key.trim() === '') return 'empty';
  if (!isValidFieldKey(key) || /\s/.test(key)) return 'invalid';
  if (key !== current && takenKeys(form).has(key)) return 'taken';
  return undefined;
}

/** The values of a field's static choices, when they are all of one JSON type. */
function optionValueType(options: FieldOption[] | undefined): 'string' | 'number' | 'boolean' | undefined {
  if (!options || options.length === 0) return undefined;
  const types = new Set(options.map((option) => typeof option.value));
  if (types.size !== 1) return undefined;
  const [type] = types;
  return type === 'string' || type === 'number' || type === 'boolean' ? type : undefined;
}

function choiceSchema(options: FieldOption[] | undefined): JsonSchema {
  const type = optionValueType(options);
  const schema: JsonSchema = type ? { type } : {};
  if (options && options.length > 0) schema.enum = options.map((option) => option.value);
  return schema;
}

function columnSchema(column: TableColumn): JsonSchema {
  return baseSchema({
    field: column.field,
    widget: column.widget,
    label: column.label,
    options: column.options,
  });
}

/** The data schema a widget's value has, without the constraints the analyst adds. */
function baseSchema(
  field: Pick<FormField, 'widget' | 'options' | 'multiple' | 'scale' | 'columns'> & {
    field?: string;
    label?: LocalizedText;
  },
): JsonSchema {
  const many = (item: JsonSchema): JsonSchema =>
    field.multiple ? { type: 'array', items: item, uniqueItems: true } : item;
  switch (field.widget) {
    case 'text':
    case 'textarea':
      return { type: 'string' };
    case 'number':
    case 'money':
      return { type: 'number' };
    case 'rating':
      return { type: 'integer', minimum: 1, maximum: field.scale ?? 5 };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'daterange':
      return { type: 'array', items: { type: 'string', format: 'date' }, minItems: 2, maxItems: 2 };
    case 'select':
    case 'radio':
      return choiceSchema(field.options);
    case 'multiselect':
      return { type: 'array', items: choiceSchema(field.options), uniqueItems: true };
    case 'checkbox':
      return field.options && field.options.length > 0
        ? { type: 'array', items: choiceSchema(field.options), uniqueItems: true }
        : { type: 'boolean' };
    case 'user':
    case 'team':
    case 'record':
    case 'attachment':
      return many({ type: 'string' });
    case 'table': {
      const properties: Record<string, JsonSchema> = {};
      for (const column of field.columns ?? []) properties[column.field] = columnSchema(column);
      return { type: 'array', items: { type: 'object', properties } };
    }
  }
}

/**
 * The data schema of a field: the widget's shape, with the constraints of the previous schema kept where they
 * still apply (length and pattern on text, minimum and maximum on numbers) and its `title` / `description`.
 */
export function propertySchemaFor(field: FormField, previous?: JsonSchema): JsonSchema {
  const schema = baseSchema(field);
  if (!previous) return schema;
  const keep = (keys: readonly string[]) => {
    for (const key of keys) if (previous[key] !== undefined) schema[key] = previous[key];
  };
  if (TEXT_WIDGETS.includes(field.widget)) keep(STRING_CONSTRAINTS);
  if (NUMBER_WIDGETS.includes(field.widget)) keep(NUMBER_CONSTRAINTS);
  keep(['title', 'description']);
  return schema;
}

/** Write the field's data schema again after its widget, choices, `multiple`, scale or columns changed. */
export function syncProperty(form: FormDefinition, field: FormField): void {
  const properties = ensureForm({ form }).schema.properties as Record<string, JsonSchema>;
  properties[field.field] = propertySchemaFor(field, properties[field.field]);
}

/** A new field of a kind, keyed `field_N`, labelled with the kind's name. */
export function newField(kind: WidgetKind, taken: ReadonlySet<string>): FormField {
  const field: FormField = { field: nextFieldKey(taken), widget: kind, label: { ...KIND_NAMES[kind] } };
  if (OPTION_WIDGETS.includes(kind) && kind !== 'checkbox') {
    field.options = [
      { value: 'option1', label: text('选项 1', 'Option 1') },
      { value: 'option2', label: text('选项 2', 'Option 2') },
    ];
  }
  if (kind === 'money') field.currency = 'CNY';
  if (kind === 'rating') field.scale = 5;
  if (kind === 'record') field.recordType = 'asset';
  if (kind === 'table') {
    field.columns = [
      { field: 'name', widget: 'text', label: text('名称', 'Name') },
      { field: 'quantity', widget: 'number', label: text('数量', 'Quantity') },
    ];
  }
  return field;
}

/** A new section keyed `section_N`. */
export function newSection(form: FormDefinition): FormSection {
  const taken = new Set((form.layout ?? []).map((section) => section.section));
  let n = (form.layout ?? []).length + 1;
  while (taken.has(`section_${n}`)) n += 1;
  return {
    section: `section_${n}`,
    title: n === 1 ? text('基本信息', 'Details') : text(`分组 ${n}`, `Section ${n}`),
    fields: [],
  };
}

/** Add a section at `index` (end by default); its index. */
export function addSection(form: FormDefinition, index = form.layout.length): number {
  ensureForm({ form });
  const at = clampIndex(index, form.layout.length);
  form.layout.splice(at, 0, newSection(form));
  return at;
}

function clampIndex(index: number, length: number): number {
  return Math.max(0, Math.min(Number.isFinite(index) ? index : length, length));
}

/**
 * Add a field of `kind` to section `sectionIndex` at `index` (end by default), with its data property. Without
 * any section one is made first. Returns the new field's key and where it is.
 */
export function addField(
  form: FormDefinition,
  kind: WidgetKind,
  sectionIndex = form.layout?.length ? form.layout.length - 1 : 0,
  index?: number,
): { key: string; location: FieldLocation } {
  ensureForm({ form });
  if (form.layout.length === 0) addSection(form);
  const section = Math.max(0, Math.min(sectionIndex, form.layout.length - 1));
  const fields = form.layout[section]!.fields;
  const at = clampIndex(index ?? fields.length, fields.length);
  const field = newField(kind, takenKeys(form));
  fields.splice(at, 0, field);
  syncProperty(form, field);
  return { key: field.field, location: { section, index: at } };
}

/** Move a field to another place, in its section or another one. Returns where it landed. */
export function moveField(
  form: FormDefinition,
  from: FieldLocation,
  to: FieldLocation,
): FieldLocation | undefined {
  const source = form.layout?.[from.section]?.fields;
  const target = form.layout?.[to.section]?.fields;
  if (!source || !target || from.index < 0 || from.index >= source.length) return undefined;
  const [field] = source.splice(from.index, 1);
  const at = clampIndex(to.index, target.length);
  target.splice(at, 0, field!);
  return { section: to.section, index: at };
}

/** Move a field one place up or down; across the section edge it goes to the end / start of the neighbour. */
export function nudgeField(
  form: FormDefinition,
  from: FieldLocation,
  delta: -1 | 1,
): FieldLocation | undefined {
  const fields = form.layout?.[from.section]?.fields;
  if (!fields) return undefined;
  const index = from.index + delta;
  if (index >= 0 && index < fields.length) return moveField(form, from, { section: from.section, index });
  const neighbour = from.section + delta;
  if (neighbour < 0 || neighbour >= form.layout.length) return undefined;
  return moveField(form, from, {
    section: neighbour,
    index: delta < 0 ? form.layout[neighbour]!.fields.length : 0,
  });
}

export function moveSection(form: FormDefinition, from: number, to: number): number | undefined {
  if (from < 0 || from >= (form.layout?.length ?? 0)) return undefined;
  const [section] = form.layout.splice(from, 1);
  const at = clampIndex(to, form.layout.length);
  form.layout.splice(at, 0, section!);
  return at;
}

/** Remove a field's data property and its place in `required`, unless another layout field still uses the key. */
function dropProperty(form: FormDefinition, key: string): void {
  if (allFields(form).some((entry) => entry.field.field === key)) return;
  delete propertiesOf(form)[key];
  if (Array.isArray(form.schema?.required))
    form.schema.required = requiredOf(form).filter((name) => name !== key);
}

export function removeField(form: FormDefinition, location: FieldLocation): FormField | undefined {
  const fields = form.layout?.[location.section]?.fields;
  if (!fields || location.index < 0 || location.index >= fields.length) return undefined;
  const [field] = fields.splice(location.index, 1);
  dropProperty(form, field!.field);
  return field;
}

/** Remove a section with its fields (and their data). */
export function removeSection(form: FormDefinition, index: number): FormSection | undefined {
  if (index < 0 || index >= (form.layout?.length ?? 0)) return undefined;
  const [section] = form.layout.splice(index, 1);
  for (const field of section!.fields ?? []) dropProperty(form, field.field);
  return section;
}

export function isRequired(form: FormDefinition, key: string): boolean {
  return requiredOf(form).includes(key);
}

export function setRequired(form: FormDefinition, key: string, required: boolean): void {
  ensureForm({ form });
  const list = requiredOf(form).filter((name) => name !== key);
  if (required) list.push(key);
  form.schema.required = list;
}

/** Every `{"var": key}` (and `key.something`) of a rule renamed; other values kept as they are. */
export function renameVar(logic: unknown, from: string, to: string): unknown {
  if (Array.isArray(logic)) return logic.map((item) => renameVar(item, from, to));
  if (typeof logic !== 'object' || logic === null) return logic;
  const entries = Object.entries(logic as Record<string, unknown>);
  if (entries.length === 1 && entries[0]![0] === 'var') {
    const argument = entries[0]![1];
    const rename = (path: unknown) =>
      typeof path === 'string' && (path === from || path.startsWith(`${from}.`))
        ? to + path.slice(from.length)
        : path;
    return {
      var: Array.isArray(argument)
        ? [rename(argument[0]), ...(argument.slice(1) as unknown[])]
        : rename(argument),
    };
  }
  return Object.fromEntries(entries.map(([name, value]) => [name, renameVar(value, from, to)]));
}

/**
 * Give a field another key: the data property, `required` and every condition of the form that reads the field
 * follow. Refused (false) when the new key is invalid or taken.
 */
export function renameField(form: FormDefinition, from: string, to: string): boolean {
  if (from === to) return true;
  if (keyProblem(form, to, from)) return false;
  const properties = propertiesOf(form);
  const renamed: Record<string, JsonSchema> = {};
  for (const [key, schema] of Object.entries(properties)) renamed[key === from ? to : key] = schema;
  form.schema.properties = renamed;
  if (Array.isArray(form.schema.required)) {
    form.schema.required = requiredOf(form).map((key) => (key === from ? to : key));
  }
  for (const section of form.layout) {
    if (section.visibleWhen !== undefined) section.visibleWhen = renameVar(section.visibleWhen, from, to);
    for (const field of section.fields) {
      if (field.field === from) field.field = to;
      for (const ruleKey of RULE_KEYS) {
        if (field[ruleKey] !== undefined) field[ruleKey] = renameVar(field[ruleKey], from, to);
      }
    }
  }
  return true;
}

/** Whether a key still looks generated (`field_N`, or the key its English label gives), so a new label may re-key it. */
export function isGeneratedKey(field: FormField, form: FormDefinition): boolean {
  if (/^field_\d+$/.test(field.field)) return true;
  const taken = takenKeys(form);
  taken.delete(field.field);
  return keyFromLabel(field.label?.en ?? '', taken) === field.field;
}

/** Keys used by the table columns of a field, for the column editor's uniqueness check. */
export function columnKey(columns: TableColumn[], label: string): string {
  return keyFromLabel(label, new Set(columns.map((column) => column.field)));
}

const RULE_TYPES: Record<WidgetKind, RuleVariableInfo['type']> = {
  text: 'string',
  textarea: 'string',
  number: 'number',
  money: 'number',
  rating: 'number',
  date: 'date',
  datetime: 'datetime',
  daterange: 'array',
  select: 'enum',
  radio: 'enum',
  multiselect: 'array',
  checkbox: 'boolean',
  user: 'user',
  team: 'team',
  record: 'string',
  attachment: 'array',
  table: 'array',
};

/**
 * The variables a form rule (`visibleWhen`, `requiredWhen`, `readOnlyWhen`) may read: every field of the form,
 * by its key, with its label, type, widget and choices (from the field, else from the schema's `enum`).
 */
export function formRuleVariables(form: FormDefinition | undefined): RuleVariableInfo[] {
  if (!form) return [];
  const properties = propertiesOf(form);
  return allFields(form).map(({ field }) => {
    const schema = properties[field.field] ?? {};
    const items = schema.items as JsonSchema | undefined;
    const values = (
      Array.isArray(schema.enum) ? schema.enum : Array.isArray(items?.enum) ? items.enum : []
    ) as (string | number | boolean)[];
    const options =
      field.options && field.options.length > 0
        ? field.options
        : values.map((value) => ({ value, label: text(String(value), String(value)) }));
    let type = RULE_TYPES[field.widget] ?? 'string';
    if (field.widget === 'checkbox' && options.length > 0) type = 'array';
    if ((field.widget === 'user' || field.widget === 'team' || field.widget === 'record') && field.multiple)
      type = 'array';
    return {
      path: field.field,
      label: field.label ?? text(field.field, field.field),
      type,
      widget: field.widget,
      ...(options.length > 0 ? { options } : {}),
    };
  });
}

/** Where in the draft a field is: `/form/layout/<s>/fields/<i>`. */
export function fieldPointer(location: FieldLocation): string {
  return `/form/layout/${location.section}/fields/${location.index}`;
}

/**
 * What a pointer under `/form` names: a field (and the part of it, e.g. `visibleWhen`, `options`), a section, or
 * a data property (`/form/schema/properties/<key>` → that field).
 */
export function parseFormPointer(
  form: FormDefinition,
  pointer: string,
):
  | { kind: 'field'; key: string; part?: string }
  | { kind: 'section'; index: number; part?: string }
  | undefined {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (segments[0] !== 'form') return undefined;
  if (segments[1] === 'layout' && segments[2] !== undefined) {
    const sectionIndex = Number(segments[2]);
    if (segments[3] === 'fields' && segments[4] !== undefined) {
      const field = fieldAt(form, { section: sectionIndex, index: Number(segments[4]) });
      if (field) return { kind: 'field', key: field.field, ...(segments[5] ? { part: segments[5] } : {}) };
    }
    if (form.layout?.[sectionIndex]) {
      return { kind: 'section', index: sectionIndex, ...(segments[3] ? { part: segments[3] } : {}) };
    }
    return undefined;
  }
  if (segments[1] === 'schema' && segments[2] === 'properties' && segments[3] !== undefined) {
    if (findField(form, segments[3])) return { kind: 'field', key: segments[3], part: 'schema' };
  }
  if (segments[1] === 'schema' && segments[2] === 'required') {
    const index = Number(segments[3]);
    const key = requiredOf(form)[index];
    if (key !== undefined && findField(form, key)) return { kind: 'field', key, part: 'required' };
  }
  return undefined;
}

/**
 * Turn a field into another kind: choices kept when the new kind has choices, the new kind's own settings
 * (currency, scale, record type, columns) added, the ones it cannot have removed, the data schema rewritten.
 */
export function changeWidget(form: FormDefinition, key: string, widget: WidgetKind): void {
  const location = findField(form, key);
  const field = location && fieldAt(form, location);
  if (!field || field.widget === widget) return;
  const fresh = newField(widget, new Set());
  const keepOptions = OPTION_WIDGETS.includes(widget) && (field.options?.length ?? 0) > 0;
  field.widget = widget;
  if (!OPTION_WIDGETS.includes(widget)) delete field.options;
  else if (!keepOptions && fresh.options) field.options = fresh.options;
  if (widget !== 'money') delete field.currency;
  else field.currency ??= 'CNY';
  if (widget !== 'rating') delete field.scale;
  else field.scale ??= 5;
  if (widget !== 'record') delete field.recordType;
  else field.recordType ??= fresh.recordType;
  if (widget !== 'table') delete field.columns;
  else field.columns ??= fresh.columns;
  if (!MULTIPLE_WIDGETS.includes(widget)) delete field.multiple;
  delete field.default;
  syncProperty(form, field);
}
