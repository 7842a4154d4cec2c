/**
 * A history generator: N realistic tickets made through the real server (`app.inject`), on a manual clock that
 * walks through every action of every ticket in time order — opens from several channels and two ticket types,
 * routing to two teams, first responses early and late, pauses awaiting the customer, transfers, resolutions,
 * reopens, confirmations, ratings, cancellations, tickets left open — with the SLA timer sweep run as time
 * passes, so breaches happen as they would in production.
 *
 * It returns what it did (`HistoryTicket`: every instant and fact), from which tests compute the KPIs on their
 * own and compare them with what the analytics API answers. Seeded: the same seed makes the same history.
 */
import type { FastifyInstance } from 'fastify';
import type { ManualClock } from '../../server/lib/clock.js';
import { ADMIN_PASSWORD, bearer, call, createUser, login, type CreatedUser } from './server-app.js';
import { createTeam, itIncidentDefinition, publishType } from './tickets.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A small seeded generator (mulberry32): histories are reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded choices over `seeded`: a number, one item, or a few distinct items (at most `most`). */
export function seededChoices(seed: number) {
  const next = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const some = <T>(items: readonly T[], most: number): T[] => {
    const count = Math.floor(next() * (most + 1));
    return [...new Set(Array.from({ length: count }, () => pick(items)))];
  };
  return { next, pick, some };
}

type Rating = 'satisfied' | 'neutral' | 'dissatisfied';

/** One ticket as the generator made it. Instants are epoch milliseconds. */
export interface HistoryTicket {
  id: string;
  number: string;
  type: string;
  category: string;
  channel: string;
  priority: string;
  team: string | null;
  assignee: string | null;
  /** Every assignee it had, in order. */
  assignees: string[];
  createdAt: number;
  firstResponseAt?: number;
  /** The last resolution, if it is resolved or closed now. */
  resolvedAt?: number;
  cancelledAt?: number;
  /** Intervals the resolution clock ran: from creation (or a resume, or a reopen) to a pause, resolve or cancel. */
  runs: { from: number; to?: number }[];
  reopenCount: number;
  transferCount: number;
  rating?: Rating;
  status: string;
}

export interface History {
  tickets: HistoryTicket[];
  /** The clock when the history ended (every timer due by then has fired). */
  now: number;
  admin: string;
  supervisor: CreatedUser;
  agents: CreatedUser[];
  teams: Record<string, string[]>;
}

export interface HistoryOptions {
  tickets: number;
  seed?: number;
  /** First instant of the history (default Monday 2026-11-02 08:00 in Shanghai). */
  start?: number;
  /** Days the opens are spread over (default 14). */
  days?: number;
}

interface Action {
  at: number;
  ticket: number;
  run: () => Promise<void>;
}

/** The IT incident type as shipped, without its breach reassignment (it would move tickets between teams). */
function incidentType(key: string, category: string, prefix: string): Record<string, unknown> {
  const definition = itIncidentDefinition();
  const sla = definition.sla as { escalations: { do: Record<string, unknown>[] }[] };
  sla.escalations = sla.escalations.filter((escalation) =>
    escalation.do.every((step) => !('reassign' in step) && !('raisePriority' in step)),
  );
  return {
    ...definition,
    key,
    category,
    numberFormat: `${prefix}-{yyyy}-{seq:6}`,
    name: { 'zh-CN': `${key} 工单`, en: `${key} tickets` },
  };
}

const SERVICES = ['email', 'vpn', 'erp', 'printer', 'other', 'server', 'network'] as const;
const IMPACTS = ['person', 'team', 'company'] as const;
const URGENCIES = ['low', 'medium', 'high'] as const;

export async function generateHistory(
  app: FastifyInstance,
  clock: ManualClock,
  options: HistoryOptions,
): Promise<History> {
  const random = seeded(options.seed ?? 7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;
  const start = options.start ?? Date.parse('2026-11-02T08:00:00+08:00');
  clock.set(start - HOUR);

  let admin = await login(app, 'admin', ADMIN_PASSWORD);
  const people: CreatedUser[] = [];
  const person = async (username: string, roles: string[]) => {
    const user = await createUser(app, admin, { username, roles });
    people.push(user);
    return user;
  };
  const supervisor = await person('history.lead', ['agent']);
  const desk = [await person('history.desk1', ['agent']), await person('history.desk2', ['agent'])];
  const ops = [await person('history.ops1', ['agent']), await person('history.ops2', ['agent'])];
  const requesters = [
    await person('history.req1', ['requester']),
    await person('history.req2', ['requester']),
    await person('history.req3', ['requester']),
  ];
  await createTeam(app, admin, {
    key: 'it-ops',
    supervisor: supervisor.id,
    members: [
      { userId: ops[0]!.id, skills: { server: 3, network: 3 } },
      { userId: ops[1]!.id, skills: { server: 3, network: 3 } },
    ],
  });
  await createTeam(app, admin, {
    key: 'it-desk',
    supervisor: supervisor.id,
    members: desk.map((agent) => ({ userId: agent.id })),
  });
  const designer = await person('history.designer', ['designer']);
  const types = [
    { key: 'it.incident', category: 'it' },
    { key: 'facility.issue', category: 'admin' },
  ];
  await publishType(app, designer.token, incidentType('it.incident', 'it', 'INC'));
  await publishType(app, designer.token, incidentType('facility.issue', 'admin', 'FAC'));

  const byId = new Map(people.map((user) => [user.id, user]));
  // Sessions last 12 hours of the clock: a person signs in again before acting once theirs is 10 hours old —
  // only the people who act, when they act (a sign-in is several writes; signing everyone in each time cost more
  // than the tickets).
  const signedInAt = new Map(people.map((user) => [user, clock.now()]));
  const ready = async (user: CreatedUser): Promise<CreatedUser> => {
    if (clock.now() - signedInAt.get(user)! > 10 * HOUR) {
      user.token = await login(app, user.username, user.password);
      signedInAt.set(user, clock.now());
    }
    return user;
  };
  const signInAgain = async () => {
    admin = await login(app, 'admin', ADMIN_PASSWORD);
    for (const user of people) {
      user.token = await login(app, user.username, user.password);
      signedInAt.set(user, clock.now());
    }
  };

  const tickets: HistoryTicket[] = [];
  const versions: number[] = [];
  const actions: Action[] = [];
  const spread = (options.days ?? 14) * 24 * HOUR;
  const minutes = (low: number, high: number) =>
    Math.round((low + random() * (high - low)) * MINUTE) + 17_000;

  const apply = (index: number, body: Record<string, unknown>) => {
    const ticket = tickets[index]!;
    versions[index] = Number(body.version);
    ticket.status = (body.status as { category: string }).category;
    ticket.team = (body.team as string | null) ?? null;
    ticket.priority = String(body.priority);
    const assignee = (body.assignee as string | null) ?? null;
    if (assignee && ticket.assignees[ticket.assignees.length - 1] !== assignee)
      ticket.assignees.push(assignee);
    ticket.assignee = assignee;
  };
  const command = async (index: number, actor: CreatedUser, body: Record<string, unknown>) => {
    const ticket = tickets[index]!;
    const user = await ready(actor);
    const send = () =>
      call(app, {
        method: 'POST',
        url: `/api/tickets/${ticket.id}/commands`,
        headers: bearer(user.token),
        payload: { version: versions[index], ...body },
      });
    let answer = await send();
    if (answer.status === 409 && typeof answer.body.currentVersion === 'number') {
      // The timer sweep moved the ticket on (an SLA warning, an automatic close): act on what it is now.
      versions[index] = answer.body.currentVersion;
      answer = await send();
    }
    if (answer.status !== 200)
      throw new Error(`${String(body.command)} on ${ticket.number}: ${JSON.stringify(answer.body)}`);
    apply(index, answer.body);
  };
  const worker = (index: number) => byId.get(tickets[index]!.assignee ?? '') ?? supervisor;

  for (let index = 0; index < options.tickets; index++) {
    const openedAt = start + Math.round((index / options.tickets) * spread) + minutes(0, 50);
    const type = pick(types);
    const requester = pick(requesters);
    const channel = pick(['web', 'web', 'portal', 'phone', 'email'] as const);
    const service = pick(SERVICES);
    const data: Record<string, unknown> = {
      title: `${service} 故障 #${index + 1}`,
      description: '生成的历史工单',
      service,
      impact: pick(IMPACTS),
      urgency: pick(URGENCIES),
      ...(service === 'server' ? { hostname: `srv-${index}` } : {}),
    };
    actions.push({
      at: openedAt,
      ticket: index,
      run: async () => {
        const staffOpen = channel === 'phone' || channel === 'email';
        const opener = await ready(staffOpen ? supervisor : requester);
        const opened = await call(app, {
          method: 'POST',
          url: '/api/tickets',
          headers: bearer(opener.token),
          payload: { type: type.key, data, channel, ...(staffOpen ? { requester: requester.id } : {}) },
        });
        if (opened.status !== 201) throw new Error(`open: ${JSON.stringify(opened.body)}`);
        tickets[index] = {
          id: String(opened.body.id),
          number: String(opened.body.number),
          type: type.key,
          category: type.category,
          channel,
          priority: String(opened.body.priority),
          team: null,
          assignee: null,
          assignees: [],
          createdAt: clock.now(),
          runs: [{ from: clock.now() }],
          reopenCount: 0,
          transferCount: 0,
          status: 'new',
        };
        apply(index, opened.body);
      },
    });
    const ticket = () => tickets[index]!;
    const stop = (at: number) => {
      const last = ticket().runs[ticket().runs.length - 1]!;
      if (last.to === undefined) last.to = at;
    };
    // Some tickets are never answered (the backlog), a few are cancelled, most are worked.
    if (chance(0.1)) continue;
    if (chance(0.05)) {
      actions.push({
        at: openedAt + minutes(5, 120),
        ticket: index,
        run: async () => {
          await command(index, worker(index), { command: 'cancel', reason: '重复提交' });
          ticket().cancelledAt = clock.now();
          stop(clock.now());
        },
      });
      continue;
    }
    // First response: usually within minutes, sometimes hours late (a breach for urgent and high).
    let at = openedAt + (chance(0.75) ? minutes(3, 50) : minutes(90, 600));
    actions.push({
      at,
      ticket: index,
      run: async () => {
        await command(index, worker(index), {
          command: 'comment',
          body: '已收到，正在处理',
          visibility: 'public',
        });
        ticket().firstResponseAt = clock.now();
      },
    });
    if (chance(0.25)) {
      at += minutes(10, 60);
      actions.push({
        at,
        ticket: index,
        run: async () => {
          await command(index, worker(index), { command: 'set-status', status: 'awaiting-customer' });
          stop(clock.now());
        },
      });
      at += minutes(30, 900);
      actions.push({
        at,
        ticket: index,
        run: async () => {
          await command(index, worker(index), { command: 'set-status', status: 'in-progress' });
          ticket().runs.push({ from: clock.now() });
        },
      });
    }
    if (chance(0.2)) {
      at += minutes(5, 90);
      actions.push({
        at,
        ticket: index,
        run: async () => {
          const team = ticket().team === 'it-ops' ? ops : desk;
          const other = team.find((agent) => agent.id !== ticket().assignee) ?? team[0]!;
          await command(index, worker(index), {
            command: 'transfer',
            assignee: other.id,
            reason: '转给同事处理',
          });
          ticket().transferCount += 1;
        },
      });
    }
    if (chance(0.15)) continue; // worked, still open
    const resolve = (after: number) => {
      at += after;
      actions.push({
        at,
        ticket: index,
        run: async () => {
          await command(index, worker(index), { command: 'resolve', comment: '已处理' });
          ticket().resolvedAt = clock.now();
          stop(clock.now());
        },
      });
    };
    resolve(chance(0.7) ? minutes(20, 240) : minutes(300, 4000));
    const requesterOf = () => requester;
    if (chance(0.15)) {
      at += minutes(20, 300);
      actions.push({
        at,
        ticket: index,
        run: async () => {
          await command(index, requesterOf(), { command: 'reopen', reason: '问题又出现了' });
          ticket().reopenCount += 1;
          ticket().resolvedAt = undefined;
          ticket().runs.push({ from: clock.now() });
        },
      });
      resolve(minutes(30, 600));
    }
    if (chance(0.7)) {
      at += minutes(10, 600);
      actions.push({
        at,
        ticket: index,
        run: () => command(index, requesterOf(), { command: 'confirm' }),
      });
      if (chance(0.8)) {
        const rating = pick(['satisfied', 'satisfied', 'satisfied', 'neutral', 'dissatisfied'] as const);
        at += minutes(1, 120);
        actions.push({
          at,
          ticket: index,
          run: async () => {
            await command(index, requesterOf(), { command: 'rate', rating });
            ticket().rating = rating;
          },
        });
      }
    }
  }

  actions.sort((a, b) => a.at - b.at || a.ticket - b.ticket);
  const sweep = async () => {
    while ((await app.ticketJobs.fireDueTimers(clock.now())) > 0) {
      // every due timer fires before the next action
    }
  };
  for (const action of actions) {
    clock.set(action.at);
    await sweep();
    await action.run();
  }
  clock.set(Math.max(clock.now(), start + spread) + 2 * HOUR);
  await signInAgain();
  await sweep();
  return {
    tickets,
    now: clock.now(),
    admin,
    supervisor,
    agents: [...desk, ...ops],
    teams: { 'it-desk': desk.map((agent) => agent.id), 'it-ops': ops.map((agent) => agent.id) },
  };
}
