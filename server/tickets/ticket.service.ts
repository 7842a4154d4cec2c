import { createHash, randomBytes } from 'node:crypto';
import jsonPatch, { type Operation } from 'fast-json-patch';
import type { Connection } from 'mongoose';
import { decide } from '../../runtime/engine/index.js';
import type {
  Command,
  DecideResult,
  EngineActor,
  EngineContext,
  OpenCommand,
  Requester,
  TicketEffect,
  TicketEvent,
  TicketState,
} from '../../runtime/engine/types.js';
import { HttpProblem, notFound } from '../lib/problem.js';
import { claimNext } from '../lib/sequence.js';
import type { Clock } from '../lib/clock.js';
import { anchoredHead } from './anchors.js';
import type { DueTimer } from './ticket.sla.js';
import {
  ConcurrentChangeError,
  EventStore,
  GENESIS_HASH,
  type Commit,
  type CommitPayload,
} from './event-store.js';
import { idempotencyMismatch, staleVersion } from './ticket.errors.js';
import { baseProjection, TICKETS_COLLECTION, type TicketDoc } from './ticket.projection.js';

/** Who runs a command, as the ticket service sees it. */
export interface TicketActor extends EngineActor {
  name?: string;
  /** Teams this person supervises (they see those teams' tickets). */
  supervises?: string[];
}

/** A published ticket type version, as the definitions service hands it out. */
export interface LoadedDefinition {
  key: string;
  version: number;
  category: string;
  definition: Record<string, unknown> & { numberFormat?: string };
}

/** What the service needs from the rest of the server; the app wires real implementations, nothing is mocked. */
export interface TicketPorts {
  loadDefinition(typeKey: string, version?: number): Promise<LoadedDefinition | undefined>;
  /** Calendars, team states (with open-ticket loads), role members for the engine. */
  engineContext(
    actor: TicketActor,
    definition: LoadedDefinition,
    state?: TicketState,
  ): Promise<Omit<EngineContext, 'now' | 'actor'>>;
  formatNumber(definition: LoadedDefinition, seq: number, at: number): string;
  /** Fields of the projection that depend on the SLA module and the calendar (due times, reporting). */
  projectExtra(state: TicketState, definition: LoadedDefinition): Partial<TicketDoc>;
  slaView(state: TicketState): Promise<Record<string, unknown>>;
  /** Every timer the ticket waits for (flow timers and the next SLA step), as of its last change. */
  timers(state: TicketState): Promise<DueTimer[]>;
  /** Run what a commit asked for (notifications, timers, webhooks, sub-tickets); must be idempotent by key. */
  dispatchEffects(effects: TicketEffect[], commit: Commit, state: TicketState): Promise<void>;
}

export interface CommitPayloadWithPatch extends CommitPayload {
  /** RFC 6902 patch from the state before this commit to the state after it. */
  patch: Operation[];
  events: TicketEvent[];
  effects: TicketEffect[];
}

export interface LoadedTicket {
  state: TicketState;
  version: number;
  headHash: string;
}

/** The engine refused the command: 422 naming the reason (and the field when there is one). */
function engineRefusal(error: { code: string; message?: unknown; field?: string }): HttpProblem {
  const message = error.message as { en?: string; 'zh-CN'?: string } | string | undefined;
  const detail = typeof message === 'string' ? message : (message?.en ?? error.code);
  return new HttpProblem(422, 'Command refused', {
    code: error.code,
    detail,
    field: error.field ? `body.${error.field.replace(/^\/?/, '').replace(/\//g, '.')}` : undefined,
    extra: typeof message === 'object' ? { message } : {},
  });
}

function bodyHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

function newTicketId(): string {
  return `t${Date.now().toString(36)}${randomBytes(8).toString('hex')}`;
}

/** Ticket ids of idempotent opens derive from who asked and the key, so a retry finds the first attempt. */
export function idempotentTicketId(principalId: string, idempotencyKey: string): string {
  return `t${createHash('sha256').update(`${principalId}\n${idempotencyKey}`).digest('hex').slice(0, 28)}`;
}

const MAX_RETRIES = 8;

/**
 * Tickets end to end: load (projection plus any commits it has not folded in yet), decide with the runtime,
 * commit with one insert under the (ticket, sequence) key, project, then run the effects. A process that dies
 * between the commit and the projection leaves a projection one commit behind, which the next load, the next
 * command or the reconciler folds forward — so every acknowledged command is in the trail exactly once.
 */
export class TicketService {
  readonly events: EventStore;

  constructor(
    private readonly db: Connection,
    private readonly clock: Clock,
    private readonly ports: TicketPorts,
  ) {
    this.events = new EventStore(db);
  }

  get tickets() {
    return this.db.collection<TicketDoc>(TICKETS_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await this.events.ensureIndexes();
    const tickets = this.tickets;
    await tickets.createIndex({ slaDueAt: 1, _id: 1 });
    await tickets.createIndex({ statusCategory: 1, slaDueAt: 1 });
    await tickets.createIndex({ team: 1, slaDueAt: 1 });
    await tickets.createIndex({ assignee: 1, statusCategory: 1 });
    await tickets.createIndex({ requesterId: 1, createdAt: -1 });
    await tickets.createIndex({ typeKey: 1, createdAt: -1 });
    await tickets.createIndex({ number: 1 });
    await tickets.createIndex({ updatedAt: 1 });
  }

  /** Open a ticket of the type's latest published version. */
  async open(input: {
    typeKey: string;
    data: Record<string, unknown>;
    requester: Requester;
    channel?: string;
    watchers?: string[];
    tags?: string[];
    actor: TicketActor;
    idempotencyKey?: string;
    /** Deterministic id for tickets opened by effects (sub-tickets) and channels (alerts). */
    ticketId?: string;
    extra?: Record<string, unknown>;
  }): Promise<{ state: TicketState; created: boolean }> {
    const definition = await this.ports.loadDefinition(input.typeKey);
    if (!definition) {
      throw new HttpProblem(422, 'Unknown ticket type', {
        code: 'unknown-type',
        field: 'body.type',
        detail: `There is no published ticket type "${input.typeKey}"`,
      });
    }
    const requestHash = bodyHash({
      type: input.typeKey,
      data: input.data,
      channel: input.channel ?? null,
      requester: input.requester.id,
    });
    const ticketId =
      input.ticketId ??
      (input.idempotencyKey ? idempotentTicketId(input.actor.id, input.idempotencyKey) : newTicketId());

    if (input.idempotencyKey || input.ticketId) {
      const first = await this.events.get<CommitPayloadWithPatch>(ticketId, 1);
      if (first)
        return {
          state: await this.replayIfNeeded(first, ticketId, requestHash, input.idempotencyKey),
          created: false,
        };
    }

    const now = this.clock.now();
    const scopeYear = new Date(now).getUTCFullYear();
    const seq = await claimNext(this.db, `number:${definition.key}:${scopeYear}`);
    const command: OpenCommand = {
      command: 'open',
      id: ticketId,
      number: this.ports.formatNumber(definition, seq, now),
      data: input.data,
      requester: input.requester,
      channel: input.channel ?? 'web',
      watchers: input.watchers ?? [],
      tags: input.tags ?? [],
    };
    const result = await this.decideWithTurns(definition, undefined, command, input.actor, now);
    try {
      const state = await this.commit(definition, undefined, result, command, input.actor, now, {
        ...(input.idempotencyKey
          ? { request: { idempotencyKey: input.idempotencyKey, bodyHash: requestHash } }
          : {}),
        ...(input.extra ?? {}),
      });
      return { state, created: true };
    } catch (error) {
      if (error instanceof ConcurrentChangeError && (input.idempotencyKey || input.ticketId)) {
        const first = await this.events.get<CommitPayloadWithPatch>(ticketId, 1);
        if (first)
          return {
            state: await this.replayIfNeeded(first, ticketId, requestHash, input.idempotencyKey),
            created: false,
          };
      }
      throw error;
    }
  }

  private async replayIfNeeded(
    first: Commit<CommitPayloadWithPatch>,
    ticketId: string,
    requestHash: string,
    idempotencyKey: string | undefined,
  ): Promise<TicketState> {
    if (idempotencyKey && first.payload.request?.bodyHash !== requestHash) throw idempotencyMismatch();
    const loaded = await this.load(ticketId);
    if (!loaded) throw notFound('Ticket');
    return loaded.state;
  }

  /**
   * Run a command on a ticket. With `expectedVersion` (people, through the API) a ticket that moved on answers
   * 409; without it (timers, the reconciler, channels) the command is decided again on the newer state.
   */
  async execute(
    ticketId: string,
    command: Command,
    actor: TicketActor,
    expectedVersion?: number,
  ): Promise<TicketState> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const loaded = await this.load(ticketId);
      if (!loaded) throw notFound('Ticket');
      if (expectedVersion !== undefined && loaded.version !== expectedVersion)
        throw staleVersion(loaded.version);
      const definition = await this.ports.loadDefinition(loaded.state.typeKey, loaded.state.typeVersion);
      if (!definition)
        throw new Error(
          `Ticket ${ticketId} refers to a missing definition ${loaded.state.typeKey}@${loaded.state.typeVersion}`,
        );
      const now = this.clock.now();
      const result = await this.decideWithTurns(definition, loaded.state, command, actor, now);
      try {
        return await this.commit(definition, loaded, result, command, actor, now, {});
      } catch (error) {
        if (!(error instanceof ConcurrentChangeError)) throw error;
        if (expectedVersion !== undefined) {
          const head = await this.events.head(ticketId);
          throw staleVersion(head?.seq ?? loaded.version);
        }
      }
    }
    throw new HttpProblem(503, 'Busy', {
      detail: 'The ticket is changing too fast; try again.',
      code: 'busy',
    });
  }

  /** Decide; when the decision took a round-robin turn, claim a turn number for real and decide again with it. */
  private async decideWithTurns(
    definition: LoadedDefinition,
    state: TicketState | undefined,
    command: Command,
    actor: TicketActor,
    now: number,
  ): Promise<Extract<DecideResult, { ok: true }>> {
    const base = await this.ports.engineContext(actor, definition, state);
    const context: EngineContext = { ...base, now, actor };
    let result = decide(definition.definition as never, state, command, context);
    if (!result.ok) throw engineRefusal(result.error);
    const turns = result.effects.filter((effect) => effect.kind === 'assign-cursor');
    if (turns.length > 0 && context.teams) {
      const teams = { ...context.teams };
      for (const turn of turns) {
        const teamKey = String(turn.team ?? '');
        const team = teams[teamKey];
        if (!team) continue;
        // The turn number is claimed with one insert, so concurrent opens never share a turn.
        const claimed = await claimNext(this.db, `round-robin:${teamKey}`);
        teams[teamKey] = { ...team, cursor: claimed - 1 };
      }
      result = decide(definition.definition as never, state, command, { ...context, teams });
      if (!result.ok) throw engineRefusal(result.error);
    }
    return result;
  }

  private async commit(
    definition: LoadedDefinition,
    before: LoadedTicket | undefined,
    result: Extract<DecideResult, { ok: true }>,
    command: Command,
    actor: TicketActor,
    now: number,
    extra: Record<string, unknown>,
  ): Promise<TicketState> {
    const seq = (before?.version ?? 0) + 1;
    const next: TicketState = { ...result.state, version: seq, updatedAt: now };
    const patch = jsonPatch.compare(before?.state ?? {}, next);
    const payload: CommitPayloadWithPatch = {
      actor: { id: actor.id, kind: actor.kind, ...(actor.name ? { name: actor.name } : {}) },
      command: command as unknown as Record<string, unknown>,
      events: result.events,
      effects: result.effects.filter((effect) => effect.kind !== 'assign-cursor'),
      patch,
      ...extra,
    };
    const commit = await this.events.append({
      ticketId: next.id,
      seq,
      prevHash: before?.headHash ?? GENESIS_HASH,
      at: new Date(now),
      actorId: actor.id,
      command: command.command,
      payload,
    });
    await this.project(next, commit.hash, definition);
    await this.ports.dispatchEffects(payload.effects, commit as unknown as Commit, next);
    return next;
  }

  /** Write the projection unless a newer one is already there (a concurrent writer got further). */
  async project(state: TicketState, headHash: string, definition?: LoadedDefinition): Promise<void> {
    const loadedDefinition =
      definition ?? (await this.ports.loadDefinition(state.typeKey, state.typeVersion));
    if (!loadedDefinition) throw new Error(`Missing definition ${state.typeKey}@${state.typeVersion}`);
    const doc = {
      ...baseProjection(state, { category: loadedDefinition.category, headHash }),
      ...this.ports.projectExtra(state, loadedDefinition),
    } as TicketDoc;
    const { _id, ...fields } = doc;
    const current = await this.tickets.findOne({ _id }, { projection: { version: 1 } });
    if (current && current.version >= state.version) return;
    if (current) await this.tickets.updateOne({ _id, version: { $lt: state.version } }, { $set: fields });
    else {
      try {
        await this.tickets.insertOne(doc);
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
        await this.tickets.updateOne({ _id, version: { $lt: state.version } }, { $set: fields });
      }
    }
  }

  /** The ticket as of its newest commit: the projection, plus any commits it has not folded in yet. */
  async load(ticketId: string): Promise<LoadedTicket | undefined> {
    const doc = await this.tickets.findOne({ _id: ticketId });
    let state: TicketState | undefined = doc ? (JSON.parse(doc.state) as TicketState) : undefined;
    let headHash = doc?.headHash ?? GENESIS_HASH;
    const missed = await this.events.load<CommitPayloadWithPatch>(ticketId, doc?.version ?? 0);
    if (missed.length === 0) return state ? { state, version: state.version, headHash } : undefined;
    let working: unknown = state ?? {};
    for (const commit of missed) {
      working = jsonPatch.applyPatch(working, commit.payload.patch, false, false).newDocument;
      headHash = commit.hash;
    }
    state = working as TicketState;
    await this.project(state, headHash);
    return { state, version: state.version, headHash };
  }

  async definitionOf(state: TicketState): Promise<LoadedDefinition | undefined> {
    return this.ports.loadDefinition(state.typeKey, state.typeVersion);
  }

  /** The SLA clocks as the API shows them. */
  slaView(state: TicketState): Promise<Record<string, unknown>> {
    return this.ports.slaView(state);
  }

  timers(state: TicketState): Promise<DueTimer[]> {
    return this.ports.timers(state);
  }

  anchoredHead(ticketId: string) {
    return anchoredHead(this.db, ticketId);
  }

  /** Rebuild a ticket from its commits alone, ignoring the projection. */
  async rebuild(ticketId: string): Promise<LoadedTicket | undefined> {
    const commits = await this.events.load<CommitPayloadWithPatch>(ticketId, 0);
    if (commits.length === 0) return undefined;
    let working: unknown = {};
    for (const commit of commits)
      working = jsonPatch.applyPatch(working, commit.payload.patch, false, false).newDocument;
    const state = working as TicketState;
    return { state, version: state.version, headHash: commits[commits.length - 1]!.hash };
  }
}
