import { describe, expect, it } from 'vitest';
import { createI18n } from 'vue-i18n';
import en from './en';
import zhCN from './zh-CN';

/** Every message path of a locale tree (`designer.shell.list.title`, …). */
function messagePaths(tree: unknown, prefix = ''): string[] {
  if (typeof tree === 'string') return [prefix];
  if (Array.isArray(tree)) return [];
  return Object.entries(tree as Record<string, unknown>).flatMap(([key, value]) =>
    messagePaths(value, prefix ? `${prefix}.${key}` : key),
  );
}

/**
 * vue-i18n compiles a message when it is first shown, and a literal `@`, `{`, `}` or `|` (its syntax) makes that
 * page throw in the browser. Compile every message of both languages here instead.
 */
describe('studio messages', () => {
  const i18n = createI18n({
    legacy: false,
    locale: 'zh-CN',
    messages: { 'zh-CN': zhCN, en },
    missingWarn: false,
    fallbackWarn: false,
  });
  const paths = messagePaths(zhCN);

  it.each(['zh-CN', 'en'] as const)('all compile in %s', (locale) => {
    const broken: string[] = [];
    for (const path of paths) {
      try {
        i18n.global.t(path, {}, { locale });
      } catch (error) {
        broken.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    expect(paths.length).toBeGreaterThan(500);
    expect(broken).toEqual([]);
  });
});
