import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Locale, LocalizedText } from '../../runtime/common/types.js';
import type { TicketState } from '../../runtime/engine/types.js';
import { hasAnyRole, isUser } from '../access/principal.js';
import { accessContextOf, requireVisible, type AccessContext } from '../access/record-rules.js';
import { badRequest, forbidden, notFound } from '../lib/problem.js';
import { problemResponses, problemSchema } from '../routes/common.schemas.js';
import { seesInternal, ticketPolicy } from '../tickets/ticket.access.js';
import { actorOf } from '../tickets/tickets.routes.js';
import type { ArticleContent, ArticleDoc, ArticleStatus } from './article.model.js';
import { markSubmitted, recordDeflection, voteCounts, castVote } from './deflections.js';
import {
  draftFromTicket,
  mappingOf,
  saveMapping,
  removeMapping,
  checkMapping,
  type Mapping,
  type TicketForArticle,
} from './from-ticket.js';
import {
  articleIdParams,
  articleView,
  createArticleBody,
  draftSession,
  editArticleBody,
  listAnswer,
  listQuery,
  mappingBody,
  statusBody,
  synonymsBody,
  voteBody,
} from './knowledge.schemas.js';
import { diffArticles } from './line-diff.js';
import { contentOf } from './article.model.js';
import { resolveNames } from '../tickets/ticket-names.js';

const STAFF = ['admin', 'agent', 'designer'] as const;
const problems = problemResponses(400, 401, 403, 404);

/** Who may publish, archive and take back articles: admins, designers, and agents supervising a team. */
export function canPublish(context: AccessContext): boolean {
  return (
    hasAnyRole(context.principal, ['admin', 'designer']) ||
    (hasAnyRole(context.principal, ['agent']) && context.teams.supervises.length > 0)
  );
}

export const isStaff = (context: AccessContext) => hasAnyRole(context.principal, STAFF);

/** Requesters (and the help center) read public, published articles only. */
export function mayRead(context: AccessContext | null, doc: ArticleDoc): boolean {
  if (context && isStaff(context)) return true;
  return doc.status === 'published' && doc.visibility === 'public';
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** What a requester or the public may read of an article. */
export function publicView(doc: ArticleDoc) {
  return {
    id: doc._id,
    title: doc.title,
    problem: doc.problem,
    steps: doc.steps,
    rootCause: doc.rootCause,
    solution: doc.solution,
    tags: doc.tags,
    category: doc.category,
    version: doc.version,
    updatedAt: doc.updatedAt.toISOString(),
    publishedAt: iso(doc.publishedAt),
  };
}

function staffView(doc: ArticleDoc) {
  return {
    ...publicView(doc),
    visibility: doc.visibility,
    status: doc.status,
    owner: doc.owner,
    reviewAt: doc.reviewAt,
    sourceTickets: doc.sourceTickets,
    createdAt: doc.createdAt.toISOString(),
    createdBy: doc.createdBy,
    updatedBy: doc.updatedBy,
  };
}

export function listItem(doc: ArticleDoc, staff: boolean) {
  return {
    id: doc._id,
    title: doc.title,
    category: doc.category,
    tags: doc.tags,
    updatedAt: doc.updatedAt.toISOString(),
    ...(staff
      ? {
          visibility: doc.visibility,
          status: doc.status,
          version: doc.version,
          reviewAt: doc.reviewAt,
          owner: doc.owner,
        }
      : {}),
  };
}

const localeOf = (request: FastifyRequest): Locale =>
  isUser(request.principal) ? request.principal.locale : 'zh-CN';

/** Allowed moves between statuses; publishing moves need a publisher. */
const MOVES: Record<ArticleStatus, ArticleStatus[]> = {
  draft: ['in-review', 'published', 'archived'],
  'in-review': ['draft', 'published', 'archived'],
  published: ['draft', 'archived'],
  archived: ['draft'],
};
const PUBLISHING: ArticleStatus[] = ['published', 'archived'];

export async function knowledgeRoutes(app: FastifyInstance) {
  const kb = app.knowledge;

  async function contentFrom(
    body: Partial<ArticleContent>,
    base: ArticleContent | undefined,
    context: AccessContext,
  ): Promise<ArticleContent> {
    const owner = body.owner ?? base?.owner ?? context.principal.id;
    if (body.owner && body.owner !== base?.owner) {
      const user = await app.models.User.findById(body.owner);
      if (!user || !user.active || !user.roles.some((role) => (STAFF as readonly string[]).includes(role)))
        throw badRequest('body.owner', { 'zh-CN': '负责人须是在职的员工', en: 'must name active staff' });
    }
    const tags = [...new Set((body.tags ?? base?.tags ?? []).map((tag) => tag.trim()).filter(Boolean))];
    return {
      title: (body.title ?? base?.title ?? '').trim(),
      problem: body.problem ?? base?.problem ?? '',
      steps: body.steps ?? base?.steps ?? '',
      rootCause: body.rootCause ?? base?.rootCause ?? '',
      solution: body.solution ?? base?.solution ?? '',
      tags,
      category: (body.category ?? base?.category ?? 'general').trim(),
      visibility: body.visibility ?? base?.visibility ?? 'internal',
      owner,
      reviewAt: body.reviewAt === undefined ? (base?.reviewAt ?? null) : body.reviewAt,
    };
  }

  async function viewFor(doc: ArticleDoc, context: AccessContext) {
    const votes = await voteCounts(app.db, doc._id);
    if (!isStaff(context)) return { ...publicView(doc), votes };
    const names = await resolveNames(app, { users: new Set([doc.owner]), teams: new Set() });
    return {
      ...staffView(doc),
      ownerName: names.users[doc.owner] ?? null,
      votes,
      canEdit: true,
      canPublish: canPublish(context),
    };
  }

  function readable(context: AccessContext, id: string): ArticleDoc {
    const doc = kb.get(id);
    if (!doc || !mayRead(context, doc)) throw notFound({ 'zh-CN': '文章', en: 'Article' });
    return doc;
  }

  app.get(
    '/api/kb/articles',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Articles: ranked search with highlighted snippets (q), or the list newest first',
        querystring: listQuery,
        response: { 200: listAnswer, ...problems },
      },
      config: { access: {} },
    },
    async (request) => {
      await kb.sync();
      const query = request.query as {
        q?: string;
        status?: ArticleStatus;
        visibility?: 'internal' | 'public';
        category?: string;
        ticket?: string;
        due?: boolean;
        limit: number;
        offset: number;
      };
      const context = await accessContextOf(request);
      const staff = isStaff(context);
      if (!staff && query.status && query.status !== 'published') {
        throw badRequest('query.status', {
          'zh-CN': '只能查看已发布的文章',
          en: 'only published articles can be read',
        });
      }
      const started = performance.now();
      const keep = (doc: ArticleDoc) =>
        mayRead(context, doc) &&
        (!query.status || doc.status === query.status) &&
        (!query.visibility || doc.visibility === query.visibility) &&
        (!query.category || doc.category === query.category) &&
        (!query.ticket || doc.sourceTickets.some((ticket) => ticket.id === query.ticket)) &&
        (!query.due ||
          (doc.reviewAt !== null && doc.reviewAt <= new Date(app.clock.now()).toISOString().slice(0, 10)));
      if (query.q && query.q.trim()) {
        const statuses: ArticleStatus[] = staff
          ? query.status
            ? [query.status]
            : ['draft', 'in-review', 'published']
          : ['published'];
        const hits = kb
          .search(query.q, { statuses, publicOnly: !staff, category: query.category }, 500)
          .filter((hit) => keep(kb.get(hit.id)!));
        if (query.offset > 0 && query.offset >= hits.length)
          throw badRequest('query.offset', { 'zh-CN': '超出结果范围', en: 'is past the end of the results' });
        return {
          items: hits.slice(query.offset, query.offset + query.limit).map((hit) => ({
            ...listItem(kb.get(hit.id)!, staff),
            highlightedTitle: hit.title,
            snippet: hit.snippet,
            score: hit.score,
          })),
          total: hits.length,
          tookMs: performance.now() - started,
        };
      }
      const docs = kb.list(keep);
      if (query.offset > 0 && query.offset >= docs.length)
        throw badRequest('query.offset', { 'zh-CN': '超出结果范围', en: 'is past the end of the results' });
      return {
        items: docs.slice(query.offset, query.offset + query.limit).map((doc) => listItem(doc, staff)),
        total: docs.length,
        tookMs: performance.now() - started,
      };
    },
  );

  app.get(
    '/api/kb/suggestions',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Top articles for what a requester is typing, or for a ticket (staff)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            text: { type: 'string', maxLength: 20_000 },
            ticket: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
            limit: { type: 'integer', minimum: 1, maximum: 10, default: 5 },
          },
        },
        response: { 200: listAnswer, ...problems },
      },
      config: { access: {} },
    },
    async (request) => {
      await kb.sync();
      const query = request.query as { text?: string; ticket?: string; limit: number };
      const context = await accessContextOf(request);
      const staff = isStaff(context);
      let text = query.text ?? '';
      if (query.ticket) {
        const loaded = await app.tickets.load(query.ticket);
        requireVisible(context, ticketPolicy, loaded?.doc);
        const data = loaded!.state.data ?? {};
        text = `${loaded!.doc!.title} ${typeof data.description === 'string' ? data.description : ''} ${text}`;
      }
      if (!text.trim())
        throw badRequest('query.text', { 'zh-CN': '请提供文字或工单', en: 'give a text or a ticket' });
      const started = performance.now();
      // Staff see every published article; requesters only public ones. Articles made from this very ticket are
      // left out (the agent knows them).
      const hits = kb
        .search(text.slice(0, 2000), { statuses: ['published'], publicOnly: !staff }, query.limit + 5)
        .filter(
          (hit) =>
            !query.ticket || !kb.get(hit.id)!.sourceTickets.some((source) => source.id === query.ticket),
        )
        .slice(0, query.limit);
      return {
        items: hits.map((hit) => ({
          ...listItem(kb.get(hit.id)!, staff),
          highlightedTitle: hit.title,
          snippet: hit.snippet,
          score: hit.score,
        })),
        total: hits.length,
        tookMs: performance.now() - started,
      };
    },
  );

  app.get(
    '/api/kb/articles/:id',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'One article (requesters: public and published only)',
        params: articleIdParams,
        response: { 200: articleView, ...problems },
      },
      config: { access: {} },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      await kb.sync();
      const context = await accessContextOf(request);
      return viewFor(readable(context, id), context);
    },
  );

  app.post(
    '/api/kb/articles',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Write a new article (a draft)',
        body: createArticleBody,
        response: { 201: articleView, ...problems },
      },
      config: { access: { roles: [...STAFF] } },
    },
    async (request, reply) => {
      const context = await accessContextOf(request);
      const body = request.body as Partial<ArticleContent> & { note?: string };
      const content = await contentFrom(body, undefined, context);
      if (!content.title)
        throw badRequest('body.title', { 'zh-CN': '标题不能为空', en: 'must not be blank' });
      const doc = await kb.create(content, context.principal.id, [], body.note ?? '');
      return reply.status(201).send(await viewFor(doc, context));
    },
  );

  app.put(
    '/api/kb/articles/:id',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Change an article (a new version), guarded by the version the editor read',
        params: articleIdParams,
        body: editArticleBody,
        response: { 200: articleView, ...problems, ...problemResponses(409) },
      },
      config: { access: { roles: [...STAFF] } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const context = await accessContextOf(request);
      const body = request.body as Partial<ArticleContent> & { version: number; note?: string };
      const current = readable(context, id);
      const content = await contentFrom(body, contentOf(current), context);
      if (!content.title)
        throw badRequest('body.title', { 'zh-CN': '标题不能为空', en: 'must not be blank' });
      if (current.status === 'published' && content.visibility !== current.visibility && !canPublish(context))
        throw forbidden({
          'zh-CN': '已发布文章的可见范围只能由审核人修改',
          en: 'Only a reviewer may change who sees a published article',
        });
      const doc = await kb.edit(id, body.version, content, context.principal.id, body.note ?? '');
      return viewFor(doc, context);
    },
  );

  app.post(
    '/api/kb/articles/:id/status',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Move an article: submit for review, send back, publish, archive, restore',
        params: articleIdParams,
        body: statusBody,
        response: { 200: articleView, ...problems, ...problemResponses(409) },
      },
      config: { access: { roles: [...STAFF] } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const context = await accessContextOf(request);
      const body = request.body as { version: number; status: ArticleStatus; note?: string };
      const current = readable(context, id);
      if (!MOVES[current.status].includes(body.status))
        throw badRequest('body.status', {
          'zh-CN': `不能从“${current.status}”改为“${body.status}”`,
          en: `cannot move from ${current.status} to ${body.status}`,
        });
      if ((PUBLISHING.includes(body.status) || current.status === 'published') && !canPublish(context))
        throw forbidden({
          'zh-CN': '发布、归档和撤回文章需要审核人（管理员、设计者或团队主管）',
          en: 'Publishing, archiving and withdrawing need a reviewer (admin, designer or team supervisor)',
        });
      const doc = await kb.setStatus(id, body.version, body.status, context.principal.id, body.note ?? '');
      return viewFor(doc, context);
    },
  );

  app.get(
    '/api/kb/articles/:id/versions',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Every version of an article, oldest first',
        params: articleIdParams,
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: { type: 'object', additionalProperties: true } } },
          },
          ...problems,
        },
      },
      config: { access: { roles: [...STAFF] } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const context = await accessContextOf(request);
      readable(context, id);
      const versions = await kb.versions(id);
      const names = await resolveNames(app, {
        users: new Set(versions.map((v) => v.actor)),
        teams: new Set(),
      });
      return {
        items: versions.map((version) => ({
          version: version.version,
          at: version.at.toISOString(),
          actor: version.actor,
          actorName: names.users[version.actor] ?? null,
          change: version.change,
          note: version.note,
          status: version.status,
          content: version.content,
        })),
      };
    },
  );

  app.get(
    '/api/kb/articles/:id/diff',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'What changed between two versions, field by field, line by line',
        params: articleIdParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['from', 'to'],
          properties: { from: { type: 'integer', minimum: 1 }, to: { type: 'integer', minimum: 1 } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              from: { type: 'integer' },
              to: { type: 'integer' },
              fields: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          ...problems,
        },
      },
      config: { access: { roles: [...STAFF] } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { from, to } = request.query as { from: number; to: number };
      const context = await accessContextOf(request);
      const doc = readable(context, id);
      for (const [name, value] of [
        ['from', from],
        ['to', to],
      ] as const)
        if (value > doc.version)
          throw badRequest(`query.${name}`, {
            'zh-CN': `文章只有 ${doc.version} 个版本`,
            en: `the article has ${doc.version} versions`,
          });
      const [left, right] = await Promise.all([kb.version(id, from), kb.version(id, to)]);
      return {
        from,
        to,
        fields: diffArticles(
          { ...left.content, status: left.status },
          { ...right.content, status: right.status },
        ),
      };
    },
  );

  app.post(
    '/api/kb/articles/from-ticket',
    {
      schema: {
        tags: ['knowledge'],
        summary:
          'Draft an article from a ticket (its form, resolution and public conversation) and link them',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['ticket'],
          properties: {
            ticket: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
            visibility: { type: 'string', enum: ['internal', 'public'] },
          },
        },
        response: { 201: articleView, ...problems, ...problemResponses(409) },
      },
      config: { access: { roles: ['admin', 'agent'] } },
    },
    async (request, reply) => {
      const body = request.body as { ticket: string; visibility?: 'internal' | 'public' };
      const context = await accessContextOf(request);
      const loaded = await app.tickets.load(body.ticket);
      if (!loaded?.doc) throw badRequest('body.ticket', { 'zh-CN': '找不到该工单', en: 'names no ticket' });
      if (!ticketPolicy.canSee(context, loaded.doc) || !seesInternal(context, loaded.doc))
        throw badRequest('body.ticket', { 'zh-CN': '找不到该工单', en: 'names no ticket' });
      const ticket = await ticketForArticle(app, loaded.state, loaded.doc.number, loaded.doc.title);
      const { mapping } = await mappingOf(app.db, loaded.state.typeKey);
      const drafted = draftFromTicket(ticket, mapping, localeOf(request));
      const doc = await kb.create(
        {
          ...drafted,
          title: drafted.title || loaded.doc.title,
          visibility: body.visibility ?? 'internal',
          owner: context.principal.id,
          reviewAt: null,
        },
        context.principal.id,
        [{ id: loaded.state.id, number: loaded.doc.number }],
        `from ${loaded.doc.number}`,
      );
      // The ticket links to its article (a link in its own record, in its trail). A ticket past the point where it
      // takes links (closed) still has the article naming it as its source.
      let linked = true;
      try {
        await app.tickets.run(
          loaded.state.id,
          {
            command: 'link',
            system: 'ordo',
            type: 'kb-article',
            id: doc._id,
            url: `${app.ordo.publicUrl.replace(/\/$/, '')}/knowledge/${doc._id}`,
            title: doc.title.slice(0, 200),
          },
          actorOf(context),
        );
      } catch (error) {
        linked = false;
        request.log.info({ err: error, ticket: loaded.state.id }, 'the ticket did not take the article link');
      }
      return reply.status(201).send({ ...(await viewFor(doc, context)), linked });
    },
  );

  app.post(
    '/api/kb/articles/:id/send',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Send a published article to a ticket’s requester as a public reply',
        params: articleIdParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['ticket'],
          properties: {
            ticket: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
            version: { type: 'integer', minimum: 1 },
            intro: { type: 'string', maxLength: 2000 },
          },
        },
        response: {
          200: { type: 'object', properties: { ticket: { type: 'string' }, version: { type: 'integer' } } },
          ...problems,
          ...problemResponses(409),
          422: problemSchema,
        },
      },
      config: { access: { roles: ['admin', 'agent'] } },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { ticket: string; version?: number; intro?: string };
      const context = await accessContextOf(request);
      const doc = readable(context, id);
      if (doc.status !== 'published')
        throw badRequest('params.id', {
          'zh-CN': '只能发送已发布的文章',
          en: 'only a published article can be sent',
        });
      const loaded = await app.tickets.load(body.ticket);
      if (!loaded?.doc || !ticketPolicy.canSee(context, loaded.doc))
        throw badRequest('body.ticket', { 'zh-CN': '找不到该工单', en: 'names no ticket' });
      const locale: Locale = loaded.state.requester.locale ?? localeOf(request);
      const heading: LocalizedText = {
        'zh-CN': '以下知识库文章或许能解决您的问题：',
        en: 'This article may solve your problem:',
      };
      const link =
        doc.visibility === 'public'
          ? `\n\n${app.ordo.publicUrl.replace(/\/$/, '')}/help/articles/${doc._id}`
          : '';
      const parts = [
        body.intro?.trim() || heading[locale],
        `【${doc.title}】`,
        doc.solution.trim(),
        doc.steps.trim(),
      ].filter(Boolean);
      const committed = await app.tickets.run(
        body.ticket,
        { command: 'comment', body: `${parts.join('\n\n')}${link}`.slice(0, 20_000), visibility: 'public' },
        actorOf(context),
        body.version,
      );
      return { ticket: body.ticket, version: committed.state.version };
    },
  );

  app.post(
    '/api/kb/articles/:id/votes',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Was this helpful? One vote per person and article (voting again replaces it)',
        params: articleIdParams,
        body: voteBody,
        response: {
          200: {
            type: 'object',
            properties: { helpful: { type: 'integer' }, notHelpful: { type: 'integer' } },
          },
          ...problems,
        },
      },
      config: { access: {} },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const context = await accessContextOf(request);
      const doc = readable(context, id);
      if (doc.status !== 'published')
        throw badRequest('params.id', {
          'zh-CN': '只能评价已发布的文章',
          en: 'only a published article takes votes',
        });
      const { helpful } = request.body as { helpful: boolean };
      await castVote(app.db, id, `user:${context.principal.id}`, helpful, new Date(app.clock.now()));
      return voteCounts(app.db, id);
    },
  );

  app.post(
    '/api/kb/deflections',
    {
      schema: {
        tags: ['knowledge'],
        summary:
          'A requester opened a suggested article while filling a form (a deflection unless they submit)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['session', 'article'],
          properties: {
            session: draftSession,
            article: { type: 'string', pattern: '^[0-9a-f]{24}$' },
            type: { type: 'string', maxLength: 100 },
          },
        },
        response: { 204: { type: 'null' }, ...problems },
      },
      config: { access: {} },
    },
    async (request, reply) => {
      const body = request.body as { session: string; article: string; type?: string };
      const context = await accessContextOf(request);
      const doc = kb.get(body.article);
      if (!doc || !mayRead(context, doc) || doc.status !== 'published')
        throw badRequest('body.article', { 'zh-CN': '找不到该文章', en: 'names no published article' });
      await recordDeflection(app.db, {
        session: body.session,
        articleId: body.article,
        userId: context.principal.id,
        typeKey: body.type ?? null,
        at: new Date(app.clock.now()),
      });
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/kb/deflections/submitted',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'The draft session submitted its ticket after all: its opened articles did not deflect it',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['session', 'ticket'],
          properties: {
            session: draftSession,
            ticket: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
          },
        },
        response: { 200: { type: 'object', properties: { articles: { type: 'integer' } } }, ...problems },
      },
      config: { access: {} },
    },
    async (request) => {
      const body = request.body as { session: string; ticket: string };
      const context = await accessContextOf(request);
      const loaded = await app.tickets.load(body.ticket);
      if (!loaded?.doc || !ticketPolicy.canSee(context, loaded.doc))
        throw badRequest('body.ticket', { 'zh-CN': '找不到该工单', en: 'names no ticket' });
      const articles = await markSubmitted(app.db, body.session, context.principal.id, body.ticket);
      return { articles };
    },
  );

  /** The ticket type a mapping belongs to, and the answer of each mapping route. */
  const mappingParams = {
    type: 'object',
    required: ['type'],
    properties: { type: { type: 'string', maxLength: 100 } },
  } as const;
  const mappingAnswer = {
    type: 'object',
    properties: {
      type: { type: 'string' },
      custom: { type: 'boolean' },
      mapping: { type: 'object', additionalProperties: true },
    },
  } as const;

  app.get(
    '/api/kb/mappings/:type',
    {
      schema: {
        tags: ['knowledge'],
        summary:
          'How a ticket of this type becomes an article (Handlebars per field; the default when unset)',
        params: mappingParams,
        response: { 200: mappingAnswer, ...problems },
      },
      config: { access: { roles: [...STAFF] } },
    },
    async (request) => {
      const { type } = request.params as { type: string };
      const { mapping, custom } = await mappingOf(app.db, type);
      return { type, custom, mapping };
    },
  );

  app.put(
    '/api/kb/mappings/:type',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Set the mapping template of a ticket type',
        params: mappingParams,
        body: mappingBody,
        response: { 200: mappingAnswer, ...problems },
      },
      config: { access: { roles: ['admin', 'designer'] } },
    },
    async (request) => {
      const { type } = request.params as { type: string };
      const known = await app.db.collection('ticket_types').findOne({ _id: type as never });
      if (!known) throw notFound({ 'zh-CN': '工单类型', en: 'Ticket type' });
      const mapping = request.body as Mapping;
      checkMapping(mapping, 'body');
      await saveMapping(app.db, type, mapping, request.principal!.id, new Date(app.clock.now()));
      return { type, custom: true, mapping };
    },
  );

  app.delete(
    '/api/kb/mappings/:type',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Remove a ticket type’s own mapping template (the default applies again)',
        params: mappingParams,
        response: { 200: mappingAnswer, ...problems },
      },
      config: { access: { roles: ['admin', 'designer'] } },
    },
    async (request) => {
      const { type } = request.params as { type: string };
      const known = await app.db.collection('ticket_types').findOne({ _id: type as never });
      if (!known) throw notFound({ 'zh-CN': '工单类型', en: 'Ticket type' });
      await removeMapping(app.db, type);
      const { mapping, custom } = await mappingOf(app.db, type);
      return { type, custom, mapping };
    },
  );

  app.get(
    '/api/kb/synonyms',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Synonym groups the search expands queries with',
        response: {
          200: {
            type: 'object',
            properties: { groups: { type: 'array', items: { type: 'array', items: { type: 'string' } } } },
          },
          ...problems,
        },
      },
      config: { access: { roles: [...STAFF] } },
    },
    async () => {
      await kb.sync();
      return { groups: kb.synonyms };
    },
  );

  app.put(
    '/api/kb/synonyms',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Replace the synonym groups',
        body: synonymsBody,
        response: {
          200: {
            type: 'object',
            properties: { groups: { type: 'array', items: { type: 'array', items: { type: 'string' } } } },
          },
          ...problems,
        },
      },
      config: { access: { roles: ['admin', 'designer'] } },
    },
    async (request) => {
      const { groups } = request.body as { groups: string[][] };
      await kb.setSynonyms(
        groups.map((group) => group.map((word) => word.trim()).filter(Boolean)),
        request.principal!.id,
      );
      return { groups: kb.synonyms };
    },
  );
}

/** Reads what a mapping needs of a ticket: type, form layout, public conversation and resolution. */
async function ticketForArticle(
  app: FastifyInstance,
  state: TicketState,
  number: string,
  title: string,
): Promise<TicketForArticle> {
  const definition = await app.tickets.definitionOf(state);
  const type = (definition?.definition ?? {}) as {
    name?: LocalizedText;
    category?: string;
    form?: { layout?: TicketForArticle['layout'] };
  };
  const commits = await app.tickets.events.load(state.id);
  const conversation: TicketForArticle['conversation'] = [];
  let resolution = '';
  for (const commit of commits) {
    const payload = commit.payload as {
      actor?: { kind?: string };
      events?: { type: string; data?: Record<string, unknown> }[];
    };
    for (const event of payload.events ?? []) {
      const data = event.data ?? {};
      if (event.type === 'comment.added' && data.visibility === 'public' && typeof data.body === 'string')
        conversation.push({
          body: data.body,
          byStaff: payload.actor?.kind === 'user',
          at: commit.at.toISOString(),
        });
      // The resolution: the last comment staff gave with a step or a resolve (the step that fixed it).
      if (
        payload.actor?.kind === 'user' &&
        event.type !== 'comment.added' &&
        typeof data.comment === 'string' &&
        data.comment.trim()
      )
        resolution = data.comment;
    }
  }
  return {
    state,
    number,
    title,
    typeName: type.name,
    typeCategory: type.category ?? 'general',
    layout: type.form?.layout ?? [],
    conversation,
    resolution,
  };
}
