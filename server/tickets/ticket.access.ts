import { hasRole, isUser } from '../access/principal.js';
import type { AccessContext, RecordPolicy } from '../access/record-rules.js';
import { actorKeysOf } from './ticket.actors.js';
import type { TicketDoc } from './ticket.projection.js';

type TicketRecord = Pick<TicketDoc, 'requesterId' | 'watchers' | 'team' | 'assignee' | 'assistants'> &
  Partial<Pick<TicketDoc, 'awaitingApproval' | 'awaitingStep' | 'involved'>>;

/**
 * How a caller sees a ticket:
 * - `full`: admins, integrations holding `tickets:read`, its requester and watchers, and staff working it (its
 *   assignee, assistants, the members and supervisors of its team);
 * - `flow`: people its flow names and nobody else would let in — the approvers an open approval awaits, the
 *   assignee and team of every open task (each parallel branch, whatever team the ticket sits in), and after
 *   they acted, the approvers who decided and the people and teams who worked a step. They see what the fields
 *   rights of their steps allow (`fieldsHiddenFrom`), for as long as the flow names them, then the history of
 *   what they decided;
 * - `none`: 404, exactly as for a ticket that does not exist.
 */
export type TicketSight = 'full' | 'flow' | 'none';

const includesAny = (list: readonly string[] | undefined, keys: readonly string[]) =>
  list !== undefined && list.length > 0 && keys.some((key) => list.includes(key));

function worksAsTeam({ principal, teams }: AccessContext, ticket: TicketRecord): boolean {
  if (!hasRole(principal, 'agent')) return false;
  const me = principal.id;
  if (ticket.assignee === me || ticket.assistants.includes(me)) return true;
  return (
    ticket.team !== null && (teams.memberOf.includes(ticket.team) || teams.supervises.includes(ticket.team))
  );
}

export function ticketSight(context: AccessContext, ticket: TicketRecord): TicketSight {
  const { principal } = context;
  if (principal.kind === 'integration') return principal.scopes.includes('tickets:read') ? 'full' : 'none';
  if (hasRole(principal, 'admin')) return 'full';
  const me = principal.id;
  if (ticket.requesterId === me || ticket.watchers.includes(me)) return 'full';
  if (worksAsTeam(context, ticket)) return 'full';
  return includesAny(ticket.involved, actorKeysOf(context, { supervised: true })) ? 'flow' : 'none';
}

/**
 * Who sees a ticket (DESIGN.md §1): requesters their own and those they watch; agents their teams' and the ones
 * assigned to them or they were asked to help with; supervisors their teams'; admins all; integrations holding
 * `tickets:read`; and everyone its flow names (see `TicketSight`). Anyone else gets 404.
 */
export const ticketPolicy: RecordPolicy<TicketRecord> = {
  what: 'Ticket',
  canSee(context, ticket) {
    return ticketSight(context, ticket) !== 'none';
  },
  listFilter(context: AccessContext) {
    const { principal, teams } = context;
    if (principal.kind === 'integration') return principal.scopes.includes('tickets:read') ? {} : null;
    if (hasRole(principal, 'admin')) return {};
    const me = principal.id;
    const mine: Record<string, unknown>[] = [{ requesterId: me }, { watchers: me }];
    if (hasRole(principal, 'agent')) {
      mine.push({ assignee: me }, { assistants: me });
      const visibleTeams = [...new Set([...teams.memberOf, ...teams.supervises])];
      if (visibleTeams.length > 0) mine.push({ team: { $in: visibleTeams } });
    }
    mine.push({ involved: { $in: actorKeysOf(context, { supervised: true }) } });
    return { $or: mine };
  },
};

/**
 * Staff see internal comments and notes — those working the ticket, staff watching it, and whoever must act on it
 * now (an open approval or task names them): the engine lets each of them write internal notes, so they read them.
 * Requesters, watchers who are not staff, and people who acted on a step earlier do not.
 */
export function seesInternal(context: AccessContext, ticket: TicketRecord): boolean {
  const { principal } = context;
  if (principal.kind === 'integration') return principal.scopes.includes('tickets:read');
  if (!isUser(principal)) return false;
  if (hasRole(principal, 'admin')) return true;
  if (!hasRole(principal, 'agent')) return false;
  return (
    worksAsTeam(context, ticket) ||
    ticket.watchers.includes(principal.id) ||
    includesAny(ticket.awaitingStep, actorKeysOf(context, { supervised: true })) ||
    includesAny(ticket.awaitingApproval, actorKeysOf(context))
  );
}
