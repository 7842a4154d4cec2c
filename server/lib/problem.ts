/**
 * Errors as RFC 9457 problem details. Handlers throw `HttpProblem`; the error plugin turns every error —
 * thrown, schema violation, malformed body, unknown route — into `application/problem+json` naming the field,
 * and answers `title` and `detail` in the reader's language (`localizeProblem`) while `type` stays a stable code.
 */
import type { Locale, LocalizedText } from '../../runtime/common/types.js';

/** One problem of several (a form with many wrong fields, a request body with many schema violations). */
export interface ProblemItem {
  /** The failing input, e.g. `body.data.hostname`. */
  field: string;
  /** Stable reason, e.g. `form.required`, `required`. */
  code?: string;
  /** The text in the reader's language (filled by the error plugin from `text`). */
  message: string;
  text?: LocalizedText;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** The failing input, e.g. `body.username`, `params.id`, `header.idempotency-key`. */
  field?: string;
  /** Every problem when there are several; the first is also `field` / `text`. */
  errors?: ProblemItem[];
  /** `detail` in each language, when the refusal was written for people. */
  text?: LocalizedText;
  [extra: string]: unknown;
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly options: {
      detail?: string;
      field?: string;
      code?: string;
      /** The detail in both languages (its `en` is the detail when `detail` is absent). */
      text?: LocalizedText;
      errors?: ProblemItem[];
      extra?: Record<string, unknown>;
    } = {},
  ) {
    super(options.detail ?? options.text?.en ?? title);
  }

  toBody(): ProblemBody {
    const body: ProblemBody = {
      type: this.options.code ? `urn:ordo:problem:${this.options.code}` : 'about:blank',
      title: this.title,
      status: this.status,
    };
    const detail = this.options.detail ?? this.options.text?.en;
    if (detail) body.detail = detail;
    if (this.options.field) body.field = this.options.field;
    if (this.options.text) body.text = this.options.text;
    if (this.options.errors) body.errors = this.options.errors;
    return { ...body, ...this.options.extra };
  }
}

/** Titles in Chinese; an unknown English title falls back to the one of its status. */
const TITLES_ZH: Record<string, string> = {
  'Invalid input': '输入有误',
  'Bad Request': '请求有误',
  Unauthorized: '未登录或登录已失效',
  Forbidden: '无权执行此操作',
  'Not found': '未找到',
  Conflict: '与已保存的内容冲突',
  Gone: '已失效',
  'Payload Too Large': '请求内容过大',
  'Unsupported Media Type': '不支持的内容类型',
  'Unprocessable Entity': '无法处理该请求',
  'Command refused': '操作被拒绝',
  'Invalid definition': '定义有误',
  'Unknown ticket type': '未知的工单类型',
  'Too Many Requests': '请求过于频繁',
  'Internal Server Error': '服务器内部错误',
  'Service Unavailable': '服务暂不可用',
};
const STATUS_TITLES_ZH: Record<number, string> = {
  400: '请求有误',
  401: '未登录或登录已失效',
  403: '无权执行此操作',
  404: '未找到',
  409: '与已保存的内容冲突',
  410: '已失效',
  413: '请求内容过大',
  415: '不支持的内容类型',
  422: '无法处理该请求',
  429: '请求过于频繁',
  500: '服务器内部错误',
  503: '服务暂不可用',
};

const isLocalized = (value: unknown): value is LocalizedText =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Record<string, unknown>)['zh-CN'] === 'string' &&
  typeof (value as Record<string, unknown>).en === 'string';

function localizeItems(items: unknown, locale: Locale): unknown {
  if (!Array.isArray(items)) return items;
  return items.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) return item;
    const text = (item as { text?: unknown }).text;
    return isLocalized(text) ? { ...item, message: text[locale] } : item;
  });
}

/**
 * The problem as the reader should read it: `title` and `detail` in `locale` (from `text`, or the engine's
 * `message`), each listed error's `message` from its `text`. `type`, `field`, codes and the texts themselves stay.
 */
export function localizeProblem(body: ProblemBody, locale: Locale): ProblemBody {
  const localized: ProblemBody = { ...body };
  if (locale === 'zh-CN')
    localized.title = TITLES_ZH[body.title] ?? STATUS_TITLES_ZH[body.status] ?? body.title;
  const text = isLocalized(body.text) ? body.text : isLocalized(body.message) ? body.message : undefined;
  if (text) localized.detail = text[locale];
  if (body.errors) localized.errors = localizeItems(body.errors, locale) as ProblemItem[];
  return localized;
}

/** `zh-CN,zh;q=0.9,en;q=0.8` → `zh-CN`; `en-US` → `en`; undefined when it names neither. */
export function localeFromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranges = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((param) => /^\s*q=([0-9.]+)\s*$/.exec(param)?.[1]).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((range) => range.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranges) {
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return undefined;
}

/** What was not found, in both languages: `Ticket`, `Calendar it-desk`, `Version 3 of ticket type it.incident`. */
const NOT_FOUND_NOUNS: [RegExp, (match: RegExpExecArray) => LocalizedText][] = [
  [
    /^Version (\S+) of ticket type (\S+)$/,
    (m) => ({ 'zh-CN': `工单类型 ${m[2]} 的第 ${m[1]} 版`, en: m[0] }),
  ],
  [/^Published ticket type (\S+)$/, (m) => ({ 'zh-CN': `已发布的工单类型 ${m[1]}`, en: m[0] })],
  [/^Ticket type (\S+)$/, (m) => ({ 'zh-CN': `工单类型 ${m[1]}`, en: m[0] })],
  [/^SLA policy (\S+)$/, (m) => ({ 'zh-CN': `SLA 策略 ${m[1]}`, en: m[0] })],
  [/^Calendar (\S+)$/, (m) => ({ 'zh-CN': `日历 ${m[1]}`, en: m[0] })],
  [/^Ticket$/, (m) => ({ 'zh-CN': '工单', en: m[0] })],
  [/^Attachment$/, (m) => ({ 'zh-CN': '附件', en: m[0] })],
  [/^Notification$/, (m) => ({ 'zh-CN': '通知', en: m[0] })],
  [/^Template pack (\S+)$/, (m) => ({ 'zh-CN': `模板包 ${m[1]}`, en: m[0] })],
  [/^Article$/, (m) => ({ 'zh-CN': '知识文章', en: m[0] })],
  [/^Record$/, (m) => ({ 'zh-CN': '记录', en: m[0] })],
  [/^Resource$/, () => ({ 'zh-CN': '所请求的内容', en: 'Resource' })],
];

function notFoundText(what: string | LocalizedText): LocalizedText {
  if (typeof what !== 'string') return { 'zh-CN': `找不到${what['zh-CN']}`, en: `${what.en} not found` };
  for (const [pattern, noun] of NOT_FOUND_NOUNS) {
    const match = pattern.exec(what);
    if (match) return { 'zh-CN': `找不到${noun(match)['zh-CN']}`, en: `${what} not found` };
  }
  return { 'zh-CN': `找不到所请求的内容（${what}）`, en: `${what} not found` };
}

/** A 400 naming the field; `detail` as a text in both languages when written for people. */
export const badRequest = (
  field: string,
  detail: string | LocalizedText,
  code = 'invalid-input',
): HttpProblem =>
  typeof detail === 'string'
    ? new HttpProblem(400, 'Invalid input', { field, detail, code })
    : new HttpProblem(400, 'Invalid input', { field, text: detail, code });
export const unauthorized = (detail = 'Sign in first'): HttpProblem =>
  new HttpProblem(401, 'Unauthorized', { detail, code: 'unauthorized' });
export const forbidden = (detail: string | LocalizedText = 'You may not do this'): HttpProblem =>
  typeof detail === 'string'
    ? new HttpProblem(403, 'Forbidden', { detail, code: 'forbidden' })
    : new HttpProblem(403, 'Forbidden', { text: detail, code: 'forbidden' });
export const notFound = (what: string | LocalizedText = 'Resource'): HttpProblem =>
  new HttpProblem(404, 'Not found', { text: notFoundText(what), code: 'not-found' });
export const conflict = (
  detail: string | LocalizedText,
  extra?: Record<string, unknown>,
  field?: string,
): HttpProblem =>
  typeof detail === 'string'
    ? new HttpProblem(409, 'Conflict', { detail, code: 'conflict', extra, field })
    : new HttpProblem(409, 'Conflict', { text: detail, code: 'conflict', extra, field });
