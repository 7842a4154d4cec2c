import type { Result } from '../common/types.js';
import { prepareRule, type PreparedRule } from './rule-engine.js';

/** Which published definition a rule belongs to. A published version never changes, so its rules never do. */
export interface RuleScope {
  definitionKey: string;
  version: number | string;
}

export interface RuleCache {
  /**
   * The prepared rule for `logic` at `path` of the scoped definition, prepared on first use. Without a scope
   * (a draft being edited) the rule is prepared every time, since its text may still change.
   */
  prepare(scope: RuleScope | undefined, path: string, logic: unknown): Result<PreparedRule>;
  /** Forget every rule of one definition version, or everything. */
  clear(scope?: RuleScope): void;
  readonly size: number;
}

export function ruleCacheKey(scope: RuleScope, path: string): string {
  return `${scope.definitionKey}@${scope.version}${path}`;
}

/** What a frozen rule object was last prepared as, to tell a hit without building the key string. */
interface FrozenLogicEntry {
  definitionKey: string;
  version: number | string;
  path: string;
  prepared: Result<PreparedRule>;
}

/** A small first-in-first-out cache of prepared rules (failed preparations are cached too: same text, same answer). */
export function createRuleCache(maxEntries = 5000): RuleCache {
  const entries = new Map<string, Result<PreparedRule>>();
  /*
   * Every rule evaluated asks the cache, and a key string built per ask showed in profiles. A published version's
   * rules are frozen objects (the server deep-freezes what it loads), so such a rule is also found by the object
   * itself, checked against the scope and path it was asked under: it holds what the keyed entry answered, and a
   * frozen object cannot change, so it cannot go stale while that entry stays. When any keyed entry leaves
   * (eviction when full, clear), the whole index is dropped and refills from the keyed entries.
   */
  let byFrozenLogic = new WeakMap<object, FrozenLogicEntry>();
  return {
    prepare(scope, path, logic) {
      if (!scope) return prepareRule(logic, path);
      const frozen = typeof logic === 'object' && logic !== null && Object.isFrozen(logic);
      if (frozen) {
        const known = byFrozenLogic.get(logic);
        if (
          known !== undefined &&
          known.path === path &&
          known.definitionKey === scope.definitionKey &&
          known.version === scope.version
        ) {
          return known.prepared;
        }
      }
      const key = ruleCacheKey(scope, path);
      const cached = entries.get(key);
      // Published versions are few and hot: a hit is a plain lookup (no recency bookkeeping, which would cost more
      // than the rule itself); when full, the oldest prepared rule goes first.
      if (cached) {
        if (frozen) rememberFrozen(logic, scope, path, cached);
        return cached;
      }
      const prepared = prepareRule(logic, path);
      entries.set(key, prepared);
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
        byFrozenLogic = new WeakMap();
      }
      if (frozen) rememberFrozen(logic, scope, path, prepared);
      return prepared;
    },
    clear(scope) {
      byFrozenLogic = new WeakMap();
      if (!scope) {
        entries.clear();
        return;
      }
      const prefix = `${scope.definitionKey}@${scope.version}`;
      for (const key of [...entries.keys()]) {
        if (key.startsWith(prefix) && (key.length === prefix.length || key[prefix.length] === '/')) {
          entries.delete(key);
        }
      }
    },
    get size() {
      return entries.size;
    },
  };

  function rememberFrozen(
    logic: object,
    scope: RuleScope,
    path: string,
    prepared: Result<PreparedRule>,
  ): void {
    byFrozenLogic.set(logic, { definitionKey: scope.definitionKey, version: scope.version, path, prepared });
  }
}

/** The process-wide cache; routing, SLA, forms and flows share it. */
export const sharedRuleCache: RuleCache = createRuleCache();

/** Prepare through the shared cache. */
export function prepareCachedRule(
  scope: RuleScope | undefined,
  path: string,
  logic: unknown,
): Result<PreparedRule> {
  return sharedRuleCache.prepare(scope, path, logic);
}
