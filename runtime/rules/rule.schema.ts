/**
 * JSON Schemas for rules inside definitions. The shape check is deliberately loose: what a rule may contain is
 * checked by `prepareRule` / `checkRule` (allow-list, paths), which report problems an analyst can act on.
 */

/** A condition: `true`/`false` or one json-logic operation object. */
export const ruleConditionSchema = {
  title: 'condition',
  type: ['boolean', 'object'],
} as const;

/** Any json-logic expression (a value or an operation). */
export const ruleExpressionSchema = {
  title: 'expression',
  type: ['boolean', 'object', 'array', 'string', 'number', 'null'],
} as const;
