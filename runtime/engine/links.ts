/**
 * `link` / `unlink`: records in other systems the ticket relates to (an ERP order, a CRM opportunity, an asset).
 * The people working the ticket, its requester and integrations may link; a requester may remove only the links
 * they added. A link is identified by system + type + id: `system` and `type` compare case-insensitively (`ERP`
 * and `erp` are one system), `id` exactly (ids are case-sensitive in many systems).
 */
import { engineError } from '../flow/messages.js';
import { OK, refuse, type Handler, type Outcome } from './handler.js';
import { isRequesterOf, worksTicket } from './rights.js';
import type { Session } from './session.js';
import type { OpenLink, TicketLink, TicketState } from './types.js';

/** A ticket is not a link directory: past this, links belong on a record of their own. */
export const MAX_LINKS = 100;

/** The ticket's links; states stored before links existed have none. */
export function linksOf(state: Pick<TicketState, 'links'>): TicketLink[] {
  return state.links ?? [];
}

type LinkKey = Pick<TicketLink, 'system' | 'type' | 'id'>;

const sameRecord = (left: LinkKey, right: LinkKey): boolean =>
  left.id === right.id &&
  left.system.toLowerCase() === right.system.toLowerCase() &&
  left.type.toLowerCase() === right.type.toLowerCase();

const trimmedKey = (command: LinkKey): LinkKey => ({
  system: command.system.trim(),
  type: command.type.trim(),
  id: command.id.trim(),
});

const mayLink = (session: Session): Outcome =>
  session.actor.kind === 'system' || worksTicket(session) || isRequesterOf(session.draft, session.actor)
    ? OK
    : refuse(engineError('actor.forbidden', { command: 'link' }));

/**
 * Add one link by the session's actor, with its `link.added` event; refused when the ticket has it already or is
 * full. `field` names where the link came from (`id` for `link`, `links/2/id` for an open's third link).
 */
export function addLink(session: Session, command: OpenLink, field = 'id'): Outcome {
  const { draft, actor, now } = session;
  const key = trimmedKey(command);
  const links = linksOf(draft);
  if (links.some((link) => sameRecord(link, key))) {
    return refuse(engineError('link.duplicate', key, field));
  }
  if (links.length >= MAX_LINKS) return refuse(engineError('link.too-many', { max: MAX_LINKS }));
  const url = command.url?.trim();
  const title = command.title?.trim();
  const link: TicketLink = {
    ...key,
    ...(url === undefined ? {} : { url }),
    ...(title === undefined ? {} : { title }),
    addedBy: actor.id,
    at: now,
  };
  draft.links = [...links, link];
  session.emit('link.added', { link });
  return OK;
}

export const linkHandlers: { link: Handler<'link'>; unlink: Handler<'unlink'> } = {
  link: {
    check: mayLink,
    run: (session, command) => addLink(session, command),
  },

  unlink: {
    check: (session) => {
      const allowed = mayLink(session);
      if (!allowed.ok) return refuse(engineError('actor.forbidden', { command: 'unlink' }));
      return linksOf(session.draft).length > 0 ? OK : refuse(engineError('link.none'));
    },
    run: (session, command) => {
      const { draft, actor } = session;
      const key = trimmedKey(command);
      const links = linksOf(draft);
      const link = links.find((candidate) => sameRecord(candidate, key));
      if (link === undefined) return refuse(engineError('link.not-found', key, 'id'));
      const staff = actor.kind === 'system' || worksTicket(session);
      if (!staff && link.addedBy !== actor.id) return refuse(engineError('link.not-yours', {}, 'id'));
      draft.links = links.filter((candidate) => candidate !== link);
      session.emit('link.removed', { link });
      return OK;
    },
  },
};
