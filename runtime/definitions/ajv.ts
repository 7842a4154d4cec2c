/**
 * The one Ajv instance of the runtime, and the translation of its errors into Problems an analyst can read.
 *
 * Every definition schema of the runtime (ticket type, form, flow, routing, SLA, calendars, templates, node
 * configs) is compiled here once, at module load, with `compileValidator`. Schemas written by analysts (a form's
 * data schema) go through `compileAnalystSchema`, which never throws and reports a bad schema as a Problem.
 */
import { Ajv } from 'ajv';
import type { AnySchema, ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { LocalizedText, Problem, Result } from '../common/types.js';
import {
  FORMAT_LABELS,
  JSON_TYPE_LABELS,
  ROOT_LABEL,
  definitionProblem,
  patternHint,
  settingLabels,
} from './messages.js';
import type { DefinitionMessageCode, ProblemPlace } from './messages.js';
import { joinPointer, pointerSegments } from './pointer.js';

// ajv-formats is CommonJS: Node hands us `module.exports` (the plugin, which also carries itself as `.default`),
// TypeScript types the default import as the module namespace. `.default` is the plugin under both readings.
const addFormats = addFormatsModule.default;

/**
 * Strictness chosen for schemas an analyst may write, not only ours:
 * - unknown keywords and formats are errors (a typo such as `maxLenght` must not silently check nothing);
 * - NaN and Infinity never validate as numbers (they cannot be stored, DESIGN.md §8);
 * - type-less keywords, open tuples, `required` without `properties` and union types are normal in hand-written
 *   schemas, so they are allowed;
 * - defaults are never written into the checked value: validation must not change what the analyst saved;
 * - schemas are not registered by `$id`, so two analysts' schemas with the same `$id` do not collide.
 */
export const ajv = new Ajv({
  allErrors: true,
  verbose: true,
  strict: true,
  strictSchema: true,
  strictNumbers: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  allowUnionTypes: true,
  useDefaults: false,
  coerceTypes: false,
  removeAdditional: false,
  addUsedSchema: false,
  logger: false,
});
addFormats(ajv);

/**
 * `x-ordo-ref` marks a string in a schema as a reference to something defined elsewhere (`team`, `calendar`,
 * `field`, `template`, `status`, `node`, `role`, `user`, `ticket-type`). It never fails validation; while
 * `collectReferences` runs, every referencing value met is recorded so the caller can check that it exists.
 */
export const REFERENCE_KEYWORD = 'x-ordo-ref';

export interface SchemaReference {
  kind: string;
  value: string;
  /** Pointer of the value inside the checked value (not including the validator's base path). */
  path: string;
}

let referenceCollector: SchemaReference[] | undefined;

ajv.addKeyword({
  keyword: REFERENCE_KEYWORD,
  schemaType: 'string',
  errors: false,
  validate: (
    kind: string,
    data: unknown,
    _parentSchema?: unknown,
    dataContext?: { instancePath: string },
  ) => {
    if (referenceCollector && typeof data === 'string') {
      referenceCollector.push({ kind, value: data, path: dataContext?.instancePath ?? '' });
    }
    return true;
  },
});

/** Run validations and gather every `x-ordo-ref` value they met (each value and path once). */
export function collectReferences<T>(run: () => T): { result: T; references: SchemaReference[] } {
  const outer = referenceCollector;
  const collected: SchemaReference[] = [];
  referenceCollector = collected;
  try {
    const result = run();
    const seen = new Set<string>();
    const references = collected.filter((reference) => {
      const identity = `${reference.kind}\u0000${reference.path}\u0000${reference.value}`;
      if (seen.has(identity)) return false;
      seen.add(identity);
      return true;
    });
    return { result, references };
  } finally {
    referenceCollector = outer;
  }
}

/** Checks a value and returns the problems found; an empty list means valid. Never throws. */
export type Validator = (value: unknown, basePath?: string, context?: ValidationContext) => Problem[];

export interface ValidationContext extends ProblemPlace {
  /** Where the checked value sits, in words (e.g. the node “Triage”), shown instead of the path's parents. */
  where?: LocalizedText;
}

export interface CompileOptions {
  /** Labels for setting names, used before the built-in ones. */
  labels?: Record<string, LocalizedText>;
  /** What the root of the checked value is called in messages (default: “definition”). */
  rootLabel?: LocalizedText;
}

const compiled = new WeakMap<object, ValidateFunction>();

function compileCached(schema: AnySchema): ValidateFunction {
  if (typeof schema === 'boolean') return ajv.compile(schema);
  const known = compiled.get(schema);
  if (known) return known;
  const validate = ajv.compile(schema);
  compiled.set(schema, validate);
  return validate;
}

/**
 * Compile one of the runtime's own schemas. Throws if the schema itself is broken: that is a programming error to
 * be found at module load, not a problem of the analyst's definition.
 */
export function compileValidator(schema: AnySchema, options: CompileOptions = {}): Validator {
  const validate = compileCached(schema);
  return (value, basePath = '', context = {}) => {
    try {
      if (validate(value)) return [];
      return translateAjvErrors(validate.errors ?? [], basePath, { ...options, ...context });
    } catch (error) {
      // Deeply nested or cyclic input can exhaust the stack inside generated code; report, never throw.
      return [
        definitionProblem(
          'definition.invalid',
          basePath,
          { label: options.rootLabel ?? ROOT_LABEL, at: '', detail: errorDetail(error) },
          context,
        ),
      ];
    }
  };
}

const MAX_CACHED_ANALYST_SCHEMAS = 100;
/** Validators of analyst schemas by their JSON text; the oldest is dropped first. */
const analystValidators = new Map<string, Validator>();

/**
 * Compile a JSON Schema written by an analyst (a form's data schema). A schema that is not valid JSON Schema, uses
 * unknown keywords or formats, or has a broken pattern yields `definition.dataSchemaInvalid` at `path`.
 */
export function compileAnalystSchema(
  schema: unknown,
  path: string,
  options: CompileOptions = {},
): Result<Validator, Problem[]> {
  if (
    typeof schema !== 'boolean' &&
    (typeof schema !== 'object' || schema === null || Array.isArray(schema))
  ) {
    return {
      ok: false,
      error: [
        definitionProblem('definition.type', path, {
          label: settingLabels.schema,
          expected: JSON_TYPE_LABELS.object,
          at: '',
        }),
      ],
    };
  }
  // Compiling generates code and takes milliseconds; the studio checks the same form on every change.
  try {
    const cacheKey = JSON.stringify([schema, options]);
    const known = analystValidators.get(cacheKey);
    if (known) return { ok: true, value: known };
    if (ajv.validateSchema(schema) !== true) {
      return {
        ok: false,
        error: translateAjvErrors(ajv.errors ?? [], path, { rootLabel: settingLabels.schema }),
      };
    }
    const validator = compileValidator(schema, options);
    if (analystValidators.size >= MAX_CACHED_ANALYST_SCHEMAS) {
      const oldest = analystValidators.keys().next().value;
      if (oldest !== undefined) analystValidators.delete(oldest);
    }
    analystValidators.set(cacheKey, validator);
    return { ok: true, value: validator };
  } catch (error) {
    const detail = errorDetail(error);
    const unknownKeyword = /unknown (keyword|format):? "?([^"\s]+)"?/.exec(detail);
    if (unknownKeyword) {
      return {
        ok: false,
        error: [
          definitionProblem('definition.dataSchemaUnknownKeyword', path, {
            keyword: unknownKeyword[2] ?? '',
          }),
        ],
      };
    }
    return { ok: false, error: [definitionProblem('definition.dataSchemaInvalid', path, { detail })] };
  }
}

function errorDetail(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 300 ? message.slice(0, 297) + '…' : message;
}

// ---- Error translation -------------------------------------------------------------------------------------------

type TranslateOptions = CompileOptions & ValidationContext;

const COMPOSITE_KEYWORDS = new Set(['anyOf', 'oneOf']);
/** A branch failing one of these at the union's own value was meant for another type of value. */
const WRONG_TYPE_KEYWORDS = new Set(['type', 'false schema']);
/** A branch failing one of these anywhere was (most likely) meant for another kind: a discriminator mismatch. */
const WRONG_KIND_KEYWORDS = new Set(['const', 'enum']);

/**
 * With `allErrors`, a failing `anyOf` reports every branch's errors. An analyst wants the mistakes of the branch
 * they meant: set aside branches for another type of value, then branches for another kind (a `const`/`enum`
 * mismatch, usually a discriminator), and keep the one that accepts the value's own keys, then the one with the
 * fewest errors; if only one branch has the right
 * type, keep it even with a kind mismatch; when nothing is left, say only that no form matched.
 */
function focusUnionErrors(errors: ErrorObject[]): ErrorObject[] {
  const composite = errors
    .filter((error) => COMPOSITE_KEYWORDS.has(error.keyword))
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length)[0];
  if (!composite) return errors;

  const prefix = composite.schemaPath + '/';
  const parentPath = composite.schemaPath.slice(0, composite.schemaPath.lastIndexOf('/') + 1);
  const within = (error: ErrorObject) =>
    error.instancePath === composite.instancePath ||
    error.instancePath.startsWith(composite.instancePath + '/');
  // Errors of a branch that went through a `$ref` carry the referenced schema's path, not the branch's: they are
  // the ones just before the union's own error that do not belong to its parent schema.
  const viaReference = new Set<ErrorObject>();
  for (let index = errors.indexOf(composite) - 1; index >= 0; index -= 1) {
    const error = errors[index] as ErrorObject;
    if (!within(error)) break;
    if (error.schemaPath.startsWith(prefix)) continue;
    if (error.schemaPath.startsWith(parentPath)) break;
    viaReference.add(error);
  }
  const branches = new Map<string, ErrorObject[]>();
  const others: ErrorObject[] = [];
  for (const error of errors) {
    if (error === composite) continue;
    const branch = viaReference.has(error)
      ? '$ref'
      : within(error) && error.schemaPath.startsWith(prefix)
        ? (error.schemaPath.slice(prefix.length).split('/')[0] ?? '')
        : undefined;
    if (branch === undefined) others.push(error);
    else branches.set(branch, [...(branches.get(branch) ?? []), error]);
  }

  const rightType = [...branches.values()].filter(
    (branchErrors) =>
      !branchErrors.some(
        (error) => WRONG_TYPE_KEYWORDS.has(error.keyword) && error.instancePath === composite.instancePath,
      ),
  );
  // A branch refusing the value's own keys (a required key missing, a key unknown to it) was written for another
  // shape; one whose only complaints lie deeper accepts the shape and points at the real mistake, however many
  // there are (three priority rules without an id are not a matrix missing).
  const shapeMisses = (branchErrors: ErrorObject[]) =>
    branchErrors.filter(
      (error) =>
        error.instancePath === composite.instancePath &&
        (error.keyword === 'required' || error.keyword === 'additionalProperties'),
    ).length;
  const rightKind = rightType
    .filter((branchErrors) => !branchErrors.some((error) => WRONG_KIND_KEYWORDS.has(error.keyword)))
    .sort((a, b) => shapeMisses(a) - shapeMisses(b) || a.length - b.length);
  const chosen = rightKind[0] ?? (rightType.length === 1 ? rightType[0] : undefined);
  const replacement = chosen ? focusUnionErrors(chosen) : [composite];
  return focusUnionErrors(others).concat(replacement);
}

function isArrayIndex(segment: string): boolean {
  return /^(0|[1-9]\d*)$/.test(segment);
}

/**
 * What a setting is called: the caller's labels, then the runtime's bilingual labels, then the schema's `title`
 * (one language only), then the name as written.
 */
function labelOf(
  segment: string | undefined,
  parentSegment: string | undefined,
  options: TranslateOptions,
  schema?: unknown,
): LocalizedText {
  if (segment === undefined) return options.rootLabel ?? ROOT_LABEL;
  if (isArrayIndex(segment)) {
    const position = Number(segment) + 1;
    const parent = parentSegment === undefined ? undefined : labelOf(parentSegment, undefined, options);
    return parent
      ? { 'zh-CN': `${parent['zh-CN']}的第 ${position} 项`, en: `item ${position} of the ${parent.en}` }
      : { 'zh-CN': `第 ${position} 项`, en: `item ${position}` };
  }
  return (
    options.labels?.[segment] ??
    settingLabels[segment] ??
    titleLabel(schema) ?? { 'zh-CN': segment, en: `setting “${segment}”` }
  );
}

/** Where, in words, the value at `segments` sits: “(位置：流程 › 节点 › 第 4 项)”. Empty at the root. */
function locationOf(segments: string[], options: TranslateOptions): LocalizedText {
  const words = segments.map((segment, index) =>
    isArrayIndex(segment)
      ? { 'zh-CN': `第 ${Number(segment) + 1} 项`, en: `item ${Number(segment) + 1}` }
      : labelOf(segment, segments[index - 1], options),
  );
  const zh = [...(options.where ? [options.where['zh-CN']] : []), ...words.map((word) => word['zh-CN'])];
  const en = [...(options.where ? [options.where.en] : []), ...words.map((word) => word.en)];
  if (zh.length === 0) return { 'zh-CN': '', en: '' };
  return { 'zh-CN': `（位置：${zh.join(' › ')}）`, en: ` (in ${en.join(' › ')})` };
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.length > 60 ? value.slice(0, 57) + '…' : value;
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json.length > 60 ? json.slice(0, 57) + '…' : json;
  } catch {
    return String(value);
  }
}

function titleLabel(schema: unknown): LocalizedText | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const title = (schema as { title?: unknown }).title;
  if (typeof title !== 'string' || title.length === 0) return undefined;
  // Titles are written as headings (“Step name”); inside a sentence they read better in lower case, acronyms aside.
  const inSentence = /^[A-Z][a-z]/.test(title) ? title.charAt(0).toLowerCase() + title.slice(1) : title;
  return { 'zh-CN': title, en: inSentence };
}

/**
 * Turn ajv errors into Problems. `basePath` is the pointer of the checked value inside the whole document; the
 * pointer of each problem points at the offending setting itself (for a missing one: where it should be).
 */
export function translateAjvErrors(
  errors: ErrorObject[],
  basePath = '',
  options: TranslateOptions = {},
): Problem[] {
  // `contains` reports why each item did not match; only the summary helps.
  const containsPaths = errors
    .filter((error) => error.keyword === 'contains')
    .map((error) => error.schemaPath + '/');
  const relevant = errors.filter(
    (error) => error.keyword !== 'if' && !containsPaths.some((prefix) => error.schemaPath.startsWith(prefix)),
  );
  const focused = focusUnionErrors(relevant).sort((a, b) => relevant.indexOf(a) - relevant.indexOf(b));
  // A bad property name reports twice: once for the name's own check and once for `propertyNames`.
  const withoutNameDetails = focused.filter(
    (error) =>
      error.keyword === 'propertyNames' || (error as { propertyName?: string }).propertyName === undefined,
  );
  const place: ProblemPlace = {};
  if (options.nodeId !== undefined) place.nodeId = options.nodeId;
  if (options.edgeId !== undefined) place.edgeId = options.edgeId;

  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of withoutNameDetails) {
    const problem = translateOne(error, basePath, options, place);
    const identity = `${problem.code} ${problem.path}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    problems.push(problem);
  }
  return problems;
}

function translateOne(error: ErrorObject, basePath: string, options: TranslateOptions, place: ProblemPlace) {
  const params = error.params as Record<string, unknown>;
  const valueSegments = pointerSegments(error.instancePath);

  /** A problem about the child `property` of the failing value (missing or extra setting). */
  const aboutChild = (code: DefinitionMessageCode, property: string, extra: Record<string, unknown> = {}) => {
    const childSchema = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)
      ?.properties?.[property];
    const label = labelOf(property, valueSegments.at(-1), options, childSchema);
    return definitionProblem(
      code,
      joinPointer(basePath + error.instancePath, property),
      { label, property, at: locationOf(valueSegments, options), ...extra },
      place,
    );
  };

  const path = basePath + error.instancePath;
  const label = labelOf(valueSegments.at(-1), valueSegments.at(-2), options, error.parentSchema);
  // An item's label already names its list (“item 3 of the nodes”), so the location stops above the list.
  const parentCount = isArrayIndex(valueSegments.at(-1) ?? '') ? 2 : 1;
  const at = locationOf(valueSegments.slice(0, -parentCount), options);
  const about = (code: DefinitionMessageCode, extra: Record<string, unknown> = {}) =>
    definitionProblem(code, path, { label, at, ...extra }, place);

  switch (error.keyword) {
    case 'required':
      return aboutChild('definition.required', String(params.missingProperty));
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return definitionProblem(
        'definition.additionalProperty',
        joinPointer(path, String(params.additionalProperty ?? params.unevaluatedProperty)),
        {
          label: labelOf(valueSegments.at(-1), valueSegments.at(-2), options),
          property: String(params.additionalProperty ?? params.unevaluatedProperty),
          at,
        },
        place,
      );
    case 'dependentRequired':
    case 'dependencies':
      return aboutChild('definition.required', String(params.missingProperty), {
        property: String(params.property),
      });
    case 'propertyNames':
      return definitionProblem(
        'definition.propertyName',
        joinPointer(path, String(params.propertyName)),
        { label, property: String(params.propertyName), at },
        place,
      );
    case 'type': {
      const expected = String(params.type)
        .split(',')
        .map((type) => JSON_TYPE_LABELS[type] ?? { 'zh-CN': type, en: type });
      const joined: LocalizedText = {
        'zh-CN': expected.map((text) => text['zh-CN']).join('或'),
        en: expected.map((text) => text.en).join(' or '),
      };
      return about('definition.type', { expected: joined, type: params.type });
    }
    case 'enum':
      return about('definition.enum', {
        value: describeValue(error.data),
        allowed: (params.allowedValues as unknown[]).map(describeValue),
      });
    case 'const':
      return about('definition.const', { allowed: describeValue(params.allowedValue) });
    case 'pattern':
      return about('definition.pattern', {
        hint: patternHint(String(params.pattern)),
        pattern: params.pattern,
      });
    case 'format':
      return about('definition.format', {
        format: FORMAT_LABELS[String(params.format)] ?? {
          'zh-CN': String(params.format),
          en: String(params.format),
        },
      });
    case 'minLength':
    case 'maxLength':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties':
      return about(`definition.${error.keyword}`, { limit: params.limit });
    case 'multipleOf':
      return about('definition.multipleOf', { limit: params.multipleOf });
    case 'uniqueItems':
      // ajv counts from 0 and names the later item first.
      return about('definition.uniqueItems', { first: Number(params.j) + 1, second: Number(params.i) + 1 });
    case 'anyOf':
      return about('definition.anyOf');
    case 'oneOf':
      return about('definition.oneOf');
    case 'not':
      return about('definition.not');
    case 'false schema':
      return about('definition.notAllowed');
    case 'contains':
      return about('definition.contains');
    default:
      return about('definition.invalid', { detail: error.message ?? error.keyword, keyword: error.keyword });
  }
}
