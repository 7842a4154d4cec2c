import { RuleOperationError } from '../rule-problem.js';

/** Scripts written without spaces between words: a keyword in them matches anywhere in the text. */
const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

const MAX_CACHED_MATCHERS = 2000;
const matchers = new Map<string, (text: string) => boolean>();

/** Full-width letters (ＶＰＮ) and case differences must not hide a keyword. */
export function normalizeForKeywords(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A keyword in a spaced script must stand as a whole word: "print" does not match "printer". Han characters next
 * to it count as a boundary, because Chinese text mixes in English words without spaces ("我的printer坏了").
 */
function compileMatcher(normalizedKeyword: string): (text: string) => boolean {
  if (UNSPACED_SCRIPT.test(normalizedKeyword)) {
    return (text) => text.includes(normalizedKeyword);
  }
  const body = normalizedKeyword.split(/\s+/).map(escapeRegExp).join('\\s+');
  const pattern = new RegExp(`(?<![\\p{Script=Latin}\\p{Nd}_])${body}(?![\\p{Script=Latin}\\p{Nd}_])`, 'u');
  return (text) => pattern.test(text);
}

function matcherFor(keyword: string): (text: string) => boolean {
  let matcher = matchers.get(keyword);
  if (!matcher) {
    if (matchers.size >= MAX_CACHED_MATCHERS) matchers.clear();
    matcher = compileMatcher(keyword);
    matchers.set(keyword, matcher);
  }
  return matcher;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(textOf).join('\n');
  return '';
}

/** `{"keywords": [text, ["打印机", "printer"]]}`: true when the text holds any of the keywords. */
export function keywordsOperation(text: unknown, keywords: unknown): boolean {
  if (!Array.isArray(keywords) && typeof keywords !== 'string') {
    throw new RuleOperationError('rule.invalidKeywords', {});
  }
  const list: unknown[] = typeof keywords === 'string' ? [keywords] : keywords;
  const haystack = normalizeForKeywords(textOf(text));
  if (haystack === '') return false;
  for (const keyword of list) {
    if (typeof keyword !== 'string') throw new RuleOperationError('rule.invalidKeywords', {});
    const normalized = normalizeForKeywords(keyword).trim();
    if (normalized !== '' && matcherFor(normalized)(haystack)) return true;
  }
  return false;
}
