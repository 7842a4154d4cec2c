import { describe, expect, it } from 'vitest';
import { checkRule, prepareRule } from '../../../../runtime/rules/index';
import {
  OPERATOR_OPERATIONS,
  RULE_OPERATORS,
  emitCondition,
  emitView,
  operatorsFor,
  readRule,
  usesOnlyAllowed,
  type RuleCondition,
} from './rule-model';
import { ALLOWED_OPERATIONS } from '../../../../runtime/rules/rule-engine';

const service = { var: 'data.service' };

/** Rules the builder draws: each must come back byte for byte from its visual model. */
const drawable: [string, unknown][] = [
  ['equals', { '==': [service, 'server'] }],
  ['not equals', { '!=': [service, 'server'] }],
  ['equals a number', { '==': [{ var: 'data.count' }, 3] }],
  ['equals true', { '==': [{ var: 'data.urgent' }, true] }],
  ['equals null', { '==': [{ var: 'data.note' }, null] }],
  ['in a list', { in: [{ var: 'requester.level' }, ['vip', 'gold']] }],
  ['not in a list', { '!': { in: [{ var: 'channel' }, ['email', 'phone']] } }],
  ['contains', { in: ['vpn', { var: 'text' }] }],
  ['does not contain', { '!': { in: ['vpn', { var: 'data.tags' }] } }],
  ['keywords', { keywords: [{ var: 'text' }, ['打印机', 'printer']] }],
  ['greater than', { '>': [{ var: 'data.amount' }, 1000] }],
  ['at least', { '>=': [{ var: 'data.amount' }, 1000] }],
  ['less than', { '<': [{ var: 'data.days' }, 3] }],
  ['at most', { '<=': [{ var: 'data.days' }, 3] }],
  ['between', { '<=': [1, { var: 'data.days' }, 5] }],
  ['date after', { '>': [{ var: 'data.start' }, '2026-05-01'] }],
  ['is empty', { '!': { var: 'data.note' } }],
  ['is not empty', { '!!': { var: 'data.note' } }],
  ['in business hours', { inBusinessHours: [{ var: 'now' }] }],
  ['not in business hours', { '!': { inBusinessHours: [{ var: 'now' }] } }],
  ['and', { and: [{ '==': [service, 'server'] }, { '>': [{ var: 'data.amount' }, 5] }] }],
  ['or', { or: [{ '==': [service, 'server'] }, { '==': [service, 'network'] }] }],
  ['and of one', { and: [{ '==': [service, 'server'] }] }],
  [
    'nested groups',
    {
      or: [
        { and: [{ '==': [service, 'server'] }, { in: [{ var: 'requester.level' }, ['vip']] }] },
        { and: [{ or: [{ '!!': { var: 'data.note' } }, { keywords: [{ var: 'text' }, ['down']] }] }] },
      ],
    },
  ],
  [
    'negated group',
    { '!': { and: [{ '==': [service, 'server'] }, { '==': [{ var: 'channel' }, 'email'] }] } },
  ],
  ['negated nested group', { and: [{ '!': { or: [{ '==': [service, 'a'] }, { '==': [service, 'b'] }] } }] }],
];

/** Rules the builder cannot draw: kept as JSON and never rewritten. */
const notDrawable: [string, unknown][] = [
  ['arithmetic', { '>': [{ '+': [{ var: 'data.a' }, { var: 'data.b' }] }, 10] }],
  ['var with default', { '==': [{ var: ['data.service', 'none'] }, 'server'] }],
  ['comparison with two vars', { '==': [{ var: 'data.a' }, { var: 'data.b' }] }],
  ['value on the left', { '==': ['server', service] }],
  ['strict equality', { '===': [service, 'server'] }],
  ['if', { if: [{ var: 'data.a' }, true, false] }],
  ['exclusive between', { '<': [1, { var: 'data.days' }, 5] }],
  ['negated comparison', { '!': { '==': [service, 'server'] } }],
  ['double negation', { '!': { '!': { and: [{ '==': [service, 'x'] }] } } }],
  ['negation in an array', { '!': [{ var: 'data.note' }] }],
  ['date arithmetic', { '<': [{ var: 'data.due' }, { dateAdd: [{ now: [] }, 2, 'days'] }] }],
  ['in business hours without instant', { inBusinessHours: [] }],
  ['missing', { missing: ['data.a'] }],
  ['empty and', { and: [] }],
  ['keywords from a var', { keywords: [{ var: 'text' }, { var: 'data.words' }] }],
  ['extra key', { '==': [service, 'server'], note: 'x' }],
  ['unknown operation', { regex: [service, '^a'] }],
  ['list with objects', { in: [service, [{ a: 1 }]] }],
  ['string', 'yes'],
  ['number', 1],
  ['false', false],
  ['null', null],
  ['array', [1, 2]],
  ['some', { some: [{ var: 'data.items' }, { '>': [{ var: 'qty' }, 1] }] }],
];

describe('rule builder json-logic ⇄ visual model', () => {
  it.each(drawable)('draws %s and writes it back byte for byte', (_name, logic) => {
    const view = readRule(logic);
    expect(view.mode).toBe('visual');
    expect(JSON.stringify(emitView(view))).toBe(JSON.stringify(logic));
    expect(checkRule(logic)).toEqual([]);
  });

  it.each(notDrawable)('keeps %s as JSON', (_name, logic) => {
    const view = readRule(logic);
    expect(view).toEqual({ mode: 'json', reason: 'shape' });
  });

  it('no rule and the always-true rule', () => {
    expect(readRule(undefined)).toEqual({ mode: 'none' });
    expect(readRule(true)).toEqual({ mode: 'always' });
    expect(emitView({ mode: 'none' })).toBeUndefined();
    expect(emitView({ mode: 'always' })).toBe(true);
    expect(
      emitView({ mode: 'visual', root: { kind: 'group', op: 'and', negated: false, children: [] } }),
    ).toBe(true);
  });

  it('an implicit root writes one condition bare and several in an and', () => {
    const view = readRule({ '==': [service, 'server'] });
    if (view.mode !== 'visual') throw new Error('expected a visual rule');
    expect(view.root.implicit).toBe(true);
    view.root.children.push({ kind: 'condition', path: 'channel', operator: 'eq', value: 'email' });
    expect(emitView(view)).toEqual({
      and: [{ '==': [service, 'server'] }, { '==': [{ var: 'channel' }, 'email'] }],
    });
  });

  it('every operator writes operations on the runtime allow-list, and evaluates', () => {
    const allowed = new Set(ALLOWED_OPERATIONS);
    for (const operator of RULE_OPERATORS) {
      for (const operation of OPERATOR_OPERATIONS[operator]) expect(allowed.has(operation)).toBe(true);
      const value =
        operator === 'between' ? [1, 5] : ['in', 'notIn', 'keywords'].includes(operator) ? ['a'] : 'a';
      const condition: RuleCondition = { kind: 'condition', path: 'data.x', operator, value };
      const logic = emitCondition(condition);
      expect(usesOnlyAllowed(logic)).toBe(true);
      const prepared = prepareRule(logic);
      expect(prepared.ok).toBe(true);
      // and it reads back as the same operator
      const view = readRule(logic);
      expect(view.mode === 'visual' && view.root.children[0]).toMatchObject({ operator });
    }
  });

  it('conditions mean what their names say when the runtime evaluates them', () => {
    const test = (condition: Omit<RuleCondition, 'kind'>, data: unknown): boolean => {
      const prepared = prepareRule(emitCondition({ kind: 'condition', ...condition }));
      if (!prepared.ok) throw new Error(prepared.error.text.en);
      const result = prepared.value.test(data, { now: Date.parse('2026-03-02T02:00:00Z') });
      if (!result.ok) throw new Error(result.error.text.en);
      return result.value;
    };
    const x = { path: 'x' };
    expect(test({ ...x, operator: 'between', value: [1, 5] }, { x: 3 })).toBe(true);
    expect(test({ ...x, operator: 'between', value: [1, 5] }, { x: 6 })).toBe(false);
    expect(test({ ...x, operator: 'in', value: ['a', 'b'] }, { x: 'b' })).toBe(true);
    expect(test({ ...x, operator: 'notIn', value: ['a', 'b'] }, { x: 'b' })).toBe(false);
    expect(test({ ...x, operator: 'contains', value: 'vpn' }, { x: 'my vpn is down' })).toBe(true);
    expect(test({ ...x, operator: 'contains', value: 'b' }, { x: ['a', 'b'] })).toBe(true);
    expect(test({ ...x, operator: 'notContains', value: 'c' }, { x: ['a', 'b'] })).toBe(true);
    expect(test({ ...x, operator: 'keywords', value: ['printer'] }, { x: 'The PRINTER jams' })).toBe(true);
    expect(test({ ...x, operator: 'isEmpty' }, { x: '' })).toBe(true);
    expect(test({ ...x, operator: 'isEmpty' }, { x: [] })).toBe(true);
    expect(test({ ...x, operator: 'isNotEmpty' }, { x: 'a' })).toBe(true);
    expect(test({ ...x, operator: 'gte', value: 10 }, { x: 10 })).toBe(true);
    expect(test({ ...x, operator: 'lt', value: '2026-05-01' }, { x: '2026-04-30' })).toBe(true);
  });

  it('offers operators by the variable type', () => {
    expect(operatorsFor({ type: 'number' })).toContain('between');
    expect(operatorsFor({ type: 'string' })).toContain('keywords');
    expect(operatorsFor({ type: 'enum' })).not.toContain('gt');
    expect(operatorsFor({ type: 'array' })).toEqual(['contains', 'notContains', 'isEmpty', 'isNotEmpty']);
    expect(operatorsFor({ type: 'datetime' })).toContain('inBusinessHours');
    expect(operatorsFor(undefined)).toEqual([...RULE_OPERATORS]);
  });
});
