import Handlebars from 'handlebars';
import { DateTime } from 'luxon';
import type { Locale, LocalizedText, Problem } from '../common/types.js';
import { escapePointerSegment, localizeWith } from '../rules/index.js';
import { MAX_TEMPLATE_BYTES, type NotificationTemplate } from './notification-template.js';
import { PART_NAMES, notifyMessages, type NotifyMessageCode } from './notify-messages.js';

export interface RenderBudget {
  /** Most loop iterations and helper calls in one render. */
  maxSteps?: number;
  /** Most characters one rendered part may have. */
  maxOutputChars?: number;
  /** A clock (ms) and a time allowance; checked at every step. Without a clock only steps are counted. */
  clock?: () => number;
  maxMs?: number;
}

export interface RenderOptions {
  locale: Locale;
  /** IANA zone of the recipient: dates are written in it. */
  zone: string;
  /** Field labels for `{{field "key"}}`. */
  fields?: Record<string, LocalizedText>;
  /** Base for relative links in `{{link "/tickets/42"}}`. */
  baseUrl?: string;
  /** Template key and its pointer, for problems. */
  templateKey?: string;
  basePath?: string;
  budget?: RenderBudget;
}

export interface RenderedNotification {
  locale: Locale;
  /** Plain text, one line. */
  subject: string;
  /** HTML with every inserted value escaped. */
  body: string;
  /** True when a part could not be rendered and a default text took its place. */
  fallback: boolean;
  problems: Problem[];
}

/** The helpers a template may call; everything else is refused when the template is compiled. */
export const ALLOWED_HELPERS = ['if', 'unless', 'each', 'with', 'date', 'field', 'link'] as const;

const DEFAULT_MAX_STEPS = 10_000;
const DEFAULT_MAX_OUTPUT = { subject: 1_000, body: 200_000 };
const MAX_CONTEXT_CHARS = 1_000_000;
const MAX_CACHED_TEMPLATES = 500;

class BudgetExceeded extends Error {
  constructor(readonly limit: number) {
    super('render budget exceeded');
  }
}

interface RenderState {
  locale: Locale;
  zone: string;
  fields: Record<string, LocalizedText>;
  baseUrl?: string;
  steps: number;
  maxSteps: number;
  clock?: () => number;
  deadline?: number;
}

function tick(state: RenderState | undefined): void {
  if (!state) return;
  state.steps += 1;
  if (state.steps > state.maxSteps) throw new BudgetExceeded(state.maxSteps);
  if (state.clock && state.deadline !== undefined && state.clock() > state.deadline) {
    throw new BudgetExceeded(state.maxSteps);
  }
}

interface HelperOptions {
  data?: { ordo?: RenderState };
  fn?: (context: unknown, options?: unknown) => string;
  hash?: Record<string, unknown>;
}

function stateOf(options: HelperOptions | undefined): RenderState | undefined {
  return options?.data?.ordo;
}

/**
 * One isolated Handlebars environment for all notification templates: only the allowed helpers, no partials, no
 * decorators, and the runtime's prototype-access protection left at its safe defaults.
 */
const handlebars = Handlebars.create();
handlebars.unregisterHelper('log');
handlebars.unregisterHelper('lookup');
handlebars.unregisterDecorator('inline');

const builtInEach = handlebars.helpers.each as (
  this: unknown,
  context: unknown,
  options: HelperOptions,
) => unknown;
handlebars.registerHelper('each', function (this: unknown, context: unknown, options: HelperOptions) {
  const state = stateOf(options);
  const fn = options.fn;
  const counted: HelperOptions = {
    ...options,
    ...(fn ? { fn: (item: unknown, itemOptions?: unknown) => (tick(state), fn(item, itemOptions)) } : {}),
  };
  return builtInEach.call(this, context, counted);
});

function toDateTime(value: unknown): DateTime | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return DateTime.fromMillis(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = DateTime.fromISO(value.trim(), { zone: 'utc' });
    if (parsed.isValid) return parsed;
  }
  return undefined;
}

const DATE_FORMATS: Record<string, Intl.DateTimeFormatOptions> = {
  date: DateTime.DATE_MED,
  datetime: DateTime.DATETIME_MED,
  time: DateTime.TIME_SIMPLE,
  full: DateTime.DATETIME_FULL,
};

/** `{{date ticket.dueAt}}`, `{{date ticket.dueAt "date"}}`: a moment in the recipient's zone and language. */
handlebars.registerHelper('date', (...args: unknown[]) => {
  const options = args.pop() as HelperOptions;
  const state = stateOf(options);
  tick(state);
  const [value, style] = args;
  const moment = toDateTime(value);
  if (!moment) return '';
  const format =
    typeof style === 'string' && Object.hasOwn(DATE_FORMATS, style) ? DATE_FORMATS[style] : undefined;
  const local = moment.setZone(state?.zone ?? 'Asia/Shanghai').setLocale(state?.locale ?? 'zh-CN');
  return local.isValid ? local.toLocaleString(format ?? DateTime.DATETIME_MED) : '';
});

/** `{{field "service"}}`: the label of a form field in the recipient's language. */
handlebars.registerHelper('field', (...args: unknown[]) => {
  const options = args.pop() as HelperOptions;
  const state = stateOf(options);
  tick(state);
  const key = args[0];
  if (typeof key !== 'string') return '';
  const label = state && Object.hasOwn(state.fields, key) ? state.fields[key] : undefined;
  return label ? label[state?.locale ?? 'zh-CN'] : key;
});

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

/** `{{link ticket.url "查看工单"}}`: an `<a>` to an http(s), mailto or site-relative address; text only otherwise. */
handlebars.registerHelper('link', (...args: unknown[]) => {
  const options = args.pop() as HelperOptions;
  const state = stateOf(options);
  tick(state);
  const [target, text] = args;
  const address = typeof target === 'string' ? target.trim() : '';
  const shown = typeof text === 'string' || typeof text === 'number' ? String(text) : address;
  let href: string | undefined;
  if (SAFE_LINK.test(address)) href = address;
  else if (address.startsWith('/') && !address.startsWith('//')) {
    href = state?.baseUrl ? state.baseUrl.replace(/\/+$/, '') + address : address;
  }
  const escapedText = handlebars.Utils.escapeExpression(shown);
  if (!href) return new handlebars.SafeString(escapedText);
  return new handlebars.SafeString(`<a href="${handlebars.Utils.escapeExpression(href)}">${escapedText}</a>`);
});

type Part = 'subject' | 'body';
type Compiled = { ok: true; render: Handlebars.TemplateDelegate } | { ok: false; reason: string };

const compiledTemplates = new Map<string, Compiled>();

const KNOWN_HELPERS: KnownHelpers = { date: true, field: true, link: true, lookup: false, log: false };
type KnownHelpers = Record<string, boolean>;

function compileCached(text: string, part: Part): Compiled {
  // The subject is plain text and the body HTML, so the same text compiles differently for each.
  const key = `${part}\u0000${text}`;
  const known = compiledTemplates.get(key);
  if (known) return known;
  let compiled: Compiled;
  try {
    const render = handlebars.compile(text, {
      knownHelpers: KNOWN_HELPERS,
      knownHelpersOnly: true,
      noEscape: part === 'subject',
      strict: false,
    });
    const refused = refusedConstruct(handlebars.parse(text), part);
    if (refused) {
      compiled = { ok: false, reason: refused };
    } else {
      // Handlebars compiles lazily: force it now so unknown helpers surface here, once.
      handlebars.precompile(text, { knownHelpers: KNOWN_HELPERS, knownHelpersOnly: true });
      compiled = { ok: true, render };
    }
  } catch (error) {
    compiled = { ok: false, reason: error instanceof Error ? firstLine(error.message) : String(error) };
  }
  if (compiledTemplates.size >= MAX_CACHED_TEMPLATES) {
    const oldest = compiledTemplates.keys().next();
    if (!oldest.done) compiledTemplates.delete(oldest.value);
  }
  compiledTemplates.set(key, compiled);
  return compiled;
}

const REFUSED_NODES: Record<string, string> = {
  PartialStatement: 'partials ({{> name}}) are not available',
  PartialBlockStatement: 'partials ({{#> name}}) are not available',
  Decorator: 'decorators ({{* name}}) are not available',
  DecoratorBlock: 'decorators ({{#* name}}) are not available',
};

/**
 * Constructs a template may not use: partials and decorators (there are none to call), and in the HTML body the
 * unescaped `{{{value}}}` / `{{& value}}`, which would let a requester's text inject markup into a mail.
 */
function refusedConstruct(node: unknown, part: Part, depth = 0): string | undefined {
  if (depth > 200) return 'the template is nested too deeply';
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = refusedConstruct(item, part, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  const { type, escaped } = node as { type?: unknown; escaped?: unknown };
  if (typeof type === 'string' && Object.hasOwn(REFUSED_NODES, type)) return REFUSED_NODES[type];
  if (part === 'body' && type === 'MustacheStatement' && escaped === false) {
    return 'unescaped output ({{{value}}} or {{& value}}) is not allowed in the body';
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc') continue;
    const found = refusedConstruct(value, part, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function firstLine(message: string): string {
  // Parse errors span lines (message, excerpt, caret, expectation): keep them, on one line.
  const line = message.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Check a template when it is saved: each text within the size limit, valid Handlebars, only allowed helpers.
 */
export function checkNotificationTemplate(
  template: NotificationTemplate,
  basePath = '',
  templateKey?: string,
): Problem[] {
  const problems: Problem[] = [];
  for (const part of ['subject', 'body'] as const) {
    for (const locale of ['zh-CN', 'en'] as const) {
      const text = template[part][locale];
      const path = `${basePath}/${part}/${escapePointerSegment(locale)}`;
      const problem = compileProblem(text, part, path, templateName(templateKey));
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

function compileProblem(
  text: string,
  part: Part,
  path: string,
  templateKey: string | LocalizedText,
): Problem | undefined {
  const size = utf8Length(text);
  if (size > MAX_TEMPLATE_BYTES) {
    return notifyProblem('notify.templateTooLarge', path, {
      template: templateKey,
      part: PART_NAMES[part],
      size,
      limit: MAX_TEMPLATE_BYTES,
    });
  }
  const compiled = compileCached(text, part);
  if (!compiled.ok) {
    return notifyProblem('notify.templateInvalid', path, {
      template: templateKey,
      part: PART_NAMES[part],
      reason: compiled.reason,
    });
  }
  return undefined;
}

const UNNAMED: LocalizedText = { 'zh-CN': '（未命名）', en: '(unnamed)' };

function templateName(key: string | undefined): string | LocalizedText {
  return key === undefined || key === '' ? UNNAMED : key;
}

function notifyProblem(code: NotifyMessageCode, path: string, params: Record<string, unknown>): Problem {
  return { code, path, params, text: localizeWith(notifyMessages[code], params) };
}

/** Plain JSON only: a function in the context would be called by Handlebars, a getter run. */
function plainContext(context: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    const json = JSON.stringify(context ?? {});
    if (json.length > MAX_CONTEXT_CHARS)
      return { ok: false, reason: `context over ${MAX_CONTEXT_CHARS} characters` };
    return { ok: true, value: JSON.parse(json) as unknown };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

function ticketNumber(context: unknown): string {
  const ticket =
    context !== null && typeof context === 'object' ? (context as Record<string, unknown>).ticket : undefined;
  const number =
    ticket !== null && typeof ticket === 'object' ? (ticket as Record<string, unknown>).number : undefined;
  return typeof number === 'string' || typeof number === 'number' ? String(number) : '';
}

function fallbackText(part: Part, locale: Locale, number: string): string {
  const message =
    part === 'subject' ? notifyMessages['notify.fallbackSubject'] : notifyMessages['notify.fallbackBody'];
  const shownNumber = number === '' ? '' : locale === 'zh-CN' ? ` ${number} ` : ` ${number}`;
  const text = localizeWith(message, { number: shownNumber })
    [locale].replace(/\s+([，。])/g, '$1')
    .trim();
  return part === 'body' ? handlebars.Utils.escapeExpression(text) : text;
}

/**
 * Render a notification for one recipient. Never throws: a part that cannot be rendered (bad template, too
 * large, over budget) is replaced by a safe default text and the reason is reported.
 */
export function renderNotification(
  template: NotificationTemplate,
  context: unknown,
  options: RenderOptions,
): RenderedNotification {
  const { locale } = options;
  const templateKey = templateName(options.templateKey);
  const basePath = options.basePath ?? '';
  const problems: Problem[] = [];
  const plain = plainContext(context);
  const number = ticketNumber(plain.ok ? plain.value : undefined);
  const rendered: Record<Part, string> = { subject: '', body: '' };
  let fallback = false;

  for (const part of ['subject', 'body'] as const) {
    const path = `${basePath}/${part}/${escapePointerSegment(locale)}`;
    const text = template?.[part]?.[locale];
    const outcome = renderPart(typeof text === 'string' ? text : '', part, path, templateKey, plain, options);
    if (outcome.ok) {
      rendered[part] = outcome.text;
    } else {
      problems.push(outcome.problem);
      rendered[part] = fallbackText(part, locale, number);
      fallback = true;
    }
  }
  return { locale, subject: rendered.subject, body: rendered.body, fallback, problems };
}

function renderPart(
  text: string,
  part: Part,
  path: string,
  templateKey: string | LocalizedText,
  plain: ReturnType<typeof plainContext>,
  options: RenderOptions,
): { ok: true; text: string } | { ok: false; problem: Problem } {
  const partName = PART_NAMES[part];
  const invalid = compileProblem(text, part, path, templateKey);
  if (invalid) return { ok: false, problem: invalid };
  if (!plain.ok) {
    return {
      ok: false,
      problem: notifyProblem('notify.renderFailed', path, {
        template: templateKey,
        part: partName,
        reason: plain.reason,
      }),
    };
  }
  const compiled = compileCached(text, part) as { ok: true; render: Handlebars.TemplateDelegate };
  const budget = options.budget ?? {};
  const clock = budget.clock;
  const state: RenderState = {
    locale: options.locale,
    zone: options.zone,
    fields: options.fields ?? {},
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
    steps: 0,
    maxSteps: budget.maxSteps ?? DEFAULT_MAX_STEPS,
    ...(clock ? { clock, deadline: clock() + (budget.maxMs ?? 50) } : {}),
  };
  const maxOutput = budget.maxOutputChars ?? DEFAULT_MAX_OUTPUT[part];
  try {
    let output = compiled.render(plain.value, { data: { ordo: state } });
    if (output.length > maxOutput) {
      return {
        ok: false,
        problem: notifyProblem('notify.outputTooLarge', path, {
          template: templateKey,
          part: partName,
          limit: maxOutput,
        }),
      };
    }
    if (part === 'subject') output = output.replace(/[\r\n\t]+/g, ' ').trim();
    return { ok: true, text: output };
  } catch (error) {
    if (error instanceof BudgetExceeded) {
      return {
        ok: false,
        problem: notifyProblem('notify.budgetExceeded', path, {
          template: templateKey,
          part: partName,
          limit: error.limit,
        }),
      };
    }
    const reason = error instanceof Error ? firstLine(error.message) : String(error);
    return {
      ok: false,
      problem: notifyProblem('notify.renderFailed', path, { template: templateKey, part: partName, reason }),
    };
  }
}
