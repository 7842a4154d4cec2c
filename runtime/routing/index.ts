/** Routing rules (ordered, first match, default last) and priority (rules or impact × urgency matrix). */
export {
  ASSIGNMENT_STRATEGIES,
  checkRoutingRules,
  isDefaultRule,
  routingRulesSchema,
  routingThenSchema,
  skillRequirementSchema,
  type AssignmentStrategy,
  type RoutingRule,
  type RoutingRules,
  type RoutingThen,
  type SkillRequirement,
  type SkillRequirementInput,
} from './routing-rules.schema.js';
export { route, type RoutingDecision, type RoutingTarget } from './route.js';
export {
  DEFAULT_PRIORITY,
  applyRoutingPriority,
  checkPriorityRules,
  computePriority,
  morePressing,
  priorityRank,
  priorityRulesSchema,
  type PriorityChange,
  type PriorityDecision,
  type PriorityDefinition,
  type PriorityMatrix,
  type PriorityRule,
} from './priority.js';
export type { RulesRunEnv } from './rule-context.js';
export {
  PRIORITY_NAMES,
  STRATEGY_NAMES,
  routingMessages,
  type RoutingMessageCode,
} from './routing-messages.js';
