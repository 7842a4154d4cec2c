import type { FastifyInstance } from 'fastify';
import { formatTicketNumber } from '../../runtime/definitions/number-format.js';
import type { TeamState } from '../../runtime/engine/types.js';
import {
  compileCalendar,
  PRESET_CALENDARS,
  type BusinessCalendar,
  type BusinessCalendarDefinition,
} from '../../runtime/time/index.js';
import { HttpProblem } from '../lib/problem.js';
import { loadPublishedVersion } from '../definitions/published-versions.js';
import { OPEN_CATEGORIES, TICKETS_COLLECTION } from './ticket.projection.js';
import type { LoadedDefinition, TicketPorts } from './ticket.service.js';
import { projectSlaAndReporting } from './ticket.reporting.js';
import { allTimers, slaView } from './ticket.sla.js';
import type { EffectDispatcher } from './effects.js';

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
export function zoneOf(definition: LoadedDefinition): string {
  const sla = definition.definition.sla as { calendar?: string } | undefined;
  const calendars = calendarsOf(definition);
  return (sla?.calendar && calendars[sla.calendar]?.zone) || 'Asia/Shanghai';
}

/** Teams as the engine sees them now: members, skills, availability, and each member's open tickets. */
export async function teamStates(app: FastifyInstance, now: number): Promise<Record<string, TeamState>> {
  const [teams, loads] = await Promise.all([
    app.models.Team.find({}).lean(),
    app.db
      .collection(TICKETS_COLLECTION)
      .aggregate<{ _id: string; n: number }>([
        { $match: { statusCategory: { $in: [...OPEN_CATEGORIES] }, assignee: { $ne: null } } },
        { $group: { _id: '$assignee', n: { $sum: 1 } } },
      ])
      .toArray(),
  ]);
  const openTickets = new Map(loads.map((load) => [load._id, load.n]));
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
          openTickets: openTickets.get(userId) ?? 0,
          ...(awayUntil !== undefined ? { awayUntil } : {}),
          available: awayUntil === undefined || awayUntil <= now,
        };
      }),
    };
  }
  return states;
}

export async function roleMembers(app: FastifyInstance): Promise<Record<string, string[]>> {
  const users = await app.models.User.find({ active: true }, { roles: 1 }).lean();
  const members: Record<string, string[]> = {};
  for (const user of users) for (const role of user.roles) (members[role] ??= []).push(String(user._id));
  return members;
}

export function createTicketPorts(app: FastifyInstance, effects: EffectDispatcher): TicketPorts {
  return {
    async loadDefinition(typeKey, version) {
      try {
        const published = await loadPublishedVersion(app.db, typeKey, version);
        const category =
          typeof published.definition.category === 'string' ? published.definition.category : 'other';
        return { key: published.key, version: published.version, category, definition: published.definition };
      } catch (error) {
        if (error instanceof HttpProblem && error.status === 404) return undefined;
        throw error;
      }
    },
    async engineContext(_actor, definition) {
      const now = app.clock.now();
      const [teams, roles] = await Promise.all([teamStates(app, now), roleMembers(app)]);
      return { calendars: calendarsOf(definition), teams, roleMembers: roles };
    },
    formatNumber(definition, seq, at) {
      const format =
        typeof definition.definition.numberFormat === 'string'
          ? definition.definition.numberFormat
          : `${definition.key.toUpperCase()}-{seq:6}`;
      return formatTicketNumber(format, { seq, at, zone: zoneOf(definition) });
    },
    projectExtra(state, definition) {
      return projectSlaAndReporting(state, definition, calendarsOf(definition), zoneOf(definition));
    },
    async slaView(state) {
      const definition = await this.loadDefinition(state.typeKey, state.typeVersion);
      return slaView(state, app.clock.now(), definition ? calendarsOf(definition) : {});
    },
    async timers(state) {
      const definition = await this.loadDefinition(state.typeKey, state.typeVersion);
      return definition ? allTimers(state, definition, calendarsOf(definition)) : [];
    },
    dispatchEffects(list, commit, state) {
      return effects.dispatch(list, commit, state);
    },
  };
}
