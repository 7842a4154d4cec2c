import type { LocalizedText } from '../common/types.js';

export const notifyMessages = {
  'notify.templateTooLarge': {
    'zh-CN': '通知模板“{template}”的{part}太长（{size} 字节，上限 {limit} 字节），已改用默认内容',
    en: 'The {part} of notification template “{template}” is too long ({size} bytes, limit {limit}); a default text was sent instead',
  },
  'notify.templateInvalid': {
    'zh-CN': '通知模板“{template}”的{part}有误，已改用默认内容：{reason}',
    en: 'The {part} of notification template “{template}” has an error; a default text was sent instead: {reason}',
  },
  'notify.renderFailed': {
    'zh-CN': '通知模板“{template}”的{part}无法生成，已改用默认内容：{reason}',
    en: 'The {part} of notification template “{template}” could not be produced; a default text was sent instead: {reason}',
  },
  'notify.budgetExceeded': {
    'zh-CN': '通知模板“{template}”的{part}生成工作量过大（超过 {limit} 步），已改用默认内容',
    en: 'The {part} of notification template “{template}” took too much work (over {limit} steps); a default text was sent instead',
  },
  'notify.outputTooLarge': {
    'zh-CN': '通知模板“{template}”的{part}生成的内容太长（超过 {limit} 个字符），已改用默认内容',
    en: 'The {part} of notification template “{template}” produced too much text (over {limit} characters); a default text was sent instead',
  },
  'notify.fallbackSubject': {
    'zh-CN': '工单动态{number}',
    en: 'Ticket update{number}',
  },
  'notify.fallbackBody': {
    'zh-CN': '您关注的工单{number}有新的动态，请登录系统查看详情。',
    en: 'There is news on the ticket{number} you follow; please sign in to see the details.',
  },
} satisfies Record<string, LocalizedText>;

export type NotifyMessageCode = keyof typeof notifyMessages;

export const PART_NAMES: Record<'subject' | 'body', LocalizedText> = {
  subject: { 'zh-CN': '标题', en: 'subject' },
  body: { 'zh-CN': '正文', en: 'body' },
};
