import { copyJson } from '../../common/json-copy.js';
import type { LocalizedText } from '../../common/types.js';
import { engineError } from '../messages.js';
import type {
  ApprovalMode,
  ApprovalState,
  ApproverRecord,
  ApproverSlot,
  EffectRequest,
  EventRequest,
  NodeInput,
  NodeKindModule,
  NodeSignal,
  SignalActor,
} from '../types.js';
import {
  commonNodeProperties,
  decided,
  fieldKeySchema,
  isAdmin,
  refused,
  statusKeySchema,
} from './node-kit.js';

export interface ApproversConfig {
  users?: string[];
  role?: string;
  team?: string;
  requesterManager?: boolean;
  /** A user-picker field of the form holding one user id or a list of them. */
  field?: string;
}

export interface ApprovalConfig {
  name?: LocalizedText;
  description?: LocalizedText;
  approvers: ApproversConfig;
  mode?: ApprovalMode;
  allowSendBack?: boolean;
  allowDelegate?: boolean;
  /** Leave by `approved` / `rejected` handles instead of one way out (then test `step.<id>.result`). */
  branchOnResult?: boolean;
  status?: string;
}

export const APPROVAL_RESULTS = ['approved', 'rejected'] as const;

/**
 * An approval step. Approvers come from users, a role, a team, the requester's manager or a form field; modes:
 * single, sequential (in order), any-of (或签: the first decision settles it), all-of (会签: everyone approves, one
 * rejection rejects). Any approver may send the ticket back to an earlier human step on the path taken or
 * delegate their decision (the original approver stays on record).
 */
export const approvalNode: NodeKindModule<ApprovalConfig> = {
  kind: 'approval',
  title: { 'zh-CN': '审批', en: 'Approval' },
  description: {
    'zh-CN': '由审批人同意、驳回、退回或转交；支持单人、依次、或签、会签。',
    en: 'Approvers approve, reject, send back or delegate; single, sequential, any-of or all-of.',
  },
  group: 'human',
  waits: () => true,
  configSchema: {
    type: 'object',
    title: 'Approval',
    properties: {
      ...commonNodeProperties,
      approvers: {
        type: 'object',
        title: 'Approvers',
        description: 'Everyone listed here is asked; combine sources freely.',
        properties: {
          users: {
            type: 'array',
            title: 'People',
            items: { type: 'string', minLength: 1 },
            uniqueItems: true,
          },
          role: { type: 'string', minLength: 1, title: 'Role', 'x-ordo-ref': 'role' },
          team: { type: 'string', minLength: 1, title: 'Team', 'x-ordo-ref': 'team' },
          requesterManager: { type: 'boolean', title: "Requester's manager" },
          field: { ...fieldKeySchema, title: 'Person picked in a form field' },
        },
        minProperties: 1,
        additionalProperties: false,
      },
      mode: {
        type: 'string',
        enum: ['single', 'sequential', 'any-of', 'all-of'],
        default: 'single',
        title: 'Mode',
        description:
          'single: one approver; sequential: one after another; any-of (或签): the first decision counts; all-of (会签): everyone must approve.',
      },
      allowSendBack: { type: 'boolean', default: true, title: 'Approvers may send back to an earlier step' },
      allowDelegate: { type: 'boolean', default: true, title: 'Approvers may delegate' },
      branchOnResult: {
        type: 'boolean',
        default: false,
        title: 'Separate paths for approved / rejected',
        description: 'When off, the step has one way out and a decision step tests step.<id>.result.',
      },
      status: statusKeySchema,
    },
    required: ['approvers'],
    additionalProperties: false,
  },
  effects: () => ['notify'],
  outcomes: (config) => (config.branchOnResult === true ? [...APPROVAL_RESULTS] : []),
  execute: (input) => {
    const { config, node, ticket, step } = input;
    const events: EventRequest[] = [];
    let slots = approverSlots(input);
    if (slots.length === 0) {
      // Nobody resolvable (no manager on record, empty field): admins decide rather than the ticket stalling.
      slots = [{ kind: 'role', role: 'admin' }];
      events.push({ type: 'approval.no-approvers', data: { nodeId: node.id } });
    }
    const previous = ticket.approvals[node.id];
    const approval: ApprovalState = {
      mode: config.mode ?? 'single',
      round: step.visits,
      approvers: slots.map((slot) => ({ slot })),
    };
    if (previous !== undefined) {
      approval.history = [
        ...(previous.history ?? []),
        { round: previous.round, result: previous.result, approvers: previous.approvers },
      ];
    }
    const waiting = pendingIndexes(approval);
    return decided({
      next: { kind: 'wait', waitingFor: { kind: 'approval' } },
      approval,
      ...(config.status === undefined ? {} : { status: { key: config.status } }),
      events: [...events, { type: 'approval.requested', data: { nodeId: node.id, approvers: slots } }],
      effects: [notifyApprovers(approval, waiting, 'notify-approvers')],
    });
  },
  resume: (input, signal, actor) => {
    const { node, ticket, config } = input;
    const current = ticket.approvals[node.id];
    if (current === undefined || current.result !== undefined) {
      return refused(engineError('step.not-waiting', { command: signal.type }));
    }
    if (!['approve', 'reject', 'send-back', 'delegate'].includes(signal.type)) {
      return refused(engineError('step.not-waiting', { command: signal.type }));
    }
    const index = actorPendingIndex(current, actor);
    if (index === undefined) return refused(engineError('approval.not-approver', { nodeId: node.id }));
    const approval = copyJson(current);
    const record = approval.approvers[index] as ApproverRecord;
    const decidedAt = { decidedBy: actor.id, at: input.now };
    const withComment = (comment: string | undefined) => (comment === undefined ? {} : { comment });

    switch (signal.type) {
      case 'delegate': {
        if (config.allowDelegate === false) {
          return refused(engineError('approval.delegate-disabled', { nodeId: node.id }));
        }
        const target = signal.to;
        const alreadyAsked = approval.approvers.some(
          (other) =>
            other.decision === undefined && other.slot.kind === 'user' && other.slot.userId === target,
        );
        if (target === actor.id || target.length === 0 || alreadyAsked) {
          return refused(engineError('approval.delegate-target', { target }, 'to'));
        }
        record.delegatedFrom = [...(record.delegatedFrom ?? []), record.slot];
        record.slot = { kind: 'user', userId: target };
        return decided({
          next: { kind: 'wait', waitingFor: { kind: 'approval' } },
          approval,
          events: [
            {
              type: 'approval.delegated',
              data: { nodeId: node.id, by: actor.id, to: target, ...withComment(signal.comment) },
            },
          ],
          effects: [
            notifyApprovers(approval, [index], `notify-delegate-${index}-${record.delegatedFrom.length}`),
          ],
        });
      }
      case 'send-back': {
        if (config.allowSendBack === false) {
          return refused(engineError('approval.send-back-disabled', { nodeId: node.id }));
        }
        const allowed = input.env.earlierHumanSteps(node.id);
        if (!allowed.includes(signal.to)) {
          return refused(
            engineError(
              'approval.send-back-target',
              { target: signal.to, allowed: allowed.join(', ') },
              'to',
            ),
          );
        }
        Object.assign(record, { decision: 'sent-back', ...decidedAt, ...withComment(signal.comment) });
        skipUndecided(approval);
        approval.result = 'sent-back';
        return decided({
          next: { kind: 'jump', nodeId: signal.to },
          approval,
          step: { result: 'sent-back', outcome: 'sent-back' },
          events: [
            {
              type: 'approval.sent-back',
              data: { nodeId: node.id, by: actor.id, to: signal.to, ...withComment(signal.comment) },
            },
          ],
        });
      }
      default: {
        const decision = signal.type === 'approve' ? 'approved' : 'rejected';
        Object.assign(record, {
          decision,
          ...decidedAt,
          ...withComment('comment' in signal ? signal.comment : undefined),
        });
        const events: EventRequest[] = [
          { type: 'approval.decided', data: { nodeId: node.id, by: actor.id, slot: record.slot, decision } },
        ];
        const result = settle(approval);
        if (result === undefined) {
          const effects: EffectRequest[] = [];
          if (approval.mode === 'sequential') {
            effects.push(notifyApprovers(approval, pendingIndexes(approval), `notify-approver-${index + 1}`));
          }
          return decided({
            next: { kind: 'wait', waitingFor: { kind: 'approval' } },
            approval,
            events,
            effects,
          });
        }
        skipUndecided(approval);
        approval.result = result;
        events.push({ type: 'approval.completed', data: { nodeId: node.id, result } });
        return decided({
          next: config.branchOnResult === true ? { kind: 'leave', outcome: result } : { kind: 'leave' },
          approval,
          step: { result, outcome: result },
          events,
        });
      }
    }
  },
  signals: (input, actor) => {
    const current = input.ticket.approvals[input.node.id];
    if (current === undefined || current.result !== undefined) return [];
    if (actorPendingIndex(current, actor) === undefined) return [];
    const allowed: NodeSignal['type'][] = ['approve', 'reject'];
    if (input.config.allowDelegate !== false) allowed.push('delegate');
    if (input.config.allowSendBack !== false && input.env.earlierHumanSteps(input.node.id).length > 0) {
      allowed.push('send-back');
    }
    return allowed;
  },
};

function approverSlots({ config, ticket, env }: NodeInput<ApprovalConfig>): ApproverSlot[] {
  const { approvers } = config;
  const mode = config.mode ?? 'single';
  // Everyone must decide individually in these modes, so a role or team is expanded when its members are known.
  const expand = mode === 'all-of' || mode === 'sequential';
  const slots: ApproverSlot[] = [];
  const addUser = (userId: unknown) => {
    if (typeof userId === 'string' && userId.length > 0) slots.push({ kind: 'user', userId });
  };
  for (const userId of approvers.users ?? []) addUser(userId);
  if (approvers.requesterManager === true) addUser(ticket.requester.manager);
  if (approvers.field !== undefined) {
    const picked = ticket.data[approvers.field];
    if (Array.isArray(picked)) picked.forEach(addUser);
    else addUser(picked);
  }
  if (approvers.role !== undefined) {
    const members = expand ? env.roleMembers(approvers.role) : [];
    if (members.length > 0) members.forEach(addUser);
    else slots.push({ kind: 'role', role: approvers.role });
  }
  if (approvers.team !== undefined) {
    const members = expand ? env.teamMembers(approvers.team) : [];
    if (members.length > 0) members.forEach(addUser);
    else slots.push({ kind: 'team', team: approvers.team });
  }
  const seen = new Set<string>();
  return slots.filter((slot) => {
    const key = JSON.stringify(slot);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Indexes of approvers whose decision is awaited now. */
export function pendingIndexes(approval: ApprovalState): number[] {
  const undecided = approval.approvers.flatMap((record, index) =>
    record.decision === undefined ? [index] : [],
  );
  return approval.mode === 'sequential' ? undecided.slice(0, 1) : undecided;
}

export function slotMatches(slot: ApproverSlot, actor: SignalActor): boolean {
  if (actor.kind === 'requester') return false;
  if (slot.kind === 'user') return slot.userId === actor.id;
  if (slot.kind === 'role') return actor.roles.includes(slot.role);
  return actor.teams.includes(slot.team);
}

/** The approver record the actor decides for; admins decide for the first awaited approver. */
export function actorPendingIndex(approval: ApprovalState, actor: SignalActor): number | undefined {
  const pending = pendingIndexes(approval);
  const own = pending.find((index) => slotMatches((approval.approvers[index] as ApproverRecord).slot, actor));
  if (own !== undefined) return own;
  return isAdmin(actor) ? pending[0] : undefined;
}

function settle(approval: ApprovalState): 'approved' | 'rejected' | undefined {
  const decisions = approval.approvers.map((record) => record.decision);
  if (decisions.includes('rejected')) return 'rejected';
  if (approval.mode === 'single' || approval.mode === 'any-of') {
    return decisions.includes('approved') ? 'approved' : undefined;
  }
  return decisions.every((decision) => decision === 'approved') ? 'approved' : undefined;
}

function skipUndecided(approval: ApprovalState): void {
  for (const record of approval.approvers) if (record.decision === undefined) record.decision = 'skipped';
}

function notifyApprovers(approval: ApprovalState, indexes: number[], keySuffix: string): EffectRequest {
  return {
    kind: 'notify',
    keySuffix,
    payload: {
      template: 'approval-requested',
      recipients: indexes.map((index) => slotRecipient((approval.approvers[index] as ApproverRecord).slot)),
    },
  };
}

function slotRecipient(slot: ApproverSlot): Record<string, string> {
  if (slot.kind === 'user') return { user: slot.userId };
  if (slot.kind === 'role') return { role: slot.role };
  return { team: slot.team };
}
