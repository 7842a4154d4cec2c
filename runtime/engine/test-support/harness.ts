/**
 * Given / when / then for tickets: a fake clock, named actors, and a ticket whose state is frozen before every
 * decide (so a command that tried to change the stored state would throw).
 */
import { expect } from 'vitest';
import { decide, allowedCommands } from '../index.js';
import type {
  Command,
  CommandName,
  EngineActor,
  EngineContext,
  EngineDefinition,
  TeamState,
  TicketEffect,
  TicketEvent,
  TicketState,
} from '../types.js';
import type { FlowDefinition } from '../../flow/types.js';

export const T0 = Date.parse('2026-03-04T09:30:00+08:00'); // a Wednesday, working time in Shanghai

export const actors = {
  requester: { id: 'u-req', roles: [], teams: [], kind: 'requester' },
  agent: { id: 'u-agent', roles: ['agent'], teams: ['desk'], kind: 'user' },
  agent2: { id: 'u-agent2', roles: ['agent'], teams: ['desk'], kind: 'user' },
  opsAgent: { id: 'u-ops', roles: ['agent'], teams: ['ops'], kind: 'user' },
  outsider: { id: 'u-out', roles: ['agent'], teams: ['hr'], kind: 'user' },
  manager: { id: 'u-mgr', roles: ['manager'], teams: [], kind: 'user' },
  approverA: { id: 'u-a', roles: ['change-manager'], teams: ['cab'], kind: 'user' },
  approverB: { id: 'u-b', roles: ['change-manager'], teams: ['cab'], kind: 'user' },
  approverC: { id: 'u-c', roles: ['finance'], teams: ['cab'], kind: 'user' },
  admin: { id: 'u-admin', roles: ['admin'], teams: [], kind: 'user' },
  system: { id: 'system', roles: [], teams: [], kind: 'system' },
} satisfies Record<string, EngineActor>;

export const teams: Record<string, TeamState> = {
  desk: {
    key: 'desk',
    members: [
      { userId: 'u-agent', openTickets: 1 },
      { userId: 'u-agent2', openTickets: 3 },
    ],
    cursor: 0,
    supervisor: 'u-sup',
  },
  ops: { key: 'ops', members: [{ userId: 'u-ops', openTickets: 0, skills: { server: 2 } }], cursor: 0 },
};

let definitionVersions = 0;

/**
 * A ticket type around `flow`. Each gets its own version: rules and forms are cached per published version, and
 * a published version never changes.
 */
export function definitionOf(flow: FlowDefinition, extra: Partial<EngineDefinition> = {}): EngineDefinition {
  definitionVersions += 1;
  return {
    key: 'test.type',
    version: definitionVersions,
    statuses: {
      new: [{ key: 'submitted' }],
      open: [{ key: 'in-progress' }, { key: 'on-hold' }],
      pending: [{ key: 'awaiting-customer' }, { key: 'awaiting-vendor' }],
      resolved: [{ key: 'awaiting-confirmation' }],
      closed: [{ key: 'closed' }],
      cancelled: [{ key: 'cancelled' }],
    },
    routing: [{ id: 'default', when: true, then: { team: 'desk', strategy: 'round-robin' } }],
    flow,
    ...extra,
  };
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

type Accepted = { state: TicketState; events: TicketEvent[]; effects: TicketEffect[] };

export class TicketHarness {
  now = T0;
  state: TicketState | undefined;
  events: TicketEvent[] = [];
  effects: TicketEffect[] = [];
  readonly log: TicketEvent[] = [];

  constructor(
    readonly definition: EngineDefinition,
    readonly extraContext: Partial<EngineContext> = {},
  ) {}

  context(actor: EngineActor): EngineContext {
    return { now: this.now, actor, calendars: {}, teams, ...this.extraContext };
  }

  try(command: Command, actor: EngineActor) {
    if (this.state !== undefined) deepFreeze(this.state);
    return decide(this.definition, this.state, command, this.context(actor));
  }

  /** When `actor` sends `command`, then it is accepted. */
  do(command: Command, actor: EngineActor): Accepted {
    const result = this.try(command, actor);
    if (!result.ok)
      throw new Error(`refused ${command.command}: ${result.error.code} ${result.error.message.en}`);
    // Stored state round-trips through JSON: keep working from what storage would give back.
    this.state = JSON.parse(JSON.stringify(result.state)) as TicketState;
    this.events = result.events;
    this.effects = result.effects;
    this.log.push(...result.events);
    return result;
  }

  /** When `actor` sends `command`, then it is refused with `code` and nothing changes. */
  refused(command: Command, actor: EngineActor, code: string, field?: string) {
    const before = JSON.stringify(this.state);
    const result = this.try(command, actor);
    expect(result.ok, `expected ${command.command} to be refused with ${code}`).toBe(false);
    if (result.ok) throw new Error('unreachable');
    expect(result.error.code).toBe(code);
    if (field !== undefined) expect(result.error.field).toBe(field);
    expect(result.error.message['zh-CN'].length).toBeGreaterThan(0);
    expect(result.error.message.en.length).toBeGreaterThan(0);
    expect(JSON.stringify(this.state)).toBe(before);
    return result.error;
  }

  open(
    data: Record<string, unknown> = { title: 'Printer on fire' },
    requester = { id: 'u-req', manager: 'u-mgr' },
  ) {
    return this.do({ command: 'open', id: 'T-1', number: 'INC-1', data, requester }, actors.requester);
  }

  advance(ms: number): void {
    this.now += ms;
  }

  get ticket(): TicketState {
    if (this.state === undefined) throw new Error('no ticket yet');
    return this.state;
  }

  /** Node ids where tokens are, sorted. */
  get at(): string[] {
    return this.ticket.tokens.map((token) => token.nodeId).sort();
  }

  allowed(actor: EngineActor): CommandName[] {
    return allowedCommands(this.definition, this.state, actor, { teams, ...this.extraContext });
  }

  effectsOf(kind: TicketEffect['kind']): TicketEffect[] {
    return this.effects.filter((effect) => effect.kind === kind);
  }

  eventTypes(): string[] {
    return this.events.map((event) => event.type);
  }

  /** Fire the timer a `schedule` effect asked for, at its instant. */
  fire(effect: TicketEffect | undefined): Accepted {
    if (effect === undefined) throw new Error('no timer');
    this.now = Math.max(this.now, effect.at as number);
    return this.do({ command: 'timer-fired', key: effect.key }, actors.system);
  }
}
