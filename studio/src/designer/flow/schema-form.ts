/**
 * A node kind's config schema (JSON Schema, from `nodeConfigSchemas` of the flow registry) turned into the model
 * of a property panel: which widget each setting gets, its title and help, and the value an empty one starts with.
 * `SchemaField.vue` draws the model. Because the panel comes from the schema, a kind added to the registry gets
 * its panel without any studio change; widgets the schema alone cannot choose are picked from `x-ordo-ref`
 * (team, form field, status, notification template, step, role, calendar, ticket type) or a `user` / `users` key.
 */
export type RefKind =
  'team' | 'field' | 'status' | 'template' | 'node' | 'role' | 'calendar' | 'ticket-type' | 'user';

interface Base {
  title?: string;
  description?: string;
}

export type FieldModel =
  | (Base & { kind: 'localized' })
  | (Base & { kind: 'string'; ref?: RefKind; format?: string; pattern?: string; maxLength?: number })
  | (Base & { kind: 'enum'; options: string[]; default?: string })
  | (Base & { kind: 'number'; minimum?: number; exclusiveMinimum?: number })
  | (Base & { kind: 'boolean'; default?: boolean })
  | (Base & { kind: 'duration'; units: string[]; extra: PropertyModel[] })
  | (Base & { kind: 'tags'; ref?: RefKind; options?: string[]; pattern?: string })
  | (Base & { kind: 'list'; item: FieldModel })
  | (Base & { kind: 'object'; fields: PropertyModel[] })
  | (Base & { kind: 'map'; value: FieldModel })
  | (Base & { kind: 'choice'; options: ChoiceOption[] })
  | (Base & { kind: 'json' });

export interface PropertyModel {
  key: string;
  required: boolean;
  model: FieldModel;
}

/** One way to fill a oneOf / anyOf setting: a fixed word, or an object of its own. */
export type ChoiceOption =
  | { kind: 'const'; value: string | number | boolean; title: string }
  | { kind: 'model'; title: string; model: FieldModel; requiredKeys: string[]; propertyKeys: string[] };

type Schema = Record<string, unknown>;

const isRecord = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const REF_KINDS = new Set<string>([
  'team',
  'field',
  'status',
  'template',
  'node',
  'role',
  'calendar',
  'ticket-type',
  'user',
]);

function typeOf(schema: Schema): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((item) => item !== 'null') as string | undefined;
  if (Array.isArray(schema.enum)) return typeof schema.enum[0] === 'number' ? 'number' : 'string';
  if (isRecord(schema.properties)) return 'object';
  return undefined;
}

function base(schema: Schema): Base {
  const out: Base = {};
  if (typeof schema.title === 'string') out.title = schema.title;
  if (typeof schema.description === 'string') out.description = schema.description;
  return out;
}

function refOf(schema: Schema, key?: string): RefKind | undefined {
  const ref = schema['x-ordo-ref'];
  if (typeof ref === 'string' && REF_KINDS.has(ref)) return ref as RefKind;
  if (key === 'user' || key === 'users') return 'user';
  return undefined;
}

function choiceOptions(schema: Schema): unknown[] | undefined {
  const options = Array.isArray(schema.oneOf)
    ? schema.oneOf
    : Array.isArray(schema.anyOf)
      ? schema.anyOf
      : undefined;
  // `anyOf: [{required: [...]}, …]` only constrains which properties must be there; it is not a choice.
  const shaped = (option: unknown): boolean =>
    isRecord(option) &&
    (option.type !== undefined ||
      option.enum !== undefined ||
      option.properties !== undefined ||
      option.const !== undefined);
  if (!options || !(options as unknown[]).every(shaped)) return undefined;
  return options as unknown[];
}

function isLocalized(schema: Schema): boolean {
  const properties = schema.properties;
  if (!isRecord(properties)) return false;
  const keys = Object.keys(properties).sort();
  return keys.length === 2 && keys[0] === 'en' && keys[1] === 'zh-CN';
}

function isDuration(schema: Schema): boolean {
  const properties = schema.properties;
  if (!isRecord(properties) || !isRecord(properties.amount) || !isRecord(properties.unit)) return false;
  return typeOf(properties.amount) === 'number' && Array.isArray(properties.unit.enum);
}

function propertiesOf(schema: Schema, skip: ReadonlySet<string> = new Set()): PropertyModel[] {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(properties)
    .filter(([key, value]) => !skip.has(key) && isRecord(value))
    .map(([key, value]) => ({
      key,
      required: required.has(key),
      model: describeSchema(value as Schema, key),
    }));
}

/** The panel model of one schema (`key` is the property it sits under, when it has one). */
export function describeSchema(schema: unknown, key?: string): FieldModel {
  if (!isRecord(schema)) return { kind: 'json' };
  const info = base(schema);
  const options = choiceOptions(schema);
  if (options) {
    const choices: ChoiceOption[] = [];
    options.forEach((option, index) => {
      const sub = option as Schema;
      if (Array.isArray(sub.enum)) {
        for (const value of sub.enum as (string | number | boolean)[])
          choices.push({ kind: 'const', value, title: String(value) });
        return;
      }
      if (sub.const !== undefined) {
        const value = sub.const as string | number | boolean;
        choices.push({
          kind: 'const',
          value,
          title: typeof sub.title === 'string' ? sub.title : String(value),
        });
        return;
      }
      const model = describeSchema(sub, key);
      const propertyKeys = isRecord(sub.properties) ? Object.keys(sub.properties) : [];
      const requiredKeys = Array.isArray(sub.required) ? (sub.required as string[]) : [];
      const title =
        typeof sub.title === 'string'
          ? sub.title
          : propertyKeys.length === 1
            ? (() => {
                const onlyKey = propertyKeys[0] as string;
                const only = (sub.properties as Schema)[onlyKey];
                return isRecord(only) && typeof only.title === 'string' ? only.title : onlyKey;
              })()
            : `#${index + 1}`;
      choices.push({ kind: 'model', title, model, requiredKeys, propertyKeys });
    });
    return { ...info, kind: 'choice', options: choices };
  }
  const type = typeOf(schema);
  switch (type) {
    case 'string': {
      if (Array.isArray(schema.enum)) {
        const out: FieldModel = { ...info, kind: 'enum', options: (schema.enum as unknown[]).map(String) };
        if (typeof schema.default === 'string') out.default = schema.default;
        return out;
      }
      const out: FieldModel = { ...info, kind: 'string' };
      const ref = refOf(schema, key);
      if (ref) out.ref = ref;
      if (typeof schema.format === 'string') out.format = schema.format;
      if (typeof schema.pattern === 'string') out.pattern = schema.pattern;
      if (typeof schema.maxLength === 'number') out.maxLength = schema.maxLength;
      return out;
    }
    case 'number':
    case 'integer': {
      const out: FieldModel = { ...info, kind: 'number' };
      if (typeof schema.minimum === 'number') out.minimum = schema.minimum;
      if (typeof schema.exclusiveMinimum === 'number') out.exclusiveMinimum = schema.exclusiveMinimum;
      return out;
    }
    case 'boolean': {
      const out: FieldModel = { ...info, kind: 'boolean' };
      if (typeof schema.default === 'boolean') out.default = schema.default;
      return out;
    }
    case 'array': {
      const items = isRecord(schema.items) ? schema.items : {};
      const itemType = typeOf(items);
      if (itemType === 'string' && !choiceOptions(items)) {
        const out: FieldModel = { ...info, kind: 'tags' };
        const ref = refOf(items, key);
        if (ref) out.ref = ref;
        if (Array.isArray(items.enum)) out.options = (items.enum as unknown[]).map(String);
        if (typeof items.pattern === 'string') out.pattern = items.pattern;
        return out;
      }
      return { ...info, kind: 'list', item: describeSchema(items) };
    }
    case 'object': {
      if (isLocalized(schema)) return { ...info, kind: 'localized' };
      if (isDuration(schema)) {
        const unit = (schema.properties as Schema).unit as Schema;
        return {
          ...info,
          kind: 'duration',
          units: (unit.enum as unknown[]).map(String),
          extra: propertiesOf(schema, new Set(['amount', 'unit'])),
        };
      }
      if (isRecord(schema.properties) && Object.keys(schema.properties).length > 0)
        return { ...info, kind: 'object', fields: propertiesOf(schema) };
      if (isRecord(schema.additionalProperties))
        return { ...info, kind: 'map', value: describeSchema(schema.additionalProperties) };
      if (isRecord(schema.propertyNames)) return { ...info, kind: 'map', value: { kind: 'json' } };
      return { ...info, kind: 'json' };
    }
    default:
      return { ...info, kind: 'json' };
  }
}

/** The option of a choice a value is in now (undefined when none fits: nothing chosen yet). */
export function choiceIndexOf(options: readonly ChoiceOption[], value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const index = options.findIndex((option) => {
    if (option.kind === 'const') return option.value === value;
    if (!isRecord(value)) return false;
    const keys = Object.keys(value);
    return (
      option.requiredKeys.every((key) => key in value) &&
      keys.every((key) => option.propertyKeys.includes(key))
    );
  });
  return index >= 0 ? index : undefined;
}

/** What a setting starts with when the analyst turns it on or picks its option. */
export function emptyValueOf(model: FieldModel): unknown {
  switch (model.kind) {
    case 'localized':
      return { 'zh-CN': '', en: '' };
    case 'string':
      return '';
    case 'enum':
      return model.default ?? model.options[0];
    case 'number':
      return 1;
    case 'boolean':
      return model.default ?? false;
    case 'duration':
      return { amount: 1, unit: model.units.includes('hours') ? 'hours' : model.units[0] };
    case 'tags':
    case 'list':
      return [];
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const field of model.fields) if (field.required) value[field.key] = emptyValueOf(field.model);
      return value;
    }
    case 'map':
      return {};
    case 'choice': {
      const first = model.options[0];
      if (!first) return undefined;
      return first.kind === 'const' ? first.value : emptyValueOf(first.model);
    }
    case 'json':
      return undefined;
  }
}

/** The panel of a node kind: its settings in schema order (the step name first). */
export function panelOf(configSchema: unknown): PropertyModel[] {
  const model = describeSchema(configSchema);
  return model.kind === 'object' ? model.fields : [];
}

/** Set or clear one key of an object value, returning a new object (undefined clears the key). */
export function withKey(value: unknown, key: string, next: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = isRecord(value) ? { ...value } : {};
  if (next === undefined) delete out[key];
  else out[key] = next;
  return out;
}
