import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { MailIntake } from './mail-intake.js';

/** How the listener is set up; from the environment (`mailSettingsFromEnv`) or given by tests. */
export interface SmtpListenSettings {
  host: string;
  port: number;
  /** Largest message accepted, in bytes; a larger one is answered 552 and nothing is stored. */
  maxBytes: number;
  /** Name in the greeting and in our replies. */
  hostname: string;
  /** PEM files: with both, STARTTLS is offered. */
  tlsCert?: string;
  tlsKey?: string;
  /** `user:password` a relay must sign in with (AUTH PLAIN / LOGIN); without it no AUTH is needed. */
  auth?: { user: string; password: string };
}

export const DEFAULT_MAX_MAIL_BYTES = 25 * 1024 * 1024;

/**
 * `ORDO_SMTP_LISTEN` (`host:port`; unset: no listener), `ORDO_SMTP_MAX_BYTES`, `ORDO_SMTP_HOSTNAME`,
 * `ORDO_SMTP_TLS_CERT` + `ORDO_SMTP_TLS_KEY` (files), `ORDO_SMTP_AUTH` (`user:password`).
 */
export function mailSettingsFromEnv(env: NodeJS.ProcessEnv): SmtpListenSettings | undefined {
  const listen = env.ORDO_SMTP_LISTEN?.trim();
  if (!listen) return undefined;
  const match = /^(.*):(\d{1,5})$/.exec(listen);
  if (!match) throw new Error(`ORDO_SMTP_LISTEN must be host:port, not "${listen}"`);
  const maxBytes = env.ORDO_SMTP_MAX_BYTES ? Number(env.ORDO_SMTP_MAX_BYTES) : DEFAULT_MAX_MAIL_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1024)
    throw new Error('ORDO_SMTP_MAX_BYTES must be a whole number of bytes, at least 1024');
  const auth = env.ORDO_SMTP_AUTH?.trim();
  if (auth && !auth.includes(':')) throw new Error('ORDO_SMTP_AUTH must be user:password');
  if (Boolean(env.ORDO_SMTP_TLS_CERT) !== Boolean(env.ORDO_SMTP_TLS_KEY))
    throw new Error('ORDO_SMTP_TLS_CERT and ORDO_SMTP_TLS_KEY go together');
  return {
    host: match[1]!.replace(/^\[|\]$/g, '') || '0.0.0.0',
    port: Number(match[2]),
    maxBytes,
    hostname: env.ORDO_SMTP_HOSTNAME?.trim() || 'ordo',
    ...(env.ORDO_SMTP_TLS_CERT ? { tlsCert: env.ORDO_SMTP_TLS_CERT, tlsKey: env.ORDO_SMTP_TLS_KEY } : {}),
    ...(auth
      ? { auth: { user: auth.slice(0, auth.indexOf(':')), password: auth.slice(auth.indexOf(':') + 1) } }
      : {}),
  };
}

const smtpError = (code: number, message: string) =>
  Object.assign(new Error(message), { responseCode: code });

/**
 * The SMTP listener: refuses recipients that are no active mailbox (550), messages over the size limit (552,
 * nothing stored), and answers 250 only once `intake.receive` has stored the message and what it made. Any
 * failure of the store answers 451 (try again later): the sender keeps the message and retries.
 */
export class SmtpListener {
  private readonly server: SMTPServer;

  constructor(
    private readonly settings: SmtpListenSettings,
    private readonly intake: MailIntake,
    private readonly log: FastifyBaseLogger,
  ) {
    const tls = settings.tlsCert
      ? { key: readFileSync(settings.tlsKey!), cert: readFileSync(settings.tlsCert) }
      : undefined;
    this.server = new SMTPServer({
      name: settings.hostname,
      banner: 'Ordo mail intake',
      size: settings.maxBytes,
      logger: false,
      ...(tls ?? {}),
      hideSTARTTLS: !tls,
      authOptional: !settings.auth,
      authMethods: ['PLAIN', 'LOGIN'],
      // Without TLS a relay on a private network may still sign in; a public listener should have a certificate.
      allowInsecureAuth: true,
      disabledCommands: settings.auth ? [] : ['AUTH'],
      onAuth: (auth, _session, callback) => {
        const expected = settings.auth;
        if (expected && auth.username === expected.user && auth.password === expected.password)
          return callback(null, { user: auth.username });
        return callback(smtpError(535, 'Authentication failed'));
      },
      onRcptTo: (address, _session, callback) => {
        this.intake
          .mailbox(address.address)
          .then((mailbox) => {
            if (mailbox?.active) return callback();
            callback(smtpError(550, `No mailbox ${address.address} here`));
          })
          .catch((error: unknown) => {
            this.log.error({ err: error }, 'mail: mailbox lookup failed');
            callback(smtpError(451, 'Temporary failure, try again later'));
          });
      },
      onData: (stream, session, callback) => this.receive(stream, session, callback),
    });
    this.server.on('error', (error) => this.log.warn({ err: error }, 'mail: SMTP connection error'));
  }

  private receive(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (error?: Error | null, message?: string) => void,
  ): void {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit nothing more is kept; the rest is read and dropped so the session can answer.
      if (size <= this.settings.maxBytes) chunks.push(chunk);
    });
    stream.on('error', (error) => callback(error));
    stream.on('end', () => {
      if (stream.sizeExceeded || size > this.settings.maxBytes) {
        callback(smtpError(552, `Message exceeds the size limit of ${this.settings.maxBytes} bytes`));
        return;
      }
      const envelope = {
        from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address.toLowerCase(),
        to: session.envelope.rcptTo.map((recipient) => recipient.address.toLowerCase()),
      };
      this.intake
        .receive(Buffer.concat(chunks), envelope)
        .then((records) => {
          const tickets = records.map((record) => record.ticketNumber).filter(Boolean);
          callback(null, tickets.length > 0 ? `Accepted: ${tickets.join(', ')}` : 'Accepted');
        })
        .catch((error: unknown) => {
          this.log.error({ err: error }, 'mail: storing a message failed; the sender will retry');
          callback(smtpError(451, 'Temporary failure, try again later'));
        });
    });
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.settings.port, this.settings.host, () => {
        this.server.off('error', reject);
        resolve(this.server.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
