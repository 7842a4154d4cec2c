/**
 * The SLA part of a simulation: which target applies and when first response and resolution fall due, on the
 * calendar each clock counts on, from the instant the sample is opened. The runtime's `startClocks` decides, as
 * it does for a real ticket; when the engine already started clocks on the simulated state, those are used.
 */
import type { Duration, Explanation, Instant } from '../../runtime/common/types.js';
import { ticketRuleContext, type TicketState } from '../../runtime/engine/index.js';
import {
  policyCalendarKey,
  startClocks,
  type SlaClock,
  type SlaClocks,
  type SlaPolicy,
} from '../../runtime/sla/index.js';
import { formatLocalDateTime, type BusinessCalendar } from '../../runtime/time/index.js';

export interface SlaPreview {
  targetIndex: number;
  targetId?: string;
  /** The calendar the target's business units are measured on (the target's, else the policy's). */
  calendar: string;
  firstResponse?: Duration;
  resolution?: Duration;
  firstResponseDueAt?: string;
  resolutionDueAt?: string;
  /** The due instants written in the zone of the clock's calendar (`2026-10-08 11:00`). */
  firstResponseDueLocal?: string;
  resolutionDueLocal?: string;
  /** Why this target applies. */
  explanation: Explanation;
  /** Targets skipped, and each clock started with its due time. */
  details: Explanation[];
}

function isPolicy(value: unknown): value is SlaPolicy {
  return typeof value === 'object' && value !== null && Array.isArray((value as SlaPolicy).targets);
}

function isClocks(value: unknown): value is SlaClocks {
  return typeof value === 'object' && value !== null && typeof (value as SlaClocks).targetIndex === 'number';
}

export function previewSla(
  policy: unknown,
  state: TicketState,
  openedAt: Instant,
  calendars: Record<string, BusinessCalendar>,
): SlaPreview | undefined {
  if (!isPolicy(policy)) return undefined;
  const env = { now: openedAt, calendars };
  const started = startClocks(policy, ticketRuleContext(state, openedAt), openedAt, env, 'new');
  const clocks = isClocks(state.sla) ? state.sla : started.clocks;
  if (!clocks) return undefined;
  const target = policy.targets[clocks.targetIndex];

  const dueOf = (clock: SlaClock | undefined, name: 'firstResponse' | 'resolution') => {
    if (clock?.dueAt === null || clock?.dueAt === undefined) return {};
    const zone = calendars[clock.calendar]?.zone ?? 'Asia/Shanghai';
    return {
      [`${name}DueAt`]: new Date(clock.dueAt).toISOString(),
      [`${name}DueLocal`]: formatLocalDateTime(clock.dueAt, zone),
    };
  };
  return {
    targetIndex: clocks.targetIndex,
    ...(clocks.targetId === undefined ? {} : { targetId: clocks.targetId }),
    calendar: target?.calendar ?? policyCalendarKey(policy),
    ...(target?.firstResponse === undefined ? {} : { firstResponse: target.firstResponse }),
    ...(target?.resolution === undefined ? {} : { resolution: target.resolution }),
    ...dueOf(clocks.firstResponse, 'firstResponse'),
    ...dueOf(clocks.resolution, 'resolution'),
    explanation: started.selection.explanation,
    details: started.explanations.filter((explanation) => explanation !== started.selection.explanation),
  };
}
