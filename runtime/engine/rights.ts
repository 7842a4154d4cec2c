/** Who may act on a ticket: the rules every command shares. */
import type { SignalActor } from '../flow/types.js';
import { actorPendingIndex } from '../flow/nodes/approval.node.js';
import type { Session } from './session.js';
import type { TicketState } from './types.js';

export const isAdmin = (actor: SignalActor): boolean => actor.roles.includes('admin');

export const isRequesterOf = (state: TicketState, actor: SignalActor): boolean =>
  actor.id === state.requester.id;

/** Staff: a signed-in user acting as agent (not the requester of this ticket, unless an admin). */
export const isStaff = (state: TicketState, actor: SignalActor): boolean =>
  actor.kind === 'user' && (!isRequesterOf(state, actor) || isAdmin(actor));

export function supervisesTicket(session: Session): boolean {
  const { draft, actor, context } = session;
  if (draft.team === undefined) return false;
  return context.teams?.[draft.team]?.supervisor === actor.id;
}

/**
 * Works the ticket: admins, its supervisor, assignee, team members, assistants, and whoever an open step is
 * assigned to or awaits (approvers).
 */
export function worksTicket(session: Session): boolean {
  const { draft, actor } = session;
  if (!isStaff(draft, actor)) return false;
  if (isAdmin(actor) || supervisesTicket(session)) return true;
  if (draft.assignee === actor.id || draft.assistants.includes(actor.id)) return true;
  if (draft.team !== undefined && actor.teams.includes(draft.team)) return true;
  for (const token of draft.tokens) {
    const step = draft.steps[token.nodeId];
    if (step === undefined || step.status !== 'active') continue;
    if (step.assignee === actor.id || (step.team !== undefined && actor.teams.includes(step.team)))
      return true;
    const approval = draft.approvals[token.nodeId];
    if (
      approval !== undefined &&
      approval.result === undefined &&
      actorPendingIndex(approval, actor) !== undefined
    ) {
      return true;
    }
  }
  return false;
}
