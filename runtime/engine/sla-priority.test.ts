/**
 * When the priority changes, the SLA target is selected again so due times follow the priority (ITIL): the
 * `raisePriority` escalation, and any other priority change going through `Session.changePriority`.
 */
import { describe, expect, it } from 'vitest';
import type { SlaClocks, SlaPolicy } from '../sla/index.js';
import { Session } from './session.js';
import { TicketHarness, actors, definitionOf, T0 } from './test-support/harness.js';
import flow from './commands.flow.json' with { type: 'json' };

const HOUR = 3_600_000;
const byPriority = (priority: string) => ({ '==': [{ var: 'priority' }, priority] });
const explanation = { code: 'test', text: { 'zh-CN': '测试', en: 'test' } };

/** Round-the-clock targets, so due times are plain arithmetic. */
const policy: SlaPolicy = {
  calendar: '24x7',
  targets: [
    {
      id: 'high',
      when: byPriority('high'),
      firstResponse: { amount: 1, unit: 'hours' },
      resolution: { amount: 8, unit: 'hours' },
    },
    {
      id: 'medium',
      when: byPriority('medium'),
      firstResponse: { amount: 2, unit: 'hours' },
      resolution: { amount: 24, unit: 'hours' },
    },
    {
      id: 'low',
      when: true,
      firstResponse: { amount: 4, unit: 'hours' },
      resolution: { amount: 72, unit: 'hours' },
    },
  ],
  escalations: [{ at: 'warning', clock: 'firstResponse', do: [{ raisePriority: 1 }] }],
};

function openLow(sla: SlaPolicy = policy): TicketHarness {
  const harness = new TicketHarness(definitionOf(flow, { sla, priority: { rules: [], default: 'low' } }));
  harness.open();
  return harness;
}

const clocks = (harness: TicketHarness) => harness.ticket.sla as SlaClocks;
const slaTimer = (harness: TicketHarness) =>
  harness.effectsOf('schedule').find((effect) => effect.reason === 'sla');

describe('an SLA escalation that raises the priority', () => {
  it('re-selects the target: due times follow the new priority, with the explanation recorded', () => {
    const harness = openLow();
    expect(harness.ticket.priority).toBe('low');
    expect(clocks(harness).resolution?.dueAt).toBe(T0 + 72 * HOUR);
    // First-response warning at 75 % of 4 h: the escalation raises low → medium.
    const timer = slaTimer(harness);
    expect(timer?.at).toBe(T0 + 3 * HOUR);
    harness.fire(timer);

    expect(harness.ticket.priority).toBe('medium');
    expect(clocks(harness)).toMatchObject({ targetIndex: 1, targetId: 'medium' });
    expect(clocks(harness).resolution?.dueAt).toBe(T0 + 24 * HOUR);
    expect(clocks(harness).firstResponse?.dueAt).toBe(T0 + 2 * HOUR);
    expect(harness.ticket.explanations.priority?.code).toBe('priority.raised-by-sla');
    expect(harness.ticket.explanations.priority?.text.en).toContain('from low to medium');
    expect(harness.ticket.explanations.priority?.text['zh-CN']).toContain('从“低”提升为“中”');
    expect(harness.ticket.explanations.sla?.params).toMatchObject({ targetId: 'medium' });
    const retargeted = harness.events.find((event) => event.type === 'sla.retargeted');
    expect(retargeted?.data).toMatchObject({
      reason: 'priority',
      priority: 'medium',
      before: { targetId: 'low', resolutionDueAt: T0 + 72 * HOUR },
      after: { targetId: 'medium', resolutionDueAt: T0 + 24 * HOUR },
    });
    expect((retargeted?.data.explanations as { code: string }[]).map((item) => item.code)).toContain(
      'sla.clock.retargeted',
    );
  });

  it('takes at once the steps the shorter target has already passed, each once', () => {
    const harness = openLow();
    const timer = slaTimer(harness);
    harness.fire(timer);
    const steps = harness.events.filter((event) => event.type === 'sla.step').map((event) => event.data.key);
    // Medium's first response (2 h) was missed at 3 h: its breach is taken in the same commit.
    expect(steps).toEqual(['firstResponse:warning', 'firstResponse:warning:0', 'firstResponse:breach']);
    expect(harness.eventTypes()).toEqual([
      'sla.step',
      'sla.step',
      'priority.changed',
      'sla.retargeted',
      'sla.step',
    ]);
    expect(clocks(harness).firstResponse?.breachedAt).toBe(T0 + 2 * HOUR);
    // One timer: the resolution warning of the new target (75 % of 24 h).
    expect(harness.effectsOf('schedule')).toMatchObject([{ at: T0 + 18 * HOUR }]);
    harness.refused({ command: 'timer-fired', key: String(timer?.key) }, actors.system, 'timer.unknown');
  });

  it('keeps the clocks when the new priority selects the same target', () => {
    const harness = openLow({ ...policy, targets: [{ ...policy.targets[2]!, id: 'any' }] });
    const before = clocks(harness);
    harness.fire(slaTimer(harness));
    expect(harness.ticket.priority).toBe('medium');
    expect(harness.eventTypes()).not.toContain('sla.retargeted');
    expect(clocks(harness).resolution?.dueAt).toBe(before.resolution?.dueAt);
  });
});

describe('a priority change outside an SLA timer', () => {
  function sessionOn(harness: TicketHarness): Session {
    return new Session(harness.definition, harness.ticket, harness.context({ ...actors.agent }));
  }

  it('re-aims the clocks and asks for a timer now when a step of the new target is already due', () => {
    const harness = openLow();
    harness.advance(90 * 60_000);
    const session = sessionOn(harness);
    session.changePriority('high', { reason: 'test', explanation });
    const result = session.finish();
    const sla = result.state.sla as SlaClocks;
    expect(sla.targetId).toBe('high');
    expect(sla.resolution?.dueAt).toBe(T0 + 8 * HOUR);
    // High's first response (1 h) is already missed: a timer right away takes its steps.
    expect(result.effects.filter((effect) => effect.kind === 'schedule')).toMatchObject([
      { at: T0 + 90 * 60_000, reason: 'sla' },
    ]);
    expect(result.events.map((event) => event.type)).toEqual(['priority.changed', 'sla.retargeted']);
  });

  it('starts the clocks when the new priority is the first to select a target', () => {
    // An unnamed target with a resolution time only.
    const { id: _id, firstResponse: _none, ...high } = policy.targets[0]!;
    const onlyHigh: SlaPolicy = { ...policy, targets: [high] };
    const harness = openLow(onlyHigh);
    expect(harness.ticket.sla).toBeUndefined();
    harness.refused({ command: 'timer-fired', key: 'T-1:sla:1' }, actors.system, 'timer.unknown', 'key');
    harness.advance(HOUR);
    const session = sessionOn(harness);
    session.changePriority('high', { reason: 'test', explanation });
    session.changePriority('high', { reason: 'again', explanation });
    const result = session.finish();
    const sla = result.state.sla as SlaClocks;
    expect(sla.resolution).toMatchObject({ startedAt: T0 + HOUR, dueAt: T0 + 9 * HOUR });
    expect(result.events.map((event) => event.type)).toEqual(['priority.changed', 'sla.retargeted']);
    expect(result.events[1]?.data).toMatchObject({
      before: null,
      after: { targetIndex: 0, firstResponseDueAt: null, resolutionDueAt: T0 + 9 * HOUR },
    });
    expect(result.effects.filter((effect) => effect.kind === 'schedule')).toMatchObject([
      { at: T0 + HOUR + 0.75 * 8 * HOUR },
    ]);
  });

  it('does nothing to the clocks of a type without SLA', () => {
    const harness = new TicketHarness(definitionOf(flow));
    harness.open();
    const session = sessionOn(harness);
    session.changePriority('urgent', { reason: 'test', explanation });
    const result = session.finish();
    expect(result.state.sla).toBeUndefined();
    expect(result.events.map((event) => event.type)).toEqual(['priority.changed']);
  });
});
