/**
 * How an SLA target is called in explanations when the analyst gave it neither a name nor an id: by its condition
 * in words ("优先级：中" / "priority: medium"), or, when the condition is not one of the simple shapes, by its
 * position in words ("未命名的第 4 条" / "unnamed, 4th in the list") — never a bare "#4".
 */
import type { LocalizedText, Priority } from '../common/types.js';
import { PRIORITY_NAMES } from '../routing/routing-messages.js';

const PRIORITIES = new Set<string>(Object.keys(PRIORITY_NAMES));

function variableOf(operand: unknown): string | undefined {
  if (typeof operand !== 'object' || operand === null || Array.isArray(operand)) return undefined;
  const entries = Object.entries(operand as Record<string, unknown>);
  if (entries.length !== 1 || entries[0]![0] !== 'var') return undefined;
  const path = entries[0]![1];
  const name: unknown = Array.isArray(path) ? (path as unknown[])[0] : path;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

const isLiteral = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** A value as the reader knows it: a priority by its name, anything else as written. */
function valueText(variable: string, value: string | number | boolean): LocalizedText {
  if (variable === 'priority' && typeof value === 'string' && PRIORITIES.has(value))
    return PRIORITY_NAMES[value as Priority];
  return { 'zh-CN': String(value), en: String(value) };
}

function variableText(variable: string): LocalizedText {
  return variable === 'priority'
    ? { 'zh-CN': '优先级', en: 'priority' }
    : { 'zh-CN': variable, en: variable };
}

function oneOf(variable: string, values: readonly (string | number | boolean)[]): LocalizedText {
  const names = values.map((value) => valueText(variable, value));
  const subject = variableText(variable);
  return {
    'zh-CN': `${subject['zh-CN']}：${names.map((name) => name['zh-CN']).join('或')}`,
    en: `${subject.en}: ${names.map((name) => name.en).join(' or ')}`,
  };
}

/** The condition in words, for the shapes analysts write most: equals, one of, all of these, always. */
export function describeTargetCondition(when: unknown): LocalizedText | undefined {
  if (when === true || when === undefined) return { 'zh-CN': '其余所有工单', en: 'all other tickets' };
  if (typeof when !== 'object' || when === null || Array.isArray(when)) return undefined;
  const entries = Object.entries(when as Record<string, unknown>);
  if (entries.length !== 1) return undefined;
  const [operator, args] = entries[0]!;
  if (!Array.isArray(args)) return undefined;
  if ((operator === '==' || operator === '===') && args.length === 2) {
    const [left, right] = args as unknown[];
    const variable = variableOf(left) ?? variableOf(right);
    const value = variableOf(left) !== undefined ? right : left;
    if (variable !== undefined && isLiteral(value)) return oneOf(variable, [value]);
    return undefined;
  }
  if (operator === 'in' && args.length === 2) {
    const [needle, list] = args as unknown[];
    const variable = variableOf(needle);
    if (variable !== undefined && Array.isArray(list) && list.length > 0 && list.every(isLiteral))
      return oneOf(variable, list);
    return undefined;
  }
  if (operator === 'and' && args.length > 0) {
    const parts = args.map(describeTargetCondition);
    if (parts.some((part) => part === undefined)) return undefined;
    return {
      'zh-CN': parts.map((part) => part!['zh-CN']).join('，且'),
      en: parts.map((part) => part!.en).join(', and '),
    };
  }
  return undefined;
}

function englishOrdinal(position: number): string {
  const lastTwo = position % 100;
  if (lastTwo >= 11 && lastTwo <= 13) return `${position}th`;
  const suffix = { 1: 'st', 2: 'nd', 3: 'rd' }[position % 10] ?? 'th';
  return `${position}${suffix}`;
}

/** Position in words, for a target whose condition has no short wording. */
export function describeTargetPosition(index: number): LocalizedText {
  return {
    'zh-CN': `未命名的第 ${index + 1} 条`,
    en: `unnamed, ${englishOrdinal(index + 1)} in the list`,
  };
}
