import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Command, ParentLink, TicketEffect, TicketState } from '../../runtime/engine/types.js';
import { parseDefinitionText } from '../definitions/definition-json.js';
import { ticketTypeVersions } from '../definitions/ticket-type.model.js';
import { HttpProblem } from '../lib/problem.js';
import type { EffectRegistry } from './effects.js';
import { SYSTEM_ACTOR } from './ticket.jobs.js';
import type { TicketService } from './ticket.service.js';

/**
 * Sub-tickets end to end, on the server's side (the engine decides when to open, wait and cancel them):
 *
 * - `open-subticket`: opens the sub-ticket under an id derived from the effect's key, so however often the effect
 *   runs (retries, the reconciler) there is one sub-ticket — the commit point is its first commit's unique `_id`.
 *   Then records it on the parent (`subticket-opened`: the link and the parent's audit trail entry). A sub-ticket
 *   its type refuses (a form error, an unknown type) is recorded as failed on the parent, whose waiting step goes
 *   on by the outcome `failed`.
 * - a sub-ticket reaching `closed` or `cancelled` tells its parent (`subticket-finished` with the outcome and the
 *   status), which records it and routes a step waiting for it.
 * - `cancel-subtickets`: cancels the sub-tickets a step no longer waits for (the definition's `cancelUnfinished`).
 *
 * Every report to the parent is refused by the engine when it was made before, so running any of this twice
 * changes nothing.
 */

/** The id of the sub-ticket an `open-subticket` effect opens: the same for every run of that effect. */
export function subticketIdOf(effectKey: string): string {
  return `s${createHash('sha256').update(`subticket\n${effectKey}`).digest('hex').slice(0, 28)}`;
}

const FINISHED = new Set(['closed', 'cancelled']);

/** The engine refused the command (422) or the ticket is not there (404): a report made before, or moot. */
const isRefusal = (error: unknown) =>
  error instanceof HttpProblem && (error.status === 422 || error.status === 404);

function problemText(error: unknown): string {
  if (error instanceof HttpProblem) return error.options.detail ?? error.options.text?.en ?? error.title;
  return error instanceof Error ? error.message : String(error);
}

/** The effect a commit finishing a sub-ticket carries: its report to the parent. */
export const SUBTICKET_FINISHED_EFFECT = 'server.subticket-finished';

/** Do these events move the ticket into `closed` or `cancelled`? */
function finishes(events: readonly unknown[]): boolean {
  return (events as { type?: string; data?: { after?: { category?: string } } }[]).some(
    (event) => event.type === 'status.changed' && FINISHED.has(event.data?.after?.category ?? ''),
  );
}

export function registerSubtickets(
  app: FastifyInstance,
  effects: EffectRegistry,
  tickets: TicketService,
): void {
  /** Run a report on a ticket as the system; a refusal means it was made before. */
  const report = async (ticketId: string, command: Command) => {
    try {
      await tickets.execute(ticketId, command, SYSTEM_ACTOR);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      app.log.debug({ ticketId, command: command.command, err: error }, 'report already made');
    }
  };

  effects.on('open-subticket', async (effect: TicketEffect, _commit, parent: TicketState) => {
    const typeKey = String(effect.typeKey);
    const nodeId = typeof effect.nodeId === 'string' ? effect.nodeId : '';
    const subticketId = subticketIdOf(effect.key);
    const link: ParentLink = {
      id: parent.id,
      number: parent.number,
      typeKey: parent.typeKey,
      nodeId,
      key: effect.key,
      ...(effect.wait === true && typeof effect.waitKey === 'string' ? { waitKey: effect.waitKey } : {}),
    };
    let opened: TicketState;
    try {
      ({ state: opened } = await tickets.open({
        typeKey,
        data: (effect.data ?? {}) as Record<string, unknown>,
        // The sub-ticket is opened for the same person: routing and rules see the same requester.
        requester: parent.requester,
        channel: parent.channel,
        actor: SYSTEM_ACTOR,
        ticketId: subticketId,
        parent: link,
      }));
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status >= 500) throw error;
      // Refused for good (its form, an unknown type): retrying cannot help. Said on the parent, and in the log.
      app.log.error(
        { err: error, ticketId: parent.id, typeKey, key: effect.key },
        'sub-ticket could not be opened',
      );
      await report(parent.id, {
        command: 'subticket-opened',
        key: effect.key,
        subticketId,
        typeKey,
        nodeId,
        error: problemText(error),
      });
      return;
    }
    await report(parent.id, {
      command: 'subticket-opened',
      key: effect.key,
      subticketId: opened.id,
      number: opened.number,
      typeKey,
      nodeId,
    });
  });

  effects.on('cancel-subtickets', async (effect: TicketEffect, _commit, parent: TicketState) => {
    const children = Array.isArray(effect.children) ? (effect.children as string[]) : [];
    const finished = new Set(Array.isArray(effect.finished) ? (effect.finished as string[]) : []);
    for (const key of children) {
      const childId = subticketIdOf(key);
      if (finished.has(childId)) continue;
      await report(childId, {
        command: 'cancel',
        reason: `上级工单 ${parent.number} 已不再等待此子工单 / The parent ticket ${parent.number} no longer waits for this sub-ticket`,
      });
    }
  });

  // Carried by the very commit that finishes the sub-ticket (stored with it, run after it, and run again by the
  // reconciler when the process died in between), so a parent never misses its sub-ticket's end.
  tickets.addCommitEffects(({ state, events, seq }) =>
    state.parent !== undefined && FINISHED.has(state.status.category) && finishes(events)
      ? [
          {
            kind: SUBTICKET_FINISHED_EFFECT,
            key: `${state.id}:${seq}:subticket-finished`,
            ticketId: state.id,
          },
        ]
      : [],
  );
  effects.on(SUBTICKET_FINISHED_EFFECT, async (_effect, _commit, state) => {
    if (state.parent === undefined) return;
    await report(state.parent.id, {
      command: 'subticket-finished',
      key: state.parent.key,
      subticketId: state.id,
      number: state.number,
      outcome: state.status.category,
      status: state.status.key,
    });
  });

  effects.reportUnhandled = (ticketId, effect, reason) =>
    report(ticketId, { command: 'effect-failed', key: effect.key, kind: effect.kind, reason });

  // Timers are derived from the stored state (ticket.jobs.ts sweeps `nextTimerAt`): nothing to do per effect.
  effects.on('schedule', async () => {});
  effects.on('cancel-schedule', async () => {});

  // A published definition asking for an effect nothing here runs would leave its tickets stuck: refuse to start.
  app.addHook('onReady', async () => {
    const broken = await unhandledPublishedEffects(app, effects);
    if (broken.length > 0)
      throw new Error(`Published ticket types ask for effects this server cannot run:\n${broken.join('\n')}`);
  });
}

/** Every published version asking for an effect `effects` has no handler for, as `<key>@<version>: <why>`. */
export async function unhandledPublishedEffects(
  app: FastifyInstance,
  effects: EffectRegistry,
): Promise<string[]> {
  const versions = await ticketTypeVersions(app.db)
    .find({}, { projection: { key: 1, version: 1, definition: 1 } })
    .toArray();
  return versions.flatMap((version) =>
    effects
      .problemsOf(parseDefinitionText(version.definition))
      .map((problem) => `${version.key}@${version.version}: ${problem.text.en}`),
  );
}
