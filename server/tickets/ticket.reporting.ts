import type { WorkingHours } from '../../runtime/sla/index.js';
import type { TicketState } from '../../runtime/engine/types.js';
import { businessMinutesBetween, periodBuckets, type BusinessCalendar } from '../../runtime/time/index.js';
import {
  NO_DUE,
  OPEN_CATEGORIES,
  type ReportingProjection,
  type SlaProjection,
  type TicketDoc,
} from './ticket.projection.js';
import type { LoadedDefinition } from './ticket.service.js';
import { slaProjection } from './ticket.sla.js';

const minutes = (from: number, to: number) => Math.max(0, Math.round((to - from) / 60_000));

/**
 * The numbers reports group with `$sum` (DESIGN.md §8: FerretDB has no other accumulator): period buckets in the
 * type calendar's zone, durations in calendar and business minutes, and 0/1 flags. Kept current on every commit.
 */
export function projectSlaAndReporting(
  state: TicketState,
  definition: LoadedDefinition,
  calendars: Record<string, BusinessCalendar>,
  zone: string,
  hours?: WorkingHours,
): Partial<TicketDoc> {
  const sla: SlaProjection & { nextTimerAt: Date | null } = slaProjection(
    state,
    definition,
    calendars,
    hours,
  );
  const calendarKey = (definition.definition.sla as { calendar?: string } | undefined)?.calendar;
  const calendar =
    (calendarKey && calendars[calendarKey]) || calendars['cn-standard'] || Object.values(calendars)[0];
  const created = periodBuckets(state.createdAt, zone);
  const flags = state.flags;
  const resolvedAt = flags.resolvedAt;
  const resolvedBuckets = resolvedAt !== undefined ? periodBuckets(resolvedAt, zone) : undefined;
  const firstResponseAt = flags.firstResponseAt;
  const rating = flags.rating?.value;
  const resolvedNow = state.status.category === 'resolved' || state.status.category === 'closed';
  const breached = sla.firstResponseBreached === 1 || sla.resolutionBreached === 1 ? 1 : 0;
  const reporting: ReportingProjection = {
    createdDay: created.day,
    createdWeek: created.week,
    createdMonth: created.month,
    resolvedDay: resolvedBuckets?.day ?? null,
    resolvedWeek: resolvedBuckets?.week ?? null,
    resolvedMonth: resolvedBuckets?.month ?? null,
    firstResponseMinutes: firstResponseAt !== undefined ? minutes(state.createdAt, firstResponseAt) : null,
    firstResponseBusinessMinutes:
      firstResponseAt !== undefined && calendar
        ? Math.round(businessMinutesBetween(calendar, state.createdAt, firstResponseAt))
        : null,
    resolutionMinutes: resolvedAt !== undefined ? minutes(state.createdAt, resolvedAt) : null,
    resolutionBusinessMinutes:
      resolvedAt !== undefined && calendar
        ? Math.round(businessMinutesBetween(calendar, state.createdAt, resolvedAt))
        : null,
    resolved: resolvedNow ? 1 : 0,
    breached,
    slaMet: resolvedNow && breached === 0 ? 1 : 0,
    reopenCount: flags.reopenCount,
    transferCount: flags.transferCount,
    // First-contact resolution: resolved by the first assignee, never transferred nor reopened.
    fcr:
      resolvedNow && flags.transferCount === 0 && flags.reopenCount === 0 && flags.assignees.length <= 1
        ? 1
        : 0,
    rated: rating ? 1 : 0,
    satisfied: rating === 'satisfied' ? 1 : 0,
    neutral: rating === 'neutral' ? 1 : 0,
    dissatisfied: rating === 'dissatisfied' ? 1 : 0,
    open: OPEN_CATEGORIES.has(state.status.category) ? 1 : 0,
  };
  return { ...sla, highlight: flags.highlight ?? sla.highlight, ...reporting };
}

export { NO_DUE };
