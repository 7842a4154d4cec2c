import { describe, expect, it } from 'vitest';
import type { Problem } from '../common/types.js';
import { collectReferences, compileAnalystSchema, compileValidator, translateAjvErrors } from './ajv.js';

const statusSchema = {
  type: 'object',
  required: ['key', 'name'],
  additionalProperties: false,
  properties: {
    key: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
    name: {
      type: 'object',
      required: ['zh-CN', 'en'],
      properties: { 'zh-CN': { type: 'string', minLength: 1 }, en: { type: 'string', maxLength: 5 } },
    },
    color: { enum: ['red', 'green'] },
    weight: { type: 'number', minimum: 0, maximum: 10, multipleOf: 0.5 },
    share: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    tags: { type: 'array', minItems: 1, maxItems: 2, uniqueItems: true, items: { type: 'string' } },
    email: { type: 'string', format: 'email' },
    kind: { const: 'status' },
    options: { type: 'object', minProperties: 1, maxProperties: 1, propertyNames: { pattern: '^[a-z]+$' } },
    legacy: false,
    notZero: { not: { const: 0 } },
    mustHaveOne: { type: 'array', contains: { const: 1 } },
    whenA: { type: 'object', dependencies: { a: ['b'] } },
  },
};

const validateStatus = compileValidator(statusSchema);
const codesAndPaths = (problems: Problem[]) => problems.map((problem) => `${problem.code} ${problem.path}`);

describe('compileValidator', () => {
  it('returns no problem for a valid value', () => {
    expect(validateStatus({ key: 'open', name: { 'zh-CN': '处理中', en: 'Open' } })).toEqual([]);
  });

  it.each([
    [{ name: { 'zh-CN': '处', en: 'x' } }, 'definition.required /key'],
    [{ key: 1, name: { 'zh-CN': '处', en: 'x' } }, 'definition.type /key'],
    [{ key: 'Open', name: { 'zh-CN': '处', en: 'x' } }, 'definition.pattern /key'],
    [{ key: 'a', name: { 'zh-CN': '', en: 'x' } }, 'definition.minLength /name/zh-CN'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'longer' } }, 'definition.maxLength /name/en'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, colour: 'red' }, 'definition.additionalProperty /colour'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, color: 'blue' }, 'definition.enum /color'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, weight: -1 }, 'definition.minimum /weight'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, weight: 11 }, 'definition.maximum /weight'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, weight: 0.3 }, 'definition.multipleOf /weight'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, share: 0 }, 'definition.exclusiveMinimum /share'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, share: 1 }, 'definition.exclusiveMaximum /share'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, tags: [] }, 'definition.minItems /tags'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, tags: ['a', 'b', 'c'] }, 'definition.maxItems /tags'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, tags: ['a', 'a'] }, 'definition.uniqueItems /tags'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, email: 'nobody' }, 'definition.format /email'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, kind: 'other' }, 'definition.const /kind'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, options: {} }, 'definition.minProperties /options'],
    [
      { key: 'a', name: { 'zh-CN': '处', en: 'x' }, options: { a: 1, b: 2 } },
      'definition.maxProperties /options',
    ],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, options: { A: 1 } }, 'definition.propertyName /options/A'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, legacy: 1 }, 'definition.notAllowed /legacy'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, notZero: 0 }, 'definition.not /notZero'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, mustHaveOne: [2] }, 'definition.contains /mustHaveOne'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, whenA: { a: 1 } }, 'definition.required /whenA/b'],
    [{ key: 'a', name: { 'zh-CN': '处', en: 'x' }, weight: Number.NaN }, 'definition.type /weight'],
  ])('translates %j into %s', (value, expected) => {
    expect(codesAndPaths(validateStatus(value))).toEqual([expected]);
  });

  it('writes messages an analyst understands, in both languages', () => {
    expect(validateStatus({ key: 'a' })[0]?.text).toEqual({
      'zh-CN': '缺少必填项“名称”',
      en: 'The name is required.',
    });
    expect(validateStatus({ key: 'a', name: { en: 'x' } })[0]?.text).toEqual({
      'zh-CN': '缺少必填项“中文”（位置：名称）',
      en: 'The Chinese text is required (in name).',
    });
    expect(validateStatus({ key: 'A', name: { 'zh-CN': '处', en: 'x' } })[0]?.text['zh-CN']).toBe(
      '“标识”的写法不正确：请用小写字母开头，只使用小写字母、数字和连字符“-”',
    );
  });

  it('places problems under the base path and names the node or edge given', () => {
    const [problem] = validateStatus({ name: { 'zh-CN': '处', en: 'x' } }, '/statuses/open/0', {
      nodeId: 'n1',
      edgeId: 'e1',
      where: { 'zh-CN': '节点“分诊”', en: 'node “Triage”' },
    });
    expect(problem).toMatchObject({ path: '/statuses/open/0/key', nodeId: 'n1', edgeId: 'e1' });
    expect(problem?.text).toEqual({
      'zh-CN': '缺少必填项“标识”（位置：节点“分诊”）',
      en: 'The key is required (in node “Triage”).',
    });
  });

  it('uses the caller’s labels, then schema titles, then the name as written', () => {
    const validate = compileValidator(
      {
        type: 'object',
        required: ['amount', 'when', 'zzz'],
        properties: { when: { title: 'Applies when' } },
      },
      { labels: { amount: { 'zh-CN': '金额', en: 'sum' } }, rootLabel: { 'zh-CN': '目标', en: 'target' } },
    );
    expect(validate({}).map((problem) => problem.text.en)).toEqual([
      'The sum is required.',
      'The condition is required.',
      'The setting “zzz” is required.',
    ]);
    const titled = compileValidator({
      type: 'object',
      required: ['foo'],
      properties: { foo: { title: 'Foo bar' } },
    });
    expect(titled({})[0]?.text).toEqual({ 'zh-CN': '缺少必填项“Foo bar”', en: 'The foo bar is required.' });
  });

  it('names list items by their position', () => {
    const validate = compileValidator({
      type: 'object',
      properties: { nodes: { type: 'array', items: { type: 'object' } } },
    });
    expect(validate({ nodes: [{}, 3] })[0]?.text).toEqual({
      'zh-CN': '“节点的第 2 项”应为一组设置（对象）',
      en: 'The item 2 of the nodes must be a group of settings (an object).',
    });
  });

  it('keeps the mistakes of the union branch that was meant, not of every branch', () => {
    const validate = compileValidator({
      type: 'object',
      properties: {
        recipients: {
          type: 'array',
          items: {
            anyOf: [
              { type: 'string', enum: ['requester', 'assignee'] },
              {
                type: 'object',
                required: ['role'],
                additionalProperties: false,
                properties: { role: { type: 'string' } },
              },
              {
                type: 'object',
                required: ['user'],
                additionalProperties: false,
                properties: { user: { type: 'string' } },
              },
            ],
          },
        },
        action: {
          oneOf: [
            {
              type: 'object',
              required: ['kind'],
              properties: { kind: { const: 'notify' }, to: { type: 'string' } },
            },
            {
              type: 'object',
              required: ['kind'],
              properties: { kind: { const: 'wait' }, minutes: { type: 'number' } },
            },
          ],
        },
      },
    });
    expect(codesAndPaths(validate({ recipients: ['requester', 'boss', { role: 3 }, 7] }))).toEqual([
      'definition.enum /recipients/1',
      'definition.type /recipients/2/role',
      'definition.anyOf /recipients/3',
    ]);
    expect(codesAndPaths(validate({ action: { kind: 'wait', minutes: 'ten' } }))).toEqual([
      'definition.type /action/minutes',
    ]);
    expect(codesAndPaths(validate({ action: { kind: 'sleep' } }))).toEqual(['definition.oneOf /action']);
  });

  it('reports a value too deep for the generated code instead of throwing', () => {
    const recursive = compileValidator({ $id: 'tree', type: 'object', properties: { child: { $ref: '#' } } });
    let deep: Record<string, unknown> = {};
    for (let level = 0; level < 20000; level += 1) deep = { child: deep };
    expect(recursive(deep).map((problem) => problem.code)).toEqual(['definition.invalid']);
  });

  it('throws at once on a broken runtime schema, a programming error', () => {
    expect(() => compileValidator({ type: 'object', properties: { a: { maxLenght: 3 } } })).toThrow(
      /unknown keyword/,
    );
  });
});

describe('translateAjvErrors', () => {
  it('falls back to a generic problem for keywords it does not know', () => {
    const problems = translateAjvErrors([
      { keyword: 'custom', instancePath: '/zzz', schemaPath: '#/custom', params: {}, message: 'is odd' },
    ]);
    expect(problems.map((problem) => [problem.code, problem.path, problem.text.en])).toEqual([
      ['definition.invalid', '/zzz', 'The setting “zzz” is invalid (is odd).'],
    ]);
  });
});

describe('compileAnalystSchema', () => {
  it('compiles a valid schema once and checks values with it', () => {
    const schema = { type: 'object', required: ['title'], properties: { title: { type: 'string' } } };
    const compiled = compileAnalystSchema(schema, '/form/schema');
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    expect(codesAndPaths(compiled.value({}))).toEqual(['definition.required /title']);
    const again = compileAnalystSchema(structuredClone(schema), '/form/schema');
    expect(again.ok && again.value).toBe(compiled.value);
  });

  it.each([
    [
      { type: 'object', properties: { a: { maxLenght: 3 } } },
      'definition.dataSchemaUnknownKeyword /form/schema',
    ],
    [{ type: 'string', format: 'postcode' }, 'definition.dataSchemaUnknownKeyword /form/schema'],
    [{ type: 'objec' }, 'definition.enum /form/schema/type'],
    [{ type: 'string', pattern: '(' }, 'definition.dataSchemaInvalid /form/schema'],
    [{ $ref: 'https://example.com/elsewhere.json' }, 'definition.dataSchemaInvalid /form/schema'],
    ['object', 'definition.type /form/schema'],
    [null, 'definition.type /form/schema'],
  ])('reports the bad schema %j', (schema, expected) => {
    const compiled = compileAnalystSchema(schema, '/form/schema');
    expect(compiled.ok).toBe(false);
    if (compiled.ok) return;
    expect(codesAndPaths(compiled.error)).toEqual([expected]);
  });

  it('lets two schemas use the same $id', () => {
    expect(compileAnalystSchema({ $id: 'form', type: 'object' }, '').ok).toBe(true);
    expect(compileAnalystSchema({ $id: 'form', type: 'array' }, '').ok).toBe(true);
  });

  it('reports a schema that is not JSON instead of throwing', () => {
    const cyclic: Record<string, unknown> = { type: 'object' };
    cyclic.properties = { self: cyclic };
    const compiled = compileAnalystSchema(cyclic, '/form/schema');
    expect(compiled.ok ? [] : compiled.error.map((problem) => problem.code)).toEqual([
      'definition.dataSchemaInvalid',
    ]);
  });

  it('accepts a boolean schema', () => {
    expect(compileAnalystSchema(true, '').ok).toBe(true);
  });
});

describe('collectReferences', () => {
  const validate = compileValidator({
    type: 'object',
    properties: {
      team: { type: 'string', 'x-ordo-ref': 'team' },
      calendars: { type: 'array', items: { type: 'string', 'x-ordo-ref': 'calendar' } },
    },
  });

  it('records every referencing value with its path while validations run', () => {
    const { result, references } = collectReferences(() =>
      validate({ team: 'it-ops', calendars: ['24x7', 'cn'] }),
    );
    expect(result).toEqual([]);
    expect(references).toEqual([
      { kind: 'team', value: 'it-ops', path: '/team' },
      { kind: 'calendar', value: '24x7', path: '/calendars/0' },
      { kind: 'calendar', value: 'cn', path: '/calendars/1' },
    ]);
  });

  it('records nothing outside a collection and never fails validation', () => {
    expect(validate({ team: 'x' })).toEqual([]);
    const inner = collectReferences(() => collectReferences(() => validate({ team: 'inner' })));
    expect(inner.references).toEqual([]);
    expect(inner.result.references).toEqual([{ kind: 'team', value: 'inner', path: '/team' }]);
  });
});
