/**
 * vue-i18n with the studio's two languages. Chinese is the default; a choice made in the header is kept in
 * localStorage so it survives reloads and logins.
 */
import { createI18n } from 'vue-i18n';
import type { Locale } from '../api/types';
import en from '../locales/en';
import zhCN, { type MessageSchema } from '../locales/zh-CN';

export const LOCALE_STORAGE_KEY = 'ordo.locale';
export const DEFAULT_LOCALE: Locale = 'zh-CN';

export function isLocale(value: unknown): value is Locale {
  return value === 'zh-CN' || value === 'en';
}

/** The language the user picked in this browser, if any. */
export function storedLocale(): Locale | undefined {
  try {
    const value = localStorage.getItem(LOCALE_STORAGE_KEY);
    return isLocale(value) ? value : undefined;
  } catch {
    // Storage can be disabled (private mode, strict policies): fall back to the default.
    return undefined;
  }
}

export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: storedLocale() ?? DEFAULT_LOCALE,
  fallbackLocale: 'en',
  messages: { 'zh-CN': zhCN, en },
  missingWarn: import.meta.env.DEV,
  fallbackWarn: import.meta.env.DEV,
});

export const i18nModule = i18n;
