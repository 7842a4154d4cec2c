import type { LocalizedText } from '../../../runtime/common/types.js';
import type { TicketState } from '../../../runtime/engine/types.js';
import { isTruthy, prepareRule, type PreparedRule } from '../../../runtime/rules/index.js';
import { badRequest, HttpProblem } from '../../lib/problem.js';
import type { RecordDoc } from './records.model.js';

/**
 * The json-logic of a trigger — its condition and its field mapping — checked once when saved (400 naming the
 * field) and evaluated per record or per ticket event. What a rule reads:
 *
 * - over a record: `record.system`, `record.type`, `record.id`, `record.title`, `record.owner`, `record.url`,
 *   `record.updatedAt` / `record.createdAt` (ISO text), `data.*` (the record's own JSON), `daysSince.updatedAt`,
 *   `daysSince.createdAt` (whole days up to now), `now` (ISO text) and the `now` / `dateDiff` operations;
 * - over a ticket event: `event.type`, `event.data.*`, `ticket.id`, `ticket.number`, `ticket.type`,
 *   `ticket.priority`, `ticket.status`, `ticket.statusCategory`, `ticket.channel`, `ticket.team`,
 *   `ticket.assignee`, `ticket.requester.*`, `ticket.tags`, `ticket.data.*`, `daysSince.opened`, `now`.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export type RuleContext = Record<string, unknown>;

const wholeDays = (from: Date | number, now: number) =>
  Math.floor((now - (typeof from === 'number' ? from : from.getTime())) / DAY_MS);

export function recordContext(record: RecordDoc, now: number): RuleContext {
  return {
    record: {
      system: record.system,
      type: record.type,
      id: record.id,
      title: record.title,
      owner: record.owner ?? null,
      url: record.url ?? null,
      updatedAt: record.updatedAt.toISOString(),
      createdAt: record.createdAt.toISOString(),
    },
    data: record.data,
    daysSince: { updatedAt: wholeDays(record.updatedAt, now), createdAt: wholeDays(record.createdAt, now) },
    now: new Date(now).toISOString(),
  };
}

export interface TicketEventLike {
  type: string;
  data?: Record<string, unknown>;
}

export function ticketEventContext(event: TicketEventLike, state: TicketState, now: number): RuleContext {
  return {
    event: { type: event.type, data: event.data ?? {} },
    ticket: {
      id: state.id,
      number: state.number,
      type: state.typeKey,
      priority: state.priority,
      status: state.status.key,
      statusCategory: state.status.category,
      channel: state.channel,
      team: state.team ?? null,
      assignee: state.assignee ?? null,
      requester: { ...state.requester },
      tags: state.tags,
      data: state.data,
    },
    daysSince: { opened: wholeDays(state.createdAt, now) },
    now: new Date(now).toISOString(),
  };
}

/** A trigger's rules, prepared once. */
export interface PreparedTriggerRules {
  condition?: PreparedRule;
  mapping: [field: string, rule: PreparedRule][];
}

/** Prepare a condition and a mapping; a rule the engine refuses is a 400 naming it (`body.condition`, …). */
export function prepareTriggerRules(
  condition: unknown,
  mapping: Record<string, unknown>,
  fieldPrefix = 'body',
): PreparedTriggerRules {
  const prepare = (logic: unknown, field: string): PreparedRule => {
    const prepared = prepareRule(logic, '');
    if (!prepared.ok) {
      const where = prepared.error.path ? ` (${prepared.error.path})` : '';
      throw new HttpProblem(400, 'Invalid input', {
        field,
        code: prepared.error.code,
        text: {
          'zh-CN': `${prepared.error.text['zh-CN']}${where}`,
          en: `${prepared.error.text.en}${where}`,
        },
      });
    }
    return prepared.value;
  };
  return {
    ...(condition === undefined || condition === null
      ? {}
      : { condition: prepare(condition, `${fieldPrefix}.condition`) }),
    mapping: Object.entries(mapping).map(([field, logic]) => [
      field,
      prepare(logic, `${fieldPrefix}.mapping.${field}`),
    ]),
  };
}

export type Evaluated<T> = { ok: true; value: T } | { ok: false; reason: LocalizedText };

/** Does the condition hold (no condition: always)? A rule that fails to evaluate is a reason, never a throw. */
export function conditionHolds(
  rules: PreparedTriggerRules,
  context: RuleContext,
  now: number,
): Evaluated<boolean> {
  if (!rules.condition) return { ok: true, value: true };
  const result = rules.condition.evaluate(context, { now });
  if (!result.ok) return { ok: false, reason: result.error.text };
  return { ok: true, value: isTruthy(result.value) };
}

/** The ticket's form data from the mapping; fields whose rule gives null or nothing are left out. */
export function mapFields(
  rules: PreparedTriggerRules,
  context: RuleContext,
  now: number,
): Evaluated<Record<string, unknown>> {
  const data: Record<string, unknown> = {};
  for (const [field, rule] of rules.mapping) {
    const result = rule.evaluate(context, { now });
    if (!result.ok) {
      return {
        ok: false,
        reason: {
          'zh-CN': `字段“${field}”的映射无法计算：${result.error.text['zh-CN']}`,
          en: `The mapping of “${field}” could not be computed: ${result.error.text.en}`,
        },
      };
    }
    if (result.value !== null && result.value !== undefined) data[field] = result.value;
  }
  return { ok: true, value: data };
}

/** Form fields of a published type, for checking a mapping's keys. */
export function formFieldKeys(definition: Record<string, unknown>): string[] {
  const form = definition.form as { schema?: { properties?: Record<string, unknown> } } | undefined;
  return Object.keys(form?.schema?.properties ?? {});
}

/** A mapping naming a field the ticket type does not have is refused, naming it. */
export function checkMappingKeys(
  mapping: Record<string, unknown>,
  fields: readonly string[],
  fieldPrefix = 'body',
): void {
  const known = new Set(fields);
  for (const key of Object.keys(mapping)) {
    if (!known.has(key)) {
      throw badRequest(`${fieldPrefix}.mapping.${key}`, {
        'zh-CN': `工单类型的表单没有字段“${key}”（可用：${fields.join('、')}）`,
        en: `The ticket type’s form has no field “${key}” (fields: ${fields.join(', ')})`,
      });
    }
  }
}
