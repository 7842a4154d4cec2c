import type { FastifyInstance } from 'fastify';
import type { LocalizedText } from '../../../runtime/common/types.js';
import { linksOf } from '../../../runtime/engine/index.js';
import type {
  OpenLink,
  Requester,
  TicketEffect,
  TicketEvent,
  TicketState,
} from '../../../runtime/engine/types.js';
import { evaluateForm } from '../../../runtime/form/index.js';
import type { FormDefinition } from '../../../runtime/form/form.types.js';
import { HttpProblem } from '../../lib/problem.js';
import type { Commit } from '../../tickets/event-store.js';
import type { CommitDraft, TicketActor } from '../../tickets/ticket.service.js';
import {
  decodeTrigger,
  recordCollections,
  recordKeyOf,
  type RecordCollections,
  type RecordDoc,
  type TriggerDoc,
  type TriggerRunCounts,
  type TriggerRunDoc,
  type TriggerRunSummary,
  replaceWhole,
  withLastRun,
} from './records.model.js';
import { isDuplicateKey } from '../../lib/sequence.js';
import { indexLinks } from './record-links.js';
import {
  conditionHolds,
  formFieldKeys,
  mapFields,
  prepareTriggerRules,
  recordContext,
  ticketEventContext,
  type PreparedTriggerRules,
  type RuleContext,
} from './trigger-rules.js';
import { nextRunAfter, periodOf, triggerTicketId } from './trigger-schedule.js';

/** Ticket events an event trigger may listen to. */
export const TRIGGER_EVENTS = [
  'ticket.opened',
  'priority.changed',
  'status.changed',
  'ticket.assigned',
  'ticket.transferred',
  'ticket.resolved',
  'ticket.cancelled',
  'ticket.rated',
  'sla.step',
  'reply.received',
  'comment.added',
] as const;

/** A claimed run whose worker has not finished it after this long is taken to have died, and is run again. */
const STALE_RUN_MS = 10 * 60 * 1000;
/** Records opened in parallel within one run (their inserts are gathered into batches by the ticket service). */
const RUN_CONCURRENCY = 8;
/** Failures kept on a run, for the admin to read. */
const MAX_FAILURES_KEPT = 20;
/** How long this process reuses the list of enabled event triggers (its own changes drop it at once). */
const EVENT_TRIGGERS_TTL_MS = 5_000;
const MAX_ATTEMPTS = 5;

/** The effect a commit carries for each event trigger it matched (see `RecordTriggers.commitEffects`). */
export const EVENT_TRIGGER_EFFECT = 'server.event-trigger';
/** The effect a commit that adds or removes links carries: the record-link index kept in step. */
export const RECORD_LINKS_EFFECT = 'server.record-links';

export type SourceOutcome =
  | { outcome: 'opened' | 'existing'; ticketId: string; number?: string }
  | { outcome: 'failed'; ticketId: string; reason: LocalizedText };

/** What `test` shows for one record or event: whether it matches, the ticket it would open and with what. */
export interface TriggerPreviewItem {
  source: string;
  title?: string;
  matched: boolean;
  ticketId?: string;
  /** A ticket for this source and period is already there: nothing new would be opened. */
  exists?: boolean;
  requester?: { id: string; name?: string };
  data?: Record<string, unknown>;
  /** Why it would not open: the condition or mapping failed, or the form would refuse the data. */
  problems?: { field?: string; text: LocalizedText }[];
}

const problemText = (error: unknown): LocalizedText => {
  if (error instanceof HttpProblem) {
    const text = error.options.text ?? {
      'zh-CN': error.options.detail ?? error.title,
      en: error.options.detail ?? error.title,
    };
    const first = error.options.errors?.[0];
    return first?.text
      ? { 'zh-CN': `${first.field}：${first.text['zh-CN']}`, en: `${first.field}: ${first.text.en}` }
      : text;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { 'zh-CN': message, en: message };
};

// eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]+/g;

/** The link of a ticket to the record it was opened for. */
function recordLink(record: RecordDoc): OpenLink {
  // A link's title is one line: a record's title may hold line breaks, which the engine would refuse (and the open).
  const title = record.title.replace(CONTROL_CHARACTERS, ' ').trim().slice(0, 200);
  return {
    system: record.system,
    type: record.type,
    id: record.id,
    ...(title ? { title } : {}),
    ...(record.url ? { url: record.url } : {}),
  };
}

/** Whether the ticket links to that record already (system and type compared as the engine does). */
function hasLink(state: TicketState, link: OpenLink): boolean {
  return linksOf(state).some(
    (held) =>
      held.id === link.id &&
      held.system.toLowerCase() === link.system.toLowerCase() &&
      held.type.toLowerCase() === link.type.toLowerCase(),
  );
}

/** The trigger acting on tickets: the platform, named after the trigger in the trail. */
function triggerActor(trigger: Pick<TriggerDoc, '_id' | 'name'>): TicketActor {
  return { id: `trigger:${trigger._id}`, roles: [], teams: [], kind: 'system', name: trigger.name };
}

/**
 * Placing the ticket in the trigger's team is a staff decision in the engine (`assign`): the trigger makes it under
 * an administrator's authority, in its own name, once, right after the open.
 */
function triggerDispatcher(trigger: Pick<TriggerDoc, '_id' | 'name'>): TicketActor {
  return { id: `trigger:${trigger._id}`, roles: ['admin'], teams: [], kind: 'user', name: trigger.name };
}

/**
 * Triggers: scheduled ones look at records, event ones at ticket commits; both open tickets under ids derived
 * from trigger + source + period, so the ticket's first commit (a unique `_id` insert) is the only guard needed
 * against two workers, a re-run or a crash mid-run.
 */
export class RecordTriggers {
  readonly collections: RecordCollections;
  private eventTriggers?: {
    at: number;
    list: Promise<{ trigger: TriggerDoc; rules: PreparedTriggerRules }[]>;
  };
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly app: FastifyInstance) {
    this.collections = recordCollections(app.db);
  }

  /** Passes under way (closing waits for them). */
  track<T>(pass: Promise<T>): Promise<T> {
    this.running.add(pass);
    const done = () => void this.running.delete(pass);
    pass.then(done, done);
    return pass;
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /** This process's own trigger changes are seen by its very next event. */
  forgetEventTriggers(): void {
    this.eventTriggers = undefined;
  }

  /** Run every enabled scheduled trigger that is due at `now` (the worker's job; safe to run anywhere, any time). */
  async runDue(now: number): Promise<TriggerRunDoc[]> {
    const due = await this.collections.triggers
      .find({ enabled: true, kind: 'schedule', nextRunAt: { $lte: new Date(now) } })
      .toArray()
      .then((stored) => stored.map(decodeTrigger));
    const runs: TriggerRunDoc[] = [];
    for (const trigger of due) {
      if (this.app.jobsStopping.aborted) break;
      const run = await this.runScheduled(trigger, trigger.nextRunAt!, 'schedule').catch((error: unknown) => {
        this.app.log.error({ err: error, triggerId: trigger._id }, 'trigger run failed');
        return undefined;
      });
      if (run) runs.push(run);
    }
    return runs;
  }

  /**
   * One run of a scheduled trigger for its scheduled instant (or `now` when run by hand). The run is claimed by
   * inserting `<trigger>@<instant>#<attempt>`: a second worker finds the claim and leaves it, unless it failed or
   * its worker died (not finished after 10 minutes), when the next attempt is claimed the same way.
   * Answers the run, or undefined when another worker has it.
   */
  async runScheduled(
    trigger: TriggerDoc,
    scheduledAt: Date,
    reason: 'schedule' | 'manual',
    options: { signal?: AbortSignal } = {},
  ): Promise<TriggerRunDoc | undefined> {
    const started = await this.start(trigger, scheduledAt, reason, options);
    return started?.done;
  }

  /** Claim a run and start it; answers the claimed run and its end, or undefined when another worker has it. */
  async start(
    trigger: TriggerDoc,
    scheduledAt: Date,
    reason: 'schedule' | 'manual',
    options: { signal?: AbortSignal } = {},
  ): Promise<{ run: TriggerRunDoc; done: Promise<TriggerRunDoc> } | undefined> {
    const now = this.app.clock.now();
    const base = `${trigger._id}@${reason === 'manual' ? 'manual:' : ''}${scheduledAt.toISOString()}`;
    let claimed: TriggerRunDoc | undefined;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && !claimed; attempt++) {
      const run: TriggerRunDoc = {
        _id: `${base}#${attempt}`,
        runId: `${base}#${attempt}`,
        triggerId: trigger._id,
        scheduledAt,
        period: periodOf(trigger.repeat, scheduledAt, trigger.timezone),
        attempt,
        reason,
        status: 'running',
        startedAt: new Date(now),
        examined: 0,
        matched: 0,
        opened: 0,
        existing: 0,
        failed: 0,
        failures: [],
      };
      try {
        await this.collections.runs.insertOne(run);
        claimed = run;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const other = await this.collections.runs.findOne({ _id: run._id });
        if (!other) continue;
        if (other.status === 'finished') {
          await this.advance(trigger, scheduledAt, now, reason);
          return undefined;
        }
        const stale = other.status === 'running' && now - other.startedAt.getTime() > STALE_RUN_MS;
        if (other.status !== 'failed' && !stale) return undefined;
      }
    }
    if (!claimed) return undefined;
    return { run: claimed, done: this.track(this.execute(trigger, claimed, options.signal)) };
  }

  private async execute(
    trigger: TriggerDoc,
    run: TriggerRunDoc,
    signal?: AbortSignal,
  ): Promise<TriggerRunDoc> {
    const counts: TriggerRunCounts = { examined: 0, matched: 0, opened: 0, existing: 0, failed: 0 };
    const failures: TriggerRunDoc['failures'] = [];
    const stopped = () => signal?.aborted === true || this.app.jobsStopping.aborted;
    let error: string | undefined;
    try {
      const rules = prepareTriggerRules(trigger.condition, trigger.mapping);
      const owners = new Map<string, Promise<Requester | undefined>>();
      const source = trigger.source!;
      const cursor = this.collections.records
        .find({ system: source.system, type: source.type })
        .sort({ _id: 1 })
        .batchSize(500);
      let batch: RecordDoc[] = [];
      const flush = async () => {
        const now = this.app.clock.now();
        await Promise.all(
          batch.map(async (record) => {
            counts.examined += 1;
            const context = recordContext(record, now);
            const holds = conditionHolds(rules, context, now);
            if (!holds.ok) {
              counts.failed += 1;
              if (failures.length < MAX_FAILURES_KEPT)
                failures.push({ record: record._id, reason: holds.reason.en });
              return;
            }
            if (!holds.value) return;
            counts.matched += 1;
            const outcome = await this.openFor(trigger, rules, {
              source: record._id,
              context,
              period: run.period,
              runId: run.runId,
              record,
              requester: () => this.requesterFor(trigger, record, owners),
            });
            if (outcome.outcome === 'failed') {
              counts.failed += 1;
              if (failures.length < MAX_FAILURES_KEPT)
                failures.push({ record: record._id, reason: outcome.reason.en });
            } else counts[outcome.outcome] += 1;
          }),
        );
        batch = [];
      };
      for await (const record of cursor) {
        batch.push(record);
        if (batch.length >= RUN_CONCURRENCY) {
          await flush();
          if (stopped()) break;
        }
      }
      if (!stopped()) await flush();
      if (stopped()) error = 'stopped before the end; the next pass runs it again';
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    const finishedAt = new Date(this.app.clock.now());
    const status = error ? 'failed' : 'finished';
    await this.collections.runs.updateOne(
      { _id: run._id },
      { $set: { ...counts, failures, finishedAt, status, ...(error ? { error } : {}) } },
    );
    const summary: TriggerRunSummary = {
      runId: run.runId,
      startedAt: run.startedAt,
      finishedAt,
      status,
      reason: run.reason,
      ...counts,
    };
    await this.writeLastRun(trigger._id, summary);
    if (!error) await this.advance(trigger, run.scheduledAt, this.app.clock.now(), run.reason);
    return { ...run, ...counts, failures, finishedAt, status, ...(error ? { error } : {}) };
  }

  /** Move a scheduled trigger's next run past a run that finished (never backwards: `$max`). */
  private async advance(trigger: TriggerDoc, scheduledAt: Date, now: number, reason: string): Promise<void> {
    if (reason !== 'schedule' || !trigger.schedule) return;
    const after = new Date(Math.max(now, scheduledAt.getTime()));
    const next = nextRunAfter(trigger.schedule, trigger.timezone, after);
    // Read, then set only when later (never backwards); `$max` on dates is not dependable on FerretDB 1.24.
    const stored = await this.collections.triggers.findOne(
      { _id: trigger._id },
      { projection: { nextRunAt: 1 } },
    );
    if (!stored) return;
    if (next && (!stored.nextRunAt || stored.nextRunAt < next))
      await this.collections.triggers.updateOne({ _id: trigger._id }, { $set: { nextRunAt: next } });
    else if (!next)
      await this.collections.triggers.updateOne({ _id: trigger._id }, { $unset: { nextRunAt: '' } });
  }

  /** The person a record's ticket is opened for: its owner when asked and known, else the trigger's requester. */
  private async requesterFor(
    trigger: TriggerDoc,
    record: RecordDoc | undefined,
    owners: Map<string, Promise<Requester | undefined>>,
  ): Promise<Requester | undefined> {
    const owner = record?.owner?.trim();
    if (trigger.requesterFromOwner && owner) {
      let found = owners.get(owner);
      if (!found) {
        found = this.personNamed(owner);
        owners.set(owner, found);
      }
      const person = await found;
      if (person) return person;
    }
    return this.app.tickets.requester(trigger.requester);
  }

  /** An active person by id, username or e-mail. */
  private async personNamed(text: string): Promise<Requester | undefined> {
    if (/^[0-9a-f]{24}$/.test(text)) return this.app.tickets.requester(text);
    const users = this.app.db.collection<{ _id: unknown; username: string; email: string; active: boolean }>(
      'users',
    );
    const found = await users.findOne(
      { active: true, $or: [{ username: text.toLowerCase() }, { email: text }] },
      { projection: { _id: 1 } },
    );
    return found ? this.app.tickets.requester(String(found._id)) : undefined;
  }

  /**
   * Open (or find) the ticket of one source in one period: one commit that opens it in the trigger's team, linked
   * to its record or source ticket (then the source ticket is linked back). Every step can be repeated: the open by
   * its derived id; on a ticket already there (a re-run), what an older open left out — the team while the ticket
   * has nothing but its first commit, a link the engine refuses when present — and the link back.
   */
  async openFor(
    trigger: TriggerDoc,
    rules: PreparedTriggerRules,
    input: {
      source: string;
      context: RuleContext;
      period: string;
      runId: string;
      record?: RecordDoc;
      sourceTicket?: TicketState;
      /** The form values, when mapped already (an event trigger maps when its event is committed). */
      data?: Record<string, unknown>;
      requester: () => Promise<Requester | undefined>;
    },
  ): Promise<SourceOutcome> {
    const ticketId = triggerTicketId(trigger._id, input.source, input.period);
    const now = this.app.clock.now();
    const link = input.record
      ? recordLink(input.record)
      : input.sourceTicket
        ? this.ticketLink(input.sourceTicket)
        : undefined;
    try {
      let state: TicketState;
      let created = false;
      const first = await this.app.tickets.events.get(ticketId, 1);
      if (first) {
        const loaded = await this.app.tickets.load(ticketId);
        if (!loaded) throw new Error(`Ticket ${ticketId} has a first commit but cannot be loaded`);
        state = await this.completeOlderOpen(trigger, loaded.state, loaded.version, link);
      } else {
        let data = input.data;
        if (!data) {
          const mapped = mapFields(rules, input.context, now);
          if (!mapped.ok) return { outcome: 'failed', ticketId, reason: mapped.reason };
          data = mapped.value;
        }
        const requester = await input.requester();
        if (!requester) {
          return {
            outcome: 'failed',
            ticketId,
            reason: {
              'zh-CN': '触发器指定的提单人已停用或不存在',
              en: 'The person the trigger opens tickets for is inactive or gone',
            },
          };
        }
        // Written before the open: event triggers skip tickets a trigger opened (no chains of triggers).
        await this.collections.openings
          .insertOne({
            _id: ticketId,
            triggerId: trigger._id,
            source: input.source,
            period: input.period,
            runId: input.runId,
            at: new Date(now),
          })
          .catch((error: unknown) => {
            if (!isDuplicateKey(error)) throw error;
          });
        ({ state, created } = await this.app.tickets.open({
          typeKey: trigger.ticketType,
          data,
          requester,
          channel: trigger.channel,
          actor: triggerActor(trigger),
          ticketId,
          ...(trigger.team ? { team: trigger.team } : {}),
          ...(link ? { links: [link] } : {}),
        }));
        // Another worker opened it between the look and the open: theirs carries the same team and link.
      }
      // The open's commit indexes its link (an effect the reconciler runs again); a re-run indexes it here too.
      if (input.record && !created) await indexLinks(this.app.db, state, new Date(now));
      if (input.sourceTicket) await this.linkBack(trigger, state, input.sourceTicket);
      return { outcome: created ? 'opened' : 'existing', ticketId, number: state.number };
    } catch (error) {
      if (error instanceof HttpProblem && error.status < 500) {
        return { outcome: 'failed', ticketId, reason: problemText(error) };
      }
      throw error;
    }
  }

  /**
   * A ticket a trigger opened before opens carried a team and links, whose worker stopped after the open: place it
   * in the trigger's team (only while it has nothing but its first commit, with that version expected: a person who
   * acted first wins) and link it. Nothing to do, and nothing written, for a ticket opened whole.
   */
  private async completeOlderOpen(
    trigger: TriggerDoc,
    state: TicketState,
    version: number,
    link: OpenLink | undefined,
  ): Promise<TicketState> {
    let current = state;
    if (trigger.team && version === 1 && current.team !== trigger.team) {
      try {
        current = await this.app.tickets.execute(
          current.id,
          { command: 'assign', team: trigger.team },
          triggerDispatcher(trigger),
          1,
        );
      } catch (error) {
        // 409: someone (another worker, a person) acted on the ticket first — theirs stands.
        if (!(error instanceof HttpProblem) || (error.status !== 409 && error.status !== 422)) throw error;
      }
    }
    if (link && !hasLink(current, link)) current = (await this.link(trigger, current.id, link)) ?? current;
    return current;
  }

  /** Run `link` as the trigger: the ticket's new state, or undefined when it was linked before (422). */
  private async link(
    trigger: TriggerDoc,
    ticketId: string,
    link: OpenLink,
  ): Promise<TicketState | undefined> {
    try {
      return await this.app.tickets.execute(ticketId, { command: 'link', ...link }, triggerActor(trigger));
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status !== 422) throw error;
      return undefined;
    }
  }

  private ticketLink(ticket: Pick<TicketState, 'id' | 'number'>): OpenLink {
    const base = this.app.ordo.publicUrl.replace(/\/+$/, '');
    return {
      system: 'ordo',
      type: 'ticket',
      id: ticket.id,
      title: ticket.number,
      url: `${base}/tickets/${ticket.id}`,
    };
  }

  /** The source ticket of an event trigger links to the ticket it opened (a commit of the source ticket). */
  private async linkBack(trigger: TriggerDoc, opened: TicketState, source: TicketState): Promise<void> {
    const back = this.ticketLink(opened);
    if (hasLink(source, back)) return;
    await this.link(trigger, source.id, back);
  }

  // ── event triggers ──────────────────────────────────────────────────────────────────────────────────────────

  private enabledEventTriggers(): Promise<{ trigger: TriggerDoc; rules: PreparedTriggerRules }[]> {
    const now = Date.now();
    if (!this.eventTriggers || now - this.eventTriggers.at > EVENT_TRIGGERS_TTL_MS) {
      const list = this.collections.triggers
        .find({ enabled: true, kind: 'event' })
        .toArray()
        .then((triggers) =>
          triggers.map(decodeTrigger).flatMap((trigger) => {
            try {
              return [{ trigger, rules: prepareTriggerRules(trigger.condition, trigger.mapping) }];
            } catch {
              return [];
            }
          }),
        );
      this.eventTriggers = { at: now, list };
      list.catch(() => {
        if (this.eventTriggers?.list === list) this.eventTriggers = undefined;
      });
    }
    return this.eventTriggers.list;
  }

  /**
   * Before every commit is stored (see `TicketService.addCommitEffects`): the effects it carries for this module —
   * the link index when it adds or removes links, and one `server.event-trigger` per enabled event trigger that
   * listens to one of its events and whose condition holds on the ticket as the commit leaves it (the form values
   * mapped then, too). Stored in the commit, they are run after it and again by the reconciler when the process
   * died first: a trigger's ticket is never lost between a commit and its trigger, and opened once (its id derives
   * from trigger + source ticket). Commits made by a trigger fire none, nor (when run) do tickets a trigger opened:
   * triggers cannot chain into a loop.
   */
  async commitEffects(draft: CommitDraft): Promise<TicketEffect[]> {
    const { state, events, seq } = draft;
    const effects: TicketEffect[] = [];
    if (events.some((event) => event.type === 'link.added' || event.type === 'link.removed'))
      effects.push({ kind: RECORD_LINKS_EFFECT, key: `${state.id}:${seq}:record-links`, ticketId: state.id });
    if (draft.actor.id.startsWith('trigger:')) return effects;
    const triggers = await this.enabledEventTriggers();
    const now = state.updatedAt;
    for (const { trigger, rules } of triggers) {
      const event = events.find((candidate) => trigger.events?.includes(candidate.type));
      if (!event) continue;
      const context = ticketEventContext(event, state, now);
      const holds = conditionHolds(rules, context, now);
      if (!holds.ok) {
        this.app.log.warn(
          { triggerId: trigger._id, ticketId: state.id, reason: holds.reason.en },
          'trigger condition failed',
        );
        continue;
      }
      if (!holds.value) continue;
      const mapped = mapFields(rules, context, now);
      effects.push({
        kind: EVENT_TRIGGER_EFFECT,
        key: `${state.id}:${seq}:trigger:${trigger._id}`,
        ticketId: state.id,
        triggerId: trigger._id,
        event: event.type,
        // A mapping that fails is mapped again when the effect runs, and its reason recorded on the trigger's run.
        ...(mapped.ok ? { data: mapped.value } : {}),
      });
    }
    return effects;
  }

  /**
   * Run an event trigger a commit carries (after the commit, or again by the reconciler): open its ticket for the
   * source ticket, once. A trigger turned off or removed since opens nothing; nor does a source ticket a trigger
   * opened. A failure throws: the ticket is marked and the reconciler runs this again.
   */
  async runEventTrigger(effect: TicketEffect, commit: Commit, state: TicketState): Promise<void> {
    const triggerId = String(effect.triggerId);
    const found =
      (await this.enabledEventTriggers()).find((entry) => entry.trigger._id === triggerId) ??
      (await this.storedEventTrigger(triggerId));
    if (!found) return;
    if ((await this.collections.openings.findOne({ _id: state.id }, { projection: { _id: 1 } })) !== null)
      return;
    const { trigger, rules } = found;
    const events = (commit.payload.events ?? []) as TicketEvent[];
    const event = events.find((candidate) => candidate.type === effect.event) ?? {
      type: String(effect.event),
    };
    const now = this.app.clock.now();
    const outcome = await this.openFor(trigger, rules, {
      source: `ticket:${state.id}`,
      context: ticketEventContext(event, state, now),
      period: 'once',
      runId: `${trigger._id}@event:${state.id}`,
      sourceTicket: state,
      ...(effect.data && typeof effect.data === 'object'
        ? { data: effect.data as Record<string, unknown> }
        : {}),
      requester: async () =>
        trigger.requester ? this.app.tickets.requester(trigger.requester) : { ...state.requester },
    });
    await this.recordEventRun(trigger, outcome, new Date(now));
  }

  /** An enabled event trigger read from the store (created by another process since this one's list was read). */
  private async storedEventTrigger(
    triggerId: string,
  ): Promise<{ trigger: TriggerDoc; rules: PreparedTriggerRules } | undefined> {
    const stored = await this.collections.triggers.findOne({ _id: triggerId, enabled: true, kind: 'event' });
    if (!stored) return undefined;
    const trigger = decodeTrigger(stored);
    return { trigger, rules: prepareTriggerRules(trigger.condition, trigger.mapping) };
  }

  /**
   * The summary of a trigger's newest run, in its own document (`trigger_last_runs`): runs never write into the
   * trigger, whose `nextRunAt` another worker may be moving on at the same moment (see `TriggerLastRunDoc`).
   */
  private async writeLastRun(triggerId: string, lastRun: TriggerRunSummary): Promise<void> {
    await replaceWhole(this.collections.lastRuns, { _id: triggerId, lastRun });
  }

  /** Triggers with the summaries of their newest runs, joined here (one `_id` read; no `$lookup` on the store). */
  async withLastRuns(triggers: TriggerDoc[]): Promise<TriggerDoc[]> {
    if (triggers.length === 0) return triggers;
    const stored = await this.collections.lastRuns
      .find({ _id: { $in: triggers.map((trigger) => trigger._id) } })
      .toArray();
    const byId = new Map(stored.map((doc) => [doc._id, doc]));
    return triggers.map((trigger) => withLastRun(trigger, byId.get(trigger._id)));
  }

  /** Event triggers keep their last firing as their last run (counts of that one firing). */
  private async recordEventRun(trigger: TriggerDoc, outcome: SourceOutcome, at: Date): Promise<void> {
    if (outcome.outcome === 'failed') {
      this.app.log.warn(
        { triggerId: trigger._id, reason: outcome.reason.en },
        'event trigger could not open its ticket',
      );
    }
    await this.writeLastRun(trigger._id, {
      runId: `${trigger._id}@event:${outcome.ticketId}`,
      startedAt: at,
      finishedAt: at,
      status: outcome.outcome === 'failed' ? 'failed' : 'finished',
      reason: 'event',
      examined: 1,
      matched: 1,
      opened: outcome.outcome === 'opened' ? 1 : 0,
      existing: outcome.outcome === 'existing' ? 1 : 0,
      failed: outcome.outcome === 'failed' ? 1 : 0,
    });
  }

  // ── test: what would open now, storing nothing ───────────────────────────────────────────────────────────────

  async preview(
    trigger: TriggerDoc,
    input: { records?: RecordDoc[]; ticket?: TicketState; limit: number },
  ): Promise<{ period: string; examined: number; matched: number; items: TriggerPreviewItem[] }> {
    const now = this.app.clock.now();
    const rules = prepareTriggerRules(trigger.condition, trigger.mapping);
    const definition = await this.app.tickets.newestDefinition(trigger.ticketType);
    const form = definition?.definition.form as FormDefinition | undefined;
    const owners = new Map<string, Promise<Requester | undefined>>();
    const items: TriggerPreviewItem[] = [];
    let examined = 0;
    let matched = 0;
    const period =
      trigger.kind === 'event' ? 'once' : periodOf(trigger.repeat, new Date(now), trigger.timezone);

    const consider = async (
      source: string,
      title: string | undefined,
      context: RuleContext,
      requester: () => Promise<Requester | undefined>,
    ) => {
      examined += 1;
      const holds = conditionHolds(rules, context, now);
      if (!holds.ok) {
        items.push({ source, title, matched: false, problems: [{ field: 'condition', text: holds.reason }] });
        return;
      }
      if (!holds.value) {
        items.push({ source, title, matched: false });
        return;
      }
      matched += 1;
      const ticketId = triggerTicketId(trigger._id, source, period);
      const exists = (await this.app.tickets.events.get(ticketId, 1)) !== undefined;
      const mapped = mapFields(rules, context, now);
      const person = await requester();
      const problems: TriggerPreviewItem['problems'] = [];
      if (!mapped.ok) problems.push({ field: 'mapping', text: mapped.reason });
      if (!person)
        problems.push({
          field: 'requester',
          text: { 'zh-CN': '提单人已停用或不存在', en: 'The requester is inactive or gone' },
        });
      if (!definition || !form)
        problems.push({
          field: 'ticketType',
          text: { 'zh-CN': '工单类型尚未发布', en: 'The ticket type is not published' },
        });
      else if (mapped.ok) {
        const checked = evaluateForm(form, mapped.value, { mode: 'create' });
        for (const error of checked.errors) {
          problems.push({
            field: `mapping.${error.path.replace(/^\/?(data\/)?/, '').replace(/\//g, '.')}`,
            text: error.text,
          });
        }
      }
      items.push({
        source,
        title,
        matched: true,
        ticketId,
        exists: exists || undefined,
        ...(person ? { requester: { id: person.id, ...(person.name ? { name: person.name } : {}) } } : {}),
        ...(mapped.ok ? { data: mapped.value } : {}),
        ...(problems.length > 0 ? { problems } : {}),
      });
    };

    if (trigger.kind === 'event') {
      if (input.ticket) {
        const state = input.ticket;
        const context = ticketEventContext({ type: trigger.events?.[0] ?? 'ticket.opened' }, state, now);
        await consider(`ticket:${state.id}`, state.number, context, async () =>
          trigger.requester ? this.app.tickets.requester(trigger.requester) : { ...state.requester },
        );
      }
      return { period, examined, matched, items };
    }
    const records =
      input.records ??
      (await this.collections.records
        .find({ system: trigger.source!.system, type: trigger.source!.type })
        .sort({ _id: 1 })
        .limit(input.limit)
        .toArray());
    for (const record of records) {
      await consider(record._id, record.title, recordContext(record, now), () =>
        this.requesterFor(trigger, record, owners),
      );
    }
    return { period, examined, matched, items };
  }
}

/** The form fields of the newest published version of a type, or undefined when it is not published. */
export async function publishedFormFields(
  app: FastifyInstance,
  typeKey: string,
): Promise<string[] | undefined> {
  const definition = await app.tickets.newestDefinition(typeKey);
  return definition ? formFieldKeys(definition.definition) : undefined;
}

export { recordKeyOf };
