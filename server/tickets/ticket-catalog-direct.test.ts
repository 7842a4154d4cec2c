import sift from 'sift';
import { describe, expect, it } from 'vitest';
import { seededChoices } from '../../test/support/ticket-history.js';
import { directTestOf, type CatalogEntry } from './ticket-catalog.js';

/**
 * The memory catalog judges most list and count filters without sift (`directTestOf`). Its verdict must be sift's
 * wherever it gives one, on every kind of value a field may hold: here random filters of the shapes it judges
 * (and some it must leave to sift) against entries holding scalars, nulls, missing fields, arrays of scalars, and
 * the odd values it must not judge (objects, dates, nested arrays, NaN).
 */

const FIELDS = ['team', 'assignee', 'watchers', 'priorityRank', 'flag', 'searchText'];
const SCALARS: (string | number | boolean)[] = ['a', 'b', 'c', '1', 1, 2, 0, true, false, ''];
const TEXTS = ['printer jam', 'vpn down', 'a.b c', '', 'Printer'];

function valueOf(rng: ReturnType<typeof seededChoices>): unknown {
  const { next, pick, some } = rng;
  const kind = next();
  if (kind < 0.35) return pick(SCALARS);
  if (kind < 0.45) return null;
  if (kind < 0.65) return some([...SCALARS, null], 3);
  if (kind < 0.7) return [];
  if (kind < 0.75) return pick(TEXTS);
  if (kind < 0.8) return new Date(Date.UTC(2026, 9, 8));
  if (kind < 0.85) return { a: 'a' };
  if (kind < 0.9) return [[pick(SCALARS)], pick(SCALARS)];
  if (kind < 0.95) return Number.NaN;
  return [{ a: 'a' }, pick(SCALARS)];
}

function entryOf(id: number, rng: ReturnType<typeof seededChoices>): CatalogEntry {
  const entry: Record<string, unknown> = { _id: `t${id}` };
  for (const field of FIELDS) if (rng.next() < 0.85) entry[field] = valueOf(rng);
  return entry as unknown as CatalogEntry;
}

function conditionOf(rng: ReturnType<typeof seededChoices>): unknown {
  const { next, pick, some } = rng;
  const kind = next();
  if (kind < 0.3) return pick(SCALARS);
  if (kind < 0.5) return { $in: some(SCALARS, 4) };
  if (kind < 0.6) return { $eq: pick(SCALARS) };
  if (kind < 0.75) return { $regex: pick(['printer', 'a\\.b', '', 'vpn', 'jam']) };
  // Shapes left to sift.
  if (kind < 0.8) return null;
  if (kind < 0.85) return { $in: [pick(SCALARS), null] };
  if (kind < 0.9) return { $gt: pick(SCALARS) };
  if (kind < 0.95) return { $regex: 'a.b' };
  return [pick(SCALARS)];
}

function filterOf(rng: ReturnType<typeof seededChoices>, depth: number): Record<string, unknown> {
  const { next, pick } = rng;
  const filter: Record<string, unknown> = {};
  const parts = Math.floor(next() * 3);
  for (let part = 0; part < parts; part++) {
    const kind = next();
    if (depth < 3 && kind < 0.2)
      filter.$or = Array.from({ length: 1 + Math.floor(next() * 3) }, () => filterOf(rng, depth + 1));
    else if (depth < 3 && kind < 0.35)
      filter.$and = Array.from({ length: 1 + Math.floor(next() * 3) }, () => filterOf(rng, depth + 1));
    else filter[pick(FIELDS)] = conditionOf(rng);
  }
  return filter;
}

describe('the memory catalog’s direct filter test', () => {
  it('says what sift says wherever it answers, over random filters and values', () => {
    const rng = seededChoices(20261207);
    const entries = Array.from({ length: 300 }, (_, id) => entryOf(id, rng));
    let judged = 0;
    let direct = 0;
    for (let round = 0; round < 400; round++) {
      const filter = filterOf(rng, 0);
      const test = directTestOf(filter);
      if (!test) continue;
      direct += 1;
      const expected = sift.default(filter as never);
      for (const entry of entries) {
        const verdict = test(entry);
        if (verdict === undefined) continue;
        judged += 1;
        expect(verdict, `${JSON.stringify(filter)} on ${JSON.stringify(entry)}`).toBe(expected(entry));
      }
    }
    // Most filters and most entries are judged directly (else the shortcut would be saying nothing).
    expect(direct).toBeGreaterThan(100);
    expect(judged).toBeGreaterThan(direct * 100);
  });

  it('judges plain values itself and leaves the shapes it does not know to sift', () => {
    const entry = {
      _id: 't1',
      team: 'a',
      watchers: ['u1', null, 'u2'],
      tags: [],
      searchText: 'printer jam',
      due: new Date(0),
      nested: [['u1']],
    } as unknown as CatalogEntry;
    const verdict = (filter: unknown) => directTestOf(filter)?.(entry);
    expect(verdict({})).toBe(true);
    expect(verdict({ team: 'a', watchers: { $in: ['u2', 'u9'] } })).toBe(true);
    expect(verdict({ $or: [{ team: 'b' }, { watchers: 'u9' }] })).toBe(false);
    expect(verdict({ tags: 'x' })).toBe(false);
    expect(verdict({ missing: { $in: ['a'] } })).toBe(false);
    expect(verdict({ searchText: { $regex: 'jam' } })).toBe(true);
    expect(verdict({ searchText: { $regex: 'printer\\.' } })).toBe(false);
    // Values it does not judge: the whole filter goes to sift, unless another part already decides.
    expect(verdict({ due: 'x' })).toBeUndefined();
    expect(verdict({ nested: 'u1' })).toBeUndefined();
    expect(verdict({ nested: 'u1', team: 'b' })).toBe(false);
    // Shapes it does not judge.
    for (const filter of [
      { team: null },
      { team: { $in: ['a', null] } },
      { team: { $ne: 'a' } },
      { team: { $gt: 'a' } },
      { 'status.key': 'open' },
      { $nor: [{ team: 'a' }] },
      { $or: [] },
      { searchText: { $regex: 'a.b' } },
      { searchText: { $regex: 'a', $options: 'i' } },
      { due: new Date(0) },
    ])
      expect(directTestOf(filter), JSON.stringify(filter)).toBeUndefined();
  });
});
