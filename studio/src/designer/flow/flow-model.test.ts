import { describe, expect, it } from 'vitest';
import { checkFlow } from '../../../../runtime/definitions';
import { blankTicketType } from '../blank-type';
import {
  addEdge,
  applyPositions,
  copyElements,
  elementOfProblem,
  flowOf,
  newNode,
  nodeIdProblem,
  pasteElements,
  removeElements,
  renameNode,
  toCanvas,
  type DraftFlow,
} from './flow-model';
import { layoutFlow, nodesWithoutPosition } from './flow-layout';

const blank = () => blankTicketType('hr.leave', { 'zh-CN': '请假', en: 'Leave' }, 'hr');

/** What the canvas hands back after a drag that ends where it started: every node where vue-flow has it. */
function positionsAsDrawn(flow: DraftFlow) {
  const { nodes } = toCanvas(flow, { locale: 'zh-CN' });
  return Object.fromEntries(nodes.map((node) => [node.id, { ...node.position }]));
}

describe('flow model: definition ⇄ canvas', () => {
  it('draws fresh objects, so the draft never receives vue-flow runtime fields', () => {
    const draft = blank();
    const before = JSON.stringify(draft);
    const { nodes, edges } = toCanvas(flowOf(draft), { locale: 'en' });
    // vue-flow writes into the objects it is given; none of them is the draft's.
    for (const node of nodes) Object.assign(node, { dimensions: { width: 1, height: 1 }, selected: true });
    for (const edge of edges) Object.assign(edge, { sourceX: 1, selected: true });
    nodes[0]!.position.x = 999;
    expect(JSON.stringify(draft)).toBe(before);
    expect(nodes.map((node) => node.data?.outcomes)).toEqual([[], ['done'], []]);
    expect(edges.map((edge) => edge.sourceHandle)).toEqual([null, 'done']);
  });

  it('opening and dropping nodes where they are keeps an untouched flow byte-equal', () => {
    const draft = blank();
    const before = JSON.stringify(draft);
    expect(applyPositions(flowOf(draft), positionsAsDrawn(flowOf(draft)))).toBe(false);
    expect(nodesWithoutPosition(flowOf(draft))).toEqual([]);
    expect(JSON.stringify(draft)).toBe(before);
  });

  it('a move changes only the position of the moved node, in whole pixels', () => {
    const draft = blank();
    const before = JSON.parse(JSON.stringify(draft)) as typeof draft;
    expect(applyPositions(flowOf(draft), { handle: { x: 40.4, y: 130.6 } })).toBe(true);
    const handle = flowOf(draft).nodes.find((node) => node.id === 'handle')!;
    expect(handle.position).toEqual({ x: 40, y: 131 });
    handle.position = { x: 0, y: 120 };
    expect(draft).toEqual(before);
  });

  it('adds edges as the runtime reads them: no source handle on one-way-out nodes, the outcome otherwise', () => {
    const draft = blank();
    const flow = flowOf(draft);
    flow.nodes.push(newNode(flow, 'approval', { x: 300, y: 0 }));
    flow.nodes.push(newNode(flow, 'exclusive', { x: 300, y: 100 }));
    expect(addEdge(flow, { source: 'approval', target: 'exclusive', sourceHandle: null })).toEqual({
      id: 'e-approval-exclusive',
      source: 'approval',
      target: 'exclusive',
    });
    // The same connection twice is not added again.
    expect(addEdge(flow, { source: 'approval', target: 'exclusive' })).toBeUndefined();
    expect(addEdge(flow, { source: 'handle', target: 'exclusive', sourceHandle: 'done' })).toMatchObject({
      sourceHandle: 'done',
    });
    expect(addEdge(flow, { source: 'handle', target: 'nowhere' })).toBeUndefined();
  });

  it('a flow drawn on the canvas equals the same flow written as JSON', () => {
    const draft = blank();
    const flow = flowOf(draft);
    removeElements(draft, [], ['e-start-handle']);
    const approval = newNode(flow, 'approval', { x: 0, y: 100 });
    approval.data = {
      ...approval.data,
      approvers: { users: ['u1', 'u2'] },
      mode: 'any-of',
      branchOnResult: true,
    };
    flow.nodes.push(approval);
    addEdge(flow, { source: 'start', target: 'approval' });
    addEdge(flow, { source: 'approval', target: 'handle', sourceHandle: 'approved' });
    addEdge(flow, { source: 'approval', target: 'end', sourceHandle: 'rejected' });
    expect(draft.flow).toEqual({
      nodes: [
        { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} },
        {
          id: 'handle',
          type: 'task',
          position: { x: 0, y: 120 },
          data: { name: { 'zh-CN': '处理', en: 'Handle' }, assign: 'routing', outcomes: ['done'] },
        },
        { id: 'end', type: 'end', position: { x: 0, y: 240 }, data: { status: 'closed' } },
        {
          id: 'approval',
          type: 'approval',
          position: { x: 0, y: 100 },
          data: {
            name: { 'zh-CN': '审批', en: 'Approval' },
            approvers: { users: ['u1', 'u2'] },
            mode: 'any-of',
            branchOnResult: true,
          },
        },
      ],
      edges: [
        { id: 'e-handle-end', source: 'handle', sourceHandle: 'done', target: 'end' },
        { id: 'e-start-approval', source: 'start', target: 'approval' },
        { id: 'e-approval-handle', source: 'approval', target: 'handle', sourceHandle: 'approved' },
        { id: 'e-approval-end', source: 'approval', target: 'end', sourceHandle: 'rejected' },
      ],
    });
    expect(checkFlow(draft.flow)).toEqual([]);
  });

  it('marks problems on their node or edge, by id or by pointer', () => {
    const draft = blank();
    const flow = flowOf(draft);
    flow.nodes.push(newNode(flow, 'notify', { x: 300, y: 0 }));
    const problems = checkFlow(draft.flow);
    const onNotify = problems.filter((problem) => elementOfProblem(flow, problem)?.nodeId === 'notify');
    expect(onNotify.length).toBeGreaterThan(0);
    const { nodes } = toCanvas(flow, { locale: 'en', problems });
    const notify = nodes.find((node) => node.id === 'notify')!;
    expect(notify.data?.problems.length).toBe(onNotify.length);
    expect(notify.class).toContain('ordo-node--problem');
    expect(elementOfProblem(flow, { path: '/flow/edges/1/data' })).toEqual({ edgeId: 'e-handle-end' });
    expect(elementOfProblem(flow, { path: '/form/steps/handle/readOnly' })).toEqual({ nodeId: 'handle' });
  });

  it('draws overlays: path, decisions, counts, changes, current', () => {
    const draft = blank();
    const { nodes, edges } = toCanvas(flowOf(draft), {
      locale: 'en',
      readonly: true,
      overlay: {
        path: { nodeIds: ['start', 'handle'], edgeIds: ['e-start-handle'], decisions: { handle: 'done' } },
        counts: { handle: 4 },
        changes: { end: 'changed', 'e-handle-end': 'added' },
        current: ['handle'],
      },
    });
    const handle = nodes.find((node) => node.id === 'handle')!;
    expect(handle.data).toMatchObject({
      onPath: true,
      decision: 'done',
      count: 4,
      current: true,
      readonly: true,
    });
    expect(handle.draggable).toBe(false);
    expect(nodes.find((node) => node.id === 'end')!.data?.change).toBe('changed');
    expect(edges[0]!.class).toContain('ordo-edge--path');
    expect(edges[1]!.class).toContain('ordo-edge--added');
  });

  it('copies, pastes under fresh ids with the step rights, renames and deletes with what follows the node', () => {
    const draft = blank();
    draft.form = { ...draft.form!, steps: { handle: { readOnly: ['reason'] } } };
    const clip = copyElements(draft, ['handle', 'end']);
    expect(clip.edges.map((edge) => edge.id)).toEqual(['e-handle-end']);
    const pasted = pasteElements(draft, clip, { x: 40, y: 40 });
    expect(pasted).toEqual({ nodeIds: ['handle-2', 'end-2'], edgeIds: ['e-handle-2-end-2'] });
    const flow = flowOf(draft);
    expect(flow.nodes.find((node) => node.id === 'handle-2')!.position).toEqual({ x: 40, y: 160 });
    expect(draft.form.steps).toEqual({
      handle: { readOnly: ['reason'] },
      'handle-2': { readOnly: ['reason'] },
    });

    expect(nodeIdProblem(flow, 'bad.id')).toBe('pattern');
    expect(nodeIdProblem(flow, 'end')).toBe('taken');
    expect(nodeIdProblem(flow, 'review')).toBeUndefined();
    renameNode(draft, 'handle-2', 'review');
    expect(flow.edges.find((edge) => edge.id === 'e-handle-2-end-2')!.source).toBe('review');
    expect(draft.form.steps).toHaveProperty('review');

    removeElements(draft, ['review'], []);
    expect(flow.nodes.map((node) => node.id)).not.toContain('review');
    expect(flowOf(draft).edges.map((edge) => edge.id)).toEqual(['e-start-handle', 'e-handle-end']);
    expect(draft.form.steps).toEqual({ handle: { readOnly: ['reason'] } });
  });
});

describe('flow layout (dagre)', () => {
  it('lays out every node of a flow without positions, top to bottom along the edges', () => {
    const flow: DraftFlow = {
      nodes: ['start', 'a', 'b', 'end'].map((id) => ({
        id,
        type: id === 'start' || id === 'end' ? id : 'task',
        position: { x: 0, y: 0 },
      })),
      edges: [
        { id: '1', source: 'start', target: 'a' },
        { id: '2', source: 'a', target: 'b' },
        { id: '3', source: 'b', target: 'end' },
      ],
    };
    expect(nodesWithoutPosition(flow)).toEqual(['start', 'a', 'b', 'end']);
    const positions = layoutFlow(flow);
    expect(positions.start!.y).toBeLessThan(positions.a!.y);
    expect(positions.a!.y).toBeLessThan(positions.b!.y);
    expect(positions.b!.y).toBeLessThan(positions.end!.y);
  });

  it('fills only the missing positions and leaves placed nodes alone', () => {
    const draft = blank();
    const flow = flowOf(draft);
    flow.nodes.push({ id: 'later', type: 'task', data: {} });
    const before = JSON.parse(JSON.stringify(flow.nodes.slice(0, 3))) as unknown;
    const missing = nodesWithoutPosition(flow);
    expect(missing).toEqual(['later']);
    const positions = layoutFlow(flow, missing);
    expect(Object.keys(positions)).toEqual(['later']);
    applyPositions(flow, positions);
    expect(flow.nodes.slice(0, 3)).toEqual(before);
    const later = flow.nodes[3]!.position!;
    // Below everything already placed, so nothing overlaps.
    expect(later.y).toBeGreaterThan(240);
  });
});
