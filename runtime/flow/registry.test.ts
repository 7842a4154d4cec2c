import { describe, expect, it } from 'vitest';
import { ajv } from '../definitions/ajv.js';
import { nodeConfigSchemas, isNodeKind, edgeDataSchema } from './registry.js';
import type { FlowDefinition } from './types.js';
import itIncident from '../engine/scenarios/it-incident.ticket-type.json' with { type: 'json' };
import approvalFlows from './nodes/approval.node.flow.json' with { type: 'json' };
import actionFlow from './nodes/action.node.flow.json' with { type: 'json' };
import confirmFlows from './nodes/confirm.node.flow.json' with { type: 'json' };
import exclusiveFlow from './nodes/exclusive.node.flow.json' with { type: 'json' };
import notifyFlow from './nodes/notify.node.flow.json' with { type: 'json' };
import parallelFlow from './nodes/parallel.node.flow.json' with { type: 'json' };
import taskFlow from './nodes/task.node.flow.json' with { type: 'json' };
import waitFlows from './nodes/wait.node.flow.json' with { type: 'json' };

const validators = Object.fromEntries(
  Object.entries(nodeConfigSchemas).map(([kind, schema]) => [kind, ajv.compile(schema)]),
);

function problemsOf(flow: FlowDefinition): string[] {
  return flow.nodes.flatMap((node) => {
    if (!isNodeKind(node.type)) return [`${node.id}: unknown kind ${node.type}`];
    const validate = validators[node.type];
    return validate?.(node.data ?? {}) === true ? [] : [`${node.id}: ${ajv.errorsText(validate?.errors)}`];
  });
}

const fixtures: [string, FlowDefinition][] = [
  ['it-incident example', itIncident.flow],
  ...Object.entries(approvalFlows).map(([name, flow]): [string, FlowDefinition] => [
    `approval ${name}`,
    flow,
  ]),
  ...Object.entries(confirmFlows).map(([name, flow]): [string, FlowDefinition] => [`confirm ${name}`, flow]),
  ...Object.entries(waitFlows).map(([name, flow]): [string, FlowDefinition] => [`wait ${name}`, flow]),
  ['action', actionFlow],
  ['exclusive', exclusiveFlow],
  ['notify', notifyFlow],
  ['parallel', parallelFlow],
  ['task', taskFlow],
];

describe('node config schemas', () => {
  it.each(fixtures)('accept every node of the %s flow', (_name, flow) => {
    expect(problemsOf(flow)).toEqual([]);
  });

  it.each([
    ['task', { outcomes: ['Not A Handle'] }],
    ['task', { assign: { team: 'x', strategy: 'coin-flip' } }],
    ['approval', { approvers: {} }],
    ['approval', { approvers: { users: ['a'] }, mode: 'majority' }],
    ['wait', { for: 'duration' }],
    ['confirm', {}],
    ['notify', { template: 't', to: ['everyone'] }],
    ['action', { name: { 'zh-CN': '无', en: 'none' } }],
    ['end', { status: 'resolved' }],
    ['start', { colour: 'red' }],
  ])('reject a bad %s config %j', (kind, data) => {
    expect(validators[kind]?.(data)).toBe(false);
  });

  it('edge data of a decision: a condition or the default flag', () => {
    const validate = ajv.compile(edgeDataSchema);
    expect(validate({ when: { '==': [1, 1] } })).toBe(true);
    expect(validate({ default: true })).toBe(true);
    expect(validate({ otherwise: true })).toBe(false);
  });
});
