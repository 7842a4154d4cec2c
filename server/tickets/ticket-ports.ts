import type { FastifyInstance } from 'fastify';
import { formatTicketNumber, ticketNumberScope } from '../../runtime/definitions/number-format.js';
import type { Requester, TeamState, TicketState } from '../../runtime/engine/types.js';
import {
  compileCalendar,
  PRESET_CALENDARS,
  type BusinessCalendar,
  type BusinessCalendarDefinition,
} from '../../runtime/time/index.js';
import type { WorkingHours } from '../../runtime/sla/index.js';
import { HttpProblem } from '../lib/problem.js';
import { loadCalendarDefinitions } from '../definitions/calendars.service.js';
import { loadPublishedVersion } from '../definitions/published-versions.js';
import { ticketTypes } from '../definitions/ticket-type.model.js';
import { OPEN_CATEGORIES } from './ticket.projection.js';
import type { LoadedDefinition, TicketPorts } from './ticket.service.js';
import { projectSlaAndReporting } from './ticket.reporting.js';
import { allTimers, slaView } from './ticket.sla.js';
import type { EffectDispatcher } from './effects.js';
import type { TeamRecord } from '../models/team.model.js';
import { ShortLived, ShortLivedMap } from '../lib/short-lived.js';

const compiledCalendars = new Map<string, Record<string, BusinessCalendar>>();

/** The calendars a frozen version measures on (embedded at publish), compiled once per version and process. */
export function calendarsOf(definition: LoadedDefinition): Record<string, BusinessCalendar> {
  const id = `${definition.key}@${definition.version}`;
  let compiled = compiledCalendars.get(id);
  if (!compiled) {
    compiled = {};
    for (const [key, preset] of PRESET_CALENDARS) compiled[key] = preset;
    const embedded = (definition.definition.calendars ?? {}) as Record<string, BusinessCalendarDefinition>;
    for (const [key, calendarDefinition] of Object.entries(embedded))
      compiled[key] = compileCalendar(calendarDefinition);
    compiledCalendars.set(id, compiled);
  }
  return compiled;
}

/** The zone tickets of this type count days in: the SLA policy's calendar, else Asia/Shanghai. */
/** The type's number format (`<KEY>-{seq:6}` when it names none). */
function numberFormatOf(definition: LoadedDefinition): string {
  return typeof definition.definition.numberFormat === 'string'
    ? definition.definition.numberFormat
    : `${definition.key.toUpperCase()}-{seq:6}`;
}

export function zoneOf(definition: LoadedDefinition): string {
  const sla = definition.definition.sla as { calendar?: string } | undefined;
  const calendars = calendarsOf(definition);
  return (sla?.calendar && calendars[sla.calendar]?.zone) || 'Asia/Shanghai';
}

/** How long a process reuses the teams, role members and requesters it read (its own changes show at once). */
export const PEOPLE_TTL_MS = 5_000;
/** How long a process reuses which version of a ticket type is the newest (its own publishes show at once). */
export const NEWEST_VERSION_TTL_MS = 5_000;
/** How long a process reuses the open-ticket counts it read, kept current meanwhile by its own commits. */
export const OPEN_LOADS_TTL_MS = 15_000;

/**
 * Teams as the engine sees them at `now`: members, skills, availability. Every cursor and every member's open
 * tickets is 0: the ticket service sets cursors from claimed turns and counts only when an assignment needs them.
 */
export function teamStatesOf(teams: readonly TeamRecord[], now: number): Record<string, TeamState> {
  const states: Record<string, TeamState> = {};
  for (const team of teams) {
    states[team.key] = {
      key: team.key,
      cursor: 0,
      ...(team.supervisor ? { supervisor: String(team.supervisor) } : {}),
      ...(team.backupTeam ? { backupTeam: team.backupTeam } : {}),
      members: team.members.map((member) => {
        const userId = String(member.userId);
        const awayUntil = member.awayUntil ? member.awayUntil.getTime() : undefined;
        return {
          userId,
          skills: member.skills ?? {},
          ...(member.capacity !== undefined && member.capacity !== null ? { capacity: member.capacity } : {}),
          openTickets: 0,
          ...(awayUntil !== undefined ? { awayUntil } : {}),
          available: awayUntil === undefined || awayUntil <= now,
        };
      }),
    };
  }
  return states;
}

/** Open tickets per assignee, counted by the ticket catalog (an aggregate on the database, or memory). */
export function readOpenLoads(app: FastifyInstance): Promise<Map<string, number>> {
  return app.tickets.catalog.openLoads(OPEN_CATEGORIES);
}

export async function roleMembers(app: FastifyInstance): Promise<Record<string, string[]>> {
  const users = await app.models.User.find({ active: true }, { roles: 1 }).lean();
  const members: Record<string, string[]> = {};
  for (const user of users) for (const role of user.roles) (members[role] ??= []).push(String(user._id));
  return members;
}

/** A person as a ticket records its requester (routing rules read department, manager, level); none when inactive. */
export async function readRequester(app: FastifyInstance, userId: string): Promise<Requester | undefined> {
  const user = await app.models.User.findById(userId).lean();
  if (!user || !user.active) return undefined;
  // Custom attributes first: the built-in ones (whose names custom keys may not take) always win.
  return {
    ...(user.attributes ?? {}),
    id: String(user._id),
    name: user.displayName,
    email: user.email,
    locale: user.locale,
    ...(user.department ? { department: user.department } : {}),
    ...(user.manager ? { manager: String(user.manager) } : {}),
    ...(user.level ? { level: user.level } : {}),
    ...(user.location ? { location: user.location } : {}),
    ...(user.costCenter ? { costCenter: user.costCenter } : {}),
  };
}

const loadHolder = (state: TicketState | undefined): string | undefined =>
  state?.assignee && OPEN_CATEGORIES.has(state.status.category) ? state.assignee : undefined;

/**
 * Open tickets per assignee, for least-loaded and skills assignment. Counting them reads every ticket (and on the
 * embedded FerretDB any query but a lookup by `_id` reads the whole collection), so a process counts only once an
 * assignment has needed the counts, then again in the background when its count is older than OPEN_LOADS_TTL_MS,
 * and keeps the counts current in between with its own commits (the assignee and status before and after each).
 * Other processes' changes show at the next count; an assignment never waits for a recount.
 */
export class OpenLoads {
  private counts: Map<string, number> | undefined;
  private countedAt = 0;
  private counting: Promise<Map<string, number>> | undefined;

  constructor(
    private readonly read: () => Promise<Map<string, number>>,
    private readonly ttlMs = OPEN_LOADS_TTL_MS,
    private readonly monotonicNow: () => number = () => performance.now(),
  ) {}

  /** The counts when this process has them (starting a recount when they are old); never waits. */
  known(): ReadonlyMap<string, number> | undefined {
    if (this.counts && this.monotonicNow() - this.countedAt >= this.ttlMs && !this.counting)
      // A failed recount keeps the old counts; the next assignment tries again.
      this.count().catch(() => undefined);
    return this.counts;
  }

  /** The counts, counting first when this process has none yet. */
  async get(): Promise<ReadonlyMap<string, number>> {
    return this.known() ?? (await (this.counting ?? this.count()));
  }

  private count(): Promise<Map<string, number>> {
    const startedAt = this.monotonicNow();
    const counting = this.read().then(
      (counts) => {
        this.counts = counts;
        this.countedAt = startedAt;
        return counts;
      },
      (error: unknown) => {
        throw error;
      },
    );
    this.counting = counting;
    const done = () => {
      if (this.counting === counting) this.counting = undefined;
    };
    counting.then(done, done);
    return counting;
  }

  /**
   * Follow a commit of this process. A commit that lands while a count is being read may be counted twice or not
   * at all until the next count: these are weights for choosing a person, not figures anyone reads.
   */
  committed(before: TicketState | undefined, after: TicketState): void {
    const counts = this.counts;
    if (!counts) return;
    const was = loadHolder(before);
    const is = loadHolder(after);
    if (was === is) return;
    if (was !== undefined) counts.set(was, Math.max(0, (counts.get(was) ?? 0) - 1));
    if (is !== undefined) counts.set(is, (counts.get(is) ?? 0) + 1);
  }
}

const versioned = new WeakMap<object, Record<string, unknown>>();

/**
 * The engine reads the version from the definition (it stamps `typeVersion` on new tickets and keys its rule
 * and form caches by it), while frozen versions are stored without it: add it once per loaded version.
 */
function withVersion(published: {
  version: number;
  definition: Record<string, unknown>;
}): Record<string, unknown> {
  let definition = versioned.get(published.definition);
  if (!definition) {
    definition = Object.freeze({ ...published.definition, version: published.version });
    versioned.set(published.definition, definition);
  }
  return definition;
}

/** What the app's own changes invalidate (see tickets.plugin.ts). */
export interface CachedTicketPorts extends TicketPorts {
  /** Teams or people changed in this process: read teams, role members and requesters again. */
  forgetPeople(): void;
  /** A ticket type was published or rolled back in this process: read the newest versions again. */
  forgetNewestVersions(): void;
}

/**
 * Who works which hours: the people and teams with a calendar of their own, each team's supervisor and backup
 * team, and those calendars compiled (from the calendars collection: a person's calendar need not be one a
 * ticket type embeds).
 */
export async function readWorkingHours(
  app: FastifyInstance,
  teams: readonly TeamRecord[],
): Promise<WorkingHours> {
  const people = await app.models.User.find({ calendar: { $exists: true } }, { calendar: 1 }).lean();
  const hours = {
    people: {} as Record<string, string>,
    teams: {} as Record<string, string>,
    supervisors: {} as Record<string, string>,
    backupTeams: {} as Record<string, string>,
    calendars: {} as Record<string, BusinessCalendar>,
  };
  for (const person of people) if (person.calendar) hours.people[String(person._id)] = person.calendar;
  for (const team of teams) {
    if (team.calendar) hours.teams[team.key] = team.calendar;
    if (team.supervisor) hours.supervisors[team.key] = String(team.supervisor);
    if (team.backupTeam) hours.backupTeams[team.key] = team.backupTeam;
  }
  const keys = [...new Set([...Object.values(hours.people), ...Object.values(hours.teams)])];
  if (keys.length > 0) {
    const definitions = await loadCalendarDefinitions(app.db, keys);
    for (const key of keys) {
      const preset = PRESET_CALENDARS.get(key);
      const stored = definitions.get(key);
      if (stored) hours.calendars[key] = compileCalendar(stored);
      else if (preset) hours.calendars[key] = preset;
    }
  }
  return hours;
}

export function createTicketPorts(app: FastifyInstance, effects: EffectDispatcher): CachedTicketPorts {
  const teams = new ShortLived(() => app.models.Team.find({}).lean<TeamRecord[]>().exec(), PEOPLE_TTL_MS);
  // Read with the teams; the last one read is also what projections (written synchronously) compute timers with.
  let lastHours: WorkingHours | undefined;
  const workingHours = new ShortLived(async () => {
    lastHours = await readWorkingHours(app, await teams.get());
    return lastHours;
  }, PEOPLE_TTL_MS);
  const roles = new ShortLived(() => roleMembers(app), PEOPLE_TTL_MS);
  const requesters = new ShortLivedMap((userId: string) => readRequester(app, userId), PEOPLE_TTL_MS);
  const loads = new OpenLoads(() => readOpenLoads(app));
  const newest = new Map<string, ShortLived<LoadedDefinition | undefined>>();

  async function loadDefinition(typeKey: string, version?: number): Promise<LoadedDefinition | undefined> {
    try {
      const published = await loadPublishedVersion(app.db, typeKey, version);
      const category =
        typeof published.definition.category === 'string' ? published.definition.category : 'other';
      return { key: published.key, version: published.version, category, definition: withVersion(published) };
    } catch (error) {
      if (error instanceof HttpProblem && error.status === 404) return undefined;
      throw error;
    }
  }

  return {
    loadDefinition(typeKey, version) {
      if (version !== undefined) return loadDefinition(typeKey, version);
      // Opening a ticket asks for the newest version; which one that is is reused briefly (frozen versions are
      // cached for good by loadPublishedVersion). A type not published yet is asked again every time.
      let entry = newest.get(typeKey);
      if (!entry) {
        const created = new ShortLived(async () => {
          // A type removed (its template pack uninstalled) keeps its versions for running tickets but opens no
          // new ones: only types that still exist can be opened.
          const [loaded, exists] = await Promise.all([
            loadDefinition(typeKey),
            ticketTypes(app.db).findOne({ _id: typeKey }, { projection: { _id: 1 } }),
          ]);
          if (!loaded || !exists) {
            created.invalidate();
            return undefined;
          }
          return loaded;
        }, NEWEST_VERSION_TTL_MS);
        entry = created;
        newest.set(typeKey, entry);
      }
      return entry.get();
    },
    async engineContext(_actor, definition) {
      const now = app.clock.now();
      const [teamRecords, roleMap, hours] = await Promise.all([teams.get(), roles.get(), workingHours.get()]);
      return {
        calendars: calendarsOf(definition),
        teams: teamStatesOf(teamRecords, now),
        roleMembers: roleMap,
        workingHours: hours,
      };
    },
    async requester(userId) {
      const found = await requesters.get(userId);
      return found && { ...found };
    },
    openLoads: () => loads.get(),
    knownOpenLoads: () => loads.known(),
    committed(before, after) {
      loads.committed(before, after);
    },
    forgetPeople() {
      teams.invalidate();
      workingHours.invalidate();
      roles.invalidate();
      requesters.invalidate();
    },
    forgetNewestVersions() {
      newest.clear();
    },
    formatNumber(definition, seq, at) {
      return formatTicketNumber(numberFormatOf(definition), { seq, at, zone: zoneOf(definition) });
    },
    numberScope(definition, at) {
      return ticketNumberScope(numberFormatOf(definition), { at, zone: zoneOf(definition) });
    },
    projectExtra(state, definition) {
      return projectSlaAndReporting(
        state,
        definition,
        calendarsOf(definition),
        zoneOf(definition),
        lastHours,
      );
    },
    async slaView(state) {
      const definition = await loadDefinition(state.typeKey, state.typeVersion);
      return slaView(state, app.clock.now(), definition ? calendarsOf(definition) : {});
    },
    async timers(state) {
      const definition = await loadDefinition(state.typeKey, state.typeVersion);
      return definition
        ? allTimers(state, definition, calendarsOf(definition), await workingHours.get())
        : [];
    },
    dispatchEffects(list, commit, state) {
      return effects.dispatch(list, commit, state);
    },
  };
}
