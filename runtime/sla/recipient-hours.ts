/**
 * Whose working hours a "business hours only" escalation waits for: its recipient's. People and teams may have a
 * calendar of their own; a person without one works their team's hours, a team without one the organisation's —
 * the SLA policy's calendar, which is also what every escalation waited for before recipients had calendars.
 */
import type { BusinessCalendar } from '../time/index.js';
import type { SlaEscalation } from './sla.types.js';

/** Who works which hours, as the server knows them (only the people and teams that have a calendar set). */
export interface WorkingHours {
  /** Person id → calendar key. */
  people?: Readonly<Record<string, string>>;
  /** Team key → calendar key. */
  teams?: Readonly<Record<string, string>>;
  /** Team key → its supervisor's person id (escalations "notify the supervisor"). */
  supervisors?: Readonly<Record<string, string>>;
  /** Team key → its backup team's key (escalations "reassign to the backup team"). */
  backupTeams?: Readonly<Record<string, string>>;
  /** The calendars those keys name, compiled. */
  calendars?: Readonly<Record<string, BusinessCalendar>>;
}

/** Where the ticket is: who holds it and which team's queue it sits in. */
export interface TicketHandler {
  assignee?: string;
  team?: string;
}

/** The recipient of an escalation: the first of its actions that names a person or a team. */
export function escalationRecipient(
  escalation: SlaEscalation,
  ticket: TicketHandler,
  hours: WorkingHours,
): { person?: string; team?: string } | undefined {
  for (const action of escalation.do) {
    if ('notify' in action) {
      if (action.notify === 'assignee')
        return ticket.assignee !== undefined
          ? { person: ticket.assignee, ...(ticket.team === undefined ? {} : { team: ticket.team }) }
          : ticket.team === undefined
            ? undefined
            : { team: ticket.team };
      if (action.notify === 'supervisor') {
        if (ticket.team === undefined) return undefined;
        const supervisor = hours.supervisors?.[ticket.team];
        return supervisor === undefined ? { team: ticket.team } : { person: supervisor, team: ticket.team };
      }
    } else if ('reassign' in action) {
      const target = action.reassign;
      if (target === 'backup-team') {
        const backup = ticket.team === undefined ? undefined : hours.backupTeams?.[ticket.team];
        return backup === undefined ? undefined : { team: backup };
      }
      if (typeof target === 'object') return { team: target.team };
      if (ticket.team !== undefined) return { team: ticket.team };
    }
  }
  return undefined;
}

/**
 * The calendar an escalation held to working hours waits for: its recipient's own, else (a person) the team's,
 * else undefined — the caller then uses the policy's calendar, the organisation's.
 */
export function recipientCalendar(
  escalation: SlaEscalation,
  ticket: TicketHandler,
  hours: WorkingHours | undefined,
): BusinessCalendar | undefined {
  if (hours === undefined) return undefined;
  const recipient = escalationRecipient(escalation, ticket, hours);
  if (recipient === undefined) return undefined;
  const key =
    (recipient.person === undefined ? undefined : hours.people?.[recipient.person]) ??
    (recipient.team === undefined ? undefined : hours.teams?.[recipient.team]);
  return key === undefined ? undefined : hours.calendars?.[key];
}
