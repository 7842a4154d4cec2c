import { describe, expect, it } from 'vitest';
import { browserLocale, localeOfLanguage } from './usePublicLocale';

describe('the language of a signed-link page', () => {
  it.each([
    ['en-US', 'en'],
    ['en', 'en'],
    ['EN-gb', 'en'],
    ['zh-CN', 'zh-CN'],
    ['zh-TW', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['fr-FR', undefined],
    ['', undefined],
  ])('given the browser language %s, then the page speaks %s', (tag, expected) => {
    expect(localeOfLanguage(tag)).toBe(expected);
  });

  it('given several browser languages, then the first the studio speaks wins', () => {
    expect(browserLocale(['fr-FR', 'en-US', 'zh-CN'])).toBe('en');
    expect(browserLocale(['de', 'zh-CN', 'en'])).toBe('zh-CN');
    expect(browserLocale(['fr-FR', 'de'])).toBeUndefined();
    expect(browserLocale([])).toBeUndefined();
  });
});
