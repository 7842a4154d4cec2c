/**
 * What the settings tab computes: a status key from its name, the ticket number a format gives today (the
 * runtime's own `formatTicketNumber`), and the time zones the browser knows.
 */
import type { Instant, Problem } from '../../../../runtime/common/types';
import { formatTicketNumber, parseNumberFormat } from '../../../../runtime/definitions/number-format';
import type { TicketStatusDefinition } from '../../../../runtime/definitions/ticket-type.schema';
import type { DraftDefinition } from '../designer.types';

/** `Waiting for parts` → `waiting-for-parts`; a name without Latin letters gives `status`; unique among `taken`. */
export function statusKeyFrom(name: string, taken: Iterable<string>): string {
  const base =
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^[^a-z]+/, '')
      .replace(/-+$/, '')
      .slice(0, 48) || 'status';
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let suffix = 2; ; suffix += 1) {
    const candidate = `${base}-${suffix}`;
    if (!used.has(candidate)) return candidate;
  }
}

export interface NumberExample {
  /** The numbers of the 1st and the 42nd ticket opened at `at`; empty when the format cannot be used. */
  first: string;
  later: string;
  problems: Problem[];
}

/** The numbers a format hands out at `at` in `zone`, and what is wrong with it. */
export function numberExample(format: string, zone: string, at: Instant = Date.now()): NumberExample {
  const { problems } = parseNumberFormat(format);
  if (problems.length > 0) return { first: '', later: '', problems };
  try {
    return {
      first: formatTicketNumber(format, { seq: 1, at, zone }),
      later: formatTicketNumber(format, { seq: 42, at, zone }),
      problems,
    };
  } catch {
    // An unknown zone: the zone field says so.
    return { first: '', later: '', problems };
  }
}

/** IANA zones the browser knows (Asia/Shanghai first), for the zone picker. */
export function knownZones(): string[] {
  const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  const zones = supported ? supported('timeZone') : [];
  return ['Asia/Shanghai', ...zones.filter((zone) => zone !== 'Asia/Shanghai')];
}

/** Whether the browser can read times in a zone. */
export function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.trim() !== '';
  } catch {
    return false;
  }
}

/** A change to the draft, or to the statuses of one category (the tab applies it through `designer.change`). */
export type DraftChange = (draft: DraftDefinition) => void;
export type StatusListChange = (list: TicketStatusDefinition[]) => void;
