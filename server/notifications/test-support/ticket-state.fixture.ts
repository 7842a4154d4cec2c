import type { TicketState } from '../../../runtime/engine/types.js';

/** A ticket state as the engine would hand it over, for tests that do not run the engine. */
export function ticketStateFixture(overrides: Partial<TicketState> = {}): TicketState {
  const createdAt = Date.parse('2026-03-02T01:00:00Z');
  return {
    stateVersion: 1,
    id: 'tfixture0001',
    typeKey: 'it.incident',
    typeVersion: 1,
    number: 'INC-2026-000001',
    channel: 'web',
    status: { category: 'open', key: 'in-progress' },
    priority: 'high',
    data: { title: 'Printer on fire', description: 'Smoke everywhere' },
    requester: { id: '000000000000000000000000', name: 'Requester' },
    watchers: [],
    assistants: [],
    tags: [],
    tokens: [],
    steps: {},
    approvals: {},
    explanations: {},
    version: 3,
    createdAt,
    updatedAt: createdAt,
    flags: { reopenCount: 0, transferCount: 0, assignees: [] },
    tokenSeq: 0,
    ...overrides,
  };
}
