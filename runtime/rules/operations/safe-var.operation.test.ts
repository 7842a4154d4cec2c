import { describe, expect, it } from 'vitest';
import { pathSegments, readOwnPath, rememberedPathCount } from './safe-var.operation.js';

describe('path segments remembered per path', () => {
  it('are keyed by the path text, so the same text always gives the same segments', () => {
    const first = pathSegments('data.impact');
    expect(first).toEqual(['data', 'impact']);
    expect(pathSegments('data.impact')).toBe(first);
    expect(pathSegments('data.urgency')).toEqual(['data', 'urgency']);
  });

  it('are frozen, so a caller cannot change what the next reader of the same path gets', () => {
    const segments = pathSegments('requester.manager');
    expect(Object.isFrozen(segments)).toBe(true);
    expect(() => (segments as string[]).push('x')).toThrow(TypeError);
    expect(pathSegments('requester.manager')).toEqual(['requester', 'manager']);
  });

  it('stay bounded when rules read many paths built from data, and read the same afterwards', () => {
    const root = {
      data: { items: Object.fromEntries(Array.from({ length: 3000 }, (_, n) => [`k${n}`, n])) },
    };
    for (let n = 0; n < 3000; n += 1) {
      expect(readOwnPath(root, `data.items.k${n}`, null)).toBe(n);
      expect(rememberedPathCount()).toBeLessThanOrEqual(2000);
    }
    expect(readOwnPath(root, 'data.items.k7', null)).toBe(7);
  });

  it('reads exactly what splitting the path each time read (own properties only, strings, misses)', () => {
    const forbidden = new Set(['__proto__', 'constructor', 'prototype']);
    // The walk as it was before the segments were remembered.
    const splitEachTime = (root: unknown, path: string, notFound: unknown): unknown => {
      let current = root;
      for (const segment of path.split('.')) {
        if (current === null || current === undefined) return notFound;
        if (typeof current !== 'object' && typeof current !== 'string') return notFound;
        if (forbidden.has(segment) || !Object.hasOwn(Object(current) as object, segment)) return notFound;
        current = (current as Record<string, unknown>)[segment];
      }
      return current === undefined ? notFound : current;
    };
    const root = { a: { b: 'text', c: null, d: [10, 20] }, '': { '': 1 } };
    const paths = [
      'a.b',
      'a.b.length',
      'a.b.0',
      'a.c',
      'a.c.x',
      'a.d.1',
      'a.constructor',
      'a.__proto__',
      '.',
      'x',
    ];
    for (const path of paths) {
      for (let round = 0; round < 2; round += 1) {
        expect(readOwnPath(root, path, 'fallback')).toEqual(splitEachTime(root, path, 'fallback'));
      }
    }
    expect(readOwnPath(root, 'a.d.1', null)).toBe(20);
    expect(readOwnPath(root, 'a.constructor', null)).toBeNull();
  });
});
