/**
 * The envelope of a ticket type: its identity, number format and statuses. The parts it carries (form, flow,
 * routing, priority, SLA, notifications) are only required to be of the right JSON type here; each is checked
 * against its owner's schema by `validateTicketType`, so every part keeps one schema and one owner.
 */
import { STATUS_CATEGORIES } from '../common/types.js';
import type { LocalizedText, StatusCategory } from '../common/types.js';
import { registerPatternHint } from './messages.js';

/** `it.incident`, `hr.onboarding`: a value (the type's key), so dots are fine here. */
export const TICKET_TYPE_KEY_PATTERN = '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*$';
/** Status keys and categories: one lower-case segment. */
export const SIMPLE_KEY_PATTERN = '^[a-z][a-z0-9-]*$';
/** Template keys are stored as object keys: no `.`, no leading `$`, no spaces. */
export const TEMPLATE_KEY_PATTERN = '^[^.$\\s][^.\\s]*$';
registerPatternHint(TEMPLATE_KEY_PATTERN, {
  'zh-CN': '不能包含“.”或空格，也不能以“$”开头',
  en: 'it must not contain “.” or spaces, nor start with “$”',
});

export interface TicketStatusDefinition {
  key: string;
  name: LocalizedText;
  description?: LocalizedText;
  color?: string;
}

/**
 * What people call a category of ticket types (`it` → “IT 服务”), shown in the portal's catalog, lists and the
 * template gallery; without it the studio's own words for the shipped categories, then the key.
 */
export interface CategoryName {
  'zh-CN': string;
  en?: string;
}

/** A ticket type as the studio edits it; the parts are typed by their owners' modules. */
export interface TicketTypeDefinition {
  key: string;
  name: LocalizedText;
  description?: LocalizedText;
  category: string;
  categoryName?: CategoryName;
  numberFormat: string;
  /** IANA zone the number format's dates are read in; `Asia/Shanghai` when absent. */
  zone?: string;
  statuses: Record<StatusCategory, TicketStatusDefinition[]>;
  form: Record<string, unknown>;
  flow: Record<string, unknown>;
  routing?: unknown[];
  priority?: Record<string, unknown>;
  sla?: Record<string, unknown>;
  notifications?: Record<string, unknown>;
}

export const DEFAULT_TICKET_ZONE = 'Asia/Shanghai';

const nameSchema = {
  type: 'object',
  required: ['zh-CN', 'en'],
  additionalProperties: false,
  properties: {
    'zh-CN': { type: 'string', minLength: 1, maxLength: 200 },
    en: { type: 'string', minLength: 1, maxLength: 200 },
  },
};

const descriptionSchema = {
  type: 'object',
  required: ['zh-CN', 'en'],
  additionalProperties: false,
  properties: {
    'zh-CN': { type: 'string', maxLength: 2000 },
    en: { type: 'string', maxLength: 2000 },
  },
};

export const ticketStatusSchema = {
  type: 'object',
  required: ['key', 'name'],
  additionalProperties: false,
  properties: {
    key: { type: 'string', maxLength: 64, pattern: SIMPLE_KEY_PATTERN },
    name: nameSchema,
    description: descriptionSchema,
    color: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' },
  },
};

export const ticketTypeSchema = {
  title: 'ticket type',
  type: 'object',
  required: ['key', 'name', 'category', 'numberFormat', 'statuses', 'form', 'flow'],
  additionalProperties: false,
  properties: {
    key: { type: 'string', minLength: 1, maxLength: 100, pattern: TICKET_TYPE_KEY_PATTERN },
    name: nameSchema,
    description: descriptionSchema,
    category: { type: 'string', minLength: 1, maxLength: 50, pattern: SIMPLE_KEY_PATTERN },
    categoryName: {
      type: 'object',
      required: ['zh-CN'],
      additionalProperties: false,
      properties: {
        'zh-CN': { type: 'string', minLength: 1, maxLength: 50 },
        en: { type: 'string', maxLength: 50 },
      },
    },
    // Placeholders are checked by parseNumberFormat, which explains each mistake.
    numberFormat: { type: 'string', minLength: 1, maxLength: 64 },
    zone: { type: 'string', minLength: 1, maxLength: 64 },
    // Missing or empty categories are reported by validateTicketType with a message naming the category.
    statuses: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(
        STATUS_CATEGORIES.map((category) => [
          category,
          { type: 'array', maxItems: 50, items: ticketStatusSchema },
        ]),
      ),
    },
    form: { type: 'object' },
    flow: { type: 'object' },
    routing: { type: 'array' },
    priority: { type: 'object' },
    sla: { type: 'object' },
    notifications: {
      type: 'object',
      maxProperties: 200,
      propertyNames: { pattern: TEMPLATE_KEY_PATTERN },
    },
  },
};
