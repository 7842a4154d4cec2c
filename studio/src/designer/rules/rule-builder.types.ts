/**
 * What the rule builder needs to know about the variables a rule may read. Form rules read the form's own
 * values (`{"var": "service"}`); routing, priority, SLA and edge rules read the ticket (`data.*`, `requester.*`,
 * `channel`, `type`, `priority`, `text`, `step.<node>.*`, `now`) — DESIGN.md §3 "Rule contexts".
 */
import type { LocalizedText } from '../../../../runtime/common/types';
import type { FieldOption, WidgetKind } from '../../../../runtime/form/form.types';

export type RuleContextKind = 'form' | 'ticket';

export interface RuleVariableInfo {
  /** The json-logic `var` path, e.g. `data.service`, `requester.level`, `priority`. */
  path: string;
  label: LocalizedText;
  /** Drives the operators offered and the value widget. */
  type: 'string' | 'number' | 'boolean' | 'date' | 'datetime' | 'array' | 'enum' | 'user' | 'team';
  /** The form widget behind it, when it is a form field. */
  widget?: WidgetKind;
  options?: FieldOption[];
}
