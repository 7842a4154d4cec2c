import type { LocalizedText } from '../common/types.js';

/** Field kinds users expect (DESIGN.md §3), each a widget of the studio, the portal and the agent console. */
export const WIDGET_KINDS = [
  'text',
  'textarea',
  'number',
  'money',
  'date',
  'datetime',
  'daterange',
  'select',
  'multiselect',
  'radio',
  'checkbox',
  'user',
  'team',
  'attachment',
  'rating',
  'table',
  'record',
] as const;
export type WidgetKind = (typeof WIDGET_KINDS)[number];

export interface FieldOption {
  value: string | number | boolean;
  label: LocalizedText;
}

/** A column of a `table` field: the rows are objects of the column keys. */
export interface TableColumn {
  field: string;
  widget: WidgetKind;
  label: LocalizedText;
  options?: FieldOption[];
}

/** One field of the layout; its value's shape is `schema.properties[field]`. */
export interface FormField {
  /** Key of the value in the ticket's data: a valid stored key (no `.`, no leading `$`). */
  field: string;
  widget: WidgetKind;
  label: LocalizedText;
  help?: LocalizedText;
  placeholder?: LocalizedText;
  /** Value a new form starts with. */
  default?: unknown;
  /** json-logic over the form's own values; absent = always visible / never required-by-rule / editable. */
  visibleWhen?: unknown;
  requiredWhen?: unknown;
  readOnlyWhen?: unknown;
  /** Choices of select / multiselect / radio / checkbox, when not taken from the schema's `enum`. */
  options?: FieldOption[];
  /** money: ISO 4217 code, e.g. CNY. */
  currency?: string;
  /** rating: highest score (default 5). */
  scale?: number;
  /** table: the columns of each row. */
  columns?: TableColumn[];
  /** record: which kind of record is linked (e.g. `asset`, `crm.customer`). */
  recordType?: string;
  /** user / team / attachment / record: more than one value. */
  multiple?: boolean;
}

export interface FormSection {
  section: string;
  title: LocalizedText;
  description?: LocalizedText;
  visibleWhen?: unknown;
  fields: FormField[];
}

/** What a flow step changes on the form (DESIGN.md §3 "step forms"). */
export interface StepFieldRights {
  /** Fields shown only at this step (their value shape is in the form's data schema). */
  fields?: FormField[];
  /** Title of the section the step's own fields are shown in. */
  title?: LocalizedText;
  /** Fields shown but not editable at this step. */
  readOnly?: string[];
  /** Fields not shown at this step (their values are kept on the ticket, not sent nor changed). */
  hidden?: string[];
  /** When present, only these fields (and the step's own fields) may be edited at this step. */
  editable?: string[];
}

export interface FormDefinition {
  /** JSON Schema of the data: an object whose properties are the fields. */
  schema: Record<string, unknown>;
  layout: FormSection[];
  /** Field rights per flow step id. */
  steps?: Record<string, StepFieldRights>;
}
