import { describe, expect, it } from 'vitest';
import type { FlowDefinition } from '../flow/types.js';
import { effectKindsOf } from '../flow/registry.js';
import { TicketHarness, actors, definitionOf } from './test-support/harness.js';

/** start → action (sub-tickets per row of `rows`, waiting) → gateway on the step result → closed / review → end. */
function flowWith(subticket: Record<string, unknown>): FlowDefinition {
  return {
    nodes: [
      { id: 'start', type: 'start', data: {} },
      { id: 'spawn', type: 'action', data: { subticket } },
      { id: 'how?', type: 'exclusive', data: {} },
      { id: 'review', type: 'task', data: { assign: 'routing' } },
      { id: 'done', type: 'end', data: { status: 'closed' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'spawn' },
      { id: 'e2', source: 'spawn', target: 'how?' },
      {
        id: 'e3',
        source: 'how?',
        target: 'done',
        data: { when: { '==': [{ var: 'step.spawn.result' }, 'closed'] } },
      },
      { id: 'e4', source: 'how?', target: 'review', data: { default: true } },
      { id: 'e5', source: 'review', target: 'done' },
    ],
  };
}

const rows = [
  { host: 'db-1', owner: 'ops' },
  { host: 'db-2', owner: 'dba' },
  { host: 'web-1', owner: 'web' },
];

function opened(subticket: Record<string, unknown>) {
  const harness = new TicketHarness(definitionOf(flowWith(subticket)));
  harness.open({ title: 'Patch the servers', rows, window: 'sat' });
  return harness;
}

const finished = (key: string, subticketId: string, outcome: string, status?: string) => ({
  command: 'subticket-finished' as const,
  key,
  subticketId,
  outcome,
  ...(status === undefined ? {} : { status }),
});

describe('sub-tickets', () => {
  it('opens one sub-ticket per item, its data mapped from the parent and the item', () => {
    const harness = opened({
      type: 'it.patch',
      each: { var: 'data.rows' },
      data: { host: { var: 'item.host' }, window: { var: 'data.window' }, position: { var: 'index' } },
      wait: true,
    });
    const opens = harness.effectsOf('open-subticket');
    expect(opens.map((effect) => effect.key)).toEqual([
      'T-1:spawn:1:subticket-0',
      'T-1:spawn:1:subticket-1',
      'T-1:spawn:1:subticket-2',
    ]);
    expect(opens.map((effect) => effect.data)).toEqual([
      { host: 'db-1', window: 'sat', position: 0 },
      { host: 'db-2', window: 'sat', position: 1 },
      { host: 'web-1', window: 'sat', position: 2 },
    ]);
    expect(opens[0]).toMatchObject({
      typeKey: 'it.patch',
      parentId: 'T-1',
      waitKey: 'T-1:spawn:1:subticket',
    });
    expect(harness.ticket.tokens[0]?.waitingFor).toMatchObject({
      kind: 'subticket',
      mode: 'all',
      finished: [],
    });
  });

  it('waits for all: goes on once every sub-ticket finished, routing by how they finished', () => {
    const harness = opened({ type: 'it.patch', each: { var: 'data.rows' }, wait: true });
    const key = 'T-1:spawn:1:subticket';
    harness.do(finished(key, 'c0', 'closed', 'done'), actors.system);
    expect(harness.at).toEqual(['spawn']);
    expect(harness.events.find((event) => event.type === 'subticket.finished')?.data).toMatchObject({
      finished: 1,
      of: 3,
      status: 'done',
    });
    // The same report again changes nothing.
    harness.refused(finished(key, 'c0', 'closed'), actors.system, 'subticket.unknown');
    harness.do(finished(key, 'c1', 'closed'), actors.system);
    harness.do(finished(key, 'c2', 'closed'), actors.system);
    expect(harness.ticket.steps.spawn).toMatchObject({ status: 'done', result: 'closed' });
    expect(harness.ticket.status.category).toBe('closed');
  });

  it('waits for all: a cancelled sub-ticket among closed ones routes the parent to the default way', () => {
    const harness = opened({ type: 'it.patch', each: { var: 'data.rows' }, wait: true });
    const key = 'T-1:spawn:1:subticket';
    harness.do(finished(key, 'c0', 'closed'), actors.system);
    harness.do(finished(key, 'c1', 'cancelled'), actors.system);
    harness.do(finished(key, 'c2', 'closed'), actors.system);
    expect(harness.ticket.steps.spawn?.result).toBe('mixed');
    expect(harness.at).toEqual(['review']);
  });

  it('waits for any: the first to finish decides, and the others are cancelled', () => {
    const harness = opened({ type: 'it.patch', each: { var: 'data.rows' }, wait: true, waitFor: 'any' });
    harness.do(finished('T-1:spawn:1:subticket', 'c1', 'cancelled'), actors.system);
    expect(harness.ticket.steps.spawn?.result).toBe('cancelled');
    expect(harness.at).toEqual(['review']);
    expect(harness.effectsOf('cancel-subtickets')).toEqual([
      expect.objectContaining({
        key: 'T-1:spawn:1:subticket:cancel',
        children: ['T-1:spawn:1:subticket-0', 'T-1:spawn:1:subticket-1', 'T-1:spawn:1:subticket-2'],
        finished: ['c1'],
      }),
    ]);
  });

  it('cancelling the parent cancels the sub-tickets it waits for, unless the step says to leave them', () => {
    const cancelling = opened({ type: 'it.patch', wait: true });
    cancelling.do({ command: 'cancel', reason: 'no longer needed' }, actors.admin);
    expect(cancelling.effectsOf('cancel-subtickets')).toEqual([
      expect.objectContaining({ children: ['T-1:spawn:1:subticket'], finished: [] }),
    ]);
    const leaving = opened({ type: 'it.patch', wait: true, cancelUnfinished: false });
    leaving.do({ command: 'cancel' }, actors.admin);
    expect(leaving.effectsOf('cancel-subtickets')).toEqual([]);
  });

  it('an empty list opens nothing and does not wait', () => {
    const harness = new TicketHarness(
      definitionOf(flowWith({ type: 'it.patch', each: { var: 'data.none' }, wait: true })),
    );
    harness.open({ title: 'Nothing to patch' });
    expect(harness.effectsOf('open-subticket')).toEqual([]);
    expect(harness.ticket.steps.spawn?.result).toBe('none');
    expect(harness.at).toEqual(['review']);
  });

  it('records each sub-ticket once, with its outcome even when nobody waits any more', () => {
    const harness = opened({ type: 'it.patch', wait: false });
    expect(harness.at).toEqual(['review']);
    const key = 'T-1:spawn:1:subticket';
    const record = {
      command: 'subticket-opened' as const,
      key,
      subticketId: 'c9',
      number: 'PAT-9',
      typeKey: 'it.patch',
      nodeId: 'spawn',
    };
    harness.refused(record, actors.agent, 'actor.system-only');
    harness.do(record, actors.system);
    expect(harness.events.map((event) => event.type)).toEqual(['subticket.opened']);
    expect(harness.ticket.subtickets).toEqual([
      expect.objectContaining({ id: 'c9', number: 'PAT-9', typeKey: 'it.patch', nodeId: 'spawn', key }),
    ]);
    harness.refused(record, actors.system, 'subticket.already-recorded');
    harness.do(finished(key, 'c9', 'closed', 'done'), actors.system);
    expect(harness.ticket.subtickets?.[0]).toMatchObject({ outcome: 'closed', status: 'done' });
    harness.refused(finished(key, 'c9', 'closed'), actors.system, 'subticket.unknown');
  });

  it('a sub-ticket that could not be opened is recorded as failed and ends the wait', () => {
    const harness = opened({ type: 'it.patch', wait: true });
    harness.do(
      {
        command: 'subticket-opened',
        key: 'T-1:spawn:1:subticket',
        subticketId: 'c1',
        typeKey: 'it.patch',
        nodeId: 'spawn',
        error: 'The form is missing "host"',
      },
      actors.system,
    );
    expect(harness.eventTypes()).toContain('subticket.failed');
    expect(harness.ticket.steps.spawn?.result).toBe('failed');
    expect(harness.at).toEqual(['review']);
  });

  it('records an effect the server could not run once, on a finished ticket too', () => {
    const harness = opened({ type: 'it.patch', wait: false });
    harness.do({ command: 'cancel' }, actors.admin);
    const failure = { command: 'effect-failed' as const, key: 'k1', kind: 'fax', reason: 'no handler' };
    harness.do(failure, actors.system);
    expect(harness.events[0]).toMatchObject({
      type: 'effect.failed',
      data: { kind: 'fax', reason: 'no handler' },
    });
    harness.refused(failure, actors.system, 'effect.already-reported');
    harness.refused({ ...failure, key: 'k2' }, actors.agent, 'ticket.finished');
  });

  it('declares the effect kinds a flow may ask for', () => {
    const kinds = effectKindsOf(flowWith({ type: 'it.patch', wait: true }));
    expect(kinds).toEqual(
      expect.arrayContaining([
        { kind: 'notify' },
        { kind: 'open-subticket', nodeId: 'spawn' },
        { kind: 'cancel-subtickets', nodeId: 'spawn' },
        { kind: 'schedule' },
      ]),
    );
    expect(kinds.map((entry) => entry.kind)).not.toContain('webhook');
  });
});
