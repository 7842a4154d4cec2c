/** JSON pointers (RFC 6901), the `path` of every Problem. */

export function escapePointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapePointerSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Append segments to a pointer; `joinPointer('/flow', 'nodes', 3)` is `/flow/nodes/3`. */
export function joinPointer(base: string, ...segments: (string | number)[]): string {
  return base + segments.map((segment) => '/' + escapePointerSegment(segment)).join('');
}

export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return pointer === '/' ? [''] : [];
  return pointer.slice(1).split('/').map(unescapePointerSegment);
}
