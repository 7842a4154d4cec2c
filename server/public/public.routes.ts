import type { FastifyInstance } from 'fastify';
import type { LocalizedText } from '../../runtime/common/types.js';
import type { TicketState } from '../../runtime/engine/types.js';
import { HttpProblem } from '../lib/problem.js';
import { statusName } from '../notifications/notification-context.js';
import type { LoadedDefinition, TicketActor } from '../tickets/ticket.service.js';
import { publicProblem } from './public.messages.js';
import {
  confirmBody,
  confirmPage,
  confirmResult,
  publicProblems,
  surveyBody,
  surveyPage,
  surveyResult,
  tokenParams,
} from './public.schemas.js';
import { verifyLink, type LinkClaims, type LinkScope } from './signed-link.js';

/** Per address and route: enough for a person answering, far too few to guess tokens. */
const PUBLIC_RATE_LIMIT = { max: 30, timeWindow: '1 minute' } as const;

const RATINGS = ['satisfied', 'neutral', 'dissatisfied'] as const;

function titleOf(state: TicketState): string {
  const { title, subject } = state.data;
  return (typeof title === 'string' && title) || (typeof subject === 'string' && subject) || state.number;
}

/**
 * The pages behind signed links (no sign-in): the requester confirms the fix or reopens, and rates the service.
 * A forged or mangled token answers 404 and says nothing about any ticket; a genuine one that is too old, or
 * whose question was already answered, answers 410 with a sentence for the requester.
 */
export async function publicRoutes(app: FastifyInstance) {
  async function ticketBehind(token: string, scope: LinkScope) {
    const check = verifyLink(app.ordo.secret, token, scope, app.clock.now());
    if (!check.ok && check.reason === 'invalid')
      throw publicProblem('link-invalid', { field: 'params.token' });
    if (!check.ok) throw publicProblem('link-expired', { field: 'params.token' });
    const loaded = await app.tickets.load(check.claims.ticketId);
    if (!loaded) throw publicProblem('link-invalid', { field: 'params.token' });
    const definition = await app.tickets.definitionOf(loaded.state);
    return { claims: check.claims, state: loaded.state, version: loaded.version, definition };
  }

  const summary = (state: TicketState, definition: LoadedDefinition | undefined) => ({
    number: state.number,
    title: titleOf(state),
    status: {
      category: state.status.category,
      key: state.status.key,
      name: {
        'zh-CN': statusName(definition, state, 'zh-CN'),
        en: statusName(definition, state, 'en'),
      } satisfies LocalizedText,
    },
    // The page follows the browser's language, then this one (the requester's profile language).
    ...(state.requester.locale ? { requesterLocale: state.requester.locale } : {}),
  });

  /** The confirmation link answers only while the ticket is in the resolution it was sent for. */
  function requireAwaitingConfirmation(
    claims: LinkClaims,
    state: TicketState,
    definition: LoadedDefinition | undefined,
  ) {
    if (state.status.category === 'resolved' && state.flags.resolvedAt === claims.round) return;
    throw publicProblem('link-used', {
      field: 'params.token',
      params: {
        number: state.number,
        status: { 'zh-CN': statusName(definition, state, 'zh-CN'), en: statusName(definition, state, 'en') },
      },
      extra: { ticket: summary(state, definition) },
    });
  }

  const requesterActor = (state: TicketState): TicketActor => ({
    id: state.requester.id,
    kind: 'requester',
    roles: ['requester'],
    teams: [],
    ...(state.requester.name ? { name: state.requester.name } : {}),
  });

  app.get(
    '/api/public/confirm/:token',
    {
      schema: {
        tags: ['public'],
        summary: 'What the confirmation page shows: the ticket and the requester’s choices',
        params: tokenParams,
        response: { 200: confirmPage, ...publicProblems(404, 410, 429) },
      },
      config: { access: { public: true }, rateLimit: PUBLIC_RATE_LIMIT },
    },
    async (request) => {
      const { token } = request.params as { token: string };
      const { claims, state, definition } = await ticketBehind(token, 'confirm');
      requireAwaitingConfirmation(claims, state, definition);
      return {
        ticket: summary(state, definition),
        choices: ['confirm', 'reopen'],
        expiresAt: new Date(claims.expiresAt).toISOString(),
      };
    },
  );

  app.post(
    '/api/public/confirm/:token',
    {
      schema: {
        tags: ['public'],
        summary: 'Confirm the fix or reopen the ticket, as its requester, without signing in (works once)',
        params: tokenParams,
        body: confirmBody,
        response: { 200: confirmResult, ...publicProblems(400, 404, 410, 422, 429) },
      },
      config: { access: { public: true }, rateLimit: PUBLIC_RATE_LIMIT },
    },
    async (request) => {
      const { token } = request.params as { token: string };
      const { action, comment } = request.body as { action: 'confirm' | 'reopen'; comment?: string };
      const { claims, state, definition } = await ticketBehind(token, 'confirm');
      requireAwaitingConfirmation(claims, state, definition);
      const actor = requesterActor(state);
      let after: TicketState;
      try {
        if (action === 'confirm') {
          // Confirming ends the ticket; a remark has to be on it before that.
          if (comment) {
            await app.tickets.execute(
              state.id,
              { command: 'comment', body: comment, visibility: 'public' },
              actor,
            );
          }
          after = await app.tickets.execute(state.id, { command: 'confirm' }, actor);
        } else {
          after = await app.tickets.execute(
            state.id,
            { command: 'reopen', ...(comment ? { reason: comment } : {}) },
            actor,
          );
        }
      } catch (error) {
        // Someone answered in between (the other choice, the auto-close timer, an agent): the link is spent.
        if (error instanceof HttpProblem && error.status === 422) {
          const current = (await app.tickets.load(state.id))?.state ?? state;
          requireAwaitingConfirmation(claims, current, definition);
        }
        throw error;
      }
      return { result: action === 'confirm' ? 'confirmed' : 'reopened', ticket: summary(after, definition) };
    },
  );

  app.get(
    '/api/public/survey/:token',
    {
      schema: {
        tags: ['public'],
        summary: 'What the survey page shows: the ticket, the choices, and the answer if already given',
        params: tokenParams,
        response: { 200: surveyPage, ...publicProblems(404, 410, 429) },
      },
      config: { access: { public: true }, rateLimit: PUBLIC_RATE_LIMIT },
    },
    async (request) => {
      const { token } = request.params as { token: string };
      const { claims, state, definition } = await ticketBehind(token, 'survey');
      return {
        ticket: summary(state, definition),
        choices: [...RATINGS],
        rating: state.flags.rating?.value ?? null,
        expiresAt: new Date(claims.expiresAt).toISOString(),
      };
    },
  );

  app.post(
    '/api/public/survey/:token',
    {
      schema: {
        tags: ['public'],
        summary:
          'Rate the service: satisfied, neutral or dissatisfied, with a comment; one answer per ticket',
        params: tokenParams,
        body: surveyBody,
        response: { 200: surveyResult, ...publicProblems(400, 404, 409, 410, 422, 429) },
      },
      config: { access: { public: true }, rateLimit: PUBLIC_RATE_LIMIT },
    },
    async (request) => {
      const { token } = request.params as { token: string };
      const { rating, comment } = request.body as { rating: (typeof RATINGS)[number]; comment?: string };
      const { state, definition } = await ticketBehind(token, 'survey');
      const alreadyRated = (current: TicketState) =>
        publicProblem('already-rated', {
          field: 'body.rating',
          params: { number: current.number },
          extra: { rating: current.flags.rating?.value ?? null },
        });
      if (state.flags.rating) throw alreadyRated(state);
      let after: TicketState;
      try {
        after = await app.tickets.execute(
          state.id,
          { command: 'rate', rating, ...(comment ? { comment } : {}) },
          requesterActor(state),
        );
      } catch (error) {
        if (error instanceof HttpProblem && error.options.code === 'rate.already') {
          throw alreadyRated((await app.tickets.load(state.id))?.state ?? state);
        }
        if (error instanceof HttpProblem && error.options.code === 'rate.not-yet') {
          throw publicProblem('not-ready-to-rate', { params: { number: state.number } });
        }
        throw error;
      }
      return { rating, ticket: summary(after, definition) };
    },
  );
}
