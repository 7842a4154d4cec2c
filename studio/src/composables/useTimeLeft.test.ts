import { describe, expect, it } from 'vitest';
import type { TimeLeftView } from '../api/types';
import { minutesLeftAt } from './useTimeLeft';

const at = (iso: string) => Date.parse(iso);
const base: TimeLeftView = {
  minutes: 240,
  asOf: '2026-10-08T09:00:00.000Z',
  calendar: 'cn-standard',
  calendarName: { 'zh-CN': '标准工作日历', en: 'Standard calendar' },
  zone: 'Asia/Shanghai',
  business: true,
  paused: false,
  // 17:00–18:00 Shanghai today, 09:00–12:00 tomorrow.
  working: [
    [at('2026-10-08T09:00:00Z'), at('2026-10-08T10:00:00Z')],
    [at('2026-10-09T01:00:00Z'), at('2026-10-09T04:00:00Z')],
  ],
};

describe('minutesLeftAt', () => {
  it('counts down inside working intervals only', () => {
    expect(minutesLeftAt(base, at('2026-10-08T09:30:00Z'))).toBe(210);
    // The evening and night do not count.
    expect(minutesLeftAt(base, at('2026-10-08T20:00:00Z'))).toBe(180);
    expect(minutesLeftAt(base, at('2026-10-09T02:00:00Z'))).toBe(120);
  });

  it('goes below zero once the working time is used up, and holds past the intervals it knows', () => {
    const short = { ...base, minutes: 30 };
    expect(minutesLeftAt(short, at('2026-10-08T10:00:00Z'))).toBe(-30);
    expect(minutesLeftAt(short, at('2026-10-10T10:00:00Z'))).toBe(-210);
  });

  it('counts every minute on a 24×7 calendar and none while paused', () => {
    const always = { ...base, business: false, working: null };
    expect(minutesLeftAt(always, at('2026-10-08T11:00:00Z'))).toBe(120);
    expect(minutesLeftAt({ ...base, paused: true }, at('2026-10-08T11:00:00Z'))).toBe(240);
  });
});
