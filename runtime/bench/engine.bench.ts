/**
 * Engine benchmark: one flow step decided in memory on the IT incident example — `open` (form, priority matrix,
 * routing, assignment, SLA clocks, run to the first step) and `complete-step` (leave triage, enter the approval),
 * each alone and together. Run by `npm run bench` (bench/run.ts), not by the tests.
 */
import { decide } from '../engine/index.js';
import type { EngineContext, EngineDefinition, OpenCommand, TicketState } from '../engine/types.js';
import itIncident from '../engine/scenarios/it-incident.ticket-type.json' with { type: 'json' };

export interface BenchResult {
  name: string;
  opsPerSec: number;
  note?: string;
}

const ROUND_MS = 200;
const ROUNDS = 3;
const NOW = Date.parse('2026-03-04T09:30:00+08:00');

const definition = { ...itIncident, version: 1 } as unknown as EngineDefinition;
const context = (actor: EngineContext['actor']): EngineContext => ({
  now: NOW,
  actor,
  calendars: {},
  teams: {
    'it-desk': {
      key: 'it-desk',
      members: [
        { userId: 'u-agent', openTickets: 2 },
        { userId: 'u-agent2', openTickets: 1 },
      ],
      cursor: 0,
    },
  },
});
const requester = context({ id: 'u-req', roles: [], teams: [], kind: 'requester' });
const agent = context({ id: 'u-agent', roles: ['agent'], teams: ['it-desk'], kind: 'user' });
const open: OpenCommand = {
  command: 'open',
  id: 'T-bench',
  number: 'INC-2026-000001',
  data: { title: 'Mail is down', service: 'email', impact: 'team', urgency: 'medium' },
  requester: { id: 'u-req', manager: 'u-mgr' },
};

function opened(): TicketState {
  const result = decide(definition, undefined, open, requester);
  if (!result.ok) throw new Error(result.error.message.en);
  return result.state;
}

function completeTriage(state: TicketState): TicketState {
  const result = decide(definition, state, { command: 'complete-step', outcome: 'needs-change' }, agent);
  if (!result.ok) throw new Error(result.error.message.en);
  return result.state;
}

function round(run: () => unknown): number {
  let operations = 0;
  let batch = 1;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ROUND_MS) {
    for (let index = 0; index < batch; index += 1) run();
    operations += batch;
    batch = Math.min(batch * 2, 1024);
    elapsed = performance.now() - started;
  }
  return operations / (elapsed / 1000);
}

export function benchEngine(): BenchResult[] {
  const atTriage = opened();
  const cases = [
    { name: 'open (form, priority, routing, assign, SLA, run to triage)', run: opened },
    { name: 'complete-step (triage → change approval)', run: () => completeTriage(atTriage) },
    {
      name: 'open + complete-step',
      run: () => completeTriage(opened()),
      note: 'one flow step decided in memory, state copied as JSON each decide',
    },
  ];
  for (const entry of cases) round(entry.run);
  return cases.map(({ name, run, note }) => {
    let best = 0;
    for (let index = 0; index < ROUNDS; index += 1) best = Math.max(best, round(run));
    return note === undefined
      ? { name, opsPerSec: Math.round(best) }
      : { name, opsPerSec: Math.round(best), note };
  });
}
