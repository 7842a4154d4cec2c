/**
 * Choosing the SLA target of a ticket: the first target whose `when` holds. A `when` that cannot be evaluated
 * is reported and skipped; selection never throws.
 */
import type { Explanation, Instant, LocalizedText, Problem } from '../common/types.js';
import { checkRule, prepareCachedRule, type RuleScope } from '../rules/index.js';
import {
  PRESET_CALENDARS,
  describeDuration,
  isCalendarTimeUnit,
  type BusinessCalendar,
} from '../time/index.js';
import { slaExplanation } from './sla-messages.js';
import { describeTargetCondition, describeTargetPosition } from './sla-target-label.js';
import { DEFAULT_POLICY_CALENDAR, type SlaEscalation, type SlaPolicy, type SlaTarget } from './sla.types.js';

/** What SLA functions may know beyond the policy and the ticket. */
export interface SlaEnv {
  /** The caller's clock, for rules that read `now` (the policy calendar is given to rules too). */
  now?: Instant;
  /** Compiled calendars by key; the presets `cn-standard` and `24x7` are always known. */
  calendars?: Readonly<Record<string, BusinessCalendar>>;
  /** The published definition version the policy belongs to, so its rules are prepared once. */
  ruleScope?: RuleScope;
  /** JSON pointer of the policy inside its definition, for problem paths (default `/sla`). */
  policyPath?: string;
  /**
   * The calendar a `businessHoursOnly` escalation waits for: its recipient's (recipient-hours.ts); the policy's
   * calendar when this is absent or answers undefined.
   */
  holdCalendar?: (escalation: SlaEscalation) => BusinessCalendar | undefined;
}

export interface SlaTargetSelection {
  /** The applied target, or undefined when none applies. */
  target: SlaTarget | undefined;
  /** Its position in `policy.targets`, -1 when none applies. */
  index: number;
  explanation: Explanation;
  /** Targets skipped because their `when` failed to evaluate: one problem and one explanation each. */
  problems: Problem[];
  skipped: Explanation[];
}

export function findCalendar(key: string, env: SlaEnv): BusinessCalendar | undefined {
  const supplied = env.calendars;
  if (supplied && Object.prototype.hasOwnProperty.call(supplied, key)) return supplied[key];
  return PRESET_CALENDARS.get(key);
}

export function policyCalendarKey(policy: SlaPolicy): string {
  return policy.calendar ?? DEFAULT_POLICY_CALENDAR;
}

/** Words for unnamed frozen targets, by target and position (neither the condition nor the place can change). */
const unnamedLabelOfFrozen = new WeakMap<SlaTarget, { index: number; label: LocalizedText }>();

/**
 * How a target is called in explanations: its name, its id, else its condition in words ("优先级：中"), else its
 * position in words ("未命名的第 4 条") — never a bare "#4".
 */
export function targetLabel(target: SlaTarget, index: number): LocalizedText {
  if (target.name) return target.name;
  if (target.id) return { 'zh-CN': target.id, en: target.id };
  const known = unnamedLabelOfFrozen.get(target);
  if (known !== undefined && known.index === index)
    return { 'zh-CN': known.label['zh-CN'], en: known.label.en };
  const label = describeTargetCondition(target.when) ?? describeTargetPosition(index);
  if (Object.isFrozen(target) && isFrozenThrough(target)) unnamedLabelOfFrozen.set(target, { index, label });
  return { 'zh-CN': label['zh-CN'], en: label.en };
}

/**
 * Terms of targets of frozen policies (published versions), by policy and target: neither can change once frozen,
 * so the texts cannot go stale; a policy being edited is described afresh every time.
 */
const termsOfFrozen = new WeakMap<SlaPolicy, WeakMap<SlaTarget, LocalizedText>>();

/** "首次响应 4 个工作小时，解决 3 个工作日（按工作日历 cn-standard）" and its English. */
export function describeTargetTerms(policy: SlaPolicy, target: SlaTarget): LocalizedText {
  if (!isFrozenTarget(policy, target)) return termsOf(policy, target);
  let byTarget = termsOfFrozen.get(policy);
  if (byTarget === undefined) {
    byTarget = new WeakMap();
    termsOfFrozen.set(policy, byTarget);
  }
  let terms = byTarget.get(target);
  if (terms === undefined) {
    terms = termsOf(policy, target);
    byTarget.set(target, terms);
  }
  // A new object each time: the caller's explanation is its own (only the strings are shared).
  return { 'zh-CN': terms['zh-CN'], en: terms.en };
}

/** Is everything the terms are written from frozen (the policy's calendar, the target and its durations)? */
function isFrozenTarget(policy: SlaPolicy, target: SlaTarget): boolean {
  return (
    Object.isFrozen(policy) &&
    Object.isFrozen(target) &&
    (target.firstResponse === undefined || Object.isFrozen(target.firstResponse)) &&
    (target.resolution === undefined || Object.isFrozen(target.resolution))
  );
}

function termsOf(policy: SlaPolicy, target: SlaTarget): LocalizedText {
  const zh: string[] = [];
  const en: string[] = [];
  if (target.firstResponse) {
    zh.push(`首次响应 ${describeDuration(target.firstResponse)['zh-CN']}`);
    en.push(`first response within ${describeDuration(target.firstResponse).en}`);
  }
  if (target.resolution) {
    zh.push(`解决 ${describeDuration(target.resolution)['zh-CN']}`);
    en.push(`resolution within ${describeDuration(target.resolution).en}`);
  }
  const usesBusinessTime = [target.firstResponse, target.resolution].some(
    (duration) => duration && !isCalendarTimeUnit(duration.unit),
  );
  const calendar = target.calendar ?? policyCalendarKey(policy);
  return {
    'zh-CN': zh.join('，') + (usesBusinessTime ? `（按工作日历 ${calendar}）` : ''),
    en: en.join(', ') + (usesBusinessTime ? ` (on calendar ${calendar})` : ''),
  };
}

/**
 * The first target whose `when` holds for the ticket (`priority`, `data.*`, `requester.*`, `channel`, `type`,
 * `text`, …). A `when` that fails to prepare or evaluate is reported in `problems` and skipped.
 */
export function selectSlaTarget(
  policy: SlaPolicy,
  ticketContext: unknown,
  env: SlaEnv = {},
): SlaTargetSelection {
  const basePath = env.policyPath ?? '/sla';
  const problems: Problem[] = [];
  const skipped: Explanation[] = [];
  const calendar = findCalendar(policyCalendarKey(policy), env);
  const ruleEnv: { now?: Instant; calendar?: BusinessCalendar } = {};
  if (env.now !== undefined) ruleEnv.now = env.now;
  if (calendar) ruleEnv.calendar = calendar;
  for (const [index, target] of policy.targets.entries()) {
    const path = `${basePath}/targets/${index}/when`;
    const prepared = prepareCachedRule(env.ruleScope, path, target.when);
    const outcome = prepared.ok ? prepared.value.test(ticketContext, ruleEnv) : prepared;
    if (!outcome.ok) {
      problems.push(outcome.error);
      skipped.push(
        slaExplanation('sla.target.rule-failed', {
          target: targetLabel(target, index),
          position: index + 1,
          reason: outcome.error.text,
          problem: outcome.error.code,
        }),
      );
      continue;
    }
    if (outcome.value) {
      return {
        target,
        index,
        explanation: selectedExplanation(policy, target, index),
        problems,
        skipped,
      };
    }
  }
  return { target: undefined, index: -1, explanation: slaExplanation('sla.target.none'), problems, skipped };
}

/**
 * Sentences of "target selected" for targets of frozen policies (published versions), by target, with the policy
 * and position they were written for: the sentence follows from the target's name, id and terms, the policy's
 * calendar and the position, none of which can change once the policy and the target (through and through) are
 * frozen. Anything else is worded every time.
 */
const selectedTextOfFrozen = new WeakMap<
  SlaTarget,
  { policy: SlaPolicy; index: number; text: LocalizedText }
>();

function selectedExplanation(policy: SlaPolicy, target: SlaTarget, index: number): Explanation {
  // The params are the caller's own each time, as before; only the sentences are shared.
  const params = {
    target: targetLabel(target, index),
    targetId: target.id,
    position: index + 1,
    terms: describeTargetTerms(policy, target),
  };
  const known = selectedTextOfFrozen.get(target);
  if (known !== undefined && known.policy === policy && known.index === index) {
    return { code: 'sla.target.selected', params, text: { 'zh-CN': known.text['zh-CN'], en: known.text.en } };
  }
  const explanation = slaExplanation('sla.target.selected', params);
  if (Object.isFrozen(policy) && isFrozenThrough(target)) {
    const { text } = explanation;
    selectedTextOfFrozen.set(target, { policy, index, text: { 'zh-CN': text['zh-CN'], en: text.en } });
  }
  return explanation;
}

function isFrozenThrough(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (!Object.isFrozen(value) || depth > 16) return false;
  return Object.values(value).every((child) => isFrozenThrough(child, depth + 1));
}

/**
 * Problems of a policy beyond its JSON shape (run `slaPolicySchema` first): `when` rules that use operations
 * outside the allow-list or are malformed.
 */
export function checkSlaPolicy(policy: SlaPolicy, policyPath = '/sla'): Problem[] {
  return policy.targets.flatMap((target, index) =>
    checkRule(target.when, `${policyPath}/targets/${index}/when`),
  );
}
