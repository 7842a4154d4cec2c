/** The supervisor board (`GET /api/tickets/board`) and the reassign it does (the ticket's `assign` command). */
import { request } from './client';
import { runTicketCommand } from './tickets.api';
import type { LocalizedText, Priority, TicketView } from './types';

export interface BoardTicket {
  id: string;
  number: string;
  title: string;
  type: string;
  typeVersion?: number;
  priority: Priority;
  statusKey: string;
  statusCategory: string;
  assignee: string | null;
  assigneeName?: string;
  highlight: 'warning' | 'breached' | null;
  slaDueAt?: string;
  slaPaused: boolean;
  version: number;
}

export interface BoardMember {
  id: string;
  username?: string;
  displayName: string;
  active: boolean;
  /** Open tickets assigned to them, in any team. */
  openLoad: number;
  /** Open tickets of this team assigned to them. */
  teamLoad: number;
  capacity: number | null;
  awayUntil: string | null;
  away: boolean;
  atRisk: number;
  breached: number;
}

export interface BoardTeam {
  key: string;
  name: LocalizedText;
  supervisor: string | null;
  counts: { open: number; unassigned: number; atRisk: number; breached: number };
  members: BoardMember[];
  unassigned: BoardTicket[];
  atRisk: BoardTicket[];
  breached: BoardTicket[];
}

export interface BoardEscalation {
  id: string;
  ticketId: string;
  ticketNumber: string;
  template: string;
  subject: string;
  text?: string;
  createdAt: string;
  readAt: string | null;
}

export interface Board {
  now: string;
  teams: BoardTeam[];
  escalations: BoardEscalation[];
}

export function loadBoard(team?: string): Promise<Board> {
  return request<Board>('/api/tickets/board', { query: { team } });
}

/** Give the ticket to a member of its team; `version` is the one the board showed (a stale board answers 409). */
export function reassignTicket(ticket: BoardTicket, assignee: string): Promise<TicketView> {
  return runTicketCommand(ticket.id, ticket.version, { command: 'assign', assignee });
}
