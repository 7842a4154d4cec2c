/**
 * The article search index: MiniSearch over Chinese and English text, with no database in sight (the service feeds
 * it; the relevance test and the bench use it directly).
 *
 * Chinese has no spaces: `Intl.Segmenter('zh', { granularity: 'word' })` cuts it into dictionary words, and every
 * run of Chinese characters also yields its character bigrams, so a word the segmenter cuts differently in the
 * query and in the article ("无法连接" / "连接失败") still meets on shared bigrams. English words are lowercased
 * and lightly stemmed (dropping / drops / dropped → drop); prefix and typo tolerance apply to them only.
 * Synonyms (打印机 / printer, disconnect / drop) are expanded in the query, at a lower weight than the word typed.
 */
import MiniSearch, { type SearchResult } from 'minisearch';

export const ARTICLE_FIELDS = [
  'title',
  'problem',
  'steps',
  'rootCause',
  'solution',
  'tags',
  'category',
] as const;
export type ArticleField = (typeof ARTICLE_FIELDS)[number];

/** What the index holds of one article. */
export interface IndexedArticle {
  id: string;
  title: string;
  problem: string;
  steps: string;
  rootCause: string;
  solution: string;
  tags: string[];
  category: string;
  visibility: 'internal' | 'public';
  status: 'draft' | 'in-review' | 'published' | 'archived';
  version: number;
}

export interface SnippetPart {
  text: string;
  hit: boolean;
}

export interface SearchHit {
  id: string;
  score: number;
  title: SnippetPart[];
  snippet: SnippetPart[];
  /** The field the snippet comes from. */
  field: ArticleField;
}

export interface SearchFilter {
  /** Only these statuses (default: published). */
  statuses?: readonly IndexedArticle['status'][];
  /** Only public articles (requesters, the help center). */
  publicOnly?: boolean;
  category?: string;
}

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
const HAN = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;
const LATIN_WORD = /^[\p{L}\p{N}][\p{L}\p{N}._+#-]*$/u;

/** Words that say nothing about the problem (both languages); kept short on purpose. */
const STOP_WORDS = new Set([
  '的',
  '了',
  '是',
  '在',
  '和',
  '与',
  '或',
  '我',
  '我的',
  '你',
  '怎么',
  '怎么办',
  '如何',
  '为什么',
  '什么',
  '一个',
  '吗',
  '呢',
  '吧',
  '请',
  '时',
  '后',
  'the',
  'a',
  'an',
  'to',
  'of',
  'in',
  'on',
  'for',
  'is',
  'are',
  'my',
  'i',
  'it',
  'and',
  'or',
  'how',
  'what',
  'why',
  'when',
  'do',
  'does',
  'can',
  'with',
  'be',
  'not',
  'this',
  'that',
  'from',
  'at',
  'by',
]);

/** A light English stemmer: enough to make plurals and verb forms meet, not a linguist. */
export function stem(word: string): string {
  if (!/^[a-z]+$/.test(word) || word.length <= 3) return word;
  const rules: [RegExp, string][] = [
    [/ies$/, 'y'],
    [/([^aeiou])\1ing$/, '$1'], // dropping → drop
    [/([^aeiou])\1ed$/, '$1'], // dropped → drop
    [/ing$/, ''],
    [/ed$/, ''],
    [/sses$/, 'ss'],
    [/([^s])s$/, '$1'],
  ];
  for (const [pattern, replacement] of rules) {
    if (pattern.test(word)) {
      const stemmed = word.replace(pattern, replacement);
      if (stemmed.length >= 3) return stemmed;
    }
  }
  return word;
}

/** Terms of a text for the index (and for a query, before synonyms). */
export function tokenize(text: string): string[] {
  const terms: string[] = [];
  for (const { segment, isWordLike } of segmenter.segment(text.normalize('NFKC').toLowerCase())) {
    if (!isWordLike) continue;
    if (HAN.test(segment)) {
      if (!STOP_WORDS.has(segment)) terms.push(segment);
    } else if (LATIN_WORD.test(segment) && !STOP_WORDS.has(segment)) {
      terms.push(stem(segment));
    }
  }
  // Character bigrams of every run of Chinese characters, across the segmenter's cuts.
  const seen = new Set(terms);
  for (const run of text.normalize('NFKC').match(HAN_RUN) ?? []) {
    for (let index = 0; index + 1 < run.length; index++) {
      const bigram = run.slice(index, index + 2);
      if (!seen.has(bigram)) {
        seen.add(bigram);
        terms.push(bigram);
      }
    }
  }
  return terms;
}

const isHanTerm = (term: string) => HAN.test(term);

/**
 * Synonym groups: each line of words that mean the same here. A query term found in a group also searches the
 * group's other words (each tokenized as the index tokenizes).
 */
export class Synonyms {
  private readonly groups = new Map<string, Set<string>>();

  constructor(groups: readonly (readonly string[])[] = []) {
    for (const group of groups) this.add(group);
  }

  add(group: readonly string[]): void {
    const terms = new Set(group.flatMap((word) => this.termsOf(word)));
    for (const term of terms) {
      const known = this.groups.get(term) ?? new Set<string>();
      for (const other of terms) if (other !== term) known.add(other);
      this.groups.set(term, known);
    }
  }

  /** Tokenized like the index, but a Chinese word stays whole (no bigrams) so groups stay precise. */
  private termsOf(word: string): string[] {
    const trimmed = word.trim().toLowerCase();
    if (!trimmed) return [];
    if (HAN.test(trimmed)) return [trimmed];
    return tokenize(trimmed);
  }

  of(term: string): string[] {
    return [...(this.groups.get(term) ?? [])];
  }
}

/** Synonyms an installation starts with; admins add their own (`kb_settings`). */
export const DEFAULT_SYNONYMS: readonly (readonly string[])[] = [
  ['打印机', 'printer', '打印'],
  ['vpn', '虚拟专用网'],
  ['disconnect', 'drop', '断开', '掉线', '断线'],
  ['连接', 'connect', 'connection'],
  ['无法', 'cannot', 'unable', 'fail', '失败'],
  ['密码', 'password'],
  ['重置', 'reset'],
  ['邮箱', '邮件', 'email', 'mail', 'outlook'],
  ['网络', 'network', 'wifi', '无线'],
  ['电脑', 'computer', 'laptop', 'pc', '笔记本'],
  ['慢', 'slow', '卡顿'],
  ['报销', 'reimbursement', 'expense'],
  ['请假', 'leave', '休假'],
  ['会议室', 'meeting room', '会议'],
  ['账号', 'account', '账户'],
  ['锁定', 'locked', 'lockout'],
  ['权限', 'permission', 'access'],
  ['安装', 'install'],
  ['空调', 'air conditioning', 'hvac'],
  ['门禁', 'badge', 'access card'],
];

const SNIPPET_LENGTH = 120;

/** MiniSearch over articles, with the filters the callers need and highlighted snippets. */
export class KnowledgeIndex {
  private readonly search: MiniSearch<IndexedArticle>;
  private readonly articles = new Map<string, IndexedArticle>();
  private synonyms: Synonyms;

  constructor(synonyms: Synonyms = new Synonyms(DEFAULT_SYNONYMS)) {
    this.synonyms = synonyms;
    this.search = new MiniSearch<IndexedArticle>({
      fields: [...ARTICLE_FIELDS],
      storeFields: [],
      tokenize: (text) => tokenize(text),
      // Terms arrive tokenized and stemmed already.
      processTerm: (term) => term,
      extractField: (document, field) => {
        const value = document[field as keyof IndexedArticle];
        return Array.isArray(value) ? value.join(' ') : String(value ?? '');
      },
    });
  }

  get size(): number {
    return this.articles.size;
  }

  setSynonyms(synonyms: Synonyms): void {
    this.synonyms = synonyms;
  }

  get(id: string): IndexedArticle | undefined {
    return this.articles.get(id);
  }

  /** Add or replace an article (an older version than the one held is ignored). */
  put(article: IndexedArticle): void {
    const held = this.articles.get(article.id);
    if (held && held.version > article.version) return;
    if (held) this.search.discard(article.id);
    this.articles.set(article.id, article);
    this.search.add(article);
  }

  remove(id: string): void {
    if (!this.articles.has(id)) return;
    this.search.discard(id);
    this.articles.delete(id);
  }

  clear(): void {
    this.search.removeAll();
    this.articles.clear();
  }

  query(text: string, filter: SearchFilter = {}, limit = 10): SearchHit[] {
    const typed = tokenize(text);
    if (typed.length === 0) return [];
    const statuses = filter.statuses ?? ['published'];
    const accept = (id: string) => {
      const article = this.articles.get(id);
      if (!article) return false;
      if (!statuses.includes(article.status)) return false;
      if (filter.publicOnly && article.visibility !== 'public') return false;
      if (filter.category && article.category !== filter.category) return false;
      return true;
    };
    const expanded = new Set(
      typed.flatMap((term) => this.synonyms.of(term)).flatMap((word) => tokenize(word)),
    );
    for (const term of typed) expanded.delete(term);
    const boost = { title: 3, tags: 2, problem: 1.5, category: 0.5 };
    const options = {
      prefix: (term: string) => !isHanTerm(term) && term.length >= 3,
      fuzzy: (term: string) => (!isHanTerm(term) && term.length >= 4 ? 0.2 : false),
      tokenize: (query: string) => [query],
      processTerm: (term: string) => term,
      combineWith: 'OR' as const,
    };
    // A synonym counts, but less than the word typed.
    const synonymBoost = Object.fromEntries(
      Object.entries(boost).map(([field, value]) => [field, value * 0.6]),
    );
    const results = this.search.search(
      {
        combineWith: 'OR',
        queries: [
          { ...options, boost, queries: typed },
          // Synonyms are whole words: matched exactly, without prefix or typo expansion (which cost the most).
          ...(expanded.size
            ? [{ ...options, prefix: false, fuzzy: false, boost: synonymBoost, queries: [...expanded] }]
            : []),
        ],
      },
      { filter: (result) => accept(String(result.id)) },
    );
    return results.slice(0, limit).map((result) => this.hitOf(result));
  }

  /** How many distinct query terms (with synonyms) a text holds; used by tests and snippets. */
  private hitOf(result: SearchResult): SearchHit {
    const article = this.articles.get(String(result.id))!;
    const terms = result.terms;
    const fields: ArticleField[] = ['problem', 'solution', 'steps', 'rootCause'];
    let best: ArticleField = 'problem';
    let bestCount = -1;
    for (const field of fields) {
      const text = String(article[field]).toLowerCase();
      const count = terms.filter((term) => text.includes(term)).length;
      if (count > bestCount) {
        best = field;
        bestCount = count;
      }
    }
    return {
      id: article.id,
      score: result.score,
      title: highlight(article.title, terms),
      snippet: highlight(excerpt(String(article[best]), terms), terms),
      field: best,
    };
  }
}

/** About SNIPPET_LENGTH characters of `text` around the first term found, with ellipses where cut. */
export function excerpt(text: string, terms: readonly string[]): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= SNIPPET_LENGTH) return flat;
  const lower = flat.toLowerCase();
  const positions = terms.map((term) => lower.indexOf(term)).filter((position) => position >= 0);
  const first = positions.length ? Math.min(...positions) : 0;
  const start = Math.max(0, first - Math.floor(SNIPPET_LENGTH / 4));
  const end = Math.min(flat.length, start + SNIPPET_LENGTH);
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}

/**
 * Split `text` into parts, marking every occurrence of a term (whole words in English: a stemmed term matches the
 * word it came from, "drop" in "dropping").
 */
export function highlight(text: string, terms: readonly string[]): SnippetPart[] {
  const lower = text.toLowerCase();
  const marks = new Array<boolean>(text.length).fill(false);
  for (const term of terms) {
    if (!term) continue;
    let from = 0;
    for (;;) {
      const at = lower.indexOf(term, from);
      if (at < 0) break;
      let end = at + term.length;
      if (!isHanTerm(term)) {
        // Extend to the end of the word, and only from a word's start.
        if (at > 0 && /[\p{L}\p{N}]/u.test(lower[at - 1]!) && !HAN.test(lower[at - 1]!)) {
          from = at + 1;
          continue;
        }
        while (end < lower.length && /[a-z0-9]/.test(lower[end]!)) end++;
      }
      for (let index = at; index < end; index++) marks[index] = true;
      from = end;
    }
  }
  const parts: SnippetPart[] = [];
  for (let index = 0; index < text.length; index++) {
    const last = parts[parts.length - 1];
    if (last && last.hit === marks[index]) last.text += text[index];
    else parts.push({ text: text[index]!, hit: marks[index]! });
  }
  return parts;
}
