import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyJson } from './json-copy.js';

const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

/** The same result as a JSON round trip — values, key order, -0 — or the same error. */
function expectSameAsJson(value: unknown): void {
  let expected: { value: unknown } | { error: unknown };
  try {
    expected = { value: viaJson(value) };
  } catch (error) {
    expected = { error };
  }
  if ('error' in expected) {
    expect(() => copyJson(value)).toThrow((expected.error as Error).constructor);
    return;
  }
  const copied = copyJson(value);
  expect(copied).toStrictEqual(expected.value);
  expect(JSON.stringify(copied)).toBe(JSON.stringify(expected.value));
}

describe('copyJson', () => {
  it('copies JSON values like a JSON round trip', () => {
    fc.assert(fc.property(fc.jsonValue(), expectSameAsJson), { numRuns: 500 });
  });

  it('treats everything JSON treats specially as JSON does', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
          withUnicodeString: true,
          withBigInt: true,
        }),
        expectSameAsJson,
      ),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['-0', { a: -0, b: [-0] }],
    ['non-finite numbers', { a: Number.NaN, b: [Number.POSITIVE_INFINITY] }],
    ['undefined, functions and symbols in objects', { a: undefined, b: () => 1, c: Symbol('c'), d: 1 }],
    ['undefined in an array', [1, undefined, 2]],
    // eslint-disable-next-line no-sparse-arrays -- a hole is what this case is about
    ['a hole in an array', [1, , 3]],
    ['a date', { at: new Date(0) }],
    ['toJSON', { a: { toJSON: () => 'x' } }],
    ['an own __proto__ key', JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown],
    ['integer-like keys', { b: 1, 2: 'two', a: 3, 1: 'one' }],
    [
      'a class instance',
      {
        value: new (class Money {
          amount = 3;
        })(),
      },
    ],
    ['a map', { map: new Map([['a', 1]]) }],
    ['top-level undefined', undefined],
    ['a bigint', { n: 1n }],
    ['a deep chain', Array.from({ length: 500 }).reduce<unknown>((inner) => ({ inner }), 0)],
  ])('%s', (_name, value) => {
    expectSameAsJson(value);
  });

  it('refuses a cycle as JSON does', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => copyJson(cyclic)).toThrow(TypeError);
  });

  it('shares nothing with the original', () => {
    const state = { data: { list: [{ a: 1 }] }, tags: ['x'] };
    const copied = copyJson(state);
    copied.data.list[0]!.a = 2;
    copied.tags.push('y');
    expect(state).toEqual({ data: { list: [{ a: 1 }] }, tags: ['x'] });
  });
});
