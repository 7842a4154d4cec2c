import { describe, expect, it } from 'vitest';
import { decide } from './index.js';
import { T0, TicketHarness, actors, definitionOf, teams } from './test-support/harness.js';
import type { EngineDefinition } from './types.js';
import flow from './open.flow.json' with { type: 'json' };

const open = (extra: Partial<EngineDefinition>, data: Record<string, unknown> = { title: 'x' }) => {
  const harness = new TicketHarness(definitionOf(flow, extra));
  harness.open(data);
  return harness;
};

describe('open: priority, routing and assignment', () => {
  it('routes to a named person with the direct strategy and raises the priority to at least the rule says', () => {
    const harness = open({
      routing: [
        {
          id: 'vip',
          when: { '==': [{ var: 'requester.level' }, 'vip'] },
          then: { team: 'desk', strategy: 'round-robin' },
        },
        {
          id: 'default',
          when: true,
          then: {
            team: 'desk',
            strategy: 'direct',
            user: 'u-agent2',
            priorityAtLeast: 'high',
            tags: ['routed'],
            watchers: ['u-w'],
          },
        },
      ],
    });
    // The first step then goes to the requester's manager; the routed person is on record.
    expect(harness.ticket.flags.assignees[0]).toBe('u-agent2');
    expect(harness.ticket).toMatchObject({
      team: 'desk',
      priority: 'high',
      tags: ['routed'],
      watchers: ['u-w'],
    });
    expect(harness.ticket.explanations.priority?.code).toMatch(/priority/);
  });

  it('a broken routing table does not stop the intake: the reason is recorded and the ticket is unassigned', () => {
    const harness = open({
      routing: [
        {
          id: 'only',
          when: { '==': [{ var: 'data.x' }, 1] },
          then: { team: 'desk', strategy: 'round-robin' },
        },
      ],
    });
    expect(harness.log.map((event) => event.type)).toContain('routing.failed');
    expect(harness.ticket.team).toBeUndefined();
  });

  it('priority rules that fail are reported and the default applies', () => {
    const harness = open({
      routing: undefined,
      priority: {
        rules: [{ id: 'odd', when: { no_such_operation: [1] }, priority: 'urgent' }],
        default: 'low',
      },
    });
    expect(harness.ticket.priority).toBe('low');
    expect(harness.log.map((event) => event.type)).toContain('rule.failed');
  });

  it('assigns steps to the requester manager, a named user, a user field, and a skilled team member', () => {
    const harness = open({}, { title: 'x', owner: 'u-owner' });
    expect(harness.ticket.steps['by-manager']?.assignee).toBe('u-mgr');
    harness.do({ command: 'complete-step' }, actors.manager);
    expect(harness.ticket.steps['by-user']?.assignee).toBe('u-named');
    harness.do({ command: 'complete-step' }, { id: 'u-named', roles: [], teams: [], kind: 'user' });
    expect(harness.ticket.steps['by-field']?.assignee).toBe('u-owner');
    harness.do({ command: 'complete-step' }, { id: 'u-owner', roles: [], teams: [], kind: 'user' });
    expect(harness.ticket.steps['by-skills']).toMatchObject({ team: 'ops', assignee: 'u-ops' });
    expect(harness.ticket.assignee).toBe('u-ops');
  });

  it('a step whose assignee cannot be resolved is recorded and follows the ticket', () => {
    const harness = new TicketHarness(definitionOf(flow));
    harness.do(
      { command: 'open', id: 'T', number: 'N', data: {}, requester: { id: 'u-req' } },
      actors.requester,
    );
    expect(harness.log.map((event) => event.type)).toContain('assignment.unresolved');
    expect(harness.ticket.steps['by-manager']?.assignee).toBeUndefined();
    harness.do({ command: 'complete-step' }, actors.agent);
    expect(harness.at).toEqual(['by-user']);
  });

  it('a supervisor of the ticket team may work it', () => {
    const harness = open({});
    const supervisor = { id: 'u-sup', roles: [], teams: [], kind: 'user' as const };
    harness.do({ command: 'assign', assignee: 'u-agent2' }, supervisor);
    expect(harness.ticket.assignee).toBe('u-agent2');
  });
});

describe('open: drafts being dry-run', () => {
  it('prepares the rules of a definition without a version every time, so edits take effect', () => {
    const routeTo = (team: string) => ({
      ...definitionOf(flow, {
        routing: [{ id: 'd', when: { '==': [1, 1] }, then: { team, strategy: 'round-robin' } }],
      }),
      version: undefined,
    });
    for (const team of ['desk', 'ops']) {
      const harness = new TicketHarness(routeTo(team));
      harness.open();
      expect(harness.ticket.team).toBe(team);
      expect(harness.ticket.typeVersion).toBe(1);
    }
  });
});

describe('open: the new state is the engine’s own', () => {
  it('shares no object with the command, and reads its values as a JSON copy would', () => {
    const requester = { id: 'u-req', manager: 'u-mgr', profile: { level: 'vip', note: undefined } };
    const data = { title: 'x' };
    const command = { command: 'open', id: 'T', number: 'N', data, requester } as const;
    const before = JSON.stringify(command);
    const result = decide(definitionOf(flow), undefined, command, {
      now: T0,
      actor: actors.requester,
      calendars: {},
      teams,
    });
    if (!result.ok) throw new Error(result.error.message.en);
    expect(result.state.requester).not.toBe(requester);
    expect(result.state.requester).toEqual({ id: 'u-req', manager: 'u-mgr', profile: { level: 'vip' } });
    expect(Object.hasOwn(result.state.requester.profile as object, 'note')).toBe(false);
    expect(result.state.data).not.toBe(data);
    (result.state.requester.profile as Record<string, unknown>).level = 'changed';
    result.state.data.title = 'changed';
    expect(JSON.stringify(command)).toBe(before);
  });
});
