import { problemSchema } from '../routes/common.schemas.js';

/** The contract of the public (signed-link) routes, published at /docs. */

const DESCRIPTIONS = {
  400: 'Invalid input; `field` names it',
  404: 'The link is not valid (nothing more is said)',
  409: 'Already answered: the ticket was rated before, or cannot be rated yet',
  410: 'The link has expired, or its question was already answered',
  422: 'The ticket refused the answer; `detail` says why',
  429: 'Too many attempts from this address; try again in a minute',
} as const;

export function publicProblems<S extends keyof typeof DESCRIPTIONS>(...statuses: S[]) {
  const responses = {} as Record<
    S,
    { description: string; content: { 'application/problem+json': { schema: typeof problemSchema } } }
  >;
  for (const status of statuses) {
    responses[status] = {
      description: DESCRIPTIONS[status],
      content: { 'application/problem+json': { schema: problemSchema } },
    };
  }
  return responses;
}

export const tokenParams = {
  type: 'object',
  required: ['token'],
  additionalProperties: false,
  properties: {
    token: { type: 'string', minLength: 1, maxLength: 700, description: 'The signed token of the link' },
  },
} as const;

const localizedText = {
  type: 'object',
  required: ['zh-CN', 'en'],
  properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
} as const;

const ticketSummary = {
  type: 'object',
  required: ['number', 'title', 'status'],
  additionalProperties: false,
  properties: {
    number: { type: 'string' },
    title: { type: 'string' },
    status: {
      type: 'object',
      required: ['category', 'key', 'name'],
      additionalProperties: false,
      properties: { category: { type: 'string' }, key: { type: 'string' }, name: localizedText },
    },
    requesterLocale: { type: 'string', enum: ['zh-CN', 'en'], description: 'The requester’s language' },
  },
} as const;

const comment = {
  type: 'string',
  minLength: 1,
  maxLength: 2000,
  description: 'Optional remark for the team',
} as const;

export const confirmPage = {
  type: 'object',
  required: ['ticket', 'choices', 'expiresAt'],
  additionalProperties: false,
  properties: {
    ticket: ticketSummary,
    choices: { type: 'array', items: { type: 'string', enum: ['confirm', 'reopen'] } },
    expiresAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const confirmBody = {
  type: 'object',
  required: ['action'],
  additionalProperties: false,
  properties: {
    action: {
      type: 'string',
      enum: ['confirm', 'reopen'],
      description: 'confirm: the fix works; reopen: it does not',
    },
    comment,
  },
} as const;

export const confirmResult = {
  type: 'object',
  required: ['result', 'ticket'],
  additionalProperties: false,
  properties: { result: { type: 'string', enum: ['confirmed', 'reopened'] }, ticket: ticketSummary },
} as const;

const ratingSchema = { type: 'string', enum: ['satisfied', 'neutral', 'dissatisfied'] } as const;

export const surveyPage = {
  type: 'object',
  required: ['ticket', 'choices', 'rating', 'expiresAt'],
  additionalProperties: false,
  properties: {
    ticket: ticketSummary,
    choices: { type: 'array', items: ratingSchema },
    rating: { anyOf: [ratingSchema, { type: 'null' }], description: 'The answer already given, if any' },
    expiresAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const surveyBody = {
  type: 'object',
  required: ['rating'],
  additionalProperties: false,
  properties: { rating: ratingSchema, comment },
} as const;

export const surveyResult = {
  type: 'object',
  required: ['rating', 'ticket'],
  additionalProperties: false,
  properties: { rating: ratingSchema, ticket: ticketSummary },
} as const;
