/**
 * What a received mail is, before anything is stored for it: a message from a person (becomes a ticket or a reply),
 * or one that must not be answered with a ticket — an automatic reply, a bounce, or a mail loop. Pure: headers in,
 * decision out (the anchors are Zammad's and osTicket's checks and RFC 3834).
 */

export type MailRefusal = 'auto-reply' | 'bounce' | 'loop';

export interface MailFacts {
  /** The envelope sender (MAIL FROM); '' for the null sender `<>` of bounces. */
  envelopeFrom: string;
  /** The From header's address, lower-case ('' when missing). */
  from: string;
  /** Header name (lower-case) → its values as text. */
  headers: ReadonlyMap<string, string[]>;
  /** The top-level content type, lower-case, with its parameters (`multipart/report; report-type=…`). */
  contentType: string;
  /** Addresses of every mailbox this server receives for (lower-case): mail from one of them is a loop. */
  ownAddresses: ReadonlySet<string>;
}

export interface Classification {
  refusal?: MailRefusal;
  /** The header or fact that decided, e.g. `Auto-Submitted: auto-replied`. */
  because?: string;
}

/** More Received headers than this and the message has been going round (sendmail's default hop limit is 25). */
export const MAX_HOPS = 25;

const BULK_PRECEDENCE = new Set(['bulk', 'junk', 'list', 'auto_reply', 'auto-reply']);
const DAEMON_SENDER = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/i;

function first(headers: ReadonlyMap<string, string[]>, name: string): string | undefined {
  const values = headers.get(name);
  return values && values.length > 0 ? values[0]!.trim() : undefined;
}

export function classifyMail(facts: MailFacts): Classification {
  const { headers } = facts;
  if (facts.envelopeFrom === '') return { refusal: 'bounce', because: 'MAIL FROM:<>' };
  if (DAEMON_SENDER.test(facts.from) || DAEMON_SENDER.test(facts.envelopeFrom))
    return { refusal: 'bounce', because: `From: ${facts.from || facts.envelopeFrom}` };
  if (
    /^multipart\/report\b/.test(facts.contentType) &&
    /report-type="?delivery-status/.test(facts.contentType)
  )
    return { refusal: 'bounce', because: 'Content-Type: multipart/report; report-type=delivery-status' };

  // Our own mail coming back (a requester's auto-forward to a mailbox, a relay misconfiguration).
  const ordoTicket = first(headers, 'x-ordo-ticket');
  if (ordoTicket !== undefined) return { refusal: 'loop', because: `X-Ordo-Ticket: ${ordoTicket}` };
  if (facts.ownAddresses.has(facts.from)) return { refusal: 'loop', because: `From: ${facts.from}` };
  const hops = headers.get('received')?.length ?? 0;
  if (hops > MAX_HOPS) return { refusal: 'loop', because: `${hops} Received headers` };

  const autoSubmitted = first(headers, 'auto-submitted');
  if (autoSubmitted !== undefined && autoSubmitted.toLowerCase() !== 'no')
    return { refusal: 'auto-reply', because: `Auto-Submitted: ${autoSubmitted}` };
  const precedence = first(headers, 'precedence');
  if (precedence !== undefined && BULK_PRECEDENCE.has(precedence.toLowerCase()))
    return { refusal: 'auto-reply', because: `Precedence: ${precedence}` };
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-auto-reply']) {
    const value = first(headers, name);
    if (value !== undefined && value.toLowerCase() !== 'no')
      return { refusal: 'auto-reply', because: `${name}: ${value}` };
  }
  const suppress = first(headers, 'x-auto-response-suppress');
  // Exchange marks its own out-of-office answers with "All" / "OOF"; a person's mail carries none of these.
  if (
    suppress !== undefined &&
    /\b(all|oof|autoreply)\b/i.test(suppress) &&
    first(headers, 'x-ms-exchange-inbox-rules-loop')
  )
    return { refusal: 'auto-reply', because: `X-Auto-Response-Suppress: ${suppress}` };
  return {};
}

/** Message ids named by In-Reply-To and References, without angle brackets, newest last. */
export function referencedIds(
  inReplyTo: string | undefined,
  references: string | string[] | undefined,
): string[] {
  const text = [
    ...(Array.isArray(references) ? references : references ? [references] : []),
    inReplyTo ?? '',
  ].join(' ');
  const ids = [...text.matchAll(/<([^<>\s]+)>|([^<>\s]+@[^<>\s]+)/g)].map((match) => match[1] ?? match[2]!);
  return [...new Set(ids)];
}

/** The ticket id an Ordo message id carries (`ticket-<id>@ordo`, see notifications/transports.ts). */
export function ticketIdOfReference(id: string): string | undefined {
  const match = /^ticket-([A-Za-z0-9]{6,64})@ordo$/.exec(id);
  return match?.[1];
}

/** Candidate ticket numbers in a subject (`Re: [INC-2026-000123] printer`): bracketed first, then bare. */
export function ticketNumbersIn(subject: string): string[] {
  const bracketed = [
    ...subject.matchAll(/\[#?([A-Za-z][A-Za-z0-9]{0,15}(?:-[A-Za-z0-9]{1,16}){1,4})\]/g),
  ].map((match) => match[1]!);
  const bare = [
    ...subject.matchAll(/(?:^|[\s(#:：])([A-Z][A-Z0-9]{0,15}(?:-[0-9A-Z]{1,16}){1,4})(?=$|[\s).,:：])/g),
  ].map((match) => match[1]!);
  return [...new Set([...bracketed, ...bare])].slice(0, 3);
}

const QUOTE_HEADERS = [
  /^On .{4,200} wrote:\s*$/,
  /^在.{2,200}写道[:：]\s*$/,
  /^-{2,}\s*(Original Message|原始邮件|Forwarded message)\s*-{2,}\s*$/i,
  /^(From|发件人)[:：] .+$/,
];

/**
 * The new text of a reply: the lines before the quoted earlier message ("On … wrote:", "在…写道：", "> …" blocks,
 * an "Original Message" divider). The whole text when nothing new remains.
 */
export function stripQuoted(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let end = lines.length;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (QUOTE_HEADERS.some((pattern) => pattern.test(line))) {
      end = index;
      break;
    }
    if (
      line.startsWith('>') &&
      lines.slice(index).every((rest) => rest.trim() === '' || rest.trim().startsWith('>'))
    ) {
      end = index;
      break;
    }
  }
  const fresh = lines.slice(0, end).join('\n').trim();
  return fresh === '' ? text.trim() : fresh;
}
