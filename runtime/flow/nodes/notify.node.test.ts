import { describe, expect, it } from 'vitest';
import { TicketHarness, definitionOf } from '../../engine/test-support/harness.js';
import { notifyNode, resolveRecipients } from './notify.node.js';
import flow from './notify.node.flow.json' with { type: 'json' };

describe('notify node', () => {
  it('asks for one notification with the recipients worked out for this ticket, then moves on', () => {
    const harness = new TicketHarness(definitionOf(flow));
    harness.do(
      {
        command: 'open',
        id: 'T-9',
        number: 'N-9',
        data: { title: 'x', cc: ['u-cc', 'boss@example.com'] },
        requester: { id: 'u-req' },
        watchers: ['u-w'],
      },
      { id: 'u-req', roles: [], teams: [], kind: 'requester' },
    );
    const notify = harness.effectsOf('notify').find((effect) => effect.template === 'hello');
    expect(notify).toMatchObject({
      key: 'T-9:tell:1:notify',
      ticketId: 'T-9',
      channels: ['email'],
      recipients: [
        { user: 'u-req' },
        { user: 'u-agent' },
        { user: 'u-w' },
        { supervisorOf: 'desk' },
        { role: 'it-lead' },
        { email: 'ops@example.com' },
        { user: 'u-cc' },
        { email: 'boss@example.com' },
        { user: 'u-x' },
        { team: 'ops' },
      ],
    });
    expect(harness.at).toEqual(['work']);
  });

  it('drops recipients the ticket does not have', () => {
    const ticket = {
      id: 't',
      typeKey: 'k',
      status: { category: 'new' as const, key: 'new' },
      priority: 'low',
      data: { cc: 42 },
      requester: { id: 'u-req' },
      watchers: [],
      steps: {},
      approvals: {},
    };
    expect(
      resolveRecipients(ticket, ['assignee', 'supervisor', { field: 'cc' }, 'requester', 'requester']),
    ).toEqual([{ user: 'u-req' }]);
    expect(notifyNode.outcomes({ template: 't', to: [] })).toEqual([]);
  });
});
