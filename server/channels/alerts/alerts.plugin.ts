import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import {
  alertCollections,
  decodeAlertChannel,
  ensureAlertIndexes,
  type AlertChannelDoc,
} from './alert-channel.model.js';
import { AlertIntake } from './alert-intake.js';
import { alertChannelsRoutes } from './alert-channels.routes.js';
import { alertsRoutes } from './alerts.routes.js';

/** A channel read by the webhook is reused this long (a storm reads it once); admin changes here drop it at once. */
const CHANNEL_REUSE_MS = 2000;

/** Monitoring alerts: the webhook, the de-duplicating intake and the admin API of alert channels. */
export const alertsPlugin = fp(
  async function alertsPlugin(app: FastifyInstance) {
    await ensureAlertIndexes(app.db);
    const intake = new AlertIntake(app);
    const reused = new Map<string, { channel: Promise<AlertChannelDoc | undefined>; until: number }>();
    const channelOf = (id: string) => {
      const now = Date.now();
      const hit = reused.get(id);
      if (hit && hit.until > now) return hit.channel;
      const channel = alertCollections(app.db)
        .channels.findOne({ _id: id })
        .then((doc) => (doc ? decodeAlertChannel(doc) : undefined));
      channel.catch(() => reused.delete(id));
      if (reused.size > 1000) reused.clear();
      reused.set(id, { channel, until: now + CHANNEL_REUSE_MS });
      return channel;
    };
    const forget = (id?: string) => (id ? reused.delete(id) : reused.clear());
    await app.register(alertsRoutes, { intake, channelOf });
    await app.register(alertChannelsRoutes, { intake, forget });
  },
  { name: 'channels-alerts', dependencies: ['db', 'tickets'] },
);
