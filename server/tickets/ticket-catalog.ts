import type { Collection, Filter } from 'mongodb';
import sift from 'sift';
import type { TicketDoc } from './ticket.projection.js';

/** A ticket as lists, filters and the timer sweep see it: the projection without the runtime state. */
export type CatalogEntry = Omit<TicketDoc, 'state'> & { nextTimerAt?: Date | null };

export interface CatalogSort {
  field: keyof TicketDoc;
  direction: 1 | -1;
}

/** A ticket's head as an anchor records it. */
export type ChangedHead = Pick<CatalogEntry, '_id' | 'version' | 'headHash'>;

/** Where lists and the timer sweep read tickets from (ORDO_TICKET_CATALOG). */
export type TicketCatalogKind = 'memory' | 'database';

/**
 * What lists and the timer sweep ask of the tickets. Two ways to answer, chosen per process:
 *
 * - `database`: queries on the `tickets` collection, served by its indexes. Right for MongoDB, and for any
 *   deployment where several processes write tickets.
 * - `memory`: the flat fields of every projection held in this process, read once from the database and kept
 *   current by every projection this process writes. For the embedded store: FerretDB's SQLite backend pushes no
 *   filter but `{_id}` and no sort down, so every list would read, decode and sort every ticket (seconds over ten
 *   thousand). The embedded store belongs to one process (its lock file refuses a second), so that process sees
 *   every change; a full re-read every `resyncMs` picks up anything written behind its back.
 *
 * Filters are MongoDB query documents in both cases (the memory catalog tests them with `sift`, which follows
 * MongoDB's query semantics), so the routes build one filter for either.
 */
export interface TicketCatalog {
  readonly kind: TicketCatalogKind;
  /** A projection this process wrote: the memory catalog keeps the newest version of each ticket. */
  note(doc: TicketDoc | CatalogEntry): void;
  /**
   * The version of a ticket's stored projection as this catalog knows it (memory: the newest it read or was told
   * of; undefined when it holds none, and always from the database catalog, which holds nothing).
   */
  versionOf(ticketId: string): number | undefined;
  /**
   * Tickets matching `filter`, in `sort` order (ties by `_id` in the same direction), at most `limit`. `after` is
   * the page boundary the filter already holds (the previous page's last sort value and id): the memory catalog
   * starts its walk there instead of testing every ticket before it.
   */
  find(
    filter: Filter<TicketDoc>,
    sort: CatalogSort,
    limit: number,
    after?: { value: Date | number; id: string },
  ): Promise<CatalogEntry[]>;
  /** How many tickets match `filter`, counting no further than `max`. */
  count(filter: Filter<TicketDoc>, max: number): Promise<number>;
  /**
   * Ids of tickets whose next timer is due at `now`, earliest first, at most `limit`; with `since`, only those
   * that fell due after it (what became due since a sweep at `since`).
   */
  dueTimers(now: number, limit: number, since?: number): Promise<string[]>;
  /** Open tickets per assignee (least-loaded assignment). */
  openLoads(openCategories: ReadonlySet<string>): Promise<Map<string, number>>;
  /**
   * The head of every ticket whose projection changed at or after `since` (its `updatedAt`, ms), by `_id`: what an
   * audit anchor records (anchors.ts). The memory catalog walks its `updatedAt` order from the newest and stops at
   * the first older ticket, touching only those that changed; the database answers by query.
   */
  changedSince(since: number): Promise<ChangedHead[]>;
  /** Start reading every ticket in the background (memory), so the first list does not wait for it. */
  warm(): void;
  /** Read every ticket again now (memory; nothing to do for the database), as a restart would. */
  reload(): Promise<void>;
  close(): void;
}

const WITHOUT_STATE = { projection: { state: 0 } } as const;

export function databaseCatalog(tickets: () => Collection<TicketDoc>): TicketCatalog {
  return {
    kind: 'database',
    note() {},
    versionOf() {
      return undefined;
    },
    find(filter, sort, limit) {
      return tickets()
        .find(filter, WITHOUT_STATE)
        .sort({ [sort.field]: sort.direction, _id: sort.direction })
        .limit(limit)
        .toArray();
    },
    count(filter, max) {
      return tickets().countDocuments(filter, { limit: max });
    },
    async dueTimers(now, limit, since) {
      const at =
        since === undefined ? { $lte: new Date(now) } : { $lte: new Date(now), $gt: new Date(since) };
      const due = await tickets()
        .find({ nextTimerAt: at } as Filter<TicketDoc>, { projection: { _id: 1 } })
        .sort({ nextTimerAt: 1, _id: 1 })
        .limit(limit)
        .toArray();
      return due.map((doc) => doc._id);
    },
    async openLoads(openCategories) {
      const loads = await tickets()
        .aggregate<{ _id: string; n: number }>([
          { $match: { statusCategory: { $in: [...openCategories] }, assignee: { $ne: null } } },
          { $group: { _id: '$assignee', n: { $sum: 1 } } },
        ])
        .toArray();
      return new Map(loads.map((load) => [load._id, load.n]));
    },
    changedSince(since) {
      return tickets()
        .find<ChangedHead>(
          { updatedAt: { $gte: new Date(since) } },
          { projection: { _id: 1, version: 1, headHash: 1 } },
        )
        .sort({ _id: 1 })
        .toArray();
    },
    warm() {},
    async reload() {},
    close() {},
  };
}

/** Fields of few distinct values, held once each however many tickets hold them (see `entryOf`). */
const SHARED_FIELDS = [
  'typeKey',
  'category',
  'statusCategory',
  'statusKey',
  'priority',
  'team',
  'assignee',
  'requesterId',
  'channel',
  'highlight',
  'slaCalendar',
  'createdDay',
  'createdWeek',
  'createdMonth',
  'resolvedDay',
  'resolvedWeek',
  'resolvedMonth',
] as const satisfies readonly (keyof CatalogEntry)[];
const SHARED_LISTS = [
  'watchers',
  'assistants',
  'tags',
  'atNodes',
  'awaitingApproval',
  'awaitingStep',
  'involved',
] as const satisfies readonly (keyof CatalogEntry)[];

/**
 * The entry the memory catalog holds for a projection: a copy without the runtime state, and with the strings
 * of few distinct values (`SHARED_FIELDS`, the ids in `SHARED_LISTS`) taken from `strings`, so a hundred
 * thousand tickets hold one copy of each team key, status and person id. The copy matters too: a document read
 * from the database is a dictionary of its ~60 fields (the driver adds them one by one), about 2.5 KB more per
 * ticket than the plain object a copy makes, and slower to read.
 */
function entryOf(doc: TicketDoc | CatalogEntry, strings: Map<string, string>): CatalogEntry {
  const { state: _state, ...entry } = doc as TicketDoc;
  const shared = (value: string) => {
    const held = strings.get(value);
    if (held !== undefined) return held;
    strings.set(value, value);
    return value;
  };
  const fields = entry as unknown as Record<string, unknown>;
  for (const field of SHARED_FIELDS) {
    const value = fields[field];
    if (typeof value === 'string') fields[field] = shared(value);
  }
  for (const field of SHARED_LISTS) {
    const value = fields[field];
    if (Array.isArray(value))
      fields[field] = value.map((item: unknown) => (typeof item === 'string' ? shared(item) : item));
  }
  return entry;
}

/** A sort value: its place in MongoDB's order of types (null and missing, numbers, strings, dates), then itself. */
type SortKey = readonly [rank: number, value: number | string];

function sortKey(value: unknown): SortKey {
  if (value instanceof Date) return [3, value.getTime()];
  if (typeof value === 'string') return [2, value];
  if (typeof value === 'number') return [1, value];
  return [0, 0];
}

function compareValues(a: number | string, b: number | string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareKeys(a: SortKey, b: SortKey): number {
  return a[0] - b[0] || compareValues(a[1], b[1]);
}

/**
 * Every entry (or every one `holds` accepts) in ascending (field, `_id`) order, kept so by binary search as entries
 * change: a list walks it from the front (or the back, for descending sorts) and stops once the page is full.
 */
class SortedEntries {
  private readonly items: CatalogEntry[];

  constructor(
    readonly field: keyof CatalogEntry,
    all: Iterable<CatalogEntry>,
    private readonly holds: (entry: CatalogEntry) => boolean = () => true,
  ) {
    this.items = [...all]
      .filter((entry) => holds(entry))
      .sort((a, b) => this.compare(a, sortKey(b[field]), b._id));
  }

  private compare(entry: CatalogEntry, key: SortKey, id: string): number {
    return compareKeys(sortKey(entry[this.field]), key) || compareValues(entry._id, id);
  }

  /** The first position whose entry sorts at or after (key, id). */
  private position(key: SortKey, id: string): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(this.items[middle]!, key, id) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  add(entry: CatalogEntry): void {
    if (!this.holds(entry)) return;
    this.items.splice(this.position(sortKey(entry[this.field]), entry._id), 0, entry);
  }

  remove(entry: CatalogEntry): void {
    if (!this.holds(entry)) return;
    const at = this.position(sortKey(entry[this.field]), entry._id);
    if (this.items[at] === entry) this.items.splice(at, 1);
  }

  /**
   * `next` in the place of `current` (the same ticket): overwritten where it stands when its sort value is the
   * same (a re-read of an unchanged ticket moves nothing), else taken out and put in again.
   */
  replace(current: CatalogEntry, next: CatalogEntry): void {
    const held = this.holds(current);
    if (
      held &&
      this.holds(next) &&
      compareKeys(sortKey(current[this.field]), sortKey(next[this.field])) === 0
    ) {
      const at = this.position(sortKey(current[this.field]), current._id);
      if (this.items[at] === current) {
        this.items[at] = next;
        return;
      }
    }
    if (held) this.remove(current);
    this.add(next);
  }

  /** Entries in `direction` order, starting after (key, id) when given. */
  *walk(direction: 1 | -1, after?: { key: SortKey; id: string }): Generator<CatalogEntry> {
    if (direction === 1) {
      let at = after ? this.position(after.key, after.id) : 0;
      if (after && at < this.items.length && this.compare(this.items[at]!, after.key, after.id) === 0) at++;
      for (; at < this.items.length; at++) yield this.items[at]!;
    } else {
      let at = after ? this.position(after.key, after.id) - 1 : this.items.length - 1;
      for (; at >= 0; at--) yield this.items[at]!;
    }
  }
}

/** Whether a ticket has a next timer (the field may be missing on projections written before it existed). */
const hasTimer = (entry: CatalogEntry): boolean => entry.nextTimerAt instanceof Date;

/** The key an index files values under that no equality filter can name (objects, dates): asked for always. */
const ODD = Symbol('odd');
type IndexKey = string | number | boolean | null | typeof ODD;

function keyOf(value: unknown): IndexKey {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : ODD;
}

/**
 * The keys a value is filed under: the value itself, or each element of an array (an equality filter on an array
 * field matches an element). An empty array is filed under null as well: `{field: null}` and `{$in: [null]}` may
 * match it, and a candidate too many is only tested in vain.
 */
function keysOf(value: unknown): IndexKey[] {
  if (!Array.isArray(value)) return [keyOf(value)];
  return value.length === 0 ? [null] : value.map(keyOf);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((item, index) => item === b[index]);
}

const NONE: ReadonlySet<string> = new Set();

/** The ids of the tickets holding each value of one field, kept current by `keep` as the sort orders are. */
class ValueIndex {
  private readonly buckets = new Map<IndexKey, Set<string>>();

  constructor(
    readonly field: keyof CatalogEntry,
    all: Iterable<CatalogEntry>,
  ) {
    for (const entry of all) this.add(entry);
  }

  get(key: IndexKey): ReadonlySet<string> {
    return this.buckets.get(key) ?? NONE;
  }

  add(entry: CatalogEntry): void {
    for (const key of keysOf(entry[this.field])) {
      let bucket = this.buckets.get(key);
      if (!bucket) this.buckets.set(key, (bucket = new Set()));
      bucket.add(entry._id);
    }
  }

  remove(entry: CatalogEntry): void {
    for (const key of keysOf(entry[this.field])) {
      const bucket = this.buckets.get(key);
      bucket?.delete(entry._id);
      if (bucket?.size === 0) this.buckets.delete(key);
    }
  }

  replace(current: CatalogEntry, next: CatalogEntry): void {
    if (sameValue(current[this.field], next[this.field])) return;
    this.remove(current);
    this.add(next);
  }
}

/** What separates the texts in a TextIndex's one string; a search holding it is tested entry by entry. */
const TEXT_SEPARATOR = '\u0000';
/** A TextIndex answers only while its texts hold at most this many characters (1–2 bytes each): about 64 MB. */
const TEXT_INDEX_MAX_CHARS = 32 * 2 ** 20;

/** How many texts one joined block of a TextIndex holds: a change joins its block again, not every text. */
const TEXT_BLOCK = 2048;

/** One block of a TextIndex: its texts joined, where each starts, and the index of its first text. */
interface TextBlock {
  text: string;
  starts: Float64Array;
  first: number;
}

/**
 * The text search's index: every ticket's `searchText` joined into strings of TEXT_BLOCK texts each (a copy: its
 * cost in memory), so a search is an `indexOf` scan over contiguous memory, whose hits name their tickets by a
 * binary search of where each text starts. Testing every entry instead visits every ticket's object and string,
 * scattered over the heap: about 1 µs a ticket, 100 ms a search at 100,000. Kept current by `keep`: a ticket whose
 * text changed gets a new piece at the end (the old one is skipped, and dropped when old pieces are as many as live
 * ones); a change joins only the last block again, at the next search.
 */
class TextIndex {
  private texts: string[] = [];
  private owners: string[] = [];
  /** The piece holding each ticket's text now. */
  private readonly current = new Map<string, number>();
  private blocks: (TextBlock | undefined)[] = [];
  private chars = 0;

  constructor(all: Iterable<CatalogEntry>) {
    for (const entry of all) this.add(entry);
  }

  add(entry: CatalogEntry): void {
    const text = typeof entry.searchText === 'string' ? entry.searchText : '';
    const at = this.texts.length;
    this.current.set(entry._id, at);
    this.texts.push(text);
    this.owners.push(entry._id);
    this.chars += text.length + 1;
    this.blocks[Math.floor(at / TEXT_BLOCK)] = undefined;
    if (this.texts.length > 2 * this.current.size + 1024) this.compact();
  }

  replace(current: CatalogEntry, next: CatalogEntry): void {
    if (current.searchText !== next.searchText) this.add(next);
  }

  private compact(): void {
    const texts: string[] = [];
    const owners: string[] = [];
    this.chars = 0;
    for (const [id, at] of this.current) {
      this.current.set(id, texts.length);
      texts.push(this.texts[at]!);
      owners.push(id);
      this.chars += this.texts[at]!.length + 1;
    }
    this.texts = texts;
    this.owners = owners;
    this.blocks = [];
  }

  private block(number: number): TextBlock {
    let block = this.blocks[number];
    if (!block) {
      const first = number * TEXT_BLOCK;
      const texts = this.texts.slice(first, first + TEXT_BLOCK);
      const starts = new Float64Array(texts.length + 1);
      let at = 0;
      texts.forEach((text, index) => {
        starts[index] = at;
        at += text.length + 1;
      });
      starts[texts.length] = at;
      block = { text: texts.join(TEXT_SEPARATOR) + TEXT_SEPARATOR, starts, first };
      this.blocks[number] = block;
    }
    return block;
  }

  /**
   * The ids of the tickets whose text holds `literal`; undefined when more than `most` do (a walk in list order
   * finds a page of common ones sooner — judged early, from the share of the texts read so far, once a few hundred
   * are found), when the texts are too many to hold joined, or the literal cannot be searched for in them.
   */
  search(literal: string, most: number): ReadonlySet<string> | undefined {
    if (literal === '' || literal.includes(TEXT_SEPARATOR) || this.chars > TEXT_INDEX_MAX_CHARS)
      return undefined;
    const found = new Set<string>();
    const blockCount = Math.ceil(this.texts.length / TEXT_BLOCK);
    for (let number = 0; number < blockCount; number++) {
      const { text, starts, first } = this.block(number);
      const pieces = starts.length - 1;
      for (let from = 0; ; ) {
        const hit = text.indexOf(literal, from);
        if (hit === -1) break;
        // The piece holding the hit: the last one starting at or before it.
        let low = 0;
        let high = pieces - 1;
        while (low < high) {
          const middle = (low + high + 1) >>> 1;
          if (starts[middle]! <= hit) low = middle;
          else high = middle - 1;
        }
        const id = this.owners[first + low]!;
        if (this.current.get(id) === first + low) {
          found.add(id);
          if (found.size > most) return undefined;
        }
        from = starts[low + 1]!;
      }
      // Common: at this rate, the texts not read yet would hold well over `most`.
      const read = Math.min(this.texts.length, first + pieces);
      if (found.size >= 256 && (found.size * this.texts.length) / read > 4 * most) return undefined;
    }
    return found;
  }
}

/**
 * The equality fields lists, counts and reports filter by: each indexed on first use (`{field: value}`,
 * `{field: {$in: [...]}}`, `{field: {$eq: value}}`), so a filter naming one reads only the tickets holding it.
 */
const INDEXED_FIELDS: ReadonlySet<string> = new Set([
  'statusCategory',
  'statusKey',
  'priority',
  'team',
  'assignee',
  'requesterId',
  'typeKey',
  'category',
  'channel',
  'watchers',
  'assistants',
  'awaitingApproval',
  'awaitingStep',
  'involved',
  'atNodes',
]);

/** A necessary condition of a filter: a matching ticket's id is in one of `sets` (at most `size` ids in all). */
interface Candidates {
  sets: ReadonlySet<string>[];
  size: number;
}

/**
 * What a filter lets the catalog skip before testing it whole: every matching ticket is in each of `candidates`
 * and passes each of `tests`. Found in the filter's conjunction (its fields, `$and`) and in an `$or` whose every
 * branch holds one; anything else (ranges, `$nor`, `$not`, `$exists`…) adds nothing and is left to the full test.
 */
interface Plan {
  candidates: Candidates[];
  tests: ((entry: CatalogEntry) => boolean)[];
}

const REGEX_META: ReadonlySet<string> = new Set('.*+?^${}()|[]\\');

/** The text a regular expression source matches literally (metacharacters escaped as the routes escape them). */
function literalOf(source: string): string | undefined {
  let literal = '';
  for (let at = 0; at < source.length; at++) {
    const char = source[at]!;
    if (char === '\\') {
      const escaped = source[at + 1];
      if (escaped === undefined || !REGEX_META.has(escaped)) return undefined;
      literal += escaped;
      at++;
    } else if (REGEX_META.has(char)) return undefined;
    else literal += char;
  }
  return literal;
}

const isOperators = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !(value instanceof Date) &&
  !(value instanceof RegExp);

/** The values an equality condition asks for (`value`, `{$eq}`, `{$in}`), or undefined when it is not one. */
function equalValues(condition: unknown): IndexKey[] | undefined {
  if (!isOperators(condition)) {
    const key = keyOf(condition);
    return key === ODD ? undefined : [key];
  }
  const within = condition.$in;
  if (Array.isArray(within)) {
    const keys = within.map(keyOf);
    return keys.includes(ODD) ? undefined : keys;
  }
  if ('$eq' in condition) return equalValues(condition.$eq === undefined ? null : condition.$eq);
  return undefined;
}

function planOf(
  filter: unknown,
  indexOf: (field: keyof CatalogEntry) => ValueIndex,
  ids: (wanted: IndexKey[]) => ReadonlySet<string>,
  texts: (literal: string) => ReadonlySet<string> | undefined,
): Plan {
  const plan: Plan = { candidates: [], tests: [] };
  if (!isOperators(filter)) return plan;
  for (const [field, condition] of Object.entries(filter)) {
    if (field === '$and' && Array.isArray(condition)) {
      for (const part of condition) {
        const inner = planOf(part, indexOf, ids, texts);
        plan.candidates.push(...inner.candidates);
        plan.tests.push(...inner.tests);
      }
    } else if (field === '$or' && Array.isArray(condition) && condition.length > 0) {
      const branches = condition.map((branch) => smallest(planOf(branch, indexOf, ids, texts).candidates));
      if (branches.every((branch) => branch !== undefined))
        plan.candidates.push({
          sets: branches.flatMap((branch) => branch.sets),
          size: branches.reduce((sum, branch) => sum + branch.size, 0),
        });
    } else if (field === '_id') {
      const wanted = equalValues(condition);
      if (wanted) {
        const set = ids(wanted);
        plan.candidates.push({ sets: [set], size: set.size });
      }
    } else if (INDEXED_FIELDS.has(field)) {
      const wanted = equalValues(condition);
      if (wanted) {
        const index = indexOf(field as keyof CatalogEntry);
        const sets = [...new Set<IndexKey>([...wanted, ODD])]
          .map((key) => index.get(key))
          .filter((set) => set.size > 0);
        plan.candidates.push({ sets, size: sets.reduce((sum, set) => sum + set.size, 0) });
      }
    } else if (field === 'searchText' && isOperators(condition)) {
      // The routes' text search: a literal, escaped. The tickets the text index finds holding it, or, when it
      // does not answer, a plain substring test (cheaper than the expression, and saying the same).
      const keys = Object.keys(condition);
      const literal =
        keys.length === 1 && typeof condition.$regex === 'string' ? literalOf(condition.$regex) : undefined;
      if (literal !== undefined) {
        const holding = texts(literal);
        if (holding) plan.candidates.push({ sets: [holding], size: holding.size });
        else
          plan.tests.push(
            (entry) => typeof entry.searchText !== 'string' || entry.searchText.indexOf(literal) !== -1,
          );
      }
    }
  }
  return plan;
}

function smallest(candidates: Candidates[]): Candidates | undefined {
  let best: Candidates | undefined;
  for (const candidate of candidates) if (!best || candidate.size < best.size) best = candidate;
  return best;
}

const within = (candidates: Candidates, id: string): boolean => {
  for (const set of candidates.sets) if (set.has(id)) return true;
  return false;
};

/**
 * A filter's verdict on one entry when it can be given without sift: true or false, exactly as sift (MongoDB's
 * semantics) would say, or undefined when the entry holds a value the shortcut does not judge (an object, a date, a
 * nested array, NaN…), for which the whole filter goes to sift.
 */
type Verdict = boolean | undefined;
type DirectTest = (entry: CatalogEntry) => Verdict;

const isScalar = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  (typeof value === 'number' && !Number.isNaN(value));

const ALWAYS: DirectTest = () => true;

/** Every part true: true; one false: false (whatever the others); else undefined. */
function allOf(parts: DirectTest[]): DirectTest {
  if (parts.length === 0) return ALWAYS;
  if (parts.length === 1) return parts[0]!;
  return (entry) => {
    let unknown = false;
    for (const part of parts) {
      const verdict = part(entry);
      if (verdict === false) return false;
      if (verdict === undefined) unknown = true;
    }
    return unknown ? undefined : true;
  };
}

/** One part true: true (whatever the others); every one false: false; else undefined. */
function anyOf(parts: DirectTest[]): DirectTest {
  if (parts.length === 1) return parts[0]!;
  return (entry) => {
    let unknown = false;
    for (const part of parts) {
      const verdict = part(entry);
      if (verdict === true) return true;
      if (verdict === undefined) unknown = true;
    }
    return unknown ? undefined : false;
  };
}

/**
 * `{field: value}`, `{field: {$eq: value}}`, `{field: {$in: [values]}}` with values strings, numbers or booleans
 * (not null): a value equal to one of them, or an array holding one (MongoDB's match on array fields). Missing and
 * null match none; an array of scalars and nulls holding none of them matches none.
 */
function equalTest(field: string, wanted: ReadonlySet<string | number | boolean>): DirectTest {
  return (entry) => {
    const value = (entry as unknown as Record<string, unknown>)[field];
    if (value === undefined || value === null) return false;
    if (isScalar(value)) return wanted.has(value);
    if (!Array.isArray(value)) return undefined;
    let odd = false;
    for (const item of value as unknown[]) {
      if (isScalar(item)) {
        if (wanted.has(item)) return true;
      } else if (item !== null) odd = true;
    }
    return odd ? undefined : false;
  };
}

/** `{field: {$regex: source}}` whose source is a literal (the routes' escaped text search), on a string value. */
function literalTest(field: string, literal: string): DirectTest {
  return (entry) => {
    const value = (entry as unknown as Record<string, unknown>)[field];
    return typeof value === 'string' ? value.indexOf(literal) !== -1 : undefined;
  };
}

function fieldTest(field: string, condition: unknown): DirectTest | undefined {
  if (isScalar(condition)) return equalTest(field, new Set([condition]));
  if (!isOperators(condition)) return undefined;
  const operators = Object.keys(condition);
  if (operators.length !== 1) return undefined;
  const [operator] = operators;
  const operand = condition[operator!];
  if (operator === '$eq' && isScalar(operand)) return equalTest(field, new Set([operand]));
  if (operator === '$in' && Array.isArray(operand) && operand.every(isScalar))
    return equalTest(field, new Set(operand));
  if (operator === '$regex' && typeof operand === 'string') {
    const literal = literalOf(operand);
    if (literal !== undefined) return literalTest(field, literal);
  }
  return undefined;
}

/**
 * The filter as a direct test, when it is made only of what lists and counts ask most (conjunctions, `$and`, `$or`,
 * equality and `$in` on top-level fields, a literal `$regex`): one call per entry, no query compiled. Undefined for
 * any other filter (ranges, cursors, `$nor`, null values…), which sift tests whole.
 */
export function directTestOf(filter: unknown): DirectTest | undefined {
  if (!isOperators(filter)) return undefined;
  const parts: DirectTest[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    if (field === '$and' || field === '$or') {
      if (!Array.isArray(condition) || condition.length === 0) return undefined;
      const branches: DirectTest[] = [];
      for (const branch of condition) {
        const test = directTestOf(branch);
        if (!test) return undefined;
        branches.push(test);
      }
      parts.push(field === '$and' ? allOf(branches) : anyOf(branches));
    } else {
      if (field.startsWith('$') || field.includes('.')) return undefined;
      const test = fieldTest(field, condition);
      if (!test) return undefined;
      parts.push(test);
    }
  }
  return allOf(parts);
}

export interface MemoryCatalogOptions {
  /** Re-read every ticket this often, for changes made behind this process's back. 0: never. */
  resyncMs?: number;
  onError?: (error: unknown) => void;
}

export function memoryCatalog(
  tickets: () => Collection<TicketDoc>,
  options: MemoryCatalogOptions = {},
): TicketCatalog {
  const entries = new Map<string, CatalogEntry>();
  /** The one copy of each string `entryOf` shares between entries. */
  const strings = new Map<string, string>();
  /** Sort orders built on first use, then kept current by `keep`. */
  const orders = new Map<keyof CatalogEntry, SortedEntries>();
  /**
   * The tickets with a next timer, by (`nextTimerAt`, `_id`), kept current by `keep` like the sort orders: a sweep
   * reads the due ones from its front and stops at the first not due, touching nothing else.
   */
  let timers: SortedEntries | undefined;
  /** Value indexes of the equality fields filters name (INDEXED_FIELDS), built on first use, kept by `keep`. */
  const indexes = new Map<keyof CatalogEntry, ValueIndex>();
  /** The text search's index, built on first use, kept by `keep`. */
  let textIndex: TextIndex | undefined;
  let loaded: Promise<void> | undefined;
  let resync: NodeJS.Timeout | undefined;

  const keep = (entry: CatalogEntry) => {
    const current = entries.get(entry._id);
    if (current && current.version > entry.version) return;
    entries.set(entry._id, entry);
    for (const order of timers ? [...orders.values(), timers] : orders.values()) {
      if (current) order.replace(current, entry);
      else order.add(entry);
    }
    for (const index of textIndex ? [...indexes.values(), textIndex] : indexes.values()) {
      if (current) index.replace(current, entry);
      else index.add(entry);
    }
  };

  const indexOf = (field: keyof CatalogEntry) => {
    let index = indexes.get(field);
    if (!index) {
      index = new ValueIndex(field, entries.values());
      indexes.set(field, index);
    }
    return index;
  };
  const idsOf = (wanted: IndexKey[]): ReadonlySet<string> =>
    new Set(wanted.filter((id): id is string => typeof id === 'string' && entries.has(id)));
  // A common text is found sooner by walking the list's order: a walk reads about page × total / matching entries,
  // and a set is taken only when it is under half of that (see `find`), so with pages of 50–100 no set larger than
  // about √(100 × total) is ever used. The search stops there instead of collecting a tenth of the tickets per
  // request (a word in one ticket in five: 185 ms a search at 100,000 tickets).
  const holding = (literal: string) =>
    (textIndex ??= new TextIndex(entries.values())).search(
      literal,
      Math.max(1000, Math.ceil(Math.sqrt(100 * entries.size))),
    );

  /**
   * A filter made ready to answer: `matches` tests an entry against the filter's candidate sets and cheap tests
   * first and the whole filter last (its direct test, else sift); `source`, the smallest candidate set, when the filter has one.
   */
  const prepare = (filter: Filter<TicketDoc>) => {
    const { candidates, tests } = planOf(filter, indexOf, idsOf, holding);
    const query: Record<string, unknown> = filter;
    // Most lists and counts need no query compiled: the direct test judges them, sift only what it cannot.
    const direct = directTestOf(filter);
    let test: ((entry: CatalogEntry) => boolean) | undefined;
    const whole = (entry: CatalogEntry) => (test ??= sift.default(query))(entry);
    const matches = (entry: CatalogEntry): boolean => {
      // The direct verdict is the filter's own (the candidate sets and cheap tests only narrow what it implies).
      const verdict = direct?.(entry);
      if (verdict !== undefined) return verdict;
      for (const candidate of candidates) if (!within(candidate, entry._id)) return false;
      for (const cheap of tests) if (!cheap(entry)) return false;
      return whole(entry);
    };
    return { candidates, source: smallest(candidates), matches };
  };

  /**
   * The entries of a candidate set, each once, until `visit` answers false: an id several of its sets hold is
   * visited from the first of them (later sets skip the ids an earlier one holds).
   */
  const eachEntry = (source: Candidates, visit: (entry: CatalogEntry) => boolean): void => {
    const { sets } = source;
    for (let at = 0; at < sets.length; at++)
      for (const id of sets[at]!) {
        let earlier = false;
        for (let before = 0; before < at && !earlier; before++) earlier = sets[before]!.has(id);
        if (earlier) continue;
        const entry = entries.get(id);
        if (entry && !visit(entry)) return;
      }
  };

  const orderBy = (field: keyof CatalogEntry) => {
    let order = orders.get(field);
    if (!order) {
      order = new SortedEntries(field, entries.values());
      orders.set(field, order);
    }
    return order;
  };

  const readAll = async () => {
    // Projections this process writes meanwhile are kept too; `keep` leaves the newer of the two.
    const cursor = tickets().find({}, { ...WITHOUT_STATE, batchSize: 1000 });
    for await (const doc of cursor) keep(entryOf(doc, strings));
  };

  const ready = (): Promise<void> => {
    if (!loaded) {
      loaded = readAll();
      loaded.catch(() => {
        loaded = undefined;
      });
      if (options.resyncMs && !resync) {
        resync = setInterval(() => {
          readAll().catch((error: unknown) => options.onError?.(error));
        }, options.resyncMs);
        resync.unref();
      }
    }
    return loaded;
  };

  return {
    kind: 'memory',
    note(doc) {
      keep(entryOf(doc, strings));
    },
    versionOf(ticketId) {
      return entries.get(ticketId)?.version;
    },
    async find(filter, sort, limit, after) {
      await ready();
      const { candidates, source, matches } = prepare(filter);
      const field = sort.field as keyof CatalogEntry;
      const start = after ? { key: sortKey(after.value), id: after.id } : undefined;
      // Two ways: walk the sort order until the page is full, or test only the smallest candidate set and sort
      // what matches. A walk reads about limit × total / matching entries; the matching are estimated from the
      // candidate sets' shares of the catalog as if independent.
      const total = Math.max(entries.size, 1);
      let expected = total;
      for (const candidate of candidates) expected *= Math.min(1, candidate.size / total);
      const walked = Math.min(total, (limit * total) / Math.max(expected, 1));
      if (source && source.size * 2 < walked) {
        const found: { key: SortKey; entry: CatalogEntry }[] = [];
        eachEntry(source, (entry) => {
          if (!matches(entry)) return true;
          const key = sortKey(entry[field]);
          if (
            !start ||
            sort.direction * (compareKeys(key, start.key) || compareValues(entry._id, start.id)) > 0
          )
            found.push({ key, entry });
          return true;
        });
        found.sort(
          (a, b) => sort.direction * (compareKeys(a.key, b.key) || compareValues(a.entry._id, b.entry._id)),
        );
        return found.slice(0, limit).map(({ entry }) => entry);
      }
      const page: CatalogEntry[] = [];
      for (const entry of orderBy(field).walk(sort.direction, start)) {
        if (!matches(entry)) continue;
        page.push(entry);
        if (page.length >= limit) break;
      }
      return page;
    },
    async count(filter, max) {
      await ready();
      const { source, matches } = prepare(filter);
      let found = 0;
      const counted = (entry: CatalogEntry) => {
        if (matches(entry)) found += 1;
        return found < max;
      };
      if (source) eachEntry(source, counted);
      else for (const entry of entries.values()) if (!counted(entry)) break;
      return found;
    },
    async dueTimers(now, limit, since) {
      await ready();
      timers ??= new SortedEntries('nextTimerAt', entries.values(), hasTimer);
      const due: string[] = [];
      // After `since`: from the first timer at since + 1 ms (no id sorts before '').
      const start = since === undefined ? undefined : { key: sortKey(new Date(since + 1)), id: '' };
      for (const entry of timers.walk(1, start)) {
        if (due.length >= limit || entry.nextTimerAt!.getTime() > now) break;
        due.push(entry._id);
      }
      return due;
    },
    async openLoads(openCategories) {
      await ready();
      const loads = new Map<string, number>();
      for (const entry of entries.values()) {
        if (entry.assignee && openCategories.has(entry.statusCategory))
          loads.set(entry.assignee, (loads.get(entry.assignee) ?? 0) + 1);
      }
      return loads;
    },
    async changedSince(since) {
      await ready();
      const changed: ChangedHead[] = [];
      // Newest first; dates sort after every other kind of value, so the first older one ends the walk.
      for (const entry of orderBy('updatedAt').walk(-1)) {
        if (!(entry.updatedAt instanceof Date) || entry.updatedAt.getTime() < since) break;
        changed.push({ _id: entry._id, version: entry.version, headHash: entry.headHash });
      }
      return changed.sort((a, b) => compareValues(a._id, b._id));
    },
    warm() {
      ready().catch((error: unknown) => options.onError?.(error));
    },
    async reload() {
      await ready();
      await readAll();
    },
    close() {
      if (resync) clearInterval(resync);
      resync = undefined;
    },
  };
}
