import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { compileValidator } from '../definitions/ajv.js';
import {
  ALWAYS_OPEN_CALENDAR,
  ALWAYS_OPEN_CALENDAR_DEFINITION,
  CN_STANDARD_CALENDAR,
  CN_STANDARD_CALENDAR_DEFINITION,
  CalendarDefinitionError,
  PRESET_CALENDARS,
  calendarSchema,
  checkCalendar,
  compileCalendar,
  durationSchema,
  timeMessages,
  tryCompileCalendar,
  type BusinessCalendarDefinition,
} from './index.js';

const OFFICE_DAY = [
  { from: '09:00', to: '12:00' },
  { from: '13:00', to: '18:00' },
];

function definition(overrides: Partial<BusinessCalendarDefinition> = {}): BusinessCalendarDefinition {
  return {
    key: 'office',
    name: { 'zh-CN': '办公室', en: 'Office' },
    zone: 'Asia/Shanghai',
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

describe('checkCalendar', () => {
  const cases: { name: string; definition: BusinessCalendarDefinition; problems: [string, string][] }[] = [
    { name: 'a sound calendar', definition: definition(), problems: [] },
    {
      name: 'unknown zone',
      definition: definition({ zone: 'Mars/Olympus' }),
      problems: [['calendar.zone-unknown', '/zone']],
    },
    {
      name: 'blank zone',
      definition: definition({ zone: ' ' }),
      problems: [['calendar.zone-unknown', '/zone']],
    },
    {
      name: "the host's own zone, which differs between machines",
      definition: definition({ zone: 'system' }),
      problems: [['calendar.zone-unknown', '/zone']],
    },
    { name: 'a fixed offset', definition: definition({ zone: 'UTC+8' }), problems: [] },
    {
      name: 'malformed times',
      definition: definition({
        week: {
          monday: [
            { from: '9:00', to: '12:00' },
            { from: '13:00', to: '25:00' },
          ],
        },
      }),
      problems: [
        ['calendar.time-invalid', '/week/monday/0/from'],
        ['calendar.time-invalid', '/week/monday/1/to'],
      ],
    },
    {
      name: '24:00 cannot start an interval',
      definition: definition({ week: { monday: [{ from: '24:00', to: '24:00' }] } }),
      problems: [['calendar.time-invalid', '/week/monday/0/from']],
    },
    {
      name: 'an interval ending before it starts (night shifts are two intervals)',
      definition: definition({ week: { monday: [{ from: '22:00', to: '06:00' }], tuesday: OFFICE_DAY } }),
      problems: [['calendar.interval-empty', '/week/monday/0']],
    },
    {
      name: 'overlapping intervals, reported at the later one',
      definition: definition({
        week: {
          monday: [
            { from: '11:00', to: '14:00' },
            { from: '09:00', to: '12:00' },
          ],
        },
      }),
      problems: [['calendar.intervals-overlap', '/week/monday/0']],
    },
    {
      name: 'entries without dates, impossible dates, reversed and overlong ranges',
      definition: definition({
        holidays: [
          { name: 'nothing' },
          { from: '2026-01-01' },
          { date: '2026-02-30' },
          { from: '2026-13-01', to: '2026-12-01' },
          { from: '2026-10-07', to: '2026-10-01' },
          { from: '2026-01-01', to: '2027-01-02' },
        ],
      }),
      problems: [
        ['calendar.day-missing', '/holidays/0'],
        ['calendar.day-missing', '/holidays/1'],
        ['calendar.date-invalid', '/holidays/2/date'],
        ['calendar.date-invalid', '/holidays/3/from'],
        ['calendar.range-reversed', '/holidays/4'],
        ['calendar.range-too-long', '/holidays/5'],
      ],
    },
    {
      name: 'extra working days with their own intervals are checked too',
      definition: definition({
        standardDay: [{ from: '10:00', to: '09:00' }],
        workingDays: [{ date: '2026-03-14', intervals: [{ from: '9', to: '12:00' }] }],
      }),
      problems: [
        ['calendar.interval-empty', '/standardDay/0'],
        ['calendar.time-invalid', '/workingDays/0/intervals/0/from'],
      ],
    },
    {
      name: 'a calendar that never works',
      definition: definition({ week: {} }),
      problems: [['calendar.no-working-time', '']],
    },
  ];

  it.each(cases)('$name', ({ definition: checked, problems }) => {
    expect(checkCalendar(checked).map((problem) => [problem.code, problem.path])).toEqual(problems);
  });

  it('every problem has a text in both languages with its placeholders filled', () => {
    const problems = cases.flatMap((entry) => checkCalendar(entry.definition));
    for (const problem of problems) {
      expect(problem.text['zh-CN']).not.toMatch(/\{\w+\}/);
      expect(problem.text.en).not.toMatch(/\{\w+\}/);
    }
    expect(Object.keys(timeMessages).every((code) => problems.some((problem) => problem.code === code))).toBe(
      true,
    );
  });
});

describe('compileCalendar', () => {
  it('refuses a definition the arithmetic cannot run on, listing why', () => {
    expect(() => compileCalendar(definition({ zone: 'Nowhere/Town' }))).toThrow(CalendarDefinitionError);
    const result = tryCompileCalendar(definition({ holidays: [{ date: '2026-02-30' }] }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.map((problem) => problem.code)).toEqual(['calendar.date-invalid']);
    try {
      compileCalendar(definition({ zone: 'Nowhere/Town' }));
    } catch (error) {
      expect((error as CalendarDefinitionError).problems[0]?.code).toBe('calendar.zone-unknown');
      expect((error as Error).message).toContain('Nowhere/Town');
    }
  });

  it('merges overlapping intervals instead of refusing them', () => {
    const merged = compileCalendar(
      definition({
        week: {
          monday: [
            { from: '11:00', to: '14:00' },
            { from: '09:00', to: '12:00' },
          ],
        },
      }),
    );
    expect(merged.standardDayMinutes).toBe(300);
  });

  it.each([
    ['the office week', definition(), 480],
    [
      'most weekdays share a schedule even if another is longer',
      definition({
        week: { monday: OFFICE_DAY, tuesday: OFFICE_DAY, wednesday: [{ from: '08:00', to: '20:00' }] },
      }),
      480,
    ],
    [
      'on a tie the longer schedule',
      definition({ week: { monday: [{ from: '09:00', to: '12:00' }], tuesday: OFFICE_DAY } }),
      480,
    ],
    ['an explicit standard day wins', definition({ standardDay: [{ from: '09:00', to: '16:30' }] }), 450],
    ['a calendar that never works', definition({ week: {} }), 0],
    ['around the clock', ALWAYS_OPEN_CALENDAR_DEFINITION, 1440],
  ] as const)('standard day: %s', (_name, checked, minutes) => {
    expect(compileCalendar(checked).standardDayMinutes).toBe(minutes);
  });

  it('make-up days work the standard day', () => {
    const day = CN_STANDARD_CALENDAR.describeDay('2026-10-10');
    expect(day?.kind).toBe('extra-working');
    expect(day?.intervals.map(({ start, end }) => (end - start) / 60_000)).toEqual([180, 300]);
  });

  it('describes days and local dates', () => {
    expect(CN_STANDARD_CALENDAR.describeDay('2026-10-03')).toMatchObject({
      kind: 'holiday',
      name: { 'zh-CN': '国庆节', en: 'National Day' },
      intervals: [],
    });
    expect(CN_STANDARD_CALENDAR.describeDay('2026-10-08')?.kind).toBe('working');
    expect(CN_STANDARD_CALENDAR.describeDay('2026-10-11')).toEqual({
      date: '2026-10-11',
      kind: 'non-working',
      intervals: [],
    });
    expect(CN_STANDARD_CALENDAR.describeDay('2026-10-32')).toBeUndefined();
    const lateEvening = DateTime.fromISO('2026-10-08T23:30', { zone: 'Asia/Shanghai' }).toMillis();
    expect(CN_STANDARD_CALENDAR.localDateOf(lateEvening)).toBe('2026-10-08');
    expect(ALWAYS_OPEN_CALENDAR.localDateOf(lateEvening)).toBe('2026-10-08');
  });

  it('keeps answering correctly when its day cache starts over', () => {
    const calendar = compileCalendar(definition());
    const monday = calendar.describeDay('2026-03-09');
    for (let day = 0; day < 21_000; day += 1) calendar.planOf(20_000 + day);
    expect(calendar.describeDay('2026-03-09')).toEqual(monday);
  });
});

describe('presets', () => {
  it('CN standard: key, zone, hours and the 2026 arrangement', () => {
    expect(CN_STANDARD_CALENDAR.key).toBe('cn-standard');
    expect(CN_STANDARD_CALENDAR.zone).toBe('Asia/Shanghai');
    expect(CN_STANDARD_CALENDAR.standardDayMinutes).toBe(480);
    const off = [
      '01-01',
      '01-03',
      '02-15',
      '02-23',
      '04-04',
      '04-06',
      '05-01',
      '05-05',
      '06-19',
      '06-21',
      '09-25',
      '09-27',
      '10-01',
      '10-07',
    ];
    for (const date of off) expect(CN_STANDARD_CALENDAR.describeDay(`2026-${date}`)?.kind).toBe('holiday');
    const working = ['01-04', '02-14', '02-28', '05-09', '09-20', '10-10'];
    for (const date of working)
      expect(CN_STANDARD_CALENDAR.describeDay(`2026-${date}`)?.kind).toBe('extra-working');
    expect(checkCalendar(CN_STANDARD_CALENDAR_DEFINITION)).toEqual([]);
  });

  it('24x7: always open', () => {
    expect(ALWAYS_OPEN_CALENDAR.key).toBe('24x7');
    expect(ALWAYS_OPEN_CALENDAR.alwaysOpen).toBe(true);
    expect(CN_STANDARD_CALENDAR.alwaysOpen).toBe(false);
    expect(PRESET_CALENDARS.get('24x7')).toBe(ALWAYS_OPEN_CALENDAR);
    expect(PRESET_CALENDARS.get('cn-standard')).toBe(CN_STANDARD_CALENDAR);
  });
});

describe('calendarSchema', () => {
  const validate = compileValidator(calendarSchema);

  it('accepts the presets', () => {
    expect(validate(CN_STANDARD_CALENDAR_DEFINITION)).toEqual([]);
    expect(validate(ALWAYS_OPEN_CALENDAR_DEFINITION)).toEqual([]);
  });

  it('accepts dates, ranges, names in one or both languages and half days', () => {
    expect(
      validate(
        definition({
          holidays: [
            { date: '2026-12-24', name: '平安夜' },
            { from: '2026-12-25', to: '2026-12-26', name: { en: 'Christmas' } },
          ],
          workingDays: [{ date: '2026-12-27', intervals: [{ from: '09:00', to: '12:00' }] }],
          standardDay: OFFICE_DAY,
        }),
      ),
    ).toEqual([]);
  });

  it.each([
    ['missing zone', { ...definition(), zone: undefined }, '/zone'],
    ['unknown weekday', definition({ week: { funday: OFFICE_DAY } as never }), '/week'],
    [
      'bad wall-clock time',
      definition({ week: { monday: [{ from: '9:00', to: '12:00' }] } }),
      '/week/monday/0/from',
    ],
    [
      'date and range together',
      definition({ holidays: [{ date: '2026-01-01', from: '2026-01-01', to: '2026-01-02' }] }),
      '/holidays/0',
    ],
    ['range without end', definition({ holidays: [{ from: '2026-01-01' }] }), '/holidays/0'],
    ['bad key', definition({ key: 'Has Spaces' }), '/key'],
  ])('rejects %s', (_name, checked, path) => {
    const problems = validate(checked);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((problem) => problem.path.startsWith(path))).toBe(true);
  });

  it('durations need a positive amount and a known unit', () => {
    const validateDuration = compileValidator(durationSchema);
    expect(validateDuration({ amount: 3, unit: 'businessDays' })).toEqual([]);
    expect(validateDuration({ amount: 0, unit: 'businessDays' })).not.toEqual([]);
    expect(validateDuration({ amount: 1, unit: 'weeks' })).not.toEqual([]);
  });
});
