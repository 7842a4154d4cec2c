/**
 * What a json-logic rule reads: every literal `var` path (and `missing` / `missing_some` key) with its pointer, so
 * the definition checks can tell an analyst that `data.servce` is not a field of the form.
 */
import { joinPointer } from './pointer.js';

export interface RuleVariable {
  /** The dotted path as written, e.g. `data.service`. */
  variable: string;
  /** Pointer of the operation that reads it. */
  path: string;
}

/**
 * Operations whose later arguments run over the items of their first one: a `var` there reads the item (or the
 * accumulator of `reduce`), not the ticket.
 */
const ITEM_SCOPED_OPERATIONS = new Set(['map', 'filter', 'reduce', 'all', 'none', 'some']);
const MAX_DEPTH = 64;

/** Literal variables a rule reads from its context; paths computed at run time cannot be known and are skipped. */
export function ruleVariables(logic: unknown, path: string): RuleVariable[] {
  const found: RuleVariable[] = [];
  walk(logic, path, 0, found);
  return found;
}

function walk(node: unknown, pointer: string, depth: number, found: RuleVariable[]): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(node)) {
    node.forEach((item, index) => walk(item, joinPointer(pointer, index), depth + 1, found));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const keys = Object.keys(node);
  if (keys.length !== 1) return;
  const operation = keys[0] ?? '';
  const argument: unknown = (node as Record<string, unknown>)[operation];
  const operationPointer = joinPointer(pointer, operation);
  const args: unknown[] = Array.isArray(argument) ? argument : [argument];
  const argumentPointer = (index: number) =>
    Array.isArray(argument) ? joinPointer(operationPointer, index) : operationPointer;

  if (operation === 'var') {
    const variable = args[0];
    if (typeof variable === 'string' && variable !== '') found.push({ variable, path: operationPointer });
    // A computed path or a default value may itself read variables.
    args.forEach((arg, index) => {
      if (typeof arg === 'object') walk(arg, argumentPointer(index), depth + 1, found);
    });
    return;
  }
  if (operation === 'missing' || operation === 'missing_some') {
    const keyList: unknown = operation === 'missing_some' ? args[1] : args;
    const keyListArray: unknown[] = Array.isArray(keyList) ? keyList : [];
    for (const key of keyListArray.flat()) {
      if (typeof key === 'string' && key !== '') found.push({ variable: key, path: operationPointer });
    }
    return;
  }
  if (ITEM_SCOPED_OPERATIONS.has(operation)) {
    // Only the collection is read from the ticket; the rest runs over each item.
    walk(args[0], argumentPointer(0), depth + 1, found);
    if (operation === 'reduce') walk(args[2], argumentPointer(2), depth + 1, found);
    return;
  }
  args.forEach((arg, index) => walk(arg, argumentPointer(index), depth + 1, found));
}

/** Each single-key `{ "var": … }` object found anywhere in a value that is not itself a rule (a node's settings). */
export function embeddedRuleVariables(value: unknown, path: string, depth = 0): RuleVariable[] {
  if (depth > MAX_DEPTH) return [];
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => embeddedRuleVariables(item, joinPointer(path, index), depth + 1));
  }
  if (typeof value !== 'object' || value === null) return [];
  const keys = Object.keys(value);
  const only = keys.length === 1 ? (keys[0] ?? '') : '';
  if (['var', 'missing', 'missing_some'].includes(only) || ITEM_SCOPED_OPERATIONS.has(only)) {
    return ruleVariables(value, path);
  }
  const record = value as Record<string, unknown>;
  return keys.flatMap((key) => embeddedRuleVariables(record[key], joinPointer(path, key), depth + 1));
}
