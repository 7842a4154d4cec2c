import type { StatusCategory } from '../common/types.js';
import type { EngineDefinition } from './types.js';

/** A status of the type by key, or the first status of a category (the category's name when the type has none). */
export function resolveStatus(
  definition: EngineDefinition,
  target: { category?: StatusCategory; key?: string },
): { category: StatusCategory; key: string } | undefined {
  const statuses = definition.statuses ?? {};
  if (target.key !== undefined) {
    for (const [category, list] of Object.entries(statuses) as [StatusCategory, { key: string }[]][]) {
      if (list.some((status) => status.key === target.key)) {
        if (target.category === undefined || target.category === category)
          return { category, key: target.key };
      }
    }
    return undefined;
  }
  if (target.category === undefined) return undefined;
  return { category: target.category, key: statuses[target.category]?.[0]?.key ?? target.category };
}

export const FINAL_CATEGORIES: ReadonlySet<StatusCategory> = new Set(['closed', 'cancelled']);
