import type { Connection } from 'mongoose';

export const ARTICLES_COLLECTION = 'kb_articles';
export const ARTICLE_VERSIONS_COLLECTION = 'kb_article_versions';
export const KB_MARKERS_COLLECTION = 'kb_markers';
export const KB_SETTINGS_COLLECTION = 'kb_settings';
export const VOTES_COLLECTION = 'kb_votes';
export const DEFLECTIONS_COLLECTION = 'kb_deflections';

export const ARTICLE_STATUSES = ['draft', 'in-review', 'published', 'archived'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];
export const ARTICLE_VISIBILITIES = ['internal', 'public'] as const;
export type ArticleVisibility = (typeof ARTICLE_VISIBILITIES)[number];

/** What an editor writes; every version keeps a copy of it. */
export interface ArticleContent {
  title: string;
  problem: string;
  steps: string;
  rootCause: string;
  solution: string;
  tags: string[];
  category: string;
  visibility: ArticleVisibility;
  /** Who answers for the article (a user id). */
  owner: string;
  /** When it should be read again (ISO date), or null. */
  reviewAt: string | null;
}

export interface SourceTicket {
  id: string;
  number: string;
}

/** The article as it is now (a projection of its newest version). */
export interface ArticleDoc extends ArticleContent {
  _id: string;
  status: ArticleStatus;
  version: number;
  sourceTickets: SourceTicket[];
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
  publishedAt: Date | null;
}

/** One version: `_id` `<article>:<version>`, unique — the commit point of every change to an article. */
export interface ArticleVersionDoc {
  _id: string;
  articleId: string;
  version: number;
  at: Date;
  actor: string;
  /** What changed: `created`, `edited`, `status`, `source-added`. */
  change: 'created' | 'edited' | 'status' | 'source-added';
  note: string;
  status: ArticleStatus;
  content: ArticleContent;
  sourceTickets: SourceTicket[];
}

/**
 * A requester opened an article from the portal form's suggestions (`_id` `<draft session>:<article>`). It stays a
 * deflection (`deflected: 1`) unless the same draft session then submits its ticket (`submitted: 1`, `ticketId`).
 * 0/1 flags so reports sum them (DESIGN.md §8).
 */
export interface DeflectionDoc {
  _id: string;
  session: string;
  articleId: string;
  userId: string | null;
  typeKey: string | null;
  at: Date;
  /** UTC day of `at`, `YYYY-MM-DD`. */
  day: string;
  deflected: 0 | 1;
  submitted: 0 | 1;
  ticketId: string | null;
}

export interface VoteDoc {
  /** `<article>:<voter>` — one vote per person (or anonymous browser) and article; voting again replaces it. */
  _id: string;
  articleId: string;
  helpful: 0 | 1;
  notHelpful: 0 | 1;
  at: Date;
}

export const articles = (db: Connection) => db.collection<ArticleDoc>(ARTICLES_COLLECTION);
export const articleVersions = (db: Connection) =>
  db.collection<ArticleVersionDoc>(ARTICLE_VERSIONS_COLLECTION);
export const deflections = (db: Connection) => db.collection<DeflectionDoc>(DEFLECTIONS_COLLECTION);
export const votes = (db: Connection) => db.collection<VoteDoc>(VOTES_COLLECTION);
export const kbMarkers = (db: Connection) =>
  db.collection<{ _id: string; serial: number; at: Date }>(KB_MARKERS_COLLECTION);
export const kbSettings = (db: Connection) =>
  db.collection<{ _id: string; value: unknown; updatedAt: Date; updatedBy: string }>(KB_SETTINGS_COLLECTION);

export function contentOf(doc: ArticleContent): ArticleContent {
  return {
    title: doc.title,
    problem: doc.problem,
    steps: doc.steps,
    rootCause: doc.rootCause,
    solution: doc.solution,
    tags: [...doc.tags],
    category: doc.category,
    visibility: doc.visibility,
    owner: doc.owner,
    reviewAt: doc.reviewAt,
  };
}
