/**
 * What the notifications tab computes: the events the product notifies of (with their built-in texts, from the
 * server's defaults), the variables and helpers a template may use, a sample context to preview with (built from
 * the designer's sample ticket), and the runtime's own check and render.
 */
import type { Locale, LocalizedText, Problem } from '../../../../runtime/common/types';
import { formatTicketNumber, parseNumberFormat } from '../../../../runtime/definitions/number-format';
import type { FormField, FormSection } from '../../../../runtime/form/form.types';
import {
  ALLOWED_HELPERS,
  checkNotificationTemplate,
  renderNotification,
  type NotificationTemplate,
  type RenderedNotification,
} from '../../../../runtime/notify';
import { DEFAULT_TEMPLATES } from '../../../../server/notifications/default-templates';
import type { DraftDefinition, SampleTicket } from '../designer.types';

export { ALLOWED_HELPERS };

/** Template keys both the definition schema and the template schema accept. */
export const TEMPLATE_KEY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Events the engine and the SLA clocks notify of on their own; a template of that key replaces the built-in text. */
export const EVENT_KEYS: readonly string[] = Object.keys(DEFAULT_TEMPLATES);

/** The built-in text of an event, or an empty template for a key of the analyst's own (a notify node's). */
export function starterTemplate(key: string): NotificationTemplate {
  const builtIn = DEFAULT_TEMPLATES[key];
  if (builtIn) return JSON.parse(JSON.stringify(builtIn)) as NotificationTemplate;
  return {
    subject: { 'zh-CN': '{{ticket.number}} {{ticket.title}}', en: '{{ticket.number}} {{ticket.title}}' },
    body: {
      'zh-CN': '<p>{{recipient.name}}，您好：</p><p></p><p>{{link ticket.url "查看工单"}}</p>',
      en: '<p>Hello {{recipient.name}},</p><p></p><p>{{link ticket.url "Open the ticket"}}</p>',
    },
  };
}

export function hasBuiltIn(key: string): boolean {
  return Object.hasOwn(DEFAULT_TEMPLATES, key);
}

/** What a template sees (kept in step with `server/notifications/notification-context.ts`). */
export interface TemplateVariable {
  path: string;
  label: LocalizedText;
}

const v = (path: string, zh: string, en: string): TemplateVariable => ({ path, label: { 'zh-CN': zh, en } });

export const TEMPLATE_VARIABLES: readonly TemplateVariable[] = [
  v('ticket.number', '工单编号', 'Ticket number'),
  v('ticket.title', '标题', 'Title'),
  v('ticket.typeName', '工单类型名称', 'Ticket type name'),
  v('ticket.statusName', '状态名称', 'Status name'),
  v('ticket.priority', '优先级（收件人的语言）', "Priority (in the recipient's language)"),
  v('ticket.priorityKey', '优先级标识', 'Priority key'),
  v('ticket.requesterName', '提单人', 'Requester'),
  v('ticket.assigneeName', '处理人', 'Assignee'),
  v('ticket.team', '处理团队', 'Team'),
  v('ticket.url', '工单链接', 'Link to the ticket'),
  v('ticket.createdAt', '提交时间（用 date 输出）', 'Opened at (write with date)'),
  v('ticket.data.<字段>', '表单字段的值', 'A form field value'),
  v('recipient.name', '收件人姓名', "Recipient's name"),
  v('actor.name', '操作人姓名', 'Who acted'),
  v('comment.body', '回复内容', 'Reply text'),
  v('link.url', '免登录确认 / 评价链接', 'Sign-in-free confirm / survey link'),
  v('link.expiresAt', '链接有效期', 'Link valid until'),
  v('step.name', '流程步骤名称', 'Flow step name'),
  v('sla.clock', 'SLA 计时器', 'SLA clock'),
  v('sla.dueAt', 'SLA 到期时间', 'SLA due time'),
];

/** The form's fields and their labels, for `{{field "key"}}` and the variable list. */
export function formFields(draft: DraftDefinition | null): FormField[] {
  const layout = (draft?.form as { layout?: (FormField | FormSection)[] } | undefined)?.layout ?? [];
  const fields: FormField[] = [];
  for (const item of layout) {
    if ('fields' in item && Array.isArray(item.fields)) fields.push(...item.fields);
    else if ('field' in item) fields.push(item);
  }
  return fields;
}

const SAMPLE_NAMES = {
  requester: { 'zh-CN': '王芳', en: 'Wang Fang' },
  assignee: { 'zh-CN': '李雷', en: 'Li Lei' },
  team: { 'zh-CN': '服务台', en: 'Service desk' },
  title: {
    'zh-CN': '示例工单：三楼打印机无法打印',
    en: 'Sample ticket: the 3rd floor printer does not print',
  },
  comment: { 'zh-CN': '已更换硒鼓，请再试一次。', en: 'The toner was replaced, please try again.' },
} as const;

/**
 * A context like the one the server builds for a notification, filled from the designer's sample ticket (its
 * title and form values) and this draft (name, number format, first open status).
 */
export function sampleContext(
  draft: DraftDefinition | null,
  sample: SampleTicket,
  locale: Locale,
  now: number = Date.now(),
): Record<string, unknown> {
  const zone = draft?.zone ?? 'Asia/Shanghai';
  let number = 'T-000042';
  const format = draft?.numberFormat;
  if (typeof format === 'string' && parseNumberFormat(format).problems.length === 0) {
    try {
      number = formatTicketNumber(format, { seq: 42, at: now, zone });
    } catch {
      // An unknown zone: keep the plain sample number.
    }
  }
  const openStatus = (draft?.statuses?.open as { name?: LocalizedText }[] | undefined)?.[0]?.name;
  const iso = (offsetMinutes: number) => new Date(now + offsetMinutes * 60_000).toISOString();
  return {
    ticket: {
      id: 'sample',
      number,
      title: sample.title.trim() || SAMPLE_NAMES.title[locale],
      type: draft?.key ?? '',
      typeName: draft?.name?.[locale] ?? '',
      status: { category: 'open', key: 'in-progress' },
      statusName: openStatus?.[locale] ?? (locale === 'en' ? 'open' : '处理中'),
      priority: locale === 'en' ? 'high' : '高',
      priorityKey: 'high',
      requesterName: SAMPLE_NAMES.requester[locale],
      assigneeName: SAMPLE_NAMES.assignee[locale],
      team: SAMPLE_NAMES.team[locale],
      data: sample.data,
      url: '/tickets/sample',
      createdAt: iso(-90),
    },
    recipient: { name: SAMPLE_NAMES.assignee[locale], locale },
    actor: { name: SAMPLE_NAMES.requester[locale] },
    comment: { body: SAMPLE_NAMES.comment[locale], visibility: 'public' },
    link: { url: '/public/confirm/sample', expiresAt: iso(7 * 24 * 60) },
    step: { id: 'handle', name: locale === 'en' ? 'Handle' : '处理' },
    sla: { clock: 'resolution', dueAt: iso(120) },
    details: {},
  };
}

/** The runtime's render of a template on a context, in one language and zone. */
export function preview(
  template: NotificationTemplate,
  context: Record<string, unknown>,
  options: { locale: Locale; zone: string; fields: FormField[]; key: string; baseUrl: string },
): RenderedNotification {
  return renderNotification(template, context, {
    locale: options.locale,
    zone: options.zone,
    fields: Object.fromEntries(options.fields.map((field) => [field.field, field.label])),
    baseUrl: options.baseUrl,
    templateKey: options.key,
    basePath: `/notifications/${options.key}`,
  });
}

/** The runtime's check of a template when saved: one problem per refused part and language. */
export function templateProblems(template: NotificationTemplate, key: string): Problem[] {
  return checkNotificationTemplate(template, `/notifications/${key}`, key);
}

/** Insert `text` into `value` at the selection, returning the new value and the caret after it. */
export function insertAt(
  value: string,
  text: string,
  selectionStart: number | null | undefined,
  selectionEnd: number | null | undefined,
): { value: string; caret: number } {
  const start = Math.max(0, Math.min(selectionStart ?? value.length, value.length));
  const end = Math.max(start, Math.min(selectionEnd ?? start, value.length));
  return { value: value.slice(0, start) + text + value.slice(end), caret: start + text.length };
}

/** A free key for a new template: `name`, `name-2`… */
export function freeKey(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let suffix = 2; ; suffix += 1) if (!used.has(`${base}-${suffix}`)) return `${base}-${suffix}`;
}
