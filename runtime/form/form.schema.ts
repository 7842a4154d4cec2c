import type { Problem } from '../common/types.js';
import { checkRule, escapePointerSegment, localizeWith, ruleConditionSchema } from '../rules/index.js';
import { formMessages, type FormMessageCode } from './form-messages.js';
import { WIDGET_KINDS, type FormDefinition, type FormField, type WidgetKind } from './form.types.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A key a value may be stored under in MongoDB and read back by a rule path: no `.` (a rule path separator and a
 * MongoDB path separator), no leading `$` (a MongoDB operator), nothing that reaches a JavaScript prototype.
 */
export const FIELD_KEY_PATTERN = '^(?!\\$)(?!(?:__proto__|constructor|prototype)$)[^.]{1,64}$';

export function isValidFieldKey(key: unknown): key is string {
  return (
    typeof key === 'string' &&
    key.length > 0 &&
    key.length <= 64 &&
    !key.includes('.') &&
    !key.startsWith('$') &&
    !FORBIDDEN_KEYS.has(key)
  );
}

const localizedTextSchema = {
  type: 'object',
  required: ['zh-CN', 'en'],
  additionalProperties: false,
  properties: { 'zh-CN': { type: 'string', maxLength: 2000 }, en: { type: 'string', maxLength: 2000 } },
} as const;

export const fieldKeySchema = { type: 'string', pattern: FIELD_KEY_PATTERN } as const;

const optionSchema = {
  type: 'object',
  required: ['value', 'label'],
  additionalProperties: false,
  properties: { value: { type: ['string', 'number', 'boolean'] }, label: localizedTextSchema },
} as const;

const optionsSchema = { type: 'array', maxItems: 500, items: optionSchema } as const;
const widgetSchema = { type: 'string', enum: [...WIDGET_KINDS] } as const;

export const formFieldSchema = {
  type: 'object',
  required: ['field', 'widget', 'label'],
  additionalProperties: false,
  properties: {
    field: fieldKeySchema,
    widget: widgetSchema,
    label: localizedTextSchema,
    help: localizedTextSchema,
    placeholder: localizedTextSchema,
    default: {},
    visibleWhen: ruleConditionSchema,
    requiredWhen: ruleConditionSchema,
    readOnlyWhen: ruleConditionSchema,
    options: optionsSchema,
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    scale: { type: 'integer', minimum: 2, maximum: 10 },
    columns: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        required: ['field', 'widget', 'label'],
        additionalProperties: false,
        properties: {
          field: fieldKeySchema,
          widget: widgetSchema,
          label: localizedTextSchema,
          options: optionsSchema,
        },
      },
    },
    recordType: { type: 'string', minLength: 1, maxLength: 100 },
    multiple: { type: 'boolean' },
  },
} as const;

export const formSectionSchema = {
  type: 'object',
  required: ['section', 'title', 'fields'],
  additionalProperties: false,
  properties: {
    section: { type: 'string', minLength: 1, maxLength: 64 },
    title: localizedTextSchema,
    description: localizedTextSchema,
    visibleWhen: ruleConditionSchema,
    fields: { type: 'array', maxItems: 200, items: formFieldSchema },
  },
} as const;

const fieldListSchema = { type: 'array', maxItems: 200, uniqueItems: true, items: fieldKeySchema } as const;

export const stepFieldRightsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    fields: { type: 'array', maxItems: 100, items: formFieldSchema },
    title: localizedTextSchema,
    readOnly: fieldListSchema,
    hidden: fieldListSchema,
    editable: fieldListSchema,
  },
} as const;

/**
 * A form definition: the data's JSON Schema (checked as a schema by the definitions' analyst-schema compiler),
 * the layout, and field rights per flow step.
 */
export const formSchema = {
  title: 'form',
  type: 'object',
  required: ['schema', 'layout'],
  additionalProperties: false,
  properties: {
    schema: {
      type: 'object',
      properties: {
        type: { const: 'object' },
        properties: { type: 'object', propertyNames: fieldKeySchema },
      },
    },
    layout: { type: 'array', maxItems: 50, items: formSectionSchema },
    steps: { type: 'object', additionalProperties: stepFieldRightsSchema },
  },
} as const;

export function formProblem(
  code: FormMessageCode,
  path: string,
  params: Record<string, unknown> = {},
): Problem {
  return { code, path, params, text: localizeWith(formMessages[code], params) };
}

/** Data types each widget can hold; widgets not listed accept any type. */
const WIDGET_TYPES: Partial<Record<WidgetKind, readonly string[]>> = {
  number: ['number', 'integer'],
  money: ['number', 'integer', 'string'],
  rating: ['number', 'integer'],
  multiselect: ['array'],
  table: ['array'],
  checkbox: ['boolean', 'array'],
  text: ['string'],
  textarea: ['string'],
};

function propertiesOf(form: FormDefinition): Record<string, unknown> {
  const properties = form.schema.properties;
  return typeof properties === 'object' && properties !== null ? (properties as Record<string, unknown>) : {};
}

/**
 * What the schema cannot say: layout fields exist in the data schema, appear once, suit their widget; property
 * keys are valid stored keys; rules pass the allow-list; step rights name existing fields.
 */
export function checkForm(form: FormDefinition, basePath = '/form'): Problem[] {
  const problems: Problem[] = [];
  const properties = propertiesOf(form);
  for (const key of Object.keys(properties)) {
    if (!isValidFieldKey(key)) {
      problems.push(
        formProblem('form.fieldKey', `${basePath}/schema/properties/${escapePointerSegment(key)}`, {
          field: key,
        }),
      );
    }
  }
  const seenFields = new Set<string>();
  const seenSections = new Set<string>();
  const checkField = (field: FormField, path: string) => {
    if (!isValidFieldKey(field.field)) {
      problems.push(formProblem('form.fieldKey', `${path}/field`, { field: field.field }));
      return;
    }
    if (seenFields.has(field.field)) {
      problems.push(formProblem('form.duplicateField', `${path}/field`, { field: field.field }));
    }
    seenFields.add(field.field);
    if (!Object.hasOwn(properties, field.field)) {
      problems.push(formProblem('form.unknownField', `${path}/field`, { field: field.field }));
    } else {
      const mismatch = widgetMismatch(field.widget, properties[field.field]);
      if (mismatch)
        problems.push(
          formProblem('form.widgetMismatch', `${path}/widget`, { field: field.field, ...mismatch }),
        );
    }
    for (const ruleKey of ['visibleWhen', 'requiredWhen', 'readOnlyWhen'] as const) {
      if (field[ruleKey] !== undefined) problems.push(...checkRule(field[ruleKey], `${path}/${ruleKey}`));
    }
    field.columns?.forEach((column, index) => {
      if (!isValidFieldKey(column.field)) {
        problems.push(
          formProblem('form.fieldKey', `${path}/columns/${index}/field`, { field: column.field }),
        );
      }
    });
  };
  form.layout.forEach((section, sectionIndex) => {
    const sectionPath = `${basePath}/layout/${sectionIndex}`;
    if (seenSections.has(section.section)) {
      problems.push(
        formProblem('form.duplicateSection', `${sectionPath}/section`, { section: section.section }),
      );
    }
    seenSections.add(section.section);
    if (section.visibleWhen !== undefined)
      problems.push(...checkRule(section.visibleWhen, `${sectionPath}/visibleWhen`));
    section.fields.forEach((field, fieldIndex) => checkField(field, `${sectionPath}/fields/${fieldIndex}`));
  });
  const layoutFields = new Set(seenFields);
  for (const [stepId, rights] of Object.entries(form.steps ?? {})) {
    const stepPath = `${basePath}/steps/${escapePointerSegment(stepId)}`;
    rights.fields?.forEach((field, index) => checkField(field, `${stepPath}/fields/${index}`));
    const stepFields = new Set(rights.fields?.map((field) => field.field));
    for (const listName of ['readOnly', 'hidden', 'editable'] as const) {
      rights[listName]?.forEach((key, index) => {
        if (!layoutFields.has(key) && !stepFields.has(key)) {
          problems.push(
            formProblem('form.unknownStepField', `${stepPath}/${listName}/${index}`, { stepId, field: key }),
          );
        }
      });
    }
    // A step's own fields belong to that step only: another step may define the same key.
    for (const key of stepFields) if (!layoutFields.has(key)) seenFields.delete(key);
  }
  return problems;
}

function widgetMismatch(
  widget: WidgetKind,
  propertySchema: unknown,
): { widget: string; type: string; expected: string } | undefined {
  const expected = WIDGET_TYPES[widget];
  if (!expected || typeof propertySchema !== 'object' || propertySchema === null) return undefined;
  const declared = (propertySchema as { type?: unknown }).type;
  const types =
    typeof declared === 'string'
      ? [declared]
      : Array.isArray(declared)
        ? declared.filter((t) => typeof t === 'string')
        : [];
  if (types.length === 0) return undefined;
  if (types.some((type) => type !== 'null' && expected.includes(type))) return undefined;
  return { widget, type: types.join('/'), expected: expected.join('/') };
}
