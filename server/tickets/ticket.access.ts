import { hasRole, isUser } from '../access/principal.js';
import type { AccessContext, RecordPolicy } from '../access/record-rules.js';
import type { TicketDoc } from './ticket.projection.js';

type TicketRecord = Pick<TicketDoc, 'requesterId' | 'watchers' | 'team' | 'assignee' | 'assistants'>;

/**
 * Who sees a ticket (DESIGN.md §1, issue "Ticket service" §7): requesters their own and those they watch; agents
 * their teams' and the ones assigned to them or they were asked to help with; supervisors their teams'; admins
 * all; integrations holding `tickets:read`. Anyone else gets 404, exactly as for a ticket that does not exist.
 */
export const ticketPolicy: RecordPolicy<TicketRecord> = {
  what: 'Ticket',
  canSee({ principal, teams }, ticket) {
    if (principal.kind === 'integration') return principal.scopes.includes('tickets:read');
    if (hasRole(principal, 'admin')) return true;
    const me = principal.id;
    if (ticket.requesterId === me || ticket.watchers.includes(me)) return true;
    if (!hasRole(principal, 'agent')) return false;
    if (ticket.assignee === me || ticket.assistants.includes(me)) return true;
    return (
      ticket.team !== null && (teams.memberOf.includes(ticket.team) || teams.supervises.includes(ticket.team))
    );
  },
  listFilter({ principal, teams }: AccessContext) {
    if (principal.kind === 'integration') return principal.scopes.includes('tickets:read') ? {} : null;
    if (hasRole(principal, 'admin')) return {};
    const me = principal.id;
    const mine: Record<string, unknown>[] = [{ requesterId: me }, { watchers: me }];
    if (hasRole(principal, 'agent')) {
      mine.push({ assignee: me }, { assistants: me });
      const visibleTeams = [...new Set([...teams.memberOf, ...teams.supervises])];
      if (visibleTeams.length > 0) mine.push({ team: { $in: visibleTeams } });
    }
    return { $or: mine };
  },
};

/** Staff see internal comments and notes; requesters and watchers who are not staff never do. */
export function seesInternal(context: AccessContext, ticket: TicketRecord): boolean {
  const { principal, teams } = context;
  if (principal.kind === 'integration') return principal.scopes.includes('tickets:read');
  if (!isUser(principal)) return false;
  if (hasRole(principal, 'admin')) return true;
  if (!hasRole(principal, 'agent')) return false;
  const me = principal.id;
  return (
    ticket.assignee === me ||
    ticket.assistants.includes(me) ||
    (ticket.team !== null && (teams.memberOf.includes(ticket.team) || teams.supervises.includes(ticket.team)))
  );
}
