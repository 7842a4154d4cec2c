import { describe, expect, it } from 'vitest';
import { TicketHarness, definitionOf } from '../../engine/test-support/harness.js';
import { exclusiveNode } from './exclusive.node.js';
import flow from './exclusive.node.flow.json' with { type: 'json' };

const openWith = (data: Record<string, unknown>) => {
  const harness = new TicketHarness(definitionOf(flow));
  harness.open({ title: 'Expense', ...data });
  return harness;
};

describe('exclusive gateway', () => {
  it('has one way out and only asks the runner to take one edge', () => {
    expect(exclusiveNode.outcomes({})).toEqual([]);
    expect(exclusiveNode.waits({})).toBe(false);
  });

  it.each([
    { amount: 5000, expected: 'big', edge: 'e2' },
    { amount: 10, expected: 'small', edge: 'e4' },
    { amount: 'n/a', expected: 'other', edge: 'e5' },
  ])(
    'given amount $amount, the first matching edge in order wins ($expected)',
    ({ amount, expected, edge }) => {
      const harness = openWith({ amount });
      expect(harness.at).toEqual([expected]);
      const decided = harness.events.find((event) => event.type === 'gateway.decided');
      expect(decided?.data).toMatchObject({ nodeId: 'which', edgeId: edge, default: expected === 'other' });
    },
  );

  it('a condition that cannot be evaluated is reported and counts as not met', () => {
    const harness = openWith({ amount: 10 });
    const failure = harness.events.find((event) => event.type === 'rule.failed');
    expect(failure?.data).toMatchObject({ nodeId: 'which', edgeId: 'e3' });
    expect(harness.at).toEqual(['small']);
  });

  it('with no match and no default edge, the command is refused naming the gateway', () => {
    const withoutDefault = { ...flow, edges: flow.edges.filter((edge) => edge.id !== 'e5') };
    const harness = new TicketHarness(definitionOf(withoutDefault));
    harness.state = undefined;
    const result = harness.try(
      { command: 'open', id: 'T', number: 'N', data: { amount: 'x' }, requester: { id: 'u-req' } },
      { id: 'u-req', roles: [], teams: [], kind: 'requester' },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('flow.no-branch-matched');
  });

  it('a non-default edge without a condition always holds', () => {
    const unconditioned = {
      ...flow,
      edges: flow.edges.map((edge) =>
        edge.id === 'e2' ? { id: 'e2', source: 'which', target: 'big' } : edge,
      ),
    };
    const harness = new TicketHarness(definitionOf(unconditioned));
    harness.open({ amount: 1 });
    expect(harness.at).toEqual(['big']);
  });
});
