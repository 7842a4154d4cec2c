/**
 * The rule builder's visual model and its exact mapping to json-logic. A rule is shown visually only when the
 * model written back gives the very same JSON (same keys, same order, same values); anything else stays JSON and
 * is never rewritten. Every operation produced here is on the runtime's allow-list (`ALLOWED_OPERATIONS`).
 */
import { ALLOWED_OPERATIONS } from '../../../../runtime/rules/rule-engine';
import type { RuleVariableInfo } from './rule-builder.types';

/** The operators a condition row offers, each one exact json-logic shape (see `emitCondition`). */
export const RULE_OPERATORS = [
  'eq',
  'ne',
  'in',
  'notIn',
  'contains',
  'notContains',
  'keywords',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'isEmpty',
  'isNotEmpty',
  'inBusinessHours',
  'notInBusinessHours',
] as const;
export type RuleOperator = (typeof RULE_OPERATORS)[number];

/** The json-logic operations each operator writes (all on the runtime allow-list, checked by the tests). */
export const OPERATOR_OPERATIONS: Record<RuleOperator, readonly string[]> = {
  eq: ['==', 'var'],
  ne: ['!=', 'var'],
  in: ['in', 'var'],
  notIn: ['!', 'in', 'var'],
  contains: ['in', 'var'],
  notContains: ['!', 'in', 'var'],
  keywords: ['keywords', 'var'],
  gt: ['>', 'var'],
  gte: ['>=', 'var'],
  lt: ['<', 'var'],
  lte: ['<=', 'var'],
  between: ['<=', 'var'],
  isEmpty: ['!', 'var'],
  isNotEmpty: ['!!', 'var'],
  inBusinessHours: ['inBusinessHours', 'var'],
  notInBusinessHours: ['!', 'inBusinessHours', 'var'],
};

/** What the value of an operator looks like: none, one value, a list of values, or two bounds. */
export type OperatorArity = 'none' | 'one' | 'list' | 'range';
export const OPERATOR_ARITY: Record<RuleOperator, OperatorArity> = {
  eq: 'one',
  ne: 'one',
  in: 'list',
  notIn: 'list',
  contains: 'one',
  notContains: 'one',
  keywords: 'list',
  gt: 'one',
  gte: 'one',
  lt: 'one',
  lte: 'one',
  between: 'range',
  isEmpty: 'none',
  isNotEmpty: 'none',
  inBusinessHours: 'none',
  notInBusinessHours: 'none',
};

export type Literal = string | number | boolean | null;

export interface RuleCondition {
  kind: 'condition';
  /** The `var` path read. */
  path: string;
  operator: RuleOperator;
  /** One value (`one`), a list (`list`), `[low, high]` (`range`), nothing (`none`). */
  value?: Literal | Literal[];
}

export interface RuleGroup {
  kind: 'group';
  op: 'and' | 'or';
  /** Written `{"!": {"and": [...]}}`: none of / not all of. */
  negated: boolean;
  /**
   * The root group around a single condition written without `and` / `or` (`{"==": [...]}`): such a group is
   * written as its only child while it has one.
   */
  implicit?: boolean;
  children: RuleNode[];
}

export type RuleNode = RuleCondition | RuleGroup;

/**
 * What a value of the rule builder is: `none` (no rule: `undefined`), `always` (the literal `true`), a visual
 * `group`, or `json` (shown and edited as JSON only).
 */
export type RuleView =
  | { mode: 'none' }
  | { mode: 'always' }
  | { mode: 'visual'; root: RuleGroup }
  | { mode: 'json'; reason: 'shape' | 'invalid' };

const allowed = new Set(ALLOWED_OPERATIONS);

/** Operators offered for a variable, by its type (unknown variables get every comparison). */
export function operatorsFor(variable: Pick<RuleVariableInfo, 'type'> | undefined): RuleOperator[] {
  switch (variable?.type) {
    case 'string':
      return ['eq', 'ne', 'in', 'notIn', 'contains', 'notContains', 'keywords', 'isEmpty', 'isNotEmpty'];
    case 'enum':
    case 'user':
    case 'team':
      return ['eq', 'ne', 'in', 'notIn', 'isEmpty', 'isNotEmpty'];
    case 'array':
      return ['contains', 'notContains', 'isEmpty', 'isNotEmpty'];
    case 'number':
      return ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'notIn', 'isEmpty', 'isNotEmpty'];
    case 'date':
      return ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'between', 'isEmpty', 'isNotEmpty'];
    case 'datetime':
      return [
        'gt',
        'gte',
        'lt',
        'lte',
        'between',
        'inBusinessHours',
        'notInBusinessHours',
        'isEmpty',
        'isNotEmpty',
      ];
    case 'boolean':
      return ['eq', 'ne', 'isEmpty', 'isNotEmpty'];
    default:
      return [...RULE_OPERATORS];
  }
}

/** A sensible empty value when a row switches to an operator. */
export function emptyValueFor(
  operator: RuleOperator,
  previous: RuleCondition['value'],
): RuleCondition['value'] {
  const arity = OPERATOR_ARITY[operator];
  if (arity === 'none') return undefined;
  if (arity === 'list') {
    if (Array.isArray(previous)) return previous;
    return previous === undefined || previous === null || previous === '' ? [] : [previous];
  }
  if (arity === 'range') return Array.isArray(previous) && previous.length === 2 ? previous : [null, null];
  if (Array.isArray(previous)) return previous[0] ?? null;
  return previous ?? null;
}

// ---------------------------------------------------------------------------------------------------- writing

const v = (path: string) => ({ var: path });

export function emitCondition(condition: RuleCondition): unknown {
  const { path, operator, value } = condition;
  const one = Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  switch (operator) {
    case 'eq':
      return { '==': [v(path), one] };
    case 'ne':
      return { '!=': [v(path), one] };
    case 'gt':
      return { '>': [v(path), one] };
    case 'gte':
      return { '>=': [v(path), one] };
    case 'lt':
      return { '<': [v(path), one] };
    case 'lte':
      return { '<=': [v(path), one] };
    case 'between':
      return { '<=': [list[0] ?? null, v(path), list[1] ?? null] };
    case 'in':
      return { in: [v(path), list] };
    case 'notIn':
      return { '!': { in: [v(path), list] } };
    case 'contains':
      return { in: [one, v(path)] };
    case 'notContains':
      return { '!': { in: [one, v(path)] } };
    case 'keywords':
      return { keywords: [v(path), list] };
    case 'isEmpty':
      return { '!': v(path) };
    case 'isNotEmpty':
      return { '!!': v(path) };
    case 'inBusinessHours':
      return { inBusinessHours: [v(path)] };
    case 'notInBusinessHours':
      return { '!': { inBusinessHours: [v(path)] } };
  }
}

export function emitNode(node: RuleNode): unknown {
  if (node.kind === 'condition') return emitCondition(node);
  const children = node.children.map(emitNode);
  const inner = node.implicit && children.length === 1 ? children[0] : { [node.op]: children };
  return node.negated ? { '!': inner } : inner;
}

/** The json-logic of a view (`undefined` for none). */
export function emitView(view: RuleView): unknown {
  if (view.mode === 'none') return undefined;
  if (view.mode === 'always') return true;
  if (view.mode === 'visual') return view.root.children.length === 0 ? true : emitNode(view.root);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------- reading

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{op: args}` with exactly one key, else undefined. */
function single(node: unknown): [string, unknown] | undefined {
  if (!isObject(node)) return undefined;
  const keys = Object.keys(node);
  if (keys.length !== 1) return undefined;
  const key = keys[0] as string;
  return [key, node[key]];
}

/** The path of `{"var": "path"}` (string form only). */
function varPath(node: unknown): string | undefined {
  const entry = single(node);
  if (!entry || entry[0] !== 'var' || typeof entry[1] !== 'string' || entry[1] === '') return undefined;
  return entry[1];
}

const isLiteral = (value: unknown): value is Literal =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);
const isLiteralList = (value: unknown): value is Literal[] => Array.isArray(value) && value.every(isLiteral);

const COMPARISONS: Record<string, RuleOperator> = {
  '==': 'eq',
  '!=': 'ne',
  '>': 'gt',
  '>=': 'gte',
  '<': 'lt',
  '<=': 'lte',
};

function readCondition(node: unknown): RuleCondition | undefined {
  const entry = single(node);
  if (!entry) return undefined;
  const [op, args] = entry;
  if (op === '!' || op === '!!') {
    const path = varPath(args);
    if (path !== undefined)
      return { kind: 'condition', path, operator: op === '!' ? 'isEmpty' : 'isNotEmpty' };
    if (op === '!') {
      const inner = readCondition(args);
      if (inner?.operator === 'in') return { ...inner, operator: 'notIn' };
      if (inner?.operator === 'contains') return { ...inner, operator: 'notContains' };
      if (inner?.operator === 'inBusinessHours') return { ...inner, operator: 'notInBusinessHours' };
    }
    return undefined;
  }
  if (!Array.isArray(args)) return undefined;
  const comparison = COMPARISONS[op];
  if (comparison && args.length === 2) {
    const path = varPath(args[0]);
    if (path !== undefined && isLiteral(args[1]))
      return { kind: 'condition', path, operator: comparison, value: args[1] };
    return undefined;
  }
  if (op === '<=' && args.length === 3) {
    const path = varPath(args[1]);
    if (path !== undefined && isLiteral(args[0]) && isLiteral(args[2])) {
      return { kind: 'condition', path, operator: 'between', value: [args[0], args[2]] };
    }
    return undefined;
  }
  if (op === 'in' && args.length === 2) {
    const path = varPath(args[0]);
    if (path !== undefined && isLiteralList(args[1])) {
      return { kind: 'condition', path, operator: 'in', value: [...args[1]] };
    }
    const inPath = varPath(args[1]);
    if (inPath !== undefined && isLiteral(args[0])) {
      return { kind: 'condition', path: inPath, operator: 'contains', value: args[0] };
    }
    return undefined;
  }
  if (op === 'keywords' && args.length === 2) {
    const path = varPath(args[0]);
    if (path !== undefined && isLiteralList(args[1])) {
      return { kind: 'condition', path, operator: 'keywords', value: [...args[1]] };
    }
    return undefined;
  }
  if (op === 'inBusinessHours' && args.length === 1) {
    const path = varPath(args[0]);
    if (path !== undefined) return { kind: 'condition', path, operator: 'inBusinessHours' };
  }
  return undefined;
}

function readNode(node: unknown, depth: number): RuleNode | undefined {
  if (depth > 64) return undefined;
  const entry = single(node);
  if (!entry) return undefined;
  const [op, args] = entry;
  if ((op === 'and' || op === 'or') && Array.isArray(args)) {
    const children: RuleNode[] = [];
    for (const arg of args) {
      const child = readNode(arg, depth + 1);
      if (!child) return undefined;
      children.push(child);
    }
    return { kind: 'group', op, negated: false, children };
  }
  const condition = readCondition(node);
  if (condition) return condition;
  if (op === '!') {
    const inner = readNode(args, depth + 1);
    if (inner?.kind === 'group' && !inner.negated) return { ...inner, negated: true };
  }
  return undefined;
}

/** Same JSON text: same keys in the same order, same values. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Does every operation of a rule appear on the runtime's allow-list? (the builder never writes anything else) */
export function usesOnlyAllowed(logic: unknown): boolean {
  if (Array.isArray(logic)) return logic.every(usesOnlyAllowed);
  if (!isObject(logic)) return true;
  return Object.entries(logic).every(([op, args]) => allowed.has(op) && usesOnlyAllowed(args));
}

/**
 * How the builder shows a rule. Visual only when writing the model back gives the same JSON byte for byte;
 * otherwise JSON (`shape`) — the rule is kept exactly as it is.
 */
export function readRule(logic: unknown): RuleView {
  if (logic === undefined) return { mode: 'none' };
  if (logic === true) return { mode: 'always' };
  const node = readNode(logic, 0);
  if (!node) return { mode: 'json', reason: 'shape' };
  const root: RuleGroup =
    node.kind === 'group'
      ? node
      : { kind: 'group', op: 'and', negated: false, implicit: true, children: [node] };
  if (root.children.length === 0) return { mode: 'json', reason: 'shape' };
  const view: RuleView = { mode: 'visual', root };
  return sameJson(emitView(view), logic) ? view : { mode: 'json', reason: 'shape' };
}

/** A new, empty condition row on a variable. */
export function newCondition(variable: RuleVariableInfo | undefined): RuleCondition {
  const operator = operatorsFor(variable)[0] ?? 'eq';
  return {
    kind: 'condition',
    path: variable?.path ?? '',
    operator,
    value: emptyValueFor(operator, undefined),
  };
}

export function newGroup(op: 'and' | 'or' = 'and'): RuleGroup {
  return { kind: 'group', op, negated: false, children: [] };
}

/** Every `var` path a rule reads literally (for the try-it panel when the rule cannot be prepared). */
export function readPaths(logic: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(logic)) {
    for (const item of logic) readPaths(item, into);
  } else if (isObject(logic)) {
    for (const [op, args] of Object.entries(logic)) {
      if (op === 'var' && typeof args === 'string') into.add(args);
      else if (op === 'var' && Array.isArray(args) && typeof args[0] === 'string') into.add(args[0]);
      else readPaths(args, into);
    }
  }
  return into;
}
