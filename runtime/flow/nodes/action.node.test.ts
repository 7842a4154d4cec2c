import { describe, expect, it } from 'vitest';
import { TicketHarness, actors, definitionOf } from '../../engine/test-support/harness.js';
import { actionNode } from './action.node.js';
import flow from './action.node.flow.json' with { type: 'json' };

const given = () => {
  const harness = new TicketHarness(definitionOf(flow));
  harness.open({ title: 'Order chairs', item: 'chair', quantity: 4, unitPrice: 250 });
  return harness;
};

describe('action node', () => {
  it('sets fields by json-logic; an expression that fails is reported and sets nothing', () => {
    const harness = given();
    expect(harness.ticket.data.total).toBe(1000);
    expect('broken' in harness.ticket.data).toBe(false);
    const changed = harness.events.find((event) => event.type === 'data.changed');
    expect(changed?.data).toMatchObject({
      nodeId: 'enrich',
      before: { total: null },
      after: { total: 1000 },
    });
    expect(harness.events.find((event) => event.type === 'rule.failed')?.data).toMatchObject({
      nodeId: 'enrich',
    });
  });

  it('calls a webhook with a deterministic idempotency key, the same each time the same state is decided', () => {
    const first = given();
    const second = given();
    const webhook = first.effectsOf('webhook')[0];
    expect(webhook).toMatchObject({
      key: 'T-1:enrich:1:webhook',
      url: 'https://erp.example.com/hooks/orders',
      method: 'POST',
      body: 'order chair',
    });
    expect(second.effectsOf('webhook')[0]?.key).toBe(webhook?.key);
  });

  it('opens a linked sub-ticket and waits until it is finished', () => {
    const harness = given();
    expect(harness.at).toEqual(['procure']);
    const open = harness.effectsOf('open-subticket')[0];
    expect(open).toMatchObject({
      typeKey: 'procurement',
      data: { item: 'chair' },
      parentId: 'T-1',
      wait: true,
    });
    const key = String(open?.waitKey);
    harness.refused({ command: 'subticket-finished', key }, actors.agent, 'actor.system-only');
    harness.refused(
      { command: 'subticket-finished', key: 'nope' },
      actors.system,
      'subticket.unknown',
      'key',
    );
    expect(harness.allowed(actors.system)).toContain('subticket-finished');

    harness.do({ command: 'subticket-finished', key, subticketId: 'T-2', outcome: 'closed' }, actors.system);
    expect(harness.ticket.steps.procure).toMatchObject({ result: 'closed', detail: { subticketId: 'T-2' } });
    // The next action opens a sub-ticket without waiting and calls a webhook without a body expression.
    expect(harness.effectsOf('open-subticket')[0]).toMatchObject({ typeKey: 'audit', wait: false });
    expect(harness.effectsOf('webhook')[0]?.body).toMatchObject({ ticketId: 'T-1', data: { item: 'chair' } });
    expect(harness.at).toEqual(['work']);
    harness.refused({ command: 'subticket-finished', key }, actors.system, 'subticket.unknown');
  });

  it('only waits (for cycle checks) when it waits for its sub-ticket', () => {
    expect(actionNode.waits({ subticket: { type: 'x', wait: true } })).toBe(true);
    expect(actionNode.waits({ set: {} })).toBe(false);
  });
});
