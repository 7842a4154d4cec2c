import { fail, ok, type Explanation, type Problem, type Result } from '../common/types.js';
import { explain, localizeWith, type PreparedRule } from '../rules/index.js';
import { routingMessages, STRATEGY_NAMES } from './routing-messages.js';
import {
  isDefaultRule,
  routingProblem,
  type RoutingRules,
  type RoutingThen,
  type SkillRequirement,
  type SkillRequirementInput,
} from './routing-rules.schema.js';
import {
  describeReadValues,
  evaluateExpression,
  prepareConditions,
  testPrepared,
  type RulesRunEnv,
} from './rule-context.js';

/** The routing rule's `then` with its skill expressions worked out for this ticket. */
export interface RoutingTarget extends Omit<RoutingThen, 'skills'> {
  skills: SkillRequirement[];
}

export interface RoutingDecision {
  ruleId: string;
  /** Zero-based position of the matched rule. */
  ruleIndex: number;
  isDefault: boolean;
  then: RoutingTarget;
  explanation: Explanation;
  /** Rules skipped because they could not be evaluated, skill expressions that gave no name. */
  problems: Problem[];
}

/**
 * First match wins. A rule that cannot be evaluated is skipped and reported, never fatal: the default rule at the
 * end still routes the ticket. Fails only when no rule applies at all (no default, or the default is broken).
 */
export function route(
  rules: RoutingRules,
  ticketContext: unknown,
  env: RulesRunEnv = {},
): Result<RoutingDecision> {
  const basePath = env.basePath ?? '/routing';
  if (!Array.isArray(rules) || rules.length === 0) return fail(routingProblem('routing.noRules', basePath));
  const problems: Problem[] = [];
  const skippedIds: string[] = [];
  const conditions = prepareConditions(rules, basePath, (index) => `${basePath}/${index}/when`, env);
  for (const [index, rule] of rules.entries()) {
    const outcome = testPrepared(conditions[index] as Result<PreparedRule>, ticketContext, env);
    if (!outcome.ok) {
      skippedIds.push(rule.id);
      problems.push(
        routingProblem('routing.ruleFailed', outcome.problem.path, {
          ruleId: rule.id,
          reason: outcome.problem.text,
          cause: outcome.problem.code,
        }),
      );
      continue;
    }
    if (!outcome.holds) continue;

    const skills = resolveSkills(
      rule.then.skills ?? [],
      rule.id,
      `${basePath}/${index}/then/skills`,
      ticketContext,
      env,
      problems,
    );
    const isDefault = isDefaultRule(rule);
    const values = isDefault ? '' : describeReadValues(outcome.rule, ticketContext);
    const reason = isDefault
      ? routingMessages['routing.reason.default']
      : values === ''
        ? routingMessages['routing.reason.condition']
        : localizeWith(routingMessages['routing.reason.conditionWithValues'], { values });
    const skippedNote =
      skippedIds.length === 0
        ? { 'zh-CN': '', en: '' }
        : localizeWith(routingMessages['routing.skippedNote'], { ruleIds: skippedIds.join(', ') });
    // Built without spreads (slow in V8 on a site that sees several shapes); same keys in the same order.
    const params: Record<string, unknown> = {
      ruleId: rule.id,
      position: index + 1,
      team: rule.then.team,
      strategy: rule.then.strategy,
    };
    if (skills.length > 0) params.skills = skills;
    if (skippedIds.length > 0) params.skipped = skippedIds;
    const explanation = explain(
      isDefault ? 'routing.matchedDefault' : 'routing.matched',
      routingMessages['routing.matched'],
      params,
      { reason, strategyName: STRATEGY_NAMES[rule.then.strategy], skippedNote },
    );
    return ok({
      ruleId: rule.id,
      ruleIndex: index,
      isDefault,
      then: { ...rule.then, skills },
      explanation,
      problems,
    });
  }
  const noMatch = routingProblem(
    'routing.noMatch',
    basePath,
    skippedIds.length > 0 ? { skipped: skippedIds } : {},
  );
  return fail(noMatch);
}

function resolveSkills(
  inputs: SkillRequirementInput[],
  ruleId: string,
  path: string,
  ticketContext: unknown,
  env: RulesRunEnv,
  problems: Problem[],
): SkillRequirement[] {
  const resolved: SkillRequirement[] = [];
  inputs.forEach((input, index) => {
    const itemPath = `${path}/${index}`;
    const isRequirement = typeof input === 'object' && 'name' in input;
    const level = isRequirement && typeof input.level === 'number' ? input.level : 1;
    let names: unknown;
    if (typeof input === 'string') {
      names = input;
    } else {
      const expression = isRequirement ? input.name : input;
      const outcome = evaluateExpression(
        expression,
        isRequirement ? `${itemPath}/name` : itemPath,
        ticketContext,
        env,
      );
      names = outcome.ok ? outcome.value : undefined;
      if (!outcome.ok) problems.push(outcome.problem);
    }
    // An expression may give one name or a list (e.g. every service ticked on the form).
    const list = (Array.isArray(names) ? names : [names]).filter(
      (name): name is string => typeof name === 'string' && name.trim() !== '',
    );
    if (list.length === 0) {
      problems.push(routingProblem('routing.skillUnresolved', itemPath, { ruleId, position: index + 1 }));
    }
    for (const name of list) {
      if (!resolved.some((skill) => skill.name === name)) resolved.push({ name, level });
    }
  });
  return resolved;
}
