import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileValidator } from '../definitions/ajv.js';
import { checkSlaPolicy, selectSlaTarget, slaMessages, slaPolicySchema, type SlaPolicy } from './index.js';
import { describeTargetTerms, targetLabel } from './sla-target.js';
import { IT_INCIDENT_SLA } from './sla.fixture.js';

describe('slaPolicySchema', () => {
  const validate = compileValidator(slaPolicySchema);

  it('accepts the sla object of the it-incident example, which the fixture copies', () => {
    const example = JSON.parse(
      readFileSync(new URL('../definitions/fixtures/it-incident.ticket-type.json', import.meta.url), 'utf8'),
    ) as { sla: unknown };
    expect(example.sla).toEqual(IT_INCIDENT_SLA);
    expect(validate(IT_INCIDENT_SLA)).toEqual([]);
  });

  it('accepts every action form, per-escalation ids and the optional settings', () => {
    const policy: SlaPolicy = {
      ...IT_INCIDENT_SLA,
      reopen: 'restart',
      escalations: [
        {
          id: 'late',
          at: 'breach',
          clock: 'firstResponse',
          businessHoursOnly: true,
          do: [
            { notify: { role: 'duty-manager' } },
            { reassign: 'backup-person' },
            { reassign: { team: 'major-incident' } },
          ],
        },
      ],
    };
    expect(validate(policy)).toEqual([]);
  });

  it.each([
    ['no targets', { targets: [] }, '/targets'],
    ['a target with neither duration', { targets: [{ when: true }] }, '/targets/0'],
    [
      'an unknown unit',
      { targets: [{ when: true, resolution: { amount: 1, unit: 'weeks' } }] },
      '/targets/0/resolution/unit',
    ],
    [
      'a zero amount',
      { targets: [{ when: true, resolution: { amount: 0, unit: 'hours' } }] },
      '/targets/0/resolution/amount',
    ],
    [
      'warnAt of 1',
      { warnAt: 1, targets: [{ when: true, resolution: { amount: 1, unit: 'hours' } }] },
      '/warnAt',
    ],
    [
      'pausing while resolved',
      { pauseIn: ['resolved'], targets: [{ when: true, resolution: { amount: 1, unit: 'hours' } }] },
      '/pauseIn/0',
    ],
    [
      'an unknown action',
      {
        targets: [{ when: true, resolution: { amount: 1, unit: 'hours' } }],
        escalations: [{ at: 'breach', clock: 'any', do: [{ email: 'x' }] }],
      },
      '/escalations/0/do/0',
    ],
    [
      'an escalation without a clock',
      {
        targets: [{ when: true, resolution: { amount: 1, unit: 'hours' } }],
        escalations: [{ at: 'breach', do: [{ highlight: 'breached' }] }],
      },
      '/escalations/0',
    ],
  ])('rejects %s', (_name, policy, path) => {
    const problems = validate(policy);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((problem) => problem.path.startsWith(path))).toBe(true);
  });
});

describe('selectSlaTarget (reference table)', () => {
  it.each([
    ['urgent', 0, '24x7'],
    ['high', 1, '24x7'],
    ['medium', 2, undefined],
    ['low', 3, undefined],
    [undefined, 3, undefined],
  ] as const)('priority %s → target %i', (priority, index, calendar) => {
    const selection = selectSlaTarget(IT_INCIDENT_SLA, { priority, data: {} });
    expect(selection.index).toBe(index);
    expect(selection.target?.calendar).toBe(calendar);
    expect(selection.explanation.code).toBe('sla.target.selected');
    expect(selection.problems).toEqual([]);
  });

  it('explains the choice in both languages', () => {
    const { explanation } = selectSlaTarget(IT_INCIDENT_SLA, { priority: 'medium' });
    expect(explanation.text['zh-CN']).toBe(
      '适用 SLA 目标“优先级：中”（第 3 条）：首次响应 4 个工作小时，解决 3 个工作日（按工作日历 cn-standard）。',
    );
    expect(explanation.text.en).toBe(
      'SLA target “priority: medium” (number 3) applies: first response within 4 business hours, resolution within 3 business days (on calendar cn-standard).',
    );
    const urgent = selectSlaTarget(IT_INCIDENT_SLA, { priority: 'urgent' }).explanation;
    expect(urgent.text.en).toBe(
      'SLA target “priority: urgent” (number 1) applies: first response within 15 minutes, resolution within 2 hours.',
    );
  });

  it('names a target without name or id by its condition in words, else by its position in words', () => {
    const label = (when: unknown, index = 3) =>
      targetLabel({ when, resolution: { amount: 1, unit: 'hours' } }, index);
    expect(label({ '==': [{ var: 'priority' }, 'low'] })).toEqual({
      'zh-CN': '优先级：低',
      en: 'priority: low',
    });
    expect(label({ '==': ['high', { var: 'priority' }] })).toEqual({
      'zh-CN': '优先级：高',
      en: 'priority: high',
    });
    expect(label({ in: [{ var: 'priority' }, ['urgent', 'high']] })).toEqual({
      'zh-CN': '优先级：紧急或高',
      en: 'priority: urgent or high',
    });
    expect(
      label({ and: [{ '==': [{ var: 'priority' }, 'low'] }, { '==': [{ var: 'requester.level' }, 'vip'] }] }),
    ).toEqual({
      'zh-CN': '优先级：低，且requester.level：vip',
      en: 'priority: low, and requester.level: vip',
    });
    expect(label(true)).toEqual({ 'zh-CN': '其余所有工单', en: 'all other tickets' });
    expect(label({ '>': [{ var: 'data.amount' }, 1000] })).toEqual({
      'zh-CN': '未命名的第 4 条',
      en: 'unnamed, 4th in the list',
    });
    expect(label({ '!': [true] }, 0).en).toBe('unnamed, 1st in the list');
    expect(label({ '!': [true] }, 1).en).toBe('unnamed, 2nd in the list');
    expect(label({ '!': [true] }, 10).en).toBe('unnamed, 11th in the list');
    expect(label({ '!': [true] }, 22).en).toBe('unnamed, 23rd in the list');
    for (const when of [{ '==': [{ var: 'priority' }, 'low'] }, { '>': [{ var: 'x' }, 1] }, true])
      expect(JSON.stringify(label(when))).not.toMatch(/#\d/);
  });

  it('names targets by name or id', () => {
    const policy: SlaPolicy = {
      targets: [
        {
          id: 'vip',
          when: { '==': [{ var: 'requester.level' }, 'vip'] },
          resolution: { amount: 4, unit: 'hours' },
        },
        {
          name: { 'zh-CN': '默认', en: 'Default' },
          when: true,
          resolution: { amount: 2, unit: 'businessDays' },
        },
      ],
    };
    expect(selectSlaTarget(policy, { requester: { level: 'vip' } }).explanation.text.en).toContain('“vip”');
    expect(selectSlaTarget(policy, { requester: { level: 'gold' } }).explanation.text['zh-CN']).toContain(
      '“默认”',
    );
  });

  it('skips and reports a when that fails to evaluate or to prepare, never throws', () => {
    const policy: SlaPolicy = {
      targets: [
        { when: { dateAdd: ['not a date', 1, 'hours'] }, resolution: { amount: 1, unit: 'hours' } },
        { when: { log: 'x' }, resolution: { amount: 2, unit: 'hours' } },
        { when: true, resolution: { amount: 3, unit: 'hours' } },
      ],
    };
    const selection = selectSlaTarget(policy, {}, { policyPath: '/policy' });
    expect(selection.index).toBe(2);
    expect(selection.problems.map((problem) => [problem.code, problem.path])).toEqual([
      ['rule.invalidDate', '/policy/targets/0/when'],
      ['rule.unknownOperation', '/policy/targets/1/when/log'],
    ]);
    expect(selection.skipped.map((explanation) => explanation.code)).toEqual([
      'sla.target.rule-failed',
      'sla.target.rule-failed',
    ]);
    expect(selection.skipped[0]?.text.en).toContain('not a valid date');
  });

  it('says so when no target applies', () => {
    const selection = selectSlaTarget(
      {
        targets: [
          { when: { '==': [{ var: 'priority' }, 'urgent'] }, resolution: { amount: 1, unit: 'hours' } },
        ],
      },
      { priority: 'low' },
    );
    expect(selection).toMatchObject({
      target: undefined,
      index: -1,
      explanation: { code: 'sla.target.none' },
    });
  });

  it('rules see the caller clock and the policy calendar', () => {
    const policy: SlaPolicy = {
      targets: [
        { when: { inBusinessHours: [] }, resolution: { amount: 4, unit: 'businessHours' } },
        { when: true, resolution: { amount: 1, unit: 'businessDays' } },
      ],
    };
    const wednesdayMorning = Date.parse('2026-03-11T02:00:00Z');
    const saturday = Date.parse('2026-03-14T02:00:00Z');
    expect(selectSlaTarget(policy, {}, { now: wednesdayMorning }).index).toBe(0);
    expect(selectSlaTarget(policy, {}, { now: saturday }).index).toBe(1);
  });

  it('prepares rules once per definition version when given a scope', () => {
    const env = { ruleScope: { definitionKey: 'it.incident', version: 7 } };
    expect(selectSlaTarget(IT_INCIDENT_SLA, { priority: 'high' }, env).index).toBe(1);
    expect(selectSlaTarget(IT_INCIDENT_SLA, { priority: 'low' }, env).index).toBe(3);
  });
});

describe('checkSlaPolicy', () => {
  it('reports rules outside the allow-list with their path', () => {
    const problems = checkSlaPolicy({
      targets: [
        { when: true, resolution: { amount: 1, unit: 'hours' } },
        { when: { method: ['x', 'toString'] }, resolution: { amount: 1, unit: 'hours' } },
      ],
    });
    expect(problems.map((problem) => problem.path)).toEqual(['/sla/targets/1/when/method']);
    expect(checkSlaPolicy(IT_INCIDENT_SLA)).toEqual([]);
  });
});

describe('messages', () => {
  it('every message has both languages', () => {
    for (const message of Object.values(slaMessages)) {
      expect(message['zh-CN'].length).toBeGreaterThan(0);
      expect(message.en.length).toBeGreaterThan(0);
    }
  });
});

describe('describeTargetTerms of frozen policies', () => {
  const freezeDeep = <T>(value: T): T => {
    if (typeof value === 'object' && value !== null) {
      for (const child of Object.values(value)) freezeDeep(child);
      Object.freeze(value);
    }
    return value;
  };
  const policy = (): SlaPolicy => ({
    calendar: 'cn-standard',
    targets: [{ when: true, firstResponse: { amount: 4, unit: 'businessHours' } }],
  });

  it('writes the same terms whether the policy is frozen (remembered) or not, a new object each time', () => {
    const frozen = freezeDeep(policy());
    const target = frozen.targets[0]!;
    const first = describeTargetTerms(frozen, target);
    expect(first).toEqual(describeTargetTerms(policy(), policy().targets[0]!));
    const second = describeTargetTerms(frozen, target);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    second.en = 'changed by a caller';
    expect(describeTargetTerms(frozen, target).en).toBe(first.en);
  });

  it('reads a policy that may still change every time (a draft being edited)', () => {
    const draft = policy();
    const target = draft.targets[0]!;
    const before = describeTargetTerms(draft, target);
    target.firstResponse = { amount: 8, unit: 'businessHours' };
    expect(describeTargetTerms(draft, target)).not.toEqual(before);
    // A frozen target whose duration object can still change is not remembered either.
    const partly = policy();
    Object.freeze(partly);
    const partTarget = Object.freeze(partly.targets[0]!);
    const once = describeTargetTerms(partly, partTarget);
    (partTarget.firstResponse as { amount: number }).amount = 2;
    expect(describeTargetTerms(partly, partTarget)).not.toEqual(once);
  });
});

describe('"target selected" sentences of frozen policies', () => {
  const freezeDeep = <T>(value: T): T => {
    if (typeof value === 'object' && value !== null) {
      for (const child of Object.values(value)) freezeDeep(child);
      Object.freeze(value);
    }
    return value;
  };
  const policy = (): SlaPolicy => ({
    calendar: 'cn-standard',
    targets: [
      { id: 'vip', name: { 'zh-CN': '贵宾', en: 'VIP' }, when: { '==': [{ var: 'vip' }, true] } },
      {
        id: 'std',
        name: { 'zh-CN': '标准', en: 'Standard' },
        when: true,
        resolution: { amount: 3, unit: 'businessDays' },
      },
    ],
  });

  it('are remembered by target, for the policy and position written for: same explanation as worded afresh', () => {
    const frozen = freezeDeep(policy());
    const fresh = selectSlaTarget(policy(), {}).explanation;
    const first = selectSlaTarget(frozen, {}).explanation;
    const second = selectSlaTarget(frozen, {}).explanation;
    expect(first).toEqual(fresh);
    expect(second).toEqual(fresh);
    // The caller's own objects each time: changing one explanation leaves the next untouched.
    expect(second.text).not.toBe(first.text);
    expect(second.params).not.toBe(first.params);
    first.text.en = 'changed by a caller';
    expect(selectSlaTarget(frozen, {}).explanation.text).toEqual(fresh.text);
    // The same frozen target in another frozen policy, at another position, is worded for that position.
    const moved = freezeDeep({ calendar: '24x7', targets: [frozen.targets[1]!] });
    expect(selectSlaTarget(moved, {}).explanation).toEqual(
      selectSlaTarget({ calendar: '24x7', targets: [policy().targets[1]!] }, {}).explanation,
    );
    expect(selectSlaTarget(frozen, {}).explanation).toEqual(fresh);
  });

  it('are worded every time for a policy or target that may still change (drafts, a name not frozen)', () => {
    const draft = policy();
    const before = selectSlaTarget(draft, {}).explanation;
    draft.targets[1]!.name = { 'zh-CN': '普通', en: 'Normal' };
    expect(selectSlaTarget(draft, {}).explanation.text.en).not.toBe(before.text.en);
    const partly = policy();
    const name = { 'zh-CN': '标准', en: 'Standard' };
    partly.targets[1] = Object.freeze({
      ...partly.targets[1]!,
      name,
      resolution: Object.freeze({ amount: 3, unit: 'businessDays' as const }),
    });
    Object.freeze(partly.targets);
    Object.freeze(partly);
    const once = selectSlaTarget(partly, {}).explanation;
    name.en = 'Renamed';
    expect(selectSlaTarget(partly, {}).explanation.text.en).not.toBe(once.text.en);
    expect(selectSlaTarget(partly, {}).explanation.text.en).toContain('Renamed');
  });
});
