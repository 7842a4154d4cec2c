import { describe, expect, it } from 'vitest';
import { TicketHarness, actors, definitionOf } from '../../engine/test-support/harness.js';
import { parallelNode } from './parallel.node.js';
import flow from './parallel.node.flow.json' with { type: 'json' };

describe('parallel split and join', () => {
  it('splits into one token per outgoing edge, each step assigned to its team', () => {
    const harness = new TicketHarness(definitionOf(flow));
    harness.open();
    expect(harness.at).toEqual(['check-desk', 'check-ops']);
    expect(new Set(harness.ticket.tokens.map((token) => token.id)).size).toBe(2);
    expect(harness.ticket.steps['check-desk']).toMatchObject({ team: 'desk' });
    expect(harness.ticket.steps['check-ops']).toMatchObject({ team: 'ops', assignee: 'u-ops' });
    expect(parallelNode.outcomes({})).toEqual([]);
  });

  it('each branch is worked by its own team; the join waits for every incoming branch', () => {
    const harness = new TicketHarness(definitionOf(flow));
    harness.open();
    harness.refused({ command: 'complete-step', nodeId: 'check-ops' }, actors.outsider, 'actor.forbidden');
    harness.do({ command: 'complete-step', nodeId: 'check-ops' }, actors.opsAgent);
    expect(harness.at).toEqual(['check-desk', 'join']);
    expect(harness.ticket.tokens.find((token) => token.nodeId === 'join')?.waitingFor).toEqual({
      kind: 'join',
      edgeId: 'e5',
    });
    // The desk agent works the other branch; a join token is not a step anyone can act on.
    harness.do({ command: 'complete-step' }, actors.agent2);
    expect(harness.at).toEqual(['wrap-up']);
    expect(harness.eventTypes()).toContain('parallel.joined');
    harness.do({ command: 'complete-step' }, actors.opsAgent);
    expect(harness.ticket.status.category).toBe('closed');
  });

  it('with two open steps a person can work, the step must be named', () => {
    const harness = new TicketHarness(definitionOf(flow));
    harness.open();
    harness.refused({ command: 'complete-step' }, actors.admin, 'step.ambiguous', 'nodeId');
    harness.do({ command: 'complete-step', nodeId: 'check-desk' }, actors.admin);
    expect(harness.at).toEqual(['check-ops', 'join']);
  });

  it('cancelling ends every branch and cancels their steps', () => {
    const harness = new TicketHarness(definitionOf(flow));
    harness.open();
    harness.do({ command: 'cancel', reason: 'duplicate' }, actors.agent);
    expect(harness.ticket.tokens).toEqual([]);
    expect(harness.ticket.steps['check-ops']?.status).toBe('cancelled');
    expect(harness.ticket.status.category).toBe('cancelled');
  });
});
