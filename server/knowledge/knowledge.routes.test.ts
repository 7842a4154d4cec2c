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
  type CreatedUser,
} from '../../test/support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../../test/support/tickets.js';
import { countDeflections } from './deflections.js';

let app: FastifyInstance;
let second: FastifyInstance;
let admin: string;
let requester: CreatedUser;
let agent: CreatedUser;
let lead: CreatedUser;
let ticket: { id: string; version: number; number: string };

beforeAll(async () => {
  app = await buildTestApp('knowledge_routes');
  await app.ready();
  // A second API process on the same database: its search must learn of the first one's changes.
  second = await buildTestApp('knowledge_routes');
  await second.ready();
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'li.lei', roles: ['requester'] });
  agent = await createUser(app, admin, { username: 'desk.agent', roles: ['agent'] });
  lead = await createUser(app, admin, { username: 'desk.lead', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-ops', supervisor: lead.id, members: [{ userId: agent.id }] });
  await createTeam(app, admin, {
    key: 'it-desk',
    supervisor: lead.id,
    backupTeam: 'it-ops',
    members: [{ userId: agent.id }],
  });
  await publishType(app, admin, itIncidentDefinition());
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: {
      type: 'it.incident',
      data: {
        title: '三楼打印机无法连接',
        description: '电脑提示找不到打印机，打印任务一直排队。',
        service: 'printer',
        impact: 'team',
        urgency: 'medium',
      },
    },
  });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  let current = opened.body as unknown as { id: string; version: number; number: string };
  const run = async (user: CreatedUser, command: Record<string, unknown>) => {
    const result = await call(app, {
      method: 'POST',
      url: `/api/tickets/${current.id}/commands`,
      headers: bearer(user.token),
      payload: { version: current.version, ...command },
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    current = result.body as unknown as typeof current;
  };
  await run(agent, { command: 'comment', body: '请确认打印机面板上的 IP 地址。', visibility: 'public' });
  await run(requester, { command: 'comment', body: '面板显示 10.3.0.25。', visibility: 'public' });
  await run(agent, { command: 'comment', body: '内部：旧端口仍指向 10.3.0.9', visibility: 'internal' });
  await run(agent, {
    command: 'complete-step',
    outcome: 'fixed',
    comment: '删除旧打印机后按新 IP 重新添加，打印恢复。',
  });
  ticket = current;
});

afterAll(async () => {
  await second?.close();
  await app?.close();
});

const asUser = (user: CreatedUser | string) => bearer(typeof user === 'string' ? user : user.token);

describe('POST /api/kb/articles/from-ticket', () => {
  let articleId: string;

  it('drafts the article from the form, the public conversation and the resolution, and links the ticket', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/kb/articles/from-ticket',
      headers: asUser(agent),
      payload: { ticket: ticket.id, visibility: 'public' },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    articleId = String(body.id);
    expect(body).toMatchObject({
      title: '三楼打印机无法连接',
      status: 'draft',
      visibility: 'public',
      owner: agent.id,
      version: 1,
      linked: true,
      sourceTickets: [{ id: ticket.id, number: ticket.number }],
    });
    expect(body.problem).toContain('电脑提示找不到打印机');
    expect(body.problem).toContain('打印机'); // the service option's label
    expect(body.steps).toContain('请确认打印机面板上的 IP 地址');
    expect(body.steps).not.toContain('旧端口'); // internal notes stay out
    expect(body.solution).toBe('删除旧打印机后按新 IP 重新添加，打印恢复。');
    expect(body.tags).toEqual(expect.arrayContaining(['it.incident', 'printer']));
    const view = await call(app, { method: 'GET', url: `/api/tickets/${ticket.id}`, headers: asUser(agent) });
    expect(view.body.links).toEqual([
      expect.objectContaining({ system: 'ordo', type: 'kb-article', id: articleId }),
    ]);
    const fromTicket = await call(app, {
      method: 'GET',
      url: `/api/kb/articles?ticket=${ticket.id}`,
      headers: asUser(agent),
    });
    expect((fromTicket.body.items as { id: string }[]).map((item) => item.id)).toEqual([articleId]);
  });

  it('uses the type’s mapping template when it has one, and refuses one that does not parse', async () => {
    const bad = await call(app, {
      method: 'PUT',
      url: '/api/kb/mappings/it.incident',
      headers: asUser(admin),
      payload: {
        title: '{{#if}}',
        problem: '',
        steps: '',
        rootCause: '',
        solution: '',
        tags: '',
        category: '',
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('body.title');
    const good = await call(app, {
      method: 'PUT',
      url: '/api/kb/mappings/it.incident',
      headers: asUser(admin),
      payload: {
        title: '【{{ticket.typeName}}】{{ticket.title}}',
        problem: '{{description}}',
        steps: '',
        rootCause: '见 {{ticket.number}}',
        solution: '{{resolution}}',
        tags: 'printer-kb',
        category: 'printing',
      },
    });
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    const { body } = await call(app, {
      method: 'POST',
      url: '/api/kb/articles/from-ticket',
      headers: asUser(agent),
      payload: { ticket: ticket.id },
    });
    expect(body).toMatchObject({
      title: '【IT 故障报修】三楼打印机无法连接',
      rootCause: `见 ${ticket.number}`,
      tags: ['printer-kb'],
      category: 'printing',
      visibility: 'internal',
    });
    // Back to the default: only admins and designers, only for a type that exists.
    const byAgent = await call(app, {
      method: 'DELETE',
      url: '/api/kb/mappings/it.incident',
      headers: asUser(agent),
    });
    expect(byAgent.status).toBe(403);
    const unknown = await call(app, {
      method: 'DELETE',
      url: '/api/kb/mappings/no.such.type',
      headers: asUser(admin),
    });
    expect(unknown.status).toBe(404);
    const reset = await call(app, {
      method: 'DELETE',
      url: '/api/kb/mappings/it.incident',
      headers: asUser(admin),
    });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect(reset.body).toMatchObject({
      custom: false,
      mapping: { title: '{{ticket.title}}', category: '{{ticket.category}}' },
    });
    const read = await call(app, {
      method: 'GET',
      url: '/api/kb/mappings/it.incident',
      headers: asUser(agent),
    });
    expect(read.body).toMatchObject({ custom: false, mapping: { title: '{{ticket.title}}' } });
  });

  it('refuses requesters and names an unknown ticket', async () => {
    const asRequester = await call(app, {
      method: 'POST',
      url: '/api/kb/articles/from-ticket',
      headers: asUser(requester),
      payload: { ticket: ticket.id },
    });
    expect(asRequester.status).toBe(403);
    const unknown = await call(app, {
      method: 'POST',
      url: '/api/kb/articles/from-ticket',
      headers: asUser(agent),
      payload: { ticket: 'a'.repeat(24) },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.field).toBe('body.ticket');
  });

  it('keeps versions with a readable diff; review and publishing follow the roles', async () => {
    const edited = await call(app, {
      method: 'PUT',
      url: `/api/kb/articles/${articleId}`,
      headers: asUser(agent),
      payload: {
        version: 1,
        title: '打印机连接失败的处理办法',
        rootCause: '打印机 IP 变化\n电脑仍指向旧端口',
      },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    const stale = await call(app, {
      method: 'PUT',
      url: `/api/kb/articles/${articleId}`,
      headers: asUser(agent),
      payload: { version: 1, title: 'x' },
    });
    expect(stale.status).toBe(409);
    const diff = await call(app, {
      method: 'GET',
      url: `/api/kb/articles/${articleId}/diff?from=1&to=2`,
      headers: asUser(agent),
    });
    expect(diff.body.fields).toEqual([
      {
        field: 'title',
        lines: [
          { op: 'del', text: '三楼打印机无法连接' },
          { op: 'add', text: '打印机连接失败的处理办法' },
        ],
      },
      {
        field: 'rootCause',
        lines: [
          { op: 'add', text: '打印机 IP 变化' },
          { op: 'add', text: '电脑仍指向旧端口' },
        ],
      },
    ]);
    const past = await call(app, {
      method: 'GET',
      url: `/api/kb/articles/${articleId}/diff?from=1&to=9`,
      headers: asUser(agent),
    });
    expect(past.status).toBe(400);
    expect(past.body.field).toBe('query.to');
    // An agent submits for review but cannot publish; the team's supervisor can.
    const review = await call(app, {
      method: 'POST',
      url: `/api/kb/articles/${articleId}/status`,
      headers: asUser(agent),
      payload: { version: 2, status: 'in-review' },
    });
    expect(review.status).toBe(200);
    const refused = await call(app, {
      method: 'POST',
      url: `/api/kb/articles/${articleId}/status`,
      headers: asUser(agent),
      payload: { version: 3, status: 'published' },
    });
    expect(refused.status).toBe(403);
    const published = await call(app, {
      method: 'POST',
      url: `/api/kb/articles/${articleId}/status`,
      headers: asUser(lead),
      payload: { version: 3, status: 'published' },
    });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: 'published', version: 4 });
    const versions = await call(app, {
      method: 'GET',
      url: `/api/kb/articles/${articleId}/versions`,
      headers: asUser(agent),
    });
    expect((versions.body.items as { change: string }[]).map((v) => v.change)).toEqual([
      'created',
      'edited',
      'status',
      'status',
    ]);
  });

  it('finds it by search in both processes, with highlights; requesters see only public published articles', async () => {
    const search = async (server: FastifyInstance, user: CreatedUser | string, q: string) =>
      call(server, {
        method: 'GET',
        url: `/api/kb/articles?q=${encodeURIComponent(q)}`,
        headers: asUser(user),
      });
    const here = await search(app, requester, '打印机无法连接');
    const first = (
      here.body.items as { id: string; highlightedTitle: { text: string; hit: boolean }[] }[]
    )[0]!;
    expect(first.id).toBe(articleId);
    expect(
      first.highlightedTitle
        .filter((part) => part.hit)
        .map((part) => part.text)
        .join(' '),
    ).toContain('打印机');
    await waitFor(
      async () => {
        const there = await search(second, requester, 'printer');
        return (there.body.items as { id: string }[])[0]?.id === articleId;
      },
      { what: 'the second process to find the article' },
    );
    // The internal draft made with the mapping never shows to requesters, whatever they ask.
    for (const q of ['打印机', 'printer-kb', '见', 'printing', '三楼打印机无法连接']) {
      const seen = await search(app, requester, q);
      for (const item of seen.body.items as { id: string; status?: string }[]) {
        expect(item.id).toBe(articleId);
        expect(item.status).toBeUndefined();
      }
    }
  });

  it('keeps synonym groups an admin sets (stored, served back, used by search in both processes)', async () => {
    const groups = [
      ['打印机', 'lpr-device'],
      ['VPN', '远程接入'],
    ];
    const put = await call(app, {
      method: 'PUT',
      url: '/api/kb/synonyms',
      headers: bearer(admin),
      payload: { groups },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.groups).toEqual(groups);
    const read = await call(second, { method: 'GET', url: '/api/kb/synonyms', headers: bearer(admin) });
    expect(read.body.groups).toEqual(groups);
    await waitFor(
      async () => {
        const there = await call(second, {
          method: 'GET',
          url: `/api/kb/articles?q=${encodeURIComponent('lpr-device')}`,
          headers: bearer(admin),
        });
        return (there.body.items as { id: string }[]).some((item) => item.id === articleId);
      },
      { what: 'the second process to search with the new synonyms' },
    );
  });

  it('serves the help center without sign-in: public, published only', async () => {
    const internal = await call(app, {
      method: 'POST',
      url: '/api/kb/articles',
      headers: asUser(agent),
      payload: {
        title: '打印机内部排障：重置打印服务器',
        visibility: 'internal',
        solution: '登录打印服务器重启 spooler',
      },
    });
    await call(app, {
      method: 'POST',
      url: `/api/kb/articles/${String(internal.body.id)}/status`,
      headers: asUser(admin),
      payload: { version: 1, status: 'published' },
    });
    const list = await call(app, { method: 'GET', url: '/api/help/articles?q=打印机' });
    expect(list.status).toBe(200);
    expect((list.body.items as { id: string }[]).map((item) => item.id)).toEqual([articleId]);
    const hidden = await call(app, { method: 'GET', url: `/api/help/articles/${String(internal.body.id)}` });
    expect(hidden.status).toBe(404);
    const asRequester = await call(app, {
      method: 'GET',
      url: `/api/kb/articles/${String(internal.body.id)}`,
      headers: asUser(requester),
    });
    expect(asRequester.status).toBe(404);
    const categories = await call(app, { method: 'GET', url: '/api/help/categories' });
    expect(categories.body.items).toEqual([{ category: 'it', articles: 1 }]);
    const vote = await call(app, {
      method: 'POST',
      url: `/api/help/articles/${articleId}/votes`,
      payload: { helpful: true, voter: 'browser-1234' },
    });
    expect(vote.body).toEqual({ helpful: 1, notHelpful: 0 });
    const again = await call(app, {
      method: 'POST',
      url: `/api/help/articles/${articleId}/votes`,
      payload: { helpful: false, voter: 'browser-1234' },
    });
    expect(again.body).toEqual({ helpful: 0, notHelpful: 1 });
    const pastEnd = await call(app, { method: 'GET', url: '/api/help/articles?offset=50' });
    expect(pastEnd.status).toBe(400);
    expect(pastEnd.body.field).toBe('query.offset');
  });

  it('suggests while a requester types, records deflections, and counts them', async () => {
    const suggested = await call(app, {
      method: 'GET',
      url: `/api/kb/suggestions?text=${encodeURIComponent('打印机连不上')}`,
      headers: asUser(requester),
    });
    expect((suggested.body.items as { id: string }[])[0]?.id).toBe(articleId);
    const before = await countDeflections(app.db);
    await call(app, {
      method: 'POST',
      url: '/api/kb/deflections',
      headers: asUser(requester),
      payload: { session: 'draft-aaaa1111', article: articleId, type: 'it.incident' },
    });
    await call(app, {
      method: 'POST',
      url: '/api/kb/deflections',
      headers: asUser(requester),
      payload: { session: 'draft-aaaa1111', article: articleId },
    });
    await call(app, {
      method: 'POST',
      url: '/api/kb/deflections',
      headers: asUser(requester),
      payload: { session: 'draft-bbbb2222', article: articleId },
    });
    const submitted = await call(app, {
      method: 'POST',
      url: '/api/kb/deflections/submitted',
      headers: asUser(requester),
      payload: { session: 'draft-bbbb2222', ticket: ticket.id },
    });
    expect(submitted.body).toEqual({ articles: 1 });
    const after = await countDeflections(app.db);
    expect(after.opened - before.opened).toBe(2);
    expect(after.deflected - before.deflected).toBe(1);
    expect(after.submittedAnyway - before.submittedAnyway).toBe(1);
  });

  it('lets an agent send a published article as a public reply', async () => {
    const current = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}`,
      headers: asUser(agent),
    });
    const sent = await call(app, {
      method: 'POST',
      url: `/api/kb/articles/${articleId}/send`,
      headers: asUser(agent),
      payload: { ticket: ticket.id, version: current.body.version },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const events = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}/events`,
      headers: asUser(requester),
    });
    const bodies = (events.body.items as { events: { type: string; data?: { body?: string } }[] }[]).flatMap(
      (item) =>
        item.events.filter((event) => event.type === 'comment.added').map((event) => event.data?.body ?? ''),
    );
    expect(bodies.at(-1)).toContain('【打印机连接失败的处理办法】');
    expect(bodies.at(-1)).toContain(`/help/articles/${articleId}`);
  });
});
