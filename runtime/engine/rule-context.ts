import type { Instant } from '../common/types.js';
import type { TicketState } from './types.js';

/**
 * What routing, priority, SLA and edge rules see of a ticket (DESIGN.md §3 "Rule contexts"): form values under
 * `data`, `requester.*`, `channel`, `type`, `priority`, `text` (title and description, for keywords),
 * `step.<node id>.*` (outcomes, approval results) and `now`.
 */
export function ticketRuleContext(state: TicketState, now: Instant): Record<string, unknown> {
  const step: Record<string, unknown> = {};
  for (const [nodeId, record] of Object.entries(state.steps)) {
    step[nodeId] = {
      status: record.status,
      visits: record.visits,
      ...(record.outcome === undefined ? {} : { outcome: record.outcome }),
      ...(record.result === undefined ? {} : { result: record.result }),
      ...(record.assignee === undefined ? {} : { assignee: record.assignee }),
    };
  }
  const title = typeof state.data.title === 'string' ? state.data.title : '';
  const description = typeof state.data.description === 'string' ? state.data.description : '';
  return {
    data: state.data,
    requester: state.requester,
    channel: state.channel,
    type: state.typeKey,
    priority: state.priority,
    status: state.status.key,
    statusCategory: state.status.category,
    team: state.team ?? null,
    assignee: state.assignee ?? null,
    tags: state.tags,
    text: `${title}\n${description}`.trim(),
    step,
    now,
  };
}
