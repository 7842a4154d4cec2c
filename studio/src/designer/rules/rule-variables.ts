/**
 * The variables a rule may read in each context (DESIGN.md §3 "Rule contexts"), and the sample data a "try it"
 * panel evaluates a rule on — built the way the engine builds the ticket rule context (runtime/engine/rule-context.ts).
 */
import { PRIORITIES, type LocalizedText } from '../../../../runtime/common/types';
import { ticketRuleContext } from '../../../../runtime/engine/rule-context';
import type { TicketState } from '../../../../runtime/engine/types';
import { nodeOutcomes } from '../../../../runtime/flow/registry';
import { computePriority, type PriorityDefinition } from '../../../../runtime/routing/priority';
import { PRIORITY_NAMES } from '../../../../runtime/routing/routing-messages';
import type { RuleEnv } from '../../../../runtime/rules/rule-env';
import {
  PRESET_CALENDARS,
  tryCompileCalendar,
  type BusinessCalendar,
  type BusinessCalendarDefinition,
} from '../../../../runtime/time/index';
import type { DraftDefinition, SampleTicket } from '../designer.types';
import { formRuleVariables } from '../form/form-model';
import type { FormDefinition } from '../../../../runtime/form/form.types';
import type { RuleContextKind, RuleVariableInfo } from './rule-builder.types';

const text = (zh: string, en: string): LocalizedText => ({ 'zh-CN': zh, en });

/** Requester attributes as `GET /api/requester-attributes` lists them (`var`, label, values in use). */
export interface RequesterAttributeInfo {
  var: string;
  label: LocalizedText;
  type?: 'string' | 'number' | 'boolean';
  values?: (string | number | boolean)[];
}

/** The built-in requester attributes, used when the server's list is not available. */
export const BUILT_IN_REQUESTER_ATTRIBUTES: RequesterAttributeInfo[] = [
  { var: 'requester.level', label: text('客户等级', 'Customer level') },
  { var: 'requester.department', label: text('部门', 'Department') },
  { var: 'requester.location', label: text('地点', 'Location') },
  { var: 'requester.costCenter', label: text('成本中心', 'Cost centre') },
  { var: 'requester.manager', label: text('直属上级', 'Manager') },
];

export const CHANNELS = ['portal', 'web', 'email', 'phone', 'chat', 'api'] as const;
const CHANNEL_NAMES: Record<(typeof CHANNELS)[number], LocalizedText> = {
  portal: text('服务门户', 'Portal'),
  web: text('网页', 'Web'),
  email: text('邮件', 'Email'),
  phone: text('电话', 'Phone'),
  chat: text('在线聊天', 'Chat'),
  api: text('接口', 'API'),
};

/**
 * The form's fields as rule variables (the form designer's `formRuleVariables`: label, type, widget, choices),
 * prefixed: `''` in form rules, `data.` in ticket rules.
 */
export function formFieldVariables(draft: Pick<DraftDefinition, 'form'>, prefix = ''): RuleVariableInfo[] {
  return formRuleVariables(draft.form as FormDefinition | undefined).map((variable) => ({
    ...variable,
    path: `${prefix}${variable.path}`,
  }));
}

export interface TicketVariableExtras {
  /** From `GET /api/requester-attributes`; the built-in list otherwise. */
  requesterAttributes?: RequesterAttributeInfo[];
  /** Team keys, for `team` comparisons. */
  teams?: { key: string; name?: LocalizedText }[];
}

/**
 * Variables of ticket rules (routing, priority, SLA targets, edge conditions): `data.<field>`, requester
 * attributes, channel, type, priority, text, status, team, `step.<node>.outcome/result`, `now`.
 */
export function ticketRuleVariables(
  draft: DraftDefinition | null,
  extras: TicketVariableExtras = {},
): RuleVariableInfo[] {
  const variables: RuleVariableInfo[] = draft
    ? formFieldVariables(draft, 'data.').map((variable) => ({
        ...variable,
        label: {
          'zh-CN': `表单 · ${variable.label['zh-CN'] || variable.path}`,
          en: `Form · ${variable.label.en || variable.path}`,
        },
      }))
    : [];
  for (const attribute of extras.requesterAttributes ?? BUILT_IN_REQUESTER_ATTRIBUTES) {
    const info: RuleVariableInfo = {
      path: attribute.var,
      label: {
        'zh-CN': `提单人 · ${attribute.label['zh-CN']}`,
        en: `Requester · ${attribute.label.en}`,
      },
      type: attribute.type === 'number' ? 'number' : attribute.type === 'boolean' ? 'boolean' : 'string',
    };
    if (attribute.var === 'requester.manager') info.type = 'user';
    if (attribute.values && attribute.values.length > 0 && info.type === 'string') {
      info.type = 'enum';
      info.options = attribute.values.map((value) => ({ value, label: text(String(value), String(value)) }));
    }
    variables.push(info);
  }
  variables.push(
    {
      path: 'channel',
      label: text('渠道', 'Channel'),
      type: 'enum',
      options: CHANNELS.map((value) => ({ value, label: CHANNEL_NAMES[value] })),
    },
    {
      path: 'type',
      label: text('工单类型', 'Ticket type'),
      type: 'enum',
      options: draft ? [{ value: draft.key, label: draft.name }] : [],
    },
    {
      path: 'priority',
      label: text('优先级', 'Priority'),
      type: 'enum',
      options: PRIORITIES.map((value) => ({ value, label: PRIORITY_NAMES[value] })),
    },
    { path: 'text', label: text('标题与描述', 'Title and description'), type: 'string' },
  );
  const statuses = Object.values(draft?.statuses ?? {}).flat() as { key: string; name: LocalizedText }[];
  if (statuses.length > 0) {
    variables.push({
      path: 'status',
      label: text('状态', 'Status'),
      type: 'enum',
      options: statuses.map((status) => ({ value: status.key, label: status.name })),
    });
  }
  const teamInfo: RuleVariableInfo = { path: 'team', label: text('处理团队', 'Team'), type: 'team' };
  if (extras.teams && extras.teams.length > 0) {
    teamInfo.options = extras.teams.map((team) => ({
      value: team.key,
      label: team.name ?? text(team.key, team.key),
    }));
  }
  variables.push(teamInfo, { path: 'assignee', label: text('处理人', 'Assignee'), type: 'user' });
  for (const node of (draft?.flow?.nodes ?? []) as {
    id: string;
    type: string;
    data?: Record<string, unknown>;
  }[]) {
    const name = (node.data?.name as LocalizedText | undefined) ?? text(node.id, node.id);
    const outcomes = nodeOutcomes(node.type, node.data);
    if (outcomes.length > 0) {
      variables.push({
        path: `step.${node.id}.outcome`,
        label: { 'zh-CN': `步骤 · ${name['zh-CN']} · 结果`, en: `Step · ${name.en} · outcome` },
        type: 'enum',
        options: outcomes.map((value) => ({ value, label: text(value, value) })),
      });
    }
    if (node.type === 'approval') {
      variables.push({
        path: `step.${node.id}.result`,
        label: { 'zh-CN': `步骤 · ${name['zh-CN']} · 审批结果`, en: `Step · ${name.en} · approval result` },
        type: 'enum',
        options: [
          { value: 'approved', label: text('同意', 'Approved') },
          { value: 'rejected', label: text('驳回', 'Rejected') },
          { value: 'sent-back', label: text('退回', 'Sent back') },
        ],
      });
    }
  }
  variables.push({ path: 'now', label: text('当前时间', 'Now'), type: 'datetime' });
  return variables;
}

/** The variables of a context: form rules read the form, every other rule reads the ticket. */
export function variablesFor(
  context: RuleContextKind,
  draft: DraftDefinition | null,
  extras: TicketVariableExtras = {},
): RuleVariableInfo[] {
  if (context === 'form') return draft ? formFieldVariables(draft) : [];
  return ticketRuleVariables(draft, extras);
}

/**
 * The calendar rules of this type run on, as the engine picks it: the SLA policy's calendar (embedded in the
 * draft or a preset), else the business preset.
 */
export function draftCalendar(draft: DraftDefinition | null): BusinessCalendar | undefined {
  const sla = draft?.sla as { calendar?: unknown } | undefined;
  const key = typeof sla?.calendar === 'string' ? sla.calendar : 'cn-standard';
  const embedded = (draft?.calendars as Record<string, BusinessCalendarDefinition> | undefined)?.[key];
  if (embedded) {
    const compiled = tryCompileCalendar(embedded);
    if (compiled.ok) return compiled.value;
  }
  return PRESET_CALENDARS.get(key) ?? PRESET_CALENDARS.get('cn-standard');
}

/** The rule env of a try-it run: the clock and the type's calendar. */
export function sampleRuleEnv(draft: DraftDefinition | null, now: number): RuleEnv {
  const calendar = draftCalendar(draft);
  return calendar ? { now, calendar } : { now };
}

/**
 * The ticket rule context of the shared sample, as the engine builds it when the ticket is opened (status: the
 * first `new` status; no steps yet). Without an explicit `priority`, the draft's priority rules are run first, as
 * the engine does before routing.
 */
export function sampleTicketContext(
  draft: DraftDefinition | null,
  sample: SampleTicket,
  options: { now: number; priority?: string },
): Record<string, unknown> {
  const firstNew = (draft?.statuses as Record<string, { key: string }[]> | undefined)?.new?.[0]?.key ?? 'new';
  const requester = { ...sample.requester };
  if (typeof requester.id !== 'string') requester.id = 'sample-requester-1';
  const state = {
    data: sample.data,
    requester,
    channel: sample.channel,
    typeKey: draft?.key ?? '',
    priority: options.priority ?? 'medium',
    status: { key: firstNew, category: 'new' },
    tags: [],
    steps: {},
  } as unknown as TicketState;
  const context = ticketRuleContext(state, options.now);
  if (options.priority === undefined && draft?.priority) {
    try {
      const decided = computePriority(draft.priority as PriorityDefinition, context, {
        ...sampleRuleEnv(draft, options.now),
        basePath: '/priority',
      });
      context.priority = decided.priority;
    } catch {
      // A half-written priority part: the ticket keeps the default priority.
    }
  }
  return context;
}

/** What a rule of this context sees of the sample: the form values, or the ticket context. */
export function sampleRuleContext(
  context: RuleContextKind,
  draft: DraftDefinition | null,
  sample: SampleTicket,
  now: number,
): Record<string, unknown> {
  return context === 'form' ? { ...sample.data } : sampleTicketContext(draft, sample, { now });
}
