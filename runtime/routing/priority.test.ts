import { describe, expect, it } from 'vitest';
import exampleTicketType from '../definitions/fixtures/it-incident.ticket-type.json' with { type: 'json' };
import { compileValidator } from '../definitions/ajv.js';
import type { Priority } from '../common/types.js';
import {
  applyRoutingPriority,
  checkPriorityRules,
  computePriority,
  morePressing,
  priorityRank,
  priorityRulesSchema,
  type PriorityDefinition,
} from './index.js';

const matrix = exampleTicketType.priority as PriorityDefinition;

describe('computePriority with the impact × urgency matrix', () => {
  it.each([
    { impact: 'company', urgency: 'high', priority: 'urgent' },
    { impact: 'company', urgency: 'low', priority: 'medium' },
    { impact: 'team', urgency: 'medium', priority: 'medium' },
    { impact: 'person', urgency: 'high', priority: 'medium' },
    { impact: 'person', urgency: 'low', priority: 'low' },
  ])('$impact × $urgency → $priority', ({ impact, urgency, priority }) => {
    const decision = computePriority(matrix, { data: { impact, urgency } });
    expect(decision).toMatchObject({ priority, source: 'matrix', problems: [] });
    expect(decision.explanation).toMatchObject({
      code: 'priority.matrix',
      params: { row: impact, column: urgency, priority },
    });
  });

  it('explains the cell in both languages', () => {
    const decision = computePriority(matrix, { data: { impact: 'company', urgency: 'high' } });
    expect(decision.explanation.text).toEqual({
      'zh-CN': '按影响×紧急度矩阵：影响范围为 "company"，紧急程度为 "high"，优先级为“紧急”。',
      en: 'From the impact × urgency matrix: impact is "company" and urgency is "high", so the priority is urgent.',
    });
  });

  it('falls back to the default when the cell is missing', () => {
    const decision = computePriority(
      { ...matrix, default: 'low' },
      { data: { impact: 'galaxy', urgency: 'high' } },
    );
    expect(decision).toMatchObject({
      priority: 'low',
      source: 'default',
      explanation: { code: 'priority.matrixNoCell' },
    });
    expect(computePriority(matrix, { data: {} })).toMatchObject({ priority: 'medium', source: 'default' });
  });

  it('uses its own labels and numeric keys, and reports a failing expression', () => {
    const numeric: PriorityDefinition = {
      matrix: {
        rows: { var: 'data.scope' },
        columns: { dateAdd: [{ var: 'data.when' }, 1, 'hours'] },
        rowLabel: { 'zh-CN': '范围', en: 'scope' },
        columnLabel: { 'zh-CN': '时间', en: 'time' },
        table: { '1': { '3600000': 'high' } },
      },
    };
    expect(computePriority(numeric, { data: { scope: 1, when: 0 } })).toMatchObject({ priority: 'high' });
    expect(computePriority(numeric, { data: { scope: 1, when: 0 } }).explanation.text.en).toContain(
      'scope is 1',
    );
    const failing = computePriority(numeric, { data: { scope: 1 } });
    expect(failing).toMatchObject({ priority: 'medium', source: 'default' });
    expect(failing.problems.map((problem) => [problem.code, problem.path])).toEqual([
      ['priority.matrixFailed', '/priority/matrix/columns'],
    ]);
    expect(computePriority(numeric, { data: { scope: { x: 1 }, when: 0 } })).toMatchObject({
      source: 'default',
    });
  });
});

describe('computePriority with rules', () => {
  const rules: PriorityDefinition = {
    default: 'low',
    rules: [
      { id: 'broken', when: { dateDiff: [{ var: 'data.since' }, 0, 'days'] }, priority: 'urgent' },
      { id: 'outage', when: { keywords: [{ var: 'text' }, ['宕机', 'outage']] }, priority: 'urgent' },
      { id: 'vip', when: { '==': [{ var: 'requester.level' }, 'vip'] }, priority: 'high' },
    ],
  };

  it.each([
    {
      name: 'first matching rule',
      context: { text: '服务器宕机', requester: { level: 'vip' } },
      priority: 'urgent',
      ruleId: 'outage',
    },
    {
      name: 'a later rule',
      context: { text: 'slow', requester: { level: 'vip' } },
      priority: 'high',
      ruleId: 'vip',
    },
    { name: 'no rule: the default', context: { text: 'slow' }, priority: 'low', ruleId: undefined },
  ])('$name', ({ context, priority, ruleId }) => {
    const decision = computePriority(rules, context, { basePath: '/types/0/priority' });
    expect(decision.priority).toBe(priority);
    expect(decision.ruleId).toBe(ruleId);
    expect(decision.problems.map((problem) => problem.path)).toEqual(['/types/0/priority/rules/0/when']);
    expect(decision.explanation.text.en).toContain('skipped: broken');
  });

  it('uses medium when no default is given, without noise when nothing failed', () => {
    const decision = computePriority({ rules: [] }, {});
    expect(decision).toMatchObject({ priority: 'medium', source: 'default', problems: [] });
    expect(decision.explanation.text.en).toBe(
      'No priority rule applies; the default priority medium is used.',
    );
  });
});

describe('applyRoutingPriority', () => {
  it.each<{
    current: Priority;
    then: { priority?: Priority; priorityAtLeast?: Priority };
    priority: Priority;
    code: string;
    changed: boolean;
  }>([
    {
      current: 'low',
      then: { priorityAtLeast: 'high' },
      priority: 'high',
      code: 'priority.raised',
      changed: true,
    },
    {
      current: 'urgent',
      then: { priorityAtLeast: 'high' },
      priority: 'urgent',
      code: 'priority.alreadyAtLeast',
      changed: false,
    },
    {
      current: 'high',
      then: { priority: 'low' },
      priority: 'low',
      code: 'priority.setByRouting',
      changed: true,
    },
    {
      current: 'high',
      then: { priority: 'low', priorityAtLeast: 'medium' },
      priority: 'medium',
      code: 'priority.raised',
      changed: true,
    },
    { current: 'medium', then: {}, priority: 'medium', code: 'priority.unchanged', changed: false },
  ])('$current with $then → $priority', ({ current, then, priority, code, changed }) => {
    const change = applyRoutingPriority(current, then, 'vip');
    expect(change).toMatchObject({ priority, changed, explanation: { code } });
    expect(change.explanation.text.en).toContain('“vip”');
    expect(change.explanation.text['zh-CN']).toContain('“vip”');
  });

  it('orders priorities', () => {
    expect(priorityRank('urgent')).toBe(0);
    expect(morePressing('low', 'high')).toBe('high');
    expect(morePressing('urgent', 'high')).toBe('urgent');
  });
});

describe('priorityRulesSchema and checkPriorityRules', () => {
  const validate = compileValidator(priorityRulesSchema);

  it('accepts the example matrix and a rules list', () => {
    expect(validate(matrix)).toEqual([]);
    expect(validate({ default: 'low', rules: [{ id: 'a', when: true, priority: 'high' }] })).toEqual([]);
    expect(checkPriorityRules(matrix)).toEqual([]);
  });

  it.each([
    {
      name: 'a cell that is not a priority',
      value: { matrix: { rows: {}, columns: {}, table: { a: { b: 'p1' } } } },
    },
    {
      name: 'both forms at once',
      value: { matrix: { rows: {}, columns: {}, table: { a: { b: 'low' } } }, rules: [] },
    },
    { name: 'neither form', value: { default: 'low' } },
    { name: 'a rule without priority', value: { rules: [{ id: 'a', when: true }] } },
  ])('schema refuses $name', ({ value }) => {
    expect(validate(value).length).toBeGreaterThan(0);
  });

  it('checks rule operations and ids', () => {
    const problems = checkPriorityRules({
      rules: [
        { id: 'a', when: { method: [] }, priority: 'low' },
        { id: 'a', when: true, priority: 'low' },
      ],
    });
    expect(problems.map((problem) => [problem.code, problem.path])).toEqual([
      ['rule.unknownOperation', '/priority/rules/0/when/method'],
      ['priority.duplicateId', '/priority/rules/1/id'],
    ]);
    expect(
      checkPriorityRules({ matrix: { rows: { log: 1 }, columns: { var: 'x' }, table: {} } }).map(
        (p) => p.path,
      ),
    ).toEqual(['/priority/matrix/rows/log']);
  });
});

describe('matrix sentences of frozen matrices', () => {
  const freezeDeep = <T>(value: T): T => {
    if (typeof value === 'object' && value !== null) {
      for (const child of Object.values(value)) freezeDeep(child);
      Object.freeze(value);
    }
    return value;
  };
  const copyOf = (): PriorityDefinition => JSON.parse(JSON.stringify(matrix)) as PriorityDefinition;
  const cells = ['company', 'team', 'person'].flatMap((impact) =>
    ['high', 'medium', 'low'].map((urgency) => ({ data: { impact, urgency } })),
  );

  it('are the sentences worded afresh, asked for again in any order, each a new object', () => {
    const frozen = freezeDeep(copyOf());
    for (const context of [...cells, ...cells.reverse(), ...cells]) {
      const remembered = computePriority(frozen, context);
      const worded = computePriority(copyOf(), context);
      expect(remembered).toEqual(worded);
      expect(computePriority(frozen, context).explanation.text).not.toBe(remembered.explanation.text);
    }
  });

  it('follow a matrix that may still change (a draft being edited)', () => {
    const draft = copyOf() as { matrix: { rowLabel?: { 'zh-CN': string; en: string } } } & PriorityDefinition;
    const context = { data: { impact: 'team', urgency: 'low' } };
    const before = computePriority(draft, context).explanation.text.en;
    draft.matrix.rowLabel = { 'zh-CN': '范围', en: 'reach' };
    expect(computePriority(draft, context).explanation.text.en).not.toBe(before);
    expect(computePriority(draft, context).explanation.text.en).toContain('reach');
  });

  it('show a number as a number and a text as text, though both give the same cell', () => {
    const numeric = freezeDeep<PriorityDefinition>({
      matrix: {
        rows: { var: 'data.level' },
        columns: { var: 'data.urgency' },
        table: { '1': { low: 'high' } },
      },
    });
    const asText = computePriority(numeric, { data: { level: '1', urgency: 'low' } }).explanation.text.en;
    const asNumber = computePriority(numeric, { data: { level: 1, urgency: 'low' } }).explanation.text.en;
    expect(asText).toContain('"1"');
    expect(asNumber).not.toContain('"1"');
    expect(computePriority(numeric, { data: { level: '1', urgency: 'low' } }).explanation.text.en).toBe(
      asText,
    );
  });
});
