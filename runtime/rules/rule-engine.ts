import jsonLogic from 'json-logic-js';
import { fail, ok, type Problem, type Result } from '../common/types.js';
import { domainOperations, SAFE_VAR_OPERATION } from './domain-operations.js';
import { swapRuleEnv, type RuleEnv } from './rule-env.js';
import { RuleOperationError, ruleProblem } from './rule-problem.js';

/** The json-logic operations an analyst may use. `log` and `method` are left out on purpose: no side effects, no
 * calls into JavaScript objects. */
export const STANDARD_OPERATIONS = [
  'var',
  'missing',
  'missing_some',
  'if',
  '?:',
  '==',
  '===',
  '!=',
  '!==',
  '!',
  '!!',
  'or',
  'and',
  '>',
  '>=',
  '<',
  '<=',
  'max',
  'min',
  '+',
  '-',
  '*',
  '/',
  '%',
  'map',
  'filter',
  'reduce',
  'all',
  'none',
  'some',
  'merge',
  'in',
  'cat',
  'substr',
] as const;

const allowedOperations: ReadonlySet<string> = new Set<string>([
  ...STANDARD_OPERATIONS,
  ...Object.keys(domainOperations),
]);

/** Every operation name a rule may use, for the studio's rule builder. */
export const ALLOWED_OPERATIONS: readonly string[] = [...allowedOperations];

/** Path segments that would reach into JavaScript's object machinery instead of the ticket's data. */
export const FORBIDDEN_PATH_SEGMENTS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

const MAX_DEPTH = 64;
const MAX_NODES = 5000;

/** A rule checked once against the allow-list, ready to be evaluated many times. */
export interface PreparedRule {
  /** The rule as written. */
  readonly logic: unknown;
  /** Where the rule sits in its definition (JSON pointer); problems found while evaluating point here. */
  readonly path: string;
  /** The operations the rule uses, each once. */
  readonly operations: readonly string[];
  /**
   * The data paths the rule reads from its context with a literal `var`, `missing` or `missing_some`, each once
   * (paths read from the items of `map`, `filter`, ... are not the context's and are left out).
   */
  readonly variables: readonly string[];
  /** Evaluate against data; never throws. */
  evaluate(data: unknown, env?: RuleEnv): Result<unknown>;
  /** Evaluate and apply json-logic truthiness; never throws. */
  test(data: unknown, env?: RuleEnv): Result<boolean>;
}

/** json-logic truthiness: like JavaScript's, except that an empty array is false. */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value) && value.length === 0) return false;
  return Boolean(value);
}

export function escapePointerSegment(segment: string | number): string {
  const text = String(segment);
  // Most segments (field keys, indexes) need no escape: skip the two regex passes for them.
  return text.includes('~') || text.includes('/') ? text.replace(/~/g, '~0').replace(/\//g, '~1') : text;
}

interface PrepareState {
  problems: Problem[];
  operations: Set<string>;
  variables: Set<string>;
  nodes: number;
  tooComplex: boolean;
}

/**
 * Check a json-logic rule once: every operation must be on the allow-list, every literal data path must stay out
 * of the prototype chain, domain operations must get the number of arguments they need. The first problem found
 * is returned with its path inside the definition.
 */
export function prepareRule(logic: unknown, path = ''): Result<PreparedRule> {
  const state: PrepareState = {
    problems: [],
    operations: new Set(),
    variables: new Set(),
    nodes: 0,
    tooComplex: false,
  };
  const compiled = compileNode(logic, path, 0, state);
  const firstProblem = state.problems[0];
  if (firstProblem) return fail(firstProblem);
  return ok(createPreparedRule(logic, compiled, path, [...state.operations], [...state.variables]));
}

/** Like prepareRule, but returns every problem found (for the studio, which shows them all at once). */
export function checkRule(logic: unknown, path = ''): Problem[] {
  const state: PrepareState = {
    problems: [],
    operations: new Set(),
    variables: new Set(),
    nodes: 0,
    tooComplex: false,
  };
  compileNode(logic, path, 0, state);
  return state.problems;
}

/** Operations whose later arguments run over the items of their first one: a `var` there reads an item. */
const ITEM_SCOPED_OPERATIONS = new Set(['map', 'filter', 'reduce', 'all', 'none', 'some']);

function compileNode(
  node: unknown,
  pointer: string,
  depth: number,
  state: PrepareState,
  itemScope = false,
): unknown {
  state.nodes += 1;
  if (depth > MAX_DEPTH || state.nodes > MAX_NODES) {
    if (!state.tooComplex) {
      state.tooComplex = true;
      state.problems.push(
        ruleProblem('rule.tooComplex', pointer, { maxDepth: MAX_DEPTH, maxNodes: MAX_NODES }),
      );
    }
    return null;
  }
  if (Array.isArray(node)) {
    return node.map((element, index) =>
      compileNode(element, `${pointer}/${index}`, depth + 1, state, itemScope),
    );
  }
  if (node === null || typeof node !== 'object') return node;

  const keys = Object.keys(node);
  if (keys.length !== 1) {
    state.problems.push(ruleProblem('rule.malformedOperation', pointer, { count: keys.length }));
    return null;
  }
  const operation = keys[0] as string;
  const operationPointer = `${pointer}/${escapePointerSegment(operation)}`;
  if (!allowedOperations.has(operation)) {
    state.problems.push(ruleProblem('rule.unknownOperation', operationPointer, { operation }));
    return null;
  }
  state.operations.add(operation);
  const rawArgs: unknown = (node as Record<string, unknown>)[operation];
  const args: unknown[] = Array.isArray(rawArgs) ? rawArgs : [rawArgs];

  checkArity(operation, args.length, operationPointer, state);
  if (operation === 'var') checkVarPath(args[0], operationPointer, state, itemScope);
  if (operation === 'missing') checkLiteralKeys(args, operationPointer, state, itemScope);
  if (operation === 'missing_some') {
    checkLiteralKeys(Array.isArray(args[1]) ? args[1] : [], operationPointer, state, itemScope);
  }
  const scoped = ITEM_SCOPED_OPERATIONS.has(operation);

  // Keep the rule's own argument form (single value vs array) so json-logic sees what the analyst wrote.
  const compiledArgs = Array.isArray(rawArgs)
    ? rawArgs.map((arg, index) =>
        compileNode(
          arg,
          `${operationPointer}/${index}`,
          depth + 1,
          state,
          itemScope || (scoped && index === 1),
        ),
      )
    : compileNode(rawArgs, operationPointer, depth + 1, state, itemScope);
  const compiledOperation = operation === 'var' ? SAFE_VAR_OPERATION : operation;
  return { [compiledOperation]: compiledArgs };
}

function checkArity(operation: string, count: number, pointer: string, state: PrepareState): void {
  const definition = domainOperations[operation];
  if (!definition) return;
  const { minArgs, maxArgs } = definition;
  if (count < minArgs || count > maxArgs) {
    const expected = minArgs === maxArgs ? String(minArgs) : `${minArgs}–${maxArgs}`;
    state.problems.push(ruleProblem('rule.wrongArity', pointer, { operation, expected, actual: count }));
  }
}

function checkVarPath(path: unknown, pointer: string, state: PrepareState, itemScope: boolean): void {
  if (typeof path === 'number') {
    if (!itemScope) state.variables.add(String(path));
    return;
  }
  if (typeof path !== 'string') return; // computed paths are guarded when evaluated
  if (path !== '' && !itemScope) state.variables.add(path);
  if (path.split('.').some((segment) => FORBIDDEN_PATH_SEGMENTS.has(segment))) {
    state.problems.push(ruleProblem('rule.forbiddenPath', pointer, { path }));
  }
}

function checkLiteralKeys(keys: unknown[], pointer: string, state: PrepareState, itemScope: boolean): void {
  for (const key of keys) {
    if (Array.isArray(key)) {
      checkLiteralKeys(key, pointer, state, itemScope);
    } else {
      checkVarPath(key, pointer, state, itemScope);
    }
  }
}

const NO_ENV: RuleEnv = Object.freeze({});
const TRUE: Result<boolean> = Object.freeze(ok(true));
const FALSE: Result<boolean> = Object.freeze(ok(false));

function createPreparedRule(
  logic: unknown,
  compiled: unknown,
  path: string,
  operations: string[],
  variables: string[],
): PreparedRule {
  // Hot path (routing runs every rule of a table per ticket): no closures or intermediate results per call.
  const run = (data: unknown, env: RuleEnv | undefined): unknown => {
    const previous = swapRuleEnv(env ?? NO_ENV);
    try {
      return jsonLogic.apply(compiled as jsonLogic.RulesLogic, data ?? {}) as unknown;
    } finally {
      swapRuleEnv(previous);
    }
  };
  const evaluate = (data: unknown, env?: RuleEnv): Result<unknown> => {
    try {
      const value = run(data, env);
      return ok(value === undefined ? null : value);
    } catch (error) {
      return fail(toProblem(error, path));
    }
  };
  return {
    logic,
    path,
    operations,
    variables,
    evaluate,
    test(data, env) {
      try {
        return isTruthy(run(data, env)) ? TRUE : FALSE;
      } catch (error) {
        return fail(toProblem(error, path));
      }
    },
  };
}

function toProblem(error: unknown, path: string): Problem {
  if (error instanceof RuleOperationError) return ruleProblem(error.code, path, error.params);
  const reason = error instanceof Error ? error.message : String(error);
  return ruleProblem('rule.evaluationFailed', path, { reason });
}
