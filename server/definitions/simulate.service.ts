/**
 * Dry-run a ticket type on sample tickets: what the engine would decide when each is opened — route, priority,
 * assignment, SLA due instants — and the path through the flow. A sample may script the decision taken at each
 * waiting step (`decisions: { "<nodeId>": "approve" | "<outcome>" | … }`, or `autoDecide` for every step without
 * one): the simulation then goes on through approvals, tasks, confirmations and timers, deciding with the
 * engine's own commands, to the end or to the next step nobody decided. Everything runs in memory on the engine's
 * `decide`; nothing is written (no ticket, no counter, no round-robin turn).
 */
import type { Connection } from 'mongoose';
import type { Explanation, Instant, LocalizedText, Problem } from '../../runtime/common/types.js';
import {
  decide,
  type Command,
  type EngineActor,
  type EngineDefinition,
  type TeamState,
  type TicketEvent,
  type TicketState,
} from '../../runtime/engine/index.js';
import { nodeOutcomes } from '../../runtime/flow/registry.js';
import type { WaitingFor } from '../../runtime/flow/types.js';
import {
  tryCompileCalendar,
  type BusinessCalendar,
  type BusinessCalendarDefinition,
} from '../../runtime/time/index.js';
import { teamModel } from '../models/team.model.js';
import { definitionSha256, parseDefinitionText } from './definition-json.js';
import { freezeDefinition } from './definition-refs.js';
import { previewSla, type SlaPreview } from './sla-preview.js';
import { ticketTypes } from './ticket-type.model.js';
import { getVersion, validateSource } from './ticket-types.service.js';
import { notFound } from '../lib/problem.js';

export const MAX_SAMPLES = 50;
/** Decisions one sample may take before the simulation stops (a scripted reopen or send-back can loop). */
export const MAX_DECISIONS = 60;

/**
 * A decision scripted for a waiting step: one for every time the step asks, or a list taken in order (each
 * approver of an all-of approval is one; once the list is used up the step waits).
 * approval `approve` | `reject`; task one of its outcomes; confirm `confirm` | `reopen` | `auto-close`;
 * wait `timer` | `reply`; action waiting for a sub-ticket `finished`.
 */
export type ScriptedDecision = string | string[];

export interface SimulationSample {
  data: Record<string, unknown>;
  requester?: Record<string, unknown>;
  channel?: string;
  openedAt?: string;
  title?: string;
  decisions?: Record<string, ScriptedDecision>;
  /** Steps with no scripted decision take their first choice (approve, first outcome, confirm, timer fires). */
  autoDecide?: boolean;
}

interface PathStep {
  nodeId: string;
  kind: string;
  name?: LocalizedText;
  status?: string;
  outcome?: string;
  result?: string;
  assignee?: string;
  team?: string;
  /** The edge the ticket came in by. */
  edgeId?: string;
  /** What was decided here on this visit: the approval result, the outcome, the gateway's branch… */
  decision?: string;
  /** Who decided it: the sample's script, `autoDecide`, or a gateway's conditions. */
  decidedBy?: 'script' | 'auto' | 'gateway';
  /** For gateways: the branch taken was the default one. */
  defaultBranch?: boolean;
}

interface WaitingPoint {
  nodeId: string;
  kind: string;
  name?: LocalizedText;
  waitingFor: string;
  assignee?: string;
  team?: string;
  explanation?: Explanation;
  /** What the sample could script here to go on (empty while a join waits for its other branches). */
  choices: string[];
}

export interface SimulatedSample {
  index: number;
  title?: string;
  openedAt: string;
  ok: boolean;
  error?: { code: string; field?: string; message: LocalizedText };
  route?: {
    ruleId: string;
    team?: string;
    strategy?: string;
    skills?: unknown[];
    explanation: Explanation;
  };
  priority?: { value: string; explanation?: Explanation };
  assignment?: { team?: string; assignee?: string; explanation?: Explanation };
  sla?: SlaPreview;
  path?: {
    steps: PathStep[];
    /** Edges taken, in order. */
    edges: string[];
    waitingAt: WaitingPoint[];
    status: { category: string; key: string };
    ended: boolean;
    events: string[];
    /** Decisions taken (scripted or automatic), in order. */
    decisions: { nodeId: string; decision: string; by: 'script' | 'auto' }[];
    /** A decision the engine refused: the simulation stopped there. */
    refused?: { nodeId: string; decision: string; code: string; message: LocalizedText };
    /** True when MAX_DECISIONS were taken and the flow had not ended. */
    limitReached?: boolean;
  };
}

export interface SimulationResult {
  /** `draft`, or the version simulated. */
  source: number | 'draft';
  /** What validation finds in the simulated definition; samples run anyway, so rules can be tried early. */
  problems: Problem[];
  samples: SimulatedSample[];
}

/** The frozen definition to simulate: a published version, or the draft frozen as publishing would freeze it. */
async function definitionToSimulate(
  db: Connection,
  key: string,
  version: number | undefined,
): Promise<{ frozen: Record<string, unknown>; problems: Problem[] }> {
  if (version !== undefined) return { frozen: (await getVersion(db, key, version)).definition, problems: [] };
  const type = await ticketTypes(db).findOne({ _id: key });
  if (!type) throw notFound(`Ticket type ${key}`);
  const report = await validateSource(db, parseDefinitionText(type.draft));
  return { frozen: await freezeDefinition(db, report.resolved), problems: report.problems };
}

/**
 * The engine prepares a definition's rules once per (key, version) in a process-wide cache, which is right for
 * frozen versions. A draft changes under the same key, so it gets a version of its own content: negative, so it
 * never meets a published version's rules, and new whenever the draft changes.
 */
function draftRuleVersion(frozen: Record<string, unknown>): number {
  return -Number.parseInt(definitionSha256(frozen).slice(0, 12), 16);
}

function compileEmbeddedCalendars(frozen: Record<string, unknown>): Record<string, BusinessCalendar> {
  const embedded = (frozen.calendars ?? {}) as Record<string, BusinessCalendarDefinition>;
  const compiled: Record<string, BusinessCalendar> = {};
  for (const [key, definition] of Object.entries(embedded)) {
    const result = tryCompileCalendar(definition);
    if (result.ok) compiled[key] = result.value;
  }
  return compiled;
}

/**
 * Teams as assignment sees them, read-only. Open-ticket counts are not looked up (a simulation must not depend on
 * today's queue), so least-loaded picks among equals, and round-robin starts from the first member.
 */
async function loadTeamStates(db: Connection): Promise<Record<string, TeamState>> {
  const teams = await teamModel(db).find({}).lean();
  const states: Record<string, TeamState> = {};
  for (const team of teams) {
    const state = {
      key: team.key,
      cursor: 0,
      members: team.members.map((member) => ({
        userId: String(member.userId),
        skills: member.skills ?? {},
        openTickets: 0,
        ...(member.capacity === undefined ? {} : { capacity: member.capacity }),
        ...(member.awayUntil === undefined ? {} : { awayUntil: member.awayUntil.getTime() }),
      })),
      ...(team.supervisor === undefined ? {} : { supervisor: String(team.supervisor) }),
      ...(team.backupTeam === undefined ? {} : { backupTeam: team.backupTeam }),
    };
    states[team.key] = state;
  }
  return states;
}

export async function simulateTicketType(
  db: Connection,
  key: string,
  input: { version?: number; samples: SimulationSample[] },
  options: { now: Instant },
): Promise<SimulationResult> {
  const [{ frozen, problems }, teams] = await Promise.all([
    definitionToSimulate(db, key, input.version),
    loadTeamStates(db),
  ]);
  const calendars = compileEmbeddedCalendars(frozen);
  const definition = {
    ...frozen,
    key,
    version: input.version ?? draftRuleVersion(frozen),
  } as unknown as EngineDefinition;
  const samples = input.samples.map((sample, index) =>
    simulateSample(definition, sample, index, { calendars, teams, now: options.now }),
  );
  return { source: input.version ?? 'draft', problems, samples };
}

function simulateSample(
  definition: EngineDefinition,
  sample: SimulationSample,
  index: number,
  context: { calendars: Record<string, BusinessCalendar>; teams: Record<string, TeamState>; now: Instant },
): SimulatedSample {
  const openedAt = sample.openedAt === undefined ? context.now : Date.parse(sample.openedAt);
  const base: SimulatedSample = {
    index,
    ...(sample.title === undefined ? {} : { title: sample.title }),
    openedAt: new Date(openedAt).toISOString(),
    ok: false,
  };
  const requesterId =
    typeof sample.requester?.id === 'string' ? sample.requester.id : `sample-requester-${index + 1}`;
  try {
    const decided = decide(
      definition,
      undefined,
      {
        command: 'open',
        id: `simulation-${index + 1}`,
        number: `SIM-${index + 1}`,
        data: sample.data,
        requester: { ...sample.requester, id: requesterId },
        channel: sample.channel ?? 'web',
      },
      {
        now: openedAt,
        actor: { id: requesterId, roles: [], teams: [], kind: 'requester' },
        calendars: context.calendars,
        teams: context.teams,
      },
    );
    if (!decided.ok) {
      return {
        ...base,
        error: {
          code: decided.error.code,
          message: decided.error.message,
          ...(decided.error.field === undefined ? {} : { field: decided.error.field }),
        },
      };
    }
    // The ticket as opened: route, priority, assignment and SLA are what the requester's open decided.
    const opened = decided.state;
    const walk = walkOn(definition, decided.state, decided.events, sample, requesterId, {
      ...context,
      now: openedAt,
    });
    return {
      ...base,
      ok: true,
      ...routeOf(opened, decided.events),
      priority: {
        value: opened.priority,
        ...(opened.explanations.priority === undefined ? {} : { explanation: opened.explanations.priority }),
      },
      assignment: {
        ...(opened.team === undefined ? {} : { team: opened.team }),
        ...(opened.assignee === undefined ? {} : { assignee: opened.assignee }),
        ...(opened.explanations.assignment === undefined
          ? {}
          : { explanation: opened.explanations.assignment }),
      },
      ...slaOf(definition, opened, openedAt, context.calendars),
      path: pathOf(definition, walk),
    };
  } catch (error) {
    // The engine never throws by contract; a draft is still a draft, so contain whatever it trips on.
    return {
      ...base,
      error: {
        code: 'simulation.failed',
        message: {
          'zh-CN': `无法模拟此样例：${(error as Error).message}`,
          en: `This sample could not be simulated: ${(error as Error).message}`,
        },
      },
    };
  }
}

/** Everyone the simulation acts as: an admin for staff decisions, the requester, the system for timers. */
const SIMULATED_STAFF: EngineActor = { id: 'simulation', roles: ['admin'], teams: [], kind: 'user' };
const SIMULATED_SYSTEM: EngineActor = { id: 'simulation', roles: [], teams: [], kind: 'system' };

interface Walk {
  state: TicketState;
  events: TicketEvent[];
  decisions: { nodeId: string; decision: string; by: 'script' | 'auto' }[];
  refused?: { nodeId: string; decision: string; code: string; message: LocalizedText };
  limitReached?: boolean;
}

/** What can be decided at a waiting step, first the usual way on. */
export function choicesAt(definition: EngineDefinition, nodeId: string, waitingFor: WaitingFor): string[] {
  const node = definition.flow.nodes.find((candidate) => candidate.id === nodeId);
  switch (waitingFor.kind) {
    case 'approval':
      return ['approve', 'reject'];
    case 'task':
      return nodeOutcomes('task', node?.data ?? {});
    case 'confirm':
      return ['confirm', 'reopen', 'auto-close'];
    case 'timer':
      return ['timer'];
    case 'reply':
      return waitingFor.timerKey === undefined ? ['reply'] : ['reply', 'timer'];
    case 'subticket':
      return ['finished'];
    case 'join':
      return [];
  }
}

/** The engine command a decision stands for, and who sends it; undefined when it does not fit the step. */
function commandFor(
  nodeId: string,
  waitingFor: WaitingFor,
  decision: string,
  requester: EngineActor,
  now: Instant,
): { command: Command; actor: EngineActor; now: Instant } | undefined {
  const timerAt =
    'at' in waitingFor && typeof waitingFor.at === 'number' ? Math.max(now, waitingFor.at) : now;
  switch (waitingFor.kind) {
    case 'approval':
      if (decision === 'approve' || decision === 'reject')
        return { command: { command: decision, nodeId }, actor: SIMULATED_STAFF, now };
      return undefined;
    case 'task':
      return {
        command: { command: 'complete-step', nodeId, outcome: decision },
        actor: SIMULATED_STAFF,
        now,
      };
    case 'confirm':
      if (decision === 'confirm' || decision === 'reopen')
        return { command: { command: decision }, actor: requester, now };
      if (decision === 'auto-close')
        return {
          command: { command: 'timer-fired', key: waitingFor.timerKey },
          actor: SIMULATED_SYSTEM,
          now: timerAt,
        };
      return undefined;
    case 'timer':
      return decision === 'timer'
        ? { command: { command: 'timer-fired', key: waitingFor.key }, actor: SIMULATED_SYSTEM, now: timerAt }
        : undefined;
    case 'reply':
      if (decision === 'reply') return { command: { command: 'reply-received' }, actor: requester, now };
      if (decision === 'timer' && waitingFor.timerKey !== undefined)
        return {
          command: { command: 'timer-fired', key: waitingFor.timerKey },
          actor: SIMULATED_SYSTEM,
          now: timerAt,
        };
      return undefined;
    case 'subticket':
      return decision === 'finished'
        ? { command: { command: 'subticket-finished', key: waitingFor.key }, actor: SIMULATED_SYSTEM, now }
        : undefined;
    case 'join':
      return undefined;
  }
}

/**
 * Go on from the opened ticket: at each waiting step take the sample's scripted decision (or, with `autoDecide`,
 * the first choice) through the engine's own command, until the flow ends, a step has no decision, the engine
 * refuses one, or MAX_DECISIONS were taken.
 */
function walkOn(
  definition: EngineDefinition,
  opened: TicketState,
  openEvents: TicketEvent[],
  sample: SimulationSample,
  requesterId: string,
  context: { calendars: Record<string, BusinessCalendar>; teams: Record<string, TeamState>; now: Instant },
): Walk {
  const walk: Walk = { state: opened, events: [...openEvents], decisions: [] };
  const requester: EngineActor = { id: requesterId, roles: [], teams: [], kind: 'requester' };
  /** Decisions taken per node so far: the index into a scripted list. */
  const used = new Map<string, number>();
  let now = context.now;
  while (walk.decisions.length < MAX_DECISIONS) {
    let next: { nodeId: string; decision: string; by: 'script' | 'auto'; waitingFor: WaitingFor } | undefined;
    for (const token of walk.state.tokens) {
      if (token.waitingFor === undefined || token.waitingFor.kind === 'join') continue;
      const scripted = sample.decisions?.[token.nodeId];
      const taken = used.get(token.nodeId) ?? 0;
      const fromScript = Array.isArray(scripted) ? scripted[taken] : scripted;
      if (fromScript !== undefined) {
        next = { nodeId: token.nodeId, decision: fromScript, by: 'script', waitingFor: token.waitingFor };
        break;
      }
      const first = choicesAt(definition, token.nodeId, token.waitingFor)[0];
      if (sample.autoDecide === true && first !== undefined) {
        next = { nodeId: token.nodeId, decision: first, by: 'auto', waitingFor: token.waitingFor };
        break;
      }
    }
    if (next === undefined) return walk;
    const step = commandFor(next.nodeId, next.waitingFor, next.decision, requester, now);
    if (step === undefined) {
      walk.refused = {
        nodeId: next.nodeId,
        decision: next.decision,
        code: 'simulation.decision-unknown',
        message: {
          'zh-CN': `“${next.decision}”不是此步骤可做的决定（可选：${choicesAt(definition, next.nodeId, next.waitingFor).join('、')}）`,
          en: `“${next.decision}” is not a decision this step takes (choose: ${choicesAt(definition, next.nodeId, next.waitingFor).join(', ')})`,
        },
      };
      return walk;
    }
    now = step.now;
    const result = decide(definition, walk.state, step.command, {
      now,
      actor: step.actor,
      calendars: context.calendars,
      teams: context.teams,
    });
    if (!result.ok) {
      walk.refused = {
        nodeId: next.nodeId,
        decision: next.decision,
        code: result.error.code,
        message: result.error.message,
      };
      return walk;
    }
    used.set(next.nodeId, (used.get(next.nodeId) ?? 0) + 1);
    walk.decisions.push({ nodeId: next.nodeId, decision: next.decision, by: next.by });
    // Mark where the decision was taken among the events, so the path shows it on the right visit.
    walk.events.push({
      type: 'simulation.decided',
      at: now,
      actor: { id: step.actor.id, kind: step.actor.kind },
      data: { nodeId: next.nodeId, decision: next.decision, by: next.by },
    });
    walk.state = result.state;
    walk.events.push(...result.events);
  }
  walk.limitReached = walk.state.tokens.length > 0;
  return walk;
}

function routeOf(state: TicketState, events: TicketEvent[]): Pick<SimulatedSample, 'route'> {
  const explanation = state.explanations.routing;
  const routed = events.find((event) => event.type === 'ticket.routed');
  if (!explanation || !routed) return {};
  const params = explanation.params ?? {};
  return {
    route: {
      ruleId: String(routed.data.ruleId),
      ...(typeof params.team === 'string' ? { team: params.team } : {}),
      ...(typeof params.strategy === 'string' ? { strategy: params.strategy } : {}),
      ...(Array.isArray(params.skills) ? { skills: params.skills } : {}),
      explanation,
    },
  };
}

function slaOf(
  definition: EngineDefinition,
  state: TicketState,
  openedAt: Instant,
  calendars: Record<string, BusinessCalendar>,
): Pick<SimulatedSample, 'sla'> {
  const preview = previewSla(definition.sla, state, openedAt, calendars);
  return preview ? { sla: preview } : {};
}

function nodeName(definition: EngineDefinition, nodeId: string): LocalizedText | undefined {
  const node = definition.flow.nodes.find((candidate) => candidate.id === nodeId);
  const name = node?.data?.name;
  return typeof name === 'object' && name !== null ? (name as LocalizedText) : undefined;
}

function pathOf(definition: EngineDefinition, walk: Walk): SimulatedSample['path'] {
  const { state, events } = walk;
  const steps: PathStep[] = [];
  const edges: string[] = [];
  /** The newest visit of each node on the path, which a decision or gateway event completes. */
  const lastVisit = new Map<string, PathStep>();
  for (const event of events) {
    const nodeId = typeof event.data.nodeId === 'string' ? event.data.nodeId : undefined;
    if (nodeId === undefined) continue;
    if (event.type === 'step.entered') {
      const edgeId = typeof event.data.edgeId === 'string' ? event.data.edgeId : undefined;
      if (edgeId !== undefined) edges.push(edgeId);
      const name = nodeName(definition, nodeId);
      const step: PathStep = {
        nodeId,
        kind: String(event.data.kind),
        ...(name === undefined ? {} : { name }),
        ...(edgeId === undefined ? {} : { edgeId }),
      };
      steps.push(step);
      lastVisit.set(nodeId, step);
    } else if (event.type === 'gateway.decided') {
      const step = lastVisit.get(nodeId);
      if (step && typeof event.data.edgeId === 'string') {
        step.decision = event.data.edgeId;
        step.decidedBy = 'gateway';
        step.defaultBranch = event.data.default === true;
      }
    } else if (event.type === 'simulation.decided') {
      const step = lastVisit.get(nodeId);
      if (step) {
        step.decision = String(event.data.decision);
        step.decidedBy = event.data.by === 'auto' ? 'auto' : 'script';
      }
    }
  }
  // The step records hold the latest visit's status, outcome, result and people.
  for (const [nodeId, step] of lastVisit) {
    const record = state.steps[nodeId];
    if (record === undefined) continue;
    step.status = record.status;
    if (record.outcome !== undefined) step.outcome = record.outcome;
    if (record.result !== undefined) step.result = record.result;
    if (record.assignee !== undefined) step.assignee = record.assignee;
    if (record.team !== undefined) step.team = record.team;
  }
  const waitingAt: WaitingPoint[] = state.tokens
    .filter((token) => token.waitingFor !== undefined)
    .map((token) => {
      const record = state.steps[token.nodeId];
      const name = nodeName(definition, token.nodeId);
      const waitingFor = token.waitingFor as WaitingFor;
      return {
        nodeId: token.nodeId,
        kind:
          record?.kind ?? definition.flow.nodes.find((node) => node.id === token.nodeId)?.type ?? 'unknown',
        ...(name === undefined ? {} : { name }),
        waitingFor: waitingFor.kind,
        ...(record?.assignee === undefined ? {} : { assignee: record.assignee }),
        ...(record?.team === undefined ? {} : { team: record.team }),
        choices: choicesAt(definition, token.nodeId, waitingFor),
      };
    });
  return {
    steps,
    edges,
    waitingAt,
    status: state.status,
    ended: events.some((event) => event.type === 'flow.ended'),
    events: events.filter((event) => event.type !== 'simulation.decided').map((event) => event.type),
    decisions: walk.decisions,
    ...(walk.refused === undefined ? {} : { refused: walk.refused }),
    ...(walk.limitReached === true ? { limitReached: true } : {}),
  };
}
