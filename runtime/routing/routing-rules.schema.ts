import { PRIORITIES, type LocalizedText, type Priority, type Problem } from '../common/types.js';
import { checkRule, ruleConditionSchema } from '../rules/index.js';
import { explain } from '../rules/explain.js';
import { routingMessages, type RoutingMessageCode } from './routing-messages.js';

export const ASSIGNMENT_STRATEGIES = [
  'round-robin',
  'least-loaded',
  'skills',
  'direct',
  'requester-manager',
] as const;
export type AssignmentStrategy = (typeof ASSIGNMENT_STRATEGIES)[number];

/**
 * A required skill as written in a rule: a skill name, a json-logic expression giving the name (e.g.
 * `{"var": "data.service"}`), or `{ name, level }` where the name may also be an expression. Level defaults to 1.
 */
export type SkillRequirementInput = string | { name: unknown; level?: number } | Record<string, unknown>;

/** A required skill once the ticket is known. */
export interface SkillRequirement {
  name: string;
  level: number;
}

export interface RoutingThen {
  team: string;
  strategy: AssignmentStrategy;
  skills?: SkillRequirementInput[];
  /** The person for the `direct` strategy. */
  user?: string;
  /** Sets the ticket's priority. */
  priority?: Priority;
  /** Raises the ticket's priority to at least this (never lowers it). */
  priorityAtLeast?: Priority;
  tags?: string[];
  watchers?: string[];
}

export interface RoutingRule {
  id: string;
  name?: LocalizedText;
  /** json-logic over the ticket context (`data.*`, `requester.*`, `channel`, `text`, ...); `true` for the default. */
  when: unknown;
  then: RoutingThen;
}

export type RoutingRules = RoutingRule[];

const localizedTextSchema = {
  type: 'object',
  required: ['zh-CN', 'en'],
  additionalProperties: false,
  properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
} as const;

const keySchema = { type: 'string', minLength: 1, maxLength: 120 } as const;

export const ruleIdSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$',
} as const;

export const skillRequirementSchema = {
  anyOf: [
    { type: 'string', minLength: 1, maxLength: 100 },
    {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: { anyOf: [{ type: 'string', minLength: 1, maxLength: 100 }, { type: 'object' }] },
        level: { type: 'integer', minimum: 1, maximum: 10 },
      },
    },
    { type: 'object', minProperties: 1, maxProperties: 1 },
  ],
} as const;

export const routingThenSchema = {
  type: 'object',
  required: ['team', 'strategy'],
  additionalProperties: false,
  properties: {
    team: keySchema,
    strategy: { type: 'string', enum: [...ASSIGNMENT_STRATEGIES] },
    skills: { type: 'array', maxItems: 20, items: skillRequirementSchema },
    user: keySchema,
    priority: { type: 'string', enum: [...PRIORITIES] },
    priorityAtLeast: { type: 'string', enum: [...PRIORITIES] },
    tags: { type: 'array', maxItems: 50, uniqueItems: true, items: keySchema },
    watchers: { type: 'array', maxItems: 50, uniqueItems: true, items: keySchema },
  },
  if: { properties: { strategy: { const: 'direct' } }, required: ['strategy'] },
  then: { required: ['user'] },
} as const;

/** Ordered routing rules; the last one must be the default (`when: true`, checked by `checkRoutingRules`). */
export const routingRulesSchema = {
  title: 'routing rules',
  type: 'array',
  minItems: 1,
  maxItems: 500,
  items: {
    type: 'object',
    required: ['id', 'when', 'then'],
    additionalProperties: false,
    properties: {
      id: ruleIdSchema,
      name: localizedTextSchema,
      when: ruleConditionSchema,
      then: routingThenSchema,
    },
  },
} as const;

export function routingProblem(
  code: RoutingMessageCode,
  path: string,
  params: Record<string, unknown> = {},
): Problem {
  const { text } = explain(code, routingMessages[code], params);
  return { code, path, params, text };
}

/** A rule whose condition is the literal `true`: it applies to every ticket. */
export function isDefaultRule(rule: { when: unknown }): boolean {
  return rule.when === true;
}

/**
 * What the schema cannot say: the last rule is the default, no rule hides behind an earlier default, ids are
 * unique, every condition and skill expression passes the rule allow-list. Call after the schema accepted `rules`.
 */
export function checkRoutingRules(rules: RoutingRules, basePath = '/routing'): Problem[] {
  const problems: Problem[] = [];
  const firstIndexById = new Map<string, number>();
  let defaultRule: RoutingRule | undefined;
  rules.forEach((rule, index) => {
    const rulePath = `${basePath}/${index}`;
    const seenAt = firstIndexById.get(rule.id);
    if (seenAt === undefined) {
      firstIndexById.set(rule.id, index);
    } else {
      problems.push(
        routingProblem('routing.duplicateId', `${rulePath}/id`, {
          ruleId: rule.id,
          first: seenAt + 1,
          second: index + 1,
        }),
      );
    }
    if (defaultRule) {
      problems.push(
        routingProblem('routing.unreachable', rulePath, { ruleId: rule.id, defaultId: defaultRule.id }),
      );
    }
    if (isDefaultRule(rule)) defaultRule ??= rule;
    problems.push(...checkRule(rule.when, `${rulePath}/when`));
    rule.then.skills?.forEach((skill, skillIndex) => {
      const skillPath = `${rulePath}/then/skills/${skillIndex}`;
      if (typeof skill === 'string') return;
      if ('name' in skill) {
        if (typeof skill.name !== 'string') problems.push(...checkRule(skill.name, `${skillPath}/name`));
      } else {
        problems.push(...checkRule(skill, skillPath));
      }
    });
    if (rule.then.strategy === 'direct' && !rule.then.user) {
      problems.push(routingProblem('routing.directNeedsUser', `${rulePath}/then/user`, { ruleId: rule.id }));
    }
  });
  const last = rules.at(-1);
  if (!last || !isDefaultRule(last)) {
    problems.push(
      routingProblem('routing.noDefault', last ? `${basePath}/${rules.length - 1}/when` : basePath, {}),
    );
  }
  return problems;
}
