import { describe, expect, it } from 'vitest';
import { TicketHarness, actors, definitionOf } from '../test-support/harness.js';
import flow from './parallel-approval.flow.json' with { type: 'json' };

const { agent, approverA, approverB, approverC, requester } = actors;

/** Given a request submitted into two approvals that run at once: finance (u-c) and IT (all change managers). */
function given() {
  const harness = new TicketHarness(definitionOf(flow), {
    roleMembers: { 'change-manager': ['u-a', 'u-b'] },
  });
  harness.open({ title: 'New laptop' });
  harness.do({ command: 'complete-step', outcome: 'submit' }, agent);
  expect(harness.at).toEqual(['finance', 'it']);
  return harness;
}

describe('parallel approval', () => {
  it('both approvals run at once; the flow goes on only when both are done', () => {
    const harness = given();
    expect(harness.allowed(approverC)).toContain('approve');
    harness.do({ command: 'approve' }, approverC);
    expect(harness.at).toEqual(['it', 'join']);
    harness.do({ command: 'approve' }, approverA);
    expect(harness.at).toEqual(['it', 'join']);
    harness.do({ command: 'approve', nodeId: 'it' }, approverB);
    expect(harness.at).toEqual(['fulfil']);
    expect(harness.ticket.steps.finance?.result).toBe('approved');
    expect(harness.ticket.steps.it?.result).toBe('approved');
  });

  it('one rejection in the all-of branch: after the join the request is turned down', () => {
    const harness = given();
    harness.do({ command: 'reject', comment: 'not in this quarter' }, approverB);
    expect(harness.ticket.approvals.it?.approvers.map((record) => record.decision)).toEqual([
      'skipped',
      'rejected',
    ]);
    expect(harness.at).toEqual(['finance', 'join']);
    harness.do({ command: 'approve' }, approverC);
    expect(harness.ticket.status.category).toBe('cancelled');
    expect(
      harness.effectsOf('notify').find((effect) => effect.template === 'request-rejected')?.recipients,
    ).toEqual([{ user: 'u-req' }]);
  });

  it('an approver of one branch cannot decide the other, and a requester neither', () => {
    const harness = given();
    harness.refused({ command: 'approve', nodeId: 'finance' }, approverA, 'approval.not-approver');
    harness.refused({ command: 'approve' }, requester, 'approval.not-approver');
    harness.refused({ command: 'approve', nodeId: 'join' }, approverA, 'step.not-waiting');
  });

  it('sending back from one branch ends the other: the request is reworked and both approvals run again', () => {
    const harness = given();
    harness.do({ command: 'approve' }, approverA);
    harness.do({ command: 'send-back', to: 'request', comment: 'which model?' }, approverC);
    expect(harness.at).toEqual(['request']);
    expect(harness.ticket.steps.it?.status).toBe('cancelled');
    harness.do({ command: 'complete-step', outcome: 'submit' }, agent);
    expect(harness.at).toEqual(['finance', 'it']);
    expect(harness.ticket.approvals.it?.round).toBe(2);
  });
});

describe('send back inside one branch', () => {
  const node = (id: string, type: string, data: Record<string, unknown> = {}) => ({ id, type, data });
  const edge = (id: string, source: string, target: string) => ({ id, source, target });
  const branchFlow = {
    nodes: [
      node('start', 'start'),
      node('split', 'parallel'),
      node('draft', 'task'),
      node('review', 'approval', { approvers: { users: ['u-a'] } }),
      node('other', 'task'),
      node('join', 'parallel'),
      node('done', 'end'),
    ],
    edges: [
      edge('e1', 'start', 'split'),
      edge('e2', 'split', 'draft'),
      edge('e3', 'draft', 'review'),
      edge('e4', 'review', 'join'),
      edge('e5', 'split', 'other'),
      edge('e6', 'other', 'join'),
      edge('e7', 'join', 'done'),
    ],
  };

  it('keeps the sibling branch that split off before the step sent back to', () => {
    const harness = new TicketHarness(definitionOf(branchFlow));
    harness.open();
    harness.do({ command: 'complete-step', nodeId: 'draft' }, agent);
    harness.do({ command: 'send-back', to: 'draft' }, approverA);
    expect(harness.at).toEqual(['draft', 'other']);
  });
});
