/**
 * The lists the property panels pick from, read from the draft (form fields, statuses, notification templates,
 * steps) and the directory (teams, people, roles), and the rule variables an edge condition may read.
 */
import type { LocalizedText } from '../../../../runtime/common/types';
import type { FormField, FormSection, WidgetKind } from '../../../../runtime/form/form.types';
import type { RuleVariableInfo } from '../rules/rule-builder.types';
import type { DraftDefinition } from '../designer.types';
import type { PickOption } from './panel-context';
import { flowOf, nodeLabel } from './flow-model';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: LocalizedText | undefined, locale: string): string =>
  value ? ((locale === 'en' ? value.en || value['zh-CN'] : value['zh-CN'] || value.en) ?? '') : '';

/** Every field of the draft's form, in layout order, then any only in the data schema. */
export function formFields(draft: DraftDefinition | null): FormField[] {
  const form = draft?.form as
    { layout?: FormSection[]; schema?: { properties?: Record<string, unknown> } } | undefined;
  const fields: FormField[] = [];
  const seen = new Set<string>();
  for (const section of Array.isArray(form?.layout) ? form.layout : []) {
    for (const field of Array.isArray(section?.fields) ? section.fields : []) {
      if (typeof field?.field !== 'string' || seen.has(field.field)) continue;
      seen.add(field.field);
      fields.push(field);
    }
  }
  const properties = isRecord(form?.schema?.properties) ? form.schema.properties : {};
  for (const key of Object.keys(properties)) {
    if (seen.has(key)) continue;
    seen.add(key);
    fields.push({ field: key, widget: 'text', label: { 'zh-CN': key, en: key } });
  }
  return fields;
}

export function fieldOptions(draft: DraftDefinition | null, locale: string): PickOption[] {
  return formFields(draft).map((field) => ({
    value: field.field,
    label: `${text(field.label, locale) || field.field} (${field.field})`,
  }));
}

export function statusOptions(draft: DraftDefinition | null, locale: string): PickOption[] {
  const statuses = isRecord(draft?.statuses) ? draft.statuses : {};
  const out: PickOption[] = [];
  for (const list of Object.values(statuses)) {
    if (!Array.isArray(list)) continue;
    for (const status of list as { key?: string; name?: LocalizedText }[])
      if (typeof status?.key === 'string')
        out.push({ value: status.key, label: `${text(status.name, locale) || status.key} (${status.key})` });
  }
  return out;
}

export function templateOptions(draft: DraftDefinition | null, locale: string): PickOption[] {
  const notifications = isRecord(draft?.notifications) ? draft.notifications : {};
  return Object.entries(notifications).map(([key, template]) => {
    const name = isRecord(template) ? (template.name as LocalizedText | undefined) : undefined;
    return { value: key, label: name ? `${text(name, locale)} (${key})` : key };
  });
}

export function nodeOptions(draft: DraftDefinition | null, locale: string): PickOption[] {
  return flowOf(draft).nodes.map((node) => ({
    value: node.id,
    label: `${nodeLabel(node, locale)} (${node.id})`,
  }));
}

const WIDGET_TYPES: Partial<Record<WidgetKind, RuleVariableInfo['type']>> = {
  number: 'number',
  money: 'number',
  rating: 'number',
  date: 'date',
  datetime: 'datetime',
  select: 'enum',
  radio: 'enum',
  multiselect: 'array',
  checkbox: 'boolean',
  user: 'user',
  team: 'team',
};

/** What a condition on an edge may read: the ticket's form values, requester, channel, priority, earlier steps. */
export function ticketVariables(draft: DraftDefinition | null, locale: string): RuleVariableInfo[] {
  const variables: RuleVariableInfo[] = formFields(draft).map((field) => {
    const variable: RuleVariableInfo = {
      path: `data.${field.field}`,
      label: field.label,
      type: WIDGET_TYPES[field.widget] ?? 'string',
      widget: field.widget,
    };
    if (field.options) variable.options = field.options;
    return variable;
  });
  variables.push(
    {
      path: 'priority',
      label: { 'zh-CN': '优先级', en: 'Priority' },
      type: 'enum',
      options: ['urgent', 'high', 'medium', 'low'].map((value) => ({
        value,
        label: { 'zh-CN': value, en: value },
      })),
    },
    { path: 'channel', label: { 'zh-CN': '渠道', en: 'Channel' }, type: 'string' },
    { path: 'requester.level', label: { 'zh-CN': '申请人职级', en: 'Requester level' }, type: 'string' },
    {
      path: 'requester.department',
      label: { 'zh-CN': '申请人部门', en: 'Requester department' },
      type: 'string',
    },
  );
  for (const node of flowOf(draft).nodes) {
    if (node.type !== 'approval' && node.type !== 'task') continue;
    const name = nodeLabel(node, locale);
    if (node.type === 'approval') {
      variables.push({
        path: `step.${node.id}.result`,
        label: { 'zh-CN': `${name} 的审批结果`, en: `Result of ${name}` },
        type: 'enum',
        options: [
          { value: 'approved', label: { 'zh-CN': '通过', en: 'approved' } },
          { value: 'rejected', label: { 'zh-CN': '驳回', en: 'rejected' } },
        ],
      });
    } else {
      const outcomes =
        isRecord(node.data) && Array.isArray(node.data.outcomes)
          ? (node.data.outcomes as string[])
          : ['done'];
      variables.push({
        path: `step.${node.id}.outcome`,
        label: { 'zh-CN': `${name} 的处理结果`, en: `Outcome of ${name}` },
        type: 'enum',
        options: outcomes.map((value) => ({ value, label: { 'zh-CN': value, en: value } })),
      });
    }
  }
  return variables;
}
