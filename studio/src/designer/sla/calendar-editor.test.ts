import { describe, expect, it } from 'vitest';
import { CN_STANDARD_CALENDAR_DEFINITION, type BusinessCalendarDefinition } from '../../../../runtime/time';
import {
  blankCalendar,
  copyToWorkingWeekdays,
  dayName,
  dayOverrideOf,
  importCnPreset,
  setDayOverride,
  setIntervals,
  yearDays,
} from './calendar-editor';

const base = (): BusinessCalendarDefinition => blankCalendar('acme', { 'zh-CN': '公司', en: 'Acme' });

describe('calendar editor', () => {
  it('marks and clears single days', () => {
    let calendar = setDayOverride(base(), '2026-03-02', 'holiday', '厂休');
    expect(calendar.holidays).toEqual([{ date: '2026-03-02', name: '厂休' }]);
    expect(dayOverrideOf(calendar, '2026-03-02')).toBe('holiday');
    calendar = setDayOverride(calendar, '2026-03-02', 'working');
    expect(calendar.holidays).toBeUndefined();
    expect(calendar.workingDays).toEqual([{ date: '2026-03-02' }]);
    calendar = setDayOverride(calendar, '2026-03-02', 'none');
    expect(calendar.workingDays).toBeUndefined();
    expect(dayOverrideOf(calendar, '2026-03-02')).toBe('none');
  });

  it('splits a range when a day inside it changes, keeping the name', () => {
    const calendar = setDayOverride(
      { ...base(), holidays: [{ from: '2026-10-01', to: '2026-10-07', name: '国庆' }] },
      '2026-10-04',
      'none',
    );
    expect(calendar.holidays).toEqual([
      { from: '2026-10-01', to: '2026-10-03', name: '国庆' },
      { from: '2026-10-05', to: '2026-10-07', name: '国庆' },
    ]);
    const edge = setDayOverride(calendar, '2026-10-01', 'none');
    expect(edge.holidays?.[0]).toEqual({ from: '2026-10-02', to: '2026-10-03', name: '国庆' });
    const single = setDayOverride(
      { ...base(), holidays: [{ from: '2026-01-01', to: '2026-01-02' }] },
      '2026-01-02',
      'none',
    );
    expect(single.holidays).toEqual([{ date: '2026-01-01' }]);
  });

  it('does not change its argument', () => {
    const original = base();
    const copy = JSON.stringify(original);
    setDayOverride(original, '2026-01-05', 'holiday');
    importCnPreset(original);
    setIntervals(original, 'monday', []);
    expect(JSON.stringify(original)).toBe(copy);
  });

  it('imports the CN 2026 days, replacing what touched them and keeping the rest', () => {
    let calendar = setDayOverride(base(), '2026-10-03', 'working');
    calendar = setDayOverride(calendar, '2026-12-24', 'holiday');
    const imported = importCnPreset(calendar);
    expect(imported.holidays).toContainEqual({ date: '2026-12-24' });
    expect(imported.workingDays).not.toContainEqual({ date: '2026-10-03' });
    expect(imported.holidays).toEqual(expect.arrayContaining(CN_STANDARD_CALENDAR_DEFINITION.holidays!));
    expect(imported.workingDays).toEqual(CN_STANDARD_CALENDAR_DEFINITION.workingDays);
    const days = yearDays(imported, 2026);
    expect(days).toHaveLength(365);
    expect(days.find((day) => day.date === '2026-10-10')?.kind).toBe('extra-working');
    expect(days.find((day) => day.date === '2026-10-03')?.kind).toBe('holiday');
    expect(days.find((day) => day.date === '2026-10-12')?.kind).toBe('working');
    expect(days.find((day) => day.date === '2026-10-11')?.kind).toBe('non-working');
    expect(dayName(days.find((day) => day.date === '2026-10-01')?.name, 'en')).toBe('National Day');
  });

  it('edits weekly hours with breaks and copies them to the working week', () => {
    let calendar = setIntervals(base(), 'monday', [
      { from: '08:30', to: '12:00' },
      { from: '13:30', to: '17:30' },
    ]);
    calendar = copyToWorkingWeekdays(calendar, 'monday');
    expect(calendar.week.friday).toEqual(calendar.week.monday);
    expect(calendar.week.saturday).toBeUndefined();
    calendar = setIntervals(calendar, 'friday', []);
    expect(calendar.week.friday).toBeUndefined();
    expect(yearDays(calendar, 2026).find((day) => day.date === '2026-01-02')?.kind).toBe('non-working');
  });

  it('shows no days for a calendar that does not compile', () => {
    expect(yearDays({ ...base(), zone: 'Mars/Olympus' }, 2026)).toEqual([]);
  });
});
