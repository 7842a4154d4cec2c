import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { MailIntake } from './mail-intake.js';
import { mailRoutes } from './mail.routes.js';
import { mailSettingsFromEnv, SmtpListener, type SmtpListenSettings } from './smtp-listener.js';

declare module 'fastify' {
  interface FastifyInstance {
    mailChannel: { intake: MailIntake; smtpAddress(): { host: string; port: number } | undefined };
  }
}

export interface MailChannelOptions {
  /** The listener's settings; default from the environment (`ORDO_SMTP_LISTEN`…), none when unset. */
  smtp?: SmtpListenSettings | false;
}

/**
 * Mail in: mailboxes and the message records (mail-intake.ts), the admin routes, and — in processes serving the
 * API, when `ORDO_SMTP_LISTEN` is set — the SMTP listener, started once the app is ready and closed with it.
 * Mail out goes through the notifications' SMTP sender (notifications/transports.ts), whose headers thread the
 * requester's answer back here.
 */
export const mailChannelPlugin = fp(
  async function mailChannelPlugin(app: FastifyInstance, options: MailChannelOptions) {
    const intake = new MailIntake(app, path.join(app.ordo.dataDir, 'mail'));
    await intake.ensureIndexes();
    const settings =
      options.smtp === false
        ? undefined
        : (options.smtp ?? (app.ordo.role === 'worker' ? undefined : mailSettingsFromEnv(process.env)));
    let listener: SmtpListener | undefined;
    let bound: { host: string; port: number } | undefined;
    app.decorate('mailChannel', { intake, smtpAddress: () => bound });
    await app.register(
      mailRoutes(intake, () => ({ settings, address: bound ? `${bound.host}:${bound.port}` : undefined })),
    );
    if (settings) {
      app.addHook('onReady', async () => {
        listener = new SmtpListener(settings, intake, app.log);
        const address = await listener.listen();
        bound = { host: address.address, port: address.port };
        app.log.info({ smtp: `${bound.host}:${bound.port}` }, 'mail: SMTP listener ready');
      });
      app.addHook('onClose', async () => {
        await listener?.close();
        bound = undefined;
      });
    }
  },
  { name: 'mail-channel', dependencies: ['tickets'] },
);
