import { DateTime } from 'luxon';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Duration } from '../common/types.js';
import { describeDuration, describeMinutes, formatLocalDateTime, periodBuckets } from './index.js';

const at = (local: string, zone = 'Asia/Shanghai'): number => DateTime.fromISO(local, { zone }).toMillis();

describe('periodBuckets', () => {
  it.each([
    ['2026-10-08T11:00', 'Asia/Shanghai', { day: '2026-10-08', week: '2026-W41', month: '2026-10' }],
    // 2027-01-01 is a Friday: it belongs to the last ISO week of 2026.
    ['2027-01-01T10:00', 'Asia/Shanghai', { day: '2027-01-01', week: '2026-W53', month: '2027-01' }],
    ['2026-01-01T10:00', 'Asia/Shanghai', { day: '2026-01-01', week: '2026-W01', month: '2026-01' }],
  ])('%s in %s', (local, zone, buckets) => {
    expect(periodBuckets(at(local, zone), zone)).toEqual(buckets);
  });

  it('reads the day in the zone asked for, not in UTC', () => {
    const shanghaiMorning = at('2026-10-08T01:00');
    expect(periodBuckets(shanghaiMorning, 'Asia/Shanghai').day).toBe('2026-10-08');
    expect(periodBuckets(shanghaiMorning, 'UTC').day).toBe('2026-10-07');
  });

  it('refuses an unknown zone', () => {
    expect(() => periodBuckets(0, 'Mars/Olympus')).toThrow(RangeError);
    expect(() => formatLocalDateTime(Number.NaN, 'UTC')).toThrow(RangeError);
  });
});

describe('words', () => {
  it('formats instants in the zone', () => {
    expect(formatLocalDateTime(at('2026-10-08T11:00'), 'Asia/Shanghai')).toBe('2026-10-08 11:00');
  });

  it.each([
    [{ amount: 1, unit: 'hours' }, '1 小时', '1 hour'],
    [{ amount: 15, unit: 'minutes' }, '15 分钟', '15 minutes'],
    [{ amount: 2, unit: 'calendarDays' }, '2 个自然日', '2 calendar days'],
    [{ amount: 4, unit: 'businessHours' }, '4 个工作小时', '4 business hours'],
    [{ amount: 3, unit: 'businessDays' }, '3 个工作日', '3 business days'],
  ] as [Duration, string, string][])('%o', (duration, zh, en) => {
    expect(describeDuration(duration)).toEqual({ 'zh-CN': zh, en });
  });

  it.each([
    [45, '45 分钟', '45 min'],
    [120, '2 小时', '2 h'],
    [125.4, '2 小时 5 分钟', '2 h 5 min'],
    [-3, '0 分钟', '0 min'],
  ])('%d minutes', (minutes, zh, en) => {
    expect(describeMinutes(minutes)).toEqual({ 'zh-CN': zh, en });
  });
});

describe('formatLocalDateTime against luxon', () => {
  const ZONES = [
    'Asia/Shanghai',
    'Europe/Berlin',
    'America/New_York',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
    'Pacific/Apia',
    'UTC',
    'UTC+8',
  ];
  const luxonWritten = (instant: number, zone: string) =>
    DateTime.fromMillis(instant, { zone }).toFormat('yyyy-MM-dd HH:mm');

  it('writes what luxon writes, around DST changes and far from now (offsets remembered per day)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1890, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.constantFrom(...ZONES),
        (instant, zone) => {
          expect(formatLocalDateTime(instant, zone)).toBe(luxonWritten(instant, zone));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['Europe/Berlin', '2026-03-29T00:59:59.999Z'],
    ['Europe/Berlin', '2026-03-29T01:00:00Z'],
    ['Europe/Berlin', '2026-10-25T00:59:00Z'],
    ['Europe/Berlin', '2026-10-25T01:00:00Z'],
    ['America/New_York', '2026-03-08T06:59:00Z'],
    ['America/New_York', '2026-03-08T07:00:00Z'],
    ['America/New_York', '2026-11-01T05:30:00Z'],
    ['America/New_York', '2026-11-01T06:30:00Z'],
    ['Australia/Lord_Howe', '2026-04-04T14:59:00Z'],
    ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
  ])('in %s at %s, every minute of that day read twice', (zone, iso) => {
    const at = Date.parse(iso);
    for (let instant = at - 86_400_000; instant <= at + 86_400_000; instant += 60_000) {
      expect(formatLocalDateTime(instant, zone)).toBe(luxonWritten(instant, zone));
      expect(formatLocalDateTime(instant, zone)).toBe(luxonWritten(instant, zone));
    }
  });

  it('falls back to luxon outside years 1000–9999 and for the host zone', () => {
    const far = Date.UTC(12000, 0, 1);
    expect(formatLocalDateTime(far, 'UTC')).toBe(luxonWritten(far, 'UTC'));
    expect(formatLocalDateTime(0, 'system')).toBe(luxonWritten(0, 'system'));
    expect(() => formatLocalDateTime(0, 'Mars/Olympus')).toThrow(RangeError);
    expect(() => formatLocalDateTime(Number.POSITIVE_INFINITY, 'Asia/Shanghai')).toThrow(RangeError);
  });
});
