import type { Connection } from 'mongoose';
import type { Problem } from '../../runtime/common/types.js';
import type { DefinitionRefs } from '../../runtime/definitions/index.js';
import { teamModel } from '../models/team.model.js';
import { calendarKeys, loadCalendarDefinitions } from './calendars.service.js';
import { definitionsProblem } from './definitions.messages.js';
import { loadSlaPolicyDefinition, slaPolicyKeys } from './sla-policies.service.js';
import { ticketTypes } from './ticket-type.model.js';
import type { BusinessCalendarDefinition } from '../../runtime/time/index.js';

/** The product's default zone calendar: measured on whenever a definition names no calendar, so always frozen. */
export const DEFAULT_CALENDAR_KEY = 'cn-standard';

/**
 * What exists for a definition to refer to, read from the database: teams, calendars, SLA policies, other ticket
 * types. Notification templates are the definition's own (the runtime adds them); form fields come from its form.
 * Roles and users are left unchecked: custom approver roles (`change-manager`) and people change independently of
 * definitions, and the engine reports an empty role at run time.
 */
export async function loadDefinitionRefs(
  db: Connection,
): Promise<DefinitionRefs & { slaPolicies: string[] }> {
  const [teams, calendars, types, policies] = await Promise.all([
    teamModel(db).find({}, { key: 1 }).lean(),
    calendarKeys(db),
    ticketTypes(db)
      .find({}, { projection: { _id: 1 } })
      .toArray(),
    slaPolicyKeys(db),
  ]);
  return {
    teams: teams.map((team) => team.key),
    calendars,
    templates: [],
    ticketTypes: types.map((type) => type._id),
    slaPolicies: policies,
  };
}

export interface ResolvedDefinition {
  /** The source with `sla` resolved to the policy it names (unchanged when `sla` is inline or absent). */
  definition: Record<string, unknown>;
  /** The key of the SLA policy `sla` referred to, if it referred to one. */
  slaPolicyKey?: string;
  problems: Problem[];
}

/**
 * Resolve what a definition refers to by key and embeds when frozen: `"sla": "<policy key>"` becomes the policy.
 * A policy that does not exist is a problem at `/sla`.
 */
export async function resolveDefinition(
  db: Connection,
  source: Record<string, unknown>,
): Promise<ResolvedDefinition> {
  const sla = source.sla;
  if (typeof sla !== 'string') return { definition: source, problems: [] };
  const policy = await loadSlaPolicyDefinition(db, sla);
  if (!policy) {
    return {
      definition: source,
      slaPolicyKey: sla,
      problems: [definitionsProblem('definition.ref.unknownSlaPolicy', '/sla', { policy: sla })],
    };
  }
  return { definition: { ...source, sla: policy }, slaPolicyKey: sla, problems: [] };
}

/** Every calendar key a definition measures time on: any `calendar` setting, and the default calendar. */
export function calendarKeysOf(definition: unknown): string[] {
  const keys = new Set<string>([DEFAULT_CALENDAR_KEY]);
  const visit = (value: unknown, depth: number): void => {
    if (depth > 64 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    for (const [name, child] of Object.entries(value)) {
      if (name === 'calendar' && typeof child === 'string') keys.add(child);
      else visit(child, depth + 1);
    }
  };
  visit(definition, 0);
  return [...keys].sort();
}

/**
 * The definition tickets run on: the resolved definition with every calendar it uses embedded under `calendars`,
 * so a later edit of a policy or calendar reaches tickets only through a new publish.
 */
export async function freezeDefinition(
  db: Connection,
  resolved: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const { calendars: _ignored, ...rest } = resolved;
  const keys = calendarKeysOf(rest);
  const found = await loadCalendarDefinitions(db, keys);
  const embedded: Record<string, BusinessCalendarDefinition> = {};
  for (const key of keys) {
    const calendar = found.get(key);
    if (calendar) embedded[key] = calendar;
  }
  return { ...rest, calendars: embedded };
}
