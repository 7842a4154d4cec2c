/**
 * Helpers of the routing & priority editor: rule ids, skills as the analyst types them, the matrix grid.
 * Decisions themselves are always the runtime's (`route`, `computePriority`).
 */
import { PRIORITIES, type Priority } from '../../../../runtime/common/types';
import type { PriorityMatrix, PriorityRule } from '../../../../runtime/routing/priority';
import type { RoutingRule, SkillRequirementInput } from '../../../../runtime/routing/routing-rules.schema';
import { request } from '../../api/client';
import type { RequesterAttributeInfo } from '../rules/rule-variables';

export type { PriorityMatrix, PriorityRule, RoutingRule };
export { PRIORITIES, type Priority };

/** A fresh id not used by any of the rules: `rule-1`, `rule-2`… */
export function nextRuleId(existing: readonly { id?: unknown }[], prefix = 'rule'): string {
  const used = new Set(existing.map((rule) => String(rule.id)));
  let n = 1;
  while (used.has(`${prefix}-${n}`)) n += 1;
  return `${prefix}-${n}`;
}

/** The index of the closing default rule (last rule with `when: true`), or -1. */
export function defaultRuleIndex(rules: readonly { when: unknown }[]): number {
  const last = rules.length - 1;
  return last >= 0 && rules[last]?.when === true ? last : -1;
}

/** A skill the tags editor shows: `vpn` or `vpn:3` (level); expressions are not shown as tags. */
export function skillToTag(skill: SkillRequirementInput): string | undefined {
  if (typeof skill === 'string') return skill;
  if ('name' in skill && typeof skill.name === 'string') {
    return typeof skill.level === 'number' && skill.level !== 1 ? `${skill.name}:${skill.level}` : skill.name;
  }
  return undefined;
}

/** `vpn` → `"vpn"`, `vpn:3` → `{ name: "vpn", level: 3 }` (levels 1–10). */
export function tagToSkill(tag: string): SkillRequirementInput {
  const match = /^(.+?):(\d{1,2})$/.exec(tag.trim());
  if (match) {
    const level = Number(match[2]);
    if (level >= 1 && level <= 10) return level === 1 ? (match[1] as string) : { name: match[1], level };
  }
  return tag.trim();
}

/** New skills from edited tags, keeping the expression skills (which the tags do not show) after them. */
export function skillsFromTags(
  tags: readonly string[],
  previous: readonly SkillRequirementInput[] = [],
): SkillRequirementInput[] {
  const expressions = previous.filter((skill) => skillToTag(skill) === undefined);
  return [...tags.filter((tag) => tag.trim() !== '').map(tagToSkill), ...expressions];
}

/** The ITIL starting matrix: impact (rows) × urgency (columns), high/medium/low each. */
export function itilMatrix(): PriorityMatrix {
  return {
    rows: { var: 'data.impact' },
    columns: { var: 'data.urgency' },
    table: {
      high: { high: 'urgent', medium: 'high', low: 'medium' },
      medium: { high: 'high', medium: 'medium', low: 'low' },
      low: { high: 'medium', medium: 'low', low: 'low' },
    },
  };
}

/** Column keys of a matrix table, in first-seen order over its rows. */
export function matrixColumns(table: PriorityMatrix['table']): string[] {
  const columns: string[] = [];
  for (const row of Object.values(table))
    for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  return columns;
}

/**
 * The table with the given row and column keys: cells kept where both keys remain, new cells `medium`
 * (so the runtime never misses a cell the analyst can see).
 */
export function resizeMatrix(
  table: PriorityMatrix['table'],
  rows: readonly string[],
  columns: readonly string[],
  fill: Priority = 'medium',
): PriorityMatrix['table'] {
  const next: PriorityMatrix['table'] = {};
  for (const row of rows) {
    next[row] = {};
    for (const column of columns) next[row][column] = table[row]?.[column] ?? fill;
  }
  return next;
}

/** The `var` path of a simple `{"var": "path"}` expression. */
export function simpleVar(expression: unknown): string | undefined {
  if (typeof expression !== 'object' || expression === null || Array.isArray(expression)) return undefined;
  const keys = Object.keys(expression);
  const path = (expression as { var?: unknown }).var;
  return keys.length === 1 && typeof path === 'string' ? path : undefined;
}

/** Requester attributes from the server, or undefined when it cannot tell (the builder then uses its own list). */
export async function loadRequesterAttributes(): Promise<RequesterAttributeInfo[] | undefined> {
  try {
    const answer = await request<{ items: RequesterAttributeInfo[] }>('/api/requester-attributes');
    return Array.isArray(answer.items) ? answer.items : undefined;
  } catch {
    return undefined;
  }
}

/** A change applied to part of the draft. */
export type Mutator<T> = (target: T) => void;
