import {
  formatMessageIn,
  formatMessageInLayers,
  type Explanation,
  type LocalizedText,
} from '../common/types.js';

/** Fill a message in both languages; a param that is itself a LocalizedText is filled per language. */
export function localizeWith(messages: LocalizedText, params: Record<string, unknown> = {}): LocalizedText {
  return {
    'zh-CN': formatMessageIn('zh-CN', messages['zh-CN'], params),
    en: formatMessageIn('en', messages.en, params),
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
  return {
    code,
    params,
    text: {
      'zh-CN': formatMessageInLayers('zh-CN', messages['zh-CN'], params, wording),
      en: formatMessageInLayers('en', messages.en, params, wording),
    },
  };
}

/** A short, readable rendering of a value for an explanation sentence. */
export function describeValue(value: unknown, maxLength = 60): string {
  if (value === undefined || value === null) return '—';
  const text = typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? typeof value);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
