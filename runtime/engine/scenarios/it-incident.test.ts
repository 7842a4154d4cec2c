import { describe, expect, it } from 'vitest';
import type { EngineDefinition, TeamState } from '../types.js';
import { TicketHarness, actors, teams as baseTeams } from '../test-support/harness.js';
import itIncident from './it-incident.ticket-type.json' with { type: 'json' };

const definition = { ...itIncident, version: 3 } as unknown as EngineDefinition;

const teams: Record<string, TeamState> = {
  ...baseTeams,
  'it-desk': {
    key: 'it-desk',
    members: [
      { userId: 'u-agent', openTickets: 2 },
      { userId: 'u-agent2', openTickets: 0 },
    ],
    cursor: 0,
    supervisor: 'u-sup',
  },
  'it-ops': {
    key: 'it-ops',
    members: [
      { userId: 'u-ops', openTickets: 1, skills: { server: 3 } },
      { userId: 'u-ops2', openTickets: 4, skills: { network: 2 } },
    ],
    cursor: 0,
  },
};

const agent = { ...actors.agent, teams: ['it-desk'] };
const ops = { ...actors.opsAgent, teams: ['it-ops'] };
const changeManager = { id: 'u-cm', roles: ['change-manager'], teams: [], kind: 'user' as const };

function openIncident(harness: TicketHarness) {
  return harness.do(
    {
      command: 'open',
      id: 'T-100',
      number: 'INC-2026-000100',
      data: {
        title: 'Mail is down',
        service: 'email',
        impact: 'team',
        urgency: 'medium',
        description: 'No mail',
      },
      requester: { id: 'u-req', manager: 'u-mgr', level: 'staff' },
      channel: 'web',
    },
    actors.requester,
  );
}

describe('IT incident example, end to end on a fake clock', () => {
  it('opens, routes round-robin to the desk, and waits at triage', () => {
    const harness = new TicketHarness(definition, { teams });
    const opened = openIncident(harness);
    const ticket = harness.ticket;
    expect(ticket.priority).toBe('medium');
    expect(ticket.team).toBe('it-desk');
    expect(ticket.assignee).toBe('u-agent');
    expect(ticket.status).toEqual({ category: 'new', key: 'submitted' });
    expect(harness.at).toEqual(['triage']);
    expect(ticket.typeVersion).toBe(3);
    expect(ticket.explanations.routing?.code).toMatch(/routing/);
    expect(
      opened.effects.some((effect) => effect.kind === 'assign-cursor' && effect.team === 'it-desk'),
    ).toBe(true);
    expect(harness.eventTypes()).toContain('ticket.opened');
    // The requester signed in as an employee: commenting does not count as the desk working the ticket.
    harness.do(
      { command: 'comment', body: 'any news?', visibility: 'public' },
      { ...actors.requester, kind: 'user' },
    );
    expect(harness.ticket.status.category).toBe('new');
    expect(harness.ticket.flags.firstResponseAt).toBeUndefined();
  });

  it('goes through change approval, implementation, confirmation with a reopen, auto-close and the survey', () => {
    const harness = new TicketHarness(definition, { teams, roleMembers: { 'change-manager': ['u-cm'] } });
    openIncident(harness);
    harness.advance(10 * 60_000);
    harness.do({ command: 'comment', body: 'Looking at it', visibility: 'public' }, agent);
    expect(harness.ticket.flags.firstResponseAt).toBe(harness.now);
    expect(harness.ticket.status).toEqual({ category: 'open', key: 'in-progress' });

    harness.do({ command: 'complete-step', outcome: 'needs-change' }, agent);
    expect(harness.at).toEqual(['change-approval']);
    expect(harness.allowed(changeManager)).toContain('approve');
    expect(harness.allowed(agent)).not.toContain('approve');

    harness.do({ command: 'approve', comment: 'ok' }, changeManager);
    expect(harness.ticket.steps['change-approval']?.result).toBe('approved');
    expect(harness.at).toEqual(['implement']);
    expect(harness.ticket.team).toBe('it-ops');
    expect(harness.ticket.assignee).toBe('u-ops');

    harness.advance(60 * 60_000);
    harness.do({ command: 'complete-step', outcome: 'done' }, ops);
    expect(harness.at).toEqual(['confirm']);
    expect(harness.ticket.status).toEqual({ category: 'resolved', key: 'awaiting-confirmation' });
    const firstTimer = harness.effectsOf('schedule')[0];
    expect(firstTimer?.reason).toBe('auto-close');

    harness.do({ command: 'reopen', reason: 'still broken' }, actors.requester);
    expect(harness.at).toEqual(['implement']);
    expect(harness.ticket.flags.reopenCount).toBe(1);
    expect(harness.ticket.status.category).toBe('open');
    expect(harness.effectsOf('cancel-schedule').map((effect) => effect.timerKey)).toContain(firstTimer?.key);

    // The old timer fires late: nothing waits for it any more.
    harness.refused({ command: 'timer-fired', key: String(firstTimer?.key) }, actors.system, 'timer.unknown');

    harness.do({ command: 'complete-step', outcome: 'done' }, ops);
    const autoClose = harness.effectsOf('schedule')[0];
    expect(autoClose?.key).not.toBe(firstTimer?.key);
    // 3 business days on the CN calendar from Wednesday 2026-03-04 ~10:40.
    expect(new Date(autoClose?.at as number).toISOString()).toBe('2026-03-09T02:40:00.000Z');

    harness.fire(autoClose);
    expect(harness.ticket.status).toEqual({ category: 'closed', key: 'closed' });
    expect(harness.ticket.tokens).toEqual([]);
    expect(harness.effectsOf('survey')).toHaveLength(1);
    expect(harness.allowed(actors.requester)).toEqual(['rate']);

    harness.do({ command: 'rate', rating: 'satisfied', comment: 'thanks' }, actors.requester);
    expect(harness.ticket.flags.rating?.value).toBe('satisfied');
    harness.refused({ command: 'rate', rating: 'neutral' }, actors.requester, 'rate.already');
    harness.refused({ command: 'comment', body: 'late', visibility: 'public' }, agent, 'ticket.finished');
  });

  it('a rejected change notifies the assignee and goes back to triage', () => {
    const harness = new TicketHarness(definition, { teams });
    openIncident(harness);
    harness.do({ command: 'complete-step', outcome: 'needs-change' }, agent);
    harness.do({ command: 'reject', comment: 'too risky' }, changeManager);
    expect(harness.at).toEqual(['triage']);
    expect(harness.ticket.steps['change-approval']?.result).toBe('rejected');
    const notify = harness.effectsOf('notify').find((effect) => effect.template === 'change-rejected');
    expect(notify?.recipients).toEqual([{ user: 'u-agent' }]);
    expect(harness.eventTypes()).toContain('gateway.decided');
  });
});
