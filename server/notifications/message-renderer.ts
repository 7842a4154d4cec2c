import Handlebars from 'handlebars';
import type { Locale } from '../../runtime/common/types.js';
import { DEFAULT_TEMPLATES, FALLBACK_TEMPLATE, type MessageTemplate } from './default-templates.js';

export interface RenderedMessage {
  subject: string;
  body: string;
}

/** Renders one template for one recipient; throws with a readable message when the template is broken. */
export type RenderMessage = (
  template: MessageTemplate,
  context: Record<string, unknown>,
  options: { locale: Locale; zone: string },
) => RenderedMessage;

// TEMPORARY stand-in until runtime/notify (renderNotification, helper allow-list) lands: plain Handlebars with
// no helpers at all, so nothing a template does here could fail to run there.
const sandbox = Handlebars.create();

export const renderMessage: RenderMessage = (template, context, { locale }) => {
  const run = (source: string) =>
    sandbox.compile(source, { noEscape: true, knownHelpersOnly: true, strict: false })(context);
  return {
    subject: run(template.subject[locale]).replace(/\s+/g, ' ').trim(),
    body: run(template.body[locale]),
  };
};

function isMessageTemplate(value: unknown): value is MessageTemplate {
  if (typeof value !== 'object' || value === null) return false;
  const { subject, body } = value as Record<string, unknown>;
  const localized = (text: unknown) =>
    typeof text === 'object' &&
    text !== null &&
    typeof (text as Record<string, unknown>)['zh-CN'] === 'string' &&
    typeof (text as Record<string, unknown>).en === 'string';
  return localized(subject) && localized(body);
}

/** The ticket type's own template of that key, else the built-in one, else a generic "ticket updated". */
export function templateFor(
  notifications: Record<string, unknown> | undefined,
  key: string,
): { template: MessageTemplate; source: 'type' | 'built-in' | 'fallback' } {
  const own = notifications?.[key];
  if (isMessageTemplate(own)) return { template: own, source: 'type' };
  const builtIn = DEFAULT_TEMPLATES[key];
  if (builtIn) return { template: builtIn, source: 'built-in' };
  return { template: FALLBACK_TEMPLATE, source: 'fallback' };
}
