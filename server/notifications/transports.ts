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
      await transporter.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        html: message.html,
        text: message.text,
        // A stable Message-ID: if a retry sends a message the server had in fact accepted, mail clients fold the
        // duplicate away.
        messageId: message.messageId,
        headers: { 'X-Ordo-Ticket': message.ticketId },
      });
    },
    close() {
      transporter.close();
    },
  };
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
