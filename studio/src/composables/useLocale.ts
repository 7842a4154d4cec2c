import { computed, type ComputedRef } from 'vue';
import en from 'element-plus/es/locale/lang/en';
import zhCn from 'element-plus/es/locale/lang/zh-cn';
import type { Language } from 'element-plus/es/locale';
import { setRequestLanguage } from '../api/client';
import type { Locale } from '../api/types';
import { i18n, LOCALE_STORAGE_KEY, storedLocale } from '../modules/i18n';

const elementLocales: Record<Locale, Language> = { 'zh-CN': zhCn, en };

export interface LocaleControls {
  locale: ComputedRef<Locale>;
  /** Element Plus's own texts (date pickers, empty tables, dialogs) in the same language. */
  elementLocale: ComputedRef<Language>;
  /** Switch and remember the choice in this browser. */
  setLocale(locale: Locale): void;
  /** Follow a user's profile language unless this browser already has a choice of its own. */
  adoptProfileLocale(locale: Locale): void;
}

export function useLocale(): LocaleControls {
  const locale = computed(() => i18n.global.locale.value);
  return {
    locale,
    elementLocale: computed(() => elementLocales[locale.value]),
    setLocale(next) {
      applyLocale(next);
      try {
        localStorage.setItem(LOCALE_STORAGE_KEY, next);
      } catch {
        // Storage disabled: the switch still holds for this visit.
      }
    },
    adoptProfileLocale(profileLocale) {
      if (storedLocale() === undefined) applyLocale(profileLocale);
    },
  };
}

/** Make the document, the API requests and the messages agree on one language. */
export function applyLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  document.documentElement.lang = locale;
  setRequestLanguage(locale);
}
