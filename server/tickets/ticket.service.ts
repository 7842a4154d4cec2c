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
  OpenLink,
  ParentLink,
  Requester,
  TeamState,
  TicketEffect,
  TicketEvent,
  TicketState,
} from '../../runtime/engine/types.js';
import { HttpProblem, notFound } from '../lib/problem.js';
import { GroupInsert } from '../lib/group-insert.js';
import { GroupUpdate } from '../lib/group-update.js';
import { writeGateOf } from '../lib/write-gate.js';
import { ensureQueryIndexes } from '../lib/query-indexes.js';
import { claimNext, peekNext, raiseTo } from '../lib/sequence.js';
import { markRepair } from './ticket-repairs.js';
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
import { databaseCatalog, type TicketCatalog } from './ticket-catalog.js';
import { isDuplicateKey } from '../lib/sequence.js';

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
  /**
   * Calendars, team states, role members for the engine. Team cursors and members' open tickets are 0: the
   * service sets them from claimed turns and from `knownOpenLoads` / `openLoads`.
   */
  engineContext(
    actor: TicketActor,
    definition: LoadedDefinition,
    state?: TicketState,
  ): Promise<Omit<EngineContext, 'now' | 'actor'>>;
  /** The active person `userId` as a requester (department, manager, level for routing); undefined when none. */
  requester(userId: string): Promise<Requester | undefined>;
  /** Open tickets per assignee, for assignments that weigh them (least-loaded, skills, capacities). */
  openLoads(): Promise<ReadonlyMap<string, number>>;
  /** The same counts when they are at hand without reading the database. */
  knownOpenLoads(): ReadonlyMap<string, number> | undefined;
  /** A commit of this process was stored (keeps cached open-ticket counts current). */
  committed(before: TicketState | undefined, after: TicketState): void;
  formatNumber(definition: LoadedDefinition, seq: number, at: number): string;
  /**
   * The counter a number of `definition` opened at `at` is claimed from: its format rendered around the sequence
   * (`QA-2026-{seq}`), so types sharing a format share the counter and never repeat a number.
   */
  numberScope(definition: LoadedDefinition, at: number): string;
  /** Fields of the projection that depend on the SLA module and the calendar (due times, reporting). */
  projectExtra(state: TicketState, definition: LoadedDefinition): Partial<TicketDoc>;
  slaView(state: TicketState): Promise<Record<string, unknown>>;
  /** Every timer the ticket waits for (flow timers and the next SLA step), as of its last change. */
  timers(state: TicketState): Promise<DueTimer[]>;
  /** Run what a commit asked for (notifications, timers, webhooks, sub-tickets); must be idempotent by key. */
  dispatchEffects(effects: TicketEffect[], commit: Commit, state: TicketState): Promise<void>;
}

/** What a commit about to be stored is: the source of the server's own effects for it (see `addCommitEffects`). */
export interface CommitDraft {
  seq: number;
  command: Command;
  actor: TicketActor;
  events: TicketEvent[];
  /** The ticket as the commit leaves it. */
  state: TicketState;
}

/** Effects of the server's own a commit carries besides the engine's; kinds `server.<name>`. */
export type CommitEffectSource = (draft: CommitDraft) => TicketEffect[] | Promise<TicketEffect[]>;

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
  /** The projection as read or written by the load; absent from `rebuild`. */
  doc?: TicketDoc;
}

/** A stored change: the new state and the projection written for it (what a response shows, without re-reading). */
export interface Committed {
  state: TicketState;
  doc: TicketDoc;
}

/** The ticket as a stored change leaves it, ready for the next command without loading it again. */
export function loadedAfter(committed: Committed): LoadedTicket {
  return {
    state: committed.state,
    version: committed.state.version,
    headHash: committed.doc.headHash,
    doc: committed.doc,
  };
}

/** How a command's projection is written (see `TicketService.run`). */
export interface RunOptions {
  /**
   * Keep the projection in this process instead of writing it (`holdProjection`): the caller runs more commands on
   * the ticket at once, or says when to write it with `releaseProjection`.
   */
  holdProjection?: boolean;
}

/**
 * A held projection not released within this time is written anyway (a caller that failed between the two), and
 * none is held longer: the database's copy lags by at most this much.
 */
const HOLD_LIMIT_MS = 60_000;
/**
 * Most projection updates one command carries. The embedded store takes one write at a time, and a projection
 * update costs it about 2 ms a document (by the document's fields, whatever is set): a batch of 50 held every
 * commit insert — a step's way to being done — behind it for a tenth of a second. Eight (~16 ms) let the commits
 * through sooner (SLA bench: p99 lateness 0.8, 0.9 and 1.9 s in three runs, against 1 pass in 3 with 50).
 */
const PROJECTION_UPDATE_BATCH = 8;
/** How often a held projection whose ticket's next timer is due, waiting for the sweep, is looked at again. */
const HOLD_DUE_RECHECK_MS = 5_000;

/** A projection kept in this process: its ticket's newest commit, not written to the database yet. */
interface HeldProjection {
  doc: TicketDoc;
  state: TicketState;
  /** When it is written unless a newer commit or a load writes first. */
  timer: NodeJS.Timeout;
  /** Since when (the service's clock) the database's copy lags: the first commit held and not written since. */
  since: number;
}

/** Turn numbers of round-robin assignment, one scope per team (see server/lib/sequence.ts). */
const turnScope = (teamKey: string) => `round-robin:${teamKey}`;

/** Explanation codes of runtime/assignment whose choice weighs members' open tickets. */
const LOAD_WEIGHING_ASSIGNMENTS = new Set(['assignment.leastLoaded', 'assignment.skills']);

/**
 * The teams whose assignment in this decision depends on open-ticket counts: a least-loaded or skills choice, or
 * any choice in a team where someone has a capacity (a full member is skipped). Read from the decision's own
 * `assignment.decided` events, so a round-robin open never counts tickets.
 */
function teamsWeighingLoads(events: TicketEvent[], teams: Record<string, TeamState>): string[] {
  const found = new Set<string>();
  for (const event of events) {
    if (event.type !== 'assignment.decided') continue;
    const teamKey = event.data.team;
    const team = typeof teamKey === 'string' ? teams[teamKey] : undefined;
    if (!team) continue;
    const code = (event.data.explanation as { code?: string } | undefined)?.code ?? '';
    if (LOAD_WEIGHING_ASSIGNMENTS.has(code) || team.members.some((member) => member.capacity !== undefined))
      found.add(team.key);
  }
  return [...found];
}

function withLoads(team: TeamState, loads: ReadonlyMap<string, number>): TeamState {
  return {
    ...team,
    members: team.members.map((member) => ({ ...member, openTickets: loads.get(member.userId) ?? 0 })),
  };
}

/** The engine refused the command: 422 naming the reason (and the field when there is one). */
function engineRefusal(error: {
  code: string;
  message?: unknown;
  field?: string;
  problems?: { code: string; path: string; text: { en: string; 'zh-CN': string } }[];
}): HttpProblem {
  const message = error.message as { en?: string; 'zh-CN'?: string } | string | undefined;
  const detail = typeof message === 'string' ? message : (message?.en ?? error.code);
  const asField = (path: string) => `body.${path.replace(/^\/?/, '').replace(/\//g, '.')}`;
  // Every problem of the refusal (each field of a form at fault), so a form can mark them all at once.
  const errors = error.problems?.map((problem) => ({
    field: asField(problem.path),
    code: problem.code,
    message: problem.text.en,
    text: problem.text,
  }));
  return new HttpProblem(422, 'Command refused', {
    code: error.code,
    detail,
    field: error.field ? asField(error.field) : undefined,
    ...(errors ? { errors } : {}),
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

/** The number an open is decided with; the real one is claimed once the engine accepted the open. */
const PENDING_NUMBER = '#pending';

/** `result` with the claimed number in the state and in the `ticket.opened` event (where the engine put it). */
function withNumber(
  result: Extract<DecideResult, { ok: true }>,
  number: string,
): Extract<DecideResult, { ok: true }> {
  return {
    ...result,
    state: { ...result.state, number },
    events: result.events.map((event) =>
      event.type === 'ticket.opened' && event.data.number === PENDING_NUMBER
        ? { ...event, data: { ...event.data, number } }
        : event,
    ),
  };
}

/**
 * Tickets end to end: load (projection plus any commits it has not folded in yet), decide with the runtime,
 * commit with one insert under the (ticket, sequence) key, project, then run the effects. A process that dies
 * between the commit and the projection leaves a projection one commit behind, which the next load, the next
 * command or the reconciler folds forward — so every acknowledged command is in the trail exactly once.
 */
export class TicketService {
  readonly events: EventStore;
  /** First projections of concurrent opens go to the database together. */
  private readonly firstProjections: GroupInsert<TicketDoc>;
  /** Projection updates of concurrent commits go to the database together (at most 50 a command). */
  private readonly projectionUpdates: GroupUpdate<TicketDoc>;
  /** Optional metric hook wrapping every runtime decision (the server bench times them); absent in production. */
  timeDecide?: <T>(run: () => T) => T;

  /** Where lists and the timer sweep read tickets (see ticket-catalog.ts); told of every projection written. */
  readonly catalog: TicketCatalog;
  /** Tickets whose projection or effects failed in this process since the reconciler last asked. */
  private readonly unfinished = new Set<string>();
  /** Of those, the ones whose mark is not in the database yet, and the writing of marks, one after another. */
  private readonly unstoredMarks = new Set<string>();
  private marking: Promise<void> = Promise.resolve();
  /** Projection writes of one ticket in this process, one after another (see `project`). */
  private readonly projecting = new Map<string, Promise<unknown>>();
  /** Projections held in this process (see `holdProjection`), by ticket. */
  private readonly held = new Map<string, HeldProjection>();
  /** Closing: nothing is held any more, every release writes at once. */
  private holdsClosed = false;
  /** Number counters this process has already raised past a type's former counter (see `claimNumber`). */
  private readonly seededScopes = new Map<string, { from: Set<string>; done: Promise<void> }>();
  /** Where commits get effects of the server's own (see `addCommitEffects`). */
  private readonly effectSources: CommitEffectSource[] = [];

  constructor(
    private readonly db: Connection,
    private readonly clock: Clock,
    private readonly ports: TicketPorts,
    catalog?: TicketCatalog,
  ) {
    this.events = new EventStore(db);
    this.firstProjections = new GroupInsert(
      () => this.tickets,
      () => writeGateOf(db),
    );
    this.projectionUpdates = new GroupUpdate(
      () => this.tickets,
      () => writeGateOf(db),
      PROJECTION_UPDATE_BATCH,
    );
    this.catalog = catalog ?? databaseCatalog(() => this.tickets);
  }

  get tickets() {
    return this.db.collection<TicketDoc>(TICKETS_COLLECTION);
  }

  /**
   * Let every commit carry effects of the server's own, decided from the commit before it is stored (an event
   * trigger that matches it, the record-link index). Stored in the commit with the engine's effects, they run after
   * it like those, and the reconciler runs them again when the process died before (the commit is their record,
   * so nothing that happened between the commit and them is lost). A source that throws fails the command before
   * anything is stored.
   */
  addCommitEffects(source: CommitEffectSource): void {
    this.effectSources.push(source);
  }

  private async serverEffects(draft: CommitDraft): Promise<TicketEffect[]> {
    const added: TicketEffect[] = [];
    for (const source of this.effectSources) added.push(...(await source(draft)));
    return added;
  }

  async ensureIndexes(): Promise<void> {
    await this.events.ensureIndexes();
    await ensureQueryIndexes(this.db, TICKETS_COLLECTION, [
      { slaDueAt: 1, _id: 1 },
      { statusCategory: 1, slaDueAt: 1 },
      { team: 1, slaDueAt: 1 },
      { assignee: 1, statusCategory: 1 },
      { requesterId: 1, createdAt: -1 },
      { typeKey: 1, createdAt: -1 },
      { number: 1 },
      { updatedAt: 1 },
      { nextTimerAt: 1 },
      { involved: 1, slaDueAt: 1 },
      { awaitingApproval: 1, slaDueAt: 1 },
      { awaitingStep: 1, slaDueAt: 1 },
    ]);
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
    /** The ticket whose flow step opens this one (a sub-ticket). */
    parent?: ParentLink;
    /** The team whose queue takes the ticket instead of the one routing picks (a channel's or a trigger's). */
    team?: string;
    /** Records the ticket is linked to from its first commit (by the opener, as `link` would). */
    links?: OpenLink[];
    extra?: Record<string, unknown>;
  }): Promise<{ state: TicketState; created: boolean; doc?: TicketDoc }> {
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
      // Only when given: the hashes of opens stored before these existed stay the same.
      ...(input.team === undefined ? {} : { team: input.team }),
      ...(input.links === undefined ? {} : { links: input.links }),
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
    const command: OpenCommand = {
      command: 'open',
      id: ticketId,
      number: PENDING_NUMBER,
      data: input.data,
      requester: input.requester,
      channel: input.channel ?? 'web',
      watchers: input.watchers ?? [],
      tags: input.tags ?? [],
      ...(input.parent ? { parent: input.parent } : {}),
      ...(input.team === undefined ? {} : { team: input.team }),
      ...(input.links === undefined || input.links.length === 0 ? {} : { links: input.links }),
    };
    // Decided before the number is claimed, so an open the engine refuses (a form error) uses no number.
    const decided = await this.decideWithTurns(definition, undefined, command, input.actor, now);
    const seq = await this.claimNumber(definition, now);
    command.number = this.ports.formatNumber(definition, seq, now);
    const result = withNumber(decided, command.number);
    try {
      const { state, doc } = await this.commit(definition, undefined, result, command, input.actor, now, {
        ...(input.idempotencyKey
          ? { request: { idempotencyKey: input.idempotencyKey, bodyHash: requestHash } }
          : {}),
        ...(input.extra ?? {}),
      });
      return { state, created: true, doc };
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

  /**
   * The next number of the type's counter (see `numberScope`). Before its first claim in a counter, this process
   * makes sure the counter is past the numbers the type got from the counter it used to have alone
   * (`number:<type>:<year>`), so tickets opened before numbers were shared per format are never repeated.
   */
  private async claimNumber(definition: LoadedDefinition, now: number): Promise<number> {
    const scope = `number:${this.ports.numberScope(definition, now)}`;
    const legacy = `number:${definition.key}:${new Date(now).getUTCFullYear()}`;
    let seeding = this.seededScopes.get(scope);
    if (!seeding || !seeding.from.has(legacy)) {
      // Raises of one counter run one after another, and every claim waits for those started before it.
      const previous = seeding?.done ?? Promise.resolve();
      const from = seeding?.from ?? new Set<string>();
      from.add(legacy);
      const done = previous.then(() => raiseTo(this.db, scope, legacy));
      seeding = { from, done };
      this.seededScopes.set(scope, seeding);
      done.catch(() => {
        from.delete(legacy);
        if (this.seededScopes.get(scope)?.done === done)
          this.seededScopes.set(scope, { from, done: Promise.resolve() });
      });
    }
    await seeding.done;
    return claimNext(this.db, scope);
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
    return (await this.run(ticketId, command, actor, expectedVersion)).state;
  }

  /**
   * `execute`, answering the projection written too. `current` is the ticket as the caller just loaded it (or as
   * its previous command left it): the first attempt decides on it instead of loading again; when the ticket moved
   * on meanwhile, the commit meets the newer one and the command is decided again on a fresh load, as always.
   */
  async run(
    ticketId: string,
    command: Command,
    actor: TicketActor,
    expectedVersion?: number,
    current?: LoadedTicket,
    options: RunOptions = {},
  ): Promise<Committed> {
    let given = current?.state.id === ticketId ? current : undefined;
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const loaded = given ?? (await this.load(ticketId));
      given = undefined;
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
        return await this.commit(definition, loaded, result, command, actor, now, {}, options);
      } catch (error) {
        if (!(error instanceof ConcurrentChangeError)) throw error;
        if (expectedVersion !== undefined) {
          const newer = await this.events.loadAfter(ticketId, loaded.version);
          throw staleVersion(newer.at(-1)?.seq ?? loaded.version);
        }
      }
    }
    throw new HttpProblem(503, 'Busy', {
      detail: 'The ticket is changing too fast; try again.',
      code: 'busy',
    });
  }

  /**
   * Decide once with what this process can know without asking the database: each team's cursor set to the turn a
   * claim would get now (this process's last claim plus its queued ones), and open-ticket counts only when they are
   * at hand. Then claim a turn for every team the decision took one from — right away, before anything else is
   * awaited, so this process's claims come in the order of its guesses — and read the counts when the decision
   * weighed them. Only when a claimed turn differs from the guess (another process claimed in between) or the
   * counts were missing is the command decided again, with the real turns and counts.
   */
  private async decideWithTurns(
    definition: LoadedDefinition,
    state: TicketState | undefined,
    command: Command,
    actor: TicketActor,
    now: number,
  ): Promise<Extract<DecideResult, { ok: true }>> {
    const base = await this.ports.engineContext(actor, definition, state);
    const knownLoads = this.ports.knownOpenLoads();
    const teams = base.teams ? this.withGuessedTurns(base.teams, knownLoads) : undefined;
    const context: EngineContext = { ...base, ...(teams ? { teams } : {}), now, actor };
    const result = this.decide(definition, state, command, context);
    if (!result.ok) throw engineRefusal(result.error);
    if (!teams) return result;

    const turnTeams = [
      ...new Set(
        result.effects.flatMap((effect) =>
          effect.kind === 'assign-cursor' && typeof effect.team === 'string' && teams[effect.team]
            ? [effect.team]
            : [],
        ),
      ),
    ];
    const claims = turnTeams.map((teamKey) => claimNext(this.db, turnScope(teamKey)));
    const weighing = knownLoads ? [] : teamsWeighingLoads(result.events, teams);
    const [claimed, loads] = await Promise.all([
      Promise.all(claims),
      weighing.length > 0 ? this.ports.openLoads() : undefined,
    ]);

    const settled: Record<string, TeamState> = { ...teams };
    let guessedRight = loads === undefined;
    turnTeams.forEach((teamKey, index) => {
      const cursor = claimed[index]! - 1;
      if (cursor === teams[teamKey]!.cursor) return;
      settled[teamKey] = { ...settled[teamKey]!, cursor };
      guessedRight = false;
    });
    if (loads) for (const teamKey of weighing) settled[teamKey] = withLoads(settled[teamKey]!, loads);
    if (guessedRight) return result;
    const again = this.decide(definition, state, command, { ...context, teams: settled });
    if (!again.ok) throw engineRefusal(again.error);
    return again;
  }

  /**
   * Each team with the cursor of the turn this process would claim next, when it knows (else as given), and its
   * members' open tickets when the counts are at hand.
   */
  private withGuessedTurns(
    teams: Record<string, TeamState>,
    loads: ReadonlyMap<string, number> | undefined,
  ): Record<string, TeamState> {
    const guessed: Record<string, TeamState> = {};
    for (const [teamKey, team] of Object.entries(teams)) {
      const next = peekNext(this.db, turnScope(teamKey));
      const turned = next === undefined ? team : { ...team, cursor: next - 1 };
      guessed[teamKey] = loads ? withLoads(turned, loads) : turned;
    }
    return guessed;
  }

  private decide(
    definition: LoadedDefinition,
    state: TicketState | undefined,
    command: Command,
    context: EngineContext,
  ): DecideResult {
    const run = () => decide(definition.definition as never, state, command, context);
    return this.timeDecide ? this.timeDecide(run) : run();
  }

  private async commit(
    definition: LoadedDefinition,
    before: LoadedTicket | undefined,
    result: Extract<DecideResult, { ok: true }>,
    command: Command,
    actor: TicketActor,
    now: number,
    extra: Record<string, unknown>,
    options: RunOptions = {},
  ): Promise<Committed> {
    const seq = (before?.version ?? 0) + 1;
    const next: TicketState = { ...result.state, version: seq, updatedAt: now };
    const patch = jsonPatch.compare(before?.state ?? {}, next);
    const effects = result.effects.filter((effect) => effect.kind !== 'assign-cursor');
    if (this.effectSources.length > 0)
      effects.push(
        ...(await this.serverEffects({ seq, command, actor, events: result.events, state: next })),
      );
    const payload: CommitPayloadWithPatch = {
      actor: { id: actor.id, kind: actor.kind, ...(actor.name ? { name: actor.name } : {}) },
      command: command as unknown as Record<string, unknown>,
      events: result.events,
      effects,
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
    let doc: TicketDoc;
    try {
      doc =
        // Closing: nothing is held any more.
        options.holdProjection && before !== undefined && !this.holdsClosed
          ? this.holdProjection(next, commit.hash, definition)
          : await this.project(next, commit.hash, definition, { first: before === undefined });
    } catch (error) {
      // The commit stands (it is the change); the reconciler writes the projection and runs the effects.
      this.markUnfinished(next.id);
      throw error;
    }
    this.ports.committed(before?.state, next);
    await this.ports.dispatchEffects(payload.effects, commit, next);
    return { state: next, doc };
  }

  /**
   * A ticket whose latest commit's projection or effects failed: the reconciler takes it up again. Marked here and
   * in the database (`ticket_repairs`, see ticket-repairs.ts), where a worker of another process finds it.
   */
  markUnfinished(ticketId: string): void {
    this.unfinished.add(ticketId);
    this.unstoredMarks.add(ticketId);
    void this.storeMarks().catch(() => undefined);
  }

  /**
   * Write the marks not stored yet (the database refused: they are tried again with the next mark, the process's
   * next beat and before each reconcile pass). Resolves once every mark made before the call is stored.
   */
  storeMarks(): Promise<void> {
    const run = this.marking.then(async () => {
      for (const ticketId of [...this.unstoredMarks]) {
        await markRepair(this.db, ticketId);
        this.unstoredMarks.delete(ticketId);
      }
    });
    this.marking = run.catch(() => undefined);
    return run;
  }

  /** The tickets marked unfinished in this process since the last call. */
  takeUnfinished(): string[] {
    const ids = [...this.unfinished];
    this.unfinished.clear();
    return ids;
  }

  /**
   * Write the projection unless a newer one is already there (a concurrent writer got further), and answer the
   * projection of `state`. A ticket's first commit inserts without looking first: only a reconciler folding the
   * same commit forward can have written it, and then the insert meets the duplicate and falls back to the update.
   *
   * Writes address the projection by `_id` alone (the only filter FerretDB answers without reading every ticket),
   * after reading its version by `_id`. Within this process the writes of one ticket run one after another (and
   * each tells the catalog before the next starts), so the read and the write cannot interleave with another of
   * its own; two processes writing the same ticket at the same instant may leave the older projection, which the
   * next `load` folds forward again (it always looks for commits past the projection's version), as after a crash.
   *
   * With the memory catalog this process is the store's only writer and the catalog knows the stored version of
   * every ticket (read at start, then told of every write): an update past that version goes without the read.
   * Updates of concurrent commits go to the database together (`GroupUpdate`), each still its own statement.
   */
  async project(
    state: TicketState,
    headHash: string,
    definition?: LoadedDefinition,
    options: { first?: boolean } = {},
  ): Promise<TicketDoc> {
    const loadedDefinition =
      definition ?? (await this.ports.loadDefinition(state.typeKey, state.typeVersion));
    if (!loadedDefinition) throw new Error(`Missing definition ${state.typeKey}@${state.typeVersion}`);
    const doc = this.projectionOf(state, headHash, loadedDefinition);
    await this.inTurn(doc._id, async () => {
      // Told within the ticket's turn: the next write of the ticket finds this one's version in the catalog.
      if (await this.writeProjection(doc, options.first === true)) this.catalog.note(doc);
      // A projection held for this version or an older one is written by now (this one, or a newer).
      this.dropHeld(doc._id, doc.version);
    });
    return doc;
  }

  private projectionOf(state: TicketState, headHash: string, definition: LoadedDefinition): TicketDoc {
    return {
      ...baseProjection(state, { category: definition.category, headHash }),
      ...this.ports.projectExtra(state, definition),
    } as TicketDoc;
  }

  /** Run `write` after the projection writes of the ticket started before it (one after another per ticket). */
  private async inTurn(ticketId: string, write: () => Promise<void>): Promise<void> {
    const previous = this.projecting.get(ticketId);
    const turn = (previous ? previous.catch(() => undefined) : Promise.resolve()).then(write);
    this.projecting.set(ticketId, turn);
    try {
      await turn;
    } finally {
      if (this.projecting.get(ticketId) === turn) this.projecting.delete(ticketId);
    }
  }

  /**
   * Keep the projection of a commit just stored in this process instead of writing it: the caller (the timer
   * sweep) runs the ticket's next due command on it at once, or releases it with `releaseProjection`, which
   * writes it now or when the ticket's next timer falls due — one projection update for several commits, the
   * store's costliest write (the embedded store decodes and rewrites the whole document for an update).
   *
   * Meanwhile the ticket reads as of that commit wherever this process reads it: the catalog is told at once (lists,
   * due timers), `loadProjected` answers the held state without reading, and `load` (a ticket's page, every
   * command from a person) writes the held projection first. Only the database's copy lags, and only by commits
   * that change none of the flat fields but the bookkeeping, SLA and reporting ones when it lags past the caller
   * (see `releaseProjection`). Nothing is lost with the process: the commits are the change, and the reconciler's
   * first pass after a start folds every projection behind its commits forward, as after any crash between a
   * commit and its projection. A held projection not released is written after HOLD_LIMIT_MS.
   */
  private holdProjection(state: TicketState, headHash: string, definition: LoadedDefinition): TicketDoc {
    const doc = this.projectionOf(state, headHash, definition);
    this.keepHeld(doc, state, HOLD_LIMIT_MS);
    this.catalog.note(doc);
    return doc;
  }

  private keepHeld(doc: TicketDoc, state: TicketState, writeInMs: number): void {
    const before = this.held.get(doc._id);
    if (before) clearTimeout(before.timer);
    const timer = setTimeout(() => void this.holdEnded(doc._id), writeInMs);
    timer.unref();
    this.held.set(doc._id, { doc, state, timer, since: before?.since ?? this.clock.now() });
  }

  /**
   * A hold's time is up: its projection is written — unless the ticket's next timer is due and waiting for the
   * timer sweep (which runs behind: a backlog). That step's commit writes the projection anyway, and writing it
   * now would add the store's costliest write while the store is busiest, and make the step read the ticket again:
   * under a backlog, every held ticket would cost two more commands, and the backlog grow. It waits on, looked at
   * again every HOLD_DUE_RECHECK_MS, for at most HOLD_LIMIT_MS since the database's copy began to lag.
   */
  private async holdEnded(ticketId: string): Promise<void> {
    const held = this.held.get(ticketId);
    if (!held) return;
    const now = this.clock.now();
    const nextTimerAt = (held.doc as { nextTimerAt?: Date | null }).nextTimerAt;
    const left = held.since + HOLD_LIMIT_MS - now;
    if (!this.holdsClosed && nextTimerAt instanceof Date && nextTimerAt.getTime() <= now && left > 0) {
      this.keepHeld(held.doc, held.state, Math.min(HOLD_DUE_RECHECK_MS, left));
      return;
    }
    // A failed write marks the ticket unfinished (the reconciler folds it forward).
    await this.writeHeld(ticketId).catch(() => undefined);
  }

  private dropHeld(ticketId: string, upToVersion: number): void {
    const held = this.held.get(ticketId);
    if (!held || held.doc.version > upToVersion) return;
    clearTimeout(held.timer);
    this.held.delete(ticketId);
  }

  /**
   * Write the ticket's held projection at `writeAt` (an instant of the service's clock), or now when it is
   * undefined, past, or further than HOLD_LIMIT_MS ahead. Nothing held: nothing to do. Resolves once written when
   * written now; a write that fails marks the ticket unfinished (the reconciler folds it forward) and rejects.
   */
  async releaseProjection(ticketId: string, writeAt?: number): Promise<void> {
    const held = this.held.get(ticketId);
    if (!held) return;
    const wait = writeAt === undefined ? 0 : writeAt - this.clock.now();
    if (wait > 0 && wait <= HOLD_LIMIT_MS && !this.holdsClosed && this.catalog.kind === 'memory') {
      this.keepHeld(held.doc, held.state, wait);
      return;
    }
    await this.writeHeld(ticketId);
  }

  /** Write every held projection now, and hold none from here on (the app is closing). */
  async releaseAllProjections(): Promise<void> {
    this.holdsClosed = true;
    await Promise.allSettled([...this.held.keys()].map((ticketId) => this.writeHeld(ticketId)));
  }

  /** The number of projections held now (for tests and diagnostics). */
  heldProjections(): number {
    return this.held.size;
  }

  private async writeHeld(ticketId: string): Promise<void> {
    const held = this.held.get(ticketId);
    if (!held) return;
    clearTimeout(held.timer);
    await this.inTurn(ticketId, async () => {
      // Superseded meanwhile (a newer commit held or written, or a load wrote it): nothing left to write here.
      if (this.held.get(ticketId) !== held) return;
      const { _id, ...fields } = held.doc;
      try {
        // The stored projection is older (this commit's projection was held since it was stored): with the memory
        // catalog this process is the only writer and writes without reading; else the version is read first.
        if (this.catalog.kind === 'memory') await this.projectionUpdates.set(_id, fields, { upsert: true });
        else await this.writeProjection(held.doc, false);
      } catch (error) {
        if (this.held.get(ticketId) === held) this.held.delete(ticketId);
        this.markUnfinished(ticketId);
        throw error;
      }
      if (this.held.get(ticketId) === held) this.held.delete(ticketId);
      // The catalog was told when the projection was held; told again only if it read an older one meanwhile
      // (its periodic re-read from the database).
      if ((this.catalog.versionOf(ticketId) ?? -1) < held.doc.version) this.catalog.note(held.doc);
    });
  }

  /** Store `doc` unless the stored projection is as new; true when it was written. */
  private async writeProjection(doc: TicketDoc, first: boolean): Promise<boolean> {
    const { _id, ...fields } = doc;
    if (first) {
      try {
        await this.firstProjections.insert(doc);
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    // Only an older version known: the stored one is older too (an upsert, should it have gone behind the
    // process's back). The same version or a newer one known: read what is stored (a projection put back or
    // removed behind the process's back is written again).
    const known = this.catalog.versionOf(_id);
    if (known !== undefined && known < doc.version) {
      await this.projectionUpdates.set(_id, fields, { upsert: true });
      return true;
    }
    const current = await this.tickets.findOne({ _id }, { projection: { version: 1 } });
    if (current && current.version >= doc.version) return false;
    if (current) {
      await this.projectionUpdates.set(_id, fields);
      return true;
    }
    try {
      await writeGateOf(this.db).run(() => this.tickets.insertOne(doc));
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return this.writeProjection(doc, false);
    }
    return true;
  }

  /**
   * The ticket as of its newest commit: the projection, plus any commits it has not folded in yet (looked up one
   * by one by `_id` after the projection's version — usually a single lookup that finds nothing).
   */
  async load(ticketId: string): Promise<LoadedTicket | undefined> {
    // A held projection is written first: a full load leaves the stored projection as new as the ticket.
    if (this.held.has(ticketId)) await this.writeHeld(ticketId);
    const doc = await this.tickets.findOne({ _id: ticketId });
    let state: TicketState | undefined = doc ? (JSON.parse(doc.state) as TicketState) : undefined;
    let headHash = doc?.headHash ?? GENESIS_HASH;
    const missed = await this.events.loadAfter<CommitPayloadWithPatch>(ticketId, doc?.version ?? 0);
    if (missed.length === 0)
      return state && doc ? { state, version: state.version, headHash, doc } : undefined;
    let working: unknown = state ?? {};
    for (const commit of missed) {
      working = jsonPatch.applyPatch(working, commit.payload.patch, false, false).newDocument;
      headHash = commit.hash;
    }
    state = working as TicketState;
    const projected = await this.project(state, headHash);
    return { state, version: state.version, headHash, doc: projected };
  }

  /**
   * The ticket as its stored projection has it, without looking for commits past it (one read instead of two): for
   * a caller that commits on it at once through `run`. A projection behind its commits is harmless there: the
   * commit meets the newer one under its unique key (the commit point) and the command is decided again on a full
   * `load`, which folds them in. With no projection stored, the full `load`.
   */
  async loadProjected(ticketId: string): Promise<LoadedTicket | undefined> {
    // A projection held in this process is the newest: no read.
    const held = this.held.get(ticketId);
    if (held)
      return { state: held.state, version: held.doc.version, headHash: held.doc.headHash, doc: held.doc };
    // The state and its head alone: the list fields are derived from the state anyway.
    const doc = await this.tickets.findOne(
      { _id: ticketId },
      { projection: { state: 1, headHash: 1, version: 1 } },
    );
    if (!doc) return this.load(ticketId);
    const state = JSON.parse(doc.state) as TicketState;
    return { state, version: state.version, headHash: doc.headHash };
  }

  /** The active person `userId` as a ticket records its requester, or undefined (read briefly cached). */
  requester(userId: string): Promise<Requester | undefined> {
    return this.ports.requester(userId);
  }

  /** The newest published version of a type: the one an open now would run. */
  async newestDefinition(typeKey: string): Promise<LoadedDefinition | undefined> {
    return this.ports.loadDefinition(typeKey);
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
