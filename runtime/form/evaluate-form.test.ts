import { describe, expect, it } from 'vitest';
import exampleTicketType from '../definitions/fixtures/it-incident.ticket-type.json' with { type: 'json' };
import { compileForm, evaluateForm, isEmptyValue, sanitizeValue, type FormDefinition } from './index.js';

const itForm = exampleTicketType.form as unknown as FormDefinition;

const validIncident = { title: 'Printer jammed', service: 'printer', impact: 'team', urgency: 'low' };

/** A form with every kind of rule and value the cases below need. */
const orderForm: FormDefinition = {
  schema: {
    type: 'object',
    required: ['kind', 'agree'],
    properties: {
      kind: { type: 'string', enum: ['purchase', 'repair', 'other'] },
      otherKind: { type: 'string', minLength: 2 },
      otherDetail: { type: 'string' },
      amount: { type: 'number', minimum: 0, maximum: 100000 },
      contact: { type: 'string', format: 'email' },
      items: {
        type: 'array',
        maxItems: 3,
        items: {
          type: 'object',
          required: ['name', 'qty'],
          properties: { name: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
        },
      },
      tags: { type: 'array', uniqueItems: true, items: { type: 'string' } },
      rating: { type: 'integer', minimum: 1, maximum: 5 },
      agree: { type: 'boolean' },
      approvedBy: { type: 'string' },
      channel: { type: 'string' },
    },
  },
  layout: [
    {
      section: 'main',
      title: { 'zh-CN': '申请', en: 'Request' },
      fields: [
        { field: 'kind', widget: 'radio', label: { 'zh-CN': '类型', en: 'Kind' } },
        {
          field: 'otherKind',
          widget: 'text',
          label: { 'zh-CN': '其他类型', en: 'Other kind' },
          visibleWhen: { '==': [{ var: 'kind' }, 'other'] },
          requiredWhen: true,
        },
        {
          field: 'otherDetail',
          widget: 'textarea',
          label: { 'zh-CN': '其他说明', en: 'Other detail' },
          visibleWhen: { '!!': [{ var: 'otherKind' }] },
        },
        {
          field: 'amount',
          widget: 'money',
          currency: 'CNY',
          label: { 'zh-CN': '金额', en: 'Amount' },
          requiredWhen: { '==': [{ var: 'kind' }, 'purchase'] },
        },
        { field: 'contact', widget: 'text', label: { 'zh-CN': '联系邮箱', en: 'Contact email' } },
        {
          field: 'items',
          widget: 'table',
          label: { 'zh-CN': '物品', en: 'Items' },
          columns: [
            { field: 'name', widget: 'text', label: { 'zh-CN': '名称', en: 'Name' } },
            { field: 'qty', widget: 'number', label: { 'zh-CN': '数量', en: 'Qty' } },
          ],
        },
        { field: 'tags', widget: 'multiselect', label: { 'zh-CN': '标签', en: 'Tags' } },
        { field: 'agree', widget: 'checkbox', label: { 'zh-CN': '同意条款', en: 'I agree' } },
        {
          field: 'channel',
          widget: 'select',
          label: { 'zh-CN': '渠道', en: 'Channel' },
          default: 'web',
          readOnlyWhen: true,
        },
      ],
    },
    {
      section: 'review',
      title: { 'zh-CN': '评价', en: 'Review' },
      visibleWhen: { '==': [{ var: 'kind' }, 'repair'] },
      fields: [{ field: 'rating', widget: 'rating', label: { 'zh-CN': '评分', en: 'Rating' } }],
    },
  ],
  steps: {
    approve: {
      title: { 'zh-CN': '审批', en: 'Approval' },
      fields: [{ field: 'approvedBy', widget: 'user', label: { 'zh-CN': '审批人', en: 'Approver' } }],
      editable: ['amount'],
      hidden: ['contact'],
    },
  },
};

const errorsOf = (result: { errors: { code: string; path: string }[] }) =>
  result.errors.map((problem) => [problem.code, problem.path]);

describe('evaluateForm: the example IT incident form', () => {
  it('accepts a valid new ticket and drops unknown keys', () => {
    const result = evaluateForm(itForm, { ...validIncident, junk: 1, 'a.b': 2, $where: 3 });
    expect(result.valid).toBe(true);
    expect(result.errors).toEqual([]);
    expect(result.data).toEqual(validIncident);
    expect(result.dropped.sort()).toEqual(['$where', 'a.b', 'junk']);
    expect(result.sections.map((section) => [section.section, section.visible])).toEqual([
      ['what', true],
      ['impact', true],
    ]);
  });

  it('shows and requires the host name only for servers', () => {
    const forServer = evaluateForm(itForm, { ...validIncident, service: 'server' });
    expect(forServer.fields.hostname).toMatchObject({ visible: true, required: true, readOnly: false });
    expect(forServer.errors).toEqual([
      expect.objectContaining({
        code: 'form.required',
        path: '/data/hostname',
        text: { 'zh-CN': '请填写“主机名”', en: '“Host name” is required' },
      }),
    ]);

    const forPrinter = evaluateForm(itForm, { ...validIncident, hostname: 'srv-01' });
    expect(forPrinter.fields.hostname).toMatchObject({ visible: false, required: false, hiddenBy: 'rule' });
    expect(forPrinter.data).not.toHaveProperty('hostname');
    expect(forPrinter.valid).toBe(true);
  });

  it.each([
    {
      name: 'too short',
      data: { title: 'abc' },
      code: 'form.minLength',
      path: '/data/title',
      en: '“Title” needs at least 4 characters',
      zh: '“标题”至少需要 4 个字符',
    },
    {
      name: 'not a choice',
      data: { urgency: 'asap' },
      code: 'form.enum',
      path: '/data/urgency',
      en: '“Urgency” must be one of the offered choices',
    },
    {
      name: 'wrong pattern',
      data: { service: 'server', hostname: 'bad host!' },
      code: 'form.pattern',
      path: '/data/hostname',
      en: '“Host name” is not in the expected format',
    },
    {
      name: 'wrong type',
      data: { title: 12345 },
      code: 'form.type',
      path: '/data/title',
      en: '“Title” must be a text',
      zh: '“标题”的值类型不对，应为文字',
    },
    {
      name: 'too many attachments',
      data: { attachments: Array.from({ length: 11 }, (_, i) => `f${i}`) },
      code: 'form.maxItems',
      path: '/data/attachments',
      en: '“Attachments” may have at most 10 items',
    },
    {
      name: 'item of the wrong type',
      data: { attachments: ['a', 2] },
      code: 'form.type',
      path: '/data/attachments/1',
      en: '“Attachments” (item 2) must be a text',
    },
  ])('refuses a value: $name', ({ data, code, path, en, zh }) => {
    const result = evaluateForm(itForm, { ...validIncident, ...data });
    expect(result.valid).toBe(false);
    const problem = result.errors.find((candidate) => candidate.path === path);
    expect(problem).toMatchObject({ code, path, text: { en } });
    if (zh) expect(problem?.text['zh-CN']).toBe(zh);
  });
});

describe('evaluateForm: rules, defaults, sections', () => {
  const base = { kind: 'repair', agree: true };

  it('cascades hidden fields: a field hidden by its rule takes its value out of other rules', () => {
    const result = evaluateForm(orderForm, { ...base, otherKind: 'xx', otherDetail: 'yy' });
    expect(result.fields.otherKind).toMatchObject({ visible: false, hiddenBy: 'rule' });
    expect(result.fields.otherDetail).toMatchObject({ visible: false, hiddenBy: 'rule' });
    expect(result.data).toEqual({ kind: 'repair', agree: true, channel: 'web' });
  });

  it('requires by rule only while shown', () => {
    expect(errorsOf(evaluateForm(orderForm, { kind: 'other', agree: true }))).toEqual([
      ['form.required', '/data/otherKind'],
    ]);
    expect(errorsOf(evaluateForm(orderForm, { kind: 'purchase', agree: true }))).toEqual([
      ['form.required', '/data/amount'],
    ]);
    expect(
      evaluateForm(orderForm, { kind: 'other', otherKind: 'toner', agree: true }).fields.otherDetail?.visible,
    ).toBe(true);
  });

  it('an unticked required checkbox is not filled in; blank text is not either', () => {
    expect(errorsOf(evaluateForm(orderForm, { kind: 'repair', agree: false }))).toEqual([
      ['form.required', '/data/agree'],
    ]);
    expect(errorsOf(evaluateForm(orderForm, { kind: '  ', agree: true }))).toEqual([
      ['form.required', '/data/kind'],
    ]);
  });

  it('hides a whole section by its rule', () => {
    const purchase = evaluateForm(orderForm, { kind: 'purchase', amount: 5, agree: true, rating: 9 });
    expect(purchase.fields.rating).toMatchObject({ visible: false, hiddenBy: 'section' });
    expect(purchase.sections.find((section) => section.section === 'review')?.visible).toBe(false);
    expect(purchase.valid).toBe(true); // the out-of-range rating is hidden, so not checked
    expect(errorsOf(evaluateForm(orderForm, { ...base, rating: 9 }))).toEqual([
      ['form.maximum', '/data/rating'],
    ]);
  });

  it('fills defaults on a new form and keeps read-only fields at their default', () => {
    const result = evaluateForm(orderForm, base);
    expect(result.fields.channel).toMatchObject({ readOnly: true, required: false });
    expect(result.data.channel).toBe('web');
    const tampered = evaluateForm(orderForm, { ...base, channel: 'api' });
    expect(errorsOf(tampered)).toEqual([['form.readOnly', '/data/channel']]);
    expect(tampered.errors[0]?.text).toEqual({
      'zh-CN': '“渠道”在此处不可修改',
      en: '“Channel” cannot be changed here',
    });
    expect(tampered.data.channel).toBe('web');
    expect(evaluateForm(orderForm, { ...base, channel: 'web' }).valid).toBe(true);
  });

  it.each([
    {
      name: 'email format',
      data: { contact: 'not-mail' },
      code: 'form.format',
      path: '/data/contact',
      en: '“Contact email” is not a valid email address',
    },
    {
      name: 'minimum',
      data: { kind: 'purchase', amount: -1 },
      code: 'form.minimum',
      path: '/data/amount',
      en: '“Amount” must be at least 0',
    },
    {
      name: 'row missing a column',
      data: { items: [{ name: 'a', qty: 1 }, { name: 'b' }] },
      code: 'form.required',
      path: '/data/items/1/qty',
      en: '“Items” (row 2, Qty) is required',
      zh: '请填写“物品”（第 2 行，数量）',
    },
    {
      name: 'row value too small',
      data: { items: [{ name: 'a', qty: 0 }] },
      code: 'form.minimum',
      path: '/data/items/0/qty',
      en: '“Items” (row 1, Qty) must be at least 1',
    },
    {
      name: 'duplicate tags',
      data: { tags: ['a', 'a'] },
      code: 'form.uniqueItems',
      path: '/data/tags',
      en: '“Tags” has the same item twice',
    },
    {
      name: 'integer',
      data: { items: [{ name: 'a', qty: 1.5 }] },
      code: 'form.type',
      path: '/data/items/0/qty',
      en: '“Items” (row 1, Qty) must be a whole number',
    },
  ])('messages name the field: $name', ({ data, code, path, en, zh }) => {
    const result = evaluateForm(orderForm, { ...base, ...data });
    const problem = result.errors.find((candidate) => candidate.path === path);
    expect(problem).toMatchObject({ code, text: { en } });
    if (zh) expect(problem?.text['zh-CN']).toBe(zh);
  });

  it('reports a rule that cannot be evaluated as a definition problem and keeps the field shown', () => {
    const form: FormDefinition = {
      schema: { type: 'object', properties: { a: { type: 'string' } } },
      layout: [
        {
          section: 's',
          title: { 'zh-CN': '甲', en: 'S' },
          fields: [
            {
              field: 'a',
              widget: 'text',
              label: { 'zh-CN': '甲', en: 'A' },
              visibleWhen: { dateAdd: [{ var: 'nothing' }, 1, 'hours'] },
              requiredWhen: { method: [] },
            },
          ],
        },
      ],
    };
    const result = evaluateForm(form, { a: 'x' });
    expect(result.fields.a).toMatchObject({ visible: true, required: false });
    expect(result.problems.map((problem) => [problem.code, problem.path])).toEqual([
      ['form.ruleFailed', '/form/layout/0/fields/0/visibleWhen'],
      ['form.ruleFailed', '/form/layout/0/fields/0/requiredWhen/method'],
    ]);
    expect(result.problems[0]?.text.en).toContain(
      'The visibility rule of the field “A” could not be evaluated',
    );
    expect(result.errors).toEqual([]);
  });

  it('rules may use the environment (now, calendars)', () => {
    const form: FormDefinition = {
      schema: { type: 'object', properties: { night: { type: 'string' } } },
      layout: [
        {
          section: 's',
          title: { 'zh-CN': '甲', en: 'S' },
          fields: [
            {
              field: 'night',
              widget: 'text',
              label: { 'zh-CN': '夜', en: 'Night' },
              requiredWhen: { '>': [{ now: [] }, 10] },
            },
          ],
        },
      ],
    };
    expect(evaluateForm(form, {}, { env: { now: 100 } }).fields.night?.required).toBe(true);
    expect(evaluateForm(form, {}, { env: { now: 1 } }).fields.night?.required).toBe(false);
  });

  it('survives a data schema ajv cannot compile', () => {
    const form: FormDefinition = {
      schema: { type: 'object', properties: { a: { type: 'colour' } } },
      layout: [
        {
          section: 's',
          title: { 'zh-CN': '甲', en: 'S' },
          fields: [{ field: 'a', widget: 'text', label: { 'zh-CN': '甲', en: 'A' } }],
        },
      ],
    };
    const result = evaluateForm(form, { a: 'red' });
    expect(result.problems.map((problem) => problem.code)).toEqual(['form.schemaInvalid']);
    expect(result.data).toEqual({ a: 'red' });
  });

  it('treats anything but an object as no values', () => {
    for (const data of [null, undefined, 'text', [1, 2], 42]) {
      expect(errorsOf(evaluateForm(orderForm, data))).toEqual([
        ['form.required', '/data/kind'],
        ['form.required', '/data/agree'],
      ]);
    }
  });

  it('strips storage-unsafe keys inside values', () => {
    const row = JSON.parse(
      '{"name": "a", "qty": 1, "a.b": 1, "$set": 2, "__proto__": {"polluted": true}}',
    ) as unknown;
    const result = evaluateForm(orderForm, { ...base, items: [row] });
    expect(result.data.items).toEqual([{ name: 'a', qty: 1 }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('evaluateForm: editing at a flow step', () => {
  const stored = { kind: 'purchase', amount: 300, agree: true, contact: 'a@b.cn', channel: 'web' };

  it('applies the step rights of the form: own fields, editable list, hidden fields', () => {
    const result = evaluateForm(
      orderForm,
      { amount: 500, approvedBy: 'u-9' },
      { mode: 'edit', stepId: 'approve', previous: stored },
    );
    expect(result.valid).toBe(true);
    expect(result.data).toEqual({ amount: 500, approvedBy: 'u-9' });
    expect(result.fields.kind).toMatchObject({ readOnly: true });
    expect(result.fields.approvedBy).toMatchObject({ section: 'step:approve', readOnly: false });
    expect(result.fields.contact).toMatchObject({ visible: false, hiddenBy: 'step' });
    expect(result.cleared).toEqual([]); // hidden at this step: the stored e-mail stays
    expect(result.sections.at(-1)).toMatchObject({ section: 'step:approve', title: { en: 'Approval' } });
  });

  it('rejects edits of read-only fields, and the refused value does not steer other rules', () => {
    const result = evaluateForm(
      orderForm,
      { kind: 'other', otherKind: 'zz' },
      { mode: 'edit', stepId: 'approve', previous: stored },
    );
    expect(errorsOf(result)).toEqual([['form.readOnly', '/data/kind']]);
    expect(result.fields.otherKind?.visible).toBe(false); // kind stays "purchase"
    expect(result.data).toEqual({});
  });

  it('accepts read-only values sent back unchanged', () => {
    const result = evaluateForm(
      orderForm,
      { ...stored, amount: 301 },
      { mode: 'edit', stepId: 'approve', previous: stored },
    );
    expect(result.valid).toBe(true);
    expect(result.data).toEqual({ amount: 301 });
  });

  it('takes step rights passed by the caller (from the flow node) over the form', () => {
    const result = evaluateForm(
      orderForm,
      { contact: 'new@b.cn', note: 'x' },
      {
        mode: 'edit',
        stepId: 'triage',
        previous: stored,
        stepRights: {
          readOnly: ['contact'],
          fields: [{ field: 'note', widget: 'textarea', label: { 'zh-CN': '备注', en: 'Note' } }],
        },
      },
    );
    expect(errorsOf(result)).toEqual([['form.readOnly', '/data/contact']]);
    expect(result.fields.note).toMatchObject({ section: 'step:triage', visible: true });
    expect(result.data).toEqual({ note: 'x' });
    expect(result.dropped).toEqual([]);
  });

  it('clears a value emptied by the person or hidden by its condition, and still checks stored required values', () => {
    const previous = { ...stored, kind: 'other', otherKind: 'toner', otherDetail: 'detail' };
    const result = evaluateForm(orderForm, { otherKind: '', contact: '' }, { mode: 'edit', previous });
    expect(result.cleared.sort()).toEqual(['contact', 'otherDetail', 'otherKind']);
    expect(errorsOf(result)).toEqual([['form.required', '/data/otherKind']]);
  });

  it('checks the stored values with the new ones', () => {
    const result = evaluateForm(orderForm, { amount: 200000 }, { mode: 'edit', previous: stored });
    expect(errorsOf(result)).toEqual([['form.maximum', '/data/amount']]);
  });
});

describe('compiling and helpers', () => {
  it('keeps the step fields of one evaluation out of the fields the compiled form shares with the next', () => {
    const form = structuredClone(orderForm);
    const withNote = evaluateForm(
      form,
      { kind: 'repair', agree: true, note: 'x' },
      {
        stepId: 'triage',
        stepRights: {
          fields: [{ field: 'note', widget: 'textarea', label: { 'zh-CN': '备注', en: 'Note' } }],
        },
      },
    );
    expect(withNote.data).toMatchObject({ note: 'x' });
    const plain = evaluateForm(form, { kind: 'repair', agree: true, note: 'x' });
    expect(plain.fields.note).toBeUndefined();
    expect(plain.dropped).toEqual(['note']);
    expect(plain.data).not.toHaveProperty('note');
    expect(plain.sections.map((section) => section.section)).toEqual(
      withNote.sections.map((section) => section.section).filter((name) => name !== 'step:triage'),
    );
  });

  it('compiles a form once per object and per cache key', () => {
    expect(compileForm(orderForm)).toBe(compileForm(orderForm));
    const copy = structuredClone(orderForm);
    const byKey = compileForm(copy, 'order@1');
    expect(compileForm(structuredClone(orderForm), 'order@1')).toBe(byKey);
    expect(
      evaluateForm(structuredClone(orderForm), { kind: 'repair', agree: true }, { cacheKey: 'order@1' })
        .valid,
    ).toBe(true);
  });

  it('evicts the oldest compiled form when the key cache is full', () => {
    const tiny = (): FormDefinition => ({ schema: { type: 'object' }, layout: [] });
    const first = compileForm(tiny(), 'evict@0');
    for (let index = 1; index <= 200; index += 1) compileForm(tiny(), `evict@${index}`);
    expect(compileForm(tiny(), 'evict@0')).not.toBe(first);
  });

  it.each([
    [undefined, true],
    [null, true],
    ['  ', true],
    [[], true],
    [0, false],
    [false, false],
    ['x', false],
  ])('isEmptyValue(%j) → %s', (value, empty) => {
    expect(isEmptyValue(value)).toBe(empty);
  });

  it('sanitizeValue drops what cannot be stored', () => {
    expect(
      sanitizeValue({ a: [1, Number.NaN, () => 1], b: Infinity, 'c.d': 1, ok: { $x: 1, y: 2 } }),
    ).toEqual({
      a: [1, null, null],
      ok: { y: 2 },
    });
    let deep: unknown = 'bottom';
    for (let level = 0; level < 40; level += 1) deep = { next: deep };
    expect(JSON.stringify(sanitizeValue(deep))).not.toContain('bottom');
  });
});
