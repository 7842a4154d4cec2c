const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Follow a dotted path through own properties only. */
export function readOwnPath(root: unknown, path: string, notFound: unknown): unknown {
  let current = root;
  for (const segment of path.split('.')) {
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
