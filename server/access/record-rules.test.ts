import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../lib/problem.js';
import { hasRole, isUser, type IntegrationPrincipal, type UserPrincipal } from './principal.js';
import { requireChangeable, requireVisible, type AccessContext, type RecordPolicy } from './record-rules.js';

// The shape the ticket service will give its policy: requesters see their own tickets, agents their teams',
// admins all; anybody else's ticket is "not found"; only the assignee or an admin changes it.
interface SampleTicket {
  requesterId: string;
  team: string;
  assigneeId?: string;
}
const ticketPolicy: RecordPolicy<SampleTicket> = {
  what: 'Ticket',
  canSee: ({ principal, teams }, ticket) =>
    hasRole(principal, 'admin') ||
    (isUser(principal) && ticket.requesterId === principal.id) ||
    (hasRole(principal, 'agent') && teams.memberOf.includes(ticket.team)),
  canChange: ({ principal }, ticket) =>
    hasRole(principal, 'admin') || (isUser(principal) && ticket.assigneeId === principal.id),
  listFilter: ({ principal, teams }) => {
    if (hasRole(principal, 'admin')) return {};
    if (!isUser(principal)) return null;
    return { $or: [{ requesterId: principal.id }, { team: { $in: teams.memberOf } }] };
  },
};

const user = (id: string, ...roles: UserPrincipal['roles']): UserPrincipal => ({
  kind: 'user',
  id,
  username: id,
  displayName: id,
  roles,
  locale: 'en',
  sessionId: 'hash',
});
const context = (
  principal: UserPrincipal | IntegrationPrincipal,
  memberOf: string[] = [],
): AccessContext => ({
  principal,
  teams: { memberOf, supervises: [] },
});
const ticket: SampleTicket = { requesterId: 'requester-1', team: 'network', assigneeId: 'agent-1' };

function statusOf(action: () => unknown): number | 'ok' {
  try {
    action();
    return 'ok';
  } catch (error) {
    if (error instanceof HttpProblem) return error.status;
    throw error;
  }
}

describe('requireVisible', () => {
  it('lets the requester see their own ticket', () => {
    expect(requireVisible(context(user('requester-1', 'requester')), ticketPolicy, ticket)).toBe(ticket);
  });

  it("lets an agent of the ticket's team see it", () => {
    expect(
      statusOf(() => requireVisible(context(user('agent-2', 'agent'), ['network']), ticketPolicy, ticket)),
    ).toBe('ok');
  });

  it("answers another requester's ticket with 404, exactly like a missing one", () => {
    const someoneElse = context(user('requester-2', 'requester'));
    expect(statusOf(() => requireVisible(someoneElse, ticketPolicy, ticket))).toBe(404);
    expect(statusOf(() => requireVisible(someoneElse, ticketPolicy, null))).toBe(404);
  });

  it('answers an agent of another team with 404', () => {
    expect(
      statusOf(() => requireVisible(context(user('agent-3', 'agent'), ['hr']), ticketPolicy, ticket)),
    ).toBe(404);
  });
});

describe('requireChangeable', () => {
  it('lets the assignee change the ticket', () => {
    expect(
      statusOf(() => requireChangeable(context(user('agent-1', 'agent'), ['network']), ticketPolicy, ticket)),
    ).toBe('ok');
  });

  it('answers 403 to someone who sees the ticket but may not change it', () => {
    expect(
      statusOf(() => requireChangeable(context(user('agent-2', 'agent'), ['network']), ticketPolicy, ticket)),
    ).toBe(403);
  });

  it('answers 404, not 403, to someone who may not even see it', () => {
    expect(
      statusOf(() => requireChangeable(context(user('requester-2', 'requester')), ticketPolicy, ticket)),
    ).toBe(404);
  });
});

describe('listFilter', () => {
  it('selects what canSee allows', () => {
    expect(ticketPolicy.listFilter!(context(user('a', 'admin')))).toEqual({});
    expect(ticketPolicy.listFilter!(context(user('agent-2', 'agent'), ['network']))).toEqual({
      $or: [{ requesterId: 'agent-2' }, { team: { $in: ['network'] } }],
    });
    expect(
      ticketPolicy.listFilter!(
        context({ kind: 'integration', id: 'k', name: 'k', scopes: ['tickets:read'] }),
      ),
    ).toBeNull();
  });
});
