/**
 * Editing a business calendar definition (the JSON `/api/calendars` stores): a day marked as a holiday or as a
 * make-up working day on the year view, the CN 2026 preset imported, and the year's days as the runtime reads
 * them. Every function returns a new definition and leaves its argument alone.
 */
import {
  CN_STANDARD_CALENDAR_DEFINITION,
  WEEKDAYS,
  tryCompileCalendar,
  type BusinessCalendarDefinition,
  type CalendarDay,
  type CalendarDayEntry,
  type ExtraWorkingDayEntry,
  type Weekday,
  type WorkingInterval,
} from '../../../../runtime/time';

export type DayOverride = 'holiday' | 'working' | 'none';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const DAY_MS = 86_400_000;
const toDayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const fromDayNumber = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

function covers(entry: CalendarDayEntry, date: string): boolean {
  if (entry.date !== undefined) return entry.date === date;
  return entry.from !== undefined && entry.to !== undefined && entry.from <= date && date <= entry.to;
}

/** The entries with `date` taken out: a range around it is split into the days before and after. */
function without<T extends CalendarDayEntry>(entries: readonly T[] | undefined, date: string): T[] {
  const kept: T[] = [];
  for (const entry of entries ?? []) {
    if (!covers(entry, date)) {
      kept.push(entry);
      continue;
    }
    if (entry.date !== undefined) continue;
    const { from, to, ...rest } = entry;
    const day = toDayNumber(date);
    const parts: [string, string][] = [];
    if (from !== undefined && from < date) parts.push([from, fromDayNumber(day - 1)]);
    if (to !== undefined && date < to) parts.push([fromDayNumber(day + 1), to]);
    for (const [first, last] of parts) {
      kept.push(
        (first === last ? { ...rest, date: first } : { ...rest, from: first, to: last }) as unknown as T,
      );
    }
  }
  return kept;
}

const byFirstDay = (left: CalendarDayEntry, right: CalendarDayEntry): number =>
  (left.date ?? left.from ?? '').localeCompare(right.date ?? right.from ?? '');

/**
 * Mark one local date as a holiday, a make-up working day (it works the standard day), or neither (back to
 * what the week says). A name given is kept on the new entry.
 */
export function setDayOverride(
  definition: BusinessCalendarDefinition,
  date: string,
  override: DayOverride,
  name?: string,
): BusinessCalendarDefinition {
  const next = clone(definition);
  const holidays = without(next.holidays, date);
  const workingDays = without<ExtraWorkingDayEntry>(next.workingDays, date);
  const named = name && name.trim() !== '' ? { name: name.trim() } : {};
  if (override === 'holiday') holidays.push({ date, ...named });
  if (override === 'working') workingDays.push({ date, ...named });
  next.holidays = holidays.sort(byFirstDay);
  next.workingDays = workingDays.sort(byFirstDay);
  if (next.holidays.length === 0) delete next.holidays;
  if (next.workingDays.length === 0) delete next.workingDays;
  return next;
}

/** Which override a date has in the definition itself (not what the week says). */
export function dayOverrideOf(definition: BusinessCalendarDefinition, date: string): DayOverride {
  if ((definition.workingDays ?? []).some((entry) => covers(entry, date))) return 'working';
  if ((definition.holidays ?? []).some((entry) => covers(entry, date))) return 'holiday';
  return 'none';
}

/**
 * Bring in the holidays and make-up working days of the shipped CN calendar (2026, State Council notice):
 * entries of the definition that touch those days are replaced, everything else is kept.
 */
export function importCnPreset(definition: BusinessCalendarDefinition): BusinessCalendarDefinition {
  const preset = CN_STANDARD_CALENDAR_DEFINITION;
  const presetDays = new Set<string>();
  for (const entry of [...(preset.holidays ?? []), ...(preset.workingDays ?? [])]) {
    if (entry.date) presetDays.add(entry.date);
    else if (entry.from && entry.to)
      for (let day = toDayNumber(entry.from); day <= toDayNumber(entry.to); day += 1)
        presetDays.add(fromDayNumber(day));
  }
  let next = clone(definition);
  for (const date of presetDays) {
    if (dayOverrideOf(next, date) !== 'none') next = setDayOverride(next, date, 'none');
  }
  next.holidays = [...(next.holidays ?? []), ...clone(preset.holidays ?? [])].sort(byFirstDay);
  next.workingDays = [...(next.workingDays ?? []), ...clone(preset.workingDays ?? [])].sort(byFirstDay);
  return next;
}

/** A new calendar: the CN working week (09:00–12:00, 13:00–18:00, Monday–Friday) in Asia/Shanghai, no days off. */
export function blankCalendar(
  key: string,
  name: { 'zh-CN': string; en: string },
): BusinessCalendarDefinition {
  return { key, name, zone: 'Asia/Shanghai', week: clone(CN_STANDARD_CALENDAR_DEFINITION.week) };
}

/** Intervals of a weekday, as an editable copy. */
export function intervalsOf(definition: BusinessCalendarDefinition, weekday: Weekday): WorkingInterval[] {
  return clone(definition.week[weekday] ?? []);
}

export function setIntervals(
  definition: BusinessCalendarDefinition,
  weekday: Weekday,
  intervals: WorkingInterval[],
): BusinessCalendarDefinition {
  const next = clone(definition);
  if (intervals.length === 0) delete next.week[weekday];
  else next.week[weekday] = clone(intervals);
  return next;
}

/** Copy one weekday's hours to every other working weekday (Monday's hours to Tuesday–Friday…). */
export function copyToWorkingWeekdays(
  definition: BusinessCalendarDefinition,
  from: Weekday,
): BusinessCalendarDefinition {
  const next = clone(definition);
  const source = next.week[from] ?? [];
  for (const weekday of WEEKDAYS) {
    if (weekday === from || !(next.week[weekday]?.length ?? 0)) continue;
    next.week[weekday] = clone(source);
  }
  return next;
}

/** Every day of a year as the runtime reads the definition; empty when it does not compile. */
export function yearDays(definition: BusinessCalendarDefinition, year: number): CalendarDay[] {
  const compiled = tryCompileCalendar(definition);
  if (!compiled.ok) return [];
  const days: CalendarDay[] = [];
  const first = toDayNumber(`${year}-01-01`);
  const last = toDayNumber(`${year}-12-31`);
  for (let day = first; day <= last; day += 1) {
    const described = compiled.value.describeDay(fromDayNumber(day));
    if (described) days.push(described);
  }
  return days;
}

/** The name a holiday or make-up day carries, in the reader's language. */
export function dayName(name: CalendarDay['name'], locale: string): string {
  if (name === undefined) return '';
  if (typeof name === 'string') return name;
  return (locale === 'en' ? (name.en ?? name['zh-CN']) : (name['zh-CN'] ?? name.en)) ?? '';
}
