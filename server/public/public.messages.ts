import { formatMessage, type Locale, type LocalizedText } from '../../runtime/common/types.js';
import { HttpProblem } from '../lib/problem.js';

/**
 * What the public confirmation and survey pages answer when they cannot do what was asked: a stable code, the
 * status, and texts for the requester (not a programmer) in both languages. The body carries `text` so the page
 * shows the reader's language.
 */
const MESSAGES = {
  'link-invalid': {
    status: 404,
    title: 'Not found',
    text: {
      'zh-CN': '此链接无效。请检查链接是否完整，或直接登录系统查看工单。',
      en: 'This link is not valid. Check that it is complete, or sign in to see your ticket.',
    },
  },
  'link-expired': {
    status: 410,
    title: 'Gone',
    text: {
      'zh-CN': '此链接已过期。请登录系统查看工单并进行操作。',
      en: 'This link has expired. Sign in to see your ticket and answer there.',
    },
  },
  'link-used': {
    status: 410,
    title: 'Gone',
    text: {
      'zh-CN': '工单 {number} 已不再等待您的确认（当前状态：{status}），此链接只能使用一次。',
      en: 'Ticket {number} is no longer waiting for your confirmation (it is now {status}); this link works only once.',
    },
  },
  'already-rated': {
    status: 409,
    title: 'Conflict',
    text: {
      'zh-CN': '工单 {number} 已经评价过了，每张工单只能评价一次。感谢您的反馈！',
      en: 'Ticket {number} has already been rated; each ticket can be rated once. Thank you for your feedback!',
    },
  },
  'not-ready-to-rate': {
    status: 409,
    title: 'Conflict',
    text: {
      'zh-CN': '工单 {number} 还未完成，暂时不能评价。',
      en: 'Ticket {number} is not finished yet, so it cannot be rated.',
    },
  },
} as const satisfies Record<string, { status: number; title: string; text: LocalizedText }>;

export type PublicMessageCode = keyof typeof MESSAGES;

const isLocalized = (value: unknown): value is LocalizedText =>
  typeof value === 'object' && value !== null && 'zh-CN' in value && 'en' in value;

/** Params may be localized themselves (a status name), then each language gets its own. */
function textIn(locale: Locale, template: string, params: Record<string, unknown>): string {
  const local: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params))
    local[name] = isLocalized(value) ? value[locale] : value;
  return formatMessage(template, local);
}

export function publicProblem(
  code: PublicMessageCode,
  options: { field?: string; params?: Record<string, unknown>; extra?: Record<string, unknown> } = {},
): HttpProblem {
  const message = MESSAGES[code];
  const params = options.params ?? {};
  const text: LocalizedText = {
    'zh-CN': textIn('zh-CN', message.text['zh-CN'], params),
    en: textIn('en', message.text.en, params),
  };
  return new HttpProblem(message.status, message.title, {
    code,
    detail: text.en,
    field: options.field,
    extra: { text, ...options.extra },
  });
}
