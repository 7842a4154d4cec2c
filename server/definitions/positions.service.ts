/**
 * Where the open tickets of one published version are in its flow: how many wait at each node now. Read from the
 * ticket catalog (the same filters `GET /api/tickets` uses, so a count and the list it opens agree), by the
 * projection's `atNodes` — one count per node of the version's flow, never a scan of ticket states.
 */
import type { Connection } from 'mongoose';
import type { Filter } from 'mongodb';
import type { TicketCatalog } from '../tickets/ticket-catalog.js';
import { OPEN_CATEGORIES, type TicketDoc } from '../tickets/ticket.projection.js';
import { getVersion } from './ticket-types.service.js';

/** Counting stops here per node: past it the canvas shows "10000+". */
export const MAX_COUNTED = 10_000;

export interface FlowPositions {
  key: string;
  version: number;
  /** Open tickets of this version. */
  open: number;
  /** Open tickets waiting at each node (nodes with none are listed with 0). */
  nodes: Record<string, number>;
  /** Open tickets whose list entry was written before positions were recorded: they show once they next change. */
  unplaced: number;
  /** Counts stop at this many. */
  max: number;
}

export async function flowPositions(
  db: Connection,
  catalog: TicketCatalog,
  key: string,
  version: number,
): Promise<FlowPositions> {
  const published = await getVersion(db, key, version);
  const flow = published.definition.flow as { nodes?: { id: string }[] } | undefined;
  const nodeIds = (flow?.nodes ?? []).map((node) => node.id);
  const base = {
    typeKey: key,
    typeVersion: version,
    statusCategory: { $in: [...OPEN_CATEGORIES] },
  } as Filter<TicketDoc>;
  const [open, unplaced, ...counts] = await Promise.all([
    catalog.count(base, MAX_COUNTED),
    catalog.count({ $and: [base, { atNodes: { $exists: false } }] }, MAX_COUNTED),
    ...nodeIds.map((nodeId) => catalog.count({ $and: [base, { atNodes: nodeId }] }, MAX_COUNTED)),
  ]);
  const nodes: Record<string, number> = {};
  nodeIds.forEach((nodeId, index) => {
    nodes[nodeId] = counts[index] ?? 0;
  });
  return { key, version, open, nodes, unplaced, max: MAX_COUNTED };
}
