import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketState } from '../../runtime/engine/types.js';
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
import { ShortLived, ShortLivedMap } from '../lib/short-lived.js';
import { OpenLoads } from './ticket-ports.js';

/** A monotonic clock the test moves by hand. */
function handClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('ShortLived', () => {
  it('shares one read within the time to live, reads again after it or after invalidate', async () => {
    const clock = handClock();
    let reads = 0;
    const value = new ShortLived(() => Promise.resolve(++reads), 1000, clock.now);
    expect(await Promise.all([value.get(), value.get()])).toEqual([1, 1]);
    clock.advance(999);
    expect(await value.get()).toBe(1);
    clock.advance(1);
    expect(await value.get()).toBe(2);
    value.invalidate();
    expect(await value.get()).toBe(3);
  });

  it('does not keep a failed read', async () => {
    let reads = 0;
    const value = new ShortLived(
      () => (++reads === 1 ? Promise.reject(new Error('down')) : Promise.resolve(reads)),
      1000,
    );
    await expect(value.get()).rejects.toThrow('down');
    expect(await value.get()).toBe(2);
  });

  it('per key: keeps each key apart and at most maxEntries of them', async () => {
    const clock = handClock();
    const reads: string[] = [];
    const values = new ShortLivedMap(
      (key: string) => {
        reads.push(key);
        return Promise.resolve(key.toUpperCase());
      },
      1000,
      2,
      clock.now,
    );
    expect(await values.get('a')).toBe('A');
    expect(await values.get('b')).toBe('B');
    expect(await values.get('a')).toBe('A');
    expect(reads).toEqual(['a', 'b']);
    // A third key is over the bound: the oldest read (a; reusing it did not make it newer) goes.
    await values.get('c');
    expect(reads).toEqual(['a', 'b', 'c']);
    await values.get('a');
    expect(reads).toEqual(['a', 'b', 'c', 'a']);
    values.invalidate();
    await values.get('c');
    expect(reads).toEqual(['a', 'b', 'c', 'a', 'c']);
  });
});

const ticket = (assignee: string | undefined, category: string): TicketState =>
  ({ assignee, status: { category, key: category } }) as unknown as TicketState;

describe('OpenLoads', () => {
  it('counts once when first needed, follows this process’s commits, recounts in the background when old', async () => {
    const clock = handClock();
    let counts = 0;
    const loads = new OpenLoads(
      () => {
        counts += 1;
        return Promise.resolve(new Map([['ana', 2]]));
      },
      1000,
      clock.now,
    );
    expect(loads.known()).toBeUndefined();
    expect((await loads.get()).get('ana')).toBe(2);
    loads.committed(undefined, ticket('bo', 'new'));
    loads.committed(ticket('ana', 'open'), ticket('bo', 'open'));
    loads.committed(ticket('bo', 'open'), ticket('bo', 'resolved'));
    expect(Object.fromEntries(loads.known()!)).toEqual({ ana: 1, bo: 1 });
    expect(counts).toBe(1);

    clock.advance(1000);
    // Old counts still answer at once; a recount starts behind them and replaces them when done.
    expect(loads.known()?.get('ana')).toBe(1);
    expect(counts).toBe(2);
    await loads.get();
    expect(loads.known()?.get('ana')).toBe(2);
  });
});

describe('cached teams, people and versions in the app', () => {
  let app: FastifyInstance;
  let admin: string;
  let requester: CreatedUser;
  let desk: CreatedUser[];
  let designer: CreatedUser;

  beforeAll(async () => {
    app = await buildTestApp('ticket_caches');
    admin = await login(app, 'admin', ADMIN_PASSWORD);
    requester = await createUser(app, admin, { username: 'cache.requester', roles: ['requester'] });
    desk = [
      await createUser(app, admin, { username: 'cache.desk1', roles: ['agent'] }),
      await createUser(app, admin, { username: 'cache.desk2', roles: ['agent'] }),
    ];
    const ops = await createUser(app, admin, { username: 'cache.ops', roles: ['agent'] });
    await createTeam(app, admin, { key: 'it-ops', members: [{ userId: ops.id }] });
    await createTeam(app, admin, { key: 'it-desk', members: desk.map((member) => ({ userId: member.id })) });
    designer = await createUser(app, admin, { username: 'cache.designer', roles: ['designer'] });
    await publishType(app, designer.token, itIncidentDefinition());
  });
  afterAll(async () => {
    await app.close();
  });

  const open = async (title: string) => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: { type: 'it.incident', data: { title, service: 'email', impact: 'person', urgency: 'low' } },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    return body as { assignee: string; number: string };
  };

  it('sees a team changed through the API on the very next open', async () => {
    await open('缓存预热 1');
    await open('缓存预热 2');
    const replaced = await call(app, {
      method: 'PUT',
      url: '/api/teams/it-desk',
      headers: bearer(admin),
      payload: {
        name: { 'zh-CN': 'it-desk', en: 'it-desk' },
        members: [
          { userId: desk[0]!.id, skills: {}, awayUntil: '2099-01-01T00:00:00Z' },
          { userId: desk[1]!.id, skills: {} },
        ],
      },
    });
    expect(replaced.status).toBe(200);
    for (let index = 0; index < 3; index++)
      expect((await open(`休假之后 ${index}`)).assignee).toBe(desk[1]!.id);
  });

  it('opens on a version published through the API at once', async () => {
    expect((await open('发布之前')).number).toMatch(/^INC-/);
    const { body: type } = await call(app, {
      method: 'GET',
      url: '/api/ticket-types/it.incident',
      headers: bearer(designer.token),
    });
    const definition = itIncidentDefinition();
    const saved = await call(app, {
      method: 'PUT',
      url: '/api/ticket-types/it.incident/draft',
      headers: bearer(designer.token),
      payload: {
        draftRevision: type.draftRevision,
        definition: { ...definition, numberFormat: 'NEXT-{seq:6}' },
      },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const publishedNow = await call(app, {
      method: 'POST',
      url: '/api/ticket-types/it.incident/publish',
      headers: bearer(designer.token),
      payload: { note: 'cache test' },
    });
    expect(publishedNow.status, JSON.stringify(publishedNow.body)).toBe(201);
    expect((await open('发布之后')).number).toMatch(/^NEXT-\d{6}$/);
  });
});
