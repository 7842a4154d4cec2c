import type { Problem, Result } from '../common/types.js';
import {
  describeValue,
  readOwnPath,
  sharedRuleCache,
  type PreparedRule,
  type RuleCache,
  type RuleEnv,
  type RuleScope,
} from '../rules/index.js';

/** How routing and priority rules are evaluated: the rule env, plus where the rules come from for caching. */
export interface RulesRunEnv extends RuleEnv {
  /** The published definition version the rules belong to; without it rules are prepared on every call. */
  scope?: RuleScope;
  /** JSON pointer of the rules inside the definition, for problem paths and cache keys. */
  basePath?: string;
  /** Defaults to the shared cache. */
  cache?: RuleCache;
}

interface PreparedTable {
  scopeKey: string;
  basePath: string;
  conditions: Result<PreparedRule>[];
}

const preparedTables = new WeakMap<object, PreparedTable>();

/**
 * The prepared conditions of a rule table (routing or priority rules), in order. For a published version the
 * whole table is remembered by the table object, so a decision costs one lookup, not one per rule.
 */
export function prepareConditions(
  table: readonly { when: unknown }[],
  basePath: string,
  pathOf: (index: number) => string,
  env: RulesRunEnv,
): Result<PreparedRule>[] {
  const scopeKey = env.scope ? `${env.scope.definitionKey}@${env.scope.version}` : undefined;
  if (scopeKey !== undefined) {
    const known = preparedTables.get(table);
    if (known && known.scopeKey === scopeKey && known.basePath === basePath) return known.conditions;
  }
  const cache = env.cache ?? sharedRuleCache;
  const conditions = table.map((rule, index) => cache.prepare(env.scope, pathOf(index), rule.when));
  if (scopeKey !== undefined) preparedTables.set(table, { scopeKey, basePath, conditions });
  return conditions;
}

export type RuleOutcome = { ok: true; holds: boolean; rule: PreparedRule } | { ok: false; problem: Problem };

export function testRule(logic: unknown, path: string, context: unknown, env: RulesRunEnv): RuleOutcome {
  return testPrepared((env.cache ?? sharedRuleCache).prepare(env.scope, path, logic), context, env);
}

export function testPrepared(
  prepared: Result<PreparedRule>,
  context: unknown,
  env: RulesRunEnv,
): RuleOutcome {
  if (!prepared.ok) return { ok: false, problem: prepared.error };
  const result = prepared.value.test(context, env);
  if (!result.ok) return { ok: false, problem: result.error };
  return { ok: true, holds: result.value, rule: prepared.value };
}

export function evaluateExpression(
  logic: unknown,
  path: string,
  context: unknown,
  env: RulesRunEnv,
): { ok: true; value: unknown } | { ok: false; problem: Problem } {
  const prepared = (env.cache ?? sharedRuleCache).prepare(env.scope, path, logic);
  if (!prepared.ok) return { ok: false, problem: prepared.error };
  const result = prepared.value.evaluate(context, env);
  return result.ok ? { ok: true, value: result.value } : { ok: false, problem: result.error };
}

const MAX_VALUES_SHOWN = 4;

/** `data.service = "server", requester.level = "vip"`: the values a rule looked at, for its explanation. */
export function describeReadValues(rule: PreparedRule, context: unknown): string {
  return rule.variables
    .slice(0, MAX_VALUES_SHOWN)
    .map((path) => `${path} = ${describeValue(readOwnPath(context, path, null))}`)
    .join(', ');
}
