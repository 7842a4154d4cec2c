import { describe, expect, it } from 'vitest';
import type { SlaClocks } from '../../sla/index.js';
import type { EngineDefinition, TeamState } from '../types.js';
import { TicketHarness, actors } from '../test-support/harness.js';
import itIncident from './it-incident.ticket-type.json' with { type: 'json' };

const definition = { ...itIncident, version: 3 } as unknown as EngineDefinition;
const teams: Record<string, TeamState> = {
  'it-desk': {
    key: 'it-desk',
    members: [{ userId: 'u-agent', openTickets: 0 }],
    cursor: 0,
    supervisor: 'u-sup',
    backupTeam: 'it-ops',
  },
  'it-ops': { key: 'it-ops', members: [{ userId: 'u-ops', openTickets: 0 }], cursor: 0 },
};
const agent = { ...actors.agent, teams: ['it-desk'] };
const HOUR = 3600_000;
// Wednesday 2026-09-30 16:00 Shanghai, the worked example of the issue.
const OPENED = Date.parse('2026-09-30T16:00:00+08:00');

function openMedium(urgency = 'medium', impact = 'team') {
  const harness = new TicketHarness(definition, { teams });
  harness.now = OPENED;
  harness.do(
    {
      command: 'open',
      id: 'T-7',
      number: 'INC-7',
      data: { title: 'VPN drops', service: 'vpn', impact, urgency },
      requester: { id: 'u-req' },
    },
    actors.requester,
  );
  return harness;
}

const clocks = (harness: TicketHarness) => harness.ticket.sla as SlaClocks;

describe('SLA clocks driven by the engine', () => {
  it('starts both clocks at open, due on the CN 2026 calendar (worked example)', () => {
    const harness = openMedium();
    expect(harness.ticket.priority).toBe('medium');
    expect(clocks(harness).resolution?.dueAt).toBe(Date.parse('2026-10-10T16:00:00+08:00'));
    expect(clocks(harness).firstResponse?.dueAt).toBe(Date.parse('2026-10-08T11:00:00+08:00'));
    expect(harness.ticket.explanations.sla?.text.en.length).toBeGreaterThan(0);
    const timer = harness.effectsOf('schedule').find((effect) => effect.reason === 'sla');
    expect(String(timer?.key)).toContain(':sla:');
  });

  it('a public agent comment is the first response; an internal one is not', () => {
    const harness = openMedium();
    harness.do({ command: 'comment', body: 'note', visibility: 'internal' }, agent);
    expect(clocks(harness).firstResponse?.state).toBe('running');
    harness.do({ command: 'comment', body: 'On it', visibility: 'public' }, agent);
    expect(clocks(harness).firstResponse?.state).toBe('stopped');
    expect(harness.ticket.flags.firstResponseBy).toBe('u-agent');
  });

  it('pending pauses the clocks; back to work resumes them and the due time moves later', () => {
    const harness = openMedium('high', 'company'); // urgent, 24x7
    const dueBefore = clocks(harness).resolution?.dueAt as number;
    harness.advance(HOUR / 2);
    harness.do({ command: 'set-status', status: 'awaiting-customer' }, agent);
    expect(harness.ticket.status.category).toBe('pending');
    expect(clocks(harness).resolution?.state).toBe('paused');
    harness.advance(HOUR);
    harness.do({ command: 'reply-received', body: 'logs attached' }, actors.requester);
    expect(harness.ticket.status.category).toBe('open');
    expect(clocks(harness).resolution?.state).toBe('running');
    expect(clocks(harness).resolution?.dueAt).toBe(dueBefore + HOUR);
  });

  it('walks the escalation ladder: warning, breach, breach + 1 h — each step once', () => {
    const harness = openMedium('high', 'company'); // urgent: first response 15 min, resolution 2 h
    harness.do({ command: 'comment', body: 'On it', visibility: 'public' }, agent);
    let timer = harness.effectsOf('schedule').find((effect) => effect.reason === 'sla');
    // Warning at 75 % of 2 h.
    expect(timer?.at).toBe(OPENED + 1.5 * HOUR);
    harness.fire(timer);
    expect(harness.ticket.flags.highlight).toBe('warning');
    expect(harness.effectsOf('notify')[0]).toMatchObject({
      template: 'sla-warning',
      recipients: [{ user: 'u-agent' }],
    });
    harness.refused({ command: 'timer-fired', key: String(timer?.key) }, actors.system, 'timer.unknown');

    timer = harness.effectsOf('schedule').find((effect) => effect.reason === 'sla');
    expect(timer?.at).toBe(OPENED + 2 * HOUR);
    harness.fire(timer);
    expect(harness.ticket.flags.highlight).toBe('breached');
    expect(
      harness
        .effectsOf('notify')
        .some((effect) => JSON.stringify(effect.recipients).includes('supervisorOf')),
    ).toBe(true);

    timer = harness.effectsOf('schedule').find((effect) => effect.reason === 'sla');
    harness.fire(timer);
    expect(harness.ticket.team).toBe('it-ops');
    expect(harness.ticket.assignee).toBe('u-ops');
    expect(harness.eventTypes()).toContain('ticket.escalated');
    expect(harness.ticket.priority).toBe('urgent');
  });

  it('resolving stops the resolution clock; a reopen resumes it', () => {
    const harness = openMedium();
    harness.advance(HOUR);
    harness.do({ command: 'resolve', comment: 'reset the VPN profile' }, agent);
    expect(harness.ticket.status.category).toBe('resolved');
    expect(clocks(harness).resolution?.state).not.toBe('running');
    harness.do({ command: 'reopen' }, actors.requester);
    expect(clocks(harness).resolution?.state).toBe('running');
    expect(harness.at).toEqual(['triage']);
  });
});
