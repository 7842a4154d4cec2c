import { shallowReactive, toRaw } from 'vue';
import type { FormDefinition, FormEvaluation, FormField } from '../../../../runtime/form/index';

type Problem = FormEvaluation['errors'][number];

/**
 * What one row of `TicketForm` shows, kept as one small reactive object per field for the form's life. A change
 * of the data or of the evaluation writes into these objects, and Vue only wakes a row whose own entries took a
 * new value: a keystroke in one field re-renders that field's row (and the rows it shows or hides), never the
 * form nor the 100 other rows with their inputs, selects and date pickers.
 */
export interface FormRowState {
  value: unknown;
  visible: boolean;
  required: boolean;
  readOnly: boolean;
  /** The message under the field: the server's refusal, else the runtime's once the field was visited. */
  error: string;
  /** Show every problem now (after a submit attempt); tables show their cells' own. */
  revealAll: boolean;
  /** Tables: the runtime's problems of this field only (paths `/data/<field>/…`). */
  problems: readonly Problem[];
  /** Tables and attachments: the server's refusals of this field and of its parts (`items.0.qty`). */
  serverErrors: Readonly<Record<string, string>>;
}

/** What a row asks of the form: a field's new value (`touch` too: judged at once), and "left the field". */
export interface FormRowActions {
  set: (field: string, value: unknown, touch?: boolean) => void;
  touch: (field: string) => void;
}

/** The rows of one form definition: a state per field and whether each section has anything to show. */
export interface FormRows {
  rows: ReadonlyMap<string, FormRowState>;
  /** By section key: visible and holding at least one visible field. */
  sections: Record<string, boolean>;
}

/** What the rows are worked out from. */
export interface FormRowsInput {
  form: FormDefinition;
  evaluation: FormEvaluation;
  data: Readonly<Record<string, unknown>>;
  serverErrors: Readonly<Record<string, string>>;
  touched: ReadonlySet<string>;
  revealAll: boolean;
  text: (value: Problem['text']) => string;
}

const NO_PROBLEMS: readonly Problem[] = Object.freeze([]);
const NO_ERRORS: Readonly<Record<string, string>> = Object.freeze({});

/** `/data/hostname` or `/data/rows/0/qty` → `hostname`. */
export function fieldOfPath(path: string): string | undefined {
  const [, root, key] = path.split('/');
  return root === 'data' && key !== undefined ? key.replace(/~1/g, '/').replace(/~0/g, '~') : undefined;
}

export function formFields(form: FormDefinition): FormField[] {
  return (form.layout ?? []).flatMap((section) => section.fields);
}

/** A state per field of `form`, all hidden until the first `syncFormRows`. */
export function createFormRows(form: FormDefinition): FormRows {
  const rows = new Map<string, FormRowState>();
  for (const field of formFields(form))
    rows.set(
      field.field,
      shallowReactive<FormRowState>({
        value: undefined,
        visible: false,
        required: false,
        readOnly: false,
        error: '',
        revealAll: false,
        problems: NO_PROBLEMS,
        serverErrors: NO_ERRORS,
      }),
    );
  const sections: Record<string, boolean> = {};
  for (const section of form.layout ?? []) sections[section.section] = false;
  return { rows, sections: shallowReactive(sections) };
}

/** `next` when it says something else than `current`, else `current` (so the row keeps its props). */
function same<T>(current: T, next: T): T {
  return current === next || JSON.stringify(current) === JSON.stringify(next) ? current : next;
}

/**
 * Write the current data and evaluation into `rows`. Only entries whose value changed are written (a reactive
 * write of an equal value wakes nothing), lists and maps are replaced only when their content changed.
 */
/** Each field's kind, by form definition (worked out once, not on every keystroke). */
const widgetsByForm = new WeakMap<FormDefinition, ReadonlyMap<string, FormField['widget']>>();

function widgetsOf(form: FormDefinition): ReadonlyMap<string, FormField['widget']> {
  let widgets = widgetsByForm.get(form);
  if (!widgets) {
    widgets = new Map(formFields(form).map((field) => [field.field, field.widget]));
    widgetsByForm.set(form, widgets);
  }
  return widgets;
}

/** `row[key] = value`, through the reactive row only when the value changed (a write costs even when equal). */
function put<K extends keyof FormRowState>(
  row: FormRowState,
  raw: FormRowState,
  key: K,
  value: FormRowState[K],
): void {
  if (raw[key] !== value) row[key] = value;
}

export function syncFormRows(target: FormRows, input: FormRowsInput): void {
  const { evaluation, data, serverErrors, touched, revealAll, text } = input;
  /** The first problem of each field; worded only for the rows that show it. */
  const clientErrors = new Map<string, Problem>();
  const tableProblems = new Map<string, Problem[]>();
  const widgets = widgetsOf(input.form);
  for (const problem of evaluation.errors) {
    const field = fieldOfPath(problem.path);
    if (field === undefined) continue;
    const table = widgets.get(field) === 'table';
    if (table) tableProblems.set(field, [...(tableProblems.get(field) ?? []), problem]);
    // A table's cells and rows show their own problems (TableField); the item shows the table's own.
    if ((!table || problem.path.split('/').length <= 3) && !clientErrors.has(field))
      clientErrors.set(field, problem);
  }
  const partErrors = new Map<string, Record<string, string>>();
  for (const [path, message] of Object.entries(serverErrors)) {
    const dot = path.indexOf('.');
    const field = dot < 0 ? path : path.slice(0, dot);
    partErrors.set(field, { ...partErrors.get(field), [path]: message });
  }

  for (const [key, row] of target.rows) {
    const raw = toRaw(row);
    const state = evaluation.fields[key];
    put(row, raw, 'value', data[key]);
    put(row, raw, 'visible', state?.visible === true);
    put(row, raw, 'required', state?.required === true);
    put(row, raw, 'readOnly', state?.readOnly === true);
    put(row, raw, 'revealAll', revealAll);
    const problem = revealAll || touched.has(key) ? clientErrors.get(key) : undefined;
    put(row, raw, 'error', serverErrors[key] || (problem ? text(problem.text) : ''));
    const widget = widgets.get(key);
    if (widget === 'table') row.problems = same(row.problems, tableProblems.get(key) ?? NO_PROBLEMS);
    if (widget === 'table' || widget === 'attachment')
      row.serverErrors = same(row.serverErrors, partErrors.get(key) ?? NO_ERRORS);
  }
  for (const section of evaluation.sections) {
    if (!(section.section in target.sections)) continue;
    target.sections[section.section] =
      section.visible && section.fields.some((key) => target.rows.get(key)?.visible === true);
  }
}
