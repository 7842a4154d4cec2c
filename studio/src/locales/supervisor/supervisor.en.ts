import type { DeepString } from '../zh-CN';
import type { supervisorZh } from './supervisor.zh-CN';

/** Texts of the supervisor board, English. */
export const supervisorEn: DeepString<typeof supervisorZh> = {
  title: 'Supervisor board',
  subtitle:
    'Your team members’ load and capacity, who is away, tickets at risk and breached, the unassigned queue, and the escalations that reached you',
  refresh: 'Refresh',
  updatedAt: 'Updated {time}',
  loadFailed: 'The board could not be loaded',
  noTeams: 'No teams to show',
  counts: {
    open: '{n} open',
    unassigned: '{n} unassigned',
    atRisk: '{n} at risk',
    breached: '{n} breached',
  },
  members: {
    title: 'Members',
    name: 'Member',
    load: 'Load / capacity',
    loadOf: '{load} / {capacity}',
    loadOnly: '{load} (no capacity set)',
    loadLabel: '{name}: {load} open tickets, capacity {capacity}',
    loadLabelNoCap: '{name}: {load} open tickets, no capacity set',
    teamLoad: '{n} in this team',
    away: 'Away until {time}',
    available: 'Available',
    inactive: 'Deactivated',
    risk: 'Risk',
    riskText: '{atRisk} at risk · {breached} breached',
    none: 'This team has no members yet; add them on the Teams page',
  },
  lists: {
    breached: 'Breached',
    atRisk: 'At risk',
    unassigned: 'Unassigned',
    empty: 'No tickets',
    more: 'Showing the first {shown} of {total}',
  },
  ticket: {
    unassigned: 'Unassigned',
    due: 'Due {time}',
    paused: 'SLA paused',
    assignee: 'Assignee',
    reassign: 'Reassign to…',
    reassignLabel: 'Reassign ticket {number} to a team member',
    memberOption: '{name} · {load}',
    memberAway: '{name} · away',
    reassigning: 'Reassigning…',
    reassigned: '{number} reassigned to {name}',
    stale:
      'Ticket {number} was just changed by someone else; the board has been refreshed, please choose again',
  },
  escalations: {
    title: 'Escalations to me',
    empty: 'No SLA escalations have reached you',
    unread: 'Unread',
    kind: {
      'sla-warning': 'At risk',
      'sla-breach': 'Breached',
      other: 'SLA escalation',
    },
  },
};
