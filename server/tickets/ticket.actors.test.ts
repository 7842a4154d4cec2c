import { describe, expect, it } from 'vitest';
import type { TicketState } from '../../runtime/engine/types.js';
import type { AccessContext } from '../access/record-rules.js';
import { actorKeysOf, fieldsHiddenFrom, flowActorsOf, nodesNaming } from './ticket.actors.js';

function state(fields: Partial<TicketState>): TicketState {
  return {
    stateVersion: 1,
    id: 't1',
    typeKey: 'hr.leave',
    typeVersion: 1,
    number: 'HR-1',
    channel: 'web',
    status: { category: 'open', key: 'review' },
    priority: 'medium',
    data: {},
    requester: { id: 'req' },
    team: 'hr',
    watchers: [],
    assistants: [],
    tags: [],
    tokens: [],
    steps: {},
    approvals: {},
    explanations: {},
    version: 1,
    createdAt: 0,
    updatedAt: 0,
    flags: { reopenCount: 0, transferCount: 0, assignees: [] },
    tokenSeq: 0,
    ...fields,
  };
}

const step = (kind: string, status: 'active' | 'done', extra: Record<string, unknown> = {}) => ({
  kind,
  status,
  visits: 1,
  enteredAt: 0,
  ...extra,
});

const agent = (id: string, memberOf: string[] = []): AccessContext => ({
  principal: {
    kind: 'user',
    id,
    username: id,
    displayName: id,
    roles: ['agent'],
    locale: 'en',
    sessionId: 's',
  },
  teams: { memberOf, supervises: [] },
});

describe('flowActorsOf', () => {
  it('given an approval awaiting the manager, then the manager awaits it and is involved', () => {
    const actors = flowActorsOf(
      state({
        tokens: [{ id: 'k1', nodeId: 'manager', since: 0, waitingFor: { kind: 'approval' } }],
        steps: { manager: step('approval', 'active') },
        approvals: {
          manager: { mode: 'single', round: 1, approvers: [{ slot: { kind: 'user', userId: 'mgr' } }] },
        },
      }),
    );
    expect(actors).toEqual({ awaitingApproval: ['user:mgr'], awaitingStep: [], involved: ['user:mgr'] });
  });

  it('given a sequential approval, then only the next approver awaits; who decided stays involved', () => {
    const actors = flowActorsOf(
      state({
        tokens: [{ id: 'k1', nodeId: 'chain', since: 0, waitingFor: { kind: 'approval' } }],
        steps: { chain: step('approval', 'active') },
        approvals: {
          chain: {
            mode: 'sequential',
            round: 1,
            approvers: [
              { slot: { kind: 'user', userId: 'a' }, decision: 'approved', decidedBy: 'a' },
              { slot: { kind: 'team', team: 'finance' } },
              { slot: { kind: 'user', userId: 'c' } },
            ],
          },
        },
      }),
    );
    expect(actors.awaitingApproval).toEqual(['team:finance']);
    expect(actors.involved.sort()).toEqual(['team:finance', 'user:a']);
  });

  it('given parallel tasks for other teams, then each branch’s team awaits; a finished step stays involved', () => {
    const actors = flowActorsOf(
      state({
        tokens: [
          { id: 'k1', nodeId: 'it', since: 0, waitingFor: { kind: 'task' } },
          { id: 'k2', nodeId: 'desk', since: 0, waitingFor: { kind: 'task' } },
        ],
        steps: {
          it: step('task', 'active', { team: 'it-desk', assignee: 'u-it' }),
          desk: step('task', 'active', { team: 'admin-office' }),
          paper: step('task', 'done', { team: 'hr', assignee: 'u-hr' }),
        },
      }),
    );
    expect(actors.awaitingStep.sort()).toEqual(['team:admin-office', 'team:it-desk', 'user:u-it']);
    expect(actors.involved).toEqual(expect.arrayContaining(['team:hr', 'user:u-hr']));
    expect(actors.awaitingApproval).toEqual([]);
  });

  it('given a closed ticket, then nobody awaits it', () => {
    const actors = flowActorsOf(
      state({
        status: { category: 'closed', key: 'closed' },
        steps: { manager: step('approval', 'done') },
        approvals: {
          manager: {
            mode: 'single',
            round: 1,
            result: 'rejected',
            approvers: [{ slot: { kind: 'user', userId: 'mgr' }, decision: 'rejected', decidedBy: 'mgr' }],
          },
        },
      }),
    );
    expect(actors).toEqual({ awaitingApproval: [], awaitingStep: [], involved: ['user:mgr'] });
  });
});

describe('field rights of people named by the flow', () => {
  const definition = {
    form: { schema: {}, layout: [], steps: { manager: { hidden: ['salary', 'phone'] } } },
    flow: { nodes: [{ id: 'manager' }, { id: 'hr', data: { hidden: ['salary'] } }, { id: 'pay' }] },
  };

  it('hides what every one of their steps hides, nothing when one of them shows all', () => {
    expect([...fieldsHiddenFrom(definition, ['manager'])].sort()).toEqual(['phone', 'salary']);
    expect([...fieldsHiddenFrom(definition, ['manager', 'hr'])]).toEqual(['salary']);
    expect([...fieldsHiddenFrom(definition, ['manager', 'pay'])]).toEqual([]);
  });

  it('finds the steps that name a person, by themself or their team', () => {
    const ticket = state({
      steps: { manager: step('approval', 'done'), it: step('task', 'active', { team: 'it-desk' }) },
      approvals: {
        manager: {
          mode: 'single',
          round: 1,
          result: 'approved',
          approvers: [{ slot: { kind: 'user', userId: 'mgr' }, decision: 'approved', decidedBy: 'mgr' }],
        },
      },
    });
    expect(nodesNaming(agent('mgr'), ticket)).toEqual(['manager']);
    expect(nodesNaming(agent('x', ['it-desk']), ticket)).toEqual(['it']);
    expect(actorKeysOf(agent('x', ['it-desk']))).toEqual(['user:x', 'team:it-desk', 'role:agent']);
  });
});
