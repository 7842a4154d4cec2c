import { pendingIndexes } from '../../runtime/flow/nodes/approval.node.js';
import type { ApproverRecord, ApproverSlot, StepState } from '../../runtime/flow/types.js';
import type { TicketState } from '../../runtime/engine/types.js';
import { stepRightsOf } from '../../runtime/engine/form-bridge.js';
import type { AccessContext } from '../access/record-rules.js';

/**
 * Who a ticket's flow names, as keys a person's own keys are matched against (`user:<id>`, `team:<key>`,
 * `role:<role>`). The projection stores them, so the access policy, the "my approvals" / "my steps" lists and the
 * bell ask one field with `$in` — the same filter in the memory catalog (sift) and in MongoDB.
 *
 * - `awaitingApproval`: the approvers whose decision an open approval step awaits now (after delegation, the
 *   delegate; in a sequential approval, only the next one).
 * - `awaitingStep`: the assignee and the team of every open task (each branch of a parallel split), as the
 *   engine's `canWorkStep` reads them: a step with neither falls back to the ticket's assignee and team.
 * - `involved`: both of the above, plus whoever acted on a step before (approvers who decided or delegated, the
 *   assignee and team of finished steps) — they keep read access to the history of what they decided.
 *
 * Everything is read from the state alone, so a projection rebuilt from the commits holds the same keys.
 */
export interface FlowActors {
  awaitingApproval: string[];
  awaitingStep: string[];
  involved: string[];
}

const userKey = (id: string) => `user:${id}`;
const teamKey = (key: string) => `team:${key}`;
const roleKey = (role: string) => `role:${role}`;

function slotKey(slot: ApproverSlot): string {
  if (slot.kind === 'user') return userKey(slot.userId);
  if (slot.kind === 'role') return roleKey(slot.role);
  return teamKey(slot.team);
}

/** The person and team a step is worked by, as `canWorkStep` reads them. */
function workersOf(step: StepState, state: TicketState): string[] {
  const assignee = step.assignee ?? (step.team === undefined ? state.assignee : undefined);
  const team = step.team ?? (step.assignee === undefined ? state.team : undefined);
  const keys: string[] = [];
  if (assignee !== undefined) keys.push(userKey(assignee));
  if (team !== undefined) keys.push(teamKey(team));
  // Neither: the engine lets any staff member work it.
  if (keys.length === 0) keys.push(roleKey('agent'));
  return keys;
}

function decidedKeys(records: readonly ApproverRecord[]): string[] {
  const keys: string[] = [];
  for (const record of records) {
    if (record.decidedBy !== undefined && record.decision !== undefined && record.decision !== 'skipped')
      keys.push(userKey(record.decidedBy));
    for (const from of record.delegatedFrom ?? []) keys.push(slotKey(from));
  }
  return keys;
}

export function flowActorsOf(state: TicketState): FlowActors {
  const awaitingApproval = new Set<string>();
  const awaitingStep = new Set<string>();
  const past = new Set<string>();
  const waiting = new Set(state.tokens.map((token) => token.nodeId));
  for (const [nodeId, step] of Object.entries(state.steps)) {
    const approval = state.approvals[nodeId];
    if (approval !== undefined) {
      for (const key of decidedKeys(approval.approvers)) past.add(key);
      for (const round of approval.history ?? [])
        for (const key of decidedKeys(round.approvers)) past.add(key);
      if (step.status === 'active' && waiting.has(nodeId) && approval.result === undefined) {
        for (const index of pendingIndexes(approval))
          awaitingApproval.add(slotKey((approval.approvers[index] as ApproverRecord).slot));
      }
      continue;
    }
    if (step.kind !== 'task') continue;
    if (step.status === 'active' && waiting.has(nodeId)) {
      for (const key of workersOf(step, state)) awaitingStep.add(key);
    } else if (step.status === 'done') {
      if (step.assignee !== undefined) past.add(userKey(step.assignee));
      if (step.team !== undefined) past.add(teamKey(step.team));
    }
  }
  return {
    awaitingApproval: [...awaitingApproval],
    awaitingStep: [...awaitingStep],
    involved: [...new Set([...awaitingApproval, ...awaitingStep, ...past])],
  };
}

/** The keys naming the caller (themself, the teams they work in, their roles); none for integrations. */
export function actorKeysOf({ principal, teams }: AccessContext, options: { supervised?: boolean } = {}) {
  if (principal.kind !== 'user') return [];
  return [
    userKey(principal.id),
    ...teams.memberOf.map(teamKey),
    ...(options.supervised ? teams.supervises.map(teamKey) : []),
    ...principal.roles.map(roleKey),
  ];
}

/** The nodes through which the caller is named by the flow (now or before), for the field rights they see. */
export function nodesNaming(context: AccessContext, state: TicketState): string[] {
  const mine = new Set(actorKeysOf(context, { supervised: true }));
  const nodes: string[] = [];
  for (const [nodeId, step] of Object.entries(state.steps)) {
    const approval = state.approvals[nodeId];
    let keys: string[] = [];
    if (approval !== undefined) {
      const records = [
        ...approval.approvers,
        ...(approval.history ?? []).flatMap((round) => round.approvers),
      ];
      keys = [...records.map((record) => slotKey(record.slot)), ...decidedKeys(records)];
    } else if (step.kind === 'task') {
      keys = workersOf(step, state);
    }
    if (keys.some((key) => mine.has(key))) nodes.push(nodeId);
  }
  return nodes;
}

/**
 * Fields a person who sees the ticket only because a step names them must not be sent: those hidden at every
 * step that names them (a field shown at any of their steps is theirs to read).
 */
export function fieldsHiddenFrom(
  definition: { form?: unknown; flow?: { nodes?: { id: string; data?: Record<string, unknown> }[] } },
  nodeIds: string[],
): Set<string> {
  let hidden: Set<string> | undefined;
  for (const nodeId of nodeIds) {
    const node = definition.flow?.nodes?.find((candidate) => candidate.id === nodeId);
    const data = (node?.data ?? {}) as { editable?: string[]; readOnly?: string[]; hidden?: string[] };
    const nodeRights: { editable?: string[]; readOnly?: string[]; hidden?: string[] } = {};
    if (data.hidden !== undefined) nodeRights.hidden = data.hidden;
    const rights = stepRightsOf(definition.form, nodeId, nodeRights);
    const here = new Set(rights?.hidden ?? []);
    hidden = hidden === undefined ? here : new Set([...hidden].filter((key) => here.has(key)));
    if (hidden.size === 0) return hidden;
  }
  return hidden ?? new Set();
}

/** `data` without the keys in `hidden`. */
export function withoutFields<T extends Record<string, unknown>>(data: T, hidden: Set<string>): T {
  if (hidden.size === 0) return data;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) if (!hidden.has(key)) kept[key] = value;
  return kept as T;
}
