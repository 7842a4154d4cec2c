import {
  PRIORITIES,
  type Explanation,
  type LocalizedText,
  type Priority,
  type Problem,
} from '../common/types.js';
import {
  checkRule,
  describeValue,
  explain,
  localizeWith,
  ruleConditionSchema,
  ruleExpressionSchema,
} from '../rules/index.js';
import { PRIORITY_NAMES, routingMessages } from './routing-messages.js';
import { routingProblem, ruleIdSchema } from './routing-rules.schema.js';
import { evaluateExpression, testRule, type RulesRunEnv } from './rule-context.js';

export interface PriorityRule {
  id: string;
  when: unknown;
  priority: Priority;
}

/** ITIL style: the row value (impact) and the column value (urgency) pick a cell. */
export interface PriorityMatrix {
  /** json-logic giving the row key, e.g. `{"var": "data.impact"}`. */
  rows: unknown;
  columns: unknown;
  table: Record<string, Record<string, Priority>>;
  /** What rows and columns are called in explanations; default “impact” / “urgency”. */
  rowLabel?: LocalizedText;
  columnLabel?: LocalizedText;
}

export type PriorityDefinition =
  { matrix: PriorityMatrix; default?: Priority } | { rules: PriorityRule[]; default?: Priority };

export const DEFAULT_PRIORITY: Priority = 'medium';

const prioritySchema = { type: 'string', enum: [...PRIORITIES] } as const;
const localizedTextSchema = {
  type: 'object',
  required: ['zh-CN', 'en'],
  additionalProperties: false,
  properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
} as const;

export const priorityRulesSchema = {
  title: 'priority rules',
  type: 'object',
  oneOf: [
    {
      required: ['matrix'],
      additionalProperties: false,
      properties: {
        default: prioritySchema,
        matrix: {
          type: 'object',
          required: ['rows', 'columns', 'table'],
          additionalProperties: false,
          properties: {
            rows: ruleExpressionSchema,
            columns: ruleExpressionSchema,
            rowLabel: localizedTextSchema,
            columnLabel: localizedTextSchema,
            table: {
              type: 'object',
              minProperties: 1,
              additionalProperties: {
                type: 'object',
                minProperties: 1,
                additionalProperties: prioritySchema,
              },
            },
          },
        },
      },
    },
    {
      required: ['rules'],
      additionalProperties: false,
      properties: {
        default: prioritySchema,
        rules: {
          type: 'array',
          maxItems: 200,
          items: {
            type: 'object',
            required: ['id', 'when', 'priority'],
            additionalProperties: false,
            properties: { id: ruleIdSchema, when: ruleConditionSchema, priority: prioritySchema },
          },
        },
      },
    },
  ],
} as const;

/** Rule allow-list and unique ids; call after the schema accepted `definition`. */
export function checkPriorityRules(definition: PriorityDefinition, basePath = '/priority'): Problem[] {
  if ('matrix' in definition) {
    return [
      ...checkRule(definition.matrix.rows, `${basePath}/matrix/rows`),
      ...checkRule(definition.matrix.columns, `${basePath}/matrix/columns`),
    ];
  }
  const problems: Problem[] = [];
  const firstIndexById = new Map<string, number>();
  definition.rules.forEach((rule, index) => {
    const seenAt = firstIndexById.get(rule.id);
    if (seenAt !== undefined) {
      problems.push(
        routingProblem('priority.duplicateId', `${basePath}/rules/${index}/id`, {
          ruleId: rule.id,
          first: seenAt + 1,
          second: index + 1,
        }),
      );
    } else {
      firstIndexById.set(rule.id, index);
    }
    problems.push(...checkRule(rule.when, `${basePath}/rules/${index}/when`));
  });
  return problems;
}

export interface PriorityDecision {
  priority: Priority;
  source: 'matrix' | 'rule' | 'default';
  ruleId?: string;
  explanation: Explanation;
  problems: Problem[];
}

const DEFAULT_ROW_LABEL: LocalizedText = { 'zh-CN': '影响范围', en: 'impact' };
const DEFAULT_COLUMN_LABEL: LocalizedText = { 'zh-CN': '紧急程度', en: 'urgency' };

/** Work out a ticket's priority. Never fails: anything that cannot be evaluated falls back to the default. */
export function computePriority(
  definition: PriorityDefinition,
  ticketContext: unknown,
  env: RulesRunEnv = {},
): PriorityDecision {
  const basePath = env.basePath ?? '/priority';
  const fallback = definition.default ?? DEFAULT_PRIORITY;
  return 'matrix' in definition
    ? fromMatrix(definition.matrix, fallback, ticketContext, env, basePath)
    : fromRules(definition.rules, fallback, ticketContext, env, basePath);
}

function fromMatrix(
  matrix: PriorityMatrix,
  fallback: Priority,
  ticketContext: unknown,
  env: RulesRunEnv,
  basePath: string,
): PriorityDecision {
  const row = evaluateExpression(matrix.rows, `${basePath}/matrix/rows`, ticketContext, env);
  const column = evaluateExpression(matrix.columns, `${basePath}/matrix/columns`, ticketContext, env);
  const problems: Problem[] = [];
  for (const outcome of [row, column]) {
    if (!outcome.ok) {
      problems.push(
        routingProblem('priority.matrixFailed', outcome.problem.path, { reason: outcome.problem.text }),
      );
    }
  }
  const rowKey = row.ok ? keyOf(row.value) : undefined;
  const columnKey = column.ok ? keyOf(column.value) : undefined;
  const cells =
    rowKey !== undefined && Object.hasOwn(matrix.table, rowKey) ? matrix.table[rowKey] : undefined;
  const cell =
    cells && columnKey !== undefined && Object.hasOwn(cells, columnKey) ? cells[columnKey] : undefined;
  if (cell !== undefined && (PRIORITIES as readonly string[]).includes(cell)) {
    const params = { row: rowKey, column: columnKey, priority: cell };
    // Text keys only for values that are text: a number or a flag has the same key but is shown otherwise.
    const texts =
      row.ok && column.ok && typeof row.value === 'string' && typeof column.value === 'string'
        ? textsOfFrozenMatrix(matrix)
        : undefined;
    const textKey = texts === undefined ? '' : `${rowKey}\u0000${columnKey}`;
    const known = texts?.get(textKey);
    if (known !== undefined) {
      return {
        priority: cell,
        source: 'matrix',
        explanation: { code: 'priority.matrix', params, text: { 'zh-CN': known[0], en: known[1] } },
        problems,
      };
    }
    const explanation = explain('priority.matrix', routingMessages['priority.matrix'], params, {
      row: row.ok ? describeValue(row.value) : '—',
      column: column.ok ? describeValue(column.value) : '—',
      rowName: matrix.rowLabel ?? DEFAULT_ROW_LABEL,
      columnName: matrix.columnLabel ?? DEFAULT_COLUMN_LABEL,
      priorityName: PRIORITY_NAMES[cell],
    });
    if (texts !== undefined && texts.size < MAX_MATRIX_TEXTS) {
      texts.set(textKey, [explanation.text['zh-CN'], explanation.text.en]);
    }
    return { priority: cell, source: 'matrix', explanation, problems };
  }
  const shownRow = row.ok ? describeValue(row.value) : '—';
  const shownColumn = column.ok ? describeValue(column.value) : '—';
  return {
    priority: fallback,
    source: 'default',
    explanation: explain(
      'priority.matrixNoCell',
      routingMessages['priority.matrixNoCell'],
      { row: rowKey ?? null, column: columnKey ?? null, priority: fallback },
      { row: shownRow, column: shownColumn, priorityName: PRIORITY_NAMES[fallback] },
    ),
    problems,
  };
}

/**
 * Sentences of a matrix cell, by row and column text, for matrices frozen through and through (published
 * versions): the sentence follows from the keys, the cell and the labels, none of which can change once frozen. A
 * matrix being edited gets `undefined` here and is worded every time.
 */
const matrixTexts = new WeakMap<PriorityMatrix, Map<string, readonly [string, string]> | null>();
const MAX_MATRIX_TEXTS = 1024;

function textsOfFrozenMatrix(matrix: PriorityMatrix): Map<string, readonly [string, string]> | undefined {
  let texts = matrixTexts.get(matrix);
  if (texts === undefined) {
    texts = isFrozenThrough(matrix) ? new Map() : null;
    // Frozen on top but not within: some part may still change, so never remembered (and not asked again). Not
    // frozen at all: asked again next time, which the top answers at once.
    if (texts !== null || Object.isFrozen(matrix)) matrixTexts.set(matrix, texts);
  }
  return texts ?? undefined;
}

function isFrozenThrough(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (!Object.isFrozen(value) || depth > 8) return false;
  return Object.values(value).every((child) => isFrozenThrough(child, depth + 1));
}

function keyOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function fromRules(
  rules: PriorityRule[],
  fallback: Priority,
  ticketContext: unknown,
  env: RulesRunEnv,
  basePath: string,
): PriorityDecision {
  const problems: Problem[] = [];
  const skippedIds: string[] = [];
  for (const [index, rule] of rules.entries()) {
    const outcome = testRule(rule.when, `${basePath}/rules/${index}/when`, ticketContext, env);
    if (!outcome.ok) {
      skippedIds.push(rule.id);
      problems.push(
        routingProblem('priority.ruleFailed', outcome.problem.path, {
          ruleId: rule.id,
          reason: outcome.problem.text,
        }),
      );
      continue;
    }
    if (!outcome.holds) continue;
    return {
      priority: rule.priority,
      source: 'rule',
      ruleId: rule.id,
      explanation: explain(
        'priority.rule',
        routingMessages['priority.rule'],
        { ruleId: rule.id, position: index + 1, priority: rule.priority },
        { priorityName: PRIORITY_NAMES[rule.priority], skippedNote: skippedNote(skippedIds) },
      ),
      problems,
    };
  }
  return {
    priority: fallback,
    source: 'default',
    explanation: explain(
      'priority.default',
      routingMessages['priority.default'],
      { priority: fallback },
      { priorityName: PRIORITY_NAMES[fallback], skippedNote: skippedNote(skippedIds) },
    ),
    problems,
  };
}

function skippedNote(skippedIds: string[]): LocalizedText {
  return skippedIds.length === 0
    ? { 'zh-CN': '', en: '' }
    : localizeWith(routingMessages['routing.skippedNote'], { ruleIds: skippedIds.join(', ') });
}

/** 0 for urgent … 3 for low. */
export function priorityRank(priority: Priority): number {
  return PRIORITIES.indexOf(priority);
}

/** The more urgent of two priorities. */
export function morePressing(a: Priority, b: Priority): Priority {
  return priorityRank(a) <= priorityRank(b) ? a : b;
}

export interface PriorityChange {
  priority: Priority;
  changed: boolean;
  explanation: Explanation;
}

/**
 * Apply a matched routing rule to the priority computed for the ticket: `priority` sets it, then
 * `priorityAtLeast` raises it (never lowers).
 */
export function applyRoutingPriority(
  current: Priority,
  then: { priority?: Priority; priorityAtLeast?: Priority },
  ruleId: string,
): PriorityChange {
  let priority = current;
  const texts: LocalizedText[] = [];
  const codes: string[] = [];
  if (then.priority !== undefined) {
    priority = then.priority;
    codes.push('priority.setByRouting');
    texts.push(
      localizeWith(routingMessages['priority.setByRouting'], {
        ruleId,
        priorityName: PRIORITY_NAMES[priority],
        previousName: PRIORITY_NAMES[current],
      }),
    );
  }
  if (then.priorityAtLeast !== undefined) {
    const raised = morePressing(priority, then.priorityAtLeast);
    const code = raised === priority ? 'priority.alreadyAtLeast' : 'priority.raised';
    codes.push(code);
    texts.push(
      localizeWith(routingMessages[code], {
        ruleId,
        atLeastName: PRIORITY_NAMES[then.priorityAtLeast],
        previousName: PRIORITY_NAMES[priority],
        priorityName: PRIORITY_NAMES[priority],
      }),
    );
    priority = raised;
  }
  if (codes.length === 0) {
    codes.push('priority.unchanged');
    texts.push(
      localizeWith(routingMessages['priority.unchanged'], { ruleId, priorityName: PRIORITY_NAMES[current] }),
    );
  }
  return {
    priority,
    changed: priority !== current,
    explanation: {
      code: codes.at(-1) as string,
      params: {
        ruleId,
        previous: current,
        priority,
        ...(then.priority !== undefined ? { set: then.priority } : {}),
        ...(then.priorityAtLeast !== undefined ? { atLeast: then.priorityAtLeast } : {}),
      },
      text: {
        'zh-CN': texts.map((text) => text['zh-CN']).join(''),
        en: texts.map((text) => text.en).join(' '),
      },
    },
  };
}
