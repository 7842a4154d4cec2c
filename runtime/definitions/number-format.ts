/**
 * Ticket number formats such as `INC-{yyyy}-{seq:6}`: literal text with date placeholders read in the ticket
 * type's zone and exactly one sequence placeholder, so numbers never repeat.
 */
import { DateTime } from 'luxon';
import type { Instant, Problem } from '../common/types.js';
import { definitionProblem } from './messages.js';

export const DATE_PLACEHOLDERS = ['yyyy', 'yy', 'MM', 'dd'] as const;
export type DatePlaceholder = (typeof DATE_PLACEHOLDERS)[number];
export const MAX_SEQUENCE_WIDTH = 12;
/** Placeholders as an analyst writes them, for messages. */
export const NUMBER_FORMAT_PLACEHOLDERS = ['{yyyy}', '{yy}', '{MM}', '{dd}', '{seq}', '{seq:6}'];

export type NumberFormatPart =
  | { kind: 'text'; text: string }
  | { kind: 'date'; placeholder: DatePlaceholder }
  | { kind: 'sequence'; width: number };

const SEQUENCE_PLACEHOLDER = /^seq(?::(.*))?$/;

/**
 * Split a number format into parts, reporting every mistake at `path`. Parts are returned even when there are
 * problems (unknown placeholders are kept as text), so a preview can still be shown.
 */
export function parseNumberFormat(
  format: string,
  path = '/numberFormat',
): { parts: NumberFormatPart[]; problems: Problem[] } {
  const parts: NumberFormatPart[] = [];
  const problems: Problem[] = [];
  let text = '';
  const pushText = () => {
    if (text) parts.push({ kind: 'text', text });
    text = '';
  };

  if (/\s/.test(format)) problems.push(definitionProblem('definition.numberFormat.whitespace', path));

  let index = 0;
  while (index < format.length) {
    const char = format.charAt(index);
    if (char === '}') {
      problems.push(
        definitionProblem('definition.numberFormat.unbalancedBrace', path, { position: index + 1 }),
      );
      text += char;
      index += 1;
      continue;
    }
    if (char !== '{') {
      text += char;
      index += 1;
      continue;
    }
    const close = format.indexOf('}', index + 1);
    const nextOpen = format.indexOf('{', index + 1);
    if (close === -1 || (nextOpen !== -1 && nextOpen < close)) {
      problems.push(
        definitionProblem('definition.numberFormat.unbalancedBrace', path, { position: index + 1 }),
      );
      text += char;
      index += 1;
      continue;
    }
    const placeholder = format.slice(index + 1, close);
    const sequence = SEQUENCE_PLACEHOLDER.exec(placeholder);
    if ((DATE_PLACEHOLDERS as readonly string[]).includes(placeholder)) {
      pushText();
      parts.push({ kind: 'date', placeholder: placeholder as DatePlaceholder });
    } else if (sequence) {
      const widthText = sequence[1];
      const width = widthText === undefined ? 1 : Number(widthText);
      if (!/^\d+$/.test(widthText ?? '1') || width < 1 || width > MAX_SEQUENCE_WIDTH) {
        problems.push(
          definitionProblem('definition.numberFormat.sequenceWidth', path, {
            width: widthText ?? '',
            max: MAX_SEQUENCE_WIDTH,
          }),
        );
      }
      pushText();
      parts.push({ kind: 'sequence', width: Number.isInteger(width) && width >= 1 ? width : 1 });
    } else {
      problems.push(
        definitionProblem('definition.numberFormat.unknownPlaceholder', path, {
          placeholder: `{${placeholder}}`,
          allowed: NUMBER_FORMAT_PLACEHOLDERS,
        }),
      );
      text += format.slice(index, close + 1);
    }
    index = close + 1;
  }
  pushText();

  const sequences = parts.filter((part) => part.kind === 'sequence').length;
  if (sequences === 0) {
    problems.push(definitionProblem('definition.numberFormat.noSequence', path, { example: '{seq:6}' }));
  } else if (sequences > 1) {
    problems.push(definitionProblem('definition.numberFormat.multipleSequences', path));
  }
  return { parts, problems };
}

export interface TicketNumberInput {
  /** The sequence number given by the server's counter (≥ 0). */
  seq: number;
  /** When the ticket was opened. */
  at: Instant;
  /** IANA zone the date placeholders are read in (e.g. `Asia/Shanghai`). */
  zone: string;
}

/**
 * The number of a ticket: `formatTicketNumber('INC-{yyyy}-{seq:6}', { seq: 42, at, zone: 'Asia/Shanghai' })` →
 * `INC-2026-000042`. A sequence longer than its width is not cut. Throws a RangeError on a sequence that is not a
 * non-negative whole number or an unknown zone: those are the caller's mistakes, not the analyst's.
 */
export function formatTicketNumber(format: string, { seq, at, zone }: TicketNumberInput): string {
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new RangeError(`ticket sequence must be a whole number ≥ 0: ${seq}`);
  const date = DateTime.fromMillis(at, { zone });
  if (!date.isValid)
    throw new RangeError(`cannot read ${at} in zone ${zone}: ${date.invalidExplanation ?? ''}`);
  const { parts } = parseNumberFormat(format);
  return parts
    .map((part) => {
      switch (part.kind) {
        case 'text':
          return part.text;
        case 'sequence':
          return String(seq).padStart(part.width, '0');
        case 'date':
          return date.toFormat(part.placeholder);
      }
    })
    .join('');
}

/**
 * The counter a number belongs to: the format rendered for `at` with the sequence left as `{seq}` (its width
 * dropped), e.g. `QA-{yyyy}-{seq:4}` in 2026 → `QA-2026-{seq}`. Types whose formats render the same text around the
 * sequence share one counter, so they can never hand out the same number; a date placeholder starts a new
 * counter each period it names (year, month, day).
 */
export function ticketNumberScope(format: string, { at, zone }: Omit<TicketNumberInput, 'seq'>): string {
  const date = DateTime.fromMillis(at, { zone });
  if (!date.isValid)
    throw new RangeError(`cannot read ${at} in zone ${zone}: ${date.invalidExplanation ?? ''}`);
  return parseNumberFormat(format)
    .parts.map((part) =>
      part.kind === 'text' ? part.text : part.kind === 'sequence' ? '{seq}' : date.toFormat(part.placeholder),
    )
    .join('');
}
