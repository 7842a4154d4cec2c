import { describe, expect, it } from 'vitest';
import { TicketHarness, actors, definitionOf } from '../engine/test-support/harness.js';
import {
  NODE_KINDS,
  nodeConfigSchemas,
  nodeKinds,
  nodeKindWaits,
  nodeOutcomes,
  edgeDataSchema,
} from './registry.js';
import { flowIndexOf, timerKeyOf } from './runner.js';
import type { FlowDefinition } from './types.js';
import flows from './runner.flow.json' with { type: 'json' };

const openOn = (name: keyof typeof flows, maxVisits?: number) => {
  const harness = new TicketHarness(definitionOf(flows[name]), maxVisits === undefined ? {} : { maxVisits });
  return harness.try(
    { command: 'open', id: 'T', number: 'N', data: {}, requester: { id: 'u-req' } },
    actors.requester,
  );
};

const refusal = (result: ReturnType<typeof openOn>) => (result.ok ? 'accepted' : result.error.code);

describe('flow runner', () => {
  it('stops an automatic cycle after the visit bound with a typed error', () => {
    const result = openOn('loop');
    expect(refusal(result)).toBe('flow.step-limit-exceeded');
    if (!result.ok) expect(result.error.message.en).toContain('1000');
    expect(refusal(openOn('loop', 10))).toBe('flow.step-limit-exceeded');
  });

  it.each([
    ['unknownKind', 'flow.unknown-node-kind'],
    ['noStart', 'flow.start-missing'],
    ['ambiguous', 'flow.ambiguous-exit'],
    ['dangling', 'flow.node-missing'],
    ['splitNowhere', 'flow.no-edge-for-outcome'],
  ] as const)('refuses to run a broken flow (%s → %s)', (name, code) => {
    expect(refusal(openOn(name))).toBe(code);
  });

  it('a task with no way out is refused when it is completed', () => {
    const harness = new TicketHarness(definitionOf(flows.deadEnd));
    harness.open();
    harness.refused({ command: 'complete-step' }, actors.agent, 'flow.no-edge-for-outcome');
  });

  it('an end with a status key ends in that status', () => {
    const harness = new TicketHarness(definitionOf(flows.endKey));
    harness.open();
    expect(harness.ticket.status).toEqual({ category: 'cancelled', key: 'cancelled' });
    expect(harness.eventTypes()).toContain('flow.ended');
  });

  it('knows the timer of each kind of wait', () => {
    expect(timerKeyOf({ kind: 'timer', key: 'k', at: 1, reason: 'wait' })).toBe('k');
    expect(timerKeyOf({ kind: 'confirm', timerKey: 'c', at: 1 })).toBe('c');
    expect(timerKeyOf({ kind: 'reply' })).toBeUndefined();
    expect(timerKeyOf({ kind: 'approval' })).toBeUndefined();
    expect(timerKeyOf(undefined)).toBeUndefined();
  });
});

describe('node registry', () => {
  it('has one module per node kind, each with a config schema the studio can render', () => {
    expect(Object.keys(nodeKinds).sort()).toEqual([...NODE_KINDS].sort());
    for (const kind of NODE_KINDS) {
      const module = nodeKinds[kind];
      expect(module.kind).toBe(kind);
      expect(nodeConfigSchemas[kind]).toMatchObject({ type: 'object', title: expect.any(String) as string });
      expect(module.title['zh-CN'].length).toBeGreaterThan(0);
      expect(module.description.en.length).toBeGreaterThan(0);
    }
    expect(edgeDataSchema).toMatchObject({ properties: { default: { type: 'boolean' } } });
  });

  it('answers outcomes and waiting for stored node data, and nothing for unknown kinds', () => {
    expect(nodeOutcomes('task', { outcomes: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(nodeOutcomes('task', undefined)).toEqual(['done']);
    expect(nodeOutcomes('wait', { for: 'reply', timeout: { amount: 1, unit: 'hours' } })).toEqual([
      'replied',
      'timed-out',
    ]);
    expect(nodeOutcomes('teleport', {})).toEqual([]);
    expect(nodeKindWaits('approval', {})).toBe(true);
    expect(nodeKindWaits('notify', undefined)).toBe(false);
    expect(nodeKindWaits('teleport', {})).toBe(false);
  });
});

describe('flow index (edges by node)', () => {
  const freezeDeep = <T>(value: T): T => {
    if (typeof value === 'object' && value !== null) {
      for (const child of Object.values(value)) freezeDeep(child);
      Object.freeze(value);
    }
    return value;
  };
  const graph = (): FlowDefinition => ({
    nodes: [
      { id: 's', type: 'start' },
      { id: 'a', type: 'end' },
      { id: 'b', type: 'end' },
    ],
    edges: [
      { id: 'e1', source: 's', target: 'a' },
      { id: 'e2', source: 's', target: 'b' },
      { id: 'e3', source: 'a', target: 'b' },
    ],
  });

  it('lists the edges leaving and entering each node in flow order', () => {
    const index = flowIndexOf(graph());
    expect(index.outgoing.get('s')?.map((edge) => edge.id)).toEqual(['e1', 'e2']);
    expect(index.incoming.get('b')?.map((edge) => edge.id)).toEqual(['e2', 'e3']);
    expect(index.incoming.get('s')).toBeUndefined();
    expect(index.nodesById.get('a')?.type).toBe('end');
  });

  it('is kept for a deeply frozen flow (a published version can never change), keyed by the flow object', () => {
    const frozen = freezeDeep(graph());
    expect(flowIndexOf(frozen)).toBe(flowIndexOf(frozen));
    expect(flowIndexOf(freezeDeep(graph()))).not.toBe(flowIndexOf(frozen));
  });

  it('is built afresh for a flow that may still change (a draft), so an edit is always seen', () => {
    const draft = graph();
    expect(flowIndexOf(draft)).not.toBe(flowIndexOf(draft));
    draft.edges.push({ id: 'e4', source: 's', target: 'b' });
    expect(
      flowIndexOf(draft)
        .outgoing.get('s')
        ?.map((edge) => edge.id),
    ).toEqual(['e1', 'e2', 'e4']);
    // Frozen on the outside but with an edge that can still change: not kept either.
    const partly = graph();
    Object.freeze(partly);
    Object.freeze(partly.nodes);
    Object.freeze(partly.edges);
    expect(flowIndexOf(partly)).not.toBe(flowIndexOf(partly));
  });

  it('hands node executors lists they cannot change', () => {
    const list = flowIndexOf(graph()).outgoing.get('s');
    expect(Object.isFrozen(list)).toBe(true);
  });
});
