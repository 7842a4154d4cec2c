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
  /**
   * Only the number of tickets per key is wanted (a histogram of minutes or counts): the flag sums are left at 0,
   * and the database groups by the key alone.
   */
  countOnly?: boolean;
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

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The heat map cell (weekday Monday = 0, times 24, plus the hour) of an instant in a zone. It answers a number, so
 * placing a ticket allocates nothing; and it asks `Intl` for the zone's offset about once per day: the offsets at
 * two consecutive UTC midnights are read, and when they agree the whole day has that offset (no zone changes its
 * offset twice within a day); a day with a change is read hour by hour (offsets change on hour boundaries).
 */
export function weekHourCell(zone: string): (at: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  });
  const read = new Map<number, number>();
  const offsetAt = (instant: number): number => {
    let offset = read.get(instant);
    if (offset === undefined) {
      const parts = Object.fromEntries(
        format.formatToParts(new Date(instant)).map((part) => [part.type, Number(part.value)]),
      );
      offset = Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour! % 24, parts.minute) - instant;
      read.set(instant, offset);
    }
    return offset;
  };
  /** Offset of each UTC day that keeps one all day; null for a day whose offset changes. */
  const days = new Map<number, number | null>();
  // Instants in [since, until) share `offset`: entries come in creation order, so most fall in the span of the
  // one before and cost two comparisons.
  let since = 0;
  let until = 0;
  let offset = 0;
  return (at) => {
    if (at < since || at >= until) {
      const daySlot = Math.floor(at / DAY_MS);
      let whole = days.get(daySlot);
      if (whole === undefined) {
        const start = offsetAt(daySlot * DAY_MS);
        whole = start === offsetAt((daySlot + 1) * DAY_MS) ? start : null;
        days.set(daySlot, whole);
      }
      if (whole === null) {
        since = Math.floor(at / HOUR_MS) * HOUR_MS;
        until = since + HOUR_MS;
        offset = offsetAt(since);
      } else {
        since = daySlot * DAY_MS;
        until = since + DAY_MS;
        offset = whole;
      }
    }
    const local = at + offset;
    const day = Math.floor(local / DAY_MS);
    // 1970-01-01 was a Thursday (3 with Monday as 0).
    return ((((day + 3) % 7) + 7) % 7) * 24 + Math.floor((local - day * DAY_MS) / HOUR_MS);
  };
}

const heatmapOf = (cells: ArrayLike<number>) =>
  Array.from({ length: 7 }, (_, weekday) =>
    Array.from({ length: 24 }, (_, hour) => cells[weekday * 24 + hour]!),
  );

/** Age bucket of a creation instant: 0 for the youngest (after ageBounds[0]). */
function ageBucket(createdAt: number, bounds: number[]): number {
  let bucket = 0;
  while (bucket < bounds.length && createdAt < bounds[bucket]!) bucket++;
  return bucket;
}

type Key = string | number | null;

/** Accumulator row of a group: the ticket count, then one sum per flag of SUMMED, in that order. */
const STRIDE = 1 + SUMMED.length;

/** Largest value a histogram counts in its typed array (about eight years of minutes); beyond, in a Map. */
const DENSE_LIMIT = 1 << 22;

/**
 * Tickets per distinct value of a count-only group: small non-negative integers (minutes, counts) in a typed
 * array indexed by the value, grown as larger values come; anything else (null, fractions, huge) in a Map.
 */
class Histogram {
  dense = new Int32Array(1024);
  sparse = new Map<Key, number>();

  add(key: Key): void {
    if (typeof key === 'number' && key >= 0 && key < DENSE_LIMIT && Number.isInteger(key)) {
      if (key >= this.dense.length) {
        let length = this.dense.length * 2;
        while (length <= key) length *= 2;
        const grown = new Int32Array(length);
        grown.set(this.dense);
        this.dense = grown;
      }
      this.dense[key]! += 1;
    } else this.sparse.set(key, (this.sparse.get(key) ?? 0) + 1);
  }

  entries(): [Key, number][] {
    const found: [Key, number][] = [...this.sparse];
    const { dense } = this;
    for (let value = 0; value < dense.length; value++)
      if (dense[value]! > 0) found.push([value, dense[value]!]);
    return found;
  }
}

interface CompiledSpec {
  cohort: boolean;
  by: keyof CatalogEntry | null;
  where: [Summed, number][];
  skipNull: boolean;
  countOnly: boolean;
  /** Row of each key in the shared accumulator (groups with sums). */
  rows: Map<Key, number>;
  /** Tickets per key (count-only groups). */
  counts: Histogram;
}

/**
 * The groups counted in one walk over the catalog's entries (no database round trip), every spec at once: each
 * entry's flags are read once and added to the accumulator rows of its groups (one flat `Float64Array`, a row per
 * group); histograms count tickets per distinct value; the heat map is 168 integers. Nothing is allocated per
 * ticket, so the cost is the walk itself plus a few additions per group.
 */
export async function tallyMemory(catalog: TicketCatalog, request: TallyRequest): Promise<TallyResult> {
  const entries = await catalog.find(
    request.base,
    { field: 'createdAt', direction: 1 },
    Number.MAX_SAFE_INTEGER,
  );
  const { from, to, ageBounds } = request;
  const ages = new Array<number>(ageBounds.length + 1).fill(0);
  const cells = new Int32Array(7 * 24);
  const cellOf = weekHourCell(request.zone);
  const compiled: CompiledSpec[] = request.specs.map((spec) => ({
    cohort: spec.scope === 'cohort',
    by: spec.by,
    where: Object.entries(spec.where ?? {}) as [Summed, number][],
    skipNull: spec.skipNull === true,
    countOnly: spec.countOnly === true,
    rows: new Map(),
    counts: new Histogram(),
  }));
  let sums = new Float64Array(STRIDE * 64);
  let used = 0;
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index]!;
    const day = entry.createdDay;
    const inPeriod = day >= from && day <= to;
    const open = entry.open === 1;
    if (!inPeriod && !open) continue;
    const createdAt = entry.createdAt.getTime();
    if (inPeriod) cells[cellOf(createdAt)]! += 1;
    if (open) ages[ageBucket(createdAt, ageBounds)]! += 1;
    const { resolved, breached, slaMet, fcr, rated, satisfied, neutral, dissatisfied } = entry;
    next: for (let at = 0; at < compiled.length; at++) {
      const spec = compiled[at]!;
      if (spec.cohort ? !inPeriod : !open) continue;
      for (let test = 0; test < spec.where.length; test++) {
        const [field, value] = spec.where[test]!;
        if (entry[field] !== value) continue next;
      }
      const key = spec.by === null ? null : ((entry[spec.by] as Key | undefined) ?? null);
      if (key === null && spec.skipNull) continue;
      if (spec.countOnly) {
        spec.counts.add(key);
        continue;
      }
      let row = spec.rows.get(key);
      if (row === undefined) {
        row = used++;
        spec.rows.set(key, row);
        if (used * STRIDE > sums.length) {
          const grown = new Float64Array(sums.length * 2);
          grown.set(sums);
          sums = grown;
        }
      }
      // SUMMED order: resolved, breached, slaMet, fcr, rated, satisfied, neutral, dissatisfied, open.
      const offset = row * STRIDE;
      sums[offset]! += 1;
      sums[offset + 1]! += resolved;
      sums[offset + 2]! += breached;
      sums[offset + 3]! += slaMet;
      sums[offset + 4]! += fcr;
      sums[offset + 5]! += rated;
      sums[offset + 6]! += satisfied;
      sums[offset + 7]! += neutral;
      sums[offset + 8]! += dissatisfied;
      sums[offset + 9]! += open ? 1 : 0;
    }
  }
  const final = sums;
  const groupsOf = (spec: CompiledSpec): Group[] =>
    spec.countOnly
      ? spec.counts.entries().map(([key, n]) => ({ key, n, sums: emptySums() }))
      : [...spec.rows].map(([key, row]) => {
          const offset = row * STRIDE;
          const group: Group = { key, n: final[offset]!, sums: emptySums() };
          SUMMED.forEach((field, at) => (group.sums[field] = final[offset + 1 + at]!));
          return group;
        });
  return {
    groups: new Map(request.specs.map((spec, index) => [spec.name, groupsOf(compiled[index]!)])),
    ages,
    heatmap: heatmapOf(cells),
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
              _id:
                spec.by === null
                  ? flagKey
                  : spec.countOnly
                    ? { key: `$${spec.by}` }
                    : { key: `$${spec.by}`, ...flagKey },
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
  const cells = new Int32Array(7 * 24);
  const cellOf = weekHourCell(request.zone);
  const cursor = tickets.find(cohort, { projection: { _id: 0, createdAt: 1 }, batchSize: 5000 });
  for await (const doc of cursor) cells[cellOf(doc.createdAt.getTime())]! += 1;
  return {
    groups: new Map(request.specs.map((spec, index) => [spec.name, groups[index]!])),
    ages,
    heatmap: heatmapOf(cells),
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
