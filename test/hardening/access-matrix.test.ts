/**
 * The access matrix: every route the app serves (read from its own `/docs/json`, so a new route is covered without
 * an edit here) × every kind of caller × a record of the caller's own and one of someone else's, checked against
 * real answers on a real database. The expectation comes from POLICY below — which caller may call which route,
 * and which record kind it touches — declared here, apart from the server's own `config.access`: a route with no
 * POLICY entry fails the test, so a new route forces a decision.
 *
 * Expected of every answer: a caller the policy refuses gets 401 (no credentials) or 403 before anything else runs
 * (not a 400 that would reveal validation); a caller who may call the route but may not see the record gets 403 or
 * 404; nobody gets a server error. 0 unauthorised successes.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  waitFor,
} from '../support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../support/tickets.js';

type Role = 'admin' | 'designer' | 'agent' | 'requester';
type Scope =
  | 'tickets:read'
  | 'tickets:write'
  | 'channels:write'
  | 'records:write'
  | 'analytics:read'
  | 'definitions:read'
  | 'people:write';
/** What a route reads or changes, whose owner decides who may see it. */
type RecordKind = 'ticket' | 'attachment' | 'notification' | 'user' | 'article';

interface Policy {
  /** Anyone, signed in or not (sign-in, signed public links, health). */
  public?: true;
  /** People holding one of these roles. */
  roles?: readonly Role[];
  /** Integration keys holding all of these scopes; omitted: keys are refused. */
  scopes?: readonly Scope[];
  /** The record named in the path: a caller allowed by role must also be allowed to see it. */
  record?: RecordKind;
  /** Answers as an event stream: only refused callers are sent (their answer comes before the stream opens). */
  stream?: true;
  /** Not sent at all, with the reason (it would end the caller's own session). */
  skip?: string;
}

const PEOPLE: readonly Role[] = ['admin', 'designer', 'agent', 'requester'];
const DESIGNERS: readonly Role[] = ['admin', 'designer'];
const STAFF: readonly Role[] = ['admin', 'designer', 'agent'];
const WORKERS: readonly Role[] = ['admin', 'agent'];
const ADMINS: readonly Role[] = ['admin'];

/** Who may do what: the product's access rules (DESIGN.md §1), by method and route pattern. */
const POLICY: Record<string, Policy> = {
  'GET /health': { public: true },
  'POST /api/auth/login': { public: true },
  'POST /api/auth/logout': { public: true, skip: 'ends the caller’s session' },
  'GET /api/me': { roles: PEOPLE },
  'PATCH /api/me': { roles: PEOPLE },
  'GET /api/public/confirm/:token': { public: true },
  'POST /api/public/confirm/:token': { public: true },
  'GET /api/public/survey/:token': { public: true },
  'POST /api/public/survey/:token': { public: true },

  'GET /api/users': { roles: DESIGNERS },
  'POST /api/users': { roles: ADMINS },
  'GET /api/users/:id': { roles: ADMINS, record: 'user' },
  'PATCH /api/users/:id': { roles: ADMINS, record: 'user' },
  'PATCH /api/users/:id/attributes': { roles: ADMINS, scopes: ['people:write'], record: 'user' },
  'GET /api/requester-attributes': { roles: STAFF, scopes: ['definitions:read'] },
  'GET /api/directory/people': { roles: STAFF },
  'GET /api/directory/teams': { roles: STAFF },
  'POST /api/directory/requesters': { roles: WORKERS },
  'GET /api/teams': { roles: STAFF, scopes: ['definitions:read'] },
  'POST /api/teams': { roles: ADMINS },
  'GET /api/teams/:key': { roles: STAFF, scopes: ['definitions:read'] },
  'PUT /api/teams/:key': { roles: ADMINS },
  'DELETE /api/teams/:key': { roles: ADMINS },
  'GET /api/api-keys': { roles: ADMINS },
  'POST /api/api-keys': { roles: ADMINS },
  'DELETE /api/api-keys/:id': { roles: ADMINS },

  'GET /api/calendars': { roles: PEOPLE, scopes: ['definitions:read'] },
  'GET /api/calendars/:key': { roles: PEOPLE, scopes: ['definitions:read'] },
  'POST /api/calendars': { roles: DESIGNERS },
  'PUT /api/calendars/:key': { roles: DESIGNERS },
  'GET /api/sla-policies': { roles: PEOPLE, scopes: ['definitions:read'] },
  'GET /api/sla-policies/:key': { roles: PEOPLE, scopes: ['definitions:read'] },
  'POST /api/sla-policies': { roles: DESIGNERS },
  'PUT /api/sla-policies/:key': { roles: DESIGNERS },
  'GET /api/ticket-types': { roles: PEOPLE, scopes: ['definitions:read'] },
  'POST /api/ticket-types': { roles: DESIGNERS },
  'GET /api/ticket-types/:key': { roles: PEOPLE, scopes: ['definitions:read'] },
  'PUT /api/ticket-types/:key/draft': { roles: DESIGNERS },
  'POST /api/ticket-types/:key/validate': { roles: DESIGNERS },
  'POST /api/ticket-types/:key/publish': { roles: DESIGNERS },
  'POST /api/ticket-types/:key/rollback': { roles: DESIGNERS },
  'POST /api/ticket-types/:key/simulate': { roles: DESIGNERS },
  'GET /api/ticket-types/:key/versions': { roles: STAFF, scopes: ['definitions:read'] },
  'GET /api/ticket-types/:key/versions/:n': { roles: STAFF, scopes: ['definitions:read'] },
  'GET /api/ticket-types/:key/versions/:n/positions': { roles: STAFF, scopes: ['definitions:read'] },
  'GET /api/ticket-types/:key/diff': { roles: STAFF, scopes: ['definitions:read'] },
  'GET /api/templates': { roles: ADMINS },
  'GET /api/channels/mailboxes': { roles: ADMINS },
  'POST /api/channels/mailboxes': { roles: ADMINS },
  'GET /api/channels/mailboxes/presets': { roles: ADMINS },
  'PUT /api/channels/mailboxes/:address': { roles: ADMINS },
  'DELETE /api/channels/mailboxes/:address': { roles: ADMINS },
  'POST /api/channels/mailboxes/:address/test': { roles: ADMINS },
  'GET /api/channels/mail/messages': { roles: ADMINS },
  'POST /api/channels/mail/messages/:id/replay': { roles: ADMINS },
  'GET /api/channels/mail/status': { roles: ADMINS },
  'GET /api/templates/:id': { roles: ADMINS },
  'GET /api/templates/:id/types/:key': { roles: ADMINS },
  'GET /api/templates/:id/diff': { roles: ADMINS },
  'POST /api/templates/:id/install': { roles: ADMINS },
  'DELETE /api/templates/:id': { roles: ADMINS },

  'POST /api/tickets': { roles: PEOPLE, scopes: ['tickets:write'] },
  'GET /api/tickets': { roles: PEOPLE, scopes: ['tickets:read'] },
  'GET /api/tickets/board': { roles: WORKERS },
  'GET /api/tickets/awaiting-counts': { roles: PEOPLE },
  'GET /api/tickets/:id': { roles: PEOPLE, scopes: ['tickets:read'], record: 'ticket' },
  'POST /api/tickets/:id/commands': { roles: PEOPLE, scopes: ['tickets:write'], record: 'ticket' },
  'GET /api/tickets/:id/events': { roles: PEOPLE, scopes: ['tickets:read'], record: 'ticket' },
  'GET /api/tickets/:id/audit/verify': { roles: WORKERS, scopes: ['tickets:read'], record: 'ticket' },
  'GET /api/tickets/:id/mentionable': { roles: WORKERS, record: 'ticket' },
  'GET /api/tickets/:id/deliveries': { roles: WORKERS, record: 'ticket' },
  'POST /api/attachments': { roles: PEOPLE, scopes: ['tickets:write'] },
  'POST /api/tickets/:id/attachments': { roles: PEOPLE, scopes: ['tickets:write'], record: 'ticket' },
  'GET /api/tickets/:id/attachments': { roles: PEOPLE, scopes: ['tickets:read'], record: 'ticket' },
  'GET /api/tickets/:id/attachments/:attachmentId': {
    roles: PEOPLE,
    scopes: ['tickets:read'],
    record: 'attachment',
  },
  // What a browser checks a file against before uploading it: anyone who may upload.
  'GET /api/attachments/kinds': { roles: PEOPLE, scopes: ['tickets:write'] },
  'GET /api/audit/anchors': { roles: ADMINS },
  'POST /api/audit/anchors': { roles: ADMINS },

  'GET /api/notifications': { roles: PEOPLE },
  'GET /api/notifications/unread-count': { roles: PEOPLE },
  'POST /api/notifications/read-all': { roles: PEOPLE },
  'POST /api/notifications/:id/read': { roles: PEOPLE, record: 'notification' },
  'GET /api/live': { roles: PEOPLE, scopes: ['tickets:read'], stream: true },
  'PUT /api/live/presence/:ticketId': { roles: WORKERS, record: 'ticket' },
  // Leaving removes only the caller's own presence, and must work after the ticket moved out of their sight (it
  // answers 204 whether or not the ticket exists or is visible, so it reveals nothing).
  'DELETE /api/live/presence/:ticketId': { roles: WORKERS },

  // Dashboards: agents (supervisors read them; figures are limited to the tickets the caller sees) and admins.
  'GET /api/analytics/dashboard': { roles: WORKERS, scopes: ['analytics:read'] },
  'GET /api/analytics/dashboard.csv': { roles: WORKERS, scopes: ['analytics:read'] },
  'GET /api/analytics/distribution': { roles: WORKERS, scopes: ['analytics:read'] },

  // Imported external records (OA, IT desk, ERP, CRM): sent in by integrations, read by agents beside tickets.
  'PUT /api/records/:system/:type/:id': { roles: ADMINS, scopes: ['records:write'] },
  'GET /api/records/:system/:type/:id': { roles: WORKERS, scopes: ['records:write'] },
  'DELETE /api/records/:system/:type/:id': { roles: ADMINS, scopes: ['records:write'] },
  'GET /api/records': { roles: WORKERS, scopes: ['records:write'] },
  'GET /api/record-systems': { roles: WORKERS, scopes: ['records:write'] },
  'PUT /api/record-systems/:key': { roles: ADMINS },
  'DELETE /api/record-systems/:key': { roles: ADMINS },
  'GET /api/triggers': { roles: ADMINS },
  'POST /api/triggers': { roles: ADMINS },
  'GET /api/triggers/:id': { roles: ADMINS },
  'PUT /api/triggers/:id': { roles: ADMINS },
  'DELETE /api/triggers/:id': { roles: ADMINS },
  'POST /api/triggers/:id/enable': { roles: ADMINS },
  'POST /api/triggers/:id/disable': { roles: ADMINS },
  'POST /api/triggers/:id/run': { roles: ADMINS },
  'GET /api/triggers/:id/runs': { roles: ADMINS },
  'POST /api/triggers/test': { roles: ADMINS },
  'POST /api/triggers/:id/test': { roles: ADMINS },

  // A monitoring system posts alerts with the channel's own key in the path (and, when set, a signature), not
  // with a session or an API key: open to the network, authenticated by the route itself (its own tests).
  'POST /api/channels/alerts/:key': { public: true },
  'GET /api/channels/alerts/tickets/:id': { roles: WORKERS, scopes: ['tickets:read'], record: 'ticket' },
  'GET /api/channels/alert-channels': { roles: ADMINS },
  'POST /api/channels/alert-channels': { roles: ADMINS },
  'GET /api/channels/alert-channels/:id': { roles: ADMINS },
  'PATCH /api/channels/alert-channels/:id': { roles: ADMINS },
  'POST /api/channels/alert-channels/:id/rotate': { roles: ADMINS },
  'POST /api/channels/alert-channels/:id/test': { roles: ADMINS },
  'GET /api/channels/alert-channels/:id/rejections': { roles: ADMINS },
  'POST /api/channels/alert-channels/:id/rejections/:rejection/replay': { roles: ADMINS },

  // Knowledge base: everyone signed in searches and reads (requesters only public, published articles — the route
  // answers 404 for the rest); staff write; agents draft from the tickets they see and send articles on them;
  // designers and admins set the ticket-type mappings and synonyms. Publishing is checked inside the route.
  'GET /api/kb/articles': { roles: PEOPLE },
  'POST /api/kb/articles': { roles: STAFF },
  'GET /api/kb/suggestions': { roles: PEOPLE },
  'GET /api/kb/articles/:id': { roles: PEOPLE, record: 'article' },
  'PUT /api/kb/articles/:id': { roles: STAFF },
  'POST /api/kb/articles/:id/status': { roles: STAFF },
  'GET /api/kb/articles/:id/versions': { roles: STAFF },
  'GET /api/kb/articles/:id/diff': { roles: STAFF },
  'POST /api/kb/articles/from-ticket': { roles: WORKERS },
  'POST /api/kb/articles/:id/send': { roles: WORKERS },
  'POST /api/kb/articles/:id/votes': { roles: PEOPLE, record: 'article' },
  'POST /api/kb/deflections': { roles: PEOPLE },
  'POST /api/kb/deflections/submitted': { roles: PEOPLE },
  'GET /api/kb/mappings/:type': { roles: STAFF },
  'PUT /api/kb/mappings/:type': { roles: DESIGNERS },
  'DELETE /api/kb/mappings/:type': { roles: DESIGNERS },
  'GET /api/kb/synonyms': { roles: STAFF },
  'PUT /api/kb/synonyms': { roles: DESIGNERS },
  // The help center is read without signing in: public, published articles only.
  'GET /api/help/categories': { public: true },
  'GET /api/help/articles': { public: true },
  'GET /api/help/articles/:id': { public: true },
  'POST /api/help/articles/:id/votes': { public: true },
};

/**
 * The callers. "Mine" records belong to the requester and sit with the it-desk team; "other" records belong to a
 * second requester and sit with it-ops. Callers are listed so the admin and the full key come last: whatever an
 * allowed call changes (a deleted key or team) cannot hide a refusal from a caller checked after it.
 */
type CallerName =
  | 'none'
  | 'requester'
  | 'agent-other-team'
  | 'agent-ticket-team'
  | 'supervisor'
  | 'designer'
  | 'key-read'
  | 'key-read-write'
  | 'admin';
interface Caller {
  name: CallerName;
  headers: Record<string, string>;
  roles?: readonly Role[];
  scopes?: readonly Scope[];
  userId?: string;
  /** Sees the ticket of the requester (it-desk) / of the other requester (it-ops). */
  sees: { mine: boolean; other: boolean };
}

const ALL_SCOPES: Scope[] = [
  'tickets:read',
  'tickets:write',
  'channels:write',
  'records:write',
  'analytics:read',
  'definitions:read',
  'people:write',
];

let app: FastifyInstance;
let admin: string;
let callers: Caller[];
const records = {
  ticket: { mine: '', other: '' },
  attachment: { mine: '', other: '' },
  notification: { mine: '', other: '' },
  user: { other: '' },
  /** "mine": a public, published article; "other": an internal draft (staff only). */
  article: { mine: '', other: '' },
  spareKey: '',
};

function multipart(name: string, content: string) {
  const boundary = `----matrix${Math.random().toString(16).slice(2)}`;
  const payload = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      `Content-Type: text/plain\r\n\r\n${content}\r\n--${boundary}--\r\n`,
  );
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

async function openTicket(token: string, service: string): Promise<string> {
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(token),
    payload: {
      type: 'it.incident',
      data: {
        title: `matrix ${service}`,
        service,
        hostname: 'srv-01',
        impact: 'person',
        urgency: 'low',
        description: 'details',
      },
    },
  });
  if (opened.status !== 201) throw new Error(`opening: ${JSON.stringify(opened.body)}`);
  return String(opened.body.id);
}

async function upload(token: string, ticketId: string): Promise<string> {
  const { payload, headers } = multipart('log.txt', 'disk full');
  const response = await app.inject({
    method: 'POST',
    url: `/api/tickets/${ticketId}/attachments`,
    headers: { ...bearer(token), ...headers },
    payload,
  });
  if (response.statusCode !== 201) throw new Error(`upload: ${response.statusCode} ${response.body}`);
  const body = response.json<{ id?: string; items?: { id: string }[] }>();
  return String(body.id ?? body.items?.[0]?.id);
}

async function firstNotification(token: string): Promise<string> {
  return waitFor(
    async () => {
      const { body } = await call(app, { method: 'GET', url: '/api/notifications', headers: bearer(token) });
      return ((body.items ?? []) as { id: string }[])[0]?.id;
    },
    { what: 'a notification to check the matrix with' },
  );
}

beforeAll(async () => {
  app = await buildTestApp('hardening_access_matrix');
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  const designer = await createUser(app, admin, { username: 'matrix.designer', roles: ['designer'] });
  const requester = await createUser(app, admin, { username: 'matrix.requester', roles: ['requester'] });
  const otherRequester = await createUser(app, admin, { username: 'matrix.other', roles: ['requester'] });
  const deskAgent = await createUser(app, admin, { username: 'matrix.desk', roles: ['agent'] });
  const opsAgent = await createUser(app, admin, { username: 'matrix.ops', roles: ['agent'] });
  const hrAgent = await createUser(app, admin, { username: 'matrix.hr', roles: ['agent'] });
  const lead = await createUser(app, admin, { username: 'matrix.lead', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: deskAgent.id }], supervisor: lead.id });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: opsAgent.id, skills: { server: 3 } }] });
  await createTeam(app, admin, { key: 'hr-desk', members: [{ userId: hrAgent.id }] });
  await createTeam(app, admin, { key: 'spare', members: [{ userId: hrAgent.id }] });
  await publishType(app, designer.token, itIncidentDefinition());

  records.ticket.mine = await openTicket(requester.token, 'email');
  records.ticket.other = await openTicket(otherRequester.token, 'server');
  records.attachment.mine = await upload(requester.token, records.ticket.mine);
  records.attachment.other = await upload(otherRequester.token, records.ticket.other);
  records.user.other = otherRequester.id;
  // A public reply from staff notifies the requester: one notification each.
  for (const [id, token] of [
    [records.ticket.mine, deskAgent.token],
    [records.ticket.other, opsAgent.token],
  ] as const) {
    const current = await call(app, { method: 'GET', url: `/api/tickets/${id}`, headers: bearer(token) });
    const replied = await call(app, {
      method: 'POST',
      url: `/api/tickets/${id}/commands`,
      headers: bearer(token),
      payload: { command: 'comment', body: 'on it', visibility: 'public', version: current.body.version },
    });
    if (replied.status !== 200) throw new Error(`reply: ${JSON.stringify(replied.body)}`);
  }
  records.notification.mine = await firstNotification(requester.token);
  records.notification.other = await firstNotification(otherRequester.token);

  async function article(
    title: string,
    visibility: 'public' | 'internal',
    publish: boolean,
  ): Promise<string> {
    const created = await call(app, {
      method: 'POST',
      url: '/api/kb/articles',
      headers: bearer(admin),
      payload: { title, visibility, problem: 'disk full', solution: 'free some space' },
    });
    if (created.status !== 201) throw new Error(`article: ${JSON.stringify(created.body)}`);
    if (publish) {
      const published = await call(app, {
        method: 'POST',
        url: `/api/kb/articles/${String(created.body.id)}/status`,
        headers: bearer(admin),
        payload: { version: created.body.version, status: 'published' },
      });
      if (published.status !== 200) throw new Error(`publish: ${JSON.stringify(published.body)}`);
    }
    return String(created.body.id);
  }
  records.article.mine = await article('matrix public answer', 'public', true);
  records.article.other = await article('matrix internal note', 'internal', false);

  async function key(name: string, scopes: Scope[]): Promise<{ id: string; key: string }> {
    const created = await call(app, {
      method: 'POST',
      url: '/api/api-keys',
      headers: bearer(admin),
      payload: { name, scopes },
    });
    if (created.status !== 201) throw new Error(`key: ${JSON.stringify(created.body)}`);
    return { id: String(created.body.id), key: String(created.body.key) };
  }
  const readKey = await key('matrix read', ['tickets:read', 'definitions:read', 'analytics:read']);
  const fullKey = await key('matrix read-write', ALL_SCOPES);
  records.spareKey = (await key('matrix spare', ['tickets:read'])).id;

  const person = (
    name: CallerName,
    user: { id: string; token: string },
    roles: Role[],
    sees: Caller['sees'],
  ) => ({
    name,
    headers: bearer(user.token),
    roles,
    userId: user.id,
    sees,
  });
  const me = await call(app, { method: 'GET', url: '/api/me', headers: bearer(admin) });
  callers = [
    { name: 'none', headers: {}, sees: { mine: false, other: false } },
    person('requester', requester, ['requester'], { mine: true, other: false }),
    person('agent-other-team', hrAgent, ['agent'], { mine: false, other: false }),
    person('agent-ticket-team', deskAgent, ['agent'], { mine: true, other: false }),
    person('supervisor', lead, ['agent'], { mine: true, other: false }),
    person('designer', designer, ['designer'], { mine: false, other: false }),
    {
      name: 'key-read',
      headers: { 'x-api-key': readKey.key },
      scopes: ['tickets:read', 'definitions:read', 'analytics:read'],
      sees: { mine: true, other: true },
    },
    {
      name: 'key-read-write',
      headers: { 'x-api-key': fullKey.key },
      scopes: ALL_SCOPES,
      sees: { mine: true, other: true },
    },
    person('admin', { id: String(me.body.id), token: admin }, ['admin'], { mine: true, other: true }),
  ];
}, 120_000);
afterAll(async () => {
  await app.close();
});

/** The routes the app serves, as `METHOD /pattern` with fastify's `:param` spelling. */
async function servedRoutes(): Promise<string[]> {
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{
    paths: Record<string, Record<string, unknown>>;
  }>();
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods)
      .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map((method) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`),
  );
}

function routeAllows(policy: Policy, caller: Caller): boolean {
  if (policy.public) return true;
  if (caller.name === 'none') return false;
  if (caller.scopes)
    return policy.scopes !== undefined && policy.scopes.every((s) => caller.scopes!.includes(s));
  return (policy.roles ?? []).some((role) => caller.roles!.includes(role));
}

function recordVisible(kind: RecordKind | undefined, variant: 'mine' | 'other', caller: Caller): boolean {
  switch (kind) {
    case undefined:
      return true;
    case 'ticket':
    case 'attachment':
      return caller.sees[variant];
    case 'notification':
      // A notification is its person's own: "mine" is the requester's; "other" belongs to nobody among callers.
      return variant === 'mine' && caller.name === 'requester';
    case 'user':
      // People's records are the admins' (and, for attributes, integration keys holding people:write).
      return caller.roles?.includes('admin') === true || caller.scopes !== undefined;
    case 'article':
      // Staff read every article; requesters only public, published ones.
      return variant === 'mine' || (caller.roles ?? []).some((role) => STAFF.includes(role));
  }
}

/** The concrete URL for a pattern: records by the variant, other parameters by existing keys. */
function urlFor(pattern: string, variant: 'mine' | 'other', caller: Caller): string {
  const path = pattern.split(' ')[1]!;
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    if (name === 'attachmentId') return records.attachment[variant];
    if (
      name === 'ticketId' ||
      (name === 'id' &&
        (path.startsWith('/api/tickets/') || path.startsWith('/api/channels/alerts/tickets/')))
    )
      return records.ticket[variant];
    if (name === 'id' && path.startsWith('/api/notifications/')) return records.notification[variant];
    if (name === 'id' && path.startsWith('/api/kb/articles/')) return records.article[variant];
    if (name === 'id' && path.startsWith('/api/users/'))
      return variant === 'mine' && caller.userId ? caller.userId : records.user.other;
    if (name === 'id' && path.startsWith('/api/api-keys/')) return records.spareKey;
    if (name === 'key' && path.startsWith('/api/teams/')) return 'spare';
    if (name === 'key' && path.startsWith('/api/ticket-types/')) return 'it.incident';
    if (name === 'n') return '1';
    return 'none';
  });
}

async function payloadFor(pattern: string, variant: 'mine' | 'other') {
  if (pattern === 'POST /api/tickets/:id/commands') {
    const current = await call(app, {
      method: 'GET',
      url: `/api/tickets/${records.ticket[variant]}`,
      headers: bearer(admin),
    });
    return {
      payload: { command: 'comment', body: 'matrix', visibility: 'public', version: current.body.version },
    };
  }
  if (pattern === 'POST /api/tickets/:id/attachments' || pattern === 'POST /api/attachments') {
    return multipart('note.txt', 'matrix');
  }
  if (pattern === 'POST /api/kb/articles/:id/votes') return { payload: { helpful: true } };
  if (pattern.startsWith('PUT /api/live/presence/')) return { payload: { tab: 'matrix-tab' } };
  if (pattern.startsWith('DELETE /api/live/presence/')) return { query: '?tab=matrix-tab' };
  if (pattern.startsWith('GET ') || pattern.startsWith('DELETE ')) return {};
  return { payload: {} };
}

describe('access matrix: every route × caller × own / other record', () => {
  it('every served route has a policy entry', async () => {
    const served = await servedRoutes();
    expect(served.length).toBeGreaterThan(50);
    expect(served.filter((route) => !(route in POLICY))).toEqual([]);
  });

  it('0 unauthorised successes; refusals come first and say 401 / 403 / 404', async () => {
    const served = await servedRoutes();
    const failures: string[] = [];
    let requests = 0;
    let refused = 0;
    let allowedSuccesses = 0;
    for (const route of served) {
      const policy = POLICY[route];
      if (!policy || policy.skip || policy.public) continue;
      const method = route.split(' ')[0] as 'GET';
      const variants = policy.record ? (['mine', 'other'] as const) : (['mine'] as const);
      for (const caller of callers) {
        for (const variant of variants) {
          const allowedByRoute = routeAllows(policy, caller);
          if (policy.stream && allowedByRoute) continue;
          const allowed = allowedByRoute && recordVisible(policy.record, variant, caller);
          const extra = await payloadFor(route, variant);
          const response = await app.inject({
            method,
            url: `${urlFor(route, variant, caller)}${'query' in extra ? extra.query : ''}`,
            headers: { ...caller.headers, ...('headers' in extra ? extra.headers : {}) },
            ...('payload' in extra ? { payload: extra.payload } : {}),
          });
          requests += 1;
          const status = response.statusCode;
          const what = `${caller.name} ${route} (${variant}) → ${status} ${response.body.slice(0, 160)}`;
          if (status >= 500) failures.push(`server error: ${what}`);
          else if (!allowedByRoute) {
            refused += 1;
            const expected = caller.name === 'none' ? 401 : 403;
            if (status !== expected) failures.push(`expected ${expected}: ${what}`);
          } else if (!allowed) {
            refused += 1;
            if (status !== 403 && status !== 404)
              failures.push(`expected 403/404 for another's record: ${what}`);
          } else if (status < 400) allowedSuccesses += 1;
        }
      }
    }
    console.info(
      `access matrix: ${served.length} routes, ${callers.length} callers, ${requests} requests — ${refused} refused as the policy says, ${allowedSuccesses} allowed calls succeeded`,
    );
    expect(failures).toEqual([]);
    // The matrix is not vacuous: it refused and allowed a good share of what it sent.
    expect(refused).toBeGreaterThan(requests / 3);
    expect(allowedSuccesses).toBeGreaterThan(50);
  }, 300_000);

  it('an attachment is reachable only through its own ticket', async () => {
    // The requester sees the "mine" ticket; the other ticket's file named under it must not leak.
    for (const caller of callers.filter((c) => c.name !== 'none')) {
      const response = await app.inject({
        method: 'GET',
        url: `/api/tickets/${records.ticket.mine}/attachments/${records.attachment.other}`,
        headers: caller.headers,
      });
      expect(response.statusCode, `${caller.name}: ${response.body.slice(0, 160)}`).toBeGreaterThanOrEqual(
        400,
      );
      expect(response.statusCode).toBeLessThan(500);
    }
  });
});
