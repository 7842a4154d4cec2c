import { describe, expect, it } from 'vitest';
import { TicketHarness, actors, definitionOf } from '../../engine/test-support/harness.js';
import flows from './confirm.node.flow.json' with { type: 'json' };

const atConfirm = () => {
  const harness = new TicketHarness(definitionOf(flows.withSurvey));
  harness.open();
  harness.do({ command: 'complete-step' }, actors.agent);
  return harness;
};

describe('confirm node', () => {
  it('resolves the ticket, asks the requester and schedules the auto-close', () => {
    const harness = atConfirm();
    expect(harness.ticket.status).toEqual({ category: 'resolved', key: 'awaiting-confirmation' });
    expect(harness.ticket.flags.resolvedAt).toBe(harness.now);
    expect(harness.effectsOf('notify').map((effect) => effect.template)).toContain('confirm-requested');
    expect(harness.effectsOf('schedule')[0]).toMatchObject({ reason: 'auto-close' });
    expect(harness.allowed(actors.requester)).toEqual(expect.arrayContaining(['confirm', 'reopen', 'rate']));
    expect(harness.allowed(actors.agent)).not.toContain('confirm');
  });

  it('only the requester (or an admin) confirms', () => {
    const harness = atConfirm();
    harness.refused({ command: 'confirm' }, actors.agent, 'actor.requester-only');
    harness.do({ command: 'confirm' }, actors.requester);
    expect(harness.ticket.status).toEqual({ category: 'closed', key: 'closed' });
    expect(harness.ticket.steps.confirm?.result).toBe('confirmed');
    expect(harness.effectsOf('survey')).toHaveLength(1);
    expect(harness.effectsOf('cancel-schedule')).toHaveLength(1);
  });

  it('reopen goes back to the last human step; a second resolution schedules a new timer', () => {
    const harness = atConfirm();
    const firstKey = harness.effectsOf('schedule')[0]?.key;
    harness.refused({ command: 'reopen' }, actors.agent, 'actor.requester-only');
    harness.do({ command: 'reopen' }, actors.requester);
    expect(harness.at).toEqual(['fix']);
    expect(harness.ticket.flags.resolvedAt).toBeUndefined();
    harness.refused({ command: 'reopen' }, actors.requester, 'reopen.not-resolved');
    harness.do({ command: 'complete-step' }, actors.agent);
    expect(harness.effectsOf('schedule')[0]?.key).not.toBe(firstKey);
  });

  it('without the survey, the auto-close closes quietly', () => {
    const harness = new TicketHarness(definitionOf(flows.noSurvey));
    harness.open();
    harness.fire(harness.effectsOf('schedule')[0]);
    expect(harness.ticket.status.category).toBe('closed');
    expect(harness.effectsOf('survey')).toEqual([]);
    expect(harness.ticket.steps.confirm?.result).toBe('auto-closed');
  });

  it('with no earlier human step, a reopen has nowhere to go', () => {
    const harness = new TicketHarness(definitionOf(flows.noSurvey));
    harness.open();
    harness.refused({ command: 'reopen' }, actors.requester, 'flow.no-earlier-step');
  });
});
