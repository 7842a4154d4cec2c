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
import { SEQUENCES_COLLECTION } from '../lib/sequence.js';

/**
 * Ticket numbers are unique per number format (types sharing one share its counter) and refused opens use none;
 * round-robin and tied skills assignments share turns evenly among the members who can take tickets.
 */
let app: FastifyInstance;
let admin: string;
let requester: CreatedUser;
const agents: CreatedUser[] = [];
const clock = new ManualClock(Date.parse('2026-10-08T10:00:00+08:00'));

/** The IT incident type under another key, routed to `team` by `strategy` (with `skills` when given). */
function typeRoutedTo(key: string, team: string, strategy: string, extra: Record<string, unknown> = {}) {
  return {
    ...itIncidentDefinition(),
    key,
    name: { 'zh-CN': key, en: key },
    routing: [{ id: 'default', when: true, then: { team, strategy, ...extra } }],
  };
}

const incident = (type: string, title: string) => ({
  type,
  data: { title, service: 'email', impact: 'person', urgency: 'low', description: '邮件发不出去' },
});

async function open(payload: Record<string, unknown>) {
  return call(app, { method: 'POST', url: '/api/tickets', headers: bearer(requester.token), payload });
}

function tally(assignees: unknown[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const assignee of assignees) {
    const name = agents.find((agent) => agent.id === assignee)?.username ?? String(assignee);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

beforeAll(async () => {
  app = await buildTestApp('ticket_numbers_turns', { clock });
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'zhao.lei', roles: ['requester'] });
  for (const name of ['rr.a', 'rr.b', 'rr.c', 'sk.a', 'sk.b', 'sk.c'])
    agents.push(await createUser(app, admin, { username: name, roles: ['agent'] }));
  const [a, b, c, skA, skB, skC] = agents.map((agent) => agent.id) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: a }] });
  await createTeam(app, admin, { key: 'desk', members: [{ userId: a }, { userId: b }, { userId: c }] });
  await createTeam(app, admin, {
    key: 'desk-away',
    members: [{ userId: a }, { userId: b, awayUntil: '2027-01-01T00:00:00Z' }, { userId: c }],
  });
  await createTeam(app, admin, {
    key: 'desk-skills',
    members: [
      // Members of no other team, so their open tickets are those of this test alone.
      { userId: skA, skills: { vpn: 2 } },
      { userId: skB, skills: { printer: 1 } },
      { userId: skC, skills: { vpn: 1 } },
    ],
  });
  const designer = await createUser(app, admin, { username: 'designer.qa', roles: ['designer'] });
  const qa = { numberFormat: 'QA-{yyyy}-{seq:4}' };
  await publishType(app, designer.token, { ...typeRoutedTo('qa.first', 'desk', 'round-robin'), ...qa });
  await publishType(app, designer.token, { ...typeRoutedTo('qa.second', 'desk', 'round-robin'), ...qa });
  await publishType(app, designer.token, typeRoutedTo('rr.away', 'desk-away', 'round-robin'));
  await publishType(
    app,
    designer.token,
    typeRoutedTo('rr.skills', 'desk-skills', 'skills', { skills: ['vpn'] }),
  );
});
afterAll(async () => {
  await app.close();
});

describe('ticket numbers', () => {
  it('never repeats a number between types sharing a number format, opened one by one or all at once', async () => {
    const first = await open(incident('qa.first', '第一类工单'));
    const second = await open(incident('qa.second', '第二类工单'));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(first.body.number).toBe('QA-2026-0001');
    expect(second.body.number).toBe('QA-2026-0002');
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        open(incident(i % 2 === 0 ? 'qa.first' : 'qa.second', `并发 ${i}`)),
      ),
    );
    expect(burst.every((result) => result.status === 201)).toBe(true);
    const numbers = burst.map((result) => String(result.body.number));
    expect(new Set(numbers).size).toBe(20);
    expect(numbers.sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `QA-2026-${String(i + 3).padStart(4, '0')}`),
    );
  });

  it('uses no number for an open the form refuses', async () => {
    const before = await open(incident('qa.first', '拒绝之前'));
    const refused = await open(incident('qa.first', 'x'));
    expect(refused.status).toBe(422);
    const after = await open(incident('qa.first', '拒绝之后'));
    const seq = (number: unknown) => Number(String(number).slice('QA-2026-'.length));
    expect(seq(after.body.number)).toBe(seq(before.body.number) + 1);
  });

  it('goes on past the numbers a type had from its own counter before numbers were shared per format', async () => {
    // What the counter of one type and year held before (a type's 7 tickets of 2026).
    await app.db.collection(SEQUENCES_COLLECTION).insertMany(
      [6, 7].map((n) => ({
        _id: `number:lg.legacy:2026#${n}` as never,
        scope: 'number:lg.legacy:2026',
        n,
        at: new Date(),
      })),
    );
    const designer = await createUser(app, admin, { username: 'designer.lg', roles: ['designer'] });
    await publishType(app, designer.token, {
      ...typeRoutedTo('lg.legacy', 'desk', 'round-robin'),
      numberFormat: 'LG-{yyyy}-{seq:3}',
    });
    const opened = await Promise.all([1, 2].map((i) => open(incident('lg.legacy', `升级之后 ${i}`))));
    expect(opened.map((result) => result.body.number).sort()).toEqual(['LG-2026-008', 'LG-2026-009']);
  });
});

describe('round-robin and skills turns', () => {
  it('still gives three members exactly ten each of 30 concurrent opens', async () => {
    const opened = await Promise.all(
      Array.from({ length: 30 }, (_, i) => open(incident('qa.first', `轮流 ${i}`))),
    );
    expect(opened.every((result) => result.status === 201)).toBe(true);
    // Earlier tests took turns of this team too: count only this burst.
    expect(Object.values(tally(opened.map((result) => result.body.assignee))).sort()).toEqual([10, 10, 10]);
  });

  it('shares 30 concurrent opens 15 / 15 between the two members who are not away', async () => {
    const opened = await Promise.all(
      Array.from({ length: 30 }, (_, i) => open(incident('rr.away', `有人休假 ${i}`))),
    );
    expect(opened.every((result) => result.status === 201)).toBe(true);
    expect(tally(opened.map((result) => result.body.assignee))).toEqual({ 'rr.a': 15, 'rr.c': 15 });
  });

  it('splits skills ties evenly: 30 concurrent opens go 15 / 15 to the two members holding the skill', async () => {
    const opened = await Promise.all(
      Array.from({ length: 30 }, (_, i) => open(incident('rr.skills', `技能分配 ${i}`))),
    );
    expect(opened.every((result) => result.status === 201)).toBe(true);
    expect(tally(opened.map((result) => result.body.assignee))).toEqual({ 'sk.a': 15, 'sk.c': 15 });
  });
});
