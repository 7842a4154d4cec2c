/**
 * The language of a signed-link page (confirm, survey), opened from an email without signing in: a language chosen
 * in this browser before (the header's switch) wins; else the browser's own languages, in their order, the first
 * that is one of ours; else the requester's profile language, which the page's answer carries; else the default.
 * Nothing is stored: the person's own switch still is what makes a choice stick.
 */
import type { Locale } from '../../api/types';
import { applyLocale } from '../../composables/useLocale';
import { storedLocale } from '../../modules/i18n';

/** `en-US` → `en`, `zh-Hans-CN` / `zh-TW` / `zh` → `zh-CN`; anything else is none of ours. */
export function localeOfLanguage(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  if (primary === 'zh') return 'zh-CN';
  if (primary === 'en') return 'en';
  return undefined;
}

/** The first of the browser's languages the studio speaks. */
export function browserLocale(languages: readonly string[]): Locale | undefined {
  for (const language of languages) {
    const locale = localeOfLanguage(language);
    if (locale) return locale;
  }
  return undefined;
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages.length > 0 ? navigator.languages : [navigator.language];
}

export function usePublicLocale() {
  const chosen = storedLocale();
  const fromBrowser = browserLocale(browserLanguages());
  // At once, before the first paint: the page does not flash in another language.
  if (!chosen && fromBrowser) applyLocale(fromBrowser);
  return {
    /** Once the page knows whose ticket it is: their language, if neither a choice nor the browser decided. */
    adoptRequesterLocale(locale: Locale | undefined): void {
      if (!chosen && !fromBrowser && locale) applyLocale(locale);
    },
  };
}
