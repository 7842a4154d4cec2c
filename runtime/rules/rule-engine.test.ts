import jsonLogic from 'json-logic-js';
import { describe, expect, it } from 'vitest';
import { CN_STANDARD_CALENDAR, ALWAYS_OPEN_CALENDAR } from '../time/index.js';
import {
  ALLOWED_OPERATIONS,
  checkRule,
  createRuleCache,
  isTruthy,
  prepareCachedRule,
  prepareRule,
  ruleCacheKey,
  sharedRuleCache,
  type RuleEnv,
} from './index.js';

/** Shanghai wall-clock time → epoch ms (UTC+8, no daylight saving). */
const shanghai = (iso: string) => Date.parse(`${iso}+08:00`);

interface Case {
  name: string;
  logic: unknown;
  data?: unknown;
  env?: RuleEnv;
  output?: unknown;
  /** Expected problem code when evaluation fails. */
  error?: string;
}

function runCases(cases: Case[]) {
  it.each(cases)('$name', ({ logic, data, env, output, error }) => {
    const prepared = prepareRule(logic, '/rule');
    expect(prepared.ok).toBe(true);
    if (!prepared.ok) return;
    const result = prepared.value.evaluate(data, env);
    if (error !== undefined) {
      expect(result).toMatchObject({ ok: false, error: { code: error, path: '/rule' } });
      if (!result.ok) {
        expect(result.error.text['zh-CN']).not.toBe('');
        expect(result.error.text.en).not.toBe('');
      }
    } else {
      expect(result).toEqual({ ok: true, value: output });
    }
  });
}

describe('standard json-logic operations', () => {
  runCases([
    {
      name: '== with var',
      logic: { '==': [{ var: 'data.service' }, 'server'] },
      data: { data: { service: 'server' } },
      output: true,
    },
    {
      name: 'in over a list',
      logic: { in: [{ var: 'data.service' }, ['server', 'network']] },
      data: { data: { service: 'vpn' } },
      output: false,
    },
    {
      name: 'in over text',
      logic: { in: ['VPN', { var: 'text' }] },
      data: { text: 'VPN down' },
      output: true,
    },
    { name: 'and / or / !', logic: { and: [true, { or: [false, { '!': [false] }] }] }, output: true },
    {
      name: 'if / else',
      logic: { if: [{ '>': [{ var: 'n' }, 10] }, 'big', 'small'] },
      data: { n: 3 },
      output: 'small',
    },
    {
      name: 'arithmetic',
      logic: { '+': [{ '*': [2, 3] }, { '-': [10, 4] }, { '/': [9, 3] }, { '%': [7, 4] }] },
      output: 18,
    },
    { name: 'min / max', logic: [{ min: [3, 1, 2] }, { max: [3, 1, 2] }], output: [1, 3] },
    { name: 'cat / substr', logic: { cat: [{ substr: ['INC-2026', 0, 3] }, '#'] }, output: 'INC#' },
    { name: 'merge', logic: { merge: [[1], [2, 3]] }, output: [1, 2, 3] },
    { name: 'missing', logic: { missing: ['a', 'b'] }, data: { a: 1 }, output: ['b'] },
    { name: 'missing_some', logic: { missing_some: [1, ['a', 'b']] }, data: { b: 1 }, output: [] },
    {
      name: 'filter reads items',
      logic: { filter: [{ var: 'xs' }, { '>': [{ var: '' }, 1] }] },
      data: { xs: [1, 2, 3] },
      output: [2, 3],
    },
    {
      name: 'map',
      logic: { map: [{ var: 'xs' }, { '*': [{ var: '' }, 2] }] },
      data: { xs: [1, 2] },
      output: [2, 4],
    },
    {
      name: 'reduce',
      logic: { reduce: [{ var: 'xs' }, { '+': [{ var: 'current' }, { var: 'accumulator' }] }, 0] },
      data: { xs: [1, 2, 3] },
      output: 6,
    },
    {
      name: 'some / all / none',
      logic: [{ some: [[1, 2], { '>': [{ var: '' }, 1] }] }, { all: [[], true] }, { none: [[1], false] }],
      output: [true, false, true],
    },
    {
      name: 'var default value',
      logic: { var: ['data.missing', 'fallback'] },
      data: { data: {} },
      output: 'fallback',
    },
    { name: 'var by array index', logic: { var: 'xs.1' }, data: { xs: ['a', 'b'] }, output: 'b' },
    { name: 'var of whole data', logic: { var: '' }, data: { a: 1 }, output: { a: 1 } },
    { name: 'var on missing data gives null', logic: { var: 'a.b.c' }, output: null },
    {
      name: 'var of text length (own property of a string)',
      logic: { var: 'title.length' },
      data: { title: 'abc' },
      output: 3,
    },
    { name: 'literal true', logic: true, output: true },
  ]);
});

describe('prototype keys never resolve', () => {
  runCases([
    { name: 'computed constructor', logic: { var: { cat: ['con', 'structor'] } }, data: {}, output: null },
    { name: 'computed __proto__', logic: { var: { cat: ['__pro', 'to__'] } }, data: {}, output: null },
    {
      name: 'computed nested prototype',
      logic: { var: { cat: ['f.', 'prototype'] } },
      data: { f: {} },
      output: null,
    },
    { name: 'inherited method', logic: { var: 'toString' }, data: {}, output: null },
    {
      name: 'hasOwnProperty of nested',
      logic: { var: 'data.hasOwnProperty' },
      data: { data: {} },
      output: null,
    },
    {
      name: 'own __proto__ key from JSON.parse',
      logic: { var: { cat: ['__proto__'] } },
      data: JSON.parse('{"__proto__": {"x": 1}}'),
      output: null,
    },
    { name: 'non-string path', logic: { var: [[1]] }, data: { 1: 'x' }, output: null },
    { name: 'path through a number', logic: { var: 'n.x' }, data: { n: 5 }, output: null },
  ]);

  it.each(['__proto__', 'constructor', 'prototype', 'a.__proto__.b', 'data.constructor'])(
    'refuses the literal path %s when prepared',
    (path) => {
      expect(prepareRule({ var: path }, '/r')).toMatchObject({
        ok: false,
        error: { code: 'rule.forbiddenPath', path: '/r/var', params: { path } },
      });
      expect(prepareRule({ missing: [path] }, '/r')).toMatchObject({
        ok: false,
        error: { code: 'rule.forbiddenPath' },
      });
    },
  );
});

describe('keywords (Chinese and English)', () => {
  const rule = { keywords: [{ var: 'text' }, ['打印机', 'printer', 'out of office', 'C++']] };
  runCases([
    { name: 'Chinese substring', logic: rule, data: { text: '三楼的打印机卡纸了' }, output: true },
    { name: 'English whole word', logic: rule, data: { text: 'The printer is jammed' }, output: true },
    { name: 'case-insensitive', logic: rule, data: { text: 'PRINTER jammed' }, output: true },
    { name: 'full-width letters', logic: rule, data: { text: 'ＰＲＩＮＴＥＲ 坏了' }, output: true },
    { name: 'English word next to Chinese', logic: rule, data: { text: '我的printer坏了' }, output: true },
    {
      name: 'English part of a longer word does not match',
      logic: rule,
      data: { text: 'printers and 3Dprinter' },
      output: false,
    },
    { name: 'phrase with any spacing', logic: rule, data: { text: 'I am Out  of\toffice' }, output: true },
    { name: 'keyword with symbols', logic: rule, data: { text: 'c++ compiler' }, output: true },
    { name: 'no keyword', logic: rule, data: { text: '网络很慢' }, output: false },
    { name: 'text missing', logic: rule, data: {}, output: false },
    {
      name: 'list of texts',
      logic: { keywords: [[{ var: 'title' }, { var: 'body' }], 'vpn'] },
      data: { title: 'x', body: 'VPN down' },
      output: true,
    },
    { name: 'single keyword as text', logic: { keywords: ['VPN 连不上', '连不上'] }, output: true },
    { name: 'numbers are text', logic: { keywords: [404, ['404']] }, output: true },
    { name: 'blank keywords are ignored', logic: { keywords: ['anything', ['', '  ']] }, output: false },
    { name: 'keyword list must be texts', logic: { keywords: ['text', [1]] }, error: 'rule.invalidKeywords' },
    {
      name: 'keyword list must be a list',
      logic: { keywords: ['text', { var: 'none' }] },
      error: 'rule.invalidKeywords',
    },
  ]);
});

describe('date arithmetic and business hours', () => {
  const wednesday4pm = shanghai('2026-09-30T16:00');
  const env: RuleEnv = { now: wednesday4pm, calendar: CN_STANDARD_CALENDAR };
  runCases([
    { name: 'now', logic: { now: [] }, env, output: wednesday4pm },
    { name: 'now needs a clock', logic: { now: [] }, error: 'rule.clockMissing' },
    { name: 'dateAdd hours', logic: { dateAdd: [0, 2, 'hours'] }, output: 7_200_000 },
    { name: 'dateAdd negative minutes', logic: { dateAdd: [60_000, -1, 'minutes'] }, output: 0 },
    {
      name: 'dateAdd ISO text',
      logic: { dateAdd: ['2026-01-01T00:00:00Z', 1, 'days'] },
      output: Date.parse('2026-01-02T00:00:00Z'),
    },
    { name: 'dateAdd amount as text', logic: { dateAdd: [0, '3', 'minutes'] }, output: 180_000 },
    { name: 'dateAdd calendarDays', logic: { dateAdd: [0, 1, 'calendarDays'] }, output: 86_400_000 },
    {
      name: 'dateAdd 4 business hours across the National Day holiday',
      logic: { dateAdd: [{ now: [] }, 4, 'businessHours'] },
      env,
      output: shanghai('2026-10-08T11:00'),
    },
    {
      name: 'dateAdd 3 business days ends on the make-up Saturday',
      logic: { dateAdd: [{ now: [] }, 3, 'businessDays'] },
      env,
      output: shanghai('2026-10-10T16:00'),
    },
    {
      name: 'dateAdd business units need a calendar',
      logic: { dateAdd: [0, 1, 'businessHours'] },
      env: { now: 0 },
      error: 'rule.calendarMissing',
    },
    {
      name: 'dateAdd business units cannot go back',
      logic: { dateAdd: [0, -1, 'businessHours'] },
      env,
      error: 'rule.negativeBusinessAmount',
    },
    { name: 'dateAdd unknown unit', logic: { dateAdd: [0, 1, 'fortnights'] }, error: 'rule.invalidUnit' },
    { name: 'dateAdd bad date', logic: { dateAdd: ['not a date', 1, 'hours'] }, error: 'rule.invalidDate' },
    { name: 'dateAdd bad amount', logic: { dateAdd: [0, 'many', 'hours'] }, error: 'rule.invalidNumber' },
    { name: 'dateDiff days', logic: { dateDiff: ['2026-01-01', '2026-01-04T12:00:00Z', 'days'] }, output: 3 },
    { name: 'dateDiff negative hours', logic: { dateDiff: [7_200_000, 0, 'hours'] }, output: -2 },
    { name: 'dateDiff whole minutes only', logic: { dateDiff: [0, 119_999, 'minutes'] }, output: 1 },
    {
      name: 'dateDiff business hours skip the holiday',
      logic: { dateDiff: [{ now: [] }, shanghai('2026-10-08T11:00'), 'businessHours'] },
      env,
      output: 4,
    },
    {
      name: 'dateDiff business minutes',
      logic: { dateDiff: [shanghai('2026-10-08T11:50'), shanghai('2026-10-08T13:10'), 'businessMinutes'] },
      env,
      output: 20,
    },
    {
      name: 'dateDiff business days',
      logic: { dateDiff: [{ now: [] }, shanghai('2026-10-10T16:00'), 'businessDays'] },
      env,
      output: 3,
    },
    {
      name: 'dateDiff missing date',
      logic: { dateDiff: [{ var: 'openedAt' }, 0, 'days'] },
      data: {},
      error: 'rule.invalidDate',
    },
    { name: 'inBusinessHours now (working)', logic: { inBusinessHours: [] }, env, output: true },
    {
      name: 'inBusinessHours lunch break',
      logic: { inBusinessHours: [shanghai('2026-09-29T12:30')] },
      env,
      output: false,
    },
    {
      name: 'inBusinessHours holiday',
      logic: { inBusinessHours: [shanghai('2026-10-05T10:00')] },
      env,
      output: false,
    },
    {
      name: 'inBusinessHours make-up Saturday',
      logic: { inBusinessHours: [shanghai('2026-10-10T10:00')] },
      env,
      output: true,
    },
    {
      name: 'inBusinessHours ISO text',
      logic: { inBusinessHours: ['2026-10-10T02:00:00Z'] },
      env,
      output: true,
    },
    {
      name: 'inBusinessHours 24x7 at night',
      logic: { inBusinessHours: [shanghai('2026-10-05T03:00')] },
      env: { calendar: ALWAYS_OPEN_CALENDAR },
      output: true,
    },
    {
      name: 'inBusinessHours needs a calendar',
      logic: { inBusinessHours: [0] },
      error: 'rule.calendarMissing',
    },
    {
      name: 'inBusinessHours without instant needs a clock',
      logic: { inBusinessHours: [] },
      env: { calendar: CN_STANDARD_CALENDAR },
      error: 'rule.clockMissing',
    },
  ]);

  it('reports a calendar with no working time instead of an endless date', () => {
    const never = {
      ...CN_STANDARD_CALENDAR,
      standardDayMinutes: 480,
      hasWorkingTime: false,
      neverWorksFrom: () => true,
    };
    const prepared = prepareRule({ dateAdd: [0, 1, 'businessHours'] });
    expect(prepared.ok && prepared.value.evaluate({}, { calendar: never })).toMatchObject({
      ok: false,
      error: { code: 'rule.noWorkingTime' },
    });
  });
});

describe('preparing a rule', () => {
  it.each([
    {
      name: 'unknown operation',
      logic: { and: [true, { method: ['x', 'toString'] }] },
      code: 'rule.unknownOperation',
      path: '/r/and/1/method',
    },
    { name: 'log is not allowed', logic: { log: 'x' }, code: 'rule.unknownOperation', path: '/r/log' },
    {
      name: 'dotted operation',
      logic: { 'Math.max': [1, 2] },
      code: 'rule.unknownOperation',
      path: '/r/Math.max',
    },
    {
      name: 'internal safe var is not callable',
      logic: { ordo_safe_var: 'x' },
      code: 'rule.unknownOperation',
      path: '/r/ordo_safe_var',
    },
    { name: 'escaped pointer', logic: { 'a/b~': 1 }, code: 'rule.unknownOperation', path: '/r/a~1b~0' },
    {
      name: 'two operations in one object',
      logic: { '==': [1, 1], '!=': [1, 2] },
      code: 'rule.malformedOperation',
      path: '/r',
    },
    { name: 'empty object', logic: { or: [{}] }, code: 'rule.malformedOperation', path: '/r/or/0' },
    { name: 'domain arity', logic: { keywords: ['x'] }, code: 'rule.wrongArity', path: '/r/keywords' },
    { name: 'now takes nothing', logic: { now: [1] }, code: 'rule.wrongArity', path: '/r/now' },
  ])('$name → $code at $path', ({ logic, code, path }) => {
    const prepared = prepareRule(logic, '/r');
    expect(prepared).toMatchObject({ ok: false, error: { code, path } });
  });

  it('refuses rules nested too deeply or too large, without overflowing the stack', () => {
    let deep: unknown = true;
    for (let level = 0; level < 10_000; level += 1) deep = { '!': [deep] };
    expect(prepareRule(deep)).toMatchObject({ ok: false, error: { code: 'rule.tooComplex' } });
    const wide = { and: Array.from({ length: 6000 }, () => true) };
    expect(prepareRule(wide)).toMatchObject({ ok: false, error: { code: 'rule.tooComplex' } });
    expect(checkRule(wide).filter((problem) => problem.code === 'rule.tooComplex')).toHaveLength(1);
  });

  it('checkRule lists every problem; an allowed rule has none', () => {
    expect(
      checkRule({ and: [{ foo: 1 }, { var: 'constructor' }, { bar: 2 }] }, '/x').map((p) => p.path),
    ).toEqual(['/x/and/0/foo', '/x/and/1/var', '/x/and/2/bar']);
    expect(checkRule({ '==': [{ var: 'a' }, 1] })).toEqual([]);
  });

  it('lists the operations and the context paths a rule reads', () => {
    const prepared = prepareRule({
      and: [
        { '==': [{ var: 'data.service' }, 'vpn'] },
        { some: [{ var: 'data.tags' }, { '==': [{ var: 'name' }, 'vip'] }] },
        { missing: ['requester.level'] },
        { var: 0 },
      ],
    });
    expect(prepared.ok).toBe(true);
    if (!prepared.ok) return;
    expect([...prepared.value.variables].sort()).toEqual([
      '0',
      'data.service',
      'data.tags',
      'requester.level',
    ]);
    expect([...prepared.value.operations].sort()).toEqual(['==', 'and', 'missing', 'some', 'var']);
    expect(prepared.value.logic).toBeDefined();
    expect(prepared.value.path).toBe('');
  });

  it('exposes the allow-list with the domain operations and never the dangerous ones', () => {
    expect(ALLOWED_OPERATIONS).toEqual(
      expect.arrayContaining(['keywords', 'inBusinessHours', 'dateAdd', 'dateDiff', 'now', 'var']),
    );
    expect(ALLOWED_OPERATIONS).not.toContain('method');
    expect(ALLOWED_OPERATIONS).not.toContain('log');
  });
});

describe('evaluating never throws', () => {
  it('turns a JavaScript error inside json-logic into a reported problem', () => {
    // json-logic's missing_some reads `.length` of its second argument.
    const prepared = prepareRule({ missing_some: [1, { var: 'keys' }] }, '/routing/0/when');
    expect(prepared.ok && prepared.value.evaluate({ keys: null })).toMatchObject({
      ok: false,
      error: { code: 'rule.evaluationFailed', path: '/routing/0/when' },
    });
    expect(prepared.ok && prepared.value.test({ keys: null })).toMatchObject({ ok: false });
  });

  it('restores the environment after a failure', () => {
    const clock = prepareRule({ now: [] });
    const failing = prepareRule({ dateAdd: ['bad', 1, 'hours'] });
    if (!clock.ok || !failing.ok) throw new Error('rules should prepare');
    expect(failing.value.evaluate({}, { now: 5 }).ok).toBe(false);
    expect(clock.value.evaluate({}).ok).toBe(false);
    expect(clock.value.evaluate({}, { now: 7 })).toEqual({ ok: true, value: 7 });
  });

  it('test() applies json-logic truthiness', () => {
    const list = prepareRule({ var: 'xs' });
    if (!list.ok) throw new Error('rule should prepare');
    expect(list.value.test({ xs: [] })).toEqual({ ok: true, value: false });
    expect(list.value.test({ xs: [0] })).toEqual({ ok: true, value: true });
    expect(list.value.test(null)).toEqual({ ok: true, value: false });
  });
});

describe('isTruthy', () => {
  it.each([
    [[], false],
    [[0], true],
    [0, false],
    ['', false],
    ['0', true],
    [null, false],
    [undefined, false],
    [{}, true],
    [1, true],
    [Number.NaN, false],
  ])('%j → %s (same as json-logic)', (value, expected) => {
    expect(isTruthy(value)).toBe(expected);
    expect(jsonLogic.truthy(value)).toBe(expected);
  });
});

describe('prepared-rule cache', () => {
  const scope = { definitionKey: 'it.incident', version: 3 };

  it('prepares once per definition version and path', () => {
    const cache = createRuleCache();
    const first = cache.prepare(scope, '/routing/0/when', { '==': [1, 1] });
    const again = cache.prepare(scope, '/routing/0/when', { '==': [1, 1] });
    expect(again).toBe(first);
    expect(cache.size).toBe(1);
    expect(cache.prepare({ ...scope, version: 4 }, '/routing/0/when', { '==': [1, 1] })).not.toBe(first);
    expect(ruleCacheKey(scope, '/routing/0/when')).toBe('it.incident@3/routing/0/when');
  });

  it('does not cache drafts (no scope)', () => {
    const cache = createRuleCache();
    cache.prepare(undefined, '/x', true);
    expect(cache.size).toBe(0);
  });

  it('remembers a refused rule too', () => {
    const cache = createRuleCache();
    const refused = cache.prepare(scope, '/x', { nope: 1 });
    expect(refused.ok).toBe(false);
    expect(cache.prepare(scope, '/x', { nope: 1 })).toBe(refused);
  });

  it('evicts the oldest entry when full and clears by version', () => {
    const cache = createRuleCache(2);
    cache.prepare(scope, '/a', true);
    cache.prepare(scope, '/b', true);
    cache.prepare({ definitionKey: 'it.incident', version: 30 }, '/c', true);
    expect(cache.size).toBe(2);
    cache.clear(scope);
    expect(cache.size).toBe(1); // version 30 is not version 3
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('finds a frozen rule by the object, under the scope and path it was asked with', () => {
    const cache = createRuleCache();
    const logic = Object.freeze({ '==': [1, 1] });
    const first = cache.prepare(scope, '/routing/0/when', logic);
    expect(cache.prepare(scope, '/routing/0/when', logic)).toBe(first);
    // The same object under another version or path is that key's answer, not the remembered one.
    const otherVersion = cache.prepare({ ...scope, version: 4 }, '/routing/0/when', logic);
    expect(otherVersion).not.toBe(first);
    expect(cache.prepare(scope, '/routing/1/when', logic)).not.toBe(first);
    expect(cache.prepare(scope, '/routing/0/when', logic)).toBe(first);
    expect(cache.prepare({ ...scope, version: 4 }, '/routing/0/when', logic)).toBe(otherVersion);
    // An equal frozen object (a version loaded again) gets what the key held, like any other ask.
    expect(cache.prepare(scope, '/routing/0/when', Object.freeze({ '==': [1, 1] }))).toBe(first);
    expect(cache.size).toBe(3);
  });

  it('forgets frozen rules with their keyed entries (clear, eviction), so they cannot outlive them', () => {
    const cache = createRuleCache(2);
    const a = Object.freeze({ '==': [1, 1] });
    const first = cache.prepare(scope, '/a', a);
    cache.clear(scope);
    const afterClear = cache.prepare(scope, '/a', a);
    expect(afterClear).not.toBe(first);
    expect(JSON.stringify(afterClear)).toBe(JSON.stringify(first));
    cache.prepare(scope, '/b', Object.freeze({ '==': [2, 2] }));
    cache.prepare(scope, '/c', Object.freeze({ '==': [3, 3] })); // evicts /a
    expect(cache.size).toBe(2);
    const afterEviction = cache.prepare(scope, '/a', a);
    expect(afterEviction).not.toBe(afterClear);
    expect(JSON.stringify(afterEviction)).toBe(JSON.stringify(afterClear));
  });

  it('reads a rule that is not frozen (a draft shape) through the key as before', () => {
    const cache = createRuleCache();
    const logic: Record<string, unknown> = { '==': [1, 1] };
    const first = cache.prepare(scope, '/x', logic);
    expect(cache.prepare(scope, '/x', logic)).toBe(first);
    expect(cache.prepare(undefined, '/x', logic)).not.toBe(first);
  });

  it('shares one process-wide cache', () => {
    const shared = prepareCachedRule({ definitionKey: 'test.shared', version: 1 }, '/w', true);
    expect(prepareCachedRule({ definitionKey: 'test.shared', version: 1 }, '/w', true)).toBe(shared);
    sharedRuleCache.clear({ definitionKey: 'test.shared', version: 1 });
  });
});
