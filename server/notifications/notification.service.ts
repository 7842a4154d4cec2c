import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { LocalizedText } from '../../runtime/common/types.js';
import type { TicketEffect, TicketState } from '../../runtime/engine/types.js';
import type { AccessContext } from '../access/record-rules.js';
import type { PeopleModels } from '../models/index.js';
import { DEFAULT_LINK_VALIDITY_MS, publicLinkUrl, signLink, type LinkScope } from '../public/signed-link.js';
import { seesInternal } from '../tickets/ticket.access.js';
import { flowActorsOf } from '../tickets/ticket.actors.js';
import type { LoadedDefinition } from '../tickets/ticket.service.js';
import { InAppInbox, type InAppNotification } from './in-app.js';
import type { InboxIndexKind, MemoryInboxOptions } from './inbox-index.js';
import { renderMessage, type RenderedMessage } from './message-renderer.js';
import { buildNotificationContext, fieldLabels } from './notification-context.js';
import { PeopleDirectory } from './people-directory.js';
import { Outbox, outboxEntryId, type DeliveryChannel, type OutboxEntry } from './outbox.js';
import { isRequesterAddressee, resolveAddressees, type Addressee } from './recipients.js';
import { callWebhook, type MailSender } from './transports.js';

/** What a commit looks like to the notification side: who acted and what the engine recorded. */
export interface CommitView {
  payload: { actor: { id: string; kind: string; name?: string }; events: unknown[] };
}

export interface NotificationServiceOptions {
  db: Connection;
  models: PeopleModels;
  secret: string;
  publicUrl: string;
  /** Absent: no SMTP configured, so no email is queued (in-app notifications still are). */
  mail?: MailSender;
  definitionOf(state: TicketState): Promise<LoadedDefinition | undefined>;
  zoneOf(definition: LoadedDefinition): string;
  webhookTimeoutMs?: number;
  /**
   * Called after new email or webhook entries were queued (the worker delivers them right away); awaited, so the
   * workers have been asked by the time the commit is answered.
   */
  onQueued?: () => void | Promise<void>;
  log: { warn(object: object, message: string): void; error(object: object, message: string): void };
  /** Where the bell reads from (inbox-index.ts). Default: `database`. */
  inbox?: InboxIndexKind;
  /** Memory inbox: how often it reads every notification again, and how many it holds per person. */
  inboxMemory?: Omit<MemoryInboxOptions, 'onError'>;
}

export interface DeliveryReport {
  sent: number;
  retrying: number;
  failed: number;
  skipped: number;
}

const CHANNEL_DEFAULT: readonly DeliveryChannel[] = ['email', 'in-app'];
const DEFAULT_ZONE = 'Asia/Shanghai';
const DAY_MS = 24 * 60 * 60 * 1000;

interface CommentEvent {
  type: string;
  data?: { body?: unknown; visibility?: unknown };
}

function commentOf(commit: CommitView): { body: string; visibility: string } | undefined {
  const event = (commit.payload.events as CommentEvent[]).find(
    (candidate) => candidate.type === 'comment.added',
  );
  if (!event?.data || typeof event.data.body !== 'string') return undefined;
  return { body: event.data.body, visibility: event.data.visibility === 'internal' ? 'internal' : 'public' };
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}

/** The link's lifetime: the effect's `linkValidDays` when the node set one, else the scope's default. */
function linkValidity(scope: LinkScope, effect: TicketEffect): number {
  const days = effect.linkValidDays;
  if (typeof days === 'number' && days > 0 && days <= 366) return days * DAY_MS;
  return DEFAULT_LINK_VALIDITY_MS[scope];
}

type Rendered = RenderedMessage & { link: string | null };

/** An in-app notification as a delivery record: sent once, when it was stored. */
function deliveryOf(notice: InAppNotification): OutboxEntry {
  return {
    _id: notice._id,
    ticketId: notice.ticketId,
    ticketNumber: notice.ticketNumber,
    effectKey: notice.effectKey ?? '',
    template: notice.template,
    channel: 'in-app',
    recipient: notice.userId,
    recipientKind: 'user',
    recipientName: notice.recipientName ?? null,
    address: null,
    locale: notice.locale ?? null,
    subject: notice.subject,
    body: notice.body,
    text: notice.text,
    link: notice.link,
    renderProblems: notice.renderProblems ?? null,
    webhook: null,
    status: 'sent',
    attempts: 1,
    nextAttemptAt: null,
    lastError: null,
    createdAt: notice.createdAt,
    sentAt: notice.createdAt,
    failedAt: null,
  };
}

/** The notification an in-app outbox entry (queued before notifications were stored directly) delivers. */
function legacyNotificationOf(entry: OutboxEntry, now: number): InAppNotification {
  if (entry.recipientKind !== 'user') throw new Error('In-app notifications go to people, not addresses');
  return {
    _id: entry._id,
    userId: entry.recipient,
    ticketId: entry.ticketId,
    ticketNumber: entry.ticketNumber,
    effectKey: entry.effectKey,
    template: entry.template,
    ...(entry.recipientName !== null ? { recipientName: entry.recipientName } : {}),
    ...(entry.locale !== null ? { locale: entry.locale } : {}),
    subject: entry.subject ?? '',
    body: entry.body ?? '',
    text: entry.text ?? '',
    link: entry.link,
    renderProblems: entry.renderProblems,
    createdAt: new Date(now),
    readAt: null,
  };
}

/**
 * Turns `notify`, `survey` and `webhook` effects into messages rendered at queue time, in each recipient's
 * language and zone: in-app notifications are stored at once (that is their delivery); email and webhook calls
 * become outbox entries that `deliverDue` sends with retries and backoff. Every step is idempotent by the
 * effect's key.
 */
export class NotificationService {
  readonly outbox: Outbox;
  readonly inbox: InAppInbox;
  private readonly people: PeopleDirectory;

  constructor(private readonly options: NotificationServiceOptions) {
    this.outbox = new Outbox(options.db);
    this.inbox = new InAppInbox(options.db, options.inbox, {
      ...options.inboxMemory,
      onError: (error) => options.log.warn({ err: error }, 'inbox re-read failed'),
    });
    this.people = new PeopleDirectory(options.models);
  }

  /** People or teams changed in this process: read them again for the next message. */
  forgetPeople(): void {
    this.people.forget();
  }

  get emailEnabled(): boolean {
    return this.options.mail !== undefined;
  }

  async ensureIndexes(): Promise<void> {
    await this.outbox.ensureIndexes();
    await this.inbox.ensureIndexes();
  }

  /** The effect handler for `notify`, `survey` and `webhook`. */
  async handleEffect(
    effect: TicketEffect,
    commit: CommitView,
    state: TicketState,
    now: number,
  ): Promise<void> {
    if (effect.kind === 'webhook') return this.queueWebhook(effect, state, now);
    if (effect.kind === 'survey') {
      return this.queueMessages(effect, commit, state, now, {
        template: 'survey',
        recipients: Array.isArray(effect.recipients) ? effect.recipients : ['requester'],
        link: 'survey',
      });
    }
    if (effect.kind === 'notify') {
      const template = typeof effect.template === 'string' ? effect.template : 'ticket-updated';
      return this.queueMessages(effect, commit, state, now, {
        template,
        recipients: Array.isArray(effect.recipients) ? effect.recipients : [],
        link: template === 'confirm-requested' ? 'confirm' : undefined,
      });
    }
  }

  private async queueMessages(
    effect: TicketEffect,
    commit: CommitView,
    state: TicketState,
    now: number,
    spec: { template: string; recipients: unknown[]; link: LinkScope | undefined },
  ): Promise<void> {
    const requested = Array.isArray(effect.channels)
      ? CHANNEL_DEFAULT.filter((channel) => (effect.channels as unknown[]).includes(channel))
      : CHANNEL_DEFAULT;
    const addressees = await resolveAddressees(this.people, state, spec.recipients);
    const planned: { addressee: Addressee; channel: DeliveryChannel; id: string }[] = [];
    for (const addressee of addressees) {
      for (const channel of requested) {
        if (channel === 'in-app' && addressee.kind !== 'user') continue;
        if (channel === 'email' && (!this.emailEnabled || !addressee.email)) continue;
        planned.push({ addressee, channel, id: outboxEntryId(effect.key, channel, addressee.key) });
      }
    }
    // No look-up of what an earlier run of this effect stored: rendering again is cheaper than a query that reads
    // every entry on the embedded store, and the inserts below keep the first copy (a repeat is rare: a crash).
    if (planned.length === 0) return;

    const definition = await this.options.definitionOf(state);
    const zone = definition ? this.options.zoneOf(definition) : DEFAULT_ZONE;
    const templates = definition?.definition.notifications as Record<string, unknown> | undefined;
    const fields = fieldLabels(definition);
    const comment = commentOf(commit);
    const names = await this.namesOf(state.assignee ? [state.assignee] : []);

    const notices: InAppNotification[] = [];
    const entries: OutboxEntry[] = [];
    const rendered = new Map<string, Rendered | null>();
    for (const plan of planned) {
      const { addressee } = plan;
      if (!rendered.has(addressee.key)) {
        // An internal comment is never described to someone who may not read it, whatever the template says.
        if (comment?.visibility === 'internal' && !(await this.seesInternal(addressee, state))) {
          rendered.set(addressee.key, null);
        } else {
          rendered.set(
            addressee.key,
            this.renderFor({
              effect,
              commit,
              state,
              definition,
              zone,
              addressee,
              comment,
              names,
              templates,
              fields,
              now,
              spec,
            }),
          );
        }
      }
      const message = rendered.get(addressee.key);
      if (!message) continue;
      const renderProblems = message.problems.length > 0 ? message.problems : null;
      if (plan.channel === 'in-app') {
        // Shown at once, with the change: storing it is the delivery.
        notices.push({
          _id: plan.id,
          userId: addressee.key,
          ticketId: state.id,
          ticketNumber: state.number,
          effectKey: effect.key,
          template: spec.template,
          recipientName: addressee.name,
          locale: addressee.locale,
          subject: message.subject,
          body: message.html,
          text: message.text,
          link: message.link,
          renderProblems,
          createdAt: new Date(now),
          readAt: null,
        });
        continue;
      }
      entries.push({
        _id: plan.id,
        ticketId: state.id,
        ticketNumber: state.number,
        effectKey: effect.key,
        template: spec.template,
        channel: plan.channel,
        recipient: addressee.key,
        recipientKind: addressee.kind,
        recipientName: addressee.name,
        address: addressee.email,
        locale: addressee.locale,
        subject: message.subject,
        body: message.html,
        text: message.text,
        link: message.link,
        renderProblems,
        webhook: null,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: new Date(now),
        lastError: null,
        createdAt: new Date(now),
        sentAt: null,
        failedAt: null,
      });
    }
    const [, queued] = await Promise.all([
      Promise.all(notices.map((notice) => this.inbox.deliver(notice))),
      entries.length > 0 ? this.outbox.add(entries) : [],
    ]);
    if (queued.length > 0) await this.options.onQueued?.();
  }

  private renderFor(input: {
    effect: TicketEffect;
    commit: CommitView;
    state: TicketState;
    definition: LoadedDefinition | undefined;
    zone: string;
    addressee: Addressee;
    comment: { body: string; visibility: string } | undefined;
    names: Record<string, string>;
    templates: Record<string, unknown> | undefined;
    fields: Record<string, LocalizedText>;
    now: number;
    spec: { template: string; link: LinkScope | undefined };
  }): Rendered {
    const { state, addressee, spec } = input;
    let link: { url: string; expiresAt: number } | undefined;
    // Signed links are for the requester only: anyone else holding one could answer in their name.
    if (spec.link && isRequesterAddressee(addressee, state)) {
      const round = spec.link === 'confirm' ? state.flags.resolvedAt : undefined;
      if (spec.link === 'survey' || round !== undefined) {
        const expiresAt = input.now + linkValidity(spec.link, input.effect);
        const token = signLink(this.options.secret, {
          ticketId: state.id,
          scope: spec.link,
          expiresAt,
          ...(round !== undefined ? { round } : {}),
        });
        link = { url: publicLinkUrl(this.options.publicUrl, spec.link, token), expiresAt };
      }
    }
    const context = buildNotificationContext({
      state,
      definition: input.definition,
      addressee,
      effect: input.effect,
      actorName: input.commit.payload.actor.kind === 'system' ? undefined : input.commit.payload.actor.name,
      names: input.names,
      publicUrl: this.options.publicUrl,
      ...(input.comment ? { comment: input.comment } : {}),
      ...(link ? { link } : {}),
    });
    const message = renderMessage({
      templates: input.templates,
      key: spec.template,
      context,
      locale: addressee.locale,
      zone: input.zone,
      baseUrl: this.options.publicUrl,
      fields: input.fields,
    });
    return { ...message, link: link?.url ?? null };
  }

  private async seesInternal(addressee: Addressee, state: TicketState): Promise<boolean> {
    if (addressee.kind !== 'user' || addressee.userId === null) return false;
    const context: AccessContext = {
      principal: {
        kind: 'user',
        id: addressee.userId,
        username: '',
        displayName: addressee.name,
        roles: addressee.roles,
        locale: addressee.locale,
        sessionId: '',
      },
      teams: await this.people.membershipsOf(addressee.userId),
    };
    return seesInternal(context, {
      requesterId: state.requester.id,
      watchers: state.watchers,
      team: state.team ?? null,
      assignee: state.assignee ?? null,
      assistants: state.assistants,
      ...flowActorsOf(state),
    });
  }

  private async namesOf(userIds: string[]): Promise<Record<string, string>> {
    const people = await Promise.all(userIds.map((id) => this.people.user(id)));
    // Keyed as the ticket names them (the context looks names up by the ticket's ids).
    return Object.fromEntries(
      people.flatMap((person, index) => (person ? [[userIds[index]!, person.displayName]] : [])),
    );
  }

  private async queueWebhook(effect: TicketEffect, state: TicketState, now: number): Promise<void> {
    const url = typeof effect.url === 'string' ? effect.url : '';
    let problem: string | null = null;
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
        problem = `Only http(s) URLs are called, not ${parsed.protocol}`;
    } catch {
      problem = `"${url}" is not a URL`;
    }
    const headers: Record<string, string> = {};
    if (typeof effect.headers === 'object' && effect.headers !== null) {
      for (const [name, value] of Object.entries(effect.headers as Record<string, unknown>)) {
        if (typeof value === 'string' && /^[A-Za-z0-9-]{1,100}$/.test(name)) headers[name] = value;
      }
    }
    const [inserted] = await this.outbox.add([
      {
        _id: outboxEntryId(effect.key, 'webhook', url),
        ticketId: state.id,
        ticketNumber: state.number,
        effectKey: effect.key,
        template: 'webhook',
        channel: 'webhook',
        recipient: url,
        recipientKind: 'url',
        recipientName: null,
        address: null,
        locale: null,
        subject: null,
        body: null,
        text: null,
        link: null,
        renderProblems: null,
        webhook: {
          url,
          method: typeof effect.method === 'string' ? effect.method : 'POST',
          headers: JSON.stringify(headers),
          body: JSON.stringify(effect.body ?? null),
        },
        status: problem ? 'failed' : 'pending',
        attempts: 0,
        nextAttemptAt: problem ? null : new Date(now),
        lastError: problem,
        createdAt: new Date(now),
        sentAt: null,
        failedAt: problem ? new Date(now) : null,
      },
    ]);
    if (inserted && !problem) await this.options.onQueued?.();
  }

  /** Run one delivery attempt of an entry (claimed first, so no two workers run the same attempt). */
  async deliverEntry(entry: OutboxEntry, now: number): Promise<'sent' | 'retrying' | 'failed' | 'skipped'> {
    const claim = await this.outbox.claimAttempt(entry, now);
    if (claim === 'busy') return 'skipped';
    if (claim === 'abandoned') {
      const status = await this.outbox.recordFailure(
        entry,
        'The delivery was interrupted before it finished',
        now,
      );
      return status === 'failed' ? 'failed' : 'retrying';
    }
    try {
      await this.send(entry, now);
    } catch (error) {
      const status = await this.outbox.recordFailure(entry, errorText(error), now);
      this.options.log.warn(
        { entry: entry._id, channel: entry.channel, attempts: entry.attempts + 1, err: error },
        status === 'failed' ? 'delivery failed for good' : 'delivery failed; will retry',
      );
      return status === 'failed' ? 'failed' : 'retrying';
    }
    await this.outbox.recordSent(entry, now);
    return 'sent';
  }

  private async send(entry: OutboxEntry, now: number): Promise<void> {
    switch (entry.channel) {
      case 'in-app':
        // Only entries queued before in-app notifications were stored directly.
        await this.inbox.deliver(legacyNotificationOf(entry, now));
        return;
      case 'email': {
        if (!this.options.mail) throw new Error('Email is not configured (SMTP_URL is not set)');
        if (!entry.address) throw new Error('The recipient has no email address');
        const messageHash = createHash('sha256').update(entry._id).digest('hex').slice(0, 32);
        return this.options.mail.send({
          to: entry.address,
          subject: entry.subject ?? '',
          html: entry.body ?? '',
          text: entry.text ?? '',
          messageId: `<${messageHash}@ordo>`,
          ticketId: entry.ticketId,
          ticketNumber: entry.ticketNumber,
        });
      }
      case 'webhook':
        return callWebhook(entry, { timeoutMs: this.options.webhookTimeoutMs });
    }
  }

  /**
   * Every delivery recorded for a ticket, oldest first: its in-app notifications (shown as sent, in the outbox
   * entry's shape) and its email and webhook entries.
   */
  async deliveriesOf(ticketId: string): Promise<OutboxEntry[]> {
    const [notices, entries] = await Promise.all([
      this.inbox.forTicket(ticketId),
      this.outbox.forTicket(ticketId),
    ]);
    // An in-app entry queued before notifications were their own record names the same `_id`: listed once.
    const byId = new Map<string, OutboxEntry>();
    for (const notice of notices) byId.set(notice._id, deliveryOf(notice));
    for (const entry of entries) byId.set(entry._id, entry);
    return [...byId.values()].sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0),
    );
  }

  /** Deliver every entry due at `now` (tests call this with the app's clock; the worker's job calls it too). */
  async deliverDue(now: number, limit = 200): Promise<DeliveryReport> {
    const report: DeliveryReport = { sent: 0, retrying: 0, failed: 0, skipped: 0 };
    const due = await this.outbox.due(now, limit);
    for (const entry of due) report[await this.deliverEntry(entry, now)] += 1;
    return report;
  }
}
