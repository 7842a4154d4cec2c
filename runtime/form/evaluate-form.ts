import type { ErrorObject, ValidateFunction } from 'ajv';
import type { LocalizedText, Problem } from '../common/types.js';
import {
  escapePointerSegment,
  localizeWith,
  prepareRule,
  type PreparedRule,
  type RuleEnv,
} from '../rules/index.js';
import { FORMAT_NAMES, RULE_NAMES, TYPE_NAMES, formMessages, type FormMessageCode } from './form-messages.js';
import { compileValueSchema } from './form-ajv.js';
import { formProblem, isValidFieldKey } from './form.schema.js';
import type { FormDefinition, FormField, FormSection, StepFieldRights, WidgetKind } from './form.types.js';

export type FormMode = 'create' | 'edit';

export interface EvaluateFormOptions {
  mode?: FormMode;
  /** The flow step the form is shown at; its rights come from `form.steps[stepId]` unless `stepRights` is given. */
  stepId?: string;
  stepRights?: StepFieldRights;
  /** Edit mode: the ticket's stored values, to tell read-only fields apart from edits and to judge rules. */
  previous?: Record<string, unknown>;
  /** Key of the published form version (e.g. `it.incident@3`), so the compiled form is reused across calls. */
  cacheKey?: string;
  /** Pointer of the form inside its definition, for rule problems; default `/form`. */
  basePath?: string;
  /** Environment for rules using `now`, business hours or date arithmetic. */
  env?: RuleEnv;
}

export type HiddenBy = 'rule' | 'section' | 'step';

export interface FieldState {
  field: string;
  section: string;
  widget: WidgetKind;
  label: LocalizedText;
  visible: boolean;
  required: boolean;
  readOnly: boolean;
  hiddenBy?: HiddenBy;
}

export interface SectionState {
  section: string;
  title: LocalizedText;
  visible: boolean;
  fields: string[];
}

export interface FormEvaluation {
  /** Per field, in layout order. */
  fields: Record<string, FieldState>;
  sections: SectionState[];
  /** What the person must fix; empty when the submission is accepted. */
  errors: Problem[];
  valid: boolean;
  /** The values to store: visible, editable fields of the form only, with storage-unsafe keys removed. */
  data: Record<string, unknown>;
  /** Fields whose stored value must be removed: emptied, or hidden by their condition. */
  cleared: string[];
  /** Keys of the submission that are not fields of the form here (dropped). */
  dropped: string[];
  /** Problems of the definition met while evaluating (a rule that failed, an unusable schema): not the person's fault. */
  problems: Problem[];
}

type RuleKey = 'visibleWhen' | 'requiredWhen' | 'readOnlyWhen';

interface CompiledField {
  definition: FormField;
  section: string;
  path: string;
  rules: Partial<Record<RuleKey, PreparedRule | Problem>>;
}

interface CompiledSection {
  definition: FormSection;
  path: string;
  visibleWhen?: PreparedRule | Problem;
  fields: CompiledField[];
}

interface CompiledForm {
  sections: CompiledSection[];
  /** The fields of `sections` in layout order, and by key: what an evaluation without step fields walks. */
  fields: CompiledField[];
  fieldByKey: ReadonlyMap<string, CompiledField>;
  validate?: ValidateFunction;
  schemaProblem?: Problem;
  schemaRequired: ReadonlySet<string>;
  stepFields: Map<string, CompiledSection>;
}

const RULE_KEYS: readonly RuleKey[] = ['visibleWhen', 'requiredWhen', 'readOnlyWhen'];
const MAX_CACHED_FORMS = 200;
const compiledByObject = new WeakMap<FormDefinition, CompiledForm>();
const compiledByKey = new Map<string, CompiledForm>();

function prepare(logic: unknown, path: string): PreparedRule | Problem {
  const prepared = prepareRule(logic, path);
  return prepared.ok ? prepared.value : prepared.error;
}

function compileSection(section: FormSection, path: string): CompiledSection {
  return {
    definition: section,
    path,
    ...(section.visibleWhen !== undefined
      ? { visibleWhen: prepare(section.visibleWhen, `${path}/visibleWhen`) }
      : {}),
    fields: section.fields.map((field, index) =>
      compileField(field, section.section, `${path}/fields/${index}`),
    ),
  };
}

function compileField(field: FormField, section: string, path: string): CompiledField {
  const rules: CompiledField['rules'] = {};
  for (const key of RULE_KEYS) {
    if (field[key] !== undefined) rules[key] = prepare(field[key], `${path}/${key}`);
  }
  return { definition: field, section, path, rules };
}

function stepSection(stepId: string, rights: StepFieldRights, path: string): CompiledSection {
  const section: FormSection = {
    section: `step:${stepId}`,
    title: rights.title ?? { 'zh-CN': '本步骤填写', en: 'At this step' },
    fields: rights.fields ?? [],
  };
  return compileSection(section, path);
}

/** Compile a form once: rules prepared, value schema compiled. Cached per form object and per `cacheKey`. */
export function compileForm(form: FormDefinition, cacheKey?: string, basePath = '/form'): CompiledForm {
  const known =
    compiledByObject.get(form) ?? (cacheKey !== undefined ? compiledByKey.get(cacheKey) : undefined);
  if (known) return known;

  const schema = typeof form.schema === 'object' && form.schema !== null ? form.schema : {};
  const required = Array.isArray(schema.required)
    ? schema.required.filter((key): key is string => typeof key === 'string')
    : [];
  // Whether a field is required depends on whether it is shown, so the root `required` is applied here, not by ajv.
  const { required: _rootRequired, ...valueSchema } = schema;
  let validate: ValidateFunction | undefined;
  let schemaProblem: Problem | undefined;
  try {
    validate = compileValueSchema(valueSchema);
  } catch (error) {
    schemaProblem = formProblem('form.schemaInvalid', `${basePath}/schema`, {
      detail: error instanceof Error ? error.message : String(error),
    });
  }
  const stepFields = new Map<string, CompiledSection>();
  for (const [stepId, rights] of Object.entries(form.steps ?? {})) {
    stepFields.set(stepId, stepSection(stepId, rights, `${basePath}/steps/${escapePointerSegment(stepId)}`));
  }
  const sections = (form.layout ?? []).map((section, index) =>
    compileSection(section, `${basePath}/layout/${index}`),
  );
  const fields = sections.flatMap((section) => section.fields);
  const compiled: CompiledForm = {
    sections,
    fields,
    fieldByKey: new Map(fields.map((field) => [field.definition.field, field])),
    schemaRequired: new Set(required),
    stepFields,
    ...(validate ? { validate } : {}),
    ...(schemaProblem ? { schemaProblem } : {}),
  };
  compiledByObject.set(form, compiled);
  if (cacheKey !== undefined) {
    if (compiledByKey.size >= MAX_CACHED_FORMS) {
      const oldest = compiledByKey.keys().next();
      if (!oldest.done) compiledByKey.delete(oldest.value);
    }
    compiledByKey.set(cacheKey, compiled);
  }
  return compiled;
}

// ---- Values ------------------------------------------------------------------------------------------------------

const MAX_VALUE_DEPTH = 32;

/** A deep copy without keys MongoDB or a rule path would misread (`a.b`, `$set`, `__proto__`). */
export function sanitizeValue(value: unknown, depth = 0): unknown {
  if (depth > MAX_VALUE_DEPTH) return undefined;
  if (Array.isArray(value)) return value.map((item) => sanitizeValue(item, depth + 1) ?? null);
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (!isValidFieldKey(key)) continue;
      const clean = sanitizeValue(item, depth + 1);
      if (clean !== undefined) copy[key] = clean;
    }
    return copy;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return undefined;
  return value;
}

/** Nothing filled in: absent, null, blank text, empty list, or an unticked single checkbox. */
export function isEmptyValue(value: unknown, widget?: WidgetKind): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (widget === 'checkbox' && value === false) return true;
  return false;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every(
    (key) =>
      Object.hasOwn(b, key) &&
      deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

function ownRecord(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const record: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (isValidFieldKey(key)) record[key] = item;
  }
  return record;
}

// ---- Evaluation --------------------------------------------------------------------------------------------------

interface RuleRun {
  env: RuleEnv;
  problems: Problem[];
  reported: Set<string>;
}

function runRule(
  rule: PreparedRule | Problem | undefined,
  context: Record<string, unknown>,
  fallback: boolean,
  run: RuleRun,
  label: LocalizedText,
  ruleName: LocalizedText,
): boolean {
  if (rule === undefined) return fallback;
  const outcome = 'evaluate' in rule ? rule.test(context, run.env) : { ok: false as const, error: rule };
  if (outcome.ok) return outcome.value;
  const problem = outcome.error;
  if (!run.reported.has(problem.path)) {
    run.reported.add(problem.path);
    run.problems.push(
      formProblem('form.ruleFailed', problem.path, {
        label,
        ruleName,
        reason: problem.text,
        cause: problem.code,
      }),
    );
  }
  return fallback;
}

/**
 * The one form function the studio preview, the portal and the server all call: which fields are shown, required
 * and read-only for these values at this step, what is wrong with the values, and the clean values to store.
 * Hidden fields are never required and their values are dropped; read-only fields cannot be changed. Never throws.
 */
export function evaluateForm(
  form: FormDefinition,
  data: unknown,
  options: EvaluateFormOptions = {},
): FormEvaluation {
  const mode = options.mode ?? 'create';
  const compiled = compileForm(form, options.cacheKey, options.basePath ?? '/form');
  const rights: StepFieldRights | undefined =
    options.stepRights ??
    (options.stepId !== undefined && form.steps ? form.steps[options.stepId] : undefined);
  const stepId = options.stepId ?? 'step';
  const stepOwn: CompiledSection | undefined =
    options.stepRights !== undefined
      ? options.stepRights.fields?.length
        ? stepSection(
            stepId,
            options.stepRights,
            `${options.basePath ?? '/form'}/steps/${escapePointerSegment(stepId)}`,
          )
        : undefined
      : options.stepId !== undefined
        ? compiled.stepFields.get(options.stepId)
        : undefined;
  const withStepFields = stepOwn !== undefined && stepOwn.fields.length > 0;
  const sections = withStepFields ? [...compiled.sections, stepOwn] : compiled.sections;
  const allFields = withStepFields ? sections.flatMap((section) => section.fields) : compiled.fields;
  const fieldByKey = withStepFields
    ? new Map(allFields.map((field) => [field.definition.field, field]))
    : compiled.fieldByKey;
  const stepOwnKeys = new Set(stepOwn?.fields.map((field) => field.definition.field));
  const stepHidden = new Set(rights?.hidden ?? []);
  const stepReadOnly = new Set(rights?.readOnly ?? []);
  const stepEditable = rights?.editable ? new Set(rights.editable) : undefined;

  const submitted = ownRecord(data);
  const previous = mode === 'edit' ? ownRecord(options.previous) : {};
  const dropped = Object.keys(submitted).filter((key) => !fieldByKey.has(key));
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    for (const key of Object.keys(data))
      if (!isValidFieldKey(key) && !dropped.includes(key)) dropped.push(key);
  }

  // What the rules see: the stored values, overlaid by what was sent, with defaults for a new form.
  const values: Record<string, unknown> = {};
  for (const [key, field] of fieldByKey) {
    if (Object.hasOwn(submitted, key)) values[key] = sanitizeValue(submitted[key]);
    else if (Object.hasOwn(previous, key)) values[key] = previous[key];
    else if (mode === 'create' && field.definition.default !== undefined)
      values[key] = sanitizeValue(field.definition.default);
  }

  const run: RuleRun = { env: options.env ?? {}, problems: [], reported: new Set() };
  if (compiled.schemaProblem) run.problems.push(compiled.schemaProblem);
  const staticRights: StaticRights = { stepHidden, stepReadOnly, stepEditable, stepOwnKeys };

  // A refused change to a read-only field must not steer the other fields' rules: put the expected value back and
  // work the states out again, until no read-only field holds a changed value (at most once per field).
  const rejected = new Set<string>();
  let states = resolveStates(sections, allFields, values, compiled, staticRights, run);
  for (let attempt = 0; attempt < allFields.length; attempt += 1) {
    let reverted = false;
    for (const field of allFields) {
      const key = field.definition.field;
      const state = states.fields[key] as FieldState;
      if (!state.visible || !state.readOnly || rejected.has(key) || !Object.hasOwn(submitted, key)) continue;
      const expected = expectedValueOf(field, mode, previous);
      if (sameValue(values[key], expected)) continue;
      rejected.add(key);
      reverted = true;
      if (expected === undefined) delete values[key];
      else values[key] = expected;
    }
    if (!reverted) break;
    states = resolveStates(sections, allFields, values, compiled, staticRights, run);
  }

  const { fields, hiddenBy, sectionVisible } = states;
  const errors: Problem[] = [];
  const clean: Record<string, unknown> = {};
  const cleared: string[] = [];
  for (const field of allFields) {
    const { field: key, label, widget } = field.definition;
    const { visible, readOnly, required } = fields[key] as FieldState;
    const hidden = hiddenBy.get(key);
    const wasSent = Object.hasOwn(submitted, key);
    const value = values[key];
    if (!visible) {
      // A value hidden by a condition no longer applies; a field hidden for this step keeps its stored value.
      if (hidden !== 'step' && Object.hasOwn(previous, key)) cleared.push(key);
      continue;
    }
    if (readOnly) {
      if (rejected.has(key)) errors.push(formProblem('form.readOnly', dataPath(key), { label, field: key }));
      const expected = expectedValueOf(field, mode, previous);
      if (mode === 'create' && expected !== undefined) clean[key] = expected;
      continue;
    }
    if (isEmptyValue(value, widget)) {
      if (mode === 'edit' && wasSent && Object.hasOwn(previous, key)) cleared.push(key);
      if (required)
        errors.push(formProblem('form.required', dataPath(key), { label, field: key, where: '' }));
      continue;
    }
    if (mode === 'create' || wasSent) clean[key] = value;
  }

  if (compiled.validate)
    errors.push(
      ...valueErrors(
        compiled.validate,
        // Field keys only (never `__proto__`), so assigning writes what a spread of the two would.
        Object.assign(valuesForCheck(values, fields), clean),
        fields,
        fieldByKey,
        errors,
      ),
    );
  return {
    fields,
    sections: sections.map((section) => ({
      section: section.definition.section,
      title: section.definition.title,
      visible: sectionVisible.get(section.definition.section) ?? true,
      fields: section.fields.map((field) => field.definition.field),
    })),
    errors,
    valid: errors.length === 0,
    data: clean,
    cleared,
    dropped,
    problems: run.problems,
  };
}

/*
 * Module functions rather than arrows made per call (one per field for the path): under tsx (esbuild keepNames)
 * each named arrow made costs a `name` property definition.
 */
function expectedValueOf(field: CompiledField, mode: FormMode, previous: Record<string, unknown>): unknown {
  return mode === 'edit' ? previous[field.definition.field] : sanitizeValue(field.definition.default);
}

function dataPath(key: string): string {
  return `/data/${escapePointerSegment(key)}`;
}

interface StaticRights {
  stepHidden: ReadonlySet<string>;
  stepReadOnly: ReadonlySet<string>;
  stepEditable: ReadonlySet<string> | undefined;
  stepOwnKeys: ReadonlySet<string>;
}

interface ResolvedStates {
  fields: Record<string, FieldState>;
  hiddenBy: Map<string, HiddenBy>;
  sectionVisible: Map<string, boolean>;
}

function sameValue(a: unknown, b: unknown): boolean {
  return deepEqual(a, b) || (isEmptyValue(a) && isEmptyValue(b));
}

/** Visible, required and read-only for every field, given the values. */
function resolveStates(
  sections: CompiledSection[],
  allFields: readonly CompiledField[],
  values: Record<string, unknown>,
  compiled: CompiledForm,
  rights: StaticRights,
  run: RuleRun,
): ResolvedStates {
  // A field hidden by its rule takes its value out of what other rules see, which can hide more fields: repeat
  // until nothing changes (at most once per field).
  const hiddenBy = new Map<string, HiddenBy>();
  const sectionVisible = new Map<string, boolean>();
  // The context of a round that changed nothing is the one the hidden fields leave: kept for the states below.
  let settledContext: Record<string, unknown> | undefined;
  for (let round = 0; round <= allFields.length; round += 1) {
    const context = contextWithout(values, hiddenBy);
    const next = new Map<string, HiddenBy>();
    for (const section of sections) {
      const { title } = section.definition;
      const shown = runRule(section.visibleWhen, context, true, run, title, RULE_NAMES.visibleWhen);
      sectionVisible.set(section.definition.section, shown);
      for (const field of section.fields) {
        const { field: key, label } = field.definition;
        if (rights.stepHidden.has(key)) next.set(key, 'step');
        else if (!shown) next.set(key, 'section');
        else if (!runRule(field.rules.visibleWhen, context, true, run, label, RULE_NAMES.visibleWhen)) {
          next.set(key, 'rule');
        }
      }
    }
    let stable = next.size === hiddenBy.size;
    if (stable) {
      for (const [key, why] of next) {
        if (hiddenBy.get(key) !== why) {
          stable = false;
          break;
        }
      }
    }
    if (stable) {
      settledContext = context;
      break;
    }
    hiddenBy.clear();
    for (const [key, why] of next) hiddenBy.set(key, why);
  }

  const context = settledContext ?? contextWithout(values, hiddenBy);
  const fields: Record<string, FieldState> = {};
  for (const field of allFields) {
    const { field: key, label, widget } = field.definition;
    const hidden = hiddenBy.get(key);
    const visible = hidden === undefined;
    const readOnly =
      visible &&
      (rights.stepReadOnly.has(key) ||
        (rights.stepEditable !== undefined &&
          !rights.stepEditable.has(key) &&
          !rights.stepOwnKeys.has(key)) ||
        runRule(field.rules.readOnlyWhen, context, false, run, label, RULE_NAMES.readOnlyWhen));
    const required =
      visible &&
      !readOnly &&
      (compiled.schemaRequired.has(key) ||
        runRule(field.rules.requiredWhen, context, false, run, label, RULE_NAMES.requiredWhen));
    fields[key] = {
      field: key,
      section: field.section,
      widget,
      label,
      visible,
      required,
      readOnly,
      ...(hidden ? { hiddenBy: hidden } : {}),
    };
  }
  return { fields, hiddenBy, sectionVisible };
}

function contextWithout(
  values: Record<string, unknown>,
  hidden: Map<string, HiddenBy>,
): Record<string, unknown> {
  if (hidden.size === 0) return values;
  const context: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    // A field hidden only at this step still holds its value: rules may depend on it.
    const why = hidden.get(key);
    if (why === undefined || why === 'step') context[key] = value;
  }
  return context;
}

/** The values ajv checks: every visible, editable, filled-in field (stored values included in edit mode). */
function valuesForCheck(
  values: Record<string, unknown>,
  fields: Record<string, FieldState>,
): Record<string, unknown> {
  const checked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const state = fields[key];
    if (state && state.visible && !state.readOnly && !isEmptyValue(value, state.widget)) checked[key] = value;
  }
  return checked;
}

function valueErrors(
  validate: ValidateFunction,
  checked: Record<string, unknown>,
  fields: Record<string, FieldState>,
  fieldByKey: ReadonlyMap<string, CompiledField>,
  already: Problem[],
): Problem[] {
  if (validate(checked)) return [];
  const problems: Problem[] = [];
  const seen = new Set(already.map((problem) => `${problem.code} ${problem.path}`));
  for (const error of validate.errors ?? []) {
    const problem = translateValueError(error, fields, fieldByKey);
    if (!problem) continue;
    const identity = `${problem.code} ${problem.path}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    problems.push(problem);
  }
  return problems;
}

function decodeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

const FORM_LABEL: LocalizedText = { 'zh-CN': '表单', en: 'The form' };

function translateValueError(
  error: ErrorObject,
  fields: Record<string, FieldState>,
  fieldByKey: ReadonlyMap<string, CompiledField>,
): Problem | undefined {
  const segments = error.instancePath.split('/').slice(1).map(decodeSegment);
  const params = error.params as Record<string, unknown>;
  let fieldKey = segments[0];
  let inner = segments.slice(1);
  let code: FormMessageCode;
  if (error.keyword === 'required') {
    const missing = String(params.missingProperty);
    if (fieldKey === undefined) fieldKey = missing;
    else inner = [...inner, missing];
    code = 'form.required';
  } else {
    code = Object.hasOwn(formMessages, `form.${error.keyword}`)
      ? (`form.${error.keyword}` as FormMessageCode)
      : 'form.invalid';
  }
  if (fieldKey === undefined) {
    return formProblem('form.invalid', '/data', { label: FORM_LABEL, where: '', keyword: error.keyword });
  }
  const state = fields[fieldKey];
  // Rules for hidden or read-only fields do not apply to what the person sent.
  if (!state || !state.visible || state.readOnly) return undefined;
  const where = describeInner(inner, fieldByKey.get(fieldKey)?.definition);
  const path = `/data/${[fieldKey, ...inner].map(escapePointerSegment).join('/')}`;
  const extra: Record<string, unknown> = {
    label: state.label,
    field: fieldKey,
    where,
    keyword: error.keyword,
  };
  if (params.limit !== undefined) extra.limit = params.limit;
  if (error.keyword === 'multipleOf') extra.limit = params.multipleOf;
  if (error.keyword === 'type') {
    const types = String(params.type).split(',');
    extra.expected = {
      'zh-CN': types.map((type) => TYPE_NAMES[type]?.['zh-CN'] ?? type).join('或'),
      en: types.map((type) => TYPE_NAMES[type]?.en ?? type).join(' or '),
    };
  }
  if (error.keyword === 'format') {
    const format = String(params.format);
    extra.format = FORMAT_NAMES[format] ?? { 'zh-CN': format, en: format };
  }
  return formProblem(code, path, extra);
}

/** “（第 2 行，数量）” / “ (row 2, Qty)” for a problem inside a field's value. */
function describeInner(inner: string[], field: FormField | undefined): LocalizedText {
  if (inner.length === 0) return { 'zh-CN': '', en: '' };
  const zh: string[] = [];
  const en: string[] = [];
  for (const segment of inner) {
    if (/^\d+$/.test(segment)) {
      const position = Number(segment) + 1;
      const isRow = field?.widget === 'table';
      zh.push(isRow ? `第 ${position} 行` : `第 ${position} 项`);
      en.push(isRow ? `row ${position}` : `item ${position}`);
    } else {
      const column = field?.columns?.find((candidate) => candidate.field === segment);
      zh.push(column ? column.label['zh-CN'] : segment);
      en.push(column ? column.label.en : segment);
    }
  }
  return localizeWith({ 'zh-CN': '（{zh}）', en: ' ({en})' }, { zh: zh.join('，'), en: en.join(', ') });
}
