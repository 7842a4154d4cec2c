import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from '../../test/support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../../test/support/tickets.js';
import { NOTIFICATIONS_COLLECTION, type InAppNotification } from './in-app.js';
import type { InboxIndexKind } from './inbox-index.js';

type Item = { id: string; template: string; text: string; createdAt: string; readAt: string | null };
type Page = { items: Item[]; nextCursor: string | null };

/** The bell's routes, answered the same by either inbox (server/notifications/inbox-index.ts). */
describe.each<InboxIndexKind>(['memory', 'database'])('the bell on the %s inbox', (kind) => {
  let app: FastifyInstance;
  let requester: CreatedUser;
  let agent: CreatedUser;
  let other: CreatedUser;
  const clock = new ManualClock(Date.parse('2026-11-02T09:00:00+08:00'));
  let made = 0;

  beforeAll(async () => {
    app = await buildTestApp(`inbox_routes_${kind}`, { clock, ticketCatalog: kind });
    const admin = await login(app, 'admin', ADMIN_PASSWORD);
    requester = await createUser(app, admin, { username: 'li.na', roles: ['requester'], locale: 'en' });
    agent = await createUser(app, admin, { username: 'agent.zhou', roles: ['agent'], locale: 'en' });
    other = await createUser(app, admin, { username: 'agent.wu', roles: ['agent'], locale: 'en' });
    await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
    await createTeam(app, admin, { key: 'it-ops', members: [{ userId: other.id }] });
    const designer = await createUser(app, admin, { username: 'designer.he', roles: ['designer'] });
    await publishType(app, designer.token, itIncidentDefinition());
  });
  afterAll(async () => {
    await app.close();
  });

  async function openTicket(title: string): Promise<string> {
    const opened = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: {
        type: 'it.incident',
        data: { title, service: 'email', impact: 'person', urgency: 'low', description: 'Details follow' },
      },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    return String(opened.body.id);
  }

  async function comment(id: string, body: string) {
    const current = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}`,
      headers: bearer(agent.token),
    });
    const result = await call(app, {
      method: 'POST',
      url: `/api/tickets/${id}/commands`,
      headers: bearer(agent.token),
      payload: { command: 'comment', body, visibility: 'public', version: current.body.version },
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
  }

  /** A notice as the service stores it, delivered through the inbox (not through a ticket). */
  function notice(user: CreatedUser, text: string): InAppNotification {
    const id = `inbox-test:${++made}:in-app:${user.id}`;
    return {
      _id: id,
      userId: user.id,
      ticketId: 'ticket-none',
      ticketNumber: 'INC-2026-000000',
      effectKey: `inbox-test:${made}`,
      template: 'mentioned',
      subject: text,
      body: `<p>${text}</p>`,
      text,
      link: null,
      createdAt: new Date(clock.now()),
      readAt: null,
    };
  }

  async function deliver(user: CreatedUser, text: string): Promise<InAppNotification> {
    const stored = notice(user, text);
    expect(await app.notifications.inbox.deliver(stored)).toBe(true);
    return stored;
  }

  async function page(user: CreatedUser, query = ''): Promise<Page> {
    const answer = await call(app, {
      method: 'GET',
      url: `/api/notifications${query}`,
      headers: bearer(user.token),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as Page;
  }

  /** Every item, following the cursor `limit` at a time. */
  async function walk(user: CreatedUser, limit: number, unread = false): Promise<Item[]> {
    const items: Item[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=${limit}${unread ? '&unread=true' : ''}${cursor ? `&cursor=${cursor}` : ''}`;
      const next = await page(user, query);
      expect(next.items.length).toBeLessThanOrEqual(limit);
      items.push(...next.items);
      cursor = next.nextCursor;
    } while (cursor);
    return items;
  }

  const unread = async (user: CreatedUser): Promise<number> => {
    const answer = await call(app, {
      method: 'GET',
      url: '/api/notifications/unread-count',
      headers: bearer(user.token),
    });
    expect(answer.status).toBe(200);
    return answer.body.count as number;
  };

  const markRead = (user: CreatedUser, id: string) =>
    call(app, {
      method: 'POST',
      url: `/api/notifications/${encodeURIComponent(id)}/read`,
      headers: bearer(user.token),
    });

  const markAllRead = async (user: CreatedUser): Promise<number> => {
    const answer = await call(app, {
      method: 'POST',
      url: '/api/notifications/read-all',
      headers: bearer(user.token),
    });
    expect(answer.status).toBe(200);
    return answer.body.updated as number;
  };

  it(`is the ${kind} inbox, as the ticket catalog`, () => {
    expect(app.tickets.catalog.kind).toBe(kind);
    expect(app.notifications.inbox.index.kind).toBe(kind);
  });

  it('lists a ticket’s notices newest first, pages them by cursor, counts and filters unread ones', async () => {
    const id = await openTicket('Monitor flickers');
    expect((await page(agent)).items[0]).toMatchObject({ template: 'ticket-assigned' });
    expect(await unread(agent)).toBe(1);

    for (const text of ['Which cable?', 'Swapped the cable', 'Flicker gone']) {
      clock.advance(60_000);
      await comment(id, text);
    }
    expect(await unread(requester)).toBe(3);
    const all = await walk(requester, 2);
    expect(all.map((item) => item.text.match(/Which cable\?|Swapped the cable|Flicker gone/)?.[0])).toEqual([
      'Flicker gone',
      'Swapped the cable',
      'Which cable?',
    ]);

    expect((await markRead(requester, all[1]!.id)).status).toBe(200);
    expect(await unread(requester)).toBe(2);
    expect((await walk(requester, 1, true)).map((item) => item.id)).toEqual([all[0]!.id, all[2]!.id]);
    expect(await markAllRead(requester)).toBe(2);
    expect(await unread(requester)).toBe(0);
    expect(await page(requester, '?unread=true')).toEqual({ items: [], nextCursor: null });
  });

  it('pages notices stored at the same instant by id, with and without the unread filter', async () => {
    clock.advance(60_000);
    const stored: InAppNotification[] = [];
    for (let n = 0; n < 7; n++) stored.push(await deliver(other, `Same instant ${n}`));
    clock.advance(1);
    stored.push(await deliver(other, 'A millisecond later'));
    const newestFirst = [...stored].sort(
      (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a._id < b._id ? 1 : -1),
    );

    for (const limit of [1, 2, 3, 8, 20]) {
      expect((await walk(other, limit)).map((item) => item.id)).toEqual(newestFirst.map((item) => item._id));
    }
    const first = await page(other, '?limit=3');
    expect(first.items.map((item) => item.createdAt)).toEqual(
      newestFirst.slice(0, 3).map((item) => item.createdAt.toISOString()),
    );

    for (const item of [newestFirst[0]!, newestFirst[3]!, newestFirst[4]!, newestFirst[7]!]) {
      expect((await markRead(other, item._id)).status).toBe(200);
    }
    const stillUnread = newestFirst
      .filter((_, index) => ![0, 3, 4, 7].includes(index))
      .map((item) => item._id);
    expect(await unread(other)).toBe(4);
    for (const limit of [1, 3, 5]) {
      expect((await walk(other, limit, true)).map((item) => item.id)).toEqual(stillUnread);
    }
    expect(await markAllRead(other)).toBe(4);
    expect(await walk(other, 4, true)).toEqual([]);
    expect((await walk(other, 4)).every((item) => item.readAt !== null)).toBe(true);
  });

  it('marks one read once (reading again keeps the first time), not someone else’s, then counts new notices', async () => {
    clock.advance(60_000);
    const mine = await deliver(agent, 'Yours to read');
    const before = await unread(agent);
    const first = await markRead(agent, mine._id);
    expect(first.body.readAt).toBe(new Date(clock.now()).toISOString());
    clock.advance(5_000);
    const again = await markRead(agent, mine._id);
    expect(again.body.readAt).toBe(first.body.readAt);
    expect(await unread(agent)).toBe(before - 1);

    // Someone else's answers like a missing one, and counts for nobody.
    expect((await markRead(requester, mine._id)).status).toBe(404);
    expect((await markRead(agent, 'no-such-notice')).status).toBe(404);

    const cleared = await markAllRead(agent);
    expect(cleared).toBe(before - 1);
    expect(await unread(agent)).toBe(0);
    expect(await markAllRead(agent)).toBe(0);

    clock.advance(60_000);
    const id = await openTicket('Keyboard sticky');
    clock.advance(1);
    await deliver(agent, 'Another one');
    expect(await unread(agent)).toBe(2);
    const newest = await page(agent, '?limit=2');
    expect(newest.items.map((item) => item.text)).toEqual(['Another one', expect.stringContaining(id)]);
    expect(newest.items.every((item) => item.readAt === null)).toBe(true);
    expect(await markAllRead(agent)).toBe(2);
    expect(await unread(agent)).toBe(0);
  });

  it('counts a notice delivered twice once', async () => {
    clock.advance(60_000);
    const twice = notice(requester, 'Delivered twice');
    const before = await unread(requester);
    const [first, second] = await Promise.all([
      app.notifications.inbox.deliver(twice),
      app.notifications.inbox.deliver({ ...twice }),
    ]);
    expect([first, second].sort()).toEqual([false, true]);
    expect(await app.notifications.inbox.deliver({ ...twice })).toBe(false);
    expect(await unread(requester)).toBe(before + 1);
    expect((await walk(requester, 2)).filter((item) => item.id === twice._id)).toHaveLength(1);
    expect(await markAllRead(requester)).toBe(before + 1);
  });

  it('shows what was written behind the process’s back once it reads the notifications again', async () => {
    clock.advance(60_000);
    const elsewhere = notice(other, 'Written by another process');
    await app.db.collection<InAppNotification>(NOTIFICATIONS_COLLECTION).insertOne(elsewhere);
    await app.notifications.inbox.index.reload();
    expect(await unread(other)).toBe(1);
    expect((await page(other, '?limit=1')).items[0]?.id).toBe(elsewhere._id);
    expect(await markAllRead(other)).toBe(1);
  });
});
