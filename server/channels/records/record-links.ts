import type { Connection } from 'mongoose';
import { linksOf } from '../../../runtime/engine/index.js';
import type { TicketLink, TicketState } from '../../../runtime/engine/types.js';
import type { Commit } from '../../tickets/event-store.js';
import { recordCollections, recordKeyOf } from './records.model.js';
import { isDuplicateKey } from '../../lib/sequence.js';

/**
 * Which tickets link to which record, kept beside the tickets so the records list can show them without reading
 * every ticket: one document per (record, ticket), `_id` = `<record key>|<ticket id>`, written when a commit adds
 * a link and removed when one removes it. Links compare system and type case-insensitively (as the engine does),
 * so the record key uses them lower-cased.
 */
export const linkRecordKey = (link: Pick<TicketLink, 'system' | 'type' | 'id'>): string =>
  recordKeyOf(link.system.toLowerCase(), link.type.toLowerCase(), link.id);

interface LinkEvent {
  type: string;
  data?: { link?: TicketLink };
}

/** Record every link the ticket holds now, and forget `removed` ones it no longer holds. Idempotent. */
export async function indexLinks(
  db: Connection,
  state: TicketState,
  at: Date,
  removed: TicketLink[] = [],
): Promise<void> {
  const { links } = recordCollections(db);
  const held = linksOf(state);
  for (const link of held) {
    const record = linkRecordKey(link);
    await links
      .insertOne({ _id: `${record}|${state.id}`, record, ticketId: state.id, number: state.number, at })
      .catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error;
      });
  }
  const still = new Set(held.map(linkRecordKey));
  for (const link of removed) {
    const record = linkRecordKey(link);
    if (!still.has(record)) await links.deleteOne({ _id: `${record}|${state.id}` });
  }
}

/** After a commit that added or removed links: keep the index in step. */
export async function indexLinksOfCommit(db: Connection, commit: Commit, state: TicketState): Promise<void> {
  const events = (commit.payload.events ?? []) as LinkEvent[];
  const changed = events.filter((event) => event.type === 'link.added' || event.type === 'link.removed');
  if (changed.length === 0) return;
  const removed = changed.flatMap((event) =>
    event.type === 'link.removed' && event.data?.link ? [event.data.link] : [],
  );
  await indexLinks(db, state, commit.at, removed);
}
