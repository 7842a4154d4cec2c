/**
 * Rules: json-logic behind an allow-list, plus Ordo's domain operations (keywords, business hours, date
 * arithmetic). Prepare a rule once, evaluate it many times; evaluation never throws. See README.md.
 */
export {
  ALLOWED_OPERATIONS,
  FORBIDDEN_PATH_SEGMENTS,
  STANDARD_OPERATIONS,
  checkRule,
  escapePointerSegment,
  isTruthy,
  prepareRule,
  type PreparedRule,
} from './rule-engine.js';
export type { RuleEnv } from './rule-env.js';
export {
  createRuleCache,
  prepareCachedRule,
  ruleCacheKey,
  sharedRuleCache,
  type RuleCache,
  type RuleScope,
} from './rule-cache.js';
export { ruleMessages, type RuleMessageCode } from './rule-messages.js';
export { ruleProblem } from './rule-problem.js';
export { normalizeForKeywords } from './operations/keywords.operation.js';
export { describeValue, explain, localizeWith } from './explain.js';
export { readOwnPath } from './operations/safe-var.operation.js';
export { ruleConditionSchema, ruleExpressionSchema } from './rule.schema.js';
