/**
 * Shapes shared by every part of the runtime. The runtime is pure: no I/O, no clock of its own — time comes in
 * as epoch milliseconds from the caller (the server's clock, or a fake clock in tests).
 */

export type Locale = 'zh-CN' | 'en';

/** A text an analyst or a requester reads, in both shipped languages. */
export type LocalizedText = Record<Locale, string>;

/**
 * Why a decision was taken: a stable machine-readable code, the values it depended on, and a short sentence in
 * each language. Routing, priority, SLA targets, pauses and escalations all carry one.
 */
export interface Explanation {
  code: string;
  params?: Record<string, unknown>;
  text: LocalizedText;
}

/** A problem found in a definition or a command: a message key with its texts, and where it was found. */
export interface Problem {
  code: string;
  /** JSON pointer into the checked document, e.g. `/flow/nodes/3/data/outcomes`. */
  path: string;
  /** For flow problems, the node or edge the problem is about. */
  nodeId?: string;
  edgeId?: string;
  params?: Record<string, unknown>;
  text: LocalizedText;
}

export type Result<T, E = Problem> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });

/** Fixed status categories (DESIGN.md §4); ticket types name their own statuses inside each. */
export const STATUS_CATEGORIES = ['new', 'open', 'pending', 'resolved', 'closed', 'cancelled'] as const;
export type StatusCategory = (typeof STATUS_CATEGORIES)[number];

/** Priorities from most to least urgent. */
export const PRIORITIES = ['urgent', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const DURATION_UNITS = ['minutes', 'hours', 'calendarDays', 'businessHours', 'businessDays'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

/** An amount of time as an analyst writes it; business units are measured on a calendar. */
export interface Duration {
  amount: number;
  unit: DurationUnit;
}

/** Epoch milliseconds. Every instant crossing the runtime boundary is one. */
export type Instant = number;

/** Fill `{name}` placeholders of a message with params. */
export function formatMessage(template: string, params: Record<string, unknown> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

/** Build a localized text from a message table entry and params. */
export function localize(messages: LocalizedText, params: Record<string, unknown> = {}): LocalizedText {
  return { 'zh-CN': formatMessage(messages['zh-CN'], params), en: formatMessage(messages.en, params) };
}
