import { createHash } from 'node:crypto';

/**
 * Definitions are stored as JSON text: their json-logic holds nested arrays (`{"in": [x, ["a", "b"]]}`) and JSON
 * Schemas hold `$`-keys, neither of which FerretDB 1.24 can store as a document (DESIGN.md §8). The text is kept as
 * the analyst's key order; hashes are taken over a canonical form (sorted keys) so reordering keys changes nothing.
 */
export function toDefinitionText(definition: unknown): string {
  return JSON.stringify(definition);
}

export function parseDefinitionText<T = Record<string, unknown>>(text: string): T {
  return JSON.parse(text) as T;
}

/** JSON with object keys sorted at every level; arrays keep their order (it means something in a definition). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  }
  return sorted;
}

/** Content hash of a definition, independent of key order. */
export function definitionSha256(definition: unknown): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}
