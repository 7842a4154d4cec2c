import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** What a request through this process's API may have changed, for the caches that keep copies of it. */
export type ChangeKind = 'access' | 'people' | 'types';

declare module 'fastify' {
  interface FastifyInstance {
    /** Call `listener` after every request (not a read) that changed `kind`, before its answer leaves. */
    onChange(kind: ChangeKind, listener: () => void): void;
  }
}

/**
 * Which writes change what (templates install teams and publish types; signing out ends a session; `/api/me`
 * changes one's own password). Signing in only adds a session.
 */
const CHANGES: Record<ChangeKind, RegExp> = {
  access: /^\/api\/(auth\/logout|me|users|teams|templates)(\/|\?|$)/,
  people: /^\/api\/(users|teams|templates)(\/|\?|$)/,
  types: /^\/api\/(ticket-types|templates)(\/|\?|$)/,
};

/**
 * Several parts of the app reuse what they read for a few seconds (sessions, people, teams, newest type versions).
 * A change made through this process's API must show on the caller's very next request: one hook, after any
 * request that is not a read, tells the listeners of what it may have changed — once the change is stored and
 * before the answer leaves. Changes made by another process show when those caches expire.
 */
export const changesPlugin = fp(
  async function changesPlugin(app: FastifyInstance) {
    const listeners: Record<ChangeKind, (() => void)[]> = { access: [], people: [], types: [] };
    app.decorate('onChange', (kind: ChangeKind, listener: () => void) => {
      listeners[kind].push(listener);
    });
    app.addHook('onSend', async (request, _reply, payload) => {
      if (request.method === 'GET' || request.method === 'HEAD') return payload;
      for (const kind of Object.keys(CHANGES) as ChangeKind[]) {
        if (CHANGES[kind].test(request.url)) for (const listener of listeners[kind]) listener();
      }
      return payload;
    });
  },
  { name: 'changes' },
);
