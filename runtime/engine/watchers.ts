/**
 * `watch` / `unwatch`: watchers are told about the ticket and may see it (a requester who watches someone else's
 * ticket finds it in their list). Anyone who may act on the ticket — its requester, the people working it — can
 * watch it themselves; the people working it (and integrations) can also add or remove someone else. Any watcher
 * can stop watching.
 */
import { engineError } from '../flow/messages.js';
import { OK, refuse, type Handler, type Outcome } from './handler.js';
import { isRequesterOf, worksTicket } from './rights.js';
import type { Session } from './session.js';

/** Beyond this a ticket's watcher list is a mailing list, and every notification fans out to all of it. */
export const MAX_WATCHERS = 200;

/** May add or remove other people: staff working the ticket, and integrations (`kind: 'system'`). */
const managesWatchers = (session: Session): boolean =>
  session.actor.kind === 'system' || worksTicket(session);

/** Whom the command is about, when the actor may send it for that person. */
function targetOf(
  session: Session,
  command: 'watch' | 'unwatch',
  user: string | undefined,
): { ok: true; user: string } | { ok: false; error: ReturnType<typeof engineError> } {
  const { actor } = session;
  const target = user?.trim() ?? (actor.kind === 'system' ? undefined : actor.id);
  if (target === undefined) return { ok: false, error: engineError('watch.user-required', {}, 'user') };
  // `check` let only the requester, watchers and managers through: the first two act for themselves only.
  if (target !== actor.id && !managesWatchers(session)) {
    return { ok: false, error: engineError('watch.others-forbidden', { command }, 'user') };
  }
  return { ok: true, user: target };
}

export const watchHandlers: { watch: Handler<'watch'>; unwatch: Handler<'unwatch'> } = {
  watch: {
    check: (session) => {
      const { draft, actor } = session;
      if (managesWatchers(session)) return OK;
      if (draft.watchers.includes(actor.id)) {
        return refuse(engineError('watch.already-watching', { user: actor.id }));
      }
      return isRequesterOf(draft, actor) ? OK : refuse(engineError('actor.forbidden', { command: 'watch' }));
    },
    run: (session, command): Outcome => {
      const { draft, actor } = session;
      const target = targetOf(session, 'watch', command.user);
      if (!target.ok) return target;
      const field = command.user === undefined ? undefined : 'user';
      if (draft.watchers.includes(target.user)) {
        return refuse(engineError('watch.already-watching', { user: target.user }, field));
      }
      if (draft.watchers.length >= MAX_WATCHERS) {
        return refuse(engineError('watch.too-many', { max: MAX_WATCHERS }, field));
      }
      draft.watchers.push(target.user);
      session.emit('watcher.added', { user: target.user });
      if (target.user !== actor.id) {
        session.effect('notify', session.commandKey(`watcher-${target.user}`), {
          template: 'watcher-added',
          recipients: [{ user: target.user }],
        });
      }
      return OK;
    },
  },

  unwatch: {
    check: (session) => {
      const { draft, actor } = session;
      if (managesWatchers(session) || draft.watchers.includes(actor.id)) return OK;
      return isRequesterOf(draft, actor)
        ? refuse(engineError('watch.not-watching', { user: actor.id }))
        : refuse(engineError('actor.forbidden', { command: 'unwatch' }));
    },
    run: (session, command): Outcome => {
      const { draft } = session;
      const target = targetOf(session, 'unwatch', command.user);
      if (!target.ok) return target;
      if (!draft.watchers.includes(target.user)) {
        const field = command.user === undefined ? undefined : 'user';
        return refuse(engineError('watch.not-watching', { user: target.user }, field));
      }
      draft.watchers = draft.watchers.filter((watcher) => watcher !== target.user);
      session.emit('watcher.removed', { user: target.user });
      return OK;
    },
  },
};
