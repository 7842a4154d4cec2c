import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../index.js';
import type { Command, EngineActor, EngineDefinition, TicketState } from '../types.js';
import { actors, deepFreeze, T0, teams } from '../test-support/harness.js';
import itIncident from './it-incident.ticket-type.json' with { type: 'json' };

const definition = { ...itIncident, version: 99 } as unknown as EngineDefinition;
const deskAgent = { ...actors.agent, teams: ['it-desk'] };
const opsAgent = { ...actors.opsAgent, teams: ['it-ops'] };
const changeManager = { id: 'u-cm', roles: ['change-manager'], teams: [], kind: 'user' as const };
const people: EngineActor[] = [
  actors.requester,
  deskAgent,
  opsAgent,
  changeManager,
  actors.admin,
  actors.system,
  actors.outsider,
];

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.constantFrom<Command>(
    { command: 'claim' },
    { command: 'complete-step', outcome: 'fixed' },
    { command: 'complete-step', outcome: 'needs-change' },
    { command: 'complete-step', outcome: 'done' },
    { command: 'complete-step' },
    { command: 'approve' },
    { command: 'reject' },
    { command: 'send-back', to: 'triage' },
    { command: 'delegate', to: 'u-x' },
    { command: 'set-status', status: 'awaiting-customer' },
    { command: 'set-status', status: 'in-progress' },
    { command: 'resolve' },
    { command: 'confirm' },
    { command: 'reopen' },
    { command: 'cancel' },
    { command: 'rate', rating: 'neutral' },
    { command: 'reply-received' },
    { command: 'comment', body: 'hello', visibility: 'public' },
    { command: 'transfer', team: 'it-ops' },
    { command: 'submit', data: { description: 'more' } },
    { command: 'watch' },
    { command: 'watch', user: 'u-w' },
    { command: 'unwatch' },
    { command: 'unwatch', user: 'u-w' },
    { command: 'link', system: 'ERP', type: 'order', id: 'SO-1', url: 'https://erp.example.com/SO-1' },
    { command: 'link', system: 'crm', type: 'account', id: 'A-7' },
    { command: 'unlink', system: 'erp', type: 'ORDER', id: 'SO-1' },
  ),
  fc.constantFrom('timer', 'sla').map((kind): Command => ({ command: 'timer-fired', key: kind })),
);

describe('any sequence of commands', () => {
  it('never throws, refuses without change, keeps a token while live, and round-trips through JSON', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(commandArb, fc.nat(people.length - 1), fc.nat(48 * 3600_000)), { maxLength: 25 }),
        (steps) => {
          let now = T0;
          const opened = decide(
            definition,
            undefined,
            {
              command: 'open',
              id: 'T-fc',
              number: 'N',
              data: {
                title: 'Random walk',
                service: 'server',
                impact: 'company',
                urgency: 'high',
                hostname: 'db1',
              },
              requester: { id: 'u-req' },
            },
            { now, actor: actors.requester, calendars: {}, teams },
          );
          if (!opened.ok) throw new Error(opened.error.code);
          let state: TicketState = opened.state;
          let timers = opened.effects.filter((effect) => effect.kind === 'schedule');
          for (const [command, who, wait] of steps) {
            now += wait;
            const actor = people[who] as EngineActor;
            // Timers fire with real keys from the effects asked for so far.
            const sent: Command =
              command.command === 'timer-fired'
                ? {
                    command: 'timer-fired',
                    key: String(timers[wait % Math.max(1, timers.length)]?.key ?? 'none'),
                  }
                : command;
            const before = JSON.stringify(state);
            const result = decide(definition, deepFreeze(state), sent, { now, actor, calendars: {}, teams });
            if (!result.ok) {
              expect(result.error.message['zh-CN']).not.toBe('');
              expect(result.error.message.en).not.toBe('');
              expect(JSON.stringify(state)).toBe(before);
              continue;
            }
            expect(JSON.parse(JSON.stringify(result.state))).toEqual(result.state);
            expect(result.state.version).toBe(state.version + 1);
            state = JSON.parse(JSON.stringify(result.state)) as TicketState;
            timers = [...timers, ...result.effects.filter((effect) => effect.kind === 'schedule')];
            // A finished ticket holds no token; a live one always waits somewhere.
            const finished = state.status.category === 'closed' || state.status.category === 'cancelled';
            expect(state.tokens.length === 0).toBe(finished);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
