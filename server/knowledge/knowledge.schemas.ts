import { ARTICLE_STATUSES, ARTICLE_VISIBILITIES } from './article.model.js';
import { MAPPING_FIELDS } from './from-ticket.js';

const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{24}$' } },
} as const;
export const articleIdParams = idParams;

export const articleContentProperties = {
  title: { type: 'string', minLength: 1, maxLength: 200 },
  problem: text(20_000),
  steps: text(20_000),
  rootCause: text(20_000),
  solution: text(20_000),
  tags: { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 40 } },
  category: { type: 'string', minLength: 1, maxLength: 60 },
  visibility: { type: 'string', enum: [...ARTICLE_VISIBILITIES] },
  owner: { type: 'string', pattern: '^[0-9a-f]{24}$' },
  reviewAt: { type: ['string', 'null'], format: 'date' },
} as const;

export const createArticleBody = {
  type: 'object',
  additionalProperties: false,
  required: ['title'],
  properties: { ...articleContentProperties, note: text(500) },
} as const;

export const editArticleBody = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'title'],
  properties: { ...articleContentProperties, version: { type: 'integer', minimum: 1 }, note: text(500) },
} as const;

export const statusBody = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'status'],
  properties: {
    version: { type: 'integer', minimum: 1 },
    status: { type: 'string', enum: [...ARTICLE_STATUSES] },
    note: text(500),
  },
} as const;

const snippetParts = {
  type: 'array',
  items: {
    type: 'object',
    required: ['text', 'hit'],
    properties: { text: { type: 'string' }, hit: { type: 'boolean' } },
  },
} as const;

export const articleView = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    problem: { type: 'string' },
    steps: { type: 'string' },
    rootCause: { type: 'string' },
    solution: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    category: { type: 'string' },
    visibility: { type: 'string' },
    status: { type: 'string' },
    owner: { type: 'string' },
    ownerName: { type: ['string', 'null'] },
    reviewAt: { type: ['string', 'null'] },
    version: { type: 'integer' },
    sourceTickets: {
      type: 'array',
      items: { type: 'object', properties: { id: { type: 'string' }, number: { type: 'string' } } },
    },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    publishedAt: { type: ['string', 'null'] },
    votes: {
      type: 'object',
      properties: { helpful: { type: 'integer' }, notHelpful: { type: 'integer' } },
    },
    canPublish: { type: 'boolean' },
    canEdit: { type: 'boolean' },
  },
} as const;

export const articleListItem = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    category: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    visibility: { type: 'string' },
    status: { type: 'string' },
    version: { type: 'integer' },
    updatedAt: { type: 'string' },
    reviewAt: { type: ['string', 'null'] },
    owner: { type: 'string' },
    highlightedTitle: snippetParts,
    snippet: snippetParts,
    score: { type: 'number' },
  },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: text(500),
    status: { type: 'string', enum: [...ARTICLE_STATUSES] },
    visibility: { type: 'string', enum: [...ARTICLE_VISIBILITIES] },
    category: text(60),
    ticket: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
    due: { type: 'boolean' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    offset: { type: 'integer', minimum: 0, maximum: 100_000, default: 0 },
  },
} as const;

export const listAnswer = {
  type: 'object',
  properties: {
    items: { type: 'array', items: articleListItem },
    total: { type: 'integer' },
    tookMs: { type: 'number' },
  },
} as const;

export const mappingBody = {
  type: 'object',
  additionalProperties: false,
  required: [...MAPPING_FIELDS],
  properties: Object.fromEntries(MAPPING_FIELDS.map((field) => [field, text(5000)])),
} as const;

export const synonymsBody = {
  type: 'object',
  additionalProperties: false,
  required: ['groups'],
  properties: {
    groups: {
      type: 'array',
      maxItems: 500,
      items: {
        type: 'array',
        minItems: 2,
        maxItems: 20,
        items: { type: 'string', minLength: 1, maxLength: 40 },
      },
    },
  },
} as const;

export const voteBody = {
  type: 'object',
  additionalProperties: false,
  required: ['helpful'],
  properties: {
    helpful: { type: 'boolean' },
    /** Anonymous voters (the help center) name their browser with a random id kept in it. */
    voter: { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' },
  },
} as const;

export const draftSession = { type: 'string', pattern: '^[A-Za-z0-9_-]{8,64}$' } as const;
