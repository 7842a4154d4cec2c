import type { Locale, LocalizedText } from '../../runtime/common/types.js';
import { renderNotification, type NotificationTemplate } from '../../runtime/notify/index.js';
import { DEFAULT_TEMPLATES, FALLBACK_TEMPLATE } from './default-templates.js';

export interface RenderedMessage {
  /** One line of plain text. */
  subject: string;
  /** HTML; every value inserted by the template is escaped. */
  html: string;
  /** The same body as plain text (email's text part, previews). */
  text: string;
  /** What went wrong with the ticket type's template, in English, when a default text took its place. */
  problems: string[];
}

export interface RenderInput {
  /** The ticket type's templates (`definition.notifications`), if any. */
  templates: Record<string, unknown> | undefined;
  key: string;
  context: unknown;
  locale: Locale;
  zone: string;
  /** Site root for `{{link "/tickets/42"}}`. */
  baseUrl: string;
  fields?: Record<string, LocalizedText>;
}

function isTemplate(value: unknown): value is NotificationTemplate {
  const localized = (text: unknown) =>
    typeof text === 'object' &&
    text !== null &&
    typeof (text as Record<string, unknown>)['zh-CN'] === 'string' &&
    typeof (text as Record<string, unknown>).en === 'string';
  return (
    typeof value === 'object' &&
    value !== null &&
    localized((value as Record<string, unknown>).subject) &&
    localized((value as Record<string, unknown>).body)
  );
}

/**
 * Render one notification through the runtime's renderer (isolated Handlebars, helper allow-list, budget): the
 * ticket type's template of that key, else the built-in one, else a generic "ticket updated". When the type's
 * own template fails, the built-in text of that key is sent instead (it carries what the recipient needs, such
 * as a confirmation link), and the problem is reported.
 */
export function renderMessage(input: RenderInput): RenderedMessage {
  const options = {
    locale: input.locale,
    zone: input.zone,
    baseUrl: input.baseUrl,
    templateKey: input.key,
    basePath: `/notifications/${input.key}`,
    ...(input.fields ? { fields: input.fields } : {}),
  };
  const own = input.templates?.[input.key];
  const builtIn = DEFAULT_TEMPLATES[input.key] ?? FALLBACK_TEMPLATE;
  const problems: string[] = [];
  let rendered = renderNotification(isTemplate(own) ? own : builtIn, input.context, options);
  if (rendered.fallback) {
    problems.push(...rendered.problems.map((problem) => problem.text.en));
    if (isTemplate(own)) {
      const retry = renderNotification(builtIn, input.context, options);
      if (!retry.fallback) rendered = retry;
    }
  }
  return { subject: rendered.subject, html: rendered.body, text: htmlToText(rendered.body), problems };
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#x27;': "'",
  '&#39;': "'",
  '&#x60;': '`',
  '&#x3D;': '=',
  '&nbsp;': ' ',
};

/** The readable text of the rendered HTML: paragraphs and line breaks kept, links written out. */
export function htmlToText(html: string): string {
  return html
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_whole, href: string, text: string) =>
      text === href ? href : `${text} (${href})`,
    )
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|blockquote|li|h[1-6]|tr)>/gi, '\n\n')
    .replace(/<li[^>]*>/gi, '- ')
    .replace(/<[^>]+>/g, '')
    .replace(/&(amp|lt|gt|quot|#x27|#39|#x60|#x3D|nbsp);/g, (entity) => ENTITIES[entity] ?? entity)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
