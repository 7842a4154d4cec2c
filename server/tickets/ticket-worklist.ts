import type { TicketState } from '../../runtime/engine/types.js';
import type { AccessContext } from '../access/record-rules.js';
import { actorKeysOf, fieldsHiddenFrom, nodesNaming, withoutFields } from './ticket.actors.js';
import type { TicketSight } from './ticket.access.js';

/**
 * The caller's work list as a filter on the projection: `approval` (approvals awaiting me or a team I work in),
 * `step` (open tasks assigned to me or my teams), `me` (either); `involved=me`: every ticket whose flow names me,
 * now or before. Undefined when neither is asked; a filter matching nothing for integrations (they are nobody).
 */
export function awaitingFilter(
  context: AccessContext,
  awaiting: string | undefined,
  involved: string | undefined,
): Record<string, unknown> | undefined {
  if (awaiting === undefined && involved === undefined) return undefined;
  const keys = actorKeysOf(context);
  const parts: Record<string, unknown>[] = [];
  if (awaiting === 'approval') parts.push({ awaitingApproval: { $in: keys } });
  else if (awaiting === 'step') parts.push({ awaitingStep: { $in: keys } });
  else if (awaiting === 'me')
    parts.push({ $or: [{ awaitingApproval: { $in: keys } }, { awaitingStep: { $in: keys } }] });
  if (involved === 'me') parts.push({ involved: { $in: actorKeysOf(context, { supervised: true }) } });
  return parts.length === 1 ? parts[0] : { $and: parts };
}

type Shown = <T extends Record<string, unknown>>(data: T) => T;
const everything: Shown = (data) => data;

/**
 * What of the form data the caller may read: everything, unless they see the ticket only because its flow names
 * them — then what the field rights of their steps allow (fields hidden at each of their steps are not sent).
 */
export function fieldsShownTo(
  context: AccessContext,
  sight: TicketSight,
  state: TicketState,
  definition: Record<string, unknown> | undefined,
): Shown {
  if (sight !== 'flow' || definition === undefined) return everything;
  const hidden = fieldsHiddenFrom(definition, nodesNaming(context, state));
  return hidden.size === 0 ? everything : (data) => withoutFields(data, hidden);
}

/** An audit event with the form values the caller may not read taken out (opening values, changed fields). */
export function redactEvent<E extends { type: string; data?: Record<string, unknown> }>(
  event: E,
  shown: Shown,
): E {
  if (shown === everything || event.data === undefined) return event;
  const data = event.data;
  if (event.type === 'ticket.opened') {
    const after = data.after as { data?: Record<string, unknown> } | undefined;
    if (after?.data === undefined) return event;
    return { ...event, data: { ...data, after: { ...after, data: shown(after.data) } } };
  }
  if (event.type === 'data.changed') {
    const before = (data.before ?? {}) as Record<string, unknown>;
    const after = (data.after ?? {}) as Record<string, unknown>;
    return { ...event, data: { ...data, before: shown(before), after: shown(after) } };
  }
  if (event.type === 'data.submitted' && Array.isArray(data.fields)) {
    const kept = Object.keys(shown(Object.fromEntries((data.fields as string[]).map((key) => [key, true]))));
    return { ...event, data: { ...data, fields: kept } };
  }
  return event;
}
