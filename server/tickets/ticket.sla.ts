import type { TicketState } from '../../runtime/engine/types.js';
import type { BusinessCalendar } from '../../runtime/time/index.js';
import { NO_DUE, type SlaProjection } from './ticket.projection.js';
import type { LoadedDefinition } from './ticket.service.js';

/** A timer the ticket waits for: its key (what `timer-fired` names) and when it falls due. */
export interface DueTimer {
  key: string;
  at: number;
}

/** Flow timers: tokens waiting until an instant (wait steps, auto-close, reply time-outs, step SLAs). */
export function flowTimers(state: TicketState): DueTimer[] {
  const timers: DueTimer[] = [];
  for (const token of state.tokens ?? []) {
    const waiting = token.waitingFor;
    if (!waiting) continue;
    if ((waiting.kind === 'timer' || waiting.kind === 'confirm') && typeof waiting.at === 'number') {
      timers.push({ key: 'key' in waiting ? waiting.key : waiting.timerKey, at: waiting.at });
    } else if (waiting.kind === 'reply' && waiting.timerKey && typeof waiting.at === 'number') {
      timers.push({ key: waiting.timerKey, at: waiting.at });
    }
  }
  return timers;
}

/** SLA timers come from the SLA clocks (runtime/sla), wired in ticket.sla-clocks.ts. */
export function slaTimers(_state: TicketState): DueTimer[] {
  return [];
}

export function allTimers(state: TicketState): DueTimer[] {
  return [...flowTimers(state), ...slaTimers(state)];
}

export function slaProjection(
  state: TicketState,
  _definition: LoadedDefinition,
  _calendars: Record<string, BusinessCalendar>,
): SlaProjection & { nextTimerAt: Date | null } {
  const timers = allTimers(state);
  const next = timers.length ? Math.min(...timers.map((timer) => timer.at)) : null;
  return {
    firstResponseDueAt: null,
    resolutionDueAt: null,
    slaDueAt: NO_DUE,
    highlight: state.flags.highlight ?? null,
    firstResponseBreached: 0,
    resolutionBreached: 0,
    slaPaused: state.status.category === 'pending',
    nextTimerAt: next === null ? null : new Date(next),
  };
}

export function slaView(_state: TicketState): Record<string, unknown> {
  return { firstResponse: null, resolution: null };
}
