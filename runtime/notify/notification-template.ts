import type { LocalizedText } from '../common/types.js';

/** A notification as an analyst writes it: Handlebars texts per language. */
export interface NotificationTemplate {
  /** Plain text (mail subject, in-app title). */
  subject: LocalizedText;
  /** HTML: every value inserted is escaped. */
  body: LocalizedText;
}

/** Largest template text accepted, in UTF-8 bytes. */
export const MAX_TEMPLATE_BYTES = 20 * 1024;

const templateTextSchema = { type: 'string', maxLength: MAX_TEMPLATE_BYTES } as const;
const localizedTemplateSchema = {
  type: 'object',
  required: ['zh-CN', 'en'],
  additionalProperties: false,
  properties: { 'zh-CN': templateTextSchema, en: templateTextSchema },
} as const;

export const notificationTemplateSchema = {
  title: 'notification template',
  type: 'object',
  required: ['subject', 'body'],
  additionalProperties: false,
  properties: { subject: localizedTemplateSchema, body: localizedTemplateSchema },
} as const;

/** The templates of a ticket type, by key (the key a notify node names). */
export const notificationTemplatesSchema = {
  title: 'notification templates',
  type: 'object',
  propertyNames: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
  additionalProperties: notificationTemplateSchema,
} as const;
