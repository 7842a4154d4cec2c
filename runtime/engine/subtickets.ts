/**
 * Sub-tickets as the parent sees them: `subticket-opened` records a sub-ticket a step opened (or could not open),
 * `subticket-finished` records how it finished and tells the step waiting for it, `effect-failed` records an effect
 * the server could not run. All three come from the server (system actor) and are idempotent: the same report twice
 * is refused the second time, so a retried effect or reconciler pass changes nothing.
 */
import { engineError } from '../flow/messages.js';
import { isPlatformActor, type NodeSignal, type Token } from '../flow/types.js';
import { OK, refuse, type Handler, type Outcome } from './handler.js';
import type { Session } from './session.js';
import type { SubticketLink, TicketState } from './types.js';

/** Most sub-tickets one ticket records (a step opens at most MAX_SUBTICKETS_PER_STEP per visit). */
export const MAX_SUBTICKETS = 500;

const systemOnly =
  (command: string) =>
  (session: Session): Outcome =>
    isPlatformActor(session.actor) ? OK : refuse(engineError('actor.system-only', { command }));

/** The ticket's sub-tickets; states stored before sub-tickets were recorded have none. */
export function subticketsOf(state: Pick<TicketState, 'subtickets'>): SubticketLink[] {
  return state.subtickets ?? [];
}

/** The waiting token a sub-ticket reports to: by the step's wait key, or by the sub-ticket's own effect key. */
function waitingToken(session: Session, key: string): Token | undefined {
  return session.draft.tokens.find(
    (token) =>
      token.waitingFor?.kind === 'subticket' &&
      (token.waitingFor.key === key || (token.waitingFor.children ?? []).includes(key)),
  );
}

function finish(
  session: Session,
  key: string,
  signal: Extract<NodeSignal, { type: 'subticket-finished' }>,
): Outcome {
  const subticketId = signal.subticketId;
  const link = subticketsOf(session.draft).find(
    (entry) => entry.id === subticketId || (subticketId === undefined && entry.key === key),
  );
  if (link !== undefined) {
    if (link.outcome !== undefined) return refuse(engineError('subticket.unknown', { key }, 'key'));
    link.outcome = signal.outcome ?? 'finished';
    if (signal.status !== undefined) link.status = signal.status;
    link.finishedAt = session.now;
  }
  const token = waitingToken(session, key);
  if (token === undefined) {
    if (link === undefined) return refuse(engineError('subticket.unknown', { key }, 'key'));
    // Nobody waits any more (the step did not wait, or went on already): the outcome is recorded all the same.
    session.emit('subticket.finished', {
      nodeId: link.nodeId,
      subticketId: link.id,
      number: link.number,
      outcome: link.outcome,
      ...(link.status === undefined ? {} : { status: link.status }),
    });
    return OK;
  }
  const waitKey = token.waitingFor?.kind === 'subticket' ? token.waitingFor.key : key;
  const number = signal.number ?? (link?.number || undefined);
  return session.runner.signal(
    token,
    { ...signal, key: waitKey, ...(number === undefined ? {} : { number }) },
    session.actor,
  );
}

export const subticketHandlers: {
  'subticket-finished': Handler<'subticket-finished'>;
  'subticket-opened': Handler<'subticket-opened'>;
  'effect-failed': Handler<'effect-failed'>;
} = {
  'subticket-finished': {
    check: systemOnly('subticket-finished'),
    run: (session, command) =>
      finish(session, command.key, {
        type: 'subticket-finished',
        key: command.key,
        ...(command.subticketId === undefined ? {} : { subticketId: command.subticketId }),
        ...(command.number === undefined ? {} : { number: command.number }),
        ...(command.outcome === undefined ? {} : { outcome: command.outcome }),
        ...(command.status === undefined ? {} : { status: command.status }),
      }),
  },

  'subticket-opened': {
    check: systemOnly('subticket-opened'),
    run: (session, command) => {
      const { draft } = session;
      const known = subticketsOf(draft);
      if (known.some((entry) => entry.id === command.subticketId || entry.key === command.key))
        return refuse(engineError('subticket.already-recorded', { key: command.key }, 'key'));
      if (known.length >= MAX_SUBTICKETS)
        return refuse(engineError('subticket.too-many', { max: MAX_SUBTICKETS }, 'key'));
      const link: SubticketLink = {
        id: command.subticketId,
        number: command.number ?? '',
        typeKey: command.typeKey,
        nodeId: command.nodeId ?? '',
        key: command.key,
        openedAt: session.now,
      };
      draft.subtickets = [...known, link];
      if (command.error === undefined) {
        session.emit('subticket.opened', {
          nodeId: link.nodeId,
          subticketId: link.id,
          number: link.number,
          typeKey: link.typeKey,
        });
        return OK;
      }
      link.error = command.error;
      session.emit('subticket.failed', {
        nodeId: link.nodeId,
        subticketId: link.id,
        typeKey: link.typeKey,
        error: command.error,
      });
      // It will never finish: it counts as finished now, so a step waiting for it goes on (by the outcome `failed`).
      return finish(session, command.key, {
        type: 'subticket-finished',
        key: command.key,
        subticketId: link.id,
        outcome: 'failed',
      });
    },
  },

  'effect-failed': {
    check: systemOnly('effect-failed'),
    run: (session, command) => {
      const { draft } = session;
      const failed = draft.failedEffects ?? [];
      if (failed.includes(command.key))
        return refuse(engineError('effect.already-reported', { key: command.key }, 'key'));
      draft.failedEffects = [...failed, command.key];
      session.emit('effect.failed', { key: command.key, kind: command.kind, reason: command.reason });
      return OK;
    },
  },
};
