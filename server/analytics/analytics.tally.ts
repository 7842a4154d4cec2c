/**
 * The counting under every figure: `$match` → `$group` → `$sum` over the reporting fields of the ticket
 * projections (DESIGN.md §8 — FerretDB's only accumulator is `$sum`), or the same groups counted in one walk over
 * the memory catalog when this process holds one. Either way no ticket's runtime state is read: the database
 * returns group totals (and, for the heat map, creation instants alone), the catalog already holds the flat
 * fields. Means and shares are derived from the sums, percentiles from the count of each distinct minute value.
 */
import type { Collection, Filter } from 'mongodb';
import type { CatalogEntry, TicketCatalog } from '../tickets/ticket-catalog.js';
import type { TicketDoc } from '../tickets/ticket.projection.js';

/** The 0/1 reporting flags every group sums. */
export const SUMMED = [
  'resolved',
  'breached',
  'slaMet',
  'fcr',
  'rated',
  'satisfied',
  'neutral',
  'dissatisfied',
  'open',
] as const;
export type Summed = (typeof SUMMED)[number];

export interface Group {
  key: string | number | null;
  /** Tickets in the group. */
  n: number;
  sums: Record<Summed, number>;
}

/** One `$group`: over the period's tickets (`cohort`) or over the tickets open now (`current`). */
export interface GroupSpec {
  name: string;
  scope: 'cohort' | 'current';
  /** The field grouped by; null: one group of everything. */
  by: keyof CatalogEntry | null;
  /** Only tickets with these 0/1 flags set to these values. */
  where?: Partial<Record<Summed, 0 | 1>>;
  /** Leave out tickets whose `by` field is null (durations not measured yet). */
  skipNull?: boolean;
}

export interface TallyRequest {
  /** Visibility and dimension filters (everything but the period). */
  base: Filter<TicketDoc>;
  from: string;
  to: string;
  specs: GroupSpec[];
  /** Open tickets by age: creation instants bounding each bucket, newest first (now − 1 day, now − 3 days…). */
  ageBounds: number[];
  /** Zone of the weekday × hour heat map. */
  zone: string;
}

export interface TallyResult {
  groups: Map<string, Group[]>;
  /** Open tickets per age bucket: ageBounds.length + 1 counts, youngest first. */
  ages: number[];
  /** Tickets created in the period, [weekday Monday = 0][hour]. */
  heatmap: number[][];
  /** Where it was counted. */
  source: 'memory' | 'database';
}

const emptySums = (): Record<Summed, number> =>
  Object.fromEntries(SUMMED.map((field) => [field, 0])) as Record<Summed, number>;

/**
 * Weekday (Monday 0) and hour of an instant in a zone. The zone's offset is read once per UTC hour (offsets change
 * on hour boundaries), so a year of tickets costs some thousands of `Intl` calls, not one per ticket.
 */
export function weekdayHour(zone: string): (at: number) => [number, number] {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  });
  const offsets = new Map<number, number>();
  // Entries come in creation order: most instants fall in the hour of the one before.
  let lastSlot = Number.NaN;
  let lastOffset = 0;
  return (at) => {
    const hourSlot = Math.floor(at / 3_600_000);
    if (hourSlot !== lastSlot) {
      let offset = offsets.get(hourSlot);
      if (offset === undefined) {
        const start = hourSlot * 3_600_000;
        const parts = Object.fromEntries(
          format.formatToParts(new Date(start)).map((part) => [part.type, Number(part.value)]),
        );
        offset = Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour! % 24, parts.minute) - start;
        offsets.set(hourSlot, offset);
      }
      lastSlot = hourSlot;
      lastOffset = offset;
    }
    const local = at + lastOffset;
    // 1970-01-01 was a Thursday (3 with Monday as 0).
    const day = Math.floor(local / 86_400_000);
    return [(((day + 3) % 7) + 7) % 7, Math.floor((local - day * 86_400_000) / 3_600_000)];
  };
}

const emptyHeatmap = () => Array.from({ length: 7 }, () => new Array<number>(24).fill(0));

/** Age bucket of a creation instant: 0 for the youngest (after ageBounds[0]). */
function ageBucket(createdAt: number, bounds: number[]): number {
  let bucket = 0;
  while (bucket < bounds.length && createdAt < bounds[bucket]!) bucket++;
  return bucket;
}

/** The groups counted in one walk over the catalog's entries (no database round trip). */
export async function tallyMemory(catalog: TicketCatalog, request: TallyRequest): Promise<TallyResult> {
  const entries = await catalog.find(
    request.base,
    { field: 'createdAt', direction: 1 },
    Number.MAX_SAFE_INTEGER,
  );
  const tables = request.specs.map(() => new Map<string | number | null, Group>());
  const ages = new Array<number>(request.ageBounds.length + 1).fill(0);
  const heatmap = emptyHeatmap();
  const placeOf = weekdayHour(request.zone);
  // Specs compiled once: the walk below runs for every ticket, so it does no more than it must.
  const compiled = request.specs.map((spec, index) => ({
    cohort: spec.scope === 'cohort',
    by: spec.by,
    where: Object.entries(spec.where ?? {}) as [Summed, number][],
    skipNull: spec.skipNull === true,
    table: tables[index]!,
  }));
  for (const entry of entries) {
    const inPeriod = entry.createdDay >= request.from && entry.createdDay <= request.to;
    const open = entry.open === 1;
    if (!inPeriod && !open) continue;
    const createdAt = entry.createdAt.getTime();
    if (inPeriod) {
      const [weekday, hour] = placeOf(createdAt);
      heatmap[weekday]![hour]! += 1;
    }
    if (open) ages[ageBucket(createdAt, request.ageBounds)]! += 1;
    next: for (const spec of compiled) {
      if (spec.cohort ? !inPeriod : !open) continue;
      for (const [field, value] of spec.where) if (entry[field] !== value) continue next;
      const raw = spec.by === null ? null : (entry[spec.by] as string | number | null | undefined);
      const key = raw ?? null;
      if (key === null && spec.skipNull) continue;
      let group = spec.table.get(key);
      if (!group) {
        group = { key, n: 0, sums: emptySums() };
        spec.table.set(key, group);
      }
      group.n += 1;
      const sums = group.sums;
      sums.resolved += entry.resolved;
      sums.breached += entry.breached;
      sums.slaMet += entry.slaMet;
      sums.fcr += entry.fcr;
      sums.rated += entry.rated;
      sums.satisfied += entry.satisfied;
      sums.neutral += entry.neutral;
      sums.dissatisfied += entry.dissatisfied;
      sums.open += entry.open;
    }
  }
  return {
    groups: new Map(request.specs.map((spec, index) => [spec.name, [...tables[index]!.values()]])),
    ages,
    heatmap,
    source: 'memory',
  };
}

/** The same groups as `$match` / `$group` / `$sum` pipelines on the `tickets` collection. */
export async function tallyDatabase(
  tickets: Collection<TicketDoc>,
  request: TallyRequest,
): Promise<TallyResult> {
  const cohort: Filter<TicketDoc> = {
    $and: [request.base, { createdDay: { $gte: request.from, $lte: request.to } }],
  };
  const current: Filter<TicketDoc> = { $and: [request.base, { open: 1 }] };
  // One accumulator per `$group`: FerretDB 1.24 answers 0 for every `$sum` after the first in the same stage.
  // So the flags go into the group key, and each group's flag totals are the counts of the keys holding a 1.
  const flagKey = Object.fromEntries(SUMMED.map((field) => [field, `$${field}`]));
  const groups = await Promise.all(
    request.specs.map(async (spec) => {
      const match: Record<string, unknown>[] = [spec.scope === 'cohort' ? cohort : current];
      if (spec.where) match.push(spec.where);
      if (spec.skipNull && spec.by) match.push({ [spec.by]: { $ne: null } });
      const rows = await tickets
        .aggregate<{ _id: Record<string, unknown>; n: number }>([
          { $match: { $and: match } },
          {
            $group: {
              _id: spec.by === null ? flagKey : { key: `$${spec.by}`, ...flagKey },
              n: { $sum: 1 },
            },
          },
        ])
        .toArray();
      const table = new Map<string | number | null, Group>();
      for (const row of rows) {
        const key = (row._id.key ?? null) as string | number | null;
        let group = table.get(key);
        if (!group) {
          group = { key, n: 0, sums: emptySums() };
          table.set(key, group);
        }
        group.n += row.n;
        for (const field of SUMMED) group.sums[field] += Number(row._id[field] ?? 0) * row.n;
      }
      return [...table.values()];
    }),
  );
  const edges = [Number.POSITIVE_INFINITY, ...request.ageBounds, Number.NEGATIVE_INFINITY];
  const ages = await Promise.all(
    edges.slice(0, -1).map(async (upper, index) => {
      const lower = edges[index + 1]!;
      const createdAt: Record<string, Date> = {};
      if (Number.isFinite(upper)) createdAt.$lt = new Date(upper);
      if (Number.isFinite(lower)) createdAt.$gte = new Date(lower);
      const parts: Record<string, unknown>[] = [current];
      if (Object.keys(createdAt).length) parts.push({ createdAt });
      const [row] = await tickets
        .aggregate<{ n: number }>([{ $match: { $and: parts } }, { $group: { _id: null, n: { $sum: 1 } } }])
        .toArray();
      return row?.n ?? 0;
    }),
  );
  // No date operators on FerretDB: the heat map reads the creation instants alone and places them here.
  const heatmap = emptyHeatmap();
  const placeOf = weekdayHour(request.zone);
  const cursor = tickets.find(cohort, { projection: { _id: 0, createdAt: 1 }, batchSize: 5000 });
  for await (const doc of cursor) {
    const [weekday, hour] = placeOf(doc.createdAt.getTime());
    heatmap[weekday]![hour]! += 1;
  }
  return {
    groups: new Map(request.specs.map((spec, index) => [spec.name, groups[index]!])),
    ages,
    heatmap,
    source: 'database',
  };
}

/** Nearest-rank percentile from the count of each distinct value (`[value, count]`). */
export function percentileOf(histogram: [number, number][], share: number): number | null {
  const total = histogram.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(share * total));
  let seen = 0;
  for (const [value, count] of [...histogram].sort((a, b) => a[0] - b[0])) {
    seen += count;
    if (seen >= rank) return value;
  }
  return null;
}
