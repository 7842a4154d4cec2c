import type { FastifyRequest } from 'fastify';
import { forbidden, notFound, unauthorized } from '../lib/problem.js';
import type { Principal } from './principal.js';

/** The teams a person works in or supervises, by team key. */
export interface TeamMemberships {
  memberOf: string[];
  supervises: string[];
}

/** What per-record rules decide from: the caller and, for people, their teams. */
export interface AccessContext {
  principal: Principal;
  teams: TeamMemberships;
}

/**
 * Who may see and change one kind of record. A service declares one policy per record kind (ticket, article…)
 * and every route asks it, so the rule lives in one place:
 *
 *   export const ticketPolicy: RecordPolicy<TicketRecord> = {
 *     what: 'Ticket',
 *     canSee: ({ principal, teams }, ticket) =>
 *       hasRole(principal, 'admin') ||
 *       (isUser(principal) && ticket.requesterId.equals(principal.id)) ||
 *       (hasRole(principal, 'agent') && teams.memberOf.includes(ticket.team)),
 *     listFilter: ({ principal, teams }) => hasRole(principal, 'admin') ? {} : { $or: [...] },
 *   };
 *
 *   const ticket = requireVisible(await accessContextOf(request), ticketPolicy, await Ticket.findById(id));
 *
 * A record the caller may not see answers 404 exactly like a missing one, so ids reveal nothing; a record the
 * caller may see but not change answers 403.
 */
export interface RecordPolicy<R> {
  /** Names the record in the 404 message, e.g. `Ticket`. */
  what: string;
  canSee(context: AccessContext, record: R): boolean;
  /** Omitted: whoever may see the record may change it (route-level roles still apply). */
  canChange?(context: AccessContext, record: R): boolean;
  /** The database filter selecting exactly the records `canSee` allows, for lists; null: none at all. */
  listFilter?(context: AccessContext): Record<string, unknown> | null;
}

/** The record, when it exists and the caller may see it; otherwise 404. */
export function requireVisible<R>(
  context: AccessContext,
  policy: RecordPolicy<R>,
  record: R | null | undefined,
): R {
  if (record === null || record === undefined || !policy.canSee(context, record)) throw notFound(policy.what);
  return record;
}

/** The record, when the caller may change it; 404 when they may not even see it, 403 when only seeing. */
export function requireChangeable<R>(
  context: AccessContext,
  policy: RecordPolicy<R>,
  record: R | null | undefined,
): R {
  const visible = requireVisible(context, policy, record);
  if (policy.canChange && !policy.canChange(context, visible)) throw forbidden();
  return visible;
}

const contexts = new WeakMap<FastifyRequest, Promise<AccessContext>>();

/** The caller's access context, loaded once per request. 401 when nobody is signed in. */
export function accessContextOf(request: FastifyRequest): Promise<AccessContext> {
  const principal = request.principal;
  if (!principal) return Promise.reject(unauthorized());
  let context = contexts.get(request);
  if (!context) {
    context =
      principal.kind === 'user'
        ? request.server.accessCache.teamsOf(principal.id).then((teams) => ({ principal, teams }))
        : Promise.resolve({ principal, teams: { memberOf: [], supervises: [] } });
    contexts.set(request, context);
  }
  return context;
}
