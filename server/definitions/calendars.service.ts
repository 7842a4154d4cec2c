import type { Connection } from 'mongoose';
import type { Problem } from '../../runtime/common/types.js';
import { compileValidator } from '../../runtime/definitions/index.js';
import {
  ALWAYS_OPEN_CALENDAR_DEFINITION,
  CN_STANDARD_CALENDAR_DEFINITION,
  calendarSchema,
  checkCalendar,
  type BusinessCalendarDefinition,
} from '../../runtime/time/index.js';
import { badRequest, conflict, notFound } from '../lib/problem.js';
import { isDuplicateKey } from '../lib/sequence.js';
import { calendars, type CalendarDoc } from './calendar.model.js';
import { parseDefinitionText, toDefinitionText } from './definition-json.js';
import { invalidDefinition } from './definitions.messages.js';

export const PRESET_CALENDAR_DEFINITIONS: readonly BusinessCalendarDefinition[] = [
  CN_STANDARD_CALENDAR_DEFINITION,
  ALWAYS_OPEN_CALENDAR_DEFINITION,
];

const validateCalendarShape = compileValidator(calendarSchema, {
  rootLabel: { 'zh-CN': '工作日历', en: 'business calendar' },
});

/** Shape (runtime schema) first, then meaning (zone, intervals, dates), each problem naming where it is. */
export function checkCalendarDefinition(definition: unknown): Problem[] {
  const shape = validateCalendarShape(definition);
  if (shape.length > 0) return shape;
  return checkCalendar(definition as BusinessCalendarDefinition);
}

export interface CalendarView {
  key: string;
  name: BusinessCalendarDefinition['name'];
  zone: string;
  preset: boolean;
  revision: number;
  updatedAt: string;
  updatedBy: string;
  definition: BusinessCalendarDefinition;
}

function toView(doc: CalendarDoc): CalendarView {
  return {
    key: doc._id,
    name: doc.name,
    zone: doc.zone,
    preset: doc.preset,
    revision: doc.revision,
    updatedAt: doc.updatedAt.toISOString(),
    updatedBy: doc.updatedBy,
    definition: parseDefinitionText<BusinessCalendarDefinition>(doc.definition),
  };
}

function newDoc(
  definition: BusinessCalendarDefinition,
  actor: string,
  at: Date,
  preset: boolean,
): CalendarDoc {
  return {
    _id: definition.key,
    name: definition.name,
    zone: definition.zone,
    definition: toDefinitionText(definition),
    revision: 1,
    preset,
    createdAt: at,
    updatedAt: at,
    updatedBy: actor,
  };
}

/**
 * The shipped calendars exist from the first start. Each is one insert under its key, so concurrent starts (api
 * and worker processes) seed it once, and an admin's later edits are never overwritten.
 */
export async function seedPresetCalendars(db: Connection, at: Date): Promise<void> {
  for (const definition of PRESET_CALENDAR_DEFINITIONS) {
    try {
      await calendars(db).insertOne(newDoc(definition, 'system', at, true));
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
}

export async function listCalendars(db: Connection): Promise<CalendarView[]> {
  const docs = await calendars(db).find({}).sort({ _id: 1 }).toArray();
  return docs.map(toView);
}

export async function getCalendar(db: Connection, key: string): Promise<CalendarView> {
  const doc = await calendars(db).findOne({ _id: key });
  if (!doc) throw notFound(`Calendar ${key}`);
  return toView(doc);
}

export async function createCalendar(
  db: Connection,
  definition: BusinessCalendarDefinition,
  actor: string,
  at: Date,
): Promise<CalendarView> {
  const problems = checkCalendarDefinition(definition);
  if (problems.length > 0) throw invalidDefinition(problems, { base: 'body' });
  const doc = newDoc(definition, actor, at, false);
  try {
    await calendars(db).insertOne(doc);
  } catch (error) {
    if (isDuplicateKey(error))
      throw conflict(
        {
          'zh-CN': `标识为 ${definition.key} 的日历已存在`,
          en: `A calendar with the key ${definition.key} exists`,
        },
        {},
        'body.key',
      );
    throw error;
  }
  return toView(doc);
}

/**
 * Replace a calendar. With `expectedRevision` (from `If-Match`), a stale editor is refused. Published ticket-type
 * versions embed the calendars they use, so an edit here reaches tickets only through a new publish.
 */
export async function updateCalendar(
  db: Connection,
  key: string,
  definition: BusinessCalendarDefinition,
  actor: string,
  at: Date,
  expectedRevision?: number,
): Promise<CalendarView> {
  if (definition.key !== key) {
    throw badRequest(
      'body.key',
      `The key cannot change: the address names ${key}, the body ${definition.key}`,
    );
  }
  const problems = checkCalendarDefinition(definition);
  if (problems.length > 0) throw invalidDefinition(problems, { base: 'body' });
  const current = await calendars(db).findOne({ _id: key });
  if (!current) throw notFound(`Calendar ${key}`);
  if (expectedRevision !== undefined && expectedRevision !== current.revision) {
    throw conflict(
      {
        'zh-CN': `日历在第 ${expectedRevision} 次修订后已被修改，请重新加载`,
        en: `The calendar changed since revision ${expectedRevision}`,
      },
      {
        currentRevision: current.revision,
      },
    );
  }
  // Filtering on the revision read makes two concurrent saves collide on MongoDB; FerretDB 1.24 reads then
  // writes, so there the later save can still win (a lost update of a whole calendar, never a torn one).
  const result = await calendars(db).updateOne(
    { _id: key, revision: current.revision },
    {
      $set: {
        name: definition.name,
        zone: definition.zone,
        definition: toDefinitionText(definition),
        revision: current.revision + 1,
        updatedAt: at,
        updatedBy: actor,
      },
    },
  );
  if (result.matchedCount === 0) {
    const now = await calendars(db).findOne({ _id: key });
    throw conflict(
      {
        'zh-CN': '日历刚刚被其他人修改，请重新加载',
        en: 'The calendar was changed by someone else meanwhile',
      },
      { currentRevision: now?.revision },
    );
  }
  return getCalendar(db, key);
}

/** Calendar definitions by key (all, or the given keys). */
export async function loadCalendarDefinitions(
  db: Connection,
  keys?: readonly string[],
): Promise<Map<string, BusinessCalendarDefinition>> {
  const filter = keys ? { _id: { $in: [...keys] } } : {};
  const docs = await calendars(db).find(filter).toArray();
  return new Map(
    docs.map((doc) => [doc._id, parseDefinitionText<BusinessCalendarDefinition>(doc.definition)]),
  );
}

export async function calendarKeys(db: Connection): Promise<string[]> {
  const docs = await calendars(db)
    .find({}, { projection: { _id: 1 } })
    .toArray();
  return docs.map((doc) => doc._id);
}
