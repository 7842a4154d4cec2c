import type { FastifyInstance } from 'fastify';
import type { Filter } from 'mongodb';
import type { TicketState } from '../../runtime/engine/types.js';
import { writeGateOf } from '../lib/write-gate.js';
import { flowActorsOf } from './ticket.actors.js';
import type { TicketDoc } from './ticket.projection.js';

/**
 * Projections written before they carried the people their flow names (`awaitingApproval`, `awaitingStep`,
 * `involved`) get them from their own state, so the approvers and step workers of tickets opened earlier find them
 * in their lists and may open them. Idempotent: a projection that has the fields is not touched, and a projection
 * that changed meanwhile (a newer version) is left to the write that changed it. Answers how many were completed.
 */
export async function backfillFlowActors(app: FastifyInstance): Promise<number> {
  const tickets = app.tickets.tickets;
  const stale = await tickets.find({ involved: { $exists: false } } as Filter<TicketDoc>).toArray();
  let completed = 0;
  for (const doc of stale) {
    const actors = flowActorsOf(JSON.parse(doc.state) as TicketState);
    const written = await writeGateOf(app.db).run(() =>
      tickets.updateOne({ _id: doc._id, version: doc.version }, { $set: actors }),
    );
    if (written.modifiedCount === 0) continue;
    app.tickets.catalog.note({ ...doc, ...actors });
    completed += 1;
  }
  return completed;
}
