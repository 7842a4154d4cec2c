import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  CN_STANDARD_CALENDAR,
  CN_STANDARD_CALENDAR_DEFINITION,
  WEEKDAYS,
  addBusinessMinutes,
  businessMillisecondsBetween,
  businessMinutesBetween,
  compileCalendar,
  isWorkingInstant,
  nextWorkingInstant,
  type BusinessCalendar,
  type BusinessCalendarDefinition,
  type WorkingInterval,
} from './index.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const SHANGHAI = 'Asia/Shanghai';
const at = (local: string, zone = SHANGHAI): number => DateTime.fromISO(local, { zone }).toMillis();

/** Instants from December 2025 to January 2027, so spans cross every 2026 holiday and make-up day. */
const instant2026 = fc.integer({ min: at('2025-12-01T00:00'), max: at('2027-01-31T00:00') });
const wholeMinuteInstant2026 = instant2026.map((instant) => Math.floor(instant / MINUTE) * MINUTE);
/** Up to about 40 business days. */
const businessMinutes = fc.integer({ min: 1, max: 40 * 480 });

const holidayDates: string[] = [];
for (const entry of CN_STANDARD_CALENDAR_DEFINITION.holidays ?? []) {
  for (
    let day = DateTime.fromISO(entry.from ?? '');
    day <= DateTime.fromISO(entry.to ?? '');
    day = day.plus({ days: 1 })
  ) {
    holidayDates.push(day.toISODate() ?? '');
  }
}
const makeUpDates = (CN_STANDARD_CALENDAR_DEFINITION.workingDays ?? []).map((entry) => entry.date ?? '');

/** Boundaries away from 00:30–03:30 so they never fall inside a DST change (tested by example elsewhere). */
const boundaryMinutes = fc.constantFrom(0, 240, 270, 480, 540, 600, 720, 780, 1020, 1080, 1260, 1440);
const intervalsArbitrary: fc.Arbitrary<WorkingInterval[]> = fc
  .uniqueArray(boundaryMinutes, { maxLength: 6 })
  .map((minutes) => {
    const sorted = [...minutes].sort((left, right) => left - right);
    const intervals: WorkingInterval[] = [];
    for (let index = 0; index + 1 < sorted.length; index += 2) {
      const from = sorted[index] ?? 0;
      const to = sorted[index + 1] ?? 0;
      const clock = (value: number) =>
        `${String(Math.floor(value / 60)).padStart(2, '0')}:${String(value % 60).padStart(2, '0')}`;
      intervals.push({ from: clock(from), to: clock(to) });
    }
    return intervals;
  });

const zoneArbitrary = fc.constantFrom(
  'Asia/Shanghai',
  'America/New_York',
  'Europe/London',
  'Australia/Sydney',
  'UTC',
);

/**
 * Random calendars: weekly hours in a DST or non-DST zone, a few holidays and extra working days around 2026,
 * sometimes an explicit standard day (else extra working days work the most common weekday schedule).
 */
const calendarArbitrary: fc.Arbitrary<BusinessCalendarDefinition> = fc
  .record({
    zone: zoneArbitrary,
    week: fc.tuple(...WEEKDAYS.map(() => intervalsArbitrary)),
    holidays: fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 6 }),
    workingDays: fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 4 }),
    standardDay: intervalsArbitrary,
  })
  .map(({ zone, week, holidays, workingDays, standardDay }) => {
    const date = (offset: number) => DateTime.fromISO('2025-12-15').plus({ days: offset }).toISODate() ?? '';
    return {
      key: 'random',
      name: { 'zh-CN': '随机', en: 'Random' },
      zone,
      week: Object.fromEntries(WEEKDAYS.map((weekday, index) => [weekday, week[index] ?? []])),
      holidays: holidays.map((offset) => ({ date: date(offset) })),
      workingDays: workingDays.map((offset) => ({ date: date(offset) })),
      ...(standardDay.length > 0 ? { standardDay } : {}),
    };
  });

/** Oracle of the standard day: explicit, else the schedule most weekdays share (longer, then earlier, on a tie). */
function standardDayOf(definition: BusinessCalendarDefinition): WorkingInterval[] {
  if (definition.standardDay) return definition.standardDay;
  const schedules = WEEKDAYS.map((weekday) => definition.week[weekday] ?? []).filter((day) => day.length > 0);
  const minutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3));
  const length = (day: WorkingInterval[]) =>
    day.reduce((sum, { from, to }) => sum + minutes(to) - minutes(from), 0);
  const count = (day: WorkingInterval[]) =>
    schedules.filter((other) => JSON.stringify(other) === JSON.stringify(day)).length;
  let best: WorkingInterval[] = [];
  for (const day of schedules) {
    if (count(day) > count(best) || (count(day) === count(best) && length(day) > length(best))) best = day;
  }
  return best;
}

/**
 * Oracle: whether a minute is working, read the slow obvious way — the wall clock of the zone at that minute
 * and the schedule of that local date.
 */
function workingByWallClock(definition: BusinessCalendarDefinition, instant: number): boolean {
  const local = DateTime.fromMillis(instant, { zone: definition.zone });
  const date = local.toISODate() ?? '';
  const minute = local.hour * 60 + local.minute;
  const weekly = definition.week[WEEKDAYS[local.weekday - 1] ?? 'monday'] ?? [];
  let intervals = weekly;
  if (definition.holidays?.some((entry) => entry.date === date)) intervals = [];
  if (definition.workingDays?.some((entry) => entry.date === date)) intervals = standardDayOf(definition);
  const toMinutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3));
  return intervals.some(({ from, to }) => toMinutes(from) <= minute && minute < toMinutes(to));
}

describe('business time properties (CN 2026 preset)', () => {
  const calendar = CN_STANDARD_CALENDAR;

  it('adding d business minutes and measuring returns d', () => {
    fc.assert(
      fc.property(instant2026, businessMinutes, (start, minutes) => {
        const due = addBusinessMinutes(calendar, start, minutes);
        expect(businessMinutesBetween(calendar, start, due)).toBe(minutes);
      }),
    );
  });

  it('results fall in working time or at the end of a working interval', () => {
    fc.assert(
      fc.property(instant2026, businessMinutes, (start, minutes) => {
        const due = addBusinessMinutes(calendar, start, minutes);
        // The last millisecond counted was working time.
        expect(isWorkingInstant(calendar, due - 1)).toBe(true);
      }),
    );
  });

  it('holidays never count', () => {
    fc.assert(
      fc.property(fc.constantFrom(...holidayDates), fc.integer({ min: 0, max: DAY - 1 }), (date, offset) => {
        const dayStart = at(`${date}T00:00`);
        expect(isWorkingInstant(calendar, dayStart + offset)).toBe(false);
        expect(businessMinutesBetween(calendar, dayStart, dayStart + DAY)).toBe(0);
      }),
    );
  });

  it('make-up working days always count as a standard working day', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...makeUpDates),
        fc.integer({ min: 0, max: 479 }),
        (date, workedMinutes) => {
          const dayStart = at(`${date}T00:00`);
          expect(businessMinutesBetween(calendar, dayStart, dayStart + DAY)).toBe(480);
          const minuteOfDay = workedMinutes < 180 ? 540 + workedMinutes : 780 + workedMinutes - 180;
          expect(isWorkingInstant(calendar, dayStart + minuteOfDay * MINUTE)).toBe(true);
        },
      ),
    );
  });

  it('is monotonic in the start and in the amount', () => {
    fc.assert(
      fc.property(
        instant2026,
        instant2026,
        businessMinutes,
        businessMinutes,
        (start1, start2, minutes1, minutes2) => {
          const [earlier, later] = start1 <= start2 ? [start1, start2] : [start2, start1];
          const [less, more] = minutes1 <= minutes2 ? [minutes1, minutes2] : [minutes2, minutes1];
          expect(addBusinessMinutes(calendar, earlier, less)).toBeLessThanOrEqual(
            addBusinessMinutes(calendar, later, less),
          );
          expect(addBusinessMinutes(calendar, earlier, less)).toBeLessThanOrEqual(
            addBusinessMinutes(calendar, earlier, more),
          );
          expect(businessMinutesBetween(calendar, earlier, later)).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it('adding in two steps equals adding at once, and measuring is additive', () => {
    fc.assert(
      fc.property(instant2026, businessMinutes, businessMinutes, (start, first, second) => {
        const middle = addBusinessMinutes(calendar, start, first);
        const end = addBusinessMinutes(calendar, middle, second);
        expect(end).toBe(addBusinessMinutes(calendar, start, first + second));
        expect(
          businessMinutesBetween(calendar, start, middle) + businessMinutesBetween(calendar, middle, end),
        ).toBe(businessMinutesBetween(calendar, start, end));
      }),
    );
  });

  it('the next working instant is working and nothing works before it', () => {
    fc.assert(
      fc.property(instant2026, (instant) => {
        const next = nextWorkingInstant(calendar, instant);
        expect(next).toBeGreaterThanOrEqual(instant);
        expect(isWorkingInstant(calendar, next)).toBe(true);
        expect(businessMinutesBetween(calendar, instant, next)).toBe(0);
      }),
    );
  });
});

describe('business time properties (random calendars and zones)', () => {
  it('adding then measuring returns the amount, results in working time', () => {
    fc.assert(
      fc.property(calendarArbitrary, instant2026, businessMinutes, (definition, start, minutes) => {
        const calendar = compileCalendar(definition);
        const due = addBusinessMinutes(calendar, start, minutes);
        if (!calendar.hasWorkingTime) {
          expect(due).toBe(Number.POSITIVE_INFINITY);
          return;
        }
        expect(businessMillisecondsBetween(calendar, start, due)).toBe(minutes * MINUTE);
        expect(isWorkingInstant(calendar, due - 1)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('agrees minute by minute with the wall clock of the zone', () => {
    const spanMinutes = fc.integer({ min: 1, max: 3 * 1440 });
    // DST days of 2026 in the zones above, so spans often cross a change.
    const dstDays = fc.constantFrom(
      '2026-03-08T00:00',
      '2026-03-29T00:00',
      '2026-04-05T00:00',
      '2026-10-04T00:00',
      '2026-10-25T00:00',
      '2026-11-01T00:00',
    );
    const start = fc.oneof(
      wholeMinuteInstant2026,
      fc
        .tuple(dstDays, fc.integer({ min: -1440, max: 1440 }))
        .map(([day, minutes]) => at(day, 'UTC') + minutes * MINUTE),
    );
    fc.assert(
      fc.property(calendarArbitrary, start, spanMinutes, (definition, from, minutes) => {
        const calendar: BusinessCalendar = compileCalendar(definition);
        let expected = 0;
        for (let minute = 0; minute < minutes; minute += 1) {
          if (workingByWallClock(definition, from + minute * MINUTE)) expected += 1;
        }
        expect(businessMinutesBetween(calendar, from, from + minutes * MINUTE)).toBe(expected);
      }),
      { numRuns: 60 },
    );
  });
});

describe('remembered walks (a compiled calendar, the same start)', () => {
  /** The same calendar behind an object that is not a compiled calendar: every add walks afresh. */
  const unremembered = (calendar: BusinessCalendar): BusinessCalendar => ({
    key: calendar.key,
    name: calendar.name,
    zone: calendar.zone,
    definition: calendar.definition,
    standardDayMinutes: calendar.standardDayMinutes,
    alwaysOpen: calendar.alwaysOpen,
    hasWorkingTime: calendar.hasWorkingTime,
    dayNumberOf: (instant) => calendar.dayNumberOf(instant),
    planOf: (day) => calendar.planOf(day),
    neverWorksFrom: (day) => calendar.neverWorksFrom(day),
    localDateOf: (instant) => calendar.localDateOf(instant),
    describeDay: (localDate) => calendar.describeDay(localDate),
  });

  it('answer as a fresh walk does, whatever amounts are asked from a start and in whatever order', () => {
    fc.assert(
      fc.property(
        calendarArbitrary,
        fc.array(fc.tuple(fc.constantFrom(0, 1, 2), businessMinutes), { minLength: 1, maxLength: 24 }),
        instant2026,
        (definition, asks, base) => {
          const compiled = compileCalendar(definition);
          const fresh = unremembered(compiled);
          // A few starts, asked for again in turn (the memory holds the last start only).
          for (const [startIndex, minutes] of asks) {
            const start = base + startIndex * 3_600_000;
            expect(addBusinessMinutes(compiled, start, minutes)).toBe(
              addBusinessMinutes(fresh, start, minutes),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keep the answers of the same start and amount across calls', () => {
    const start = at('2026-03-04T17:59');
    const fresh = unremembered(CN_STANDARD_CALENDAR);
    for (const minutes of [24 * 60, 8 * 60, 24 * 60, 1, 8 * 60]) {
      expect(addBusinessMinutes(CN_STANDARD_CALENDAR, start, minutes)).toBe(
        addBusinessMinutes(fresh, start, minutes),
      );
      expect(addBusinessMinutes(CN_STANDARD_CALENDAR, start + 1, minutes)).toBe(
        addBusinessMinutes(fresh, start + 1, minutes),
      );
    }
  });
});
