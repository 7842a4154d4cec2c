/** Calls of the knowledge base and help center API (server/knowledge/README.md). */
import { request } from '../../api/client';

export interface SnippetPart {
  text: string;
  hit: boolean;
}

export type ArticleStatus = 'draft' | 'in-review' | 'published' | 'archived';
export type ArticleVisibility = 'internal' | 'public';

export interface ArticleListItem {
  id: string;
  title: string;
  category: string;
  tags: string[];
  updatedAt: string;
  visibility?: ArticleVisibility;
  status?: ArticleStatus;
  version?: number;
  reviewAt?: string | null;
  highlightedTitle?: SnippetPart[];
  snippet?: SnippetPart[];
}

export interface ArticleList {
  items: ArticleListItem[];
  total: number;
}

export interface Article {
  id: string;
  title: string;
  problem: string;
  steps: string;
  rootCause: string;
  solution: string;
  tags: string[];
  category: string;
  version: number;
  updatedAt: string;
  publishedAt: string | null;
  visibility?: ArticleVisibility;
  status?: ArticleStatus;
  owner?: string;
  ownerName?: string | null;
  reviewAt?: string | null;
  sourceTickets?: { id: string; number: string }[];
  votes: { helpful: number; notHelpful: number };
  canEdit?: boolean;
  canPublish?: boolean;
}

export interface ArticleVersion {
  version: number;
  at: string;
  actor: string;
  actorName: string | null;
  change: 'created' | 'edited' | 'status' | 'source-added';
  note: string;
  status: ArticleStatus;
}

export interface FieldDiff {
  field: string;
  lines: { op: 'same' | 'add' | 'del'; text: string }[];
}

export type ArticleEdit = Pick<
  Article,
  'title' | 'problem' | 'steps' | 'rootCause' | 'solution' | 'tags' | 'category'
> & { visibility: ArticleVisibility; reviewAt: string | null; note?: string };

export const listArticles = (query: Record<string, string | number | boolean | undefined>) =>
  request<ArticleList>('/api/kb/articles', { query });
export const getArticle = (id: string) => request<Article>(`/api/kb/articles/${id}`);
export const createArticle = (body: ArticleEdit) =>
  request<Article>('/api/kb/articles', { method: 'POST', body });
export const saveArticle = (id: string, version: number, body: ArticleEdit) =>
  request<Article>(`/api/kb/articles/${id}`, { method: 'PUT', body: { ...body, version } });
export const moveArticle = (id: string, version: number, status: ArticleStatus) =>
  request<Article>(`/api/kb/articles/${id}/status`, { method: 'POST', body: { version, status } });
export const articleVersions = (id: string) =>
  request<{ items: ArticleVersion[] }>(`/api/kb/articles/${id}/versions`);
export const articleDiff = (id: string, from: number, to: number) =>
  request<{ fields: FieldDiff[] }>(`/api/kb/articles/${id}/diff`, { query: { from, to } });
export const articleFromTicket = (ticket: string) =>
  request<Article & { linked: boolean }>('/api/kb/articles/from-ticket', {
    method: 'POST',
    body: { ticket },
  });
export const sendArticle = (id: string, ticket: string) =>
  request<{ ticket: string; version: number }>(`/api/kb/articles/${id}/send`, {
    method: 'POST',
    body: { ticket },
  });
export const suggestions = (query: { text?: string; ticket?: string }, signal?: AbortSignal) =>
  request<ArticleList>('/api/kb/suggestions', { query, signal });
export const voteArticle = (id: string, helpful: boolean) =>
  request<{ helpful: number; notHelpful: number }>(`/api/kb/articles/${id}/votes`, {
    method: 'POST',
    body: { helpful },
  });
export const recordDeflection = (session: string, article: string, type?: string) =>
  request<void>('/api/kb/deflections', { method: 'POST', body: { session, article, type } });
export const markDraftSubmitted = (session: string, ticket: string) =>
  request<{ articles: number }>('/api/kb/deflections/submitted', {
    method: 'POST',
    body: { session, ticket },
  });

export const helpCategories = () =>
  request<{ items: { category: string; articles: number }[] }>('/api/help/categories');
export const helpArticles = (query: Record<string, string | number | undefined>) =>
  request<ArticleList>('/api/help/articles', { query });
export const helpArticle = (id: string) => request<Article>(`/api/help/articles/${id}`);
export const helpVote = (id: string, helpful: boolean, voter: string) =>
  request<{ helpful: number; notHelpful: number }>(`/api/help/articles/${id}/votes`, {
    method: 'POST',
    body: { helpful, voter },
  });

/** A random id for a draft session or an anonymous browser. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Synonym groups the search expands queries with (each group: words that mean the same here). */
export const getSynonyms = () => request<{ groups: string[][] }>('/api/kb/synonyms');
export const saveSynonyms = (groups: string[][]) =>
  request<{ groups: string[][] }>('/api/kb/synonyms', { method: 'PUT', body: { groups } });

/** The article parts a mapping template fills from a ticket, in the order the editor shows them. */
export const MAPPING_FIELDS = [
  'title',
  'problem',
  'steps',
  'rootCause',
  'solution',
  'tags',
  'category',
] as const;
export type MappingField = (typeof MAPPING_FIELDS)[number];
export type Mapping = Record<MappingField, string>;
export interface MappingAnswer {
  type: string;
  custom: boolean;
  mapping: Mapping;
}

const mappingUrl = (type: string) => `/api/kb/mappings/${encodeURIComponent(type)}`;
export const getMapping = (type: string) => request<MappingAnswer>(mappingUrl(type));
export const saveMapping = (type: string, mapping: Mapping) =>
  request<MappingAnswer>(mappingUrl(type), { method: 'PUT', body: mapping });
export const resetMapping = (type: string) => request<MappingAnswer>(mappingUrl(type), { method: 'DELETE' });

/** The help-center address of a public article, for pasting into a chat or an email. */
export const helpArticleUrl = (id: string) => `${window.location.origin}/help/articles/${id}`;

/**
 * Send articles to a just-registered ticket's requester, one public reply each, in the order chosen. Answers how
 * many went out and the first refusal (the rest are still tried).
 */
export async function sendArticles(
  ids: readonly string[],
  ticket: string,
): Promise<{ sent: number; error?: unknown }> {
  let sent = 0;
  let error: unknown;
  for (const id of ids) {
    try {
      await sendArticle(id, ticket);
      sent++;
    } catch (cause) {
      error ??= cause;
    }
  }
  return { sent, error };
}
