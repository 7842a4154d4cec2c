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

/**
 * A message template cut at its `{name}` placeholders: texts at even indexes, placeholder names at odd ones
 * (`'a {x} b'` → `['a ', 'x', ' b']`).
 */
type TemplateParts = readonly string[];

/** Bound on the templates remembered: message tables hold a few hundred; anything else is not worth keeping. */
const TEMPLATE_CACHE_LIMIT = 2048;
const templateParts = new Map<string, TemplateParts>();

/** The parts of a template, cut once per template text (every explanation fills a few; each used to re-scan). */
export function partsOfTemplate(template: string): TemplateParts {
  let parts = templateParts.get(template);
  if (parts === undefined) {
    parts = template.split(/\{(\w+)\}/);
    if (templateParts.size >= TEMPLATE_CACHE_LIMIT) templateParts.clear();
    templateParts.set(template, parts);
  }
  return parts;
}

/** Fill template parts with `valueOf(name)`; a name it has no value for (`undefined`) stays as written. */
export function fillTemplate(parts: TemplateParts, valueOf: (name: string) => string | undefined): string {
  let text = parts[0] ?? '';
  for (let index = 1; index < parts.length; index += 2) {
    const name = parts[index] as string;
    text += (valueOf(name) ?? `{${name}}`) + (parts[index + 1] as string);
  }
  return text;
}

const hasOwn = (object: object, name: string): boolean => Object.prototype.hasOwnProperty.call(object, name);
const isOwnEnumerable = (object: object, name: string): boolean =>
  Object.prototype.propertyIsEnumerable.call(object, name);

/** Fill `{name}` placeholders of a message with params. */
export function formatMessage(template: string, params: Record<string, unknown> = {}): string {
  return fillTemplate(partsOfTemplate(template), (name) =>
    hasOwn(params, name) ? String(params[name]) : undefined,
  );
}

function isLocalizedText(value: unknown): value is LocalizedText {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['zh-CN'] === 'string' &&
    typeof (value as Record<string, unknown>).en === 'string'
  );
}

/**
 * Fill a message in one language, a param that is itself a LocalizedText read in that language. The same text as
 * `formatMessage(template, copy)` where `copy` maps each own enumerable param so, without building the copy.
 */
export function formatMessageIn(locale: Locale, template: string, params: Record<string, unknown>): string {
  return fillTemplate(partsOfTemplate(template), (name) => {
    if (!isOwnEnumerable(params, name)) return undefined;
    const value = params[name];
    return String(isLocalizedText(value) ? value[locale] : value);
  });
}

/**
 * `formatMessageIn(locale, template, { ...params, ...overrides })` without building the merged object (explanations
 * merge their params with wording texts on every decide, and a spread over many shapes is slow in V8).
 */
export function formatMessageInLayers(
  locale: Locale,
  template: string,
  params: Record<string, unknown>,
  overrides: Record<string, unknown>,
): string {
  return fillTemplate(partsOfTemplate(template), (name) => {
    let value: unknown;
    if (isOwnEnumerable(overrides, name)) value = overrides[name];
    else if (isOwnEnumerable(params, name)) value = params[name];
    else return undefined;
    return String(isLocalizedText(value) ? value[locale] : value);
  });
}

/** Build a localized text from a message table entry and params. */
export function localize(messages: LocalizedText, params: Record<string, unknown> = {}): LocalizedText {
  return { 'zh-CN': formatMessage(messages['zh-CN'], params), en: formatMessage(messages.en, params) };
}
