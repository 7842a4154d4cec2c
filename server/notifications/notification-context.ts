import type { Locale, LocalizedText, StatusCategory } from '../../runtime/common/types.js';
import type { TicketEffect, TicketState } from '../../runtime/engine/types.js';
import type { LoadedDefinition } from '../tickets/ticket.service.js';
import type { Addressee } from './recipients.js';

/**
 * What a template sees. Documented for analysts in README.md; keep the two in step. Instants are ISO strings:
 * templates write them with `{{date …}}`, in the recipient's language and zone.
 */
export interface NotificationContext {
  ticket: {
    id: string;
    number: string;
    title: string;
    type: string;
    typeName: string;
    status: { category: string; key: string };
    statusName: string;
    priority: string;
    priorityKey: string;
    requesterName: string;
    assigneeName: string;
    team: string;
    data: Record<string, unknown>;
    url: string;
    createdAt: string;
  };
  recipient: { name: string; locale: Locale };
  actor: { name: string };
  comment?: { body: string; visibility: string };
  link?: { url: string; expiresAt: string };
  step?: { id: string; name: string };
  sla?: { clock: string; dueAt: string };
  /** The effect's own payload (reason, escalation step…), for templates of custom notify nodes. */
  details: Record<string, unknown>;
  [extra: string]: unknown;
}

const PRIORITY_NAMES: Record<string, LocalizedText> = {
  urgent: { 'zh-CN': '紧急', en: 'urgent' },
  high: { 'zh-CN': '高', en: 'high' },
  medium: { 'zh-CN': '中', en: 'medium' },
  low: { 'zh-CN': '低', en: 'low' },
};

const CATEGORY_NAMES: Record<StatusCategory, LocalizedText> = {
  new: { 'zh-CN': '新建', en: 'new' },
  open: { 'zh-CN': '处理中', en: 'open' },
  pending: { 'zh-CN': '挂起', en: 'pending' },
  resolved: { 'zh-CN': '待确认', en: 'resolved' },
  closed: { 'zh-CN': '已关闭', en: 'closed' },
  cancelled: { 'zh-CN': '已取消', en: 'cancelled' },
};

const SYSTEM_ACTOR: LocalizedText = { 'zh-CN': '系统', en: 'Ordo' };

function pick(text: unknown, locale: Locale): string | undefined {
  if (typeof text === 'string') return text;
  if (typeof text === 'object' && text !== null) {
    const value = (text as Record<string, unknown>)[locale];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

export function statusName(
  definition: LoadedDefinition | undefined,
  state: TicketState,
  locale: Locale,
): string {
  const statuses = definition?.definition.statuses as
    Record<string, { key: string; name?: unknown }[]> | undefined;
  const named = statuses?.[state.status.category]?.find((status) => status.key === state.status.key);
  return pick(named?.name, locale) ?? CATEGORY_NAMES[state.status.category][locale];
}

function stepName(definition: LoadedDefinition | undefined, nodeId: string, locale: Locale): string {
  const flow = definition?.definition.flow as
    { nodes?: { id: string; data?: { name?: unknown } }[] } | undefined;
  const node = flow?.nodes?.find((candidate) => candidate.id === nodeId);
  return pick(node?.data?.name, locale) ?? nodeId;
}

export interface ContextInput {
  state: TicketState;
  definition: LoadedDefinition | undefined;
  addressee: Addressee;
  effect: TicketEffect;
  actorName: string | undefined;
  /** Display names of the people the ticket names (assignee), by user id. */
  names: Record<string, string>;
  publicUrl: string;
  comment?: { body: string; visibility: string };
  link?: { url: string; expiresAt: number };
}

const RESERVED_EFFECT_FIELDS = new Set(['kind', 'key', 'ticketId', 'recipients', 'channels', 'template']);

export function buildNotificationContext(input: ContextInput): NotificationContext {
  const { state, definition, addressee, effect } = input;
  const locale = addressee.locale;
  const title =
    (typeof state.data.title === 'string' && state.data.title) ||
    (typeof state.data.subject === 'string' && state.data.subject) ||
    state.number;
  const details: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(effect))
    if (!RESERVED_EFFECT_FIELDS.has(name)) details[name] = value;

  const context: NotificationContext = {
    ticket: {
      id: state.id,
      number: state.number,
      title,
      type: state.typeKey,
      typeName: pick(definition?.definition.name, locale) ?? state.typeKey,
      status: { category: state.status.category, key: state.status.key },
      statusName: statusName(definition, state, locale),
      priority: PRIORITY_NAMES[state.priority]?.[locale] ?? state.priority,
      priorityKey: state.priority,
      requesterName: state.requester.name ?? '',
      assigneeName: state.assignee ? (input.names[state.assignee] ?? '') : '',
      team: state.team ?? '',
      data: state.data,
      url: `${input.publicUrl.replace(/\/$/, '')}/tickets/${encodeURIComponent(state.id)}`,
      createdAt: new Date(state.createdAt).toISOString(),
    },
    recipient: { name: addressee.name, locale },
    actor: { name: input.actorName ?? SYSTEM_ACTOR[locale] },
    details,
  };
  if (input.comment) context.comment = input.comment;
  if (input.link) {
    context.link = {
      url: input.link.url,
      expiresAt: new Date(input.link.expiresAt).toISOString(),
    };
  }
  if (typeof effect.nodeId === 'string')
    context.step = { id: effect.nodeId, name: stepName(definition, effect.nodeId, locale) };
  if (typeof effect.dueAt === 'number') {
    context.sla = {
      clock: typeof effect.clock === 'string' ? effect.clock : '',
      dueAt: new Date(effect.dueAt).toISOString(),
    };
  }
  return context;
}

/** Labels of the type's form fields, for `{{field "key"}}`. */
export function fieldLabels(definition: LoadedDefinition | undefined): Record<string, LocalizedText> {
  const form = definition?.definition.form as
    { layout?: { fields?: { field?: unknown; label?: unknown }[] }[] } | undefined;
  const labels: Record<string, LocalizedText> = {};
  for (const section of form?.layout ?? []) {
    for (const field of section.fields ?? []) {
      const label = field.label as Partial<LocalizedText> | undefined;
      if (
        typeof field.field === 'string' &&
        typeof label?.['zh-CN'] === 'string' &&
        typeof label.en === 'string'
      ) {
        labels[field.field] = { 'zh-CN': label['zh-CN'], en: label.en };
      }
    }
  }
  return labels;
}
