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

/**
 * What MiniSearch indexes: the steps, root cause and solution as one `body` (they weigh the same; one posting list
 * instead of three makes every term cheaper to score).
 */
const INDEX_FIELDS = ['title', 'problem', 'body', 'tags', 'category'] as const;
type IndexField = (typeof INDEX_FIELDS)[number];
const BOOST: Record<IndexField, number> = { title: 3, tags: 2, problem: 1.5, body: 1, category: 0.5 };
/** A synonym counts, but less than the word typed. */
const SYNONYM_WEIGHT = 0.6;
/** At most this many typed terms (the rarest first): a pasted description must not turn into hundreds. */
const MAX_TYPED_TERMS = 24;
/** A term held by more than this share of the articles (and by more than COMMON_MIN) is "common". */
const COMMON_SHARE = 0.05;
const COMMON_MIN = 20;
/** At most this many common terms add to the score (the rarest first). */
const MAX_COMMON_TERMS = 3;
/** At most this many synonym terms per query (the rarest first). */
const MAX_SYNONYM_TERMS = 8;

/** MiniSearch over articles, with the filters the callers need and highlighted snippets. */
export class KnowledgeIndex {
  private readonly search: MiniSearch<IndexedArticle>;
  private readonly articles = new Map<string, IndexedArticle>();
  /** How many articles hold each term: typo tolerance only for words the index does not know, rarest first. */
  private readonly vocabulary = new Map<string, number>();
  /** The terms of the article being added, gathered from the tokenizer MiniSearch calls. */
  private collecting: Set<string> | undefined;
  private synonyms: Synonyms;

  constructor(synonyms: Synonyms = new Synonyms(DEFAULT_SYNONYMS)) {
    this.synonyms = synonyms;
    this.search = new MiniSearch<IndexedArticle>({
      fields: [...INDEX_FIELDS],
      storeFields: [],
      tokenize: (text) => {
        const terms = tokenize(text);
        if (this.collecting) for (const term of terms) this.collecting.add(term);
        return terms;
      },
      // Terms arrive tokenized and stemmed already.
      processTerm: (term) => term,
      extractField: (document, field) => {
        if (field === 'body') return `${document.steps}\n${document.rootCause}\n${document.solution}`;
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
    if (held) this.drop(held);
    this.articles.set(article.id, article);
    this.collecting = new Set();
    try {
      this.search.add(article);
      for (const term of this.collecting) this.vocabulary.set(term, (this.vocabulary.get(term) ?? 0) + 1);
    } finally {
      this.collecting = undefined;
    }
  }

  remove(id: string): void {
    const held = this.articles.get(id);
    if (!held) return;
    this.drop(held);
    this.articles.delete(id);
  }

  clear(): void {
    this.search.removeAll();
    this.articles.clear();
    this.vocabulary.clear();
  }

  /** Take an article out of the index and its terms out of the vocabulary. */
  private drop(article: IndexedArticle): void {
    this.search.discard(article.id);
    const terms = new Set(
      [
        article.title,
        article.problem,
        article.steps,
        article.rootCause,
        article.solution,
        article.tags.join(' '),
        article.category,
      ].flatMap((text) => tokenize(text)),
    );
    for (const term of terms) {
      const count = (this.vocabulary.get(term) ?? 0) - 1;
      if (count > 0) this.vocabulary.set(term, count);
      else this.vocabulary.delete(term);
    }
  }

  /** How many articles hold a term (0: unknown here). */
  private frequency(term: string): number {
    return this.vocabulary.get(term) ?? 0;
  }

  /**
   * The terms a query searches, the most telling first:
   * - a single Chinese character the segmenter left alone is dropped when a bigram of the query holds it;
   * - words held by more than COMMON_SHARE of the articles are "common" (BM25 gives them little weight and their
   *   long posting lists cost the most): they only add to the score of articles the rarer terms found — the
   *   cutoff-frequency rule of Lucene's common-terms query — unless the query has nothing rarer;
   * - English words the index does not know go through typo tolerance (4+ letters) or as prefixes (3 letters);
   *   the last English word typed, which may be unfinished, also as a prefix;
   * - synonyms of the words kept (known or not), themselves known and not common, the rarest few.
   */
  plan(text: string): {
    typed: string[];
    fuzzy: string[];
    prefix: string[];
    synonyms: string[];
    common: string[];
  } {
    const byRarity = (terms: Iterable<string>) =>
      [...terms].sort((left, right) => this.frequency(left) - this.frequency(right));
    const terms = [...new Set(tokenize(text))];
    const bigrams = terms.filter((term) => term.length === 2 && isHanTerm(term));
    const cutoff = Math.max(COMMON_SHARE * this.articles.size, COMMON_MIN);
    const rare: string[] = [];
    const frequent: string[] = [];
    const fuzzy: string[] = [];
    const prefix: string[] = [];
    let lastLatin: string | undefined;
    for (const term of terms) {
      const han = isHanTerm(term);
      if (!han) lastLatin = term;
      if (han && term.length === 1 && bigrams.some((bigram) => bigram.includes(term))) continue;
      const frequency = this.frequency(term);
      if (frequency > cutoff) frequent.push(term);
      else if (frequency > 0) rare.push(term);
      else if (han || term.length < 3) continue;
      else if (term.length >= 4) fuzzy.push(term);
      else prefix.push(term);
    }
    const alone = rare.length + fuzzy.length + prefix.length === 0;
    const typed = (alone ? frequent : byRarity(rare)).slice(0, MAX_TYPED_TERMS);
    const common = alone ? [] : byRarity(frequent).slice(0, MAX_COMMON_TERMS);
    // The last English word, maybe unfinished: exactly and as a prefix (print → printer) in one.
    if (lastLatin && lastLatin.length >= 3 && typed.includes(lastLatin)) {
      typed.splice(typed.indexOf(lastLatin), 1);
      prefix.push(lastLatin);
    }
    const expanded = new Set<string>();
    // A word the index does not know may still have synonyms it knows (repair → 报修).
    for (const term of [...typed, ...prefix, ...fuzzy])
      for (const word of this.synonyms.of(term))
        for (const synonym of isHanTerm(word) && this.vocabulary.has(word) ? [word] : tokenize(word)) {
          const frequency = this.frequency(synonym);
          if (frequency > 0 && frequency <= cutoff) expanded.add(synonym);
        }
    for (const term of terms) expanded.delete(term);
    return {
      typed,
      fuzzy: fuzzy.slice(0, 4),
      prefix: prefix.slice(0, 4),
      synonyms: byRarity(expanded).slice(0, MAX_SYNONYM_TERMS),
      common,
    };
  }

  query(text: string, filter: SearchFilter = {}, limit = 10): SearchHit[] {
    const plan = this.plan(text);
    if (plan.typed.length + plan.fuzzy.length + plan.prefix.length === 0) return [];
    const statuses = filter.statuses ?? ['published'];
    // Filtered while scoring (a weight of 0 skips the article), so refused articles never become results.
    const boostDocument = (id: string) => {
      const article = this.articles.get(id);
      if (!article) return 0;
      if (!statuses.includes(article.status)) return 0;
      if (filter.publicOnly && article.visibility !== 'public') return 0;
      if (filter.category && article.category !== filter.category) return 0;
      return 1;
    };
    const base = {
      tokenize: (query: string) => [query],
      processTerm: (term: string) => term,
      combineWith: 'OR' as const,
      boostDocument,
    };
    const synonymBoost = Object.fromEntries(
      Object.entries(BOOST).map(([field, value]) => [field, value * SYNONYM_WEIGHT]),
    );
    const queries = [
      ...(plan.typed.length ? [{ ...base, boost: BOOST, queries: plan.typed }] : []),
      ...(plan.fuzzy.length
        ? [{ ...base, boost: BOOST, fuzzy: 0.2, maxFuzzy: 2, prefix: true, queries: plan.fuzzy }]
        : []),
      ...(plan.prefix.length ? [{ ...base, boost: BOOST, prefix: true, queries: plan.prefix }] : []),
      // Synonyms are whole words: matched exactly, without prefix or typo expansion (which cost the most).
      ...(plan.synonyms.length ? [{ ...base, boost: synonymBoost, queries: plan.synonyms }] : []),
    ];
    const found = this.search.search({ combineWith: 'OR', queries }, { boostDocument });
    if (plan.common.length === 0 || found.length === 0)
      return found.slice(0, limit).map((result) => this.hitOf(result));
    // Common terms add to the articles found, and find none of their own: an article outside `found` costs one
    // look-up in their long posting lists instead of a result.
    const byId = new Map(found.map((result) => [String(result.id), result]));
    const onlyFound = (id: string) => (byId.has(id) ? 1 : 0);
    const added = this.search.search(
      { ...base, boostDocument: onlyFound, boost: BOOST, queries: plan.common },
      { boostDocument: onlyFound },
    );
    for (const extra of added) {
      const result = byId.get(String(extra.id))!;
      // MiniSearch multiplies a score by the number of query terms matched: undo, add, multiply again.
      const matched = result.queryTerms.length + extra.queryTerms.length;
      result.score =
        (result.score / result.queryTerms.length + extra.score / extra.queryTerms.length) * matched;
      result.queryTerms = [...result.queryTerms, ...extra.queryTerms];
      result.terms = [...result.terms, ...extra.terms];
    }
    return found
      .sort((left, right) => right.score - left.score)
      .slice(0, limit)
      .map((result) => this.hitOf(result));
  }

  /** The title and the best snippet of a result, the terms it matched highlighted. */
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
