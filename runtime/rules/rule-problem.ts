import { localize, type Problem } from '../common/types.js';
import { ruleMessages, type RuleMessageCode } from './rule-messages.js';

export function ruleProblem(
  code: RuleMessageCode,
  path: string,
  params: Record<string, unknown> = {},
): Problem {
  return { code, path, params, text: localize(ruleMessages[code], params) };
}

/**
 * Thrown by a domain operation when its inputs make no sense; the prepared rule turns it into a Problem so the
 * caller gets a Result and never an exception.
 */
export class RuleOperationError extends Error {
  constructor(
    readonly code: RuleMessageCode,
    readonly params: Record<string, unknown>,
  ) {
    super(code);
    this.name = 'RuleOperationError';
  }
}
