import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Requester, TicketState } from '../../../runtime/engine/types.js';
import { HttpProblem } from '../../lib/problem.js';
import { ensureQueryIndexes } from '../../lib/query-indexes.js';
import { removeStaleTemporaries, writeWhole } from '../../lib/whole-files.js';
import { ATTACHMENTS_COLLECTION, type AttachmentDoc } from '../../tickets/attachment.model.js';
import {
  checkAttachmentType,
  DEFAULT_ATTACHMENT_TYPES,
  normaliseName,
} from '../../tickets/attachment-types.js';
import type { TicketActor } from '../../tickets/ticket.service.js';
import {
  classifyMail,
  referencedIds,
  stripQuoted,
  ticketIdOfReference,
  ticketNumbersIn,
  type MailRefusal,
} from './mail-classify.js';
import {
  decodeMailbox,
  MAIL_MESSAGES_COLLECTION,
  MAILBOXES_COLLECTION,
  type MailboxDoc,
  type MailMessageDoc,
  type MailRejectReason,
  type StoredMailboxDoc,
} from './mail.model.js';
import { isDuplicateKey } from '../../lib/sequence.js';

/** Same limit as an upload through the API (tickets/attachments.routes.ts). */
const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;
const MAX_ATTACHMENTS = 20;
const MAX_TITLE = 200;
const MAX_TEXT = 20_000;
const MAX_COMMENT = 10_000;
const CACHE_MS = 5000;
const SENDER_CACHE_MS = 30_000;

/** A message as the intake reads it (mailparser's output, narrowed to what is used). */
export interface ReadMail {
  messageId: string;
  from: string;
  fromName: string;
  subject: string;
  text: string;
  inReplyTo?: string;
  references?: string | string[];
  headers: Map<string, string[]>;
  contentType: string;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

export interface MailEnvelope {
  /** MAIL FROM; '' for the null sender. */
  from: string;
  /** The RCPT TO addresses that are mailboxes here. */
  to: string[];
}

/** What a message would do, decided without writing anything (the `test` action shows it as is). */
export type MailPlan =
  | { kind: 'rejected'; reason: MailRejectReason; detail: string }
  | {
      kind: 'reply';
      ticketId: string;
      number: string;
      requester: { id: string; name: string; email: string };
      reopen: boolean;
      body: string;
      attachments: AttachmentPlan[];
    }
  | {
      kind: 'ticket';
      typeKey: string;
      team?: string;
      data: Record<string, unknown>;
      requester: { id?: string; name: string; email: string; created: boolean };
      followUpOf?: string;
      attachments: AttachmentPlan[];
    };

export interface AttachmentPlan {
  name: string;
  contentType: string;
  size: number;
  /** Why it is not stored, when it is not. */
  refused?: string;
}

export const hash = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** The record of a message in a mailbox: the same for every delivery of that Message-ID. */
export const messageRecordId = (mailbox: string, messageId: string) =>
  `m${hash(`${mailbox}\n${messageId}`).slice(0, 32)}`;

/** The ticket a message opens: derived from its record, so a retry after a crash finds the same ticket. */
export const mailTicketId = (recordId: string) => `t${hash(`mail\n${recordId}`).slice(0, 28)}`;

const actorOf = (requester: { id: string; name?: string }): TicketActor => ({
  id: requester.id,
  roles: ['requester'],
  teams: [],
  kind: 'requester',
  name: requester.name,
});

/** Read a raw message. Throws when the parser cannot make sense of it. */
export async function readMail(raw: Buffer): Promise<ReadMail> {
  const parsed: ParsedMail = await simpleParser(raw, {
    skipHtmlToText: false,
    skipTextToHtml: true,
    skipImageLinks: true,
    maxHtmlLengthToParse: 2 * 1024 * 1024,
  });
  const headers = new Map<string, string[]>();
  for (const { key, line } of parsed.headerLines) {
    const value = line.slice(line.indexOf(':') + 1).trim();
    headers.set(key, [...(headers.get(key) ?? []), value]);
  }
  const contentTypeHeader = parsed.headers.get('content-type') as
    { value?: string; params?: Record<string, string> } | undefined;
  const contentType = [
    (contentTypeHeader?.value ?? 'text/plain').toLowerCase(),
    ...Object.entries(contentTypeHeader?.params ?? {}).map(([key, value]) => `${key.toLowerCase()}=${value}`),
  ].join('; ');
  const fromValue = parsed.from?.value[0];
  return {
    messageId:
      (parsed.messageId ?? '').replace(/^<|>$/g, '').trim() || `${hash(raw).slice(0, 40)}@no-message-id`,
    from: (fromValue?.address ?? '').toLowerCase(),
    fromName: cleanText(fromValue?.name ?? ''),
    subject: cleanText(parsed.subject ?? ''),
    text: (parsed.text ?? '').replace(/\r\n/g, '\n').replaceAll('\u0000', ''),
    inReplyTo: parsed.inReplyTo,
    references: parsed.references,
    headers,
    contentType,
    attachments: parsed.attachments.map((attachment) => ({
      filename: attachment.filename ?? '',
      contentType: attachment.contentType,
      content: attachment.content,
    })),
  };
}

/** One line of text for people: no control characters, no runs of spaces. */
function cleanText(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- control characters are what is removed
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/**
 * Mail in, end to end: the raw message is written to disk (fsync) before anything else; each mailbox it is
 * addressed to gets one record (`_id` from the mailbox and the Message-ID — the unique insert that makes a
 * message count once); then a new ticket (its id derived from the record) or a public comment on the ticket it
 * answers. A process that dies midway leaves the record `processing`; the sender's retry (it never got 250) or a
 * replay finishes it with the same ids, so there is never a second ticket.
 */
export class MailIntake {
  private ownCache?: { at: number; addresses: Set<string> };
  private readonly mailboxCache = new Map<string, { at: number; doc: MailboxDoc | null }>();
  /** Senders found by address, reused for 30 s (a person's e-mail address rarely changes; the query reads every user). */
  private readonly senders = new Map<string, { at: number; person: { id: string; name: string } }>();

  constructor(
    private readonly app: FastifyInstance,
    private readonly folder: string,
  ) {}

  get mailboxes() {
    return this.app.db.collection<StoredMailboxDoc>(MAILBOXES_COLLECTION);
  }

  get messages() {
    return this.app.db.collection<MailMessageDoc>(MAIL_MESSAGES_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    // Raw copies a killed process left half-written (the sender's retry writes them again, whole).
    const removed = await removeStaleTemporaries(this.folder, 10 * 60_000);
    if (removed > 0) this.app.log.info({ removed, folder: this.folder }, 'half-written mail copies removed');
    await ensureQueryIndexes(this.app.db, MAIL_MESSAGES_COLLECTION, [
      { outcome: 1, receivedAt: -1 },
      { mailbox: 1, receivedAt: -1 },
    ]);
  }

  /** A mailbox by address; reused for 5 s (every message asks twice: at RCPT TO and when handled). */
  async mailbox(address: string): Promise<MailboxDoc | null> {
    const key = address.toLowerCase();
    const now = Date.now();
    const cached = this.mailboxCache.get(key);
    if (cached && now - cached.at < CACHE_MS) return cached.doc;
    const stored = await this.mailboxes.findOne({ _id: key });
    const doc = stored ? decodeMailbox(stored) : null;
    this.mailboxCache.set(key, { at: now, doc });
    return doc;
  }

  /** Every mailbox address (mail from one of them is a loop); re-read every 5 s. */
  async ownAddresses(): Promise<Set<string>> {
    const now = Date.now();
    if (this.ownCache && now - this.ownCache.at < CACHE_MS) return this.ownCache.addresses;
    const addresses = new Set(
      (await this.mailboxes.find({}, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id),
    );
    this.ownCache = { at: now, addresses };
    return addresses;
  }

  /** After a change through this process's API: the next message sees it. */
  forgetMailboxes(): void {
    this.ownCache = undefined;
    this.mailboxCache.clear();
  }

  /** Write the raw message durably; its name is the sha256 of its bytes (the same message is one file). */
  async storeRaw(raw: Buffer): Promise<string> {
    const name = `${hash(raw)}.eml`;
    await writeWhole(path.join(this.folder, name), raw);
    return name;
  }

  readRaw(name: string): Promise<Buffer> {
    return readFile(path.join(this.folder, path.basename(name)));
  }

  /**
   * A message accepted over SMTP: stored raw, then handled for each mailbox it is addressed to. Resolves once
   * every record (and ticket or reply) is stored — only then may the listener answer 250.
   */
  async receive(raw: Buffer, envelope: MailEnvelope): Promise<MailMessageDoc[]> {
    const rawName = await this.storeRaw(raw);
    const now = new Date(this.app.clock.now());
    let mail: ReadMail;
    try {
      mail = await readMail(raw);
    } catch (error) {
      return Promise.all(
        envelope.to.map((mailbox) => this.recordUnparsed(mailbox, raw, rawName, envelope.from, now, error)),
      );
    }
    const results: MailMessageDoc[] = [];
    for (const address of envelope.to) {
      const mailbox = await this.mailbox(address);
      if (!mailbox) continue;
      results.push(
        await this.handle(mail, mailbox, {
          raw: rawName,
          size: raw.length,
          envelopeFrom: envelope.from,
          now,
        }),
      );
    }
    return results;
  }

  private async recordUnparsed(
    mailbox: string,
    raw: Buffer,
    rawName: string,
    envelopeFrom: string,
    now: Date,
    error: unknown,
  ): Promise<MailMessageDoc> {
    const doc: MailMessageDoc = {
      _id: `u${hash(`${mailbox}\n${rawName}`).slice(0, 32)}`,
      mailbox,
      messageId: '',
      envelopeFrom,
      from: envelopeFrom,
      fromName: '',
      subject: '',
      size: raw.length,
      raw: rawName,
      receivedAt: now,
      outcome: 'unparsed',
      reason: 'unparsed',
      detail: error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500),
    };
    await this.insertOnce(doc);
    return doc;
  }

  private async insertOnce(doc: MailMessageDoc): Promise<boolean> {
    try {
      await this.messages.insertOne(doc);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Handle one message for one mailbox: classify, claim its record, open or answer, record the outcome. */
  async handle(
    mail: ReadMail,
    mailbox: MailboxDoc,
    meta: { raw: string; size: number; envelopeFrom: string; now: Date },
    replay?: { by: string; record: MailMessageDoc },
  ): Promise<MailMessageDoc> {
    const recordId = replay?.record._id ?? messageRecordId(mailbox._id, mail.messageId);
    const base: MailMessageDoc = {
      _id: recordId,
      mailbox: mailbox._id,
      messageId: mail.messageId,
      envelopeFrom: meta.envelopeFrom,
      from: mail.from,
      fromName: mail.fromName,
      subject: mail.subject.slice(0, 500),
      size: meta.size,
      raw: meta.raw,
      receivedAt: meta.now,
      outcome: 'processing',
    };
    let resumed = false;
    if (replay) {
      // An admin decided this message is one to act on: the checks that set it aside are skipped.
      await this.messages.updateOne(
        { _id: recordId },
        {
          $set: {
            outcome: 'processing',
            messageId: mail.messageId,
            from: mail.from,
            fromName: mail.fromName,
            subject: base.subject,
            replayedAt: meta.now,
            replayedBy: replay.by,
          },
          $unset: { reason: '', detail: '' },
        },
      );
      resumed = true;
    } else {
      const refusal = await this.refusal(mail, mailbox, meta.envelopeFrom);
      if (refusal) {
        const rejected: MailMessageDoc = {
          ...base,
          outcome: 'rejected',
          reason: refusal.reason,
          detail: refusal.detail,
        };
        if (!(await this.insertOnce(rejected)))
          return (await this.messages.findOne({ _id: recordId })) ?? rejected;
        return rejected;
      }
      if (!(await this.insertOnce(base))) {
        const first = await this.messages.findOne({ _id: recordId });
        if (first && first.outcome !== 'processing') {
          const duplicate: MailMessageDoc = {
            ...base,
            _id: `d${Date.now().toString(36)}${randomBytes(8).toString('hex')}`,
            outcome: 'rejected',
            reason: 'duplicate',
            detail: `Message-ID <${mail.messageId}>`,
            duplicateOf: recordId,
            ...(first.ticketId ? { ticketId: first.ticketId, ticketNumber: first.ticketNumber } : {}),
          };
          await this.messages.insertOne(duplicate);
          return duplicate;
        }
        // Stored before but never finished (the process died): finish it now, with the same ids.
        resumed = true;
      }
    }
    const plan = await this.plan(mail, mailbox, { recordId });
    const outcome = await this.apply(plan, mail, mailbox, recordId, resumed);
    const finished: Partial<MailMessageDoc> = { ...outcome, finishedAt: new Date(this.app.clock.now()) };
    await this.messages.updateOne({ _id: recordId }, { $set: finished });
    return {
      ...base,
      ...(replay ? { replayedAt: meta.now, replayedBy: replay.by } : {}),
      ...finished,
    };
  }

  async refusal(
    mail: ReadMail,
    mailbox: MailboxDoc,
    envelopeFrom: string,
  ): Promise<{ reason: MailRefusal | 'mailbox-inactive'; detail: string } | undefined> {
    if (!mailbox.active) return { reason: 'mailbox-inactive', detail: mailbox._id };
    const classification = classifyMail({
      envelopeFrom,
      from: mail.from,
      headers: mail.headers,
      contentType: mail.contentType,
      ownAddresses: await this.ownAddresses(),
    });
    return classification.refusal
      ? { reason: classification.refusal, detail: classification.because ?? '' }
      : undefined;
  }

  /** Decide what the message does, reading but never writing. */
  async plan(mail: ReadMail, mailbox: MailboxDoc, options: { recordId?: string } = {}): Promise<MailPlan> {
    const attachments = this.attachmentPlans(mail);
    const sender = mail.from ? await this.findPerson(mail.from) : undefined;
    const thread = await this.threadOf(mail, mailbox);
    let followUpOf: string | undefined;
    if (thread && sender && thread.requester.id === sender.id) {
      const category = thread.status.category;
      if (category !== 'closed' && category !== 'cancelled') {
        return {
          kind: 'reply',
          ticketId: thread.id,
          number: thread.number,
          requester: { id: sender.id, name: sender.name, email: mail.from },
          reopen: category === 'resolved',
          body: stripQuoted(mail.text).slice(0, MAX_COMMENT) || mail.subject || '—',
          attachments,
        };
      }
      followUpOf = thread.number;
    }
    if (!sender && !mailbox.createRequesters)
      return { kind: 'rejected', reason: 'unknown-sender', detail: mail.from || '(no From)' };
    if (!mail.from) return { kind: 'rejected', reason: 'unknown-sender', detail: '(no From)' };
    const data: Record<string, unknown> = { ...mailbox.defaults };
    data[mailbox.titleField] = this.titleOf(mail);
    if (mailbox.descriptionField) {
      const text = mail.text.trim().slice(0, MAX_TEXT);
      const note = followUpOf ? `(${followUpOf})\n\n` : '';
      if (text || note) data[mailbox.descriptionField] = `${note}${text}`.trim();
    }
    void options;
    return {
      kind: 'ticket',
      typeKey: mailbox.typeKey,
      ...(mailbox.team ? { team: mailbox.team } : {}),
      data,
      requester: sender
        ? { id: sender.id, name: sender.name, email: mail.from, created: false }
        : { name: mail.fromName || mail.from.split('@')[0]!, email: mail.from, created: true },
      ...(followUpOf ? { followUpOf } : {}),
      attachments,
    };
  }

  private titleOf(mail: ReadMail): string {
    let title = mail.subject || cleanText(mail.text.split('\n').find((line) => line.trim() !== '') ?? '');
    if (title.length < 4) title = `${title} (${mail.fromName || mail.from})`.trim();
    return title.slice(0, MAX_TITLE);
  }

  private attachmentPlans(mail: ReadMail): AttachmentPlan[] {
    return mail.attachments.map((attachment, index) => {
      const name = normaliseName(attachment.filename || `attachment-${index + 1}`);
      const size = attachment.content.length;
      const refused =
        index >= MAX_ATTACHMENTS
          ? `more than ${MAX_ATTACHMENTS} attachments`
          : size === 0
            ? 'empty'
            : size > MAX_ATTACHMENT_BYTES
              ? `larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB`
              : undefined;
      return { name, contentType: attachment.contentType, size, ...(refused ? { refused } : {}) };
    });
  }

  /** The ticket a message answers: by its references (Ordo's own ids, earlier messages), then the subject. */
  private async threadOf(mail: ReadMail, mailbox: MailboxDoc): Promise<TicketState | undefined> {
    const candidates: string[] = [];
    for (const id of referencedIds(mail.inReplyTo, mail.references).reverse()) {
      const ticketId = ticketIdOfReference(id);
      if (ticketId) {
        candidates.push(ticketId);
        continue;
      }
      if (id === mail.messageId) continue;
      const earlier = await this.messages.findOne(
        { _id: messageRecordId(mailbox._id, id) },
        { projection: { ticketId: 1 } },
      );
      if (earlier?.ticketId) candidates.push(earlier.ticketId);
    }
    for (const ticketId of candidates) {
      const loaded = await this.app.tickets.load(ticketId);
      if (loaded) return loaded.state;
    }
    for (const number of ticketNumbersIn(mail.subject)) {
      const doc = await this.app.tickets.tickets.findOne({ number }, { projection: { _id: 1 } });
      if (!doc) continue;
      const loaded = await this.app.tickets.load(doc._id);
      if (loaded) return loaded.state;
    }
    return undefined;
  }

  private async findPerson(email: string): Promise<{ id: string; name: string } | undefined> {
    const cached = this.senders.get(email);
    if (cached && Date.now() - cached.at < SENDER_CACHE_MS) return cached.person;
    const person = await this.readPerson(email);
    if (person) {
      if (this.senders.size > 10_000) this.senders.clear();
      this.senders.set(email, { at: Date.now(), person });
    }
    return person;
  }

  private async readPerson(email: string): Promise<{ id: string; name: string } | undefined> {
    const escaped = email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const person = await this.app.models.User.findOne(
      { email: { $regex: `^${escaped}$`, $options: 'i' }, active: true },
      { _id: 1, displayName: 1 },
    ).lean();
    return person ? { id: String(person._id), name: person.displayName } : undefined;
  }

  /** The sender as a requester: one person per address (the username derives from it; its unique index decides). */
  private async createRequester(
    email: string,
    name: string,
    text: string,
  ): Promise<{ id: string; name: string }> {
    const username = `mail-${hash(email.toLowerCase()).slice(0, 16)}`;
    const now = new Date(this.app.clock.now());
    try {
      const created = await this.app.models.User.create({
        username,
        displayName: name || email.split('@')[0]!,
        email,
        roles: ['requester'],
        locale: /[\u4e00-\u9fff]/.test(text) ? 'zh-CN' : 'en',
        active: true,
        createdAt: now,
        updatedAt: now,
      });
      return { id: String(created._id), name: created.displayName };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await this.app.models.User.findOne({ username }, { _id: 1, displayName: 1 }).lean();
      if (!existing) throw error;
      return { id: String(existing._id), name: existing.displayName };
    }
  }

  /** Store the attachments a plan accepts on a ticket; ids derive from the record, so a re-run stores none twice. */
  private async storeAttachments(
    ticketId: string,
    recordId: string,
    mail: ReadMail,
    plans: AttachmentPlan[],
    uploader: string,
  ): Promise<{ ids: string[]; skipped: { name: string; reason: string }[] }> {
    const allowed = new Set(this.app.ordo.attachmentTypes ?? DEFAULT_ATTACHMENT_TYPES);
    const root = path.join(this.app.ordo.dataDir, 'attachments', ticketId);
    const ids: string[] = [];
    const skipped: { name: string; reason: string }[] = [];
    const docs: AttachmentDoc[] = [];
    for (const [index, plan] of plans.entries()) {
      if (plan.refused) {
        skipped.push({ name: plan.name, reason: plan.refused });
        continue;
      }
      const content = mail.attachments[index]!.content;
      const checked = await checkAttachmentType(
        plan.name,
        plan.contentType,
        content.subarray(0, 64 * 1024),
        allowed,
      );
      if (!checked.ok) {
        skipped.push({
          name: plan.name,
          reason: checked.reason === 'extension' ? 'file kind not allowed' : 'content type not allowed',
        });
        continue;
      }
      const id = `a${hash(`${recordId}\n${index}`).slice(0, 24)}`;
      await mkdir(root, { recursive: true, mode: 0o700 });
      await writeWhole(path.join(root, id), content);
      ids.push(id);
      docs.push({
        _id: id,
        ticketId,
        name: plan.name,
        contentType: checked.contentType,
        size: content.length,
        sha256: hash(content),
        uploadedBy: uploader,
        at: new Date(this.app.clock.now()),
      });
    }
    const collection = this.app.db.collection<AttachmentDoc>(ATTACHMENTS_COLLECTION);
    for (const doc of docs) {
      try {
        await collection.insertOne(doc);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    return { ids, skipped };
  }

  private async removeAttachments(ticketId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.app.db.collection<AttachmentDoc>(ATTACHMENTS_COLLECTION).deleteMany({ _id: { $in: ids } });
    await rm(path.join(this.app.ordo.dataDir, 'attachments', ticketId), { recursive: true, force: true });
  }

  /** Carry a plan out. Every step can run again after a crash without doing anything twice. */
  private async apply(
    plan: MailPlan,
    mail: ReadMail,
    mailbox: MailboxDoc,
    recordId: string,
    resumed: boolean,
  ): Promise<Partial<MailMessageDoc>> {
    if (plan.kind === 'rejected') return { outcome: 'rejected', reason: plan.reason, detail: plan.detail };
    const tickets = this.app.tickets;
    if (plan.kind === 'reply') {
      const actor = actorOf(plan.requester);
      const stored = await this.storeAttachments(
        plan.ticketId,
        recordId,
        mail,
        plan.attachments,
        plan.requester.id,
      );
      if (plan.reopen)
        await this.tryCommand(plan.ticketId, { command: 'reopen', reason: plan.body.slice(0, 500) }, actor);
      if (!(resumed && (await this.commentedAlready(plan.ticketId, plan.requester.id, plan.body)))) {
        await tickets.execute(
          plan.ticketId,
          {
            command: 'comment',
            body: plan.body,
            visibility: 'public',
            ...(stored.ids.length > 0 ? { attachments: stored.ids } : {}),
          },
          actor,
        );
      }
      const after = (await tickets.load(plan.ticketId))?.state;
      const waitsForReply = after?.tokens.some((token) => token.waitingFor?.kind === 'reply') ?? false;
      if (after && (after.status.category === 'pending' || waitsForReply))
        await this.tryCommand(plan.ticketId, { command: 'reply-received' }, actor);
      return {
        outcome: 'reply',
        ticketId: plan.ticketId,
        ticketNumber: plan.number,
        attachments: stored.ids.length,
        skipped: stored.skipped,
      };
    }
    const person = plan.requester.id
      ? { id: plan.requester.id, name: plan.requester.name }
      : await this.createRequester(
          plan.requester.email,
          plan.requester.name,
          `${mail.subject}\n${mail.text}`,
        );
    const requester: Requester = (await tickets.requester(person.id)) ?? { id: person.id, name: person.name };
    const ticketId = mailTicketId(recordId);
    const stored = await this.storeAttachments(ticketId, recordId, mail, plan.attachments, person.id);
    let state: TicketState;
    try {
      ({ state } = await tickets.open({
        typeKey: plan.typeKey,
        data: plan.data,
        requester,
        channel: 'email',
        actor: actorOf(person),
        ticketId,
      }));
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status >= 500) throw error;
      await this.removeAttachments(ticketId, stored.ids);
      const problem = error.options;
      const fields = (problem.errors ?? []).map((item) => `${item.field ?? ''} ${item.message ?? ''}`.trim());
      return {
        outcome: 'rejected',
        reason: 'ticket-refused',
        detail: [problem.detail ?? problem.text?.en ?? error.title, ...fields]
          .filter(Boolean)
          .join('; ')
          .slice(0, 1000),
      };
    }
    // The mailbox's team, set by an admin, takes the ticket whatever the type's routing chose; the audit trail
    // names the mailbox as who handed it over.
    if (mailbox.team && state.team !== mailbox.team)
      await this.tryCommand(
        ticketId,
        { command: 'assign', team: mailbox.team },
        { id: `mailbox:${mailbox._id}`, roles: ['admin'], teams: [], kind: 'user', name: mailbox.name },
      );
    return {
      outcome: 'ticket',
      ticketId,
      ticketNumber: state.number,
      attachments: stored.ids.length,
      skipped: stored.skipped,
    };
  }

  /** Run a command the engine may refuse (a ticket that moved on): a refusal is logged, not an error. */
  private async tryCommand(
    ticketId: string,
    command: Record<string, unknown>,
    actor: TicketActor,
  ): Promise<void> {
    try {
      await this.app.tickets.execute(ticketId, command as never, actor);
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status >= 500) throw error;
      this.app.log.info({ ticketId, command: command.command, err: error }, 'mail: command refused');
    }
  }

  private async commentedAlready(ticketId: string, by: string, body: string): Promise<boolean> {
    const commits = await this.app.tickets.events.loadAfter(ticketId, 0);
    return commits.some(
      (commit) =>
        commit.command === 'comment' && commit.actorId === by && commit.payload.command.body === body,
    );
  }
}
