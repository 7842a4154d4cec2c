import type { FastifyInstance, FastifyRequest } from 'fastify';
import { presentedCredential, principalFromApiKey, principalFromSession } from '../access/credentials.js';
import type { PresentedCredential } from '../access/credentials.js';
import { isUser } from '../access/principal.js';
import { accessContextOf, requireVisible, type AccessContext } from '../access/record-rules.js';
import { ROLES } from '../access/roles.js';
import { SESSION_COOKIE } from '../plugins/auth.plugin.js';
import { ticketPolicy } from '../tickets/ticket.access.js';
import { TICKETS_COLLECTION } from '../tickets/ticket.projection.js';
import { LIVE_TICKET_FIELDS, ResponseReader, type LiveTicket } from './live-hub.js';
import { liveStreamSchema, presenceBeatSchema, presenceLeaveSchema } from './live.schemas.js';

/** Keep-alive comment on every stream this often (proxies close idle connections). */
const KEEPALIVE_MS = 20_000;
/** Each stream's credential and teams are checked again about this often (a sign-out ends the stream). */
const RECHECK_MS = 60_000;
/** What the browser waits before reconnecting on its own when the connection drops. */
const RETRY_MS = 3_000;

interface StreamState {
  credential: PresentedCredential;
  nextCheck: number;
}

export async function liveRoutes(app: FastifyInstance): Promise<void> {
  const { hub, presence } = app.live;
  const streams = new Map<ResponseReader, StreamState>();

  /** The caller's session or key still valid, with their current roles and teams; null when it is not. */
  async function recheck(credential: PresentedCredential): Promise<AccessContext | null> {
    const now = app.clock.now();
    if (credential.kind === 'api-key') {
      const principal = await principalFromApiKey(app.models, credential.value, now);
      return principal ? { principal, teams: { memberOf: [], supervises: [] } } : null;
    }
    if (credential.kind !== 'bearer' && credential.kind !== 'cookie') return null;
    const principal = await principalFromSession(app.models, credential.value, now, app.accessCache);
    return principal ? { principal, teams: await app.accessCache.teamsOf(principal.id) } : null;
  }

  // One timer for every stream of the process: keep-alives, and the credential checks that fell due.
  let lastKeepalive = Date.now();
  const beat = setInterval(() => {
    const now = Date.now();
    const keepalive = now - lastKeepalive >= KEEPALIVE_MS;
    if (keepalive) lastKeepalive = now;
    for (const [reader, state] of streams) {
      if (keepalive && !reader.write(': keep-alive\n\n')) {
        reader.close();
        continue;
      }
      if (state.nextCheck > now) continue;
      state.nextCheck = now + RECHECK_MS;
      recheck(state.credential)
        .then((context) => {
          if (context) {
            reader.context = context;
            return;
          }
          reader.write(`event: end\ndata: ${JSON.stringify({ reason: 'signed-out' })}\n\n`);
          reader.close();
        })
        .catch((error: unknown) => app.log.warn({ err: error }, 'checking an event stream’s sign-in failed'));
    }
  }, 5_000);
  beat.unref();
  app.addHook('preClose', async () => {
    clearInterval(beat);
    for (const reader of streams.keys()) reader.close();
  });

  app.get<{ Querystring: { lastEventId?: string } }>(
    '/api/live',
    { config: { access: { roles: [...ROLES], scopes: ['tickets:read'] } }, schema: liveStreamSchema },
    async (request, reply) => {
      const context = await accessContextOf(request);
      const credential = presentedCredential(request.headers, request.cookies[SESSION_COOKIE]);
      const header = request.headers['last-event-id'];
      const lastEventId = (typeof header === 'string' ? header : undefined) ?? request.query.lastEventId;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // Nginx and similar proxies would hold the events back until a buffer fills.
        'x-accel-buffering': 'no',
      });
      raw.socket?.setNoDelay(true);
      const reader = new ResponseReader(raw, context, (closed) => {
        streams.delete(closed);
        hub.remove(closed);
      });
      reader.write(`retry: ${RETRY_MS}\n: connected\n\n`);
      if (lastEventId) {
        const missed = hub.missedSince(lastEventId, context);
        if (missed === undefined) reader.write('event: resync\ndata: {}\n\n');
        else for (const text of missed) reader.write(text);
      }
      // Spread the credential checks of streams opened together over the minute.
      streams.set(reader, { credential, nextCheck: Date.now() + RECHECK_MS * (0.5 + Math.random() / 2) });
      hub.add(reader);
    },
  );

  async function visibleTicket(request: FastifyRequest, ticketId: string): Promise<LiveTicket> {
    const context = await accessContextOf(request);
    const ticket = await app.db
      .collection<LiveTicket>(TICKETS_COLLECTION)
      .findOne({ _id: ticketId }, { projection: LIVE_TICKET_FIELDS });
    requireVisible(context, ticketPolicy, ticket);
    return ticket!;
  }

  app.put<{ Params: { ticketId: string }; Body: { tab: string } }>(
    '/api/live/presence/:ticketId',
    { config: { access: { roles: ['admin', 'agent'] } }, schema: presenceBeatSchema },
    async (request) => {
      const principal = request.principal;
      if (!isUser(principal)) throw new Error('presence needs a person');
      const ticket = await visibleTicket(request, request.params.ticketId);
      const now = app.clock.now();
      await presence.beat({
        ticketId: ticket._id,
        tab: request.body.tab,
        userId: principal.id,
        name: principal.displayName,
        now,
      });
      const viewers = await presence.viewers(ticket._id, now);
      hub.presenceChanged(ticket, viewers);
      return { ticketId: ticket._id, viewers };
    },
  );

  app.delete<{ Params: { ticketId: string }; Querystring: { tab: string } }>(
    '/api/live/presence/:ticketId',
    { config: { access: { roles: ['admin', 'agent'] } }, schema: presenceLeaveSchema },
    async (request, reply) => {
      const principal = request.principal;
      if (!isUser(principal)) throw new Error('presence needs a person');
      const { ticketId } = request.params;
      await presence.leave(ticketId, request.query.tab, principal.id);
      const ticket = await app.db
        .collection<LiveTicket>(TICKETS_COLLECTION)
        .findOne({ _id: ticketId }, { projection: LIVE_TICKET_FIELDS });
      if (ticket) hub.presenceChanged(ticket, await presence.viewers(ticketId, app.clock.now()));
      return reply.code(204).send();
    },
  );
}
