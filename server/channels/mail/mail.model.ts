/** Mailboxes (which address opens which tickets) and the record of every message received. */

export const MAILBOXES_COLLECTION = 'mailboxes';
export const MAIL_MESSAGES_COLLECTION = 'mail_messages';

export interface MailboxDoc {
  /** The recipient address, lower-case: one mailbox per address. */
  _id: string;
  name: string;
  /** Ticket type opened by a new message. */
  typeKey: string;
  /** Team the new ticket is handed to after routing (absent: the type's routing decides). */
  team?: string;
  /** Form field the subject goes to. */
  titleField: string;
  /** Form field the body text goes to ('' for none). */
  descriptionField: string;
  /** Fixed form values every ticket of this mailbox starts with (the form's other required fields). */
  defaults: Record<string, unknown>;
  /** A sender no person has as e-mail address becomes a requester; false: such mail is refused (recorded). */
  createRequesters: boolean;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A mailbox as stored: its defaults are free form values sent by an admin, which may hold arrays inside arrays that
 * FerretDB 1.24 cannot store as a document (DESIGN.md §8), so they are kept as JSON text. Mailboxes written before
 * that hold them as a document; `decodeMailbox` reads both forms.
 */
export type StoredMailboxDoc = Omit<MailboxDoc, 'defaults'> & { defaults?: unknown };

export function encodeMailbox(mailbox: MailboxDoc): StoredMailboxDoc {
  return { ...mailbox, defaults: JSON.stringify(mailbox.defaults) };
}

export function decodeMailbox(stored: StoredMailboxDoc): MailboxDoc {
  const { defaults } = stored;
  return {
    ...stored,
    defaults: (typeof defaults === 'string' ? JSON.parse(defaults) : (defaults ?? {})) as Record<
      string,
      unknown
    >,
  };
}

/**
 * What became of a message: `processing` (stored, its ticket or reply under way — a crash leaves it so, and the
 * sender's retry or a replay finishes it), `ticket` (opened one), `reply` (added to one), `rejected` (not turned
 * into a ticket, `reason` says why), `unparsed` (the parser could not read it; kept raw for an admin).
 */
export type MailOutcome = 'processing' | 'ticket' | 'reply' | 'rejected' | 'unparsed';

export type MailRejectReason =
  | 'auto-reply'
  | 'bounce'
  | 'loop'
  | 'duplicate'
  | 'unknown-sender'
  | 'ticket-refused'
  | 'mailbox-inactive'
  | 'unparsed';

export interface MailMessageDoc {
  /** `m` + sha256(mailbox, Message-ID): the unique insert that makes a message count once per mailbox. */
  _id: string;
  mailbox: string;
  messageId: string;
  envelopeFrom: string;
  from: string;
  fromName: string;
  subject: string;
  size: number;
  /** The raw message's file under `<data>/mail/` (sha256 of its bytes). */
  raw: string;
  receivedAt: Date;
  outcome: MailOutcome;
  reason?: MailRejectReason;
  /** Why, for people: the header that decided, the form's refusal… */
  detail?: string;
  ticketId?: string;
  ticketNumber?: string;
  /** Attachments stored on the ticket, and the ones refused (type, size) with why. */
  attachments?: number;
  skipped?: { name: string; reason: string }[];
  /** The record of the first copy, for a `duplicate`. */
  duplicateOf?: string;
  replayedAt?: Date;
  replayedBy?: string;
  finishedAt?: Date;
}
