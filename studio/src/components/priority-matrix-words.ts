/**
 * The priority matrix's sentence with the form's words: "影响范围为 个人" instead of the option key "person". The
 * engine explains a matrix cell with the row and column values as stored (keys); here they are said again with the
 * labels of the fields the matrix reads (`{"var": "data.impact"}`), in the reader's language. Used wherever the
 * explanation is shown: the ticket page, its history, the designer's simulation and "try it".
 */
import { formatMessageIn, type Locale, type LocalizedText } from '../../../runtime/common/types';
import { PRIORITY_NAMES, routingMessages } from '../../../runtime/routing/routing-messages';
import type { FieldOption, FormDefinition, FormField } from '../../../runtime/form/form.types';
import type { Explanation } from '../api/types';

const MATRIX_CODES = ['priority.matrix', 'priority.matrixNoCell'] as const;
type MatrixCode = (typeof MATRIX_CODES)[number];

/** The engine's defaults when a matrix names neither axis (runtime/routing/priority.ts). */
const DEFAULT_NAMES: Record<'row' | 'column', LocalizedText> = {
  row: { 'zh-CN': '影响范围', en: 'impact' },
  column: { 'zh-CN': '紧急程度', en: 'urgency' },
};

/** What of a definition this needs: its form, and its priority matrix when the reader may see it (staff). */
export interface MatrixDefinition {
  form?: Partial<FormDefinition> | undefined;
  priority?: unknown;
}

interface MatrixAxes {
  rows?: unknown;
  columns?: unknown;
  rowLabel?: Partial<LocalizedText>;
  columnLabel?: Partial<LocalizedText>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The form field a json-logic `var` reads (`data.impact` or `impact`; `{"var": ["data.impact", "x"]}` too). */
function fieldNameOf(expression: unknown): string | undefined {
  if (!isRecord(expression) || !('var' in expression)) return undefined;
  const path: unknown = expression.var;
  const target: unknown = Array.isArray(path) ? (path as unknown[])[0] : path;
  if (typeof target !== 'string' || target === '') return undefined;
  return target.startsWith('data.') ? target.slice('data.'.length) : target;
}

function formFields(form: Partial<FormDefinition> | undefined): FormField[] {
  return (form?.layout ?? []).flatMap((section) => section.fields ?? []);
}

const sameValue = (option: FieldOption, value: unknown): boolean =>
  option.value === value ||
  ((typeof value === 'string' || typeof value === 'number') && String(option.value) === String(value));

/**
 * The field an axis reads: the one its expression names; without the matrix (a requester receives none), the
 * only field with an option of that value.
 */
function axisField(fields: FormField[], expression: unknown, value: unknown): FormField | undefined {
  const name = fieldNameOf(expression);
  if (name !== undefined) return fields.find((field) => field.field === name);
  if (value === null || value === undefined) return undefined;
  const holding = fields.filter((field) => field.options?.some((option) => sameValue(option, value)));
  return holding.length === 1 ? holding[0] : undefined;
}

const say = (text: Partial<LocalizedText> | undefined, language: Locale): string | undefined =>
  text?.[language] || text?.['zh-CN'] || text?.en || undefined;

/**
 * The matrix sentence with option labels and field names for this reader; undefined for any other explanation,
 * or when the words are not known (the engine's own text is shown then).
 */
export function matrixExplanationText(
  explanation: Explanation | undefined,
  definition: MatrixDefinition | null | undefined,
  language: Locale,
): string | undefined {
  if (!explanation || !definition || !(MATRIX_CODES as readonly string[]).includes(explanation.code))
    return undefined;
  const code = explanation.code as MatrixCode;
  const params = explanation.params ?? {};
  const priority = params.priority as keyof typeof PRIORITY_NAMES | undefined;
  if (!priority || !(priority in PRIORITY_NAMES)) return undefined;
  const matrix: MatrixAxes =
    isRecord(definition.priority) && isRecord(definition.priority.matrix) ? definition.priority.matrix : {};
  const fields = formFields(definition.form);
  const words: Record<string, string> = { priorityName: PRIORITY_NAMES[priority][language] };
  let changed = false;
  for (const axis of ['row', 'column'] as const) {
    const value = params[axis];
    const field = axisField(fields, axis === 'row' ? matrix.rows : matrix.columns, value);
    const option = field?.options?.find((candidate) => sameValue(candidate, value));
    const label = say(option?.label, language);
    if (label !== undefined) changed = true;
    words[axis] = label ?? (typeof value === 'string' || typeof value === 'number' ? String(value) : '—');
    words[`${axis}Name`] =
      say(axis === 'row' ? matrix.rowLabel : matrix.columnLabel, language) ??
      say(field?.label, language) ??
      DEFAULT_NAMES[axis][language];
  }
  if (!changed) return undefined;
  return formatMessageIn(language, routingMessages[code][language], words);
}
