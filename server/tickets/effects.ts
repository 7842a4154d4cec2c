import type { FastifyInstance } from 'fastify';
import type { TicketEffect, TicketState } from '../../runtime/engine/types.js';
import type { Commit } from './event-store.js';

/**
 * Runs what a commit asked for. Every effect carries a deterministic key, and every handler is idempotent by it
 * (outbox entries and sub-tickets use the key as their `_id`, timers are re-derived from stored state), so the
 * reconciler may run a commit's effects again after a crash without doing anything twice.
 */
export interface EffectDispatcher {
  dispatch(effects: TicketEffect[], commit: Commit, state: TicketState): Promise<void>;
}

/** A handler for one kind of effect; the notification service registers `notify`, `survey` and `webhook`. */
export type EffectHandler = (effect: TicketEffect, commit: Commit, state: TicketState) => Promise<void>;

export class EffectRegistry implements EffectDispatcher {
  private readonly handlers = new Map<string, EffectHandler>();
  /** Called after every commit, whatever its effects (timers, sub-ticket completion, notifications of changes). */
  private readonly afterCommit: EffectHandler[] = [];
  /** Told of every ticket whose effect failed (the service marks it for the reconciler). */
  onFailure?: (ticketId: string) => void;

  constructor(private readonly app: FastifyInstance) {}

  on(kind: TicketEffect['kind'], handler: EffectHandler): void {
    this.handlers.set(kind, handler);
  }

  onCommit(handler: (commit: Commit, state: TicketState) => Promise<void>): void {
    this.afterCommit.push((_effect, commit, state) => handler(commit, state));
  }

  async dispatch(effects: TicketEffect[], commit: Commit, state: TicketState): Promise<void> {
    for (const effect of effects) {
      const handler = this.handlers.get(effect.kind);
      if (!handler) {
        this.app.log.debug({ effect: effect.kind, key: effect.key }, 'no handler for effect');
        continue;
      }
      try {
        await handler(effect, commit, state);
      } catch (error) {
        // The commit stands; the reconciler runs the effect again from the trail.
        this.app.log.error({ err: error, effect: effect.kind, key: effect.key }, 'effect failed; will retry');
        this.onFailure?.(state.id);
      }
    }
    for (const handler of this.afterCommit) {
      try {
        await handler({ kind: 'schedule', key: '', ticketId: state.id }, commit, state);
      } catch (error) {
        this.app.log.error({ err: error, ticketId: state.id }, 'after-commit step failed; will retry');
        this.onFailure?.(state.id);
      }
    }
  }
}
