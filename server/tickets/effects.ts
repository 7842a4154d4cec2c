import type { FastifyInstance } from 'fastify';
import type { Connection } from 'mongoose';
import type { Problem } from '../../runtime/common/types.js';
import { effectKindsOf } from '../../runtime/flow/registry.js';
import type { FlowDefinition } from '../../runtime/flow/types.js';
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

/** Kinds the ticket service consumes itself before dispatching (round-robin turns are claimed while deciding). */
const CONSUMED_BY_THE_SERVICE: ReadonlySet<string> = new Set(['assign-cursor']);

/** The registry of each database's app (the definitions service asks it before publishing). */
const registries = new WeakMap<Connection, EffectRegistry>();

/** The effect registry of the app on `db`, when one is running in this process. */
export function effectRegistryOf(db: Connection): EffectRegistry | undefined {
  return registries.get(db);
}

export class EffectRegistry implements EffectDispatcher {
  private readonly handlers = new Map<string, EffectHandler>();
  /** Called after every commit, whatever its effects (timers, sub-ticket completion, notifications of changes). */
  private readonly afterCommit: EffectHandler[] = [];
  /** Told of every ticket whose effect failed (the service marks it for the reconciler). */
  onFailure?: (ticketId: string) => void;
  /**
   * Records on the ticket an effect no handler could run (an `effect-failed` event in its trail), once per effect.
   * Set by the tickets plugin.
   */
  reportUnhandled?: (ticketId: string, effect: TicketEffect, reason: string) => Promise<void>;

  constructor(private readonly app: FastifyInstance) {
    registries.set(app.db, this);
  }

  on(kind: TicketEffect['kind'], handler: EffectHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Whether effects of `kind` are run (by a handler, or by the ticket service itself). */
  handles(kind: string): boolean {
    return this.handlers.has(kind) || CONSUMED_BY_THE_SERVICE.has(kind);
  }

  /**
   * The effects a definition's flow may ask for that nothing here runs, as definition problems (one per kind,
   * naming the first node that asks for it). A definition with any is not published, and the server does not
   * start with one published.
   */
  problemsOf(definition: { flow?: FlowDefinition } | Record<string, unknown>): Problem[] {
    const flow = (definition as { flow?: FlowDefinition }).flow;
    const nodes = flow?.nodes ?? [];
    return effectKindsOf(flow)
      .filter((entry) => !this.handles(entry.kind))
      .map(({ kind, nodeId }) => {
        const index = nodeId === undefined ? -1 : nodes.findIndex((node) => node.id === nodeId);
        const where =
          nodeId === undefined
            ? { 'zh-CN': '流程', en: 'The flow' }
            : { 'zh-CN': `节点“${nodeId}”`, en: `The node “${nodeId}”` };
        return {
          code: 'definition.effect.unhandled',
          path: index < 0 ? '/flow' : `/flow/nodes/${index}`,
          ...(nodeId === undefined ? {} : { nodeId }),
          params: { kind },
          text: {
            'zh-CN': `${where['zh-CN']}需要执行“${kind}”动作，但服务器没有能执行它的模块`,
            en: `${where.en} asks for “${kind}”, which nothing on this server carries out`,
          },
        };
      });
  }

  onCommit(handler: (commit: Commit, state: TicketState) => Promise<void>): void {
    this.afterCommit.push((_effect, commit, state) => handler(commit, state));
  }

  async dispatch(effects: TicketEffect[], commit: Commit, state: TicketState): Promise<void> {
    for (const effect of effects) {
      const handler = this.handlers.get(effect.kind);
      if (!handler) {
        if (CONSUMED_BY_THE_SERVICE.has(effect.kind)) continue;
        // Never silent: a definition asking for it is refused at publish and at start, so this is a defect.
        const reason = `No handler for effects of kind "${effect.kind}"`;
        this.app.log.error({ effect: effect.kind, key: effect.key, ticketId: state.id }, reason);
        try {
          await this.reportUnhandled?.(state.id, effect, reason);
        } catch (error) {
          this.app.log.error({ err: error, ticketId: state.id }, 'could not record the unhandled effect');
        }
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
