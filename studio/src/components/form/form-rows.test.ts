import { effect } from 'vue';
import { describe, expect, it } from 'vitest';
import { evaluateForm, type FormDefinition } from '../../../../runtime/form/index';
import { createFormRows, syncFormRows, type FormRows, type FormRowsInput } from './form-rows';

const text = (zh: string, en: string) => ({ 'zh-CN': zh, en });

/** `kind` decides: `reason` shows for `other`; `items` is a table of rows with a required quantity. */
const form: FormDefinition = {
  schema: {
    type: 'object',
    properties: {
      kind: { type: 'string', enum: ['normal', 'other'] },
      reason: { type: 'string', minLength: 5 },
      title: { type: 'string', maxLength: 10 },
      items: {
        type: 'array',
        items: {
          type: 'object',
          properties: { quantity: { type: 'number', minimum: 1 } },
          required: ['quantity'],
        },
      },
      later: { type: 'string' },
    },
    required: ['kind', 'title'],
  },
  layout: [
    {
      section: 'main',
      title: text('基本', 'Main'),
      fields: [
        { field: 'kind', widget: 'select', label: text('类型', 'Kind') },
        {
          field: 'reason',
          widget: 'textarea',
          label: text('原因', 'Reason'),
          visibleWhen: { '==': [{ var: 'kind' }, 'other'] },
        },
        { field: 'title', widget: 'text', label: text('标题', 'Title') },
        {
          field: 'items',
          widget: 'table',
          label: text('明细', 'Items'),
          columns: [{ field: 'quantity', widget: 'number', label: text('数量', 'Quantity') }],
        },
      ],
    },
    {
      section: 'extra',
      title: text('补充', 'Extra'),
      fields: [
        {
          field: 'later',
          widget: 'text',
          label: text('稍后', 'Later'),
          visibleWhen: { '==': [{ var: 'kind' }, 'other'] },
        },
      ],
    },
  ],
};

function input(data: Record<string, unknown>, more: Partial<FormRowsInput> = {}): FormRowsInput {
  return {
    form,
    evaluation: evaluateForm(form, data, { mode: 'create' }),
    data,
    serverErrors: {},
    touched: new Set(),
    revealAll: false,
    text: (value) => value.en,
    ...more,
  };
}

/** How many times a reader of each row's state ran (as a row's render would), after its first run. */
function countRenders(rows: FormRows): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [key, row] of rows.rows) {
    counts.set(key, -1);
    effect(() => {
      void [row.value, row.visible, row.required, row.readOnly, row.error, row.problems, row.serverErrors];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
  }
  return counts;
}

describe('form rows', () => {
  it('holds each field’s value, visibility and marks, and which sections have something to show', () => {
    const rows = createFormRows(form);
    expect([...rows.rows.keys()]).toEqual(['kind', 'reason', 'title', 'items', 'later']);
    syncFormRows(rows, input({ kind: 'normal', title: 'Pens' }));
    expect(rows.rows.get('kind')).toMatchObject({ value: 'normal', visible: true, required: true });
    expect(rows.rows.get('reason')).toMatchObject({ value: undefined, visible: false });
    expect(rows.sections).toEqual({ main: true, extra: false });
    syncFormRows(rows, input({ kind: 'other', title: 'Pens' }));
    expect(rows.rows.get('reason')?.visible).toBe(true);
    expect(rows.sections).toEqual({ main: true, extra: true });
  });

  it('shows a message once the field was left or on submit, the server’s first', () => {
    const rows = createFormRows(form);
    const data = { kind: 'normal', title: 'Far too long a title' };
    syncFormRows(rows, input(data));
    expect(rows.rows.get('title')?.error).toBe('');
    syncFormRows(rows, input(data, { touched: new Set(['title']) }));
    expect(rows.rows.get('title')?.error).toMatch(/10/);
    syncFormRows(rows, input({ kind: 'normal' }, { revealAll: true }));
    expect(rows.rows.get('title')?.error).not.toBe('');
    syncFormRows(rows, input(data, { serverErrors: { title: 'Taken' } }));
    expect(rows.rows.get('title')?.error).toBe('Taken');
  });

  it('gives a table its own problems and refusals only, the same list while they do not change', () => {
    const rows = createFormRows(form);
    const data = { kind: 'normal', title: 'Pens', items: [{ quantity: 0 }] };
    syncFormRows(rows, input(data, { serverErrors: { 'items.0.quantity': 'No stock', title: 'Taken' } }));
    const items = rows.rows.get('items')!;
    expect(items.problems.map((problem) => problem.path)).toEqual(['/data/items/0/quantity']);
    expect(items.serverErrors).toEqual({ 'items.0.quantity': 'No stock' });
    // A cell's problem is the cell's to show, not the table item's.
    expect(items.error).toBe('');
    const problems = items.problems;
    const refusals = items.serverErrors;
    syncFormRows(
      rows,
      input({ ...data, title: 'Pen' }, { serverErrors: { 'items.0.quantity': 'No stock' } }),
    );
    expect(items.problems).toBe(problems);
    expect(items.serverErrors).toBe(refusals);
  });

  it('wakes only the rows whose state changed: the typed field and the one it shows', () => {
    const rows = createFormRows(form);
    syncFormRows(rows, input({ kind: 'normal', title: 'Pens' }));
    const renders = countRenders(rows);
    syncFormRows(rows, input({ kind: 'normal', title: 'Pens!' }));
    expect(Object.fromEntries(renders)).toEqual({ kind: 0, reason: 0, title: 1, items: 0, later: 0 });
    syncFormRows(rows, input({ kind: 'other', title: 'Pens!' }));
    expect(Object.fromEntries(renders)).toEqual({ kind: 1, reason: 1, title: 1, items: 0, later: 1 });
  });
});
