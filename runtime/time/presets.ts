/**
 * Calendars that ship with Ordo. Admins copy and extend them (more years, company days) through the calendar
 * API; the definitions are exported for that.
 */
import type { BusinessCalendarDefinition, WorkingInterval } from './calendar.types.js';
import { compileCalendar, type BusinessCalendar } from './calendar.js';

const CN_WORKING_DAY: WorkingInterval[] = [
  { from: '09:00', to: '12:00' },
  { from: '13:00', to: '18:00' },
];

/**
 * Mainland China, Asia/Shanghai, 09:00–12:00 and 13:00–18:00 Monday to Friday, with the 2026 public holidays
 * and make-up working days (调休) of the State Council notice of 2025-11-04. Later years are added by admins.
 */
export const CN_STANDARD_CALENDAR_DEFINITION: BusinessCalendarDefinition = {
  key: 'cn-standard',
  name: { 'zh-CN': '中国大陆标准工作日历', en: 'Mainland China standard business calendar' },
  zone: 'Asia/Shanghai',
  week: {
    monday: CN_WORKING_DAY,
    tuesday: CN_WORKING_DAY,
    wednesday: CN_WORKING_DAY,
    thursday: CN_WORKING_DAY,
    friday: CN_WORKING_DAY,
  },
  holidays: [
    { from: '2026-01-01', to: '2026-01-03', name: { 'zh-CN': '元旦', en: "New Year's Day" } },
    { from: '2026-02-15', to: '2026-02-23', name: { 'zh-CN': '春节', en: 'Spring Festival' } },
    { from: '2026-04-04', to: '2026-04-06', name: { 'zh-CN': '清明节', en: 'Qingming Festival' } },
    { from: '2026-05-01', to: '2026-05-05', name: { 'zh-CN': '劳动节', en: 'Labour Day' } },
    { from: '2026-06-19', to: '2026-06-21', name: { 'zh-CN': '端午节', en: 'Dragon Boat Festival' } },
    { from: '2026-09-25', to: '2026-09-27', name: { 'zh-CN': '中秋节', en: 'Mid-Autumn Festival' } },
    { from: '2026-10-01', to: '2026-10-07', name: { 'zh-CN': '国庆节', en: 'National Day' } },
  ],
  workingDays: [
    { date: '2026-01-04', name: { 'zh-CN': '元旦调休上班', en: "New Year's Day make-up working day" } },
    { date: '2026-02-14', name: { 'zh-CN': '春节调休上班', en: 'Spring Festival make-up working day' } },
    { date: '2026-02-28', name: { 'zh-CN': '春节调休上班', en: 'Spring Festival make-up working day' } },
    { date: '2026-05-09', name: { 'zh-CN': '劳动节调休上班', en: 'Labour Day make-up working day' } },
    { date: '2026-09-20', name: { 'zh-CN': '国庆节调休上班', en: 'National Day make-up working day' } },
    { date: '2026-10-10', name: { 'zh-CN': '国庆节调休上班', en: 'National Day make-up working day' } },
  ],
};

const WHOLE_DAY: WorkingInterval[] = [{ from: '00:00', to: '24:00' }];

/**
 * Open around the clock. Its zone only names local dates (24×7 arithmetic does not depend on it); Asia/Shanghai
 * is the product's default zone.
 */
export const ALWAYS_OPEN_CALENDAR_DEFINITION: BusinessCalendarDefinition = {
  key: '24x7',
  name: { 'zh-CN': '全天候（7×24 小时）', en: 'Around the clock (24×7)' },
  zone: 'Asia/Shanghai',
  week: {
    monday: WHOLE_DAY,
    tuesday: WHOLE_DAY,
    wednesday: WHOLE_DAY,
    thursday: WHOLE_DAY,
    friday: WHOLE_DAY,
    saturday: WHOLE_DAY,
    sunday: WHOLE_DAY,
  },
};

export const CN_STANDARD_CALENDAR: BusinessCalendar = compileCalendar(CN_STANDARD_CALENDAR_DEFINITION);
export const ALWAYS_OPEN_CALENDAR: BusinessCalendar = compileCalendar(ALWAYS_OPEN_CALENDAR_DEFINITION);

/** The shipped calendars by key. */
export const PRESET_CALENDARS: ReadonlyMap<string, BusinessCalendar> = new Map([
  [CN_STANDARD_CALENDAR.key, CN_STANDARD_CALENDAR],
  [ALWAYS_OPEN_CALENDAR.key, ALWAYS_OPEN_CALENDAR],
]);
