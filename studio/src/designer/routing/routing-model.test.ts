import { describe, expect, it } from 'vitest';
import {
  defaultRuleIndex,
  itilMatrix,
  matrixColumns,
  nextRuleId,
  resizeMatrix,
  simpleVar,
  skillToTag,
  skillsFromTags,
  tagToSkill,
} from './routing-model';

describe('routing editor helpers', () => {
  it('makes ids no rule uses', () => {
    expect(nextRuleId([])).toBe('rule-1');
    expect(nextRuleId([{ id: 'rule-1' }, { id: 'x' }])).toBe('rule-2');
    expect(nextRuleId([{ id: 'rule-1' }, { id: 'rule-2' }])).toBe('rule-3');
    expect(nextRuleId([{ id: 'default-1' }])).toBe('rule-1');
  });

  it('finds the closing default rule', () => {
    expect(defaultRuleIndex([{ when: { '==': [1, 1] } }, { when: true }])).toBe(1);
    expect(defaultRuleIndex([{ when: true }, { when: { '==': [1, 1] } }])).toBe(-1);
    expect(defaultRuleIndex([])).toBe(-1);
  });

  it('writes skills as the analyst types them and keeps expressions', () => {
    expect(tagToSkill('vpn')).toBe('vpn');
    expect(tagToSkill('vpn:3')).toEqual({ name: 'vpn', level: 3 });
    expect(tagToSkill('vpn:1')).toBe('vpn');
    expect(tagToSkill('ratio:11')).toBe('ratio:11');
    expect(skillToTag({ name: 'vpn', level: 3 })).toBe('vpn:3');
    expect(skillToTag({ var: 'data.service' })).toBeUndefined();
    expect(skillsFromTags(['a', 'b:2'], ['old', { var: 'data.service' }])).toEqual([
      'a',
      { name: 'b', level: 2 },
      { var: 'data.service' },
    ]);
  });

  it('resizes the matrix keeping the cells it can', () => {
    const { table } = itilMatrix();
    expect(matrixColumns(table)).toEqual(['high', 'medium', 'low']);
    const resized = resizeMatrix(table, ['high', 'critical'], ['high', 'low']);
    expect(resized).toEqual({
      high: { high: 'urgent', low: 'medium' },
      critical: { high: 'medium', low: 'medium' },
    });
    expect(simpleVar({ var: 'data.impact' })).toBe('data.impact');
    expect(simpleVar({ cat: ['a'] })).toBeUndefined();
  });
});
