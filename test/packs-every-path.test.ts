import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../server/lib/clock.js';
import type { PackTicketType } from '../templates/pack-loader.js';
import {
  installPacks,
  sampleData,
  shippedPacks,
  staffPacks,
  withUploads,
  type PackStaff,
} from './support/packs.js';
import { ADMIN_PASSWORD, bearer, buildTestApp, call, login, type CreatedUser } from './support/server-app.js';

/**
 * Every ticket type of every shipped pack, driven to its end along each of its paths, through the HTTP API, by the
 * people its flow names acting for themselves: the requester opens, confirms, replies and reopens; the requester's
 * manager (an agent in no team) and each team's member approve, reject, send back and finish their steps —
 * whatever team the ticket sits in. Nobody signs in as the admin after the packs are installed and staffed; the
 * clock only moves for the flow's own timers (waits, reply time-outs, confirmation auto-close).
 *
 * Paths: at every point where the flow waits for someone, each of the choices that person has (approve / reject /
 * send back, each outcome of a task, confirm / reopen / let it auto-close, reply / let it time out) is a branch.
 * The first sample of a type is walked along every branch (a depth-first walk, opening one ticket per path); the
 * other samples — which take the data-driven gateway branches — along their first path, and along any branch not
 * yet taken by an earlier path. A choice that loops back (send back, reopen, "not effective") is taken at most once
 * on a path, so every path ends. Then every edge of the flow must have been traversed (`step.entered` events), and
 * every path must have ended closed or cancelled.
 *
 * Paths may be walked a few at a time (ORDO_PACK_PATH_LANES), each on a ticket of its own. The clock is the app's, so one path's
 * timers move it for all: another ticket's SLA steps then fire when its own path next lets time pass.
 */

const START = Date.parse('2026-03-04T01:30:00.000Z'); // Wednesday 09:30 Asia/Shanghai
const MAX_ACTIONS = 40;
const MAX_PATHS_PER_TYPE = 120;
/** Paths of one type walked at once, each on its own ticket (1: one after another; more gained nothing on two cores). */
const LANES = Number(process.env.ORDO_PACK_PATH_LANES ?? 1);

const packs = await shippedPacks();
const clock = new ManualClock(START);
let app: FastifyInstance;
let staff: PackStaff;
let adminId: string;
const people = new Map<string, CreatedUser>();

beforeAll(async () => {
  app = await buildTestApp('packs_every_path', { clock });
  await app.ready();
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  await installPacks(
    app,
    admin,
    packs.map((pack) => pack.manifest.id),
  );
  staff = await staffPacks(app, admin, packs, 'ep');
  const me = await call(app, { method: 'GET', url: '/api/me', headers: bearer(admin) });
  adminId = String(me.body.id);
  for (const person of [
    staff.requester,
    staff.manager,
    ...Object.values(staff.members),
    ...Object.values(staff.placeholders),
  ])
    people.set(person.id, person);
}, 300_000);

afterAll(async () => {
  await app?.close();
});

interface FlowNode {
  id: string;
  type: string;
  data?: Record<string, unknown>;
}
interface FlowEdge {
  id: string;
  source: string;
  target: string;
}
interface View {
  id: string;
  version: number;
  status: { category: string; key: string };
  team: string | null;
  assignee: string | null;
  tokens: { nodeId: string; waitingFor?: { kind: string; at?: number } }[];
  steps: { nodeId: string; kind: string; status: string; assignee?: string; team?: string; from?: string }[];
  approvals: Record<
    string,
    {
      mode: string;
      result?: string;
      approvers: {
        slot: { kind: string; userId?: string; team?: string; role?: string };
        decision?: string;
      }[];
    }
  >;
  allowedCommands: string[];
}

/** One place the flow waits at, with the choices its people have there. */
interface Point {
  nodeId: string;
  options: string[];
}

interface PathResult {
  /** The choice made at each point, and how many there were. */
  choices: { point: Point; chosen: number; offered: string[] }[];
  edges: Set<string>;
  final: string;
  actors: Set<string>;
}

/**
 * A call as `who`; when the flow's timers moved the clock past their session's 12 hours, they sign in again (as a
 * person coming back to work would) and the call is made once more. Paths walked at once share one sign-in per
 * person: a lane whose token was replaced meanwhile just uses the new one.
 */
const signingIn = new Map<CreatedUser, Promise<void>>();
async function as(who: CreatedUser, options: { method: 'GET' | 'POST'; url: string; payload?: unknown }) {
  for (let attempt = 0; ; attempt++) {
    const token = who.token;
    const answer = await call(app, { ...options, headers: bearer(token) } as never);
    if (answer.status !== 401 || attempt >= 3) return answer;
    await signInAgain(who, token);
  }
}

/** `who` signs in again unless another lane already replaced `stale` (one sign-in at a time per person). */
async function signInAgain(who: CreatedUser, stale: string): Promise<void> {
  if (who.token !== stale) return;
  let signIn = signingIn.get(who);
  if (!signIn) {
    signIn = login(app, who.username, who.password)
      .then((fresh) => {
        who.token = fresh;
      })
      .finally(() => signingIn.delete(who));
    signingIn.set(who, signIn);
  }
  await signIn;
}

/** The sample's files uploaded by the requester (signing in again when another path's timers ended the session). */
async function uploadsFor(data: Record<string, unknown>): Promise<Record<string, unknown>> {
  for (let attempt = 0; ; attempt++) {
    const token = staff.requester.token;
    try {
      return await withUploads(app, staff.requester, data);
    } catch (error) {
      if (attempt >= 3 || !/: 401 /.test(String(error))) throw error;
      await signInAgain(staff.requester, token);
    }
  }
}

const get = (who: CreatedUser, url: string) => as(who, { method: 'GET', url });

async function viewAs(who: CreatedUser, id: string): Promise<View> {
  const seen = await get(who, `/api/tickets/${id}`);
  expect(seen.status, `${who.username} reads ${id}: ${JSON.stringify(seen.body)}`).toBe(200);
  return seen.body as unknown as View;
}

async function act(who: CreatedUser, id: string, body: Record<string, unknown>, why: string): Promise<void> {
  const view = await viewAs(who, id);
  expect(view.allowedCommands, `${why}: ${who.username} may ${String(body.command)}`).toContain(body.command);
  const done = await as(who, {
    method: 'POST',
    url: `/api/tickets/${id}/commands`,
    payload: { version: view.version, ...body },
  });
  expect(done.status, `${why}: ${who.username} ${JSON.stringify(body)} → ${JSON.stringify(done.body)}`).toBe(
    200,
  );
}

function person(id: string | undefined, why: string): CreatedUser {
  const found = id === undefined ? undefined : people.get(id);
  if (!found)
    throw new Error(`${why}: the flow names ${id ?? 'nobody'}, who is not one of the test's people`);
  return found;
}

function memberOf(team: string | undefined | null, why: string): CreatedUser {
  const member = team ? staff.members[team] : undefined;
  if (!member) throw new Error(`${why}: no member in team ${team ?? '(none)'}`);
  return member;
}

function pendingApprovers(view: View, nodeId: string) {
  const approval = view.approvals[nodeId]!;
  const pending = approval.approvers.filter((record) => record.decision === undefined);
  return approval.mode === 'sequential' ? pending.slice(0, 1) : pending;
}

function approverPerson(slot: { kind: string; userId?: string; team?: string; role?: string }, why: string) {
  if (slot.kind === 'user') return person(slot.userId, why);
  if (slot.kind === 'team') return memberOf(slot.team, why);
  throw new Error(`${why}: an approver by role (${slot.role ?? ''}) has nobody but admins`);
}

function taskWorker(view: View, nodeId: string, why: string): CreatedUser {
  const step = view.steps.find((candidate) => candidate.nodeId === nodeId)!;
  if (step.assignee) return person(step.assignee, why);
  if (step.team) return memberOf(step.team, why);
  if (view.assignee) return person(view.assignee, why);
  return memberOf(view.team, why);
}

/** Values for a step's own fields, as the person working it would fill them. */
function stepData(type: PackTicketType, nodeId: string, who: CreatedUser): Record<string, unknown> {
  const form = type.definition.form as {
    schema: { properties: Record<string, Record<string, unknown>> };
    steps?: Record<string, { fields?: { field: string }[] }>;
  };
  const data: Record<string, unknown> = {};
  for (const { field } of form.steps?.[nodeId]?.fields ?? []) {
    const schema = form.schema.properties[field] ?? {};
    if (Array.isArray(schema.enum)) data[field] = schema.enum[0];
    else if (schema.type === 'boolean') data[field] = true;
    else if (schema.type === 'number' || schema.type === 'integer')
      data[field] = typeof schema.minimum === 'number' ? schema.minimum + 1 : 1;
    else if (schema.type === 'string')
      data[field] = schema.format === 'email' ? `${who.username}@example.com` : `by ${who.username}`;
  }
  return data;
}

/** The places the flow waits at now, in node order, with the choices there. */
function pointsOf(view: View, nodes: Map<string, FlowNode>): Point[] {
  const points: Point[] = [];
  for (const token of [...view.tokens].sort((a, b) => a.nodeId.localeCompare(b.nodeId))) {
    const node = nodes.get(token.nodeId)!;
    const waiting = token.waitingFor?.kind;
    if (waiting === undefined || waiting === 'join') continue;
    if (waiting === 'approval') {
      const options = ['approve', 'reject'];
      const config = node.data ?? {};
      const step = view.steps.find((candidate) => candidate.nodeId === node.id);
      if (config.allowSendBack !== false && step && earlierHumanStep(view, node.id) !== undefined)
        options.push('send-back');
      points.push({ nodeId: node.id, options });
    } else if (waiting === 'task') {
      const outcomes = (node.data?.outcomes as string[] | undefined) ?? ['done'];
      points.push({ nodeId: node.id, options: outcomes.length ? outcomes : ['done'] });
    } else if (waiting === 'confirm') {
      points.push({ nodeId: node.id, options: ['confirm', 'reopen', 'auto-close'] });
    } else if (waiting === 'reply') {
      points.push({ nodeId: node.id, options: token.waitingFor?.at ? ['reply', 'time-out'] : ['reply'] });
    } else if (waiting === 'timer') {
      points.push({ nodeId: node.id, options: ['time-passes'] });
    } else {
      throw new Error(`unexpected wait ${waiting} at ${node.id}`);
    }
  }
  return points;
}

/** The most recent task or approval before `nodeId` on the path taken (where a send-back returns to). */
function earlierHumanStep(view: View, nodeId: string): string | undefined {
  const byNode = new Map(view.steps.map((step) => [step.nodeId, step]));
  const seen = new Set([nodeId]);
  for (let current = byNode.get(nodeId)?.from; current !== undefined && !seen.has(current);) {
    seen.add(current);
    const step = byNode.get(current);
    if (step && (step.kind === 'task' || step.kind === 'approval')) return current;
    current = step?.from;
  }
  return undefined;
}

/** Move the clock past the instant a timer waits for, and let the timer sweep fire what is due. */
async function timePasses(id: string, at: number | undefined): Promise<void> {
  clock.set(Math.max(clock.now(), (at ?? clock.now()) + 60_000));
  await app.ticketJobs.fireDueTimers(clock.now(), id);
}

async function perform(type: PackTicketType, view: View, point: Point, option: string): Promise<void> {
  const id = view.id;
  const why = `${type.key} ${point.nodeId} ${option}`;
  const token = view.tokens.find((candidate) => candidate.nodeId === point.nodeId)!;
  switch (token.waitingFor!.kind) {
    case 'approval': {
      if (option === 'approve') {
        // Every approver still awaited approves, each for themself (all-of and sequential ask several).
        for (let round = 0; round < 10; round++) {
          const current = await viewAs(staff.requester, id);
          if (current.approvals[point.nodeId]?.result !== undefined) return;
          if (!current.tokens.some((candidate) => candidate.nodeId === point.nodeId)) return;
          const [first] = pendingApprovers(current, point.nodeId);
          if (!first) return;
          await act(approverPerson(first.slot, why), id, { command: 'approve', nodeId: point.nodeId }, why);
        }
        throw new Error(`${why}: the approval never completed`);
      }
      const [first] = pendingApprovers(view, point.nodeId);
      const approver = approverPerson(first!.slot, why);
      if (option === 'reject')
        await act(approver, id, { command: 'reject', nodeId: point.nodeId, comment: 'Not this time' }, why);
      else
        await act(
          approver,
          id,
          {
            command: 'send-back',
            nodeId: point.nodeId,
            to: earlierHumanStep(view, point.nodeId),
            comment: 'Please look again',
          },
          why,
        );
      return;
    }
    case 'task': {
      const worker = taskWorker(view, point.nodeId, why);
      const data = stepData(type, point.nodeId, worker);
      await act(
        worker,
        id,
        {
          command: 'complete-step',
          nodeId: point.nodeId,
          outcome: option,
          ...(Object.keys(data).length ? { data } : {}),
        },
        why,
      );
      return;
    }
    case 'confirm':
      if (option === 'confirm') await act(staff.requester, id, { command: 'confirm' }, why);
      else if (option === 'reopen')
        await act(staff.requester, id, { command: 'reopen', reason: 'Still not working' }, why);
      else await timePasses(id, token.waitingFor!.at);
      return;
    case 'reply':
      if (option === 'reply')
        await act(staff.requester, id, { command: 'reply-received', body: 'Here it is' }, why);
      else await timePasses(id, token.waitingFor!.at);
      return;
    case 'timer':
      await timePasses(id, token.waitingFor!.at);
      return;
  }
}

async function walk(type: PackTicketType, sampleIndex: number, plan: number[]): Promise<PathResult> {
  const nodes = new Map((type.definition.flow as { nodes: FlowNode[] }).nodes.map((node) => [node.id, node]));
  const sample = type.samples[sampleIndex]!;
  const opened = await as(staff.requester, {
    method: 'POST',
    url: '/api/tickets',
    payload: {
      type: type.key,
      data: await uploadsFor(sampleData(staff, sample.data)),
      ...(sample.channel ? { channel: sample.channel } : {}),
    },
  });
  expect(opened.status, `${type.key} sample ${sampleIndex}: ${JSON.stringify(opened.body)}`).toBe(201);
  const id = String(opened.body.id);
  const choices: PathResult['choices'] = [];
  const taken = new Set<string>();
  let view = await viewAs(staff.requester, id);
  for (let action = 0; !['closed', 'cancelled'].includes(view.status.category); action++) {
    if (action >= MAX_ACTIONS) throw new Error(`${type.key}: no end after ${MAX_ACTIONS} actions`);
    const [point] = pointsOf(view, nodes);
    if (!point) throw new Error(`${type.key} ${id}: stuck in ${view.status.key} with nobody to act`);
    // A choice already made on this path is not offered again while another is left (so loops end).
    const fresh = point.options.filter((option) => !taken.has(`${point.nodeId}:${option}`));
    const offered = fresh.length ? fresh : point.options.slice(0, 1);
    const chosen = Math.min(plan[choices.length] ?? 0, offered.length - 1);
    choices.push({ point, chosen, offered });
    taken.add(`${point.nodeId}:${offered[chosen]!}`);
    await perform(type, view, point, offered[chosen]!);
    view = await viewAs(staff.requester, id);
  }
  const events = await get(staff.requester, `/api/tickets/${id}/events`);
  const edges = new Set<string>();
  const actors = new Set<string>();
  for (const commit of events.body.items as {
    actor: { id: string };
    events: { type: string; data: { edgeId?: string } }[];
  }[]) {
    actors.add(commit.actor.id);
    for (const event of commit.events)
      if (event.type === 'step.entered' && event.data.edgeId) edges.add(event.data.edgeId);
  }
  return { choices, edges, final: view.status.category, actors };
}

/**
 * Walk every path of `type`'s sample `sampleIndex` (`plan` prefixes from a depth-first search), LANES paths at
 * once — each its own ticket, so they do not meet; `onPath` is told of each path as it ends and returns the plans
 * to walk next.
 */
async function walkAll(
  type: PackTicketType,
  sampleIndex: number,
  onPath: (plan: number[], result: PathResult) => number[][],
): Promise<void> {
  const pending: number[][] = [[]];
  let walking = 0;
  let wake: (() => void)[] = [];
  const lane = async (): Promise<void> => {
    for (;;) {
      const plan = pending.pop();
      if (!plan) {
        // Nothing to walk now: done when no path is under way, else wait for one to end (it may branch).
        if (walking === 0) return;
        await new Promise<void>((resolve) => wake.push(resolve));
        continue;
      }
      walking += 1;
      try {
        pending.push(...onPath(plan, await walk(type, sampleIndex, plan)));
      } finally {
        walking -= 1;
        const waiting = wake;
        wake = [];
        for (const resolve of waiting) resolve();
      }
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
}

describe.each(packs.map((pack) => [pack.manifest.id, pack] as const))('pack %s', (_id, pack) => {
  it.each(pack.ticketTypes.map((type) => [type.key, type] as const))(
    '%s: every path to its end, each person acting for themself',
    async (_key, type) => {
      const edges = new Set<string>();
      const covered = new Set<string>();
      const finals = new Map<string, number>();
      const actors = new Set<string>();
      let paths = 0;
      for (let sampleIndex = 0; sampleIndex < type.samples.length; sampleIndex++) {
        await walkAll(type, sampleIndex, (plan, result) => {
          paths += 1;
          expect(paths, `${type.key}: more than ${MAX_PATHS_PER_TYPE} paths`).toBeLessThanOrEqual(
            MAX_PATHS_PER_TYPE,
          );
          for (const edge of result.edges) edges.add(edge);
          for (const actor of result.actors) actors.add(actor);
          finals.set(result.final, (finals.get(result.final) ?? 0) + 1);
          const next: number[][] = [];
          result.choices.forEach(({ point, chosen, offered }, index) => {
            covered.add(`${point.nodeId}:${offered[chosen]!}`);
            if (index < plan.length) return;
            const prefix = result.choices.slice(0, index).map((choice) => choice.chosen);
            for (let alternative = offered.length - 1; alternative > chosen; alternative--) {
              const key = `${point.nodeId}:${offered[alternative]!}`;
              // Later samples only branch where no earlier path went.
              if (sampleIndex > 0 && covered.has(key)) continue;
              if (sampleIndex > 0) covered.add(key);
              next.push([...prefix, alternative]);
            }
          });
          return next;
        });
      }
      const flowEdges = (type.definition.flow as { edges: FlowEdge[] }).edges;
      const missed = flowEdges.filter((edge) => !edges.has(edge.id));
      expect(
        missed.map((edge) => `${edge.id} (${edge.source} → ${edge.target})`),
        `${type.key}: edges no path took`,
      ).toEqual([]);
      expect([...finals.keys()].every((final) => final === 'closed' || final === 'cancelled')).toBe(true);
      expect(actors.has(adminId)).toBe(false);
      expect(paths).toBeGreaterThanOrEqual(2);
    },
    600_000,
  );
});
