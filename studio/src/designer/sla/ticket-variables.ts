/**
 * The variables a ticket rule (an SLA target's `when`) may read, for the rule builder: the ticket's own
 * (priority, channel, type, requester, text) and every field of the draft's form as `data.<field>`.
 */
import { PRIORITIES, type LocalizedText } from '../../../../runtime/common/types';
import type { FormField, FormSection } from '../../../../runtime/form/form.types';
import type { RuleVariableInfo } from '../rules/rule-builder.types';
import type { DraftDefinition } from '../designer.types';

const text = (zh: string, en: string): LocalizedText => ({ 'zh-CN': zh, en });

const PRIORITY_NAMES: Record<string, LocalizedText> = {
  urgent: text('紧急', 'Urgent'),
  high: text('高', 'High'),
  medium: text('中', 'Medium'),
  low: text('低', 'Low'),
};

const NUMERIC = new Set(['number', 'money', 'rating']);
const DATES = new Set(['date', 'datetime']);
const CHOICES = new Set(['select', 'radio']);

export function ticketVariables(draft: DraftDefinition | null): RuleVariableInfo[] {
  const variables: RuleVariableInfo[] = [
    {
      path: 'priority',
      label: text('优先级', 'Priority'),
      type: 'enum',
      options: PRIORITIES.map((value) => ({ value, label: PRIORITY_NAMES[value] ?? text(value, value) })),
    },
    {
      path: 'channel',
      label: text('渠道', 'Channel'),
      type: 'enum',
      options: ['portal', 'email', 'api', 'phone'].map((value) => ({ value, label: text(value, value) })),
    },
    { path: 'type', label: text('工单类型', 'Ticket type'), type: 'string' },
    { path: 'text', label: text('标题和描述', 'Title and description'), type: 'string' },
    { path: 'requester.level', label: text('提单人级别', 'Requester level'), type: 'string' },
    { path: 'requester.department', label: text('提单人部门', 'Requester department'), type: 'string' },
  ];
  const layout = (draft?.form as { layout?: (FormField | FormSection)[] } | undefined)?.layout ?? [];
  const fields: FormField[] = [];
  for (const item of layout) {
    if ('fields' in item && Array.isArray(item.fields)) fields.push(...item.fields);
    else if ('field' in item) fields.push(item);
  }
  for (const field of fields) {
    const type: RuleVariableInfo['type'] = NUMERIC.has(field.widget)
      ? 'number'
      : DATES.has(field.widget)
        ? field.widget === 'date'
          ? 'date'
          : 'datetime'
        : CHOICES.has(field.widget)
          ? 'enum'
          : field.widget === 'multiselect' || field.widget === 'checkbox'
            ? 'array'
            : field.widget === 'user'
              ? 'user'
              : field.widget === 'team'
                ? 'team'
                : 'string';
    variables.push({
      path: `data.${field.field}`,
      label: field.label ?? text(field.field, field.field),
      type,
      widget: field.widget,
      ...(field.options ? { options: field.options } : {}),
    });
  }
  return variables;
}
