/**
 * The one check of a whole ticket type, used on save, on publish, on template install and in the studio: the
 * envelope, every part against its owner's schema and checks, the form's data schema, the cross-references between
 * parts and to what exists outside, and the flow checks. Any input gives problems, never an exception.
 */
import { IANAZone } from 'luxon';
import type { LocalizedText, Problem } from '../common/types.js';
import { STATUS_CATEGORIES } from '../common/types.js';
import { FIELD_KEY_PATTERN, checkForm, formSchema, isValidFieldKey } from '../form/index.js';
import type { FormDefinition } from '../form/index.js';
import {
  checkPriorityRules,
  checkRoutingRules,
  priorityRulesSchema,
  routingRulesSchema,
} from '../routing/index.js';
import type { PriorityDefinition, RoutingRules } from '../routing/index.js';
import { checkNotificationTemplate, notificationTemplatesSchema } from '../notify/index.js';
import type { NotificationTemplate } from '../notify/index.js';
import { checkRule } from '../rules/index.js';
import { slaPolicySchema } from '../sla/index.js';
import { PRESET_CALENDARS } from '../time/index.js';
import { collectReferences, compileAnalystSchema, compileValidator } from './ajv.js';
import type { SchemaReference } from './ajv.js';
import type { Validator } from './ajv.js';
import { checkFlow } from './flow-check.js';
import { STATUS_CATEGORY_LABELS, definitionProblem, registerPatternHint, settingLabels } from './messages.js';
import { parseNumberFormat } from './number-format.js';
import { joinPointer } from './pointer.js';
import { checkReference, checkRuleVariables, isReferenceKind } from './references.js';
import type { DefinitionRefs } from './references.js';
import { embeddedRuleVariables } from './rule-references.js';
import { ticketTypeSchema } from './ticket-type.schema.js';

export interface TicketTypeValidation {
  /** True when there is no problem at all. */
  valid: boolean;
  problems: Problem[];
}

registerPatternHint(FIELD_KEY_PATTERN, {
  'zh-CN': '字段标识不能包含“.”，不能以“$”开头，不能是保留字，最多 64 个字符',
  en: 'a field key must not contain “.”, start with “$” or be a reserved word, and has at most 64 characters',
});
const MAX_FIELD_KEY_LENGTH = 64;
const RESERVED_FIELD_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const validateEnvelope = compileValidator(ticketTypeSchema, {
  rootLabel: { 'zh-CN': '工单类型', en: 'ticket type' },
});

interface PartChecker {
  name: 'form' | 'routing' | 'priority' | 'sla' | 'notifications';
  /** The owner's schema. */
  validate: Validator;
  /** The owner's checks of what a schema cannot say; run only once the schema accepted the part. */
  check?: (value: never, basePath: string) => Problem[];
}

const PART_CHECKERS: PartChecker[] = [
  {
    name: 'form',
    validate: compileValidator(formSchema, { rootLabel: settingLabels.form }),
    check: (form: FormDefinition, basePath) => checkForm(form, basePath),
  },
  {
    name: 'routing',
    validate: compileValidator(routingRulesSchema, { rootLabel: settingLabels.routing }),
    check: (rules: RoutingRules, basePath) => checkRoutingRules(rules, basePath),
  },
  {
    name: 'priority',
    validate: compileValidator(priorityRulesSchema, { rootLabel: settingLabels.priority }),
    check: (priority: PriorityDefinition, basePath) => checkPriorityRules(priority, basePath),
  },
  {
    name: 'sla',
    validate: compileValidator(slaPolicySchema, { rootLabel: settingLabels.sla }),
    check: (sla: { targets: { when?: unknown }[] }, basePath) =>
      sla.targets.flatMap((target, index) =>
        target.when === undefined
          ? []
          : checkRule(target.when, joinPointer(basePath, 'targets', index, 'when')),
      ),
  },
  {
    name: 'notifications',
    validate: compileValidator(notificationTemplatesSchema, { rootLabel: settingLabels.notifications }),
    check: (templates: Record<string, NotificationTemplate>, basePath) =>
      Object.entries(templates).flatMap(([key, template]) =>
        checkNotificationTemplate(template, joinPointer(basePath, key), key),
      ),
  },
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MAX_DEPTH = 100;
const MAX_JSON_PROBLEMS = 20;

/**
 * Values that JSON (and the database) cannot hold, found before any schema runs: NaN and infinities, functions,
 * symbols, big integers, `undefined` in lists, objects that are not plain, cycles, and absurd nesting.
 */
function nonJsonProblems(root: unknown): Problem[] {
  const problems: Problem[] = [];
  const ancestors = new Set<object>();
  const visit = (value: unknown, path: string, depth: number): void => {
    if (problems.length >= MAX_JSON_PROBLEMS) return;
    const report = () =>
      problems.push(definitionProblem('definition.notJson', path, { label: labelAt(path), at: atOf(path) }));
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) report();
      return;
    }
    if (typeof value !== 'object' || depth > MAX_DEPTH || ancestors.has(value)) return void report();
    const prototype: unknown = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return void report();
    ancestors.add(value);
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index += 1) {
        visit(value[index], joinPointer(path, index), depth + 1);
      }
    } else {
      for (const [key, item] of Object.entries(value)) {
        // An undefined property is simply not saved.
        if (item !== undefined) visit(item, joinPointer(path, key), depth + 1);
      }
    }
    ancestors.delete(value);
  };
  visit(root, '', 0);
  return problems;
}

function labelAt(path: string): LocalizedText {
  const last = path.split('/').at(-1) ?? '';
  return (
    settingLabels[last] ??
    (last === '' ? { 'zh-CN': '工单类型', en: 'ticket type' } : { 'zh-CN': last, en: last })
  );
}

function atOf(path: string): LocalizedText {
  return path === '' ? { 'zh-CN': '', en: '' } : { 'zh-CN': `（位置：${path}）`, en: ` (at ${path})` };
}

/**
 * Check a whole ticket type. `refs` lists what exists outside it (teams, calendars, roles, users, other ticket
 * types, shared templates); a list left undefined is not checked. Form fields, statuses and the definition's own
 * templates are taken from the definition; the preset calendars always exist.
 */
export function validateTicketType(definition: unknown, refs: DefinitionRefs = {}): TicketTypeValidation {
  let problems: Problem[];
  try {
    problems = collectProblems(definition, refs);
  } catch (error) {
    problems = [
      definitionProblem('definition.unexpectedError', '', {
        part: { 'zh-CN': '工单类型', en: 'ticket type' },
        detail: error instanceof Error ? error.message : String(error),
      }),
    ];
  }
  const finalProblems = preferSpecificProblems(problems);
  return { valid: finalProblems.length === 0, problems: finalProblems };
}

function collectProblems(definition: unknown, refs: DefinitionRefs): Problem[] {
  if (!isRecord(definition)) {
    const problems = definition === undefined ? [] : nonJsonProblems(definition);
    return problems.length > 0 ? problems : [definitionProblem('definition.notObject', '')];
  }
  const jsonProblems = nonJsonProblems(definition);
  if (jsonProblems.length > 0) return jsonProblems;

  const problems: Problem[] = [...validateEnvelope(definition, '')];
  if (typeof definition.numberFormat === 'string') {
    problems.push(...parseNumberFormat(definition.numberFormat, '/numberFormat').problems);
  }
  if (typeof definition.zone === 'string' && !IANAZone.isValidZone(definition.zone)) {
    problems.push(definitionProblem('definition.zone', '/zone', { zone: definition.zone }));
  }
  const statusKeys = checkStatuses(definition.statuses, problems);

  const partsAccepted = new Set<string>();
  const partReferences: { part: PartChecker['name']; basePath: string; references: SchemaReference[] }[] = [];
  for (const part of PART_CHECKERS) {
    const value = definition[part.name];
    if (value === undefined) continue;
    const basePath = `/${part.name}`;
    const validate = part.validate;
    const { result: shapeProblems, references } = collectReferences(() => validate(value, basePath));
    problems.push(...shapeProblems);
    partReferences.push({ part: part.name, basePath, references });
    if (shapeProblems.length === 0) {
      partsAccepted.add(part.name);
      if (part.check) problems.push(...part.check(value as never, basePath));
    }
  }

  const form = isRecord(definition.form) ? definition.form : undefined;
  const formProperties =
    form && isRecord(form.schema) && isRecord(form.schema.properties) ? form.schema.properties : {};
  if (form && form.schema !== undefined) {
    const compiled = compileAnalystSchema(form.schema, '/form/schema');
    if (!compiled.ok) problems.push(...compiled.error);
  }
  for (const key of Object.keys(formProperties)) problems.push(...fieldKeyProblems(key));

  const flow = isRecord(definition.flow) ? definition.flow : undefined;
  const nodeIds = new Set(
    Array.isArray(flow?.nodes)
      ? flow.nodes.flatMap((node: unknown) =>
          isRecord(node) && typeof node.id === 'string' ? [node.id] : [],
        )
      : [],
  );
  const ownTemplates = isRecord(definition.notifications) ? Object.keys(definition.notifications) : [];
  const resolvedRefs: DefinitionRefs = {
    ...refs,
    fields: refs.fields ?? Object.keys(formProperties).filter((key) => isValidFieldKey(key)),
    statuses: refs.statuses ?? statusKeys,
    templates: [...ownTemplates, ...(refs.templates ?? [])],
    calendars: refs.calendars === undefined ? undefined : [...PRESET_CALENDARS.keys(), ...refs.calendars],
  };

  if (flow !== undefined) problems.push(...checkFlow(flow, resolvedRefs, '/flow'));
  if (form) problems.push(...checkFormReferences(form, resolvedRefs, nodeIds));
  if (partsAccepted.has('routing'))
    problems.push(...checkRoutingReferences(definition.routing, resolvedRefs, nodeIds));
  for (const part of ['priority', 'sla'] as const) {
    if (definition[part] === undefined) continue;
    problems.push(
      ...checkRuleVariables(embeddedRuleVariables(definition[part], `/${part}`), resolvedRefs, {
        context: 'ticket',
        nodeIds,
        where: PART_WHERE[part],
      }),
    );
  }
  for (const { part, basePath, references } of partReferences) {
    problems.push(
      ...checkSchemaReferences(references, basePath, resolvedRefs, nodeIds, PART_WHERE_BY_NAME[part]),
    );
  }
  return problems;
}

const PART_WHERE: Record<'form' | 'routing' | 'priority' | 'sla', LocalizedText> = {
  form: { 'zh-CN': '表单规则', en: 'A form rule' },
  routing: { 'zh-CN': '分派规则', en: 'A routing rule' },
  priority: { 'zh-CN': '优先级规则', en: 'A priority rule' },
  sla: { 'zh-CN': 'SLA 策略', en: 'The SLA policy' },
};

const PART_WHERE_BY_NAME: Record<PartChecker['name'], LocalizedText> = {
  ...PART_WHERE,
  form: { 'zh-CN': '表单', en: 'The form' },
  notifications: { 'zh-CN': '通知模板', en: 'A notification template' },
};

/**
 * Field keys become keys of stored documents and segments of rule paths (DESIGN.md §8): say exactly what is wrong
 * with one, which a pattern cannot.
 */
function fieldKeyProblems(key: string): Problem[] {
  const path = joinPointer('/form/schema/properties', key);
  const params = { field: key };
  const problems: Problem[] = [];
  if (key === '') problems.push(definitionProblem('definition.fieldKey.empty', path));
  if (key.includes('.')) problems.push(definitionProblem('definition.fieldKey.dot', path, params));
  if (key.startsWith('$')) problems.push(definitionProblem('definition.fieldKey.dollar', path, params));
  if (RESERVED_FIELD_KEYS.has(key))
    problems.push(definitionProblem('definition.fieldKey.reserved', path, params));
  if (key.length > MAX_FIELD_KEY_LENGTH) {
    problems.push(
      definitionProblem('definition.fieldKey.tooLong', path, { ...params, max: MAX_FIELD_KEY_LENGTH }),
    );
  }
  return problems;
}

/** Every category needs a status, and a status key names one status only. Returns the keys found. */
function checkStatuses(statuses: unknown, problems: Problem[]): string[] {
  if (!isRecord(statuses)) return [];
  const firstCategoryOf = new Map<string, string>();
  for (const category of STATUS_CATEGORIES) {
    const list = statuses[category];
    const path = joinPointer('/statuses', category);
    if (list === undefined || (Array.isArray(list) && list.length === 0)) {
      problems.push(
        definitionProblem('definition.statuses.categoryEmpty', path, {
          category: STATUS_CATEGORY_LABELS[category],
        }),
      );
      continue;
    }
    if (!Array.isArray(list)) continue;
    list.forEach((status: unknown, index) => {
      if (!isRecord(status) || typeof status.key !== 'string') return;
      const first = firstCategoryOf.get(status.key);
      if (first === undefined) {
        firstCategoryOf.set(status.key, category);
        return;
      }
      problems.push(
        definitionProblem('definition.statuses.duplicateKey', joinPointer(path, index, 'key'), {
          key: status.key,
          first: STATUS_CATEGORY_LABELS[first],
          second: STATUS_CATEGORY_LABELS[category],
        }),
      );
    });
  }
  return [...firstCategoryOf.keys()];
}

/** Form rules read the form's own fields; step rights are keyed by flow step. */
function checkFormReferences(
  form: Record<string, unknown>,
  refs: DefinitionRefs,
  nodeIds: ReadonlySet<string>,
): Problem[] {
  const problems = checkRuleVariables(embeddedRuleVariables(form.layout, '/form/layout'), refs, {
    context: 'form',
    where: PART_WHERE.form,
  });
  if (isRecord(form.steps)) {
    for (const [stepId, rights] of Object.entries(form.steps)) {
      const path = joinPointer('/form/steps', stepId);
      if (!nodeIds.has(stepId)) {
        problems.push(
          definitionProblem('definition.ref.unknownNode', path, {
            where: { 'zh-CN': '表单的步骤字段权限', en: 'The step field rights of the form' },
            node: stepId,
          }),
        );
      }
      problems.push(
        ...checkRuleVariables(embeddedRuleVariables(rights, path), refs, {
          context: 'form',
          where: PART_WHERE.form,
        }),
      );
    }
  }
  return problems;
}

function checkRoutingReferences(
  routing: unknown,
  refs: DefinitionRefs,
  nodeIds: ReadonlySet<string>,
): Problem[] {
  const problems: Problem[] = [];
  if (!Array.isArray(routing)) return problems;
  routing.forEach((rule: unknown, index) => {
    if (!isRecord(rule) || !isRecord(rule.then)) return;
    const path = joinPointer('/routing', index);
    const where: LocalizedText = {
      'zh-CN': `分派规则“${String(rule.id)}”`,
      en: `The routing rule “${String(rule.id)}”`,
    };
    const then = rule.then;
    const push = (problem: Problem | undefined) => {
      if (problem) problems.push(problem);
    };
    if (typeof then.team === 'string')
      push(checkReference('team', then.team, joinPointer(path, 'then', 'team'), refs, where));
    if (typeof then.user === 'string')
      push(checkReference('user', then.user, joinPointer(path, 'then', 'user'), refs, where));
    if (Array.isArray(then.watchers)) {
      then.watchers.forEach((watcher: unknown, watcherIndex) => {
        if (typeof watcher === 'string') {
          push(
            checkReference('user', watcher, joinPointer(path, 'then', 'watchers', watcherIndex), refs, where),
          );
        }
      });
    }
    problems.push(
      ...checkRuleVariables(embeddedRuleVariables(rule, path), refs, { context: 'ticket', nodeIds, where }),
    );
  });
  return problems;
}

/** The `x-ordo-ref` values a part's schema met must name things that exist. */
function checkSchemaReferences(
  references: SchemaReference[],
  basePath: string,
  refs: DefinitionRefs,
  nodeIds: ReadonlySet<string>,
  where: LocalizedText,
): Problem[] {
  return references.flatMap((reference) => {
    const path = basePath + reference.path;
    if (reference.kind === 'node') {
      return nodeIds.has(reference.value)
        ? []
        : [definitionProblem('definition.ref.unknownNode', path, { where, node: reference.value })];
    }
    if (!isReferenceKind(reference.kind)) return [];
    const problem = checkReference(reference.kind, reference.value, path, refs, where);
    return problem ? [problem] : [];
  });
}

/**
 * A value checked both by a schema and by its owner's own check can be reported twice at the same place (a bad
 * field key: once by `propertyNames`, once by `checkForm`). Keep the owner's, which says more.
 */
function preferSpecificProblems(problems: Problem[]): Problem[] {
  const GENERIC = new Set(['definition.propertyName', 'definition.pattern', 'form.fieldKey']);
  const specificPaths = new Set(
    problems.filter((problem) => !GENERIC.has(problem.code)).map((problem) => problem.path),
  );
  const seen = new Set<string>();
  return problems.filter((problem) => {
    if (GENERIC.has(problem.code) && specificPaths.has(problem.path)) return false;
    const identity = `${problem.code}\u0000${problem.path}\u0000${problem.nodeId ?? ''}\u0000${problem.edgeId ?? ''}`;
    if (seen.has(identity)) return false;
    seen.add(identity);
    return true;
  });
}
