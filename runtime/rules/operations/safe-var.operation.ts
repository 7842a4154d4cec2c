const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A path's segments, split once: every `var` of every rule evaluated reads a path, and the paths are few (the
 * rules' text). Keyed by the path string itself, which cannot change, so an entry cannot go stale; paths built from
 * data could be many, so the memo is emptied when it reaches `SEGMENTS_MEMO_LIMIT`. The arrays are frozen: callers
 * share them.
 */
const SEGMENTS_MEMO_LIMIT = 2000;
const segmentsByPath = new Map<string, readonly string[]>();

export function pathSegments(path: string): readonly string[] {
  let segments = segmentsByPath.get(path);
  if (segments === undefined) {
    segments = Object.freeze(path.split('.'));
    if (segmentsByPath.size >= SEGMENTS_MEMO_LIMIT) segmentsByPath.clear();
    segmentsByPath.set(path, segments);
  }
  return segments;
}

/** How many paths' segments are remembered (for tests). */
export function rememberedPathCount(): number {
  return segmentsByPath.size;
}

/** Follow a dotted path through own properties only. */
export function readOwnPath(root: unknown, path: string, notFound: unknown): unknown {
  let current = root;
  for (const segment of pathSegments(path)) {
    if (current === null || current === undefined) return notFound;
    if (typeof current !== 'object' && typeof current !== 'string') return notFound;
    if (FORBIDDEN.has(segment) || !Object.hasOwn(Object(current) as object, segment)) return notFound;
    current = (current as Record<string, unknown>)[segment];
  }
  return current === undefined ? notFound : current;
}

/**
 * json-logic's `var`, reading only the data's own properties: `{"var": "constructor"}` or a computed path built
 * from user input can never reach a prototype or a function.
 */
export function safeVarOperation(this: unknown, path?: unknown, fallback?: unknown): unknown {
  const notFound = fallback === undefined ? null : fallback;
  if (path === undefined || path === null || path === '') return this;
  if (typeof path === 'number') return readOwnPath(this, String(path), notFound);
  if (typeof path !== 'string') return notFound;
  return readOwnPath(this, path, notFound);
}
