import { describe, expect, it } from 'vitest';
import { TicketHarness, actors, definitionOf, T0 } from './test-support/harness.js';
import { allowedCommands, decide } from './index.js';
import type { Command, EngineDefinition, TicketState } from './types.js';
import flow from './commands.flow.json' with { type: 'json' };

const { agent, agent2, outsider, requester, admin, system, opsAgent } = actors;

const given = (extra: Partial<EngineDefinition> = {}) => {
  const harness = new TicketHarness(definitionOf(flow, extra));
  harness.open();
  return harness;
};

/** A ticket routed to a team whose members the engine does not know: it waits in the team queue. */
const queued = () =>
  given({ routing: [{ id: 'd', when: true, then: { team: 'hr', strategy: 'least-loaded' } }] });

describe('ticket state', () => {
  it('is plain JSON, versioned, and round-trips through JSON.stringify / parse', () => {
    const harness = given();
    const state = harness.ticket;
    expect(state.stateVersion).toBe(1);
    const stored = JSON.parse(JSON.stringify(state)) as TicketState;
    expect(stored).toEqual(state);
    const command: Command = { command: 'comment', body: 'hi', visibility: 'public' };
    const context = harness.context(agent);
    expect(decide(harness.definition, stored, command, context)).toEqual(
      decide(harness.definition, state, command, context),
    );
  });

  it('counts one version per accepted command and stamps events with time and actor', () => {
    const harness = given();
    expect(harness.ticket.version).toBe(1);
    expect(harness.ticket.status).toEqual({ category: 'open', key: 'in-progress' });
    harness.advance(1000);
    harness.do({ command: 'comment', body: 'hi', visibility: 'internal' }, agent);
    expect(harness.ticket.version).toBe(2);
    expect(harness.ticket.updatedAt).toBe(T0 + 1000);
    expect(harness.events[0]).toMatchObject({ at: T0 + 1000, actor: { id: 'u-agent', kind: 'user' } });
  });

  it('refuses commands on a ticket of another type or an unknown state version', () => {
    const harness = given();
    const other = { ...harness.definition, key: 'other.type' };
    const result = decide(other, harness.ticket, { command: 'confirm' }, harness.context(requester));
    expect(result.ok ? '' : result.error.code).toBe('ticket.type-mismatch');
    const future = { ...harness.ticket, stateVersion: 2 } as unknown as TicketState;
    const refused = decide(harness.definition, future, { command: 'confirm' }, harness.context(requester));
    expect(refused.ok ? '' : refused.error.code).toBe('ticket.state-version-unsupported');
  });
});

describe('command shape', () => {
  it.each([
    [{ command: 'fly' }, 'command.unknown', 'command'],
    [{}, 'command.unknown', 'command'],
    [{ command: 'comment', body: '', visibility: 'public' }, 'command.invalid', 'body'],
    [{ command: 'comment', body: 'x', visibility: 'secret' }, 'command.invalid', 'visibility'],
    [{ command: 'request-assist', users: [3] }, 'command.invalid', 'users'],
    [{ command: 'submit', data: [] }, 'command.invalid', 'data'],
    [{ command: 'open', id: 'x', number: 'n', data: {}, requester: {} }, 'command.invalid', 'requester/id'],
  ])('%j is refused with %s naming %s', (command, code, field) => {
    const harness = given();
    const result = decide(
      harness.definition,
      harness.ticket,
      command as unknown as Command,
      harness.context(agent),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect([result.error.code, result.error.field]).toEqual([code, field]);
  });

  it('opens only once, and nothing else runs before open', () => {
    const harness = given();
    harness.refused(
      { command: 'open', id: 'T-1', number: 'x', data: {}, requester: { id: 'u' } },
      requester,
      'ticket.already-open',
    );
    const fresh = new TicketHarness(harness.definition);
    fresh.refused({ command: 'confirm' }, requester, 'ticket.not-open');
    // The server hands `{ version: 0 }` before the first commit.
    const opened = decide(
      harness.definition,
      { version: 0 } as unknown as TicketState,
      { command: 'open', id: 'T-2', number: 'N-2', data: {}, requester: { id: 'u-req' }, typeVersion: 7 },
      harness.context(system),
    );
    expect(opened.ok && opened.state.typeVersion).toBe(7);
    expect(allowedCommands(harness.definition, undefined, requester)).toEqual(['open']);
  });

  it('refuses an intake form with errors, naming the field', () => {
    const form = {
      schema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
      layout: [
        {
          section: 's',
          title: { 'zh-CN': 's', en: 's' },
          fields: [{ field: 'title', widget: 'text', label: { 'zh-CN': '标题', en: 'Title' } }],
        },
      ],
    };
    const harness = new TicketHarness(definitionOf(flow, { form }));
    const result = harness.try(
      { command: 'open', id: 'T', number: 'N', data: {}, requester: { id: 'u-req' } },
      requester,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect([result.error.code, result.error.field]).toEqual(['form.invalid', 'data/title']);
  });
});

describe('people working the ticket', () => {
  it('claim: a team member takes a queued ticket; others cannot', () => {
    const harness = queued();
    expect(harness.ticket.team).toBe('hr');
    expect(harness.ticket.assignee).toBeUndefined();
    expect(harness.log.map((event) => event.type)).toContain('assignment.queued');
    harness.refused({ command: 'claim' }, agent, 'actor.forbidden');
    harness.refused({ command: 'claim' }, requester, 'actor.forbidden');
    expect(harness.allowed(outsider)).toContain('claim');
    harness.do({ command: 'claim' }, outsider);
    expect(harness.ticket.assignee).toBe('u-out');
    expect(harness.ticket.steps.work?.assignee).toBe('u-out');
    harness.refused({ command: 'claim' }, outsider, 'claim.already-assigned');
    harness.refused({ command: 'claim' }, { ...agent, teams: ['hr'] }, 'claim.already-assigned');
    harness.do({ command: 'claim' }, admin);
    expect(harness.ticket.assignee).toBe('u-admin');
  });

  it('assign: someone working the ticket names a person; a target is required', () => {
    const harness = given();
    harness.refused({ command: 'assign' }, agent, 'assign.target-required', 'assignee');
    harness.refused({ command: 'assign', assignee: 'u-x' }, outsider, 'actor.forbidden');
    harness.do({ command: 'assign', assignee: 'u-agent2' }, agent);
    expect(harness.ticket.assignee).toBe('u-agent2');
    expect(harness.ticket.flags.assignees).toEqual(['u-agent', 'u-agent2']);
    expect(harness.effectsOf('notify')[0]).toMatchObject({
      template: 'ticket-assigned',
      recipients: [{ user: 'u-agent2' }],
    });
    expect(harness.events[0]).toMatchObject({
      type: 'ticket.assigned',
      data: { before: { assignee: 'u-agent' }, after: { assignee: 'u-agent2' } },
    });
  });

  it('transfer: to another team picks a member there, counts the transfer and moves the open step', () => {
    const harness = given();
    harness.refused({ command: 'transfer' }, agent, 'assign.target-required');
    harness.do({ command: 'transfer', team: 'ops', reason: 'server issue' }, agent);
    expect(harness.ticket).toMatchObject({ team: 'ops', assignee: 'u-ops', flags: { transferCount: 1 } });
    expect(harness.ticket.steps.work).toMatchObject({ team: 'ops', assignee: 'u-ops' });
    harness.refused({ command: 'complete-step' }, agent, 'actor.forbidden');
    harness.do({ command: 'transfer', assignee: 'u-ops2' }, opsAgent);
    expect(harness.ticket).toMatchObject({ team: 'ops', assignee: 'u-ops2', flags: { transferCount: 2 } });
  });

  it('request-assist: helpers are told and may then comment', () => {
    const harness = given();
    harness.refused({ command: 'comment', body: 'x', visibility: 'internal' }, outsider, 'actor.forbidden');
    harness.do({ command: 'request-assist', users: ['u-out'], comment: 'know this printer?' }, agent);
    expect(harness.ticket.assistants).toEqual(['u-out']);
    expect(harness.effectsOf('notify')[0]).toMatchObject({ template: 'assist-requested' });
    harness.do({ command: 'comment', body: 'try the blue cable', visibility: 'internal' }, outsider);
  });

  it('comment: @mentions are told; an internal note makes them assistants, a public reply watchers', () => {
    const harness = given();
    harness.do({ command: 'comment', body: '@u-w look', visibility: 'internal', mentions: ['u-w'] }, agent);
    expect(harness.ticket.assistants).toEqual(['u-w']);
    expect(harness.ticket.watchers).toEqual([]);
    expect(harness.effectsOf('notify')[0]).toMatchObject({
      template: 'mentioned',
      recipients: [{ user: 'u-w' }],
    });
    expect(harness.ticket.flags.firstResponseAt).toBeUndefined();
    const assistant = { id: 'u-w', roles: [], teams: [], kind: 'user' as const };
    harness.do({ command: 'comment', body: 'seen', visibility: 'internal' }, assistant);
    harness.refused(
      { command: 'comment', body: 'x', visibility: 'internal' },
      requester,
      'actor.forbidden',
      'visibility',
    );
    harness.do(
      { command: 'comment', body: 'any news?', visibility: 'public', attachments: ['f1'] },
      requester,
    );
    expect(harness.effectsOf('notify')[0]).toMatchObject({ recipients: [{ user: 'u-agent' }] });
    expect(harness.ticket.flags.firstResponseAt).toBeUndefined();
    harness.do({ command: 'comment', body: '@u-p fyi', visibility: 'public', mentions: ['u-p'] }, agent);
    expect(harness.ticket.watchers).toEqual(['u-p']);
    expect(harness.ticket.assistants).toEqual(['u-w']);
  });

  it('set-status: statuses of the type in open or pending only', () => {
    const harness = given();
    harness.refused({ command: 'set-status', status: 'nope' }, agent, 'status.unknown', 'status');
    harness.refused({ command: 'set-status', status: 'closed' }, agent, 'status.not-settable', 'status');
    harness.refused({ command: 'set-status', status: 'awaiting-vendor' }, requester, 'actor.forbidden');
    harness.do({ command: 'set-status', status: 'awaiting-vendor', reason: 'RMA' }, agent);
    expect(harness.ticket.status).toEqual({ category: 'pending', key: 'awaiting-vendor' });
    expect(harness.ticket.flags.firstResponseAt).toBe(harness.now);
    harness.refused({ command: 'set-status', status: 'awaiting-vendor' }, agent, 'status.unchanged');
    harness.do({ command: 'reply-received' }, system);
    expect(harness.ticket.status.category).toBe('open');
    harness.do({ command: 'reply-received', body: 'thanks' }, requester);
    expect(harness.effectsOf('notify')[0]).toMatchObject({ template: 'reply-received' });
  });

  it('submit needs a step to submit to', () => {
    const harness = given();
    harness.do({ command: 'submit', data: {} }, agent);
    expect(harness.eventTypes()).toEqual(['data.submitted']);
    harness.do({ command: 'resolve' }, agent);
    harness.refused({ command: 'submit', data: {} }, agent, 'step.not-waiting');
  });
});

describe('resolution, cancellation and rating', () => {
  it('resolve jumps to the confirm step from wherever the flow is', () => {
    const harness = given();
    harness.refused({ command: 'resolve' }, outsider, 'actor.forbidden');
    harness.refused({ command: 'rate', rating: 'satisfied' }, requester, 'rate.not-yet');
    harness.do({ command: 'resolve', comment: 'replaced toner' }, agent);
    expect(harness.at).toEqual(['confirm']);
    expect(harness.ticket.status.category).toBe('resolved');
    expect(harness.ticket.steps.work?.status).toBe('cancelled');
    harness.refused({ command: 'resolve' }, agent, 'resolve.not-possible');
    harness.refused({ command: 'rate', rating: 'neutral' }, agent, 'actor.requester-only');
    harness.do({ command: 'rate', rating: 'dissatisfied', comment: 'slow' }, requester);
    harness.do({ command: 'reopen', reason: 'toner leaks' }, requester);
    expect(harness.at).toEqual(['work']);
    expect(harness.ticket.status).toEqual({ category: 'open', key: 'in-progress' });
  });

  it('resolve without a confirm step closes the ticket', () => {
    const noConfirm = {
      nodes: flow.nodes.filter((node) => node.id !== 'confirm'),
      edges: [flow.edges[0]!, { id: 'e9', source: 'work', target: 'done' }],
    };
    const harness = new TicketHarness(definitionOf(noConfirm));
    harness.open();
    harness.do({ command: 'resolve' }, agent);
    expect(harness.ticket.status.category).toBe('closed');
    harness.do({ command: 'rate', rating: 'satisfied' }, requester);
  });

  it('cancel ends the ticket; nothing but reading is possible afterwards', () => {
    const harness = given();
    harness.refused({ command: 'cancel' }, requester, 'actor.forbidden');
    harness.do({ command: 'cancel', reason: 'duplicate of INC-3' }, agent2);
    expect(harness.ticket).toMatchObject({ status: { category: 'cancelled' }, tokens: [] });
    expect(harness.ticket.flags.cancelledAt).toBe(harness.now);
    expect(harness.effectsOf('notify')[0]).toMatchObject({ template: 'ticket-cancelled' });
    harness.refused({ command: 'rate', rating: 'satisfied' }, requester, 'ticket.finished');
    harness.refused({ command: 'comment', body: 'x', visibility: 'public' }, agent, 'ticket.finished');
    expect(harness.allowed(admin)).toEqual([]);
  });

  it('only the system fires timers and finishes sub-tickets', () => {
    const harness = given();
    harness.refused({ command: 'timer-fired', key: 'x' }, admin, 'actor.system-only');
    harness.refused({ command: 'timer-fired', key: 'T-1:sla:1' }, system, 'timer.unknown');
  });
});

describe('allowedCommands', () => {
  it('lists what each actor may do now', () => {
    const harness = given();
    expect(harness.allowed(requester)).toEqual(['comment', 'reply-received', 'watch', 'link']);
    expect(harness.allowed(outsider)).toEqual([]);
    expect(harness.allowed(agent)).toEqual([
      'submit',
      'assign',
      'transfer',
      'request-assist',
      'comment',
      'complete-step',
      'set-status',
      'resolve',
      'cancel',
      'watch',
      'unwatch',
      'link',
    ]);
    expect(harness.allowed(agent2)).toContain('complete-step');
    expect(harness.allowed(system)).toEqual([
      'timer-fired',
      'subticket-finished',
      'subticket-opened',
      'effect-failed',
      'reply-received',
      'watch',
      'unwatch',
      'link',
    ]);
  });
});
