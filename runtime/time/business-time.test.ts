import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Duration } from '../common/types.js';
import {
  ALWAYS_OPEN_CALENDAR,
  CN_STANDARD_CALENDAR,
  MAX_WALK_DAYS,
  addBusinessMinutes,
  addDuration,
  businessMillisecondsBetween,
  businessMinutesBetween,
  compileCalendar,
  durationInMinutes,
  formatLocalDateTime,
  isCalendarTimeUnit,
  isWorkingInstant,
  measuringCalendar,
  nextBusinessDayStart,
  nextWorkingInstant,
  type BusinessCalendarDefinition,
} from './index.js';

const SHANGHAI = 'Asia/Shanghai';
const at = (local: string, zone = SHANGHAI): number => DateTime.fromISO(local, { zone }).toMillis();
const show = (instant: number, zone = SHANGHAI): string => formatLocalDateTime(instant, zone);

const OFFICE_DAY = [
  { from: '09:00', to: '12:00' },
  { from: '13:00', to: '18:00' },
];

function calendar(overrides: Partial<BusinessCalendarDefinition> = {}): BusinessCalendarDefinition {
  return {
    key: 'test',
    name: { 'zh-CN': '测试', en: 'Test' },
    zone: SHANGHAI,
    week: {
      monday: OFFICE_DAY,
      tuesday: OFFICE_DAY,
      wednesday: OFFICE_DAY,
      thursday: OFFICE_DAY,
      friday: OFFICE_DAY,
    },
    ...overrides,
  };
}

describe('worked examples (Asia/Shanghai, CN 2026 preset)', () => {
  const opened = at('2026-09-30T16:00');

  it('Wed 2026-09-30 16:00 + 3 business days is due Sat 2026-10-10 16:00, a make-up working day', () => {
    expect(show(addDuration(CN_STANDARD_CALENDAR, opened, { amount: 3, unit: 'businessDays' }))).toBe(
      '2026-10-10 16:00',
    );
  });

  it('Wed 2026-09-30 16:00 + 4 business hours is due Thu 2026-10-08 11:00', () => {
    expect(show(addDuration(CN_STANDARD_CALENDAR, opened, { amount: 4, unit: 'businessHours' }))).toBe(
      '2026-10-08 11:00',
    );
  });

  it('3 business days from Wednesday 16:00 end Monday 16:00 in an ordinary week', () => {
    expect(
      show(addDuration(CN_STANDARD_CALENDAR, at('2026-03-11T16:00'), { amount: 3, unit: 'businessDays' })),
    ).toBe('2026-03-16 16:00');
  });
});

describe('addDuration on the CN preset', () => {
  const cases: { name: string; start: string; duration: Duration; due: string }[] = [
    {
      name: 'within one interval',
      start: '2026-03-10T09:30',
      duration: { amount: 2, unit: 'businessHours' },
      due: '2026-03-10 11:30',
    },
    {
      name: 'across the lunch break',
      start: '2026-03-10T11:00',
      duration: { amount: 2, unit: 'businessHours' },
      due: '2026-03-10 14:00',
    },
    {
      name: 'ending exactly at the end of the day stays there',
      start: '2026-03-10T16:00',
      duration: { amount: 2, unit: 'businessHours' },
      due: '2026-03-10 18:00',
    },
    {
      name: 'ending exactly at noon stays at noon',
      start: '2026-03-10T09:00',
      duration: { amount: 3, unit: 'businessHours' },
      due: '2026-03-10 12:00',
    },
    {
      name: 'starting in the lunch break counts from 13:00',
      start: '2026-03-10T12:30',
      duration: { amount: 30, unit: 'minutes' },
      due: '2026-03-10 13:00',
    },
    {
      name: 'business minutes from the lunch break',
      start: '2026-03-10T12:30',
      duration: { amount: 0.5, unit: 'businessHours' },
      due: '2026-03-10 13:30',
    },
    {
      name: 'starting at night counts from next morning',
      start: '2026-03-10T22:00',
      duration: { amount: 1, unit: 'businessHours' },
      due: '2026-03-11 10:00',
    },
    {
      name: 'starting on Saturday counts from Monday',
      start: '2026-03-14T10:00',
      duration: { amount: 1, unit: 'businessDays' },
      due: '2026-03-16 18:00',
    },
    {
      name: 'Friday afternoon rolls over the weekend',
      start: '2026-03-13T17:00',
      duration: { amount: 2, unit: 'businessHours' },
      due: '2026-03-16 10:00',
    },
    {
      name: 'Spring Festival is skipped, Sat Feb 14 works',
      start: '2026-02-13T17:00',
      duration: { amount: 10, unit: 'businessHours' },
      due: '2026-02-24 10:00',
    },
    {
      name: 'make-up Sunday Jan 4 works',
      start: '2026-01-01T10:00',
      duration: { amount: 1, unit: 'businessHours' },
      due: '2026-01-04 10:00',
    },
    {
      name: 'Labour Day and make-up Sat May 9',
      start: '2026-04-30T17:00',
      duration: { amount: 1, unit: 'businessDays' },
      due: '2026-05-06 17:00',
    },
    {
      name: 'calendar hours ignore the calendar',
      start: '2026-10-01T10:00',
      duration: { amount: 8, unit: 'hours' },
      due: '2026-10-01 18:00',
    },
    {
      name: 'calendar days are 24 h each',
      start: '2026-10-01T10:00',
      duration: { amount: 2, unit: 'calendarDays' },
      due: '2026-10-03 10:00',
    },
    {
      name: 'calendar minutes',
      start: '2026-10-03T23:50',
      duration: { amount: 15, unit: 'minutes' },
      due: '2026-10-04 00:05',
    },
    {
      name: 'seven business days across National Day',
      start: '2026-09-30T16:00',
      duration: { amount: 7, unit: 'businessDays' },
      due: '2026-10-15 16:00',
    },
  ];
  it.each(cases)('$name', ({ start, duration, due }) => {
    expect(show(addDuration(CN_STANDARD_CALENDAR, at(start), duration))).toBe(due);
  });

  it('adding nothing returns the start, even outside working time', () => {
    const saturday = at('2026-03-14T10:00');
    expect(addDuration(CN_STANDARD_CALENDAR, saturday, { amount: 0, unit: 'businessHours' })).toBe(saturday);
  });

  it('keeps seconds and milliseconds of the start', () => {
    const start = at('2026-03-10T09:30:15.250');
    expect(addBusinessMinutes(CN_STANDARD_CALENDAR, start, 60) - start).toBe(3_600_000);
  });

  it('rejects negative, infinite and NaN amounts and starts', () => {
    const start = at('2026-03-10T09:30');
    expect(() => addBusinessMinutes(CN_STANDARD_CALENDAR, start, -1)).toThrow(RangeError);
    expect(() => addBusinessMinutes(CN_STANDARD_CALENDAR, start, Number.NaN)).toThrow(RangeError);
    expect(() => addBusinessMinutes(CN_STANDARD_CALENDAR, start, Number.POSITIVE_INFINITY)).toThrow(
      RangeError,
    );
    expect(() => addBusinessMinutes(CN_STANDARD_CALENDAR, Number.NaN, 1)).toThrow(RangeError);
  });
});

describe('businessMinutesBetween', () => {
  const cases: { from: string; to: string; minutes: number }[] = [
    { from: '2026-03-10T09:00', to: '2026-03-10T18:00', minutes: 480 },
    { from: '2026-03-10T11:30', to: '2026-03-10T13:30', minutes: 60 },
    { from: '2026-03-10T12:10', to: '2026-03-10T12:50', minutes: 0 },
    { from: '2026-03-13T17:00', to: '2026-03-16T10:00', minutes: 120 },
    { from: '2026-03-09T00:00', to: '2026-03-16T00:00', minutes: 5 * 480 },
    { from: '2026-09-30T16:00', to: '2026-10-10T16:00', minutes: 1440 },
    { from: '2026-10-01T00:00', to: '2026-10-08T00:00', minutes: 0 },
    // 2026: 261 weekdays, 19 of them holidays, 6 make-up days.
    { from: '2026-01-01T00:00', to: '2027-01-01T00:00', minutes: 248 * 480 },
  ];
  it.each(cases)('$from → $to is $minutes min', ({ from, to, minutes }) => {
    expect(businessMinutesBetween(CN_STANDARD_CALENDAR, at(from), at(to))).toBe(minutes);
  });

  it('is negative when the instants are reversed, and 0 for the same instant', () => {
    const from = at('2026-03-10T09:00');
    const to = at('2026-03-10T10:00');
    expect(businessMinutesBetween(CN_STANDARD_CALENDAR, to, from)).toBe(-60);
    expect(businessMinutesBetween(CN_STANDARD_CALENDAR, from, from)).toBe(0);
  });

  it('is fractional below the minute and exact in milliseconds', () => {
    const from = at('2026-03-10T09:00:30');
    const to = at('2026-03-10T09:02');
    expect(businessMinutesBetween(CN_STANDARD_CALENDAR, from, to)).toBe(1.5);
    expect(businessMillisecondsBetween(CN_STANDARD_CALENDAR, from, to)).toBe(90_000);
  });

  it('equals elapsed time on the 24x7 calendar', () => {
    expect(businessMinutesBetween(ALWAYS_OPEN_CALENDAR, at('2026-10-01T00:00'), at('2026-10-02T00:30'))).toBe(
      1470,
    );
  });

  it('refuses spans longer than the walking bound and non-finite instants', () => {
    expect(() => businessMinutesBetween(CN_STANDARD_CALENDAR, 0, (MAX_WALK_DAYS + 2) * 86_400_000)).toThrow(
      RangeError,
    );
    expect(() => businessMinutesBetween(CN_STANDARD_CALENDAR, 0, Number.POSITIVE_INFINITY)).toThrow(
      RangeError,
    );
  });
});

describe('working instants', () => {
  it.each([
    ['2026-03-10T09:00', true],
    ['2026-03-10T11:59', true],
    ['2026-03-10T12:00', false],
    ['2026-03-10T17:59:59.999', true],
    ['2026-03-10T18:00', false],
    ['2026-03-14T10:00', false],
    ['2026-10-08T10:00', true],
    ['2026-10-05T10:00', false],
    ['2026-10-10T10:00', true],
  ] as const)('%s working: %s', (local, working) => {
    expect(isWorkingInstant(CN_STANDARD_CALENDAR, at(local))).toBe(working);
  });

  it.each([
    ['2026-03-10T10:00', '2026-03-10 10:00'],
    ['2026-03-10T12:00', '2026-03-10 13:00'],
    ['2026-03-10T18:00', '2026-03-11 09:00'],
    ['2026-03-13T18:30', '2026-03-16 09:00'],
    ['2026-09-30T18:00', '2026-10-08 09:00'],
    ['2026-10-09T19:00', '2026-10-10 09:00'],
  ])('next working instant after %s is %s', (local, next) => {
    expect(show(nextWorkingInstant(CN_STANDARD_CALENDAR, at(local)))).toBe(next);
  });

  it('next business day start skips the rest of today', () => {
    expect(show(nextBusinessDayStart(CN_STANDARD_CALENDAR, at('2026-03-10T08:00')))).toBe('2026-03-11 09:00');
    expect(show(nextBusinessDayStart(CN_STANDARD_CALENDAR, at('2026-09-30T10:00')))).toBe('2026-10-08 09:00');
  });

  it('the 24x7 calendar is always working', () => {
    const instant = at('2026-10-01T03:17');
    expect(isWorkingInstant(ALWAYS_OPEN_CALENDAR, instant)).toBe(true);
    expect(nextWorkingInstant(ALWAYS_OPEN_CALENDAR, instant)).toBe(instant);
    expect(show(nextBusinessDayStart(ALWAYS_OPEN_CALENDAR, instant))).toBe('2026-10-02 00:00');
  });
});

describe('units and measuring calendars', () => {
  it('calendar-time units are measured around the clock, business units on the calendar', () => {
    expect(isCalendarTimeUnit('hours')).toBe(true);
    expect(isCalendarTimeUnit('businessHours')).toBe(false);
    expect(measuringCalendar(CN_STANDARD_CALENDAR, 'minutes')).toBe(ALWAYS_OPEN_CALENDAR);
    expect(measuringCalendar(CN_STANDARD_CALENDAR, 'businessDays')).toBe(CN_STANDARD_CALENDAR);
  });

  it.each([
    [{ amount: 15, unit: 'minutes' }, 15],
    [{ amount: 2, unit: 'hours' }, 120],
    [{ amount: 2, unit: 'calendarDays' }, 2880],
    [{ amount: 4, unit: 'businessHours' }, 240],
    [{ amount: 3, unit: 'businessDays' }, 1440],
  ] as [Duration, number][])('%o is %d minutes', (duration, minutes) => {
    expect(durationInMinutes(CN_STANDARD_CALENDAR, duration)).toBe(minutes);
  });

  it('a business day on the 24x7 calendar is 24 hours', () => {
    const start = at('2026-10-01T10:00');
    expect(show(addDuration(ALWAYS_OPEN_CALENDAR, start, { amount: 1, unit: 'businessDays' }))).toBe(
      '2026-10-02 10:00',
    );
  });
});

describe('calendars that never work', () => {
  const never = compileCalendar(calendar({ week: {} }));

  it('durations on them never end and no instant is working', () => {
    const start = at('2026-03-10T10:00');
    expect(addDuration(never, start, { amount: 1, unit: 'businessHours' })).toBe(Number.POSITIVE_INFINITY);
    expect(addDuration(never, start, { amount: 1, unit: 'businessDays' })).toBe(Number.POSITIVE_INFINITY);
    expect(nextWorkingInstant(never, start)).toBe(Number.POSITIVE_INFINITY);
    expect(nextBusinessDayStart(never, start)).toBe(Number.POSITIVE_INFINITY);
    expect(isWorkingInstant(never, start)).toBe(false);
    expect(businessMinutesBetween(never, start, start + 86_400_000)).toBe(0);
    expect(() => addDuration(never, Number.NaN, { amount: 1, unit: 'businessDays' })).toThrow(RangeError);
  });

  it('a calendar with only extra working days works them, then never again', () => {
    const special = compileCalendar(
      calendar({
        week: {},
        workingDays: [{ date: '2026-03-14', intervals: [{ from: '10:00', to: '12:00' }] }],
      }),
    );
    expect(special.hasWorkingTime).toBe(true);
    expect(special.standardDayMinutes).toBe(0);
    expect(show(addBusinessMinutes(special, at('2026-03-01T00:00'), 60))).toBe('2026-03-14 11:00');
    expect(addBusinessMinutes(special, at('2026-03-01T00:00'), 180)).toBe(Number.POSITIVE_INFINITY);
    expect(addDuration(special, at('2026-03-01T00:00'), { amount: 1, unit: 'businessDays' })).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(businessMinutesBetween(special, at('2026-03-01T00:00'), at('2026-04-01T00:00'))).toBe(120);
  });

  it('a duration longer than the walking bound never ends', () => {
    const yearsOfWork = (MAX_WALK_DAYS / 7) * 5 * 480 + 480 * 100;
    expect(addBusinessMinutes(compileCalendar(calendar()), at('2026-03-10T10:00'), yearsOfWork)).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});

describe('calendar features', () => {
  it('a make-up day with its own intervals works only those', () => {
    const halfDay = compileCalendar(
      calendar({ workingDays: [{ date: '2026-03-14', intervals: [{ from: '09:00', to: '12:00' }] }] }),
    );
    expect(show(addBusinessMinutes(halfDay, at('2026-03-13T17:00'), 240))).toBe('2026-03-14 12:00');
    expect(show(addBusinessMinutes(halfDay, at('2026-03-13T17:00'), 241))).toBe('2026-03-16 09:01');
  });

  it('an extra working day wins over a holiday listed for the same day', () => {
    const both = compileCalendar(
      calendar({
        holidays: [{ from: '2026-03-09', to: '2026-03-13', name: 'Company week off' }],
        workingDays: [{ date: '2026-03-11', name: 'Inventory' }],
      }),
    );
    expect(businessMinutesBetween(both, at('2026-03-09T00:00'), at('2026-03-14T00:00'))).toBe(480);
    expect(both.describeDay('2026-03-11')?.kind).toBe('extra-working');
    expect(both.describeDay('2026-03-10')).toMatchObject({ kind: 'holiday', name: 'Company week off' });
  });

  it('several intervals, unsorted and touching, are merged', () => {
    const split = compileCalendar(
      calendar({
        week: {
          monday: [
            { from: '14:00', to: '16:00' },
            { from: '08:00', to: '10:00' },
            { from: '10:00', to: '11:00' },
          ],
        },
      }),
    );
    expect(
      split.describeDay('2026-03-09')?.intervals.map(({ start, end }) => [show(start), show(end)]),
    ).toEqual([
      ['2026-03-09 08:00', '2026-03-09 11:00'],
      ['2026-03-09 14:00', '2026-03-09 16:00'],
    ]);
    expect(split.standardDayMinutes).toBe(300);
  });

  it('a night shift written as two intervals crosses midnight', () => {
    const nights = compileCalendar(
      calendar({
        week: {
          monday: [{ from: '22:00', to: '24:00' }],
          tuesday: [{ from: '00:00', to: '06:00' }],
        },
      }),
    );
    expect(show(addBusinessMinutes(nights, at('2026-03-09T23:00'), 120))).toBe('2026-03-10 01:00');
    expect(businessMinutesBetween(nights, at('2026-03-09T00:00'), at('2026-03-11T00:00'))).toBe(480);
  });
});

describe('daylight saving time (America/New_York)', () => {
  const NEW_YORK = 'America/New_York';
  const nightOps = compileCalendar(
    calendar({
      zone: NEW_YORK,
      week: { sunday: [{ from: '00:00', to: '06:00' }], monday: OFFICE_DAY },
    }),
  );

  it('a working night shortened by the spring change counts real hours', () => {
    // 2026-03-08 02:00 → 03:00: 00:00–06:00 lasts five hours that night.
    expect(
      businessMinutesBetween(nightOps, at('2026-03-08T00:00', NEW_YORK), at('2026-03-09T00:00', NEW_YORK)),
    ).toBe(300);
    expect(show(addBusinessMinutes(nightOps, at('2026-03-08T00:00', NEW_YORK), 180), NEW_YORK)).toBe(
      '2026-03-08 04:00',
    );
  });

  it('a working night lengthened by the autumn change counts the repeated hour', () => {
    expect(
      businessMinutesBetween(nightOps, at('2026-11-01T00:00', NEW_YORK), at('2026-11-02T00:00', NEW_YORK)),
    ).toBe(420);
  });

  it('office hours keep their local times on both sides of the change', () => {
    expect(show(addBusinessMinutes(nightOps, at('2026-03-06T12:00', NEW_YORK), 300 + 60), NEW_YORK)).toBe(
      '2026-03-09 10:00',
    );
  });

  it('a working time skipped when clocks go forward starts at the change', () => {
    const skipped = compileCalendar(
      calendar({ zone: NEW_YORK, week: { sunday: [{ from: '02:30', to: '04:00' }] } }),
    );
    const [interval] = skipped.describeDay('2026-03-08')?.intervals ?? [];
    expect(interval && [show(interval.start, NEW_YORK), show(interval.end, NEW_YORK)]).toEqual([
      '2026-03-08 03:00',
      '2026-03-08 04:00',
    ]);
  });

  it('a working time repeated when clocks go back is its first occurrence', () => {
    const repeated = compileCalendar(
      calendar({
        zone: NEW_YORK,
        week: {
          sunday: [
            { from: '00:00', to: '01:30' },
            { from: '01:45', to: '03:00' },
          ],
        },
      }),
    );
    const intervals = repeated.describeDay('2026-11-01')?.intervals ?? [];
    expect(
      intervals.map(({ start, end }) => [new Date(start).toISOString(), new Date(end).toISOString()]),
    ).toEqual([
      ['2026-11-01T04:00:00.000Z', '2026-11-01T05:30:00.000Z'],
      ['2026-11-01T05:45:00.000Z', '2026-11-01T08:00:00.000Z'],
    ]);
  });

  it('the 24x7 calendar in a DST zone is open around the clock', () => {
    const open = compileCalendar({ ...ALWAYS_OPEN_CALENDAR.definition, zone: NEW_YORK });
    expect(open.alwaysOpen).toBe(true);
    const start = at('2026-03-07T12:00', NEW_YORK);
    expect(addDuration(open, start, { amount: 1, unit: 'businessDays' }) - start).toBe(86_400_000);
  });

  it('a near-24x7 calendar with a holiday walks DST days correctly', () => {
    const open = compileCalendar({
      ...ALWAYS_OPEN_CALENDAR.definition,
      zone: NEW_YORK,
      holidays: [{ date: '2026-12-25' }],
    });
    expect(open.alwaysOpen).toBe(false);
    const start = at('2026-03-08T00:00', NEW_YORK);
    expect(businessMinutesBetween(open, start, at('2026-03-09T00:00', NEW_YORK))).toBe(23 * 60);
    expect(isWorkingInstant(open, at('2026-03-08T03:30', NEW_YORK))).toBe(true);
  });
});
