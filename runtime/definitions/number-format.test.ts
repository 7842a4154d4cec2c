import { describe, expect, it } from 'vitest';
import { formatTicketNumber, parseNumberFormat } from './number-format.js';

// 2026-09-30 23:30 in Shanghai is still 2026-09-30 15:30 UTC; the zone decides the date.
const lateEveningShanghai = Date.UTC(2026, 8, 30, 15, 30);
const newYearShanghai = Date.UTC(2025, 11, 31, 16, 30); // 2026-01-01 00:30 in Shanghai

describe('parseNumberFormat', () => {
  it.each([
    ['INC-{yyyy}-{seq:6}', []],
    ['{yy}{MM}{dd}-{seq}', []],
    ['工单-{seq:4}', []],
    ['INC-{yyyy}', ['definition.numberFormat.noSequence']],
    ['INC-{seq}-{seq:4}', ['definition.numberFormat.multipleSequences']],
    ['INC-{year}-{seq:6}', ['definition.numberFormat.unknownPlaceholder']],
    ['INC-{seq:0}', ['definition.numberFormat.sequenceWidth']],
    ['INC-{seq:13}', ['definition.numberFormat.sequenceWidth']],
    ['INC-{seq:x}', ['definition.numberFormat.sequenceWidth']],
    ['INC-{seq:6', ['definition.numberFormat.unbalancedBrace', 'definition.numberFormat.noSequence']],
    ['INC-{yyyy-{seq:6}', ['definition.numberFormat.unbalancedBrace']],
    ['INC}-{seq:6}', ['definition.numberFormat.unbalancedBrace']],
    ['INC {seq:6}', ['definition.numberFormat.whitespace']],
  ])('%s → %j', (format, codes) => {
    expect(parseNumberFormat(format).problems.map((problem) => problem.code)).toEqual(codes);
  });

  it('explains an unknown placeholder with the ones that exist', () => {
    const [problem] = parseNumberFormat('INC-{year}-{seq:6}', '/numberFormat').problems;
    expect(problem?.path).toBe('/numberFormat');
    expect(problem?.text.en).toBe(
      'The number format placeholder “{year}” is not recognised; use one of: {yyyy}, {yy}, {MM}, {dd}, {seq}, {seq:6}.',
    );
  });

  it('splits a format into its parts', () => {
    expect(parseNumberFormat('INC-{yyyy}-{seq:6}').parts).toEqual([
      { kind: 'text', text: 'INC-' },
      { kind: 'date', placeholder: 'yyyy' },
      { kind: 'text', text: '-' },
      { kind: 'sequence', width: 6 },
    ]);
  });
});

describe('formatTicketNumber', () => {
  it.each([
    ['INC-{yyyy}-{seq:6}', 42, lateEveningShanghai, 'Asia/Shanghai', 'INC-2026-000042'],
    ['INC-{yyyy}-{seq:6}', 42, newYearShanghai, 'Asia/Shanghai', 'INC-2026-000042'],
    ['INC-{yyyy}-{seq:6}', 42, newYearShanghai, 'UTC', 'INC-2025-000042'],
    ['{yy}{MM}{dd}-{seq:3}', 7, lateEveningShanghai, 'Asia/Shanghai', '260930-007'],
    ['HR-{seq}', 1234567, lateEveningShanghai, 'Asia/Shanghai', 'HR-1234567'],
    ['HR-{seq:2}', 123, lateEveningShanghai, 'Asia/Shanghai', 'HR-123'],
    ['X-{year}-{seq}', 5, lateEveningShanghai, 'Asia/Shanghai', 'X-{year}-5'],
  ])('%s with seq %i → %s', (format, seq, at, zone, expected) => {
    expect(formatTicketNumber(format, { seq, at, zone })).toBe(expected);
  });

  it('refuses a sequence that is not a whole number and an unknown zone', () => {
    expect(() => formatTicketNumber('{seq}', { seq: -1, at: 0, zone: 'UTC' })).toThrow(RangeError);
    expect(() => formatTicketNumber('{seq}', { seq: 1.5, at: 0, zone: 'UTC' })).toThrow(RangeError);
    expect(() => formatTicketNumber('{seq}', { seq: 1, at: 0, zone: 'Mars/Olympus' })).toThrow(RangeError);
  });
});
