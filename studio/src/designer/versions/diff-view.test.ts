import { describe, expect, it } from 'vitest';
import { diffDefinitions } from '../../../../runtime/definitions/diff';
import type { DefinitionChange } from '../../api/designer.api';
import { flowChanges, groupChanges, mergedFlow, type DiffGroup } from './diff-view';

const node = (id: string, type = 'task', data: Record<string, unknown> = {}) => ({
  id,
  type,
  position: { x: 0, y: 0 },
  data,
});
const edge = (id: string, source: string, target: string, data?: Record<string, unknown>) => ({
  id,
  source,
  target,
  ...(data ? { data } : {}),
});

const v1 = {
  key: 'x',
  form: { schema: { type: 'object', properties: { a: { type: 'string' } } }, layout: [] },
  flow: {
    nodes: [node('start', 'start'), node('gw', 'exclusive'), node('a'), node('b'), node('end', 'end')],
    edges: [
      edge('e1', 'start', 'gw'),
      edge('e2', 'gw', 'a', { when: { '==': [{ var: 'data.a' }, 'x'] } }),
      edge('e3', 'gw', 'b', { default: true }),
      edge('e4', 'a', 'end'),
      edge('e5', 'b', 'end'),
    ],
  },
  routing: [{ id: 'r1', when: true, then: { team: 'desk' } }],
};

function v2(): typeof v1 {
  const next = structuredClone(v1);
  // The conditional branch now tests another value; step b is gone and its branch goes to a new step c.
  next.flow.edges[1]!.data = { when: { '==': [{ var: 'data.a' }, 'y'] } };
  next.flow.nodes.splice(3, 1, node('c'));
  next.flow.edges.splice(2, 1, edge('e6', 'gw', 'c', { default: true }));
  next.flow.edges.splice(4, 1, edge('e7', 'c', 'end'));
  next.form.schema.properties = { a: { type: 'string' }, b: { type: 'string' } } as never;
  return next;
}

describe('diff view', () => {
  const after = v2();
  const changes = diffDefinitions(v1, after) as DefinitionChange[];

  it('groups changes by what they are about, in a fixed order', () => {
    const groups = groupChanges(changes).map((group) => group.group);
    expect(groups).toEqual<DiffGroup[]>(['form', 'nodes', 'edges']);
  });

  it('marks flow nodes and edges added, removed and changed by id', () => {
    expect(flowChanges(changes, v1.flow, after.flow)).toEqual({
      b: 'removed',
      c: 'added',
      e2: 'changed',
      e3: 'removed',
      e5: 'removed',
      e6: 'added',
      e7: 'added',
    });
  });

  it('puts removed nodes and edges back into the newer flow for the picture', () => {
    const marks = flowChanges(changes, v1.flow, after.flow);
    const merged = mergedFlow(v1.flow, after.flow, marks);
    expect(merged.nodes.map((item) => item.id)).toEqual(['start', 'gw', 'a', 'c', 'end', 'b']);
    expect(merged.edges.map((item) => item.id)).toEqual(['e1', 'e2', 'e6', 'e4', 'e7', 'e3', 'e5']);
  });

  it('finds nothing to mark between equal versions', () => {
    expect(
      flowChanges(diffDefinitions(v1, structuredClone(v1)) as DefinitionChange[], v1.flow, v1.flow),
    ).toEqual({});
  });
});
