import { DateTime } from 'luxon';
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
