import type { FastifyInstance } from 'fastify';
import type { LocalizedText } from '../../../runtime/common/types.js';
import { GroupInsert } from '../../lib/group-insert.js';
import { HttpProblem } from '../../lib/problem.js';
import { SEQUENCES_COLLECTION, claimNext } from '../../lib/sequence.js';
import { writeGateOf } from '../../lib/write-gate.js';
import type { TicketActor } from '../../tickets/ticket.service.js';
import {
  alertCollections,
  alertTicketIdOf,
  episodeIdOf,
  headIdOf,
  occurrenceScopeOf,
  type AlertChannelDoc,
  type AlertEpisodeDoc,
  type AlertTicketDoc,
} from './alert-channel.model.js';
import { isDuplicateKey } from '../../lib/sequence.js';
import { priorityOf, ticketDataOf, type NormalizedAlert, type Priority } from './alert-mapping.js';

/**
 * Alerts onto tickets, with storm de-duplication resting on unique `_id` inserts only (FerretDB 1.24 has neither
 * transactions nor an atomic conditional update):
 *
 * - an **episode** of a fingerprint is claimed by inserting `<channel>|<fingerprint>|<n>`; of concurrent firings
 *   one insert wins, the others read the winner's claim. The ticket id derives from the claim, and opening it is
 *   idempotent by that id, so a process dying between claim and open leaves the next firing to open it;
 * - every firing alert is an **occurrence**: a number claimed in the episode's counter (`lib/sequence.ts`: dense,
 *   never repeated, one document per number), so the count is the newest number and nothing is lost to a
 *   read-then-write race;
 * - once the episode's ticket is resolved, closed or cancelled, the next firing claims episode n + 1.
 *
 * In one process, concurrent firings of one fingerprint share one look-up (`flights`), so a storm costs one claim
 * and one open, then a batch of occurrence inserts.
 */

export type AlertOutcomeKind =
  'opened' | 'occurrence' | 'resolved' | 'resolution-recorded' | 'already-recorded' | 'no-open-ticket';

export interface AlertOutcome {
  fingerprint: string;
  status: NormalizedAlert['status'];
  outcome: AlertOutcomeKind;
  ticketId?: string;
  number?: string;
  occurrence?: number;
  episode?: number;
}

export interface OccurrenceSummary {
  channelId: string;
  channelName: string;
  fingerprint: string;
  episode: number;
  count: number;
  firstSeen?: string;
  lastSeen?: string;
  severity: string;
  title: string;
  url?: string;
  resolutions: { at: string; endsAt?: string; resolvedTicket: boolean }[];
}

/**
 * How long the open episode a look-up found serves the firings of its fingerprint right behind it (a storm) without
 * another look-up. A firing this soon after its ticket was resolved elsewhere still counts on that ticket, as one
 * racing the resolution would.
 */
const REUSE_MS = 250;

/** A ticket in one of these is still being worked: further firings are occurrences of it. */
const OPEN_CATEGORIES = new Set(['new', 'open', 'pending']);

/** Whoever acts on tickets for a channel: records resolutions and hands tickets to its team, as an admin would. */
export function channelActor(channel: AlertChannelDoc): TicketActor {
  return { id: `channel:${channel._id}`, kind: 'user', roles: ['admin'], teams: [], name: channel.name };
}

interface Current {
  episode: AlertEpisodeDoc;
  /** The ticket's number, when this look-up opened or read it. */
  number?: string;
}

export class AlertIntake {
  /** Look-ups in progress, per channel + fingerprint + mode: concurrent firings share one. */
  private readonly flights = new Map<string, Promise<Current | undefined>>();
  /**
   * The open episode a firing look-up found, per channel + fingerprint, kept REUSE_MS for the firings right behind
   * it (a storm): they count on it without reading it again. A resolution this process records drops it at once.
   */
  private readonly recent = new Map<string, { current: Current; until: number }>();
  /** Episode claims read or made (they never change once stored), so a look-up reads only the ticket's status. */
  private readonly episodeDocs = new Map<string, AlertEpisodeDoc>();
  /** The newest episode this process saw per channel + fingerprint: where the next look-up starts. */
  private readonly known = new Map<string, number>();

  /** Episode claims and ticket links of many fingerprints at once go in shared inserts (each its own commit point). */
  private readonly episodeInserts: GroupInsert<AlertEpisodeDoc>;
  private readonly linkInserts: GroupInsert<AlertTicketDoc>;

  constructor(private readonly app: FastifyInstance) {
    const gate = () => writeGateOf(app.db);
    this.episodeInserts = new GroupInsert(() => this.collections.episodes, gate);
    this.linkInserts = new GroupInsert(() => this.collections.tickets, gate);
  }

  private get collections() {
    return alertCollections(this.app.db);
  }

  /** Writes go through the process's write gate: on FerretDB one at a time keeps SQLite's one writer busy. */
  private write<T>(run: () => Promise<T>): Promise<T> {
    return writeGateOf(this.app.db).run(run);
  }

  /** Put each alert onto tickets; the outcomes in the alerts' order. */
  async process(channel: AlertChannelDoc, alerts: NormalizedAlert[]): Promise<AlertOutcome[]> {
    const at = new Date(this.app.clock.now());
    return Promise.all(
      alerts.map((alert) =>
        alert.status === 'firing' ? this.firing(channel, alert, at) : this.resolved(channel, alert, at),
      ),
    );
  }

  private async firing(channel: AlertChannelDoc, alert: NormalizedAlert, at: Date): Promise<AlertOutcome> {
    const current = await this.current(channel, alert.fingerprint, alert);
    if (!current) throw new Error('an alert episode could not be claimed');
    // An episode's occurrences are numbered from one (never raised): a process new to it looks from 0, no sort.
    const occurrence = await claimNext(this.app.db, occurrenceScopeOf(current.episode._id), at, {
      fromOne: true,
    });
    return {
      fingerprint: alert.fingerprint,
      status: 'firing',
      outcome: occurrence === 1 ? 'opened' : 'occurrence',
      ticketId: current.episode.ticketId,
      ...(current.number ? { number: current.number } : {}),
      occurrence,
      episode: current.episode.episode,
    };
  }

  private async resolved(channel: AlertChannelDoc, alert: NormalizedAlert, at: Date): Promise<AlertOutcome> {
    const base = { fingerprint: alert.fingerprint, status: 'resolved' as const };
    // Firings after this recovery look their episode up again: the ticket may be resolved by it.
    this.recent.delete(headIdOf(channel._id, alert.fingerprint));
    const current = await this.current(channel, alert.fingerprint, undefined);
    if (!current) return { ...base, outcome: 'no-open-ticket' };
    const { episode } = current;
    const instance = alert.startsAt ?? alert.endsAt ?? 'resolved';
    try {
      await this.write(() =>
        this.collections.resolutions.insertOne({
          _id: `${episode._id}|${instance}`,
          episodeId: episode._id,
          at,
          ...(alert.endsAt ? { endsAt: alert.endsAt } : {}),
          resolvedTicket: channel.autoResolve,
        }),
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return { ...base, outcome: 'already-recorded', ticketId: episode.ticketId, episode: episode.episode };
    }
    const actor = channelActor(channel);
    const when = alert.endsAt ?? at.toISOString();
    const text: LocalizedText = {
      'zh-CN': `监控告警已恢复（${when}）：${alert.title}`,
      en: `The monitoring alert has recovered (${when}): ${alert.title}`,
    };
    await this.app.tickets.execute(
      episode.ticketId,
      { command: 'comment', visibility: 'internal', body: `${text['zh-CN']}\n${text.en}` },
      actor,
    );
    let resolvedTicket = false;
    if (channel.autoResolve) {
      try {
        await this.app.tickets.execute(
          episode.ticketId,
          { command: 'resolve', comment: `${text['zh-CN']}\n${text.en}` },
          actor,
        );
        resolvedTicket = true;
      } catch (error) {
        // Already resolved by someone, or its flow cannot be resolved from where it is: the note says it all.
        if (!(error instanceof HttpProblem) || error.status !== 422) throw error;
        this.app.log.info({ ticketId: episode.ticketId, err: error }, 'alert recovered; ticket not resolved');
      }
    }
    return {
      ...base,
      outcome: resolvedTicket ? 'resolved' : 'resolution-recorded',
      ticketId: episode.ticketId,
      episode: episode.episode,
    };
  }

  /**
   * The episode an alert belongs to: the newest whose ticket is open (or still being opened). With `firing`, one is
   * claimed and its ticket opened when there is none; without, undefined then.
   */
  private current(
    channel: AlertChannelDoc,
    fingerprint: string,
    firing: NormalizedAlert | undefined,
  ): Promise<Current | undefined> {
    const head = headIdOf(channel._id, fingerprint);
    if (firing) {
      const recent = this.recent.get(head);
      if (recent && recent.until > performance.now()) return Promise.resolve(recent.current);
    }
    const key = `${head}|${firing ? 'open' : 'find'}`;
    let flight = this.flights.get(key);
    if (!flight) {
      flight = this.lookUp(channel, fingerprint, firing, false).finally(() => this.flights.delete(key));
      if (firing)
        flight.then(
          (current) => {
            if (!current) return;
            if (this.recent.size > 10_000) this.recent.clear();
            this.recent.set(head, {
              current: { episode: current.episode },
              until: performance.now() + REUSE_MS,
            });
          },
          () => undefined,
        );
      this.flights.set(key, flight);
    }
    return flight;
  }

  /** What a firing or resolved alert would meet now, storing nothing (the channel's test action). */
  async peek(
    channel: AlertChannelDoc,
    fingerprint: string,
  ): Promise<{ episode: AlertEpisodeDoc; count: number } | undefined> {
    const found = await this.lookUp(channel, fingerprint, undefined, true);
    if (!found) return undefined;
    return { episode: found.episode, count: (await this.counter(found.episode._id)).count };
  }

  private async startingEpisode(channelId: string, fingerprint: string): Promise<number> {
    const head = headIdOf(channelId, fingerprint);
    const known = this.known.get(head);
    if (known !== undefined) return known;
    return (await this.collections.heads.findOne({ _id: head }))?.episode ?? 1;
  }

  private remember(channelId: string, fingerprint: string, episode: number, claimed: boolean): void {
    const head = headIdOf(channelId, fingerprint);
    if ((this.known.get(head) ?? 0) >= episode) return;
    this.known.set(head, episode);
    if (this.known.size > 50_000) this.known.clear();
    // Only a hint for other processes and restarts: probing forward from it finds the truth. Probing starts at
    // episode 1 without one, so the first episode of a fingerprint needs none.
    if (claimed && episode > 1)
      this.write(() =>
        this.collections.heads.updateOne({ _id: head }, { $max: { episode } }, { upsert: true }),
      ).catch((error: unknown) => {
        if (!isDuplicateKey(error)) this.app.log.warn({ err: error }, 'alert head hint not written');
      });
  }

  private keepEpisode(episode: AlertEpisodeDoc): void {
    if (this.episodeDocs.has(episode._id)) return;
    if (this.episodeDocs.size > 10_000) this.episodeDocs.clear();
    this.episodeDocs.set(episode._id, episode);
  }

  private async ticketCategory(ticketId: string): Promise<string | undefined> {
    const doc = await this.app.tickets.tickets.findOne(
      { _id: ticketId },
      { projection: { statusCategory: 1 } },
    );
    return doc?.statusCategory;
  }

  private async lookUp(
    channel: AlertChannelDoc,
    fingerprint: string,
    firing: NormalizedAlert | undefined,
    readOnly: boolean,
  ): Promise<Current | undefined> {
    const { episodes } = this.collections;
    let n = await this.startingEpisode(channel._id, fingerprint);
    for (let probes = 0; probes < 10_000; probes++, n++) {
      const id = episodeIdOf(channel._id, fingerprint, n);
      const found = this.episodeDocs.get(id) ?? (await episodes.findOne({ _id: id }));
      if (found) this.keepEpisode(found);
      if (!found) {
        if (!firing || readOnly) return undefined;
        const claim: AlertEpisodeDoc = {
          _id: id,
          channelId: channel._id,
          fingerprint,
          episode: n,
          ticketId: alertTicketIdOf(id),
          alert: firing,
          at: new Date(this.app.clock.now()),
        };
        try {
          await this.episodeInserts.insert(claim);
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          n -= 1; // another process claimed it first: read its claim on the next turn
          continue;
        }
        this.keepEpisode(claim);
        this.remember(channel._id, fingerprint, n, true);
        return { episode: claim, number: await this.openTicket(channel, claim) };
      }
      const category = await this.ticketCategory(found.ticketId);
      if (category === undefined) {
        // Claimed but not opened yet: being opened elsewhere, refused before, or its opener died. Opening is
        // idempotent by the ticket id, so a firing simply (re)tries.
        if (readOnly) return { episode: found };
        if (!firing) return undefined;
        this.remember(channel._id, fingerprint, n, false);
        return { episode: found, number: await this.openTicket(channel, found) };
      }
      if (OPEN_CATEGORIES.has(category)) {
        this.remember(channel._id, fingerprint, n, false);
        return { episode: found };
      }
    }
    throw new Error(`too many episodes of ${fingerprint}`);
  }

  /** The data, priority and requester a channel opens a ticket with for an alert. */
  async ticketInput(channel: AlertChannelDoc, alert: NormalizedAlert) {
    const priority: Priority = priorityOf(alert.severity, channel.severityMap, channel.defaultPriority);
    const data = ticketDataOf(
      { alert, priority, channel: channel.name },
      channel.dataMapping,
      channel.priorityData,
    );
    return { priority, data };
  }

  /** Open (or find, when opened before) the ticket of an episode; answers its number. */
  private async openTicket(channel: AlertChannelDoc, episode: AlertEpisodeDoc): Promise<string> {
    const requester = await this.app.tickets.requester(channel.requesterId);
    if (!requester)
      throw new HttpProblem(422, 'Unprocessable Entity', {
        code: 'alert.requester',
        field: 'channel.requesterId',
        text: {
          'zh-CN': '此告警通道的提单人已不存在或已停用，请在通道设置中另选一人',
          en: "This alert channel's requester no longer exists or is inactive; pick another in its settings",
        },
      });
    const { data } = await this.ticketInput(channel, episode.alert);
    // The ticket → episode link goes first: a ticket never exists without it.
    await this.linkInserts
      .insert({
        _id: episode.ticketId,
        episodeId: episode._id,
        channelId: channel._id,
        fingerprint: episode.fingerprint,
      })
      .catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error;
      });
    const actor = channelActor(channel);
    const open = (team: string | undefined) =>
      this.app.tickets.open({
        typeKey: channel.typeKey,
        data,
        requester,
        channel: 'alert',
        tags: ['alert'],
        actor,
        ticketId: episode.ticketId,
        // In the channel's team from the first commit: a crash cannot leave the ticket in routing's queue.
        ...(team ? { team } : {}),
      });
    let state: Awaited<ReturnType<typeof open>>['state'];
    try {
      ({ state } = await open(channel.team));
    } catch (error) {
      // A team removed since the channel was set up: the ticket goes where routing sends it, and an admin is told.
      if (!(error instanceof HttpProblem) || error.options.code !== 'open.team-unknown') throw error;
      this.app.log.warn(
        { ticketId: episode.ticketId, team: channel.team },
        'alert channel team unknown; routed instead',
      );
      ({ state } = await open(undefined));
    }
    return state.number;
  }

  /** How many occurrences an episode has had, and when the first and the last came. */
  async counter(episodeId: string): Promise<{ count: number; firstSeen?: Date; lastSeen?: Date }> {
    const scope = occurrenceScopeOf(episodeId);
    const sequences = this.app.db.collection<{ _id: string; n?: number; at?: Date }>(SEQUENCES_COLLECTION);
    const get = (n: number) => sequences.findOne({ _id: `${scope}#${n}` });
    // Occurrence numbers are dense (a prefix of 1, 2, 3…): gallop forward from the counter's head hint.
    const hint = await sequences.findOne({ _id: `${scope}#head` });
    let low = hint?.n ?? 0;
    if (low > 0 && !(await get(low))) low = 0;
    let step = 1;
    let high: number | undefined;
    while (high === undefined) {
      if (await get(low + step)) {
        low += step;
        step *= 2;
      } else high = low + step;
    }
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (await get(middle)) low = middle;
      else high = middle;
    }
    if (low === 0) return { count: 0 };
    const [first, last] = await Promise.all([get(1), get(low)]);
    return {
      count: low,
      ...(first?.at ? { firstSeen: first.at } : {}),
      ...(last?.at ? { lastSeen: last.at } : {}),
    };
  }

  /** The occurrence panel of a ticket an alert opened; undefined for other tickets. */
  async summaryOf(ticketId: string): Promise<OccurrenceSummary | undefined> {
    const { tickets, episodes, channels, resolutions } = this.collections;
    const link = await tickets.findOne({ _id: ticketId });
    if (!link) return undefined;
    const [episode, channel, counter, recorded] = await Promise.all([
      episodes.findOne({ _id: link.episodeId }),
      channels.findOne({ _id: link.channelId }, { projection: { name: 1 } }),
      this.counter(link.episodeId),
      resolutions.find({ episodeId: link.episodeId }).sort({ at: 1 }).limit(50).toArray(),
    ]);
    if (!episode) return undefined;
    return {
      channelId: link.channelId,
      channelName: channel?.name ?? link.channelId,
      fingerprint: link.fingerprint,
      episode: episode.episode,
      count: counter.count,
      ...(counter.firstSeen ? { firstSeen: counter.firstSeen.toISOString() } : {}),
      ...(counter.lastSeen ? { lastSeen: counter.lastSeen.toISOString() } : {}),
      severity: episode.alert.severity,
      title: episode.alert.title,
      ...(episode.alert.url ? { url: episode.alert.url } : {}),
      resolutions: recorded.map((resolution) => ({
        at: resolution.at.toISOString(),
        ...(resolution.endsAt ? { endsAt: resolution.endsAt } : {}),
        resolvedTicket: resolution.resolvedTicket,
      })),
    };
  }
}
