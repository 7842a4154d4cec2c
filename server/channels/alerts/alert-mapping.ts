import { createHash } from 'node:crypto';
import type { LocalizedText } from '../../../runtime/common/types.js';
import { prepareRule, type PreparedRule } from '../../../runtime/rules/index.js';

/**
 * From a monitoring system's payload to the alerts Ordo works with: the presets (Prometheus Alertmanager's v4
 * webhook, a generic JSON alert) and custom mappings (JSON paths and json-logic). Pure: no database, no clock.
 */

export type AlertStatus = 'firing' | 'resolved';
export const PRIORITIES = ['urgent', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const PRESETS = ['alertmanager', 'generic', 'custom'] as const;
export type MappingPreset = (typeof PRESETS)[number];

/** One alert, whatever sent it. */
export interface NormalizedAlert {
  fingerprint: string;
  status: AlertStatus;
  title: string;
  description: string;
  severity: string;
  startsAt?: string;
  endsAt?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** A link back to the monitoring system (Alertmanager's generatorURL). */
  url?: string;
}

/** A mapped value: a JSON path into the alert (`$.labels.severity`) or a json-logic expression over it. */
export type MappingExpression = { path: string } | { logic: unknown };

export interface CustomMapping {
  /** Where the alerts are in the payload (`$.alerts`); absent: the payload is one alert. */
  items?: string;
  fingerprint: MappingExpression;
  title: MappingExpression;
  status?: MappingExpression;
  description?: MappingExpression;
  severity?: MappingExpression;
  startsAt?: MappingExpression;
  endsAt?: MappingExpression;
  labels?: MappingExpression;
  annotations?: MappingExpression;
  url?: MappingExpression;
}

export const MAPPED_FIELDS = [
  'fingerprint',
  'title',
  'status',
  'description',
  'severity',
  'startsAt',
  'endsAt',
  'labels',
  'annotations',
  'url',
] as const;

/** A payload that does not match its mapping: the path that failed, and why in both languages. */
export class MappingError extends Error {
  constructor(
    readonly field: string,
    readonly text: LocalizedText,
    readonly code = 'alert.mapping',
  ) {
    super(text.en);
  }
}

const TITLE_MAX = 200;
const DESCRIPTION_MAX = 20_000;
const FINGERPRINT_MAX = 200;
const MAX_ALERTS = 1000;

// ---------------------------------------------------------------------------------------------- JSON paths

/** A property name, an array index, or WILDCARD (`[*]`). */
type Segment = string | number;
const WILDCARD = -1;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parse a JSON path of the simple kind monitoring payloads need: `$`, `.name`, `['name']`, `[0]`, `[*]` (items
 * only). A leading `$` is optional (`labels.severity` = `$.labels.severity`). Answers the segments, or why not.
 */
export function parsePath(text: string): { ok: true; segments: Segment[] } | { ok: false; reason: string } {
  const source = text.trim();
  if (source.length === 0 || source.length > 300) return { ok: false, reason: 'empty or longer than 300' };
  let rest = source.startsWith('$') ? source.slice(1) : `.${source}`;
  const segments: Segment[] = [];
  while (rest.length > 0) {
    let match: RegExpExecArray | null;
    if ((match = /^\.([A-Za-z_][A-Za-z0-9_-]*)/.exec(rest))) segments.push(match[1]!);
    else if ((match = /^\[(\d{1,6})\]/.exec(rest))) segments.push(Number(match[1]));
    else if ((match = /^\[\*\]/.exec(rest))) segments.push(WILDCARD);
    else if (
      (match = /^\['((?:[^'\\]|\\.)*)'\]/.exec(rest)) ||
      (match = /^\["((?:[^"\\]|\\.)*)"\]/.exec(rest))
    )
      segments.push(match[1]!.replace(/\\(.)/g, '$1'));
    else return { ok: false, reason: `cannot read "${rest.slice(0, 20)}"` };
    if (typeof segments.at(-1) === 'string' && FORBIDDEN.has(segments.at(-1) as string))
      return { ok: false, reason: `"${String(segments.at(-1))}" is not allowed` };
    rest = rest.slice(match[0].length);
  }
  return { ok: true, segments };
}

function readSegments(root: unknown, segments: Segment[]): unknown {
  let current = root;
  for (const segment of segments) {
    if (segment === WILDCARD) continue;
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (Array.isArray(current) || !Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}

/** The value at a JSON path (undefined when any step is missing); throws on a path that cannot be parsed. */
export function readPath(root: unknown, path: string): unknown {
  const parsed = parsePath(path);
  if (!parsed.ok) throw new Error(`Invalid path ${path}: ${parsed.reason}`);
  return readSegments(root, parsed.segments);
}

// ---------------------------------------------------------------------------------------------- expressions

const preparedRules = new Map<string, PreparedRule>();

function preparedLogic(logic: unknown): PreparedRule {
  const key = JSON.stringify(logic);
  let rule = preparedRules.get(key);
  if (!rule) {
    const prepared = prepareRule(logic);
    if (!prepared.ok) throw new Error(prepared.error.text.en);
    rule = prepared.value;
    if (preparedRules.size > 500) preparedRules.clear();
    preparedRules.set(key, rule);
  }
  return rule;
}

/** Problems of a mapping expression as written (for saving a channel), named under `field`. */
export function expressionProblem(expression: unknown, field: string): MappingError | undefined {
  if (typeof expression !== 'object' || expression === null)
    return new MappingError(field, {
      'zh-CN': '映射须为 {"path": …} 或 {"logic": …}',
      en: 'A mapping is {"path": …} or {"logic": …}',
    });
  if ('path' in expression) {
    const path = expression.path;
    const parsed = parsePath(typeof path === 'string' ? path : '');
    if (!parsed.ok)
      return new MappingError(`${field}.path`, {
        'zh-CN': `JSON 路径无法解析：${parsed.reason}`,
        en: `The JSON path cannot be read: ${parsed.reason}`,
      });
    return undefined;
  }
  const prepared = prepareRule((expression as { logic: unknown }).logic);
  if (!prepared.ok)
    return new MappingError(`${field}.logic`, {
      'zh-CN': `json-logic 表达式有误：${prepared.error.text['zh-CN']}`,
      en: `The json-logic expression is not valid: ${prepared.error.text.en}`,
    });
  return undefined;
}

/** What an expression finds in `document`, and a name for it in errors (`$.labels.x` or `logic`). */
export function evaluate(
  expression: MappingExpression,
  document: unknown,
): { value: unknown; source: string } {
  if ('path' in expression) return { value: readPath(document, expression.path), source: expression.path };
  const result = preparedLogic(expression.logic).evaluate(document);
  return { value: result.ok ? result.value : undefined, source: 'logic' };
}

// ---------------------------------------------------------------------------------------------- normalising

const text = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : undefined;

const clip = (value: string, max: number) => (value.length > max ? `${value.slice(0, max - 1)}…` : value);

const FIRING = new Set(['firing', 'problem', 'alerting', 'triggered', 'trigger', 'open', 'active']);
const RESOLVED = new Set([
  'resolved',
  'ok',
  'recovered',
  'recovery',
  'closed',
  'normal',
  'inactive',
  'cleared',
]);

function statusOf(value: unknown, field: string): AlertStatus {
  if (value === undefined || value === null || value === '') return 'firing';
  const word = text(value)?.trim().toLowerCase() ?? '';
  if (FIRING.has(word)) return 'firing';
  if (RESOLVED.has(word)) return 'resolved';
  throw new MappingError(field, {
    'zh-CN': `无法识别告警状态“${clip(String(word), 40)}”（应为 firing 或 resolved）`,
    en: `The alert status "${clip(String(word), 40)}" is not known (firing or resolved)`,
  });
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new MappingError(field, { 'zh-CN': '应为键值对象', en: 'Expected an object of names and values' });
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    const entryText = text(entry);
    // Stored as data: no operator or dotted keys; values kept short.
    if (entryText === undefined || key.startsWith('$') || key.includes('.') || key.length > 100) continue;
    map[key] = clip(entryText, 1000);
  }
  return map;
}

/** An instant as ISO 8601, or undefined for none (Alertmanager's zero time `0001-01-01T00:00:00Z` is none). */
function instantOf(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const parsed =
    typeof value === 'number'
      ? new Date(value < 1e12 ? value * 1000 : value)
      : new Date(text(value) ?? 'invalid');
  if (Number.isNaN(parsed.getTime()))
    throw new MappingError(field, { 'zh-CN': '不是有效的时间', en: 'Not a valid date and time' });
  if (parsed.getUTCFullYear() < 1970) return undefined;
  return parsed.toISOString();
}

function required(value: unknown, field: string, what: LocalizedText): string {
  const found = text(value)?.trim();
  if (!found)
    throw new MappingError(
      field,
      { 'zh-CN': `缺少${what['zh-CN']}`, en: `The ${what.en} is missing` },
      'alert.mapping.missing',
    );
  return found;
}

/** Alertmanager's own fingerprint when a sender leaves it out: a hash of the sorted labels. */
export function labelsFingerprint(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((key) => `${key}\u0000${labels[key]}`)
    .join('\u0001');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new MappingError(field, { 'zh-CN': '应为 JSON 对象', en: 'Expected a JSON object' });
  return value as Record<string, unknown>;
}

function alertList(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value))
    throw new MappingError(field, { 'zh-CN': '应为告警数组', en: 'Expected an array of alerts' });
  if (value.length === 0)
    throw new MappingError(field, { 'zh-CN': '告警数组为空', en: 'The array of alerts is empty' });
  if (value.length > MAX_ALERTS)
    throw new MappingError(field, {
      'zh-CN': `一次最多 ${MAX_ALERTS} 条告警`,
      en: `At most ${MAX_ALERTS} alerts at a time`,
    });
  return value;
}

function alertmanagerAlerts(payload: unknown): NormalizedAlert[] {
  const body = asObject(payload, 'body');
  const groupStatus = body.status;
  return alertList(body.alerts, 'body.alerts').map((raw, index) => {
    const at = `body.alerts.${index}`;
    const alert = asObject(raw, at);
    const labels = stringMap(alert.labels, `${at}.labels`);
    const annotations = stringMap(alert.annotations, `${at}.annotations`);
    if (Object.keys(labels).length === 0)
      throw new MappingError(`${at}.labels`, {
        'zh-CN': '告警没有标签（labels）',
        en: 'The alert has no labels',
      });
    const name = labels.alertname ?? 'alert';
    const summary = annotations.summary ?? annotations.title;
    const where = labels.instance ?? labels.job;
    const title = summary ? `${name}: ${summary}` : where ? `${name} (${where})` : name;
    return {
      fingerprint: clip(text(alert.fingerprint)?.trim() || labelsFingerprint(labels), FINGERPRINT_MAX),
      status: statusOf(alert.status ?? groupStatus, `${at}.status`),
      title: clip(title, TITLE_MAX),
      description: clip(annotations.description ?? annotations.message ?? summary ?? title, DESCRIPTION_MAX),
      severity: (labels.severity ?? labels.priority ?? 'none').toLowerCase(),
      ...optional('startsAt', instantOf(alert.startsAt, `${at}.startsAt`)),
      ...optional('endsAt', instantOf(alert.endsAt, `${at}.endsAt`)),
      labels,
      annotations,
      ...optional('url', text(alert.generatorURL)),
    };
  });
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

function genericAlert(raw: unknown, at: string): NormalizedAlert {
  const alert = asObject(raw, at);
  const labels = stringMap(alert.labels ?? alert.tags, `${at}.labels`);
  const title = required(alert.title ?? alert.summary ?? alert.name, `${at}.title`, {
    'zh-CN': '告警标题（title）',
    en: 'alert title (title)',
  });
  const fingerprintField = ['fingerprint', 'dedupKey', 'id', 'key'].find((key) => text(alert[key]));
  const fingerprint = fingerprintField
    ? text(alert[fingerprintField])!.trim()
    : required(undefined, `${at}.fingerprint`, {
        'zh-CN': '去重指纹（fingerprint）',
        en: 'fingerprint used to merge repeats (fingerprint)',
      });
  return {
    fingerprint: clip(fingerprint, FINGERPRINT_MAX),
    status: statusOf(alert.status ?? alert.state, `${at}.status`),
    title: clip(title, TITLE_MAX),
    description: clip(text(alert.description ?? alert.message) ?? title, DESCRIPTION_MAX),
    severity: (text(alert.severity ?? alert.priority) ?? 'none').toLowerCase(),
    ...optional('startsAt', instantOf(alert.startsAt ?? alert.timestamp, `${at}.startsAt`)),
    ...optional('endsAt', instantOf(alert.endsAt, `${at}.endsAt`)),
    labels,
    annotations: stringMap(alert.annotations, `${at}.annotations`),
    ...optional('url', text(alert.url ?? alert.link)),
  };
}

function genericAlerts(payload: unknown): NormalizedAlert[] {
  const body = asObject(payload, 'body');
  if (Array.isArray(body.alerts))
    return alertList(body.alerts, 'body.alerts').map((alert, index) =>
      genericAlert(alert, `body.alerts.${index}`),
    );
  return [genericAlert(body, 'body')];
}

/** `body` + the path the mapping read, as the field an error names (`body.alerts.2.labels.host`). */
function fieldOf(base: string, source: string): string {
  if (source === 'logic') return base;
  const parsed = parsePath(source);
  if (!parsed.ok) return base;
  return [base, ...parsed.segments.filter((segment) => segment !== WILDCARD).map(String)].join('.');
}

function customAlerts(payload: unknown, mapping: CustomMapping): NormalizedAlert[] {
  let items: { value: unknown; at: string }[];
  if (mapping.items) {
    const found = readPath(payload, mapping.items);
    const at = fieldOf('body', mapping.items);
    items = alertList(found, at).map((value, index) => ({ value, at: `${at}.${index}` }));
  } else {
    items = [{ value: payload, at: 'body' }];
  }
  return items.map(({ value, at }) => {
    const read = (field: (typeof MAPPED_FIELDS)[number]) => {
      const expression = mapping[field];
      if (!expression) return { value: undefined, field: `${at}` };
      const result = evaluate(expression, value);
      return { value: result.value, field: fieldOf(at, result.source) };
    };
    const fingerprint = read('fingerprint');
    const title = read('title');
    const description = read('description');
    const severity = read('severity');
    const labels = read('labels');
    const annotations = read('annotations');
    const startsAt = read('startsAt');
    const endsAt = read('endsAt');
    const url = read('url');
    const titleText = required(title.value, title.field, { 'zh-CN': '告警标题', en: 'alert title' });
    return {
      fingerprint: clip(
        required(fingerprint.value, fingerprint.field, { 'zh-CN': '去重指纹', en: 'fingerprint' }),
        FINGERPRINT_MAX,
      ),
      status: statusOf(read('status').value, read('status').field),
      title: clip(titleText, TITLE_MAX),
      description: clip(text(description.value) ?? titleText, DESCRIPTION_MAX),
      severity: (text(severity.value) ?? 'none').toLowerCase(),
      ...optional('startsAt', instantOf(startsAt.value, startsAt.field)),
      ...optional('endsAt', instantOf(endsAt.value, endsAt.field)),
      labels: stringMap(labels.value, labels.field),
      annotations: stringMap(annotations.value, annotations.field),
      ...optional('url', text(url.value)),
    };
  });
}

/** The alerts in a payload, by the channel's preset or mapping; throws MappingError naming the path that failed. */
export function mapAlerts(
  payload: unknown,
  preset: MappingPreset,
  mapping: CustomMapping | undefined,
): NormalizedAlert[] {
  if (preset === 'alertmanager') return alertmanagerAlerts(payload);
  if (preset === 'generic') return genericAlerts(payload);
  if (!mapping)
    throw new MappingError('mapping', {
      'zh-CN': '此通道使用自定义映射，但尚未配置映射',
      en: 'This channel uses a custom mapping but has none',
    });
  return customAlerts(payload, mapping);
}

// ---------------------------------------------------------------------------------------------- ticket data

/** The priority an alert's severity maps to: the exact severity, else `*`, else the channel's default. */
export function priorityOf(
  severity: string,
  severityMap: Record<string, Priority>,
  fallback: Priority,
): Priority {
  return severityMap[severity] ?? severityMap['*'] ?? fallback;
}

/** What ticket data mappings read: the alert, the mapped priority, and the channel's name. */
export interface TicketDataView {
  alert: NormalizedAlert;
  priority: Priority;
  channel: string;
}

export const DEFAULT_DATA_MAPPING: Record<string, MappingExpression> = {
  title: { path: '$.alert.title' },
  description: { path: '$.alert.description' },
};

/**
 * The form values of the ticket an alert opens: the values the channel gives for its priority (form fields the
 * type's priority rules read, e.g. impact and urgency), then each mapped field. A field mapped to nothing is left
 * out, so the form's own defaults and checks apply.
 */
export function ticketDataOf(
  view: TicketDataView,
  dataMapping: Record<string, MappingExpression>,
  priorityData: Partial<Record<Priority, Record<string, unknown>>>,
): Record<string, unknown> {
  const data: Record<string, unknown> = { ...(priorityData[view.priority] ?? {}) };
  for (const [field, expression] of Object.entries(dataMapping)) {
    const { value } = evaluate(expression, view);
    if (value !== undefined && value !== null) data[field] = value;
  }
  return data;
}
