import nodemailer from 'nodemailer';
import type { OutboxEntry } from './outbox.js';

/** Sends one outbox entry; resolves when the receiving side accepted it, rejects with why it did not. */
export type Transport = (entry: OutboxEntry) => Promise<void>;

export interface MailSender {
  send(message: {
    to: string;
    subject: string;
    html: string;
    text: string;
    messageId: string;
    ticketId: string;
    /** Put in the subject when the template left it out, so a reply finds its ticket (channels/mail). */
    ticketNumber?: string;
  }): Promise<void>;
  close(): void;
}

/**
 * Email through the SMTP server of `SMTP_URL` (smtp://user:pass@host:587, smtps://… for implicit TLS). An optional
 * `from` query parameter sets the sender; otherwise it is no-reply at the public URL's host.
 */
export function smtpMailSender(smtpUrl: string, publicUrl: string): MailSender {
  const url = new URL(smtpUrl);
  const from =
    url.searchParams.get('from') ?? `Ordo <no-reply@${new URL(publicUrl).hostname || 'localhost'}>`;
  url.searchParams.delete('from');
  const transporter = nodemailer.createTransport(url.toString());
  return {
    async send(message) {
      const { subject, threadId } = threadOf(message);
      await transporter.sendMail({
        from,
        to: message.to,
        subject,
        html: message.html,
        text: message.text,
        // A stable Message-ID: if a retry sends a message the server had in fact accepted, mail clients fold the
        // duplicate away.
        messageId: message.messageId,
        // Every message about a ticket names the same thread root: the requester's answer carries it in
        // In-Reply-To / References and lands back on the ticket (server/channels/mail).
        inReplyTo: threadId,
        references: [threadId],
        headers: { 'X-Ordo-Ticket': message.ticketId, 'Auto-Submitted': 'auto-generated' },
      });
    },
    close() {
      transporter.close();
    },
  };
}

/** The subject with the ticket number (when missing) and the thread root id of the ticket's messages. */
export function threadOf(message: { subject: string; ticketId: string; ticketNumber?: string }): {
  subject: string;
  threadId: string;
} {
  const number = message.ticketNumber;
  const subject =
    number && !message.subject.includes(number) ? `${message.subject} [${number}]`.trim() : message.subject;
  return { subject, threadId: `<ticket-${message.ticketId}@ordo>` };
}

export const WEBHOOK_TIMEOUT_MS = 10_000;

/** Call a webhook: 2xx is delivered; anything else (status, timeout, refused connection) is a failed attempt. */
export async function callWebhook(entry: OutboxEntry, options: { timeoutMs?: number } = {}): Promise<void> {
  const webhook = entry.webhook;
  if (!webhook) throw new Error('The entry carries no webhook call');
  const url = new URL(webhook.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`Only http(s) URLs are called, not ${url.protocol}`);
  const headers = JSON.parse(webhook.headers) as Record<string, string>;
  const method = webhook.method.toUpperCase();
  const response = await fetch(url, {
    method,
    headers: {
      ...headers,
      'content-type': 'application/json',
      'idempotency-key': entry.effectKey,
      'user-agent': 'Ordo-Webhook/1',
    },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: webhook.body }),
    // Redirects are not followed: a webhook target that moves must be changed in the definition.
    redirect: 'manual',
    signal: AbortSignal.timeout(options.timeoutMs ?? WEBHOOK_TIMEOUT_MS),
  });
  // Drain the answer so the connection is released; its content does not matter.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status > 299)
    throw new Error(`The webhook answered HTTP ${response.status}`);
}
