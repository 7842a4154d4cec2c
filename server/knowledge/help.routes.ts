/**
 * The help center's API: sign-in free, public and published articles only — whoever asks and whatever the query.
 */
import type { FastifyInstance } from 'fastify';
import { badRequest, notFound } from '../lib/problem.js';
import { problemResponses } from '../routes/common.schemas.js';
import type { ArticleDoc } from './article.model.js';
import { castVote, voteCounts } from './deflections.js';
import { articleIdParams, listAnswer, voteBody } from './knowledge.schemas.js';
import { listItem, publicView } from './knowledge.routes.js';

const problems = problemResponses(400, 404);
const isPublic = (doc: ArticleDoc | undefined): doc is ArticleDoc =>
  doc !== undefined && doc.status === 'published' && doc.visibility === 'public';

export async function helpRoutes(app: FastifyInstance) {
  const kb = app.knowledge;

  app.get(
    '/api/help/categories',
    {
      schema: {
        tags: ['help center'],
        summary: 'Categories of the public articles, with how many each holds',
        response: {
          200: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { category: { type: 'string' }, articles: { type: 'integer' } },
                },
              },
            },
          },
        },
      },
      config: { access: { public: true } },
    },
    async () => {
      await kb.sync();
      const counts = new Map<string, number>();
      for (const doc of kb.list(isPublic)) counts.set(doc.category, (counts.get(doc.category) ?? 0) + 1);
      return {
        items: [...counts]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([category, articles]) => ({ category, articles })),
      };
    },
  );

  app.get(
    '/api/help/articles',
    {
      schema: {
        tags: ['help center'],
        summary: 'Public articles: search (q) or by category',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 500 },
            category: { type: 'string', maxLength: 60 },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            offset: { type: 'integer', minimum: 0, maximum: 100_000, default: 0 },
          },
        },
        response: { 200: listAnswer, ...problems },
      },
      config: { access: { public: true } },
    },
    async (request) => {
      await kb.sync();
      const query = request.query as { q?: string; category?: string; limit: number; offset: number };
      const started = performance.now();
      if (query.q && query.q.trim()) {
        const hits = kb
          .search(query.q, { statuses: ['published'], publicOnly: true, category: query.category }, 500)
          .filter((hit) => isPublic(kb.get(hit.id)));
        if (query.offset > 0 && query.offset >= hits.length)
          throw badRequest('query.offset', { 'zh-CN': '超出结果范围', en: 'is past the end of the results' });
        return {
          items: hits.slice(query.offset, query.offset + query.limit).map((hit) => ({
            ...listItem(kb.get(hit.id)!, false),
            highlightedTitle: hit.title,
            snippet: hit.snippet,
            score: hit.score,
          })),
          total: hits.length,
          tookMs: performance.now() - started,
        };
      }
      const docs = kb.list((doc) => isPublic(doc) && (!query.category || doc.category === query.category));
      if (query.offset > 0 && query.offset >= docs.length)
        throw badRequest('query.offset', { 'zh-CN': '超出结果范围', en: 'is past the end of the results' });
      return {
        items: docs.slice(query.offset, query.offset + query.limit).map((doc) => listItem(doc, false)),
        total: docs.length,
        tookMs: performance.now() - started,
      };
    },
  );

  app.get(
    '/api/help/articles/:id',
    {
      schema: {
        tags: ['help center'],
        summary: 'One public article',
        params: articleIdParams,
        response: { 200: { type: 'object', additionalProperties: true }, ...problems },
      },
      config: { access: { public: true } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      await kb.sync();
      const doc = kb.get(id);
      if (!isPublic(doc)) throw notFound({ 'zh-CN': '文章', en: 'Article' });
      return { ...publicView(doc), votes: await voteCounts(app.db, id) };
    },
  );

  app.post(
    '/api/help/articles/:id/votes',
    {
      schema: {
        tags: ['help center'],
        summary: 'Was this helpful? (anonymous: one vote per browser id)',
        params: articleIdParams,
        body: { ...voteBody, required: ['helpful', 'voter'] },
        response: {
          200: {
            type: 'object',
            properties: { helpful: { type: 'integer' }, notHelpful: { type: 'integer' } },
          },
          ...problems,
        },
      },
      config: { access: { public: true } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const doc = kb.get(id);
      if (!isPublic(doc)) throw notFound({ 'zh-CN': '文章', en: 'Article' });
      const { helpful, voter } = request.body as { helpful: boolean; voter: string };
      await castVote(app.db, id, `anonymous:${voter}`, helpful, new Date(app.clock.now()));
      return voteCounts(app.db, id);
    },
  );
}
