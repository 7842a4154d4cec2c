import type { Instant } from '../common/types.js';
import type { BusinessCalendar } from '../time/index.js';

/** What a rule may know about the world beyond the data it looks at. */
export interface RuleEnv {
  /** The caller's clock, for `now`, `inBusinessHours` without an argument and date arithmetic. */
  now?: Instant;
  /** The calendar business-time operations measure on. */
  calendar?: BusinessCalendar;
}

/**
 * json-logic operations receive only their arguments, so the environment of the evaluation in progress is held
 * here. Evaluation is synchronous, so exactly one environment is current at any moment.
 */
let currentEnv: RuleEnv = {};

export function currentRuleEnv(): RuleEnv {
  return currentEnv;
}

/** Make `env` current and return the one it replaces (to put back in a `finally`). */
export function swapRuleEnv(env: RuleEnv): RuleEnv {
  const previous = currentEnv;
  currentEnv = env;
  return previous;
}
