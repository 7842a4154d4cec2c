import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../common/types.js';
import type { DefinitionRefs } from './references.js';
import { checkFlow } from './flow-check.js';

interface FlowFixture {
  description: string;
  flow: unknown;
  refs?: DefinitionRefs;
}

function loadFixture(name: string): FlowFixture {
  const url = new URL(`./flow-check.fixtures/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as FlowFixture;
}

/** What a test expects of a problem: its code and, where it has them, the node or edge it names. */
type Expected = [code: string, place?: { nodeId?: string; edgeId?: string }];

const summary = (problem: Problem): Expected => {
  const place: { nodeId?: string; edgeId?: string } = {};
  if (problem.nodeId !== undefined) place.nodeId = problem.nodeId;
  if (problem.edgeId !== undefined) place.edgeId = problem.edgeId;
  return Object.keys(place).length > 0 ? [problem.code, place] : [problem.code];
};

const cases: { fixture: string; expected: Expected[] }[] = [
  { fixture: 'valid-linear', expected: [] },
  { fixture: 'valid-nested-parallel', expected: [] },
  { fixture: 'valid-human-loop', expected: [] },
  { fixture: 'wait-breaks-cycle', expected: [] },
  { fixture: 'two-starts', expected: [['flow.start.multiple', { nodeId: 'start2' }]] },
  { fixture: 'no-start', expected: [['flow.start.missing']] },
  { fixture: 'no-end', expected: [['flow.end.missing'], ['flow.node.deadEnd', { nodeId: 'work' }]] },
  { fixture: 'unreachable-node', expected: [['flow.node.unreachable', { nodeId: 'orphan' }]] },
  { fixture: 'dead-end', expected: [['flow.node.deadEnd', { nodeId: 'stuck' }]] },
  {
    fixture: 'closed-loop',
    expected: [
      ['flow.node.unreachable', { nodeId: 'end' }],
      ['flow.loop.noExit', { nodeId: 'a' }],
    ],
  },
  { fixture: 'missing-default', expected: [['flow.exclusive.noDefault', { nodeId: 'route' }]] },
  { fixture: 'multiple-defaults', expected: [['flow.exclusive.multipleDefaults', { nodeId: 'route' }]] },
  {
    fixture: 'missing-condition',
    expected: [['flow.exclusive.missingCondition', { nodeId: 'route', edgeId: 'e2' }]],
  },
  {
    fixture: 'default-with-condition',
    expected: [['flow.exclusive.defaultWithCondition', { nodeId: 'route', edgeId: 'e3' }]],
  },
  { fixture: 'condition-ignored', expected: [['flow.edge.conditionIgnored', { edgeId: 'e2' }]] },
  { fixture: 'unmatched-join', expected: [['flow.parallel.unmatchedJoin', { nodeId: 'join' }]] },
  { fixture: 'incomplete-join', expected: [['flow.parallel.incompleteJoin', { nodeId: 'join' }]] },
  { fixture: 'branch-joins-twice', expected: [['flow.parallel.branchJoinsTwice', { nodeId: 'join' }]] },
  {
    fixture: 'crossed-branches',
    expected: [
      ['flow.parallel.crossedBranches', { nodeId: 'meet' }],
      ['flow.parallel.unmatchedSplit', { nodeId: 'split' }],
    ],
  },
  { fixture: 'unmatched-split', expected: [['flow.parallel.unmatchedSplit', { nodeId: 'split' }]] },
  {
    fixture: 'split-and-join',
    expected: [
      ['flow.parallel.splitAndJoin', { nodeId: 'both' }],
      ['flow.parallel.unmatchedJoin', { nodeId: 'join' }],
    ],
  },
  { fixture: 'missing-outcome-edge', expected: [['flow.task.missingOutcomeEdge', { nodeId: 'triage' }]] },
  {
    fixture: 'outcome-handles',
    expected: [
      ['flow.edge.duplicateHandle', { nodeId: 'triage', edgeId: 'e4' }],
      ['flow.edge.unknownHandle', { nodeId: 'triage', edgeId: 'e5' }],
      ['flow.edge.missingHandle', { nodeId: 'triage', edgeId: 'e6' }],
    ],
  },
  { fixture: 'approval-no-decision', expected: [['flow.approval.noDecision', { nodeId: 'approve' }]] },
  {
    fixture: 'approval-missing-rejected',
    expected: [['flow.approval.missingResultEdge', { nodeId: 'approve' }]],
  },
  { fixture: 'automatic-cycle', expected: [['flow.cycle.automatic', { nodeId: 'ping' }]] },
  {
    fixture: 'unknown-references',
    expected: [
      ['definition.ref.unknownTeam', { nodeId: 'work' }],
      ['definition.ref.unknownField', { nodeId: 'work' }],
      ['definition.ref.unknownRole', { nodeId: 'approve' }],
      ['definition.ref.unknownUser', { nodeId: 'approve' }],
      ['definition.ref.unknownTemplate', { nodeId: 'tell' }],
      ['definition.ref.unknownCalendar', { nodeId: 'pause' }],
      ['definition.ref.unknownNode', { nodeId: 'confirm' }],
      ['definition.ref.unknownStatus', { nodeId: 'end' }],
      ['definition.ref.unknownField', { edgeId: 'e4' }],
      ['definition.ref.unknownNode', { edgeId: 'e4' }],
      ['definition.ref.unknownVariable', { edgeId: 'e4' }],
    ],
  },
  {
    fixture: 'bad-ids-and-types',
    expected: [
      ['definition.pattern', { nodeId: 'a.b' }],
      ['flow.node.duplicateId', { nodeId: 'work' }],
      ['flow.node.unknownType', { nodeId: 'robot' }],
      ['flow.edge.duplicateId', { edgeId: 'e2' }],
      ['flow.edge.unknownSource', { edgeId: 'e5' }],
      ['flow.edge.unknownTarget', { edgeId: 'e6' }],
    ],
  },
  {
    fixture: 'bad-config',
    expected: [
      ['definition.additionalProperty', { nodeId: 'work' }],
      ['definition.type', { nodeId: 'work' }],
      ['definition.required', { nodeId: 'tell' }],
      ['definition.minItems', { nodeId: 'tell' }],
    ],
  },
  {
    fixture: 'ambiguous-exit',
    expected: [
      ['flow.start.incoming', { nodeId: 'start' }],
      ['flow.node.ambiguousExit', { nodeId: 'start' }],
      ['flow.end.outgoing', { nodeId: 'end' }],
    ],
  },
  {
    fixture: 'action-rules',
    expected: [
      ['definition.ref.unknownTicketType', { nodeId: 'act' }],
      ['definition.ref.unknownField', { nodeId: 'act' }],
      ['rule.unknownOperation', { nodeId: 'act' }],
      ['rule.unknownOperation', { nodeId: 'act' }],
      ['rule.unknownOperation', { nodeId: 'act' }],
    ],
  },
];

describe('checkFlow', () => {
  it.each(cases)('$fixture', ({ fixture, expected }) => {
    const { flow, refs } = loadFixture(fixture);
    const problems = checkFlow(flow, refs ?? {});
    expect(problems.map(summary)).toEqual(expected);
    for (const problem of problems) {
      expect(problem.path.startsWith('/flow')).toBe(true);
      expect(problem.text['zh-CN']).not.toBe('');
      expect(problem.text.en).not.toBe('');
      expect(problem.text['zh-CN']).not.toMatch(/\{\w+\}/);
      expect(problem.text.en).not.toMatch(/\{\w+\}/);
    }
  });

  it('names a node by its name in the analyst’s language', () => {
    const { flow } = loadFixture('missing-outcome-edge');
    const [problem] = checkFlow(flow);
    expect(problem?.text).toEqual({
      'zh-CN': '节点“triage（中）”的结果“escalate”没有出线',
      en: 'The outcome “escalate” of the node “Triage” has no connection.',
    });
  });

  it('points the path at the flow inside its document', () => {
    const { flow } = loadFixture('dead-end');
    expect(checkFlow(flow, {}, '/definition/flow').map((problem) => problem.path)).toEqual([
      '/definition/flow/nodes/3',
    ]);
  });

  it('leaves references unchecked when no list is passed', () => {
    const { flow } = loadFixture('unknown-references');
    const codes = checkFlow(flow).map((problem) => problem.code);
    // Only what the flow itself can tell: unknown nodes and context variables.
    expect(codes).toEqual([
      'definition.ref.unknownNode',
      'definition.ref.unknownNode',
      'definition.ref.unknownVariable',
    ]);
  });

  it.each([
    ['nothing', undefined],
    ['a string', 'flow'],
    ['a list', []],
    ['nodes that are not a list', { nodes: {}, edges: [] }],
  ])('reports a flow that is %s without going further', (_name, flow) => {
    const problems = checkFlow(flow);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((problem) => problem.path.startsWith('/flow'))).toBe(true);
  });

  it('reports malformed nodes and edges by their id and skips them in the graph checks', () => {
    const problems = checkFlow({
      nodes: [
        { id: 'start', type: 'start', position: { x: 0, y: 0 } },
        { id: 'end', type: 'end', position: { x: 'left', y: 0 } },
        'not a node',
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'end', sourceHandle: null },
        { id: 'e2', source: 'start' },
      ],
    });
    expect(problems.map(summary)).toEqual([
      ['definition.type', { nodeId: 'end' }],
      ['definition.type'],
      ['definition.required', { edgeId: 'e2' }],
    ]);
  });

  it('accepts the canvas-only properties @vue-flow/core stores', () => {
    const problems = checkFlow({
      nodes: [
        { id: 'start', type: 'start', position: { x: 0, y: 0 }, label: 'Start', selected: false, width: 120 },
        { id: 'end', type: 'end', position: { x: 0, y: 100 }, data: {}, dimensions: { width: 1, height: 1 } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'end', type: 'smoothstep', animated: true, targetHandle: null },
      ],
      viewport: { x: 0, y: 0, zoom: 1 },
    });
    expect(problems).toEqual([]);
  });

  it('reports an edge whose data does not fit the edge schema', () => {
    const problems = checkFlow({
      nodes: [
        { id: 'start', type: 'start', position: { x: 0, y: 0 } },
        { id: 'end', type: 'end', position: { x: 0, y: 100 } },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'end', data: { colour: 'red', default: 'yes' } }],
    });
    expect(problems.map(summary)).toEqual([
      ['definition.additionalProperty', { edgeId: 'e1' }],
      ['definition.type', { edgeId: 'e1' }],
    ]);
  });

  it('reports a rule outside the allow-list on a gateway edge', () => {
    const problems = checkFlow({
      nodes: [
        { id: 'start', type: 'start', position: { x: 0, y: 0 } },
        { id: 'route', type: 'exclusive', position: { x: 0, y: 0 } },
        { id: 'end', type: 'end', position: { x: 0, y: 100 } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'route' },
        {
          id: 'e2',
          source: 'route',
          target: 'end',
          data: { when: { method: [{ var: 'text' }, 'toString'] } },
        },
        { id: 'e3', source: 'route', target: 'end', data: { default: true } },
      ],
    });
    expect(problems.map(summary)).toEqual([['rule.unknownOperation', { edgeId: 'e2' }]]);
  });

  it('stays fast on a long chain of nodes (no recursion on the graph)', () => {
    const count = 400;
    const nodes = [
      { id: 'start', type: 'start', position: { x: 0, y: 0 } },
      ...Array.from({ length: count }, (_, index) => ({
        id: `n${index}`,
        type: 'notify',
        position: { x: 0, y: index },
        data: { template: 't', to: ['requester'] },
      })),
      { id: 'end', type: 'end', position: { x: 0, y: 0 } },
    ];
    const ids = nodes.map((node) => node.id);
    const edges = ids
      .slice(1)
      .map((id, index) => ({ id: `e${index}`, source: ids[index] as string, target: id }));
    // Close one big automatic loop from the last notify back to the first.
    edges.push({ id: 'back', source: `n${count - 1}`, target: 'n0' });
    const problems = checkFlow({ nodes, edges }, { templates: ['t'] });
    expect(problems.map(summary)).toEqual([
      ['flow.node.ambiguousExit', { nodeId: `n${count - 1}` }],
      ['flow.cycle.automatic', { nodeId: 'n0' }],
    ]);
  });
});
