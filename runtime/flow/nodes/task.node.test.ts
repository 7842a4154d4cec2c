import { describe, expect, it } from 'vitest';
import { TicketHarness, actors, definitionOf } from '../../engine/test-support/harness.js';
import { taskNode, taskOutcomes } from './task.node.js';
import flow from './task.node.flow.json' with { type: 'json' };

const form = {
  schema: {
    type: 'object',
    properties: { title: { type: 'string' }, description: { type: 'string' } },
    required: ['title'],
  },
  layout: [
    {
      section: 'main',
      title: { 'zh-CN': '主要', en: 'Main' },
      fields: [
        { field: 'title', widget: 'text', label: { 'zh-CN': '标题', en: 'Title' } },
        { field: 'description', widget: 'textarea', label: { 'zh-CN': '描述', en: 'Description' } },
      ],
    },
  ],
};

const given = () => {
  const harness = new TicketHarness(definitionOf(flow, { form }));
  harness.open({ title: 'Broken laptop' });
  return harness;
};

describe('task node', () => {
  it('declares its outcomes, "done" when none are configured', () => {
    expect(taskOutcomes({})).toEqual(['done']);
    expect(taskNode.outcomes({ outcomes: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(taskNode.waits({})).toBe(true);
    expect(taskNode.configSchema).toMatchObject({
      type: 'object',
      properties: { outcomes: { type: 'array' } },
    });
  });

  it('given an open task, when no outcome is chosen among several, then it is refused naming the field', () => {
    const harness = given();
    expect(harness.at).toEqual(['work']);
    expect(harness.ticket.assignee).toBe('u-agent');
    harness.refused({ command: 'complete-step' }, actors.agent, 'step.outcome-required', 'outcome');
    harness.refused(
      { command: 'complete-step', outcome: 'nope' },
      actors.agent,
      'step.outcome-unknown',
      'outcome',
    );
  });

  it('given an open task, when someone outside the team or the requester completes it, then it is refused', () => {
    const harness = given();
    harness.refused({ command: 'complete-step', outcome: 'fixed' }, actors.outsider, 'actor.forbidden');
    harness.refused({ command: 'complete-step', outcome: 'fixed' }, actors.requester, 'actor.forbidden');
    expect(harness.allowed(actors.outsider)).not.toContain('complete-step');
    expect(harness.allowed(actors.agent2)).toContain('complete-step');
  });

  it('when a team member completes it with an outcome, then the token leaves by that outcome', () => {
    const harness = given();
    harness.do({ command: 'complete-step', outcome: 'escalate', comment: 'not ours' }, actors.agent2);
    expect(harness.ticket.status.category).toBe('cancelled');
    expect(harness.ticket.steps.work).toMatchObject({ status: 'done', outcome: 'escalate' });
    expect(harness.effectsOf('cancel-schedule')).toHaveLength(1);
    expect(harness.events.find((event) => event.type === 'step.completed')?.data).toMatchObject({
      outcome: 'escalate',
      comment: 'not ours',
    });
  });

  it('starts a step time limit; when it passes, the people working it are told and the step stays open', () => {
    const harness = given();
    const timer = harness.effectsOf('schedule')[0];
    expect(timer?.reason).toBe('step-sla');
    harness.fire(timer);
    expect(harness.eventTypes()).toContain('step.overdue');
    expect(harness.effectsOf('notify')[0]).toMatchObject({ template: 'step-overdue' });
    expect(harness.at).toEqual(['work']);
    expect(harness.ticket.steps.work?.detail).toMatchObject({ overdue: true });
    harness.refused({ command: 'timer-fired', key: String(timer?.key) }, actors.system, 'timer.unknown');
  });

  it('takes step data for editable fields only, checked by the form', () => {
    const harness = given();
    harness.do({ command: 'submit', data: { description: 'Screen cracked' } }, actors.agent);
    expect(harness.ticket.data.description).toBe('Screen cracked');
    expect(harness.events[0]).toMatchObject({
      type: 'data.changed',
      data: { before: { description: null }, after: { description: 'Screen cracked' } },
    });
    const error = harness.refused(
      { command: 'submit', data: { title: 'Other' } },
      actors.agent,
      'form.invalid',
    );
    expect(error.field).toBe('data/title');
    harness.do(
      { command: 'complete-step', outcome: 'fixed', data: { description: 'Replaced' } },
      actors.agent,
    );
    expect(harness.ticket.data.description).toBe('Replaced');
    expect(harness.ticket.status.category).toBe('closed');
  });

  it('a refused outcome does not keep the step data either', () => {
    const harness = given();
    harness.refused(
      { command: 'complete-step', outcome: 'bogus', data: { description: 'x' } },
      actors.agent,
      'step.outcome-unknown',
    );
  });
});
