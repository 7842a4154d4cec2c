import type { LocalizedText } from '../../runtime/common/types.js';
import type { NotificationTemplate } from '../../runtime/notify/index.js';

/**
 * Built-in texts for the notifications the engine and the SLA clocks send on their own, used when a ticket type
 * does not define a template of that key. Subjects are plain text, bodies HTML (values are escaped by the
 * renderer). They use only the context the notification service builds (`notification-context.ts`) and the
 * runtime's allowed helpers (`date`, `link`).
 */
const greeting: LocalizedText = {
  'zh-CN': '<p>{{recipient.name}}，您好：</p>',
  en: '<p>Hello {{recipient.name}},</p>',
};
const openTicket: LocalizedText = {
  'zh-CN': '<p>{{link ticket.url "查看工单"}}</p>',
  en: '<p>{{link ticket.url "Open the ticket"}}</p>',
};
const quotedComment = '<blockquote>{{comment.body}}</blockquote>';

function template(
  subject: LocalizedText,
  body: LocalizedText,
  options: { greet?: boolean; footer?: boolean } = {},
): NotificationTemplate {
  const wrap = (locale: 'zh-CN' | 'en') =>
    `${options.greet === false ? '' : greeting[locale]}${body[locale]}${options.footer === false ? '' : openTicket[locale]}`;
  return { subject, body: { 'zh-CN': wrap('zh-CN'), en: wrap('en') } };
}

const assigned = template(
  {
    'zh-CN': '工单已分派给您：{{ticket.number}} {{ticket.title}}',
    en: 'Assigned to you: {{ticket.number}} {{ticket.title}}',
  },
  {
    'zh-CN': '<p>工单 {{ticket.number}}「{{ticket.title}}」已分派给您，优先级：{{ticket.priority}}。</p>',
    en: '<p>Ticket {{ticket.number}} “{{ticket.title}}” is now assigned to you (priority {{ticket.priority}}).</p>',
  },
);

const commented = template(
  {
    'zh-CN': '工单有新回复：{{ticket.number}} {{ticket.title}}',
    en: 'New reply on {{ticket.number}} {{ticket.title}}',
  },
  {
    'zh-CN': `<p>{{actor.name}} 在工单 {{ticket.number}} 中回复：</p>${quotedComment}`,
    en: `<p>{{actor.name}} replied on ticket {{ticket.number}}:</p>${quotedComment}`,
  },
);

export const DEFAULT_TEMPLATES: Record<string, NotificationTemplate> = {
  'approval-requested': template(
    {
      'zh-CN': '待您审批：{{ticket.number}} {{ticket.title}}',
      en: 'Approval needed: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '<p>工单 {{ticket.number}}「{{ticket.title}}」等待您审批（提单人：{{ticket.requesterName}}）。</p>',
      en: '<p>Ticket {{ticket.number}} “{{ticket.title}}” from {{ticket.requesterName}} is waiting for your approval.</p>',
    },
  ),
  'confirm-requested': template(
    {
      'zh-CN': '请确认问题已解决：{{ticket.number}} {{ticket.title}}',
      en: 'Please confirm the fix: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '<p>您的工单 {{ticket.number}}「{{ticket.title}}」已处理完毕。请确认问题是否已解决；如仍未解决，可重新打开工单：</p>' +
        '<p>{{link link.url "确认或重新打开"}}</p>' +
        '<p>无需登录，链接有效期至 {{date link.expiresAt}}。未确认的工单将在规定时间后自动关闭。</p>',
      en:
        '<p>Your ticket {{ticket.number}} “{{ticket.title}}” has been resolved. Please confirm the fix, or reopen the ticket if the problem remains:</p>' +
        '<p>{{link link.url "Confirm or reopen"}}</p>' +
        '<p>No sign-in needed; the link works until {{date link.expiresAt}}. Without an answer the ticket closes automatically after the set time.</p>',
    },
    { footer: false },
  ),
  survey: template(
    {
      'zh-CN': '请评价本次服务：{{ticket.number}} {{ticket.title}}',
      en: 'How did we do? {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '<p>工单 {{ticket.number}}「{{ticket.title}}」已完成。请花几秒钟告诉我们您是否满意（满意 / 一般 / 不满意）：</p>' +
        '<p>{{link link.url "评价本次服务"}}</p><p>链接有效期至 {{date link.expiresAt}}。</p>',
      en:
        '<p>Ticket {{ticket.number}} “{{ticket.title}}” is done. Please take a few seconds to tell us how satisfied you are (satisfied / neutral / dissatisfied):</p>' +
        '<p>{{link link.url "Rate the service"}}</p><p>The link works until {{date link.expiresAt}}.</p>',
    },
    { footer: false },
  ),
  'step-overdue': template(
    {
      'zh-CN': '步骤已超时：{{ticket.number}} {{ticket.title}}',
      en: 'Step overdue: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '<p>工单 {{ticket.number}}「{{ticket.title}}」的步骤「{{step.name}}」已超过时限，请尽快处理。</p>',
      en: '<p>The step “{{step.name}}” of ticket {{ticket.number}} “{{ticket.title}}” is overdue; please take care of it.</p>',
    },
  ),
  'sla-warning': template(
    {
      'zh-CN': 'SLA 即将超时：{{ticket.number}} {{ticket.title}}',
      en: 'SLA at risk: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '<p>工单 {{ticket.number}}「{{ticket.title}}」（优先级 {{ticket.priority}}）即将超过服务时限{{#if sla.dueAt}}，截止时间：{{date sla.dueAt}}{{/if}}。</p>',
      en: '<p>Ticket {{ticket.number}} “{{ticket.title}}” (priority {{ticket.priority}}) is close to its SLA target{{#if sla.dueAt}}, due {{date sla.dueAt}}{{/if}}.</p>',
    },
  ),
  'sla-breach': template(
    {
      'zh-CN': 'SLA 已超时：{{ticket.number}} {{ticket.title}}',
      en: 'SLA breached: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '<p>工单 {{ticket.number}}「{{ticket.title}}」（优先级 {{ticket.priority}}）已超过服务时限{{#if sla.dueAt}}（截止时间 {{date sla.dueAt}}）{{/if}}。处理人：{{#if ticket.assigneeName}}{{ticket.assigneeName}}{{else}}未分派{{/if}}。</p>',
      en: '<p>Ticket {{ticket.number}} “{{ticket.title}}” (priority {{ticket.priority}}) has breached its SLA target{{#if sla.dueAt}} (due {{date sla.dueAt}}){{/if}}. Assignee: {{#if ticket.assigneeName}}{{ticket.assigneeName}}{{else}}nobody yet{{/if}}.</p>',
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
      'zh-CN': `<p>{{actor.name}} 在工单 {{ticket.number}}「{{ticket.title}}」中提到了您：</p>${quotedComment}`,
      en: `<p>{{actor.name}} mentioned you on ticket {{ticket.number}} “{{ticket.title}}”:</p>${quotedComment}`,
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
      'zh-CN': '<p>{{actor.name}} 请您协助处理工单 {{ticket.number}}「{{ticket.title}}」。</p>',
      en: '<p>{{actor.name}} asks for your help with ticket {{ticket.number}} “{{ticket.title}}”.</p>',
    },
  ),
  'team-queue-unassigned': template(
    {
      'zh-CN': '工单无人可分派：{{ticket.number}} {{ticket.title}}',
      en: 'Nobody to assign: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN':
        '<p>工单 {{ticket.number}}「{{ticket.title}}」进入了团队队列，但当前没有可分派的成员，请安排处理人。</p>',
      en: '<p>Ticket {{ticket.number}} “{{ticket.title}}” is waiting in the team queue with no available member; please assign someone.</p>',
    },
  ),
  'ticket-cancelled': template(
    {
      'zh-CN': '工单已取消：{{ticket.number}} {{ticket.title}}',
      en: 'Ticket cancelled: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN': '<p>工单 {{ticket.number}}「{{ticket.title}}」已取消。</p>',
      en: '<p>Ticket {{ticket.number}} “{{ticket.title}}” has been cancelled.</p>',
    },
  ),
  'reply-received': template(
    {
      'zh-CN': '提单人已回复：{{ticket.number}} {{ticket.title}}',
      en: 'The requester replied: {{ticket.number}} {{ticket.title}}',
    },
    {
      'zh-CN': '<p>工单 {{ticket.number}}「{{ticket.title}}」收到了提单人的回复。</p>',
      en: '<p>The requester replied on ticket {{ticket.number}} “{{ticket.title}}”.</p>',
    },
  ),
};

/** For a template key nobody defined: the message still goes out, saying what changed in general terms. */
export const FALLBACK_TEMPLATE: NotificationTemplate = template(
  {
    'zh-CN': '工单有更新：{{ticket.number}} {{ticket.title}}',
    en: 'Ticket updated: {{ticket.number}} {{ticket.title}}',
  },
  {
    'zh-CN': '<p>工单 {{ticket.number}}「{{ticket.title}}」有更新，当前状态：{{ticket.statusName}}。</p>',
    en: '<p>Ticket {{ticket.number}} “{{ticket.title}}” was updated; it is now {{ticket.statusName}}.</p>',
  },
);
