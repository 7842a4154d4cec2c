/**
 * Many people commenting on the same few tickets at once, each guarding its command with the version it last saw
 * (as the studio does): every command answers 200 (stored) or 409 (stale, nothing stored); nothing accepted is lost
 * or stored twice; the commits stored are exactly the accepted commands; each projection equals a rebuild from its
 * commits; every audit chain verifies.
 *
 * Size: ORDO_CONCURRENCY_CLIENTS (default 50) clients × ORDO_CONCURRENCY_COMMANDS (default 20) commands each on
 * ORDO_CONCURRENCY_TICKETS (default 10) tickets. The full size of the hardening issue (200 commands a client) is
 *   ORDO_CONCURRENCY_COMMANDS=200 npx vitest run --project server test/hardening/concurrency.test.ts
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, bearer, buildTestApp, call, createUser, login } from '../support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../support/tickets.js';

const CLIENTS = Number(process.env.ORDO_CONCURRENCY_CLIENTS ?? 50);
const COMMANDS = Number(process.env.ORDO_CONCURRENCY_COMMANDS ?? 20);
const TICKETS = Number(process.env.ORDO_CONCURRENCY_TICKETS ?? 10);
/** People behind the clients: agents of the tickets' team (several clients share one person, as tabs do). */
const AGENTS = 10;

let app: FastifyInstance;
let admin: string;
let agents: string[];
let ticketIds: string[];

beforeAll(async () => {
  app = await buildTestApp('hardening_concurrency');
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  const designer = await createUser(app, admin, { username: 'conc.designer', roles: ['designer'] });
  const requester = await createUser(app, admin, { username: 'conc.requester', roles: ['requester'] });
  const people = [];
  for (let index = 0; index < AGENTS; index += 1)
    people.push(await createUser(app, admin, { username: `conc.agent${index}`, roles: ['agent'] }));
  agents = people.map((person) => person.token);
  await createTeam(app, admin, { key: 'it-desk', members: people.map((person) => ({ userId: person.id })) });
  await createTeam(app, admin, {
    key: 'it-ops',
    members: [{ userId: people[0]!.id, skills: { server: 3 } }],
  });
  await publishType(app, designer.token, itIncidentDefinition());
  ticketIds = [];
  for (let index = 0; index < TICKETS; index += 1) {
    const opened = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: {
        type: 'it.incident',
        data: {
          title: `并发 ${index}`,
          service: 'email',
          impact: 'person',
          urgency: 'low',
          description: 'x',
        },
      },
    });
    if (opened.status !== 201) throw new Error(`opening: ${JSON.stringify(opened.body)}`);
    ticketIds.push(String(opened.body.id));
  }
}, 120_000);
afterAll(async () => {
  await app.close();
});

describe(`concurrency: ${CLIENTS} clients × ${COMMANDS} commands on ${TICKETS} tickets`, () => {
  it('no lost update, conflicts answer 409, commits = accepted commands, projections equal their events, chains verify', async () => {
    const commitsBefore = new Map<string, number>();
    for (const id of ticketIds) commitsBefore.set(id, (await app.tickets.events.load(id)).length);

    const accepted = new Map<string, string[]>(ticketIds.map((id) => [id, []]));
    const refused: string[] = [];
    const unexpected: string[] = [];
    let conflicts = 0;

    async function client(index: number): Promise<void> {
      const token = agents[index % agents.length]!;
      // What this client last saw of each ticket; a stale entry is what makes a conflict.
      const seen = new Map<string, number>();
      for (let n = 0; n < COMMANDS; n += 1) {
        const id = ticketIds[(index * 7 + n * 3) % ticketIds.length]!;
        if (!seen.has(id)) {
          const current = await call(app, {
            method: 'GET',
            url: `/api/tickets/${id}`,
            headers: bearer(token),
          });
          seen.set(id, Number(current.body.version));
        }
        const marker = `conc-${index}-${n}`;
        const { status, body } = await call(app, {
          method: 'POST',
          url: `/api/tickets/${id}/commands`,
          headers: bearer(token),
          payload: { command: 'comment', body: marker, visibility: 'public', version: seen.get(id) },
        });
        if (status === 200) {
          accepted.get(id)!.push(marker);
          seen.set(id, Number(body.version));
        } else if (status === 409) {
          conflicts += 1;
          refused.push(marker);
          if (!String(body.type).endsWith('stale-version'))
            unexpected.push(`${marker} → 409 ${JSON.stringify(body)}`);
          seen.set(id, Number(body.currentVersion));
        } else {
          unexpected.push(`${marker} → ${status} ${JSON.stringify(body).slice(0, 200)}`);
        }
      }
    }

    const started = Date.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(index)));
    const seconds = (Date.now() - started) / 1000;
    const acceptedCount = [...accepted.values()].reduce((sum, list) => sum + list.length, 0);
    console.info(
      `concurrency: ${CLIENTS * COMMANDS} commands in ${seconds.toFixed(1)} s — ${acceptedCount} accepted, ${conflicts} conflicts (409)`,
    );

    expect(unexpected).toEqual([]);
    expect(acceptedCount + conflicts).toBe(CLIENTS * COMMANDS);
    // The load really contended: some commands were stale, and many still got through.
    expect(conflicts).toBeGreaterThan(0);
    expect(acceptedCount).toBeGreaterThan(0);

    const refusedMarkers = new Set(refused);
    for (const id of ticketIds) {
      const commits = await app.tickets.events.load(id);
      const markers = commits
        .map((commit) => (commit.payload.command as { body?: string }).body)
        .filter((body): body is string => typeof body === 'string' && body.startsWith('conc-'));
      // Stored commits are exactly the accepted commands: each once, none refused, nothing else.
      expect(commits.length - commitsBefore.get(id)!).toBe(accepted.get(id)!.length);
      expect([...markers].sort()).toEqual([...accepted.get(id)!].sort());
      expect(markers.filter((marker) => refusedMarkers.has(marker))).toEqual([]);
      // Sequence numbers have no gap and no repeat.
      expect(commits.map((commit) => commit.seq)).toEqual(
        commits.map((_, position) => commits[0]!.seq + position),
      );

      // No lost update: the projection holds every accepted comment and equals a rebuild from the commits.
      const rebuilt = await app.tickets.rebuild(id);
      const projected = await app.tickets.tickets.findOne({ _id: id });
      expect(projected?.version).toBe(rebuilt?.version);
      expect(JSON.parse(projected!.state)).toEqual(rebuilt?.state);
      const view = await call(app, {
        method: 'GET',
        url: `/api/tickets/${id}/events`,
        headers: bearer(admin),
      });
      const shown = JSON.stringify(view.body);
      for (const marker of accepted.get(id)!) expect(shown).toContain(`"${marker}"`);

      // The audit chain verifies, in the store and through the API.
      expect((await app.tickets.events.verify(id)).valid).toBe(true);
      const verified = await call(app, {
        method: 'GET',
        url: `/api/tickets/${id}/audit/verify`,
        headers: bearer(admin),
      });
      expect(verified.status).toBe(200);
      expect(verified.body.valid).toBe(true);
    }
  }, 600_000);
});
