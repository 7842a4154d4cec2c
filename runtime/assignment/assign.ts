import { DateTime } from 'luxon';
import type { Explanation, Instant, LocalizedText } from '../common/types.js';
import { explain, localizeWith } from '../rules/index.js';
import type { AssignmentStrategy, SkillRequirement } from '../routing/index.js';
import { assignmentMessages, type AssignmentMessageCode } from './assignment-messages.js';

export interface TeamMember {
  userId: string;
  /** Skill name → level (1 = basic). */
  skills?: Record<string, number>;
  /** Most open tickets this member should hold; no limit when absent. */
  capacity?: number;
  openTickets: number;
  /** Away / on leave until this instant: skipped by every strategy before it. */
  awayUntil?: Instant;
}

/** What the caller knows about a team at the moment of assigning; the cursor is persisted by the caller. */
export interface TeamState {
  key: string;
  members: TeamMember[];
  /**
   * Round-robin turn: how many turns the team has handed out before this one (0, 1, 2, …). A turn goes to the
   * available members in list order, `turn mod (available members)`, so members who can take tickets share them
   * evenly whoever is away; the caller claims one turn per decision that returns a `cursor`.
   */
  cursor: number;
  supervisor?: string;
  backupTeam?: string;
}

export interface AssignmentRequest {
  strategy: AssignmentStrategy;
  /** The caller's clock, to tell who is away. */
  now: Instant;
  /** For `skills`: every one must be held at or above its level. */
  skills?: SkillRequirement[];
  /** For `direct`. */
  user?: string;
  /** For `requester-manager`. */
  requester?: { userId?: string; manager?: string };
  /** Members not to pick (e.g. the agent handing the ticket back). */
  exclude?: string[];
  /** Zone used to write instants in explanations; default Asia/Shanghai. */
  zone?: string;
}

export type SkipReason = 'away' | 'atCapacity' | 'missingSkills' | 'excluded';

export interface AssignmentDecision {
  team: string;
  assignee?: string;
  /** True when nobody could take the ticket: it waits in the team queue. */
  queued: boolean;
  /**
   * The team's next turn, to persist; present only when this decision took a turn (a member was picked from the
   * team by round robin, least loaded or skills). Named people and queued tickets take none.
   */
  cursor?: number;
  notifySupervisor?: boolean;
  supervisor?: string;
  backupTeam?: string;
  /** Members passed over, and why. */
  skipped: { userId: string; reason: SkipReason }[];
  explanation: Explanation;
}

const MAX_NAMES_SHOWN = 5;

/**
 * Pick who works a ticket. Pure: the same request and team state always give the same decision; the caller
 * claims the turn it used (one unique insert per turn, so concurrent requests never use the same turn twice).
 */
export function assign(request: AssignmentRequest, teamState: TeamState): AssignmentDecision {
  switch (request.strategy) {
    case 'direct':
      return assignNamedPerson(request, teamState, request.user, 'direct');
    case 'requester-manager':
      return assignNamedPerson(request, teamState, request.requester?.manager, 'requester-manager');
    case 'round-robin':
    case 'least-loaded':
    case 'skills':
      return assignFromTeam(request, teamState);
  }
}

export function isAway(member: TeamMember, now: Instant): boolean {
  return member.awayUntil !== undefined && member.awayUntil > now;
}

export function isAtCapacity(member: TeamMember): boolean {
  return member.capacity !== undefined && member.openTickets >= member.capacity;
}

export function holdsSkills(member: TeamMember, skills: readonly SkillRequirement[]): boolean {
  return skills.every((skill) => {
    const level =
      member.skills && Object.hasOwn(member.skills, skill.name) ? member.skills[skill.name] : undefined;
    return level !== undefined && level >= skill.level;
  });
}

/** The turn a cursor stands for: a whole number of at least 0 (a stale or odd value reads as 0). */
function turnOf(cursor: number): number {
  return Number.isFinite(cursor) && cursor > 0 ? Math.trunc(cursor) : 0;
}

/** The entry a turn falls on when `size` candidates share the turns in order. */
function byTurn<T>(candidates: readonly T[], turn: number): T {
  return candidates[turn % candidates.length] as T;
}

function skipReason(member: TeamMember, request: AssignmentRequest): SkipReason | undefined {
  if (request.exclude?.includes(member.userId)) return 'excluded';
  if (isAway(member, request.now)) return 'away';
  if (isAtCapacity(member)) return 'atCapacity';
  if (request.strategy === 'skills' && !holdsSkills(member, request.skills ?? [])) return 'missingSkills';
  return undefined;
}

function assignFromTeam(request: AssignmentRequest, team: TeamState): AssignmentDecision {
  const size = team.members.length;
  const turn = turnOf(team.cursor);
  if (size === 0) return queued(team, [], 'assignment.queued.noMembers', {});

  // The members who can take the ticket, in list order; turns go round them (not round the whole list, where an
  // away member's turn would always fall to the one after them).
  const skipped: AssignmentDecision['skipped'] = [];
  const candidates: number[] = [];
  for (let index = 0; index < size; index++) {
    const member = team.members[index] as TeamMember;
    const reason = skipReason(member, request);
    if (reason) skipped.push({ userId: member.userId, reason });
    else candidates.push(index);
  }
  if (candidates.length === 0) {
    return queued(team, skipped, 'assignment.queued', { reasons: reasonCounts(skipped) });
  }

  let chosen: number;
  let tie = false;
  if (request.strategy === 'round-robin') chosen = byTurn(candidates, turn);
  else {
    const lowest = Math.min(...candidates.map((index) => (team.members[index] as TeamMember).openTickets));
    const leastLoaded = candidates.filter(
      (index) => (team.members[index] as TeamMember).openTickets === lowest,
    );
    // Ties share the turns too, so equally loaded members take turns rather than the first always winning.
    chosen = byTurn(leastLoaded, turn);
    tie = leastLoaded.length > 1;
  }
  const member = team.members[chosen] as TeamMember;
  const wording = {
    tieNote: tie ? assignmentMessages['assignment.tieNote'] : { 'zh-CN': '', en: '' },
    skippedNote: skippedNote(skipped),
    skills: (request.skills ?? []).map((skill) => `${skill.name} ≥ ${skill.level}`).join(', ') || '—',
  };
  const code: AssignmentMessageCode =
    request.strategy === 'round-robin'
      ? 'assignment.roundRobin'
      : request.strategy === 'least-loaded'
        ? 'assignment.leastLoaded'
        : 'assignment.skills';
  return {
    team: team.key,
    assignee: member.userId,
    queued: false,
    cursor: turn + 1,
    skipped,
    explanation: explain(
      code,
      assignmentMessages[code],
      pickParams(request, team, member, turn, candidates),
      wording,
    ),
  };
}

/** The chosen member's explanation params, built without a spread; `requiredSkills` last and only when asked for. */
function pickParams(
  request: AssignmentRequest,
  team: TeamState,
  member: TeamMember,
  turn: number,
  candidates: number[],
): Record<string, unknown> {
  const params: Record<string, unknown> = {
    assignee: member.userId,
    team: team.key,
    strategy: request.strategy,
    turn: turn + 1,
    openTickets: member.openTickets,
    candidates: candidates.length,
  };
  if (request.skills && request.skills.length > 0) params.requiredSkills = request.skills;
  return params;
}

function assignNamedPerson(
  request: AssignmentRequest,
  team: TeamState,
  userId: string | undefined,
  strategy: 'direct' | 'requester-manager',
): AssignmentDecision {
  if (!userId) {
    const code = strategy === 'direct' ? 'assignment.queued.noUser' : 'assignment.queued.noManager';
    return queued(team, [], code, {});
  }
  // A person outside the team is assigned as named: the team state says nothing about their availability.
  const member = team.members.find((candidate) => candidate.userId === userId);
  if (member && isAway(member, request.now)) {
    const code = strategy === 'direct' ? 'assignment.queued.userAway' : 'assignment.queued.managerAway';
    return queued(team, [{ userId, reason: 'away' }], code, {
      user: userId,
      awayUntil: member.awayUntil,
      awayUntilText: formatInstant(member.awayUntil as Instant, request.zone),
    });
  }
  const code = strategy === 'direct' ? 'assignment.direct' : 'assignment.requesterManager';
  return {
    team: team.key,
    assignee: userId,
    queued: false,
    skipped: [],
    explanation: explain(code, assignmentMessages[code], { assignee: userId, team: team.key, strategy }),
  };
}

function queued(
  team: TeamState,
  skipped: AssignmentDecision['skipped'],
  code: AssignmentMessageCode,
  params: Record<string, unknown>,
): AssignmentDecision {
  const supervisorWording: LocalizedText = team.supervisor
    ? { 'zh-CN': ` ${team.supervisor}`, en: ` (${team.supervisor})` }
    : { 'zh-CN': '', en: '' };
  const { awayUntilText, reasons, ...kept } = params;
  return {
    team: team.key,
    queued: true,
    notifySupervisor: true,
    ...(team.supervisor !== undefined ? { supervisor: team.supervisor } : {}),
    ...(team.backupTeam !== undefined ? { backupTeam: team.backupTeam } : {}),
    skipped,
    explanation: explain(
      code,
      assignmentMessages[code],
      { team: team.key, ...kept, ...(skipped.length > 0 ? { skipped } : {}) },
      { supervisor: supervisorWording, awayUntil: awayUntilText, reasons },
    ),
  };
}

function reasonCounts(skipped: AssignmentDecision['skipped']): LocalizedText {
  const counts = new Map<SkipReason, number>();
  for (const entry of skipped) counts.set(entry.reason, (counts.get(entry.reason) ?? 0) + 1);
  const parts = [...counts.entries()].map(([reason, count]) =>
    localizeWith(assignmentMessages[`assignment.reason.${reason}`], { count }),
  );
  return {
    'zh-CN': parts.map((part) => part['zh-CN']).join('，'),
    en: parts.map((part) => part.en).join(', '),
  };
}

function skippedNote(skipped: AssignmentDecision['skipped']): LocalizedText {
  if (skipped.length === 0) return { 'zh-CN': '', en: '' };
  const names = skipped
    .slice(0, MAX_NAMES_SHOWN)
    .map((entry) =>
      localizeWith(assignmentMessages[`assignment.skip.${entry.reason}`], { userId: entry.userId }),
    );
  const more = skipped.length > MAX_NAMES_SHOWN ? skipped.length - MAX_NAMES_SHOWN : 0;
  const list: LocalizedText = {
    'zh-CN': names.map((name) => name['zh-CN']).join('、') + (more ? ` 等 ${skipped.length} 人` : ''),
    en: names.map((name) => name.en).join(', ') + (more ? ` and ${more} more` : ''),
  };
  return localizeWith(assignmentMessages['assignment.skippedNote'], { skipped: list });
}

function formatInstant(instant: Instant, zone = 'Asia/Shanghai'): string {
  const local = DateTime.fromMillis(instant, { zone });
  return local.isValid ? local.toFormat('yyyy-MM-dd HH:mm') : new Date(instant).toISOString();
}
