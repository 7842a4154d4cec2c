import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../lib/problem.js';

/** Who made a change, as stored in `updatedBy` / `publishedBy`: a user id, or the integration key's id. */
export function actorOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (!principal) return 'anonymous';
  return principal.kind === 'user' ? principal.id : `api-key:${principal.id}`;
}

/** The app's clock (tests move it), as a Date for storage. */
export const requestTime = (app: FastifyInstance): Date => new Date(app.clock.now());

/** `If-Match: "3"` header, declared on routes that accept one. */
export const ifMatchHeaders = {
  type: 'object',
  properties: {
    'if-match': {
      type: 'string',
      pattern: '^(W/)?"?[0-9]+"?$',
      description: 'The revision you loaded (the ETag of GET); a newer stored revision answers 409',
    },
  },
} as const;

export function expectedRevision(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const digits = /([0-9]+)/.exec(String(header));
  if (!digits?.[1])
    throw badRequest('header.if-match', 'If-Match must carry the revision you loaded, e.g. "3"');
  return Number(digits[1]);
}

export function withEtag<T extends { revision: number }>(reply: FastifyReply, view: T): T {
  void reply.header('etag', `"${view.revision}"`);
  return view;
}
