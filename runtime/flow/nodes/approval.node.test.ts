import { describe, expect, it } from 'vitest';
import type { EngineContext } from '../../engine/types.js';
import { TicketHarness, actors, definitionOf } from '../../engine/test-support/harness.js';
import { approvalNode } from './approval.node.js';
import flows from './approval.node.flow.json' with { type: 'json' };

const { approverA, approverB, approverC, agent } = actors;
const userD = { id: 'u-d', roles: [], teams: [], kind: 'user' as const };

/** Given a ticket whose draft step is done, waiting at the `review` approval of `flow`. */
function atReview(
  name: keyof typeof flows,
  data: Record<string, unknown> = {},
  context: Partial<EngineContext> = {},
) {
  const harness = new TicketHarness(definitionOf(flows[name]), context);
  harness.open({ title: 'Buy a server', ...data });
  if (harness.at.includes('draft')) harness.do({ command: 'complete-step' }, agent);
  expect(harness.at).toEqual(['review']);
  return harness;
}

const decisions = (harness: TicketHarness) =>
  harness.ticket.approvals.review?.approvers.map((record) => record.decision ?? 'pending');

describe('approval node', () => {
  it('has one way out, or approved / rejected handles when it branches on the result', () => {
    expect(approvalNode.outcomes({ approvers: { users: ['x'] } })).toEqual([]);
    expect(approvalNode.outcomes({ approvers: { users: ['x'] }, branchOnResult: true })).toEqual([
      'approved',
      'rejected',
    ]);
  });

  it('single: only the approver decides; the result and the decision are recorded', () => {
    const harness = atReview('single');
    expect(harness.effectsOf('notify')[0]).toMatchObject({
      template: 'approval-requested',
      recipients: [{ user: 'u-a' }],
    });
    harness.refused({ command: 'approve' }, approverB, 'approval.not-approver');
    harness.refused({ command: 'approve' }, actors.requester, 'approval.not-approver');
    expect(harness.allowed(approverA)).toEqual(
      expect.arrayContaining(['approve', 'reject', 'delegate', 'send-back']),
    );
    harness.do({ command: 'approve', comment: 'fine' }, approverA);
    expect(harness.ticket.steps.review?.result).toBe('approved');
    expect(harness.ticket.approvals.review?.approvers[0]).toMatchObject({
      decision: 'approved',
      decidedBy: 'u-a',
      comment: 'fine',
      at: harness.now,
    });
    expect(harness.ticket.status.category).toBe('closed');
  });

  it('sequential: approvers decide in order, each told when their turn comes', () => {
    const harness = atReview('sequential');
    harness.refused({ command: 'approve' }, approverB, 'approval.not-approver');
    harness.do({ command: 'approve' }, approverA);
    expect(harness.at).toEqual(['review']);
    expect(harness.effectsOf('notify')[0]).toMatchObject({ recipients: [{ user: 'u-b' }] });
    harness.refused({ command: 'approve' }, approverA, 'approval.not-approver');
    harness.do({ command: 'approve' }, approverB);
    expect(harness.ticket.steps.review?.result).toBe('approved');
  });

  it('sequential: a rejection by the first approver settles it', () => {
    const harness = atReview('sequential');
    harness.do({ command: 'reject' }, approverA);
    expect(harness.ticket.steps.review?.result).toBe('rejected');
    expect(decisions(harness)).toEqual(['rejected', 'skipped']);
  });

  it('any-of (或签): the first decision settles it and the others are skipped', () => {
    const harness = atReview('anyOf');
    harness.do({ command: 'approve' }, approverB);
    expect(decisions(harness)).toEqual(['skipped', 'approved', 'skipped']);
    expect(harness.ticket.steps.review?.result).toBe('approved');
  });

  it('any-of by role: anyone holding the role decides', () => {
    const harness = atReview('anyOfRole');
    harness.refused({ command: 'approve' }, approverC, 'approval.not-approver');
    harness.do({ command: 'reject' }, approverB);
    expect(harness.ticket.steps.review?.result).toBe('rejected');
    expect(harness.ticket.approvals.review?.approvers[0]?.decidedBy).toBe('u-b');
  });

  it('all-of (会签): everyone must approve', () => {
    const harness = atReview('allOf');
    harness.do({ command: 'approve' }, approverA);
    harness.refused({ command: 'approve' }, approverA, 'approval.not-approver');
    harness.do({ command: 'approve' }, approverC);
    expect(harness.at).toEqual(['review']);
    harness.do({ command: 'approve' }, approverB);
    expect(harness.ticket.steps.review?.result).toBe('approved');
    expect(decisions(harness)).toEqual(['approved', 'approved', 'approved']);
  });

  it('all-of (会签) with one rejection: rejected at once, the remaining approvers skipped', () => {
    const harness = atReview('allOf');
    harness.do({ command: 'approve' }, approverA);
    harness.do({ command: 'reject', comment: 'no budget' }, approverB);
    expect(harness.ticket.steps.review?.result).toBe('rejected');
    expect(decisions(harness)).toEqual(['approved', 'rejected', 'skipped']);
    expect(harness.eventTypes()).toEqual(expect.arrayContaining(['approval.decided', 'approval.completed']));
  });

  it('all-of by role expands to the role members when the directory is known', () => {
    const harness = atReview('allOfRole', {}, { roleMembers: { 'change-manager': ['u-a', 'u-b'] } });
    expect(harness.ticket.approvals.review?.approvers.map((record) => record.slot)).toEqual([
      { kind: 'user', userId: 'u-a' },
      { kind: 'user', userId: 'u-b' },
    ]);
  });

  it('approvers from a team, the requester manager or a form field', () => {
    expect(atReview('team').ticket.approvals.review?.approvers[0]?.slot).toEqual({
      kind: 'team',
      team: 'cab',
    });
    const byManager = atReview('manager');
    byManager.do({ command: 'approve' }, actors.manager);
    expect(byManager.ticket.steps.review?.result).toBe('approved');
    const byField = atReview('field', { approvers: ['u-a', 'u-c', 'u-a'] });
    expect(byField.ticket.approvals.review?.approvers).toHaveLength(2);
  });

  it('with nobody to ask, admins decide and the reason is recorded', () => {
    const harness = atReview('field', {});
    expect(harness.log.map((event) => event.type)).toContain('approval.no-approvers');
    harness.do({ command: 'approve' }, actors.admin);
    expect(harness.ticket.steps.review?.result).toBe('approved');
  });

  it('an admin may decide for the first awaited approver', () => {
    const harness = atReview('sequential');
    harness.do({ command: 'approve' }, actors.admin);
    expect(harness.ticket.approvals.review?.approvers[0]).toMatchObject({
      decision: 'approved',
      decidedBy: 'u-admin',
    });
  });

  it('delegate: the delegate decides and the original approver stays on record', () => {
    const harness = atReview('single');
    harness.refused({ command: 'delegate', to: 'u-a' }, approverA, 'approval.delegate-target', 'to');
    harness.do({ command: 'delegate', to: 'u-d', comment: 'on leave' }, approverA);
    expect(harness.effectsOf('notify')[0]).toMatchObject({ recipients: [{ user: 'u-d' }] });
    harness.refused({ command: 'approve' }, approverA, 'approval.not-approver');
    harness.do({ command: 'approve' }, userD);
    expect(harness.ticket.approvals.review?.approvers[0]).toMatchObject({
      slot: { kind: 'user', userId: 'u-d' },
      delegatedFrom: [{ kind: 'user', userId: 'u-a' }],
      decision: 'approved',
      decidedBy: 'u-d',
    });
  });

  it('send back: only to an earlier human step on the path taken; the next round keeps the history', () => {
    const harness = atReview('allOf');
    harness.do({ command: 'approve' }, approverA);
    harness.refused({ command: 'send-back', to: 'done' }, approverB, 'approval.send-back-target', 'to');
    harness.refused({ command: 'send-back', to: 'review' }, approverB, 'approval.send-back-target', 'to');
    harness.do({ command: 'send-back', to: 'draft', comment: 'add a quote' }, approverB);
    expect(harness.at).toEqual(['draft']);
    expect(harness.ticket.steps.review?.result).toBe('sent-back');
    expect(harness.ticket.steps.draft?.visits).toBe(2);
    harness.do({ command: 'complete-step' }, agent);
    const approval = harness.ticket.approvals.review;
    expect(approval?.round).toBe(2);
    expect(approval?.history?.[0]).toMatchObject({ round: 1, result: 'sent-back' });
    expect(decisions(harness)).toEqual(['pending', 'pending', 'pending']);
    // Loop twice more: keys stay unique per round.
    harness.do({ command: 'send-back', to: 'draft' }, approverC);
    harness.do({ command: 'complete-step' }, agent);
    expect(harness.ticket.approvals.review?.history).toHaveLength(2);
    expect(String(harness.effectsOf('notify')[0]?.key)).toContain(':review:3:');
  });

  it('send back and delegate can be switched off', () => {
    const harness = atReview('locked');
    expect(harness.allowed(approverA)).not.toContain('send-back');
    expect(harness.allowed(approverA)).not.toContain('delegate');
    harness.refused({ command: 'send-back', to: 'draft' }, approverA, 'approval.send-back-disabled');
    harness.refused({ command: 'delegate', to: 'u-d' }, approverA, 'approval.delegate-disabled');
  });

  it('branchOnResult: leaves by the approved or rejected handle', () => {
    const approved = atReview('branch');
    approved.do({ command: 'approve' }, approverA);
    expect(approved.at).toEqual(['yes']);
    const rejected = atReview('branch');
    expect(rejected.allowed(approverA)).not.toContain('send-back');
    rejected.do({ command: 'reject' }, approverA);
    expect(rejected.ticket.status.category).toBe('cancelled');
  });

  it('refuses approval commands when no approval waits', () => {
    const harness = new TicketHarness(definitionOf(flows.single));
    harness.open();
    harness.refused({ command: 'approve' }, approverA, 'step.not-waiting');
    harness.refused({ command: 'approve', nodeId: 'review' }, approverA, 'step.not-waiting');
  });
});
