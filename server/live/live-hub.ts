import type { ServerResponse } from 'node:http';
import type { AccessContext } from '../access/record-rules.js';
import { ticketSight } from '../tickets/ticket.access.js';
import type { TicketDoc } from '../tickets/ticket.projection.js';

/** The fields of a ticket that decide who sees it (ticket.access.ts) and that a signal names. */
export type LiveTicket = Pick<
  TicketDoc,
  | '_id'
  | 'number'
  | 'version'
  | 'requesterId'
  | 'watchers'
  | 'team'
  | 'assignee'
  | 'assistants'
  | 'awaitingApproval'
  | 'awaitingStep'
  | 'involved'
>;

/** What the projection read for a signal holds: exactly the fields of `LiveTicket`. */
export const LIVE_TICKET_FIELDS = {
  _id: 1,
  number: 1,
  version: 1,
  requesterId: 1,
  watchers: 1,
  team: 1,
  assignee: 1,
  assistants: 1,
  awaitingApproval: 1,
  awaitingStep: 1,
  involved: 1,
} as const;

export interface LiveViewer {
  id: string;
  name: string;
  since: string;
}

/** One open event stream: where to write, and whose access filters what it is told. */
export interface LiveReader {
  context: AccessContext;
  /** Write one already formatted event; false when the stream is gone or cannot keep up. */
  write(text: string): boolean;
  close(): void;
}

interface Signal {
  /** The event's id: this process's arrival time, then a counter (`Last-Event-ID` on a reconnect). */
  id: string;
  arrival: number;
  seq: number;
  text: string;
  reaches(context: AccessContext): boolean;
}

/** How long and how many signals are kept for readers who reconnect with `Last-Event-ID`. */
export const REPLAY_MS = 2 * 60 * 1000;
const REPLAY_MAX = 2000;
/** Ids seen from other processes' arrival clocks may be this far ahead or behind ours. */
const CLOCK_SLACK_MS = 2000;
/** How many tickets' last signalled versions (and notices' ids) are remembered to drop repeats. */
const REMEMBERED = 20_000;

const isStaff = (context: AccessContext): boolean =>
  context.principal.kind === 'user' &&
  (context.principal.roles.includes('agent') || context.principal.roles.includes('admin'));

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > REMEMBERED) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

/**
 * The readers of this process and what they are told. Each signal is tested against each reader's access with
 * the ticket read's own rule (`ticketSight`): a reader who cannot see a ticket is told nothing of it. Signals come
 * from this process's own writes and from the database tail (other processes' writes); a ticket version or a
 * notice already signalled is not signalled again, whichever way it arrived first.
 */
export class LiveHub {
  private readonly readers = new Set<LiveReader>();
  private readonly recent: Signal[] = [];
  private seq = 0;
  private readonly ticketVersions = new Map<string, number>();
  private readonly notices = new Map<string, true>();
  private readonly presence = new Map<string, string>();
  /** Called when the first reader arrives and after the last one leaves (the database tail runs only between). */
  onReadersChange: (count: number) => void = () => {};

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.readers.size;
  }

  add(reader: LiveReader): void {
    this.readers.add(reader);
    if (this.readers.size === 1) this.onReadersChange(1);
  }

  remove(reader: LiveReader): void {
    if (this.readers.delete(reader) && this.readers.size === 0) this.onReadersChange(0);
  }

  /** Every reader, e.g. to check their credentials again or to send a keep-alive comment. */
  each(visit: (reader: LiveReader) => void): void {
    for (const reader of [...this.readers]) visit(reader);
  }

  closeAll(): void {
    for (const reader of [...this.readers]) reader.close();
    this.readers.clear();
  }

  /** A ticket's projection was written (here or, seen through the database, elsewhere). */
  ticketChanged(ticket: LiveTicket): void {
    const known = this.ticketVersions.get(ticket._id);
    if (known !== undefined && known >= ticket.version) return;
    remember(this.ticketVersions, ticket._id, ticket.version);
    const access = {
      requesterId: ticket.requesterId,
      watchers: ticket.watchers ?? [],
      team: ticket.team ?? null,
      assignee: ticket.assignee ?? null,
      assistants: ticket.assistants ?? [],
      awaitingApproval: ticket.awaitingApproval,
      awaitingStep: ticket.awaitingStep,
      involved: ticket.involved,
    };
    this.publish(
      'ticket',
      { ticketId: ticket._id, number: ticket.number, version: ticket.version },
      (context) => ticketSight(context, access) !== 'none',
    );
  }

  /** An in-app notice was stored for `userId`: only that person's streams hear of it. */
  notificationStored(notice: { _id: string; userId: string; ticketId: string }): void {
    if (this.notices.has(notice._id)) return;
    remember(this.notices, notice._id, true);
    this.publish(
      'notification',
      { notificationId: notice._id, ticketId: notice.ticketId },
      (context) => context.principal.kind === 'user' && context.principal.id === notice.userId,
    );
  }

  /**
   * Who has a ticket open changed: staff who may see the ticket hear the new list (the presence bar is for people
   * working tickets; requesters neither show in it nor see it).
   */
  presenceChanged(ticket: LiveTicket, viewers: LiveViewer[]): void {
    const signature = viewers
      .map((viewer) => viewer.id)
      .sort()
      .join(',');
    if ((this.presence.get(ticket._id) ?? '') === signature) return;
    if (signature === '') this.presence.delete(ticket._id);
    else remember(this.presence, ticket._id, signature);
    const access = {
      requesterId: ticket.requesterId,
      watchers: ticket.watchers ?? [],
      team: ticket.team ?? null,
      assignee: ticket.assignee ?? null,
      assistants: ticket.assistants ?? [],
      awaitingApproval: ticket.awaitingApproval,
      awaitingStep: ticket.awaitingStep,
      involved: ticket.involved,
    };
    this.publish(
      'presence',
      { ticketId: ticket._id, viewers },
      (context) => isStaff(context) && ticketSight(context, access) !== 'none',
    );
  }

  /** Tickets whose viewers this process last signalled (the presence tail compares against them). */
  presenceTickets(): string[] {
    return [...this.presence.keys()];
  }

  /**
   * What a reader reconnecting with `lastEventId` missed, in order — or `undefined` when this process no longer
   * holds (or never held) that far back: the reader must then load what it shows again (`resync`).
   */
  missedSince(lastEventId: string, context: AccessContext): string[] | undefined {
    const match = /^(\d{1,15})-(\d{1,15})$/.exec(lastEventId);
    if (!match) return undefined;
    const arrival = Number(match[1]);
    const seq = Number(match[2]);
    this.trim();
    const oldest = this.recent[0];
    const exact = this.recent.findIndex((signal) => signal.id === lastEventId);
    let missed: Signal[];
    if (exact >= 0) missed = this.recent.slice(exact + 1);
    else if (arrival >= this.now() - REPLAY_MS && (oldest === undefined || arrival >= oldest.arrival)) {
      // An id from another process (its arrival clock) or one this process has not given: take everything that
      // may have come after it; a repeat only makes the page load once more.
      missed = this.recent.filter(
        (signal) =>
          signal.arrival >= arrival - CLOCK_SLACK_MS && !(signal.arrival === arrival && signal.seq <= seq),
      );
    } else return undefined;
    return missed.filter((signal) => signal.reaches(context)).map((signal) => signal.text);
  }

  private publish(event: string, data: unknown, reaches: (context: AccessContext) => boolean): void {
    const arrival = this.now();
    this.seq += 1;
    const id = `${arrival}-${this.seq}`;
    const text = `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    this.recent.push({ id, arrival, seq: this.seq, text, reaches });
    this.trim();
    for (const reader of [...this.readers]) {
      if (!reaches(reader.context)) continue;
      if (!reader.write(text)) reader.close();
    }
  }

  private trim(): void {
    const cutoff = this.now() - REPLAY_MS;
    let drop = Math.max(0, this.recent.length - REPLAY_MAX);
    while (drop < this.recent.length && this.recent[drop]!.arrival < cutoff) drop += 1;
    if (drop > 0) this.recent.splice(0, drop);
  }
}

/** A reader over a raw HTTP response (the event stream route). */
export class ResponseReader implements LiveReader {
  private closed = false;

  constructor(
    private readonly response: ServerResponse,
    public context: AccessContext,
    private readonly onClose: (reader: ResponseReader) => void,
    /** Above this many bytes waiting to be sent the reader is too slow: it is dropped and reconnects later. */
    private readonly maxBuffered = 256 * 1024,
  ) {
    response.on('close', () => this.close());
  }

  write(text: string): boolean {
    if (this.closed || this.response.destroyed) return false;
    this.response.write(text);
    return this.response.writableLength <= this.maxBuffered;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.response.destroyed) this.response.end();
    this.onClose(this);
  }
}
