/**
 * What a table field needs beyond the runtime's `evaluateForm`: its columns with the data schema of each cell, the
 * row limits, and the runtime's problems (and the server's refusals) sorted onto the cell, the row or the whole
 * field they speak of. The runtime stays the judge: nothing here decides whether a value is valid, it only says
 * where a problem belongs and words it for that place.
 */
import type { LocalizedText, Problem } from '../../../../runtime/common/types';
import {
  formMessages,
  type FieldOption,
  type FormField,
  type FormMessageCode,
  type TableColumn,
} from '../../../../runtime/form/index';
import { localizeWith } from '../../../../runtime/rules/index';

export interface CellSpec {
  column: TableColumn;
  /** The JSON Schema of the cell's value (`items.properties[column]`), `{}` when the schema says nothing. */
  schema: Record<string, unknown>;
  /** Required in every row (`items.required`). */
  required: boolean;
  /** The column's own choices, else the enum of its schema (of its items for lists). */
  options: FieldOption[];
}

export interface TableLimits {
  minRows: number;
  /** Undefined when the schema sets no upper bound. */
  maxRows: number | undefined;
}

const objectOf = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** The schema of one row: `items` of the table's array schema. */
export function rowSchemaOf(tableSchema: Record<string, unknown>): Record<string, unknown> {
  return objectOf(tableSchema.items);
}

export function optionsFrom(
  options: FieldOption[] | undefined,
  schema: Record<string, unknown>,
): FieldOption[] {
  if (options && options.length > 0) return options;
  const items = objectOf(schema.items);
  const values = (Array.isArray(schema.enum) ? schema.enum : Array.isArray(items.enum) ? items.enum : []) as (
    string | number | boolean
  )[];
  return values.map((value) => ({ value, label: { 'zh-CN': String(value), en: String(value) } }));
}

export function cellSpecsOf(field: FormField, tableSchema: Record<string, unknown>): CellSpec[] {
  const rowSchema = rowSchemaOf(tableSchema);
  const properties = objectOf(rowSchema.properties);
  const required = new Set(
    Array.isArray(rowSchema.required) ? rowSchema.required.filter((key) => typeof key === 'string') : [],
  );
  return (field.columns ?? []).map((column) => {
    const schema = objectOf(properties[column.field]);
    return {
      column,
      schema,
      required: required.has(column.field),
      options: optionsFrom(column.options, schema),
    };
  });
}

export function tableLimitsOf(tableSchema: Record<string, unknown>): TableLimits {
  const min = tableSchema.minItems;
  const max = tableSchema.maxItems;
  return {
    minRows: typeof min === 'number' && min > 0 ? Math.floor(min) : 0,
    maxRows: typeof max === 'number' && max >= 0 ? Math.floor(max) : undefined,
  };
}

/** The rows a table value holds: objects only (anything else is shown as an empty row the person can fix). */
export function rowsOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(objectOf) : [];
}

/** A row with one cell changed; an emptied cell is taken out of the row (the schema forbids extra keys, not gaps). */
export function withCell(
  row: Record<string, unknown>,
  column: string,
  value: unknown,
): Record<string, unknown> {
  const next = { ...row };
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0))
    delete next[column];
  else next[column] = value;
  return next;
}

/** Where the problems of one table field belong. Messages are in both languages; the caller picks one. */
export interface TableProblems {
  /** About the table as a whole (required, too few or too many rows). */
  field: LocalizedText[];
  /** About a row but no cell of it (`row index` → messages). */
  rows: Map<number, LocalizedText[]>;
  /** About one cell: key `cellKey(row, column)`. */
  cells: Map<string, LocalizedText>;
}

export const cellKey = (row: number, column: string): string => `${row}/${column}`;

function decodeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Sort the runtime's problems of the table field `field.field` (paths `/data/<field>`, `/data/<field>/<row>`,
 * `/data/<field>/<row>/<column>`) by where they belong. A cell's message is worded for the cell: named by its
 * column, without the table's name and the "(row 2, Quantity)" the whole-form wording adds.
 */
export function placeTableProblems(field: FormField, problems: readonly Problem[]): TableProblems {
  const placed: TableProblems = { field: [], rows: new Map(), cells: new Map() };
  const columns = new Map((field.columns ?? []).map((column) => [column.field, column]));
  for (const problem of problems) {
    const segments = problem.path.split('/').slice(1).map(decodeSegment);
    if (segments[0] !== 'data' || segments[1] !== field.field) continue;
    const [rowSegment, columnKey] = segments.slice(2);
    if (rowSegment === undefined || !/^\d+$/.test(rowSegment)) {
      placed.field.push(problem.text);
      continue;
    }
    const row = Number(rowSegment);
    const column = columnKey === undefined ? undefined : columns.get(columnKey);
    if (column === undefined) {
      const list = placed.rows.get(row) ?? [];
      list.push(problem.text);
      placed.rows.set(row, list);
      continue;
    }
    const key = cellKey(row, column.field);
    if (!placed.cells.has(key)) placed.cells.set(key, cellText(problem, column));
  }
  return placed;
}

/** The problem's message with the column as its subject ("请填写“数量”", "“数量”不能小于 1"). */
function cellText(problem: Problem, column: TableColumn): LocalizedText {
  const code = problem.code as FormMessageCode;
  if (!Object.hasOwn(formMessages, code)) return problem.text;
  return localizeWith(formMessages[code], {
    ...problem.params,
    label: column.label,
    where: { 'zh-CN': '', en: '' },
  });
}

/**
 * The server's refusals of cells, as `serverErrors` holds them (`items.0.quantity` → message), by cell key; the
 * ones naming the table or a row only are returned apart.
 */
export function placeServerErrors(
  fieldKey: string,
  serverErrors: Readonly<Record<string, string>>,
): { cells: Map<string, string>; other: string[] } {
  const cells = new Map<string, string>();
  const other: string[] = [];
  const prefix = `${fieldKey}.`;
  for (const [path, message] of Object.entries(serverErrors)) {
    if (!path.startsWith(prefix)) continue;
    const [row, column] = path.slice(prefix.length).split('.');
    if (row !== undefined && /^\d+$/.test(row) && column !== undefined)
      cells.set(cellKey(Number(row), column), message);
    else other.push(message);
  }
  return { cells, other };
}

/** A date range as the field's schema holds it: `{ start, end }` (an object schema) or `[start, end]`. */
export function rangeOf(value: unknown): [string, string] | undefined {
  if (Array.isArray(value) && value.length === 2 && value.every((item) => typeof item === 'string'))
    return [value[0] as string, value[1] as string];
  const record = objectOf(value);
  const keys = Object.keys(record);
  if (typeof record.start === 'string' && typeof record.end === 'string') return [record.start, record.end];
  if (keys.length === 2 && keys.every((key) => typeof record[key] === 'string'))
    return [record[keys[0]!] as string, record[keys[1]!] as string];
  return undefined;
}

/** The picked range in the shape of the field's schema (its two properties, in order, for an object). */
export function rangeValue(range: unknown, schema: Record<string, unknown>): unknown {
  if (!Array.isArray(range) || range.length !== 2) return undefined;
  const [start, end] = range as unknown[];
  if (schema.type !== 'object') return [start, end];
  const keys = Object.keys(objectOf(schema.properties));
  const [from, to] = keys.includes('start') && keys.includes('end') ? ['start', 'end'] : keys;
  return { [from ?? 'start']: start, [to ?? 'end']: end };
}
