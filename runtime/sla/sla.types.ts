/**
 * SLA policy (what the analyst writes, the `sla` object of a ticket type) and SLA clocks (what a ticket stores:
 * plain JSON, versioned, recomputable from itself).
 */
import type { Duration, Instant, LocalizedText, StatusCategory } from '../common/types.js';

export const SLA_CLOCK_KINDS = ['firstResponse', 'resolution'] as const;
export type SlaClockKind = (typeof SLA_CLOCK_KINDS)[number];

export type SlaNotifyTarget = 'assignee' | 'supervisor' | { role: string };
export type SlaReassignTarget = 'backup-person' | 'backup-team' | { team: string };

/** One thing an escalation does; each object has exactly one of these keys. */
export type SlaAction =
  | { notify: SlaNotifyTarget }
  | { highlight: 'warning' | 'breached' }
  | { raisePriority: number }
  | { reassign: SlaReassignTarget };

export interface SlaEscalation {
  /** Stable name for explanations; the step key uses the escalation's position. */
  id?: string;
  /** Counted from the warning instant or from the breach instant. */
  at: 'warning' | 'breach';
  /** Delay after that instant, counted on the clock itself (it does not advance while the clock is paused). */
  after?: Duration;
  clock: SlaClockKind | 'any';
  do: SlaAction[];
  /** Held back to the next working instant of the policy calendar when it falls outside working time. */
  businessHoursOnly?: boolean;
}

export interface SlaTarget {
  id?: string;
  name?: LocalizedText;
  /** json-logic over the ticket (`priority`, `data.*`, `requester.*`, `channel`, `type`, …). */
  when: unknown;
  /** Calendar business units of this target are measured on; the policy calendar when absent. */
  calendar?: string;
  firstResponse?: Duration;
  resolution?: Duration;
}

export type SlaReopenRule = 'resume' | 'restart';

export interface SlaPolicy {
  /** Default calendar of business units, and the calendar `businessHoursOnly` escalations wait for. */
  calendar?: string;
  /** Status categories in which the clocks pause (default `['pending']`). */
  pauseIn?: StatusCategory[];
  /** Share of a target after which the clock warns (default 0.75). */
  warnAt?: number;
  /**
   * What reopening a resolved ticket does to the resolution clock: `resume` (default) carries on from the time
   * already used, `restart` starts a new full target from the reopening.
   */
  reopen?: SlaReopenRule;
  /** Ordered: the first target whose `when` holds applies. */
  targets: SlaTarget[];
  escalations?: SlaEscalation[];
}

export const DEFAULT_POLICY_CALENDAR = 'cn-standard';
export const DEFAULT_PAUSE_IN: readonly StatusCategory[] = ['pending'];
export const DEFAULT_WARN_AT = 0.75;

/** A period during which a clock ran. */
export interface SlaRun {
  from: Instant;
  /** Absent while the clock runs. */
  to?: Instant;
  /** Time counted in this run, in minutes of the clock's calendar (set when the run ends). */
  businessMinutes?: number;
}

export type SlaClockState = 'running' | 'paused' | 'stopped';
export type SlaStopReason = 'responded' | 'resolved' | 'closed' | 'cancelled';

export interface SlaClock {
  kind: SlaClockKind;
  state: SlaClockState;
  /** Start of the current cycle (ticket creation, or the reopening under the `restart` rule). */
  startedAt: Instant;
  /** 1, then 2, 3… each time the `restart` rule starts the clock again. */
  cycle: number;
  target: Duration;
  /** The target in minutes of `calendar`. */
  targetMinutes: number;
  /** Share of the target at which the clock warns (the policy's `warnAt` when the clock started). */
  warnFraction: number;
  /** Key of the calendar the clock counts on: `24x7` for calendar-time units, else the target's calendar. */
  calendar: string;
  /** Time counted by the runs that have ended, in minutes of `calendar`. */
  elapsedBusinessMinutes: number;
  /** Time spent paused, in minutes of `calendar`; the due time moved later by exactly this much. */
  pausedBusinessMinutes: number;
  runs: SlaRun[];
  runningSince?: Instant;
  pausedSince?: Instant;
  stoppedAt?: Instant;
  stopReason?: SlaStopReason;
  /**
   * When the target is (or was) reached: exact once reached; a projection while running; frozen while paused or
   * stopped (it moves later by the paused time on resume). `null` when it can never be reached (a calendar with
   * no working time).
   */
  dueAt: Instant | null;
  /** Same as `dueAt`, for the warning threshold. */
  warnAt: Instant | null;
  /** Set once the warning threshold is known to be passed: the instant it was passed. */
  warnedAt?: Instant;
  /** Set once the target is known to be missed: the instant it was missed (= the due time). */
  breachedAt?: Instant;
}

export const SLA_CLOCKS_VERSION = 1;

export interface SlaClocks {
  version: typeof SLA_CLOCKS_VERSION;
  /** Position of the applied target in `policy.targets`. */
  targetIndex: number;
  targetId?: string;
  /** The status category the clocks last saw. */
  status: StatusCategory;
  firstResponse?: SlaClock;
  resolution?: SlaClock;
  /** Keys of the warning, breach and escalation steps already decided (see `dueSteps`); each at most once. */
  stepsDone: string[];
}
