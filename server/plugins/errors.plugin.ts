import path from 'node:path';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, type ProblemBody } from '../lib/problem.js';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Fastify's validation contexts, named as fields are everywhere else (`query.limit`, `header.x-api-key`). */
const CONTEXT_NAMES: Record<string, string> = { querystring: 'query', headers: 'header' };

/** `body` + `/members/0/userId` + missing property → `body.members.0.userId`. */
function fieldOf(context: string | undefined, issue: ValidationIssue): string {
  const source = context ? (CONTEXT_NAMES[context] ?? context) : 'body';
  const parts = [source, ...issue.instancePath.split('/').filter(Boolean)];
  if (issue.keyword === 'required' && typeof issue.params.missingProperty === 'string') {
    parts.push(issue.params.missingProperty);
  }
  if (issue.keyword === 'additionalProperties' && typeof issue.params.additionalProperty === 'string') {
    parts.push(issue.params.additionalProperty);
  }
  return parts.join('.');
}

function send(reply: FastifyReply, body: ProblemBody) {
  return reply.status(body.status).type('application/problem+json').send(body);
}

export interface ErrorsPluginOptions {
  /**
   * The studio is served (by @fastify/static): an unknown GET of a page path outside /api, /docs and /health
   * is one of its client-side routes (/tickets/42) and gets its index.html; everything else a problem+json 404.
   */
  studioClientRoutes?: boolean;
}

export const errorsPlugin = fp(
  async function errorsPlugin(app: FastifyInstance, options: ErrorsPluginOptions) {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof HttpProblem) return send(reply, error.toBody());

      if (error.validation) {
        const issues = error.validation as ValidationIssue[];
        const errors = issues.map((issue) => ({
          field: fieldOf(error.validationContext, issue),
          message: issue.message ?? issue.keyword,
        }));
        const first = errors[0]!;
        return send(reply, {
          type: 'urn:ordo:problem:invalid-input',
          title: 'Invalid input',
          status: 400,
          detail: `${first.field} ${first.message}`,
          field: first.field,
          errors,
        });
      }

      const status = error.statusCode ?? 500;
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed');
        return send(reply, {
          type: 'about:blank',
          title: 'Internal Server Error',
          status,
          detail: 'Something went wrong on the server; the error was logged.',
        });
      }
      // Fastify's own client errors: malformed JSON, prototype poisoning, body too large, bad content type…
      const field =
        error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH'
          ? 'header.content-type'
          : error.code?.startsWith('FST_ERR_CTP') ||
              error.message.includes('JSON') ||
              /proto|constructor/i.test(error.message)
            ? 'body'
            : undefined;
      return send(reply, {
        type: `urn:ordo:problem:${(error.code ?? 'client-error').toLowerCase()}`,
        title: status === 429 ? 'Too Many Requests' : status === 413 ? 'Payload Too Large' : 'Bad Request',
        status,
        detail: error.message,
        ...(field ? { field } : {}),
      });
    });

    // The one not-found handler of the app (Fastify allows one per prefix).
    app.setNotFoundHandler((request, reply) => {
      const pathname = request.url.split('?')[0] ?? '/';
      if (
        options.studioClientRoutes &&
        request.method === 'GET' &&
        !/^\/(api|docs|health)(\/|$)/.test(pathname) &&
        // A missing asset (/assets/x.js) is a 404; signed-link pages carry dots in their token yet are pages.
        (pathname.startsWith('/public/') || !path.extname(pathname))
      ) {
        return reply.type('text/html').sendFile('index.html');
      }
      return send(reply, {
        type: 'urn:ordo:problem:not-found',
        title: 'Not found',
        status: 404,
        detail: `No route ${request.method} ${pathname}`,
      });
    });
  },
  { name: 'errors' },
);
