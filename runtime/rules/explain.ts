import { formatMessage, type Explanation, type LocalizedText } from '../common/types.js';

function isLocalizedText(value: unknown): value is LocalizedText {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['zh-CN'] === 'string' &&
    typeof (value as Record<string, unknown>).en === 'string'
  );
}

function paramsFor(locale: keyof LocalizedText, params: Record<string, unknown>): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    resolved[name] = isLocalizedText(value) ? value[locale] : value;
  }
  return resolved;
}

/** Fill a message in both languages; a param that is itself a LocalizedText is filled per language. */
export function localizeWith(messages: LocalizedText, params: Record<string, unknown> = {}): LocalizedText {
  return {
    'zh-CN': formatMessage(messages['zh-CN'], paramsFor('zh-CN', params)),
    en: formatMessage(messages.en, paramsFor('en', params)),
  };
}

/**
 * Build an Explanation. `params` are the machine-readable values kept on the explanation; `wording` adds texts
 * used only to write the sentences (localized names, clauses).
 */
export function explain(
  code: string,
  messages: LocalizedText,
  params: Record<string, unknown> = {},
  wording: Record<string, unknown> = {},
): Explanation {
  return { code, params, text: localizeWith(messages, { ...params, ...wording }) };
}

/** A short, readable rendering of a value for an explanation sentence. */
export function describeValue(value: unknown, maxLength = 60): string {
  if (value === undefined || value === null) return '—';
  const text = typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? typeof value);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
