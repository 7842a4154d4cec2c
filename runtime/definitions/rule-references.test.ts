import { describe, expect, it } from 'vitest';
import { embeddedRuleVariables, ruleVariables } from './rule-references.js';

describe('ruleVariables', () => {
  it.each([
    ['a plain var', { var: 'data.service' }, [['data.service', '/when/var']]],
    ['a var with a default', { var: ['priority', 'low'] }, [['priority', '/when/var']]],
    [
      'a computed var path',
      { var: [{ cat: ['data.', { var: 'channel' }] }] },
      [['channel', '/when/var/0/cat/1/var']],
    ],
    ['an empty var (the whole context)', { var: '' }, []],
    [
      'missing',
      { missing: ['data.a', 'data.b'] },
      [
        ['data.a', '/when/missing'],
        ['data.b', '/when/missing'],
      ],
    ],
    [
      'missing_some',
      { missing_some: [1, ['data.a', 'data.b']] },
      [
        ['data.a', '/when/missing_some'],
        ['data.b', '/when/missing_some'],
      ],
    ],
    ['missing with one key', { missing: 'data.a' }, [['data.a', '/when/missing']]],
    [
      'an item-scoped operation reads only its collection',
      { some: [{ var: 'data.items' }, { '==': [{ var: 'sku' }, 'x'] }] },
      [['data.items', '/when/some/0/var']],
    ],
    [
      'reduce reads its collection and its start value',
      {
        reduce: [
          { var: 'data.rows' },
          { '+': [{ var: 'current' }, { var: 'accumulator' }] },
          { var: 'data.base' },
        ],
      },
      [
        ['data.rows', '/when/reduce/0/var'],
        ['data.base', '/when/reduce/2/var'],
      ],
    ],
    [
      'nested operations',
      { and: [{ '==': [{ var: 'a' }, 1] }, { '!': { var: 'b' } }] },
      [
        ['a', '/when/and/0/==/0/var'],
        ['b', '/when/and/1/!/var'],
      ],
    ],
    ['an object that is not an operation', { a: { var: 'x' }, b: 1 }, []],
    ['a literal', true, []],
  ])('%s', (_name, logic, expected) => {
    expect(ruleVariables(logic, '/when').map(({ variable, path }) => [variable, path])).toEqual(expected);
  });

  it('stops at absurd nesting', () => {
    let logic: unknown = { var: 'deep' };
    for (let level = 0; level < 100; level += 1) logic = { '!': logic };
    expect(ruleVariables(logic, '')).toEqual([]);
    expect(embeddedRuleVariables({ a: logic }, '')).toEqual([]);
  });
});

describe('embeddedRuleVariables', () => {
  it('finds rules anywhere in settings that are not themselves rules', () => {
    const settings = {
      set: { total: { '+': [{ var: 'data.a' }, 1] }, note: 'x' },
      list: [{ filter: [{ var: 'data.rows' }, { var: 'ok' }] }],
      name: { 'zh-CN': '名称', en: 'Name' },
    };
    expect(embeddedRuleVariables(settings, '/data').map(({ variable, path }) => [variable, path])).toEqual([
      ['data.a', '/data/set/total/+/0/var'],
      ['data.rows', '/data/list/0/filter/0/var'],
    ]);
  });
});
