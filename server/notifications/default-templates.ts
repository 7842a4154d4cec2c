import type { LocalizedText } from '../../runtime/common/types.js';

/** A message template as a ticket type stores it under `notifications.<key>`: Handlebars in both languages. */
export interface MessageTemplate {
  subject: LocalizedText;
  body: LocalizedText;
}

/**
 * Built-in texts for the notifications the engine and the SLA clocks send on their own, used when a ticket type
 * does not define a template of that key. They only use the context the notification service builds (see
 * `notification-context.ts`), never a helper, so every renderer can run them.
 */
const footer: LocalizedText = {
  'zh-CN': '\n\n查看工单：{{ticket.url}}',
  en: '\n\nOpen the ticket: {{ticket.url}}',
};

function template(subject: LocalizedText, body: LocalizedText, withFooter = true): MessageTemplate {
  return {
    subject,
    body: withFooter ? { 'zh-CN': body['zh-CN'] + footer['zh-CN'], en: body.en + footer.en } : body,
  };
}

const assigned = template(
  {
    'zh-CN': '工单已分派给您：{{ticket.number}} {{ticket.title}}',
    en: 'Assigned to you: {{ticket.number}} {{ticket.title}}',
  },
  {
    'zh-CN':
      '{{recipient.name}}，您好：\n\n工单 {{ticket.number}}「{{ticket.title}}」已分派给您，优先级：{{ticket.priority}}。',
    en: 'Hello {{recipient.name}},\n\nTicket {{ticket.number}} "{{ticket.title}}" is now assigned to you (priority {{ticket.priority}}).',
  },
);

const commented = template(
  {
    'zh-CN': '工单有新回复：{{ticket.number}} {{ticket.title}}',
    en: 'New reply on {{ticket.number}} {{ticket.title}}',
  },
  {
    'zh-CN':
      '{{recipient.name}}，您好：\n\n{{actor.name}} 在工单 {{ticket.number}} 中回复：\n\n{{comment.body}}',
    en: 'Hello {{recipient.name}},\n\n{{actor.name}} replied on ticket {{ticket.number}}:\n\n{{comment.body}}',
  },
);

export const DEFAULT_TEMPLATES: Record<string, MessageTemplate> = {
  'approval-requested': template(
    {
      'zh-CN': '待您审批：{{ticket.number}} {{ticket.title}}',
      en: 'Approval needed: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '{{recipient.name}}，您好：\n\n工单 {{ticket.number}}「{{ticket.title}}」等待您审批（提单人：{{ticket.requesterName}}）。',
      en: 'Hello {{recipient.name}},\n\nTicket {{ticket.number}} "{{ticket.title}}" from {{ticket.requesterName}} is waiting for your approval.',
    },
  ),
  'confirm-requested': template(
    {
      'zh-CN': '请确认问题已解决：{{ticket.number}} {{ticket.title}}',
      en: 'Please confirm the fix: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '{{recipient.name}}，您好：\n\n您的工单 {{ticket.number}}「{{ticket.title}}」已处理完毕。请确认问题是否已解决；如仍未解决，可重新打开工单：\n\n{{link.url}}\n\n链接有效期至 {{link.expiresAtText}}，无需登录。未确认的工单将在规定时间后自动关闭。',
      en: 'Hello {{recipient.name}},\n\nYour ticket {{ticket.number}} "{{ticket.title}}" has been resolved. Please confirm the fix, or reopen the ticket if the problem remains:\n\n{{link.url}}\n\nThe link works until {{link.expiresAtText}} and needs no sign-in. Without an answer the ticket closes automatically after the set time.',
    },
    false,
  ),
  survey: template(
    {
      'zh-CN': '请评价本次服务：{{ticket.number}} {{ticket.title}}',
      en: 'How did we do? {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '{{recipient.name}}，您好：\n\n工单 {{ticket.number}}「{{ticket.title}}」已关闭。请花几秒钟告诉我们您是否满意（满意 / 一般 / 不满意）：\n\n{{link.url}}\n\n链接有效期至 {{link.expiresAtText}}。',
      en: 'Hello {{recipient.name}},\n\nTicket {{ticket.number}} "{{ticket.title}}" is closed. Please take a few seconds to tell us how satisfied you are (satisfied / neutral / dissatisfied):\n\n{{link.url}}\n\nThe link works until {{link.expiresAtText}}.',
    },
    false,
  ),
  'step-overdue': template(
    {
      'zh-CN': '步骤已超时：{{ticket.number}} {{ticket.title}}',
      en: 'Step overdue: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN': '工单 {{ticket.number}}「{{ticket.title}}」的步骤「{{step.name}}」已超过时限，请尽快处理。',
      en: 'The step "{{step.name}}" of ticket {{ticket.number}} "{{ticket.title}}" is overdue; please take care of it.',
    },
  ),
  'sla-warning': template(
    {
      'zh-CN': 'SLA 即将超时：{{ticket.number}} {{ticket.title}}',
      en: 'SLA at risk: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '工单 {{ticket.number}}「{{ticket.title}}」（优先级 {{ticket.priority}}）即将超过服务时限，截止时间：{{sla.dueAtText}}。',
      en: 'Ticket {{ticket.number}} "{{ticket.title}}" (priority {{ticket.priority}}) is close to its SLA target, due {{sla.dueAtText}}.',
    },
  ),
  'sla-breach': template(
    {
      'zh-CN': 'SLA 已超时：{{ticket.number}} {{ticket.title}}',
      en: 'SLA breached: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '工单 {{ticket.number}}「{{ticket.title}}」（优先级 {{ticket.priority}}）已超过服务时限（截止时间 {{sla.dueAtText}}），处理人：{{ticket.assigneeName}}。',
      en: 'Ticket {{ticket.number}} "{{ticket.title}}" (priority {{ticket.priority}}) has breached its SLA target (due {{sla.dueAtText}}); assignee: {{ticket.assigneeName}}.',
    },
  ),
  assigned,
  'ticket-assigned': assigned,
  mentioned: template(
    {
      'zh-CN': '{{actor.name}} 在工单中提到了您：{{ticket.number}}',
      en: '{{actor.name}} mentioned you on {{ticket.number}}',
    },
    {
      'zh-CN':
        '{{recipient.name}}，您好：\n\n{{actor.name}} 在工单 {{ticket.number}}「{{ticket.title}}」中提到了您：\n\n{{comment.body}}',
      en: 'Hello {{recipient.name}},\n\n{{actor.name}} mentioned you on ticket {{ticket.number}} "{{ticket.title}}":\n\n{{comment.body}}',
    },
  ),
  commented,
  'comment-added': commented,
  'assist-requested': template(
    {
      'zh-CN': '请协助处理：{{ticket.number}} {{ticket.title}}',
      en: 'Your help is asked: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '{{recipient.name}}，您好：\n\n{{actor.name}} 请您协助处理工单 {{ticket.number}}「{{ticket.title}}」。',
      en: 'Hello {{recipient.name}},\n\n{{actor.name}} asks for your help with ticket {{ticket.number}} "{{ticket.title}}".',
    },
  ),
  'team-queue-unassigned': template(
    {
      'zh-CN': '工单无人可分派：{{ticket.number}} {{ticket.title}}',
      en: 'Nobody to assign: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '工单 {{ticket.number}}「{{ticket.title}}」进入了团队队列，但当前没有可分派的成员，请安排处理人。',
      en: 'Ticket {{ticket.number}} "{{ticket.title}}" is waiting in the team queue with no available member; please assign someone.',
    },
  ),
  'ticket-cancelled': template(
    {
      'zh-CN': '工单已取消：{{ticket.number}} {{ticket.title}}',
      en: 'Ticket cancelled: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN': '{{recipient.name}}，您好：\n\n工单 {{ticket.number}}「{{ticket.title}}」已取消。',
      en: 'Hello {{recipient.name}},\n\nTicket {{ticket.number}} "{{ticket.title}}" has been cancelled.',
    },
  ),
  'reply-received': template(
    {
      'zh-CN': '提单人已回复：{{ticket.number}} {{ticket.title}}',
      en: 'The requester replied: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN': '工单 {{ticket.number}}「{{ticket.title}}」收到了提单人的回复。',
      en: 'The requester replied on ticket {{ticket.number}} "{{ticket.title}}".',
    },
  ),
};

/** For a template key nobody defined: the message still goes out, saying what changed in general terms. */
export const FALLBACK_TEMPLATE: MessageTemplate = template(
  {
    'zh-CN': '工单有更新：{{ticket.number}} {{ticket.title}}',
    en: 'Ticket updated: {{ticket.number}} {{ticket.title}}',
  },
  {
    'zh-CN':
      '{{recipient.name}}，您好：\n\n工单 {{ticket.number}}「{{ticket.title}}」有更新，当前状态：{{ticket.statusName}}。',
    en: 'Hello {{recipient.name}},\n\nTicket {{ticket.number}} "{{ticket.title}}" was updated; it is now {{ticket.statusName}}.',
  },
);
