import { describe, expect, it } from 'vitest';
import { TicketHarness, T0, actors, definitionOf } from '../../engine/test-support/harness.js';
import { waitNode } from './wait.node.js';
import flows from './wait.node.flow.json' with { type: 'json' };

const given = (name: keyof typeof flows) => {
  const harness = new TicketHarness(definitionOf(flows[name]));
  harness.open();
  return harness;
};

describe('wait node', () => {
  it('waits one business day on the business calendar, then moves on when the timer fires', () => {
    const harness = given('business');
    const timer = harness.effectsOf('schedule')[0];
    // Wednesday 09:30 + 8 business hours = Thursday 09:30 (Shanghai).
    expect(timer?.at).toBe(T0 + 24 * 3600_000);
    expect(harness.ticket.tokens[0]?.waitingFor).toMatchObject({ kind: 'timer', reason: 'wait' });
    harness.refused({ command: 'timer-fired', key: String(timer?.key) }, actors.agent, 'actor.system-only');
    harness.refused({ command: 'timer-fired', key: 'other' }, actors.system, 'timer.unknown', 'key');
    harness.fire(timer);
    expect(harness.at).toEqual(['work']);
    expect(harness.ticket.steps['cool-down']?.result).toBe('elapsed');
  });

  it('waits calendar hours on the named calendar', () => {
    const harness = given('calendar');
    expect(harness.effectsOf('schedule')[0]?.at).toBe(T0 + 3 * 3600_000);
  });

  it('refuses to run a wait on a calendar that does not exist', () => {
    const harness = new TicketHarness(definitionOf(flows.unknownCalendar));
    const result = harness.try(
      { command: 'open', id: 'T', number: 'N', data: {}, requester: { id: 'u-req' } },
      actors.requester,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('flow.calendar-unknown');
  });

  it("waits for the requester's reply in a pending status, with a time-out", () => {
    const harness = given('reply');
    expect(waitNode.outcomes(flows.reply.nodes[1]?.data as never)).toEqual(['replied', 'timed-out']);
    expect(harness.ticket.status).toEqual({ category: 'pending', key: 'awaiting-customer' });
    expect(harness.allowed(actors.requester)).toContain('reply-received');
    harness.refused({ command: 'reply-received' }, actors.outsider, 'actor.requester-only');
    harness.do({ command: 'reply-received', body: 'here is the log' }, actors.requester);
    expect(harness.at).toEqual(['work']);
    expect(harness.ticket.status.category).toBe('open');
    expect(harness.ticket.steps.ask?.result).toBe('replied');
    expect(harness.effectsOf('cancel-schedule')).toHaveLength(1);
  });

  it('leaves by timed-out when the requester does not answer in time', () => {
    const harness = given('reply');
    harness.fire(harness.effectsOf('schedule')[0]);
    expect(harness.ticket.steps.ask?.result).toBe('timed-out');
    expect(harness.ticket.status.category).toBe('cancelled');
  });

  it('without a time-out waits in the configured status and has one way out', () => {
    const harness = given('replyNoTimeout');
    expect(harness.ticket.status).toEqual({ category: 'pending', key: 'awaiting-vendor' });
    expect(harness.effectsOf('schedule')).toEqual([]);
    harness.do({ command: 'reply-received' }, actors.system);
    expect(harness.at).toEqual(['work']);
  });
});
