/**
 * Dry-run a ticket type on sample tickets: what the engine would decide when each is opened — route, priority,
 * assignment, SLA due instants, the path through the flow up to the first person it waits for. Everything runs
 * in memory on the engine's `decide`; nothing is written (no ticket, no counter, no round-robin turn).
 */
import type { Connection } from 'mongoose';
import type { Explanation, Instant, LocalizedText, Problem } from '../../runtime/common/types.js';
import {
  decide,
  type EngineDefinition,
  type TeamState,
  type TicketEvent,
  type TicketState,
} from '../../runtime/engine/index.js';
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

export interface SimulationSample {
  data: Record<string, unknown>;
  requester?: Record<string, unknown>;
  channel?: string;
  openedAt?: string;
  title?: string;
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
}

interface WaitingPoint {
  nodeId: string;
  kind: string;
  name?: LocalizedText;
  waitingFor: string;
  assignee?: string;
  team?: string;
  explanation?: Explanation;
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
    waitingAt: WaitingPoint[];
    status: { category: string; key: string };
    ended: boolean;
    events: string[];
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
    const { state, events } = decided;
    return {
      ...base,
      ok: true,
      ...routeOf(state, events),
      priority: {
        value: state.priority,
        ...(state.explanations.priority === undefined ? {} : { explanation: state.explanations.priority }),
      },
      assignment: {
        ...(state.team === undefined ? {} : { team: state.team }),
        ...(state.assignee === undefined ? {} : { assignee: state.assignee }),
        ...(state.explanations.assignment === undefined
          ? {}
          : { explanation: state.explanations.assignment }),
      },
      ...slaOf(definition, state, openedAt, context.calendars),
      path: pathOf(definition, state, events),
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

function pathOf(
  definition: EngineDefinition,
  state: TicketState,
  events: TicketEvent[],
): SimulatedSample['path'] {
  const steps: PathStep[] = events
    .filter((event) => event.type === 'step.entered')
    .map((event) => {
      const nodeId = String(event.data.nodeId);
      const record = state.steps[nodeId];
      const name = nodeName(definition, nodeId);
      return {
        nodeId,
        kind: String(event.data.kind),
        ...(name === undefined ? {} : { name }),
        ...(record === undefined ? {} : { status: record.status }),
        ...(record?.outcome === undefined ? {} : { outcome: record.outcome }),
        ...(record?.result === undefined ? {} : { result: record.result }),
        ...(record?.assignee === undefined ? {} : { assignee: record.assignee }),
        ...(record?.team === undefined ? {} : { team: record.team }),
      };
    });
  const waitingAt: WaitingPoint[] = state.tokens
    .filter((token) => token.waitingFor !== undefined)
    .map((token) => {
      const record = state.steps[token.nodeId];
      const name = nodeName(definition, token.nodeId);
      return {
        nodeId: token.nodeId,
        kind:
          record?.kind ?? definition.flow.nodes.find((node) => node.id === token.nodeId)?.type ?? 'unknown',
        ...(name === undefined ? {} : { name }),
        waitingFor: token.waitingFor?.kind ?? 'unknown',
        ...(record?.assignee === undefined ? {} : { assignee: record.assignee }),
        ...(record?.team === undefined ? {} : { team: record.team }),
      };
    });
  return {
    steps,
    waitingAt,
    status: state.status,
    ended: events.some((event) => event.type === 'flow.ended'),
    events: events.map((event) => event.type),
  };
}
