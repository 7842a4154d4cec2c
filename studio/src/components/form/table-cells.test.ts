import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateForm, type FormDefinition, type FormField } from '../../../../runtime/form/index';
import {
  cellKey,
  cellSpecsOf,
  placeServerErrors,
  placeTableProblems,
  rangeOf,
  rangeValue,
  rowsOf,
  tableLimitsOf,
  withCell,
} from './table-cells';

/** The shipped office-supplies form: a required table of 1–30 rows (name and quantity required in each). */
const officeSupplies = (
  JSON.parse(
    readFileSync(
      new URL('../../../../templates/administration/office-supplies.ticket-type.json', import.meta.url),
      'utf8',
    ),
  ) as { form: FormDefinition }
).form;
const itemsField = officeSupplies.layout
  .flatMap((section) => section.fields)
  .find((f) => f.field === 'items')!;
const itemsSchema = (officeSupplies.schema.properties as Record<string, Record<string, unknown>>).items!;

const filled = { title: 'Pens', urgency: 'normal', deliverTo: 'Room 5' };

describe('table cells of a form', () => {
  it('given the table schema, when its columns are read, then each has its cell schema, required mark and choices', () => {
    const specs = cellSpecsOf(itemsField, itemsSchema);
    expect(specs.map((spec) => [spec.column.field, spec.required])).toEqual([
      ['name', true],
      ['quantity', true],
      ['unit', false],
      ['note', false],
    ]);
    expect(specs[1]!.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    expect(specs[2]!.options.map((option) => option.value)).toEqual(['piece', 'box', 'pack', 'ream']);
    expect(tableLimitsOf(itemsSchema)).toEqual({ minRows: 1, maxRows: 30 });
    expect(tableLimitsOf({ type: 'array' })).toEqual({ minRows: 0, maxRows: undefined });
  });

  it('given a column without options, when its schema has an enum, then the enum gives the choices', () => {
    const field: FormField = {
      field: 'rows',
      widget: 'table',
      label: { 'zh-CN': '行', en: 'Rows' },
      columns: [{ field: 'where', widget: 'select', label: { 'zh-CN': '位置', en: 'Where' } }],
    };
    const specs = cellSpecsOf(field, {
      type: 'array',
      items: { type: 'object', properties: { where: { type: 'string', enum: ['a', 'b'] } } },
    });
    expect(specs[0]!.options.map((option) => option.value)).toEqual(['a', 'b']);
    expect(specs[0]!.required).toBe(false);
  });

  it('given the runtime judged a row with a missing name and a quantity of 0, then each problem sits on its cell, worded for it', () => {
    const evaluation = evaluateForm(officeSupplies, {
      ...filled,
      items: [{ name: 'Pen', quantity: 3 }, { quantity: 0 }],
    });
    expect(evaluation.valid).toBe(false);
    const placed = placeTableProblems(itemsField, evaluation.errors);
    expect(placed.field).toEqual([]);
    expect([...placed.cells.keys()].sort()).toEqual([cellKey(1, 'name'), cellKey(1, 'quantity')]);
    expect(placed.cells.get(cellKey(1, 'name'))).toEqual({
      'zh-CN': '请填写“名称规格”',
      en: '“Item” is required',
    });
    expect(placed.cells.get(cellKey(1, 'quantity'))).toEqual({
      'zh-CN': '“数量”不能小于 1',
      en: '“Quantity” must be at least 1',
    });
  });

  it('given an empty required table, then the problem is the table’s own, not a cell’s', () => {
    const evaluation = evaluateForm(officeSupplies, filled);
    const placed = placeTableProblems(itemsField, evaluation.errors);
    expect(placed.cells.size).toBe(0);
    expect(placed.field.map((text) => text.en)).toEqual(['“Items” is required']);
  });

  it('given more rows than the schema allows, then the table says so as a whole', () => {
    const rows = Array.from({ length: 31 }, (_, index) => ({ name: `Item ${index}`, quantity: 1 }));
    const evaluation = evaluateForm(officeSupplies, { ...filled, items: rows });
    const placed = placeTableProblems(itemsField, evaluation.errors);
    expect(placed.field.map((text) => text['zh-CN'])).toEqual(['“物品清单”最多 30 项']);
  });

  it('given a row that is not an object, then its problem sits on the row', () => {
    const placed = placeTableProblems(itemsField, [
      {
        code: 'form.type',
        path: '/data/items/2',
        params: {},
        text: { 'zh-CN': '行类型不对', en: 'bad row' },
      },
      { code: 'form.required', path: '/data/other/0/name', params: {}, text: { 'zh-CN': 'x', en: 'x' } },
    ]);
    expect(placed.rows.get(2)).toEqual([{ 'zh-CN': '行类型不对', en: 'bad row' }]);
    expect(placed.cells.size).toBe(0);
    expect(placed.field).toEqual([]);
  });

  it('given the server refused a cell and the table, then the cell’s message goes to the cell and the rest apart', () => {
    const placed = placeServerErrors('items', {
      'items.0.quantity': 'too many',
      items: 'whole table',
      'itemsX.0.name': 'another field',
      title: 'not this one',
    });
    expect([...placed.cells]).toEqual([[cellKey(0, 'quantity'), 'too many']]);
    expect(placed.other).toEqual([]);
    expect(placeServerErrors('items', { 'items.3': 'row' }).other).toEqual(['row']);
  });

  it('given a cell is emptied, then its key leaves the row (the schema forbids no gaps, only unknown keys)', () => {
    expect(withCell({ name: 'Pen', quantity: 2 }, 'quantity', undefined)).toEqual({ name: 'Pen' });
    expect(withCell({ name: 'Pen' }, 'name', '')).toEqual({});
    expect(withCell({}, 'unit', 'box')).toEqual({ unit: 'box' });
    expect(rowsOf([{ a: 1 }, 'junk', null])).toEqual([{ a: 1 }, {}, {}]);
    expect(rowsOf(undefined)).toEqual([]);
  });

  it('given a date range schema, then the picked range takes its shape (object or pair) and reads back', () => {
    const objectSchema = {
      type: 'object',
      properties: { start: { type: 'string' }, end: { type: 'string' } },
    };
    expect(rangeValue(['2026-02-24', '2026-02-26'], objectSchema)).toEqual({
      start: '2026-02-24',
      end: '2026-02-26',
    });
    expect(rangeValue(['2026-02-24', '2026-02-26'], { type: 'array' })).toEqual(['2026-02-24', '2026-02-26']);
    expect(rangeValue(null, objectSchema)).toBeUndefined();
    expect(rangeOf({ start: '2026-02-24', end: '2026-02-26' })).toEqual(['2026-02-24', '2026-02-26']);
    expect(rangeOf(['2026-02-24', '2026-02-26'])).toEqual(['2026-02-24', '2026-02-26']);
    expect(rangeOf({ from: '2026-02-24', to: '2026-02-26' })).toEqual(['2026-02-24', '2026-02-26']);
    expect(rangeOf('2026-02-24')).toBeUndefined();
  });
});
