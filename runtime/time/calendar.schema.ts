/**
 * JSON Schemas of a business calendar and of a duration. Plain draft-07 keywords only (no formats), so any ajv
 * setup, the server and the studio's property panels can use them as they are.
 */
import { DURATION_UNITS } from '../common/types.js';
import { WEEKDAYS } from './calendar.types.js';

const WALL_CLOCK_PATTERN = '^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';
const LOCAL_DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

const localizedTextSchema = {
  type: 'object',
  properties: {
    'zh-CN': { type: 'string', minLength: 1, maxLength: 200 },
    en: { type: 'string', minLength: 1, maxLength: 200 },
  },
  required: ['zh-CN', 'en'],
  additionalProperties: false,
} as const;

export const workingIntervalSchema = {
  type: 'object',
  title: 'Working interval',
  description: 'Local wall-clock times HH:mm, from inclusive, to exclusive; 24:00 ends the day.',
  properties: {
    from: { type: 'string', pattern: WALL_CLOCK_PATTERN, title: 'From' },
    to: { type: 'string', pattern: WALL_CLOCK_PATTERN, title: 'To' },
  },
  required: ['from', 'to'],
  additionalProperties: false,
} as const;

const intervalsSchema = { type: 'array', items: workingIntervalSchema, maxItems: 12 } as const;

const dayNameSchema = {
  title: 'Name',
  oneOf: [
    { type: 'string', minLength: 1, maxLength: 200 },
    {
      type: 'object',
      properties: {
        'zh-CN': { type: 'string', minLength: 1, maxLength: 200 },
        en: { type: 'string', minLength: 1, maxLength: 200 },
      },
      minProperties: 1,
      additionalProperties: false,
    },
  ],
} as const;

const dayEntryProperties = {
  date: { type: 'string', pattern: LOCAL_DATE_PATTERN, title: 'Date' },
  from: { type: 'string', pattern: LOCAL_DATE_PATTERN, title: 'First day' },
  to: { type: 'string', pattern: LOCAL_DATE_PATTERN, title: 'Last day' },
  name: dayNameSchema,
} as const;

/** Either one `date`, or a `from`..`to` range (inclusive), never both. */
const oneDayOrRange = [
  { required: ['date'], not: { anyOf: [{ required: ['from'] }, { required: ['to'] }] } },
  { required: ['from', 'to'], not: { required: ['date'] } },
] as const;

export const holidayEntrySchema = {
  type: 'object',
  title: 'Holiday',
  properties: dayEntryProperties,
  oneOf: oneDayOrRange,
  additionalProperties: false,
} as const;

export const workingDayEntrySchema = {
  type: 'object',
  title: 'Extra working day',
  description: 'Works the standard working day unless intervals are given.',
  properties: { ...dayEntryProperties, intervals: { ...intervalsSchema, title: 'Working intervals' } },
  oneOf: oneDayOrRange,
  additionalProperties: false,
} as const;

export const calendarSchema = {
  type: 'object',
  title: 'Business calendar',
  properties: {
    key: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', title: 'Key' },
    name: { ...localizedTextSchema, title: 'Name' },
    zone: { type: 'string', minLength: 1, maxLength: 64, title: 'Time zone (IANA)' },
    week: {
      type: 'object',
      title: 'Weekly working hours',
      properties: Object.fromEntries(WEEKDAYS.map((weekday) => [weekday, intervalsSchema])),
      additionalProperties: false,
    },
    holidays: { type: 'array', items: holidayEntrySchema, maxItems: 2000, title: 'Holidays' },
    workingDays: { type: 'array', items: workingDayEntrySchema, maxItems: 2000, title: 'Extra working days' },
    standardDay: { ...intervalsSchema, minItems: 1, title: 'Standard working day' },
  },
  required: ['key', 'name', 'zone', 'week'],
  additionalProperties: false,
} as const;

export const durationSchema = {
  type: 'object',
  title: 'Duration',
  properties: {
    amount: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000, title: 'Amount' },
    unit: { type: 'string', enum: [...DURATION_UNITS], title: 'Unit' },
  },
  required: ['amount', 'unit'],
  additionalProperties: false,
} as const;
