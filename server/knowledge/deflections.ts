/**
 * Deflections and votes. A deflection: a requester filling a portal form opened a suggested article
 * (`recordDeflection`) and that draft session never submitted (`markSubmitted` turns it into "submitted
 * anyway"). Reports count them with `countDeflections` (`$match` + `$group` + `$sum` only, DESIGN.md §8).
 */
import type { Connection } from 'mongoose';
import { deflections, votes, type DeflectionDoc } from './article.model.js';
import { isDuplicateKey } from '../lib/sequence.js';

export async function recordDeflection(
  db: Connection,
  input: { session: string; articleId: string; userId: string | null; typeKey: string | null; at: Date },
): Promise<void> {
  const doc: DeflectionDoc = {
    _id: `${input.session}:${input.articleId}`,
    session: input.session,
    articleId: input.articleId,
    userId: input.userId,
    typeKey: input.typeKey,
    at: input.at,
    day: input.at.toISOString().slice(0, 10),
    deflected: 1,
    submitted: 0,
    ticketId: null,
  };
  try {
    await deflections(db).insertOne(doc);
  } catch (error) {
    // Opening the same article twice in one draft session is one deflection.
    if (!isDuplicateKey(error)) throw error;
  }
}

/** The draft session submitted its ticket: what it opened did not deflect it. Returns how many articles. */
export async function markSubmitted(
  db: Connection,
  session: string,
  userId: string,
  ticketId: string,
): Promise<number> {
  const result = await deflections(db).updateMany(
    { session, userId },
    { $set: { deflected: 0, submitted: 1, ticketId } },
  );
  return result.modifiedCount;
}

export interface DeflectionCounts {
  /** Suggested articles opened from a portal form (one per draft session and article). */
  opened: number;
  /** …of which the session never submitted its ticket. */
  deflected: number;
  /** …of which the session submitted its ticket anyway. */
  submittedAnyway: number;
  /** Draft sessions that opened at least one article and did not submit. */
  deflectedSessions: number;
}

/** Deflections in `[from, to)`, optionally of one ticket type. */
export async function countDeflections(
  db: Connection,
  filter: { from?: Date; to?: Date; typeKey?: string } = {},
): Promise<DeflectionCounts> {
  const match: Record<string, unknown> = {};
  if (filter.from || filter.to)
    match.at = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
  if (filter.typeKey) match.typeKey = filter.typeKey;
  // One accumulator per `$group`: FerretDB 1.24 answers 0 for every `$sum` after the first in a stage, so the
  // flags go into the group key and each key's documents are counted.
  const groups = await deflections(db)
    .aggregate<{ _id: { session: string; deflected: number; submitted: number }; n: number }>([
      { $match: match },
      {
        $group: {
          _id: { session: '$session', deflected: '$deflected', submitted: '$submitted' },
          n: { $sum: 1 },
        },
      },
    ])
    .toArray();
  const counts: DeflectionCounts = { opened: 0, deflected: 0, submittedAnyway: 0, deflectedSessions: 0 };
  const deflectedSessions = new Set<string>();
  for (const group of groups) {
    counts.opened += group.n;
    if (group._id.deflected === 1) {
      counts.deflected += group.n;
      deflectedSessions.add(group._id.session);
    }
    if (group._id.submitted === 1) counts.submittedAnyway += group.n;
  }
  counts.deflectedSessions = deflectedSessions.size;
  return counts;
}

export async function castVote(db: Connection, articleId: string, voter: string, helpful: boolean, at: Date) {
  await votes(db).replaceOne(
    { _id: `${articleId}:${voter}` },
    { articleId, helpful: helpful ? 1 : 0, notHelpful: helpful ? 0 : 1, at },
    { upsert: true },
  );
}

export async function voteCounts(
  db: Connection,
  articleId: string,
): Promise<{ helpful: number; notHelpful: number }> {
  const groups = await votes(db)
    .aggregate<{ _id: number; n: number }>([
      { $match: { articleId } },
      { $group: { _id: '$helpful', n: { $sum: 1 } } },
    ])
    .toArray();
  return {
    helpful: groups.find((group) => group._id === 1)?.n ?? 0,
    notHelpful: groups.find((group) => group._id === 0)?.n ?? 0,
  };
}
