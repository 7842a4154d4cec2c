import { describe, expect, it } from 'vitest';
import {
  assign,
  holdsSkills,
  isAtCapacity,
  isAway,
  type AssignmentRequest,
  type TeamMember,
  type TeamState,
} from './index.js';

const NOW = Date.parse('2026-10-08T10:00:00+08:00');
const HOUR = 3_600_000;

function member(userId: string, extra: Partial<TeamMember> = {}): TeamMember {
  return { userId, openTickets: 0, skills: {}, ...extra };
}

function team(members: TeamMember[], cursor = 0, extra: Partial<TeamState> = {}): TeamState {
  return { key: 'it-desk', members, cursor, supervisor: 'sup', ...extra };
}

function request(
  strategy: AssignmentRequest['strategy'],
  extra: Partial<AssignmentRequest> = {},
): AssignmentRequest {
  return { strategy, now: NOW, ...extra };
}

interface Case {
  name: string;
  request: AssignmentRequest;
  team: TeamState;
  output: { assignee?: string; queued: boolean; cursor?: number; notifySupervisor?: boolean };
  code: string;
}

describe('assign()', () => {
  const cases: Case[] = [
    // round robin
    {
      name: 'round robin starts at the cursor',
      request: request('round-robin'),
      team: team([member('a'), member('b'), member('c')], 1),
      output: { assignee: 'b', queued: false, cursor: 2 },
      code: 'assignment.roundRobin',
    },
    {
      name: 'round robin goes on from the turn it is given',
      request: request('round-robin'),
      team: team([member('a'), member('b'), member('c')], 2),
      output: { assignee: 'c', queued: false, cursor: 3 },
      code: 'assignment.roundRobin',
    },
    {
      name: 'round robin skips away and full members',
      request: request('round-robin'),
      team: team(
        [member('a'), member('b', { awayUntil: NOW + HOUR }), member('c', { capacity: 2, openTickets: 2 })],
        1,
      ),
      output: { assignee: 'a', queued: false, cursor: 2 },
      code: 'assignment.roundRobin',
    },
    {
      name: 'a member back from leave is eligible again',
      request: request('round-robin'),
      team: team([member('a', { awayUntil: NOW }), member('b')], 0),
      output: { assignee: 'a', queued: false, cursor: 1 },
      code: 'assignment.roundRobin',
    },
    {
      name: 'a turn past the list wraps round it, a fraction is dropped',
      request: request('round-robin'),
      team: team([member('a'), member('b')], 7.9),
      output: { assignee: 'b', queued: false, cursor: 8 },
      code: 'assignment.roundRobin',
    },
    {
      name: 'a negative turn reads as the first',
      request: request('round-robin'),
      team: team([member('a'), member('b'), member('c')], -1),
      output: { assignee: 'a', queued: false, cursor: 1 },
      code: 'assignment.roundRobin',
    },
    {
      name: 'excluded members are passed over',
      request: request('round-robin', { exclude: ['a'] }),
      team: team([member('a'), member('b')], 0),
      output: { assignee: 'b', queued: false, cursor: 1 },
      code: 'assignment.roundRobin',
    },
    // least loaded
    {
      name: 'least loaded picks the fewest open tickets',
      request: request('least-loaded'),
      team: team([
        member('a', { openTickets: 5 }),
        member('b', { openTickets: 2 }),
        member('c', { openTickets: 3 }),
      ]),
      output: { assignee: 'b', queued: false, cursor: 1 },
      code: 'assignment.leastLoaded',
    },
    {
      name: 'least loaded respects capacity',
      request: request('least-loaded'),
      team: team([
        member('a', { openTickets: 1, capacity: 1 }),
        member('b', { openTickets: 4, capacity: 10 }),
      ]),
      output: { assignee: 'b', queued: false, cursor: 1 },
      code: 'assignment.leastLoaded',
    },
    {
      name: 'least loaded gives ties to the tied members in turn',
      request: request('least-loaded'),
      team: team(
        [member('a', { openTickets: 1 }), member('b', { openTickets: 3 }), member('c', { openTickets: 1 })],
        2,
      ),
      output: { assignee: 'a', queued: false, cursor: 3 },
      code: 'assignment.leastLoaded',
    },
    // skills
    {
      name: 'skills: every skill at or above the level, then least loaded',
      request: request('skills', {
        skills: [
          { name: 'network', level: 2 },
          { name: 'linux', level: 1 },
        ],
      }),
      team: team([
        member('a', { skills: { network: 1, linux: 3 } }),
        member('b', { skills: { network: 2, linux: 1 }, openTickets: 4 }),
        member('c', { skills: { network: 3, linux: 2 }, openTickets: 2 }),
        member('d', { skills: { network: 3 } }),
      ]),
      output: { assignee: 'c', queued: false, cursor: 1 },
      code: 'assignment.skills',
    },
    {
      name: 'skills: equal load falls back to round robin',
      request: request('skills', { skills: [{ name: 'vpn', level: 1 }] }),
      team: team([member('a', { skills: { vpn: 1 } }), member('b', { skills: { vpn: 2 } }), member('c')], 1),
      output: { assignee: 'b', queued: false, cursor: 2 },
      code: 'assignment.skills',
    },
    {
      name: 'skills: no requirement means anyone',
      request: request('skills'),
      team: team([member('a', { openTickets: 1 }), member('b')]),
      output: { assignee: 'b', queued: false, cursor: 1 },
      code: 'assignment.skills',
    },
    {
      name: 'skills: the only holder is away ⇒ queue and supervisor',
      request: request('skills', { skills: [{ name: 'sap', level: 1 }] }),
      team: team([member('a', { skills: { sap: 5 }, awayUntil: NOW + HOUR }), member('b')], 1),
      output: { queued: true, notifySupervisor: true },
      code: 'assignment.queued',
    },
    // nobody
    {
      name: 'everyone away or full ⇒ queue',
      request: request('least-loaded'),
      team: team([member('a', { awayUntil: NOW + 1 }), member('b', { capacity: 0 })]),
      output: { queued: true, notifySupervisor: true },
      code: 'assignment.queued',
    },
    {
      name: 'a team without members ⇒ queue',
      request: request('round-robin'),
      team: team([], 3),
      output: { queued: true, notifySupervisor: true },
      code: 'assignment.queued.noMembers',
    },
    // direct
    {
      name: 'direct assigns the named person',
      request: request('direct', { user: 'b' }),
      team: team([member('a'), member('b', { capacity: 1, openTickets: 9 })], 1),
      output: { assignee: 'b', queued: false },
      code: 'assignment.direct',
    },
    {
      name: 'direct to someone outside the team',
      request: request('direct', { user: 'outsider' }),
      team: team([member('a')]),
      output: { assignee: 'outsider', queued: false },
      code: 'assignment.direct',
    },
    {
      name: 'direct to an away member ⇒ queue',
      request: request('direct', { user: 'a' }),
      team: team([member('a', { awayUntil: NOW + HOUR })]),
      output: { queued: true, notifySupervisor: true },
      code: 'assignment.queued.userAway',
    },
    {
      name: 'direct without a user ⇒ queue',
      request: request('direct'),
      team: team([member('a')]),
      output: { queued: true, notifySupervisor: true },
      code: 'assignment.queued.noUser',
    },
    // requester's manager
    {
      name: "requester's manager",
      request: request('requester-manager', { requester: { userId: 'r', manager: 'm' } }),
      team: team([member('a')]),
      output: { assignee: 'm', queued: false },
      code: 'assignment.requesterManager',
    },
    {
      name: 'requester without a manager ⇒ queue',
      request: request('requester-manager', { requester: { userId: 'r' } }),
      team: team([member('a')]),
      output: { queued: true, notifySupervisor: true },
      code: 'assignment.queued.noManager',
    },
    {
      name: 'the manager is away ⇒ queue',
      request: request('requester-manager', { requester: { manager: 'm' } }),
      team: team([member('m', { awayUntil: NOW + HOUR })]),
      output: { queued: true, notifySupervisor: true },
      code: 'assignment.queued.managerAway',
    },
  ];

  it.each(cases)('$name', ({ request: assignmentRequest, team: teamState, output, code }) => {
    const decision = assign(assignmentRequest, teamState);
    expect(decision).toMatchObject(output);
    // Only a pick from the team takes a turn; named people and queued tickets leave the turns alone.
    if (output.cursor === undefined) expect(decision.cursor).toBeUndefined();
    if (output.assignee === undefined) expect(decision.assignee).toBeUndefined();
    expect(decision.explanation.code).toBe(code);
    expect(decision.explanation.text['zh-CN']).not.toMatch(/\{\w+\}/);
    expect(decision.explanation.text.en).not.toMatch(/\{\w+\}/);
    expect(decision.team).toBe('it-desk');
  });

  it('explains round robin with who was passed over', () => {
    const decision = assign(
      request('round-robin'),
      team(
        [member('a'), member('b', { awayUntil: NOW + HOUR }), member('c', { capacity: 1, openTickets: 1 })],
        1,
      ),
    );
    expect(decision.skipped).toEqual([
      { userId: 'b', reason: 'away' },
      { userId: 'c', reason: 'atCapacity' },
    ]);
    expect(decision.explanation.text).toEqual({
      'zh-CN':
        '按轮流分配交给 a（团队“it-desk”的第 2 次轮转，在 1 位可接单的成员中依次轮到此人）。已跳过：b（不在）、c（已达上限）。',
      en: 'Assigned to a by round robin (turn 2 of team “it-desk”, taken in order by its 1 available members). Skipped: b (away), c (at capacity).',
    });
  });

  it('explains a queued ticket with the reasons and names the supervisor and backup team', () => {
    const decision = assign(
      request('skills', { skills: [{ name: 'sap', level: 2 }], exclude: ['x'] }),
      team(
        [
          member('a', { awayUntil: NOW + HOUR }),
          member('b', { skills: { sap: 1 } }),
          member('c', { capacity: 0 }),
          member('x'),
        ],
        0,
        { backupTeam: 'it-ops' },
      ),
    );
    expect(decision).toMatchObject({
      queued: true,
      supervisor: 'sup',
      backupTeam: 'it-ops',
      notifySupervisor: true,
    });
    expect(decision.explanation.text.en).toBe(
      'No member of team “it-desk” can take the ticket (1 away, 1 without the required skills, 1 at capacity, 1 excluded); it waits in the team queue and the supervisor (sup) is notified.',
    );
    expect(decision.explanation.text['zh-CN']).toBe(
      '团队“it-desk”没有可接单的成员（1 人不在，1 人技能不足，1 人已达接单上限，1 人被排除），工单进入团队队列，并通知主管 sup。',
    );
  });

  it('writes the return date of an away person in the given zone', () => {
    const decision = assign(
      request('direct', { user: 'a', zone: 'Europe/Paris' }),
      team([member('a', { awayUntil: Date.parse('2026-10-09T09:00:00Z') })], 0, { supervisor: undefined }),
    );
    expect(decision.explanation.text.en).toBe(
      'The named person a is away (until 2026-10-09 11:00); the ticket waits in the queue of team “it-desk” and the supervisor is notified.',
    );
    expect(decision.explanation.params).toMatchObject({
      user: 'a',
      awayUntil: Date.parse('2026-10-09T09:00:00Z'),
    });
    expect(decision.supervisor).toBeUndefined();
  });

  it('notes ties and shortens long skip lists', () => {
    const members = [
      ...Array.from({ length: 7 }, (_, index) => member(`away${index}`, { awayUntil: NOW + 1 })),
      member('y'),
      member('z'),
    ];
    const decision = assign(request('least-loaded'), team(members));
    expect(decision.assignee).toBe('y');
    expect(decision.explanation.text.en).toContain('the round-robin order decided');
    expect(decision.explanation.text.en).toContain('and 2 more');
    expect(decision.explanation.text['zh-CN']).toContain('等 7 人');
  });

  /** Who gets each of `turns` consecutive turns (what the server hands out, one per open). */
  function tally(strategy: AssignmentRequest['strategy'], members: TeamMember[], turns: number, extra = {}) {
    const counts: Record<string, number> = {};
    for (let turn = 0; turn < turns; turn++) {
      const decision = assign(request(strategy, extra), team(members, turn));
      expect(decision.cursor).toBe(turn + 1);
      counts[decision.assignee ?? 'queue'] = (counts[decision.assignee ?? 'queue'] ?? 0) + 1;
    }
    return counts;
  }

  it('shares turns evenly among the available members whoever is away', () => {
    const away = { awayUntil: NOW + HOUR };
    expect(tally('round-robin', [member('a'), member('b'), member('c')], 30)).toEqual({
      a: 10,
      b: 10,
      c: 10,
    });
    expect(tally('round-robin', [member('a'), member('b', away), member('c')], 30)).toEqual({ a: 15, c: 15 });
    expect(tally('round-robin', [member('a', away), member('b'), member('c')], 30)).toEqual({ b: 15, c: 15 });
    expect(tally('round-robin', [member('a'), member('b'), member('c', away)], 30)).toEqual({ a: 15, b: 15 });
  });

  it('splits ties of skills and least-loaded evenly between the tied members', () => {
    const skilled = { skills: { vpn: 1 } };
    const members = [member('a', skilled), member('b'), member('c', skilled)];
    expect(tally('skills', members, 30, { skills: [{ name: 'vpn', level: 1 }] })).toEqual({ a: 15, c: 15 });
    const loads = [
      member('a', { openTickets: 2 }),
      member('b', { openTickets: 1 }),
      member('c', { openTickets: 1 }),
    ];
    expect(tally('least-loaded', loads, 30)).toEqual({ b: 15, c: 15 });
  });

  it('is pure: the same input gives the same decision and the team state is not changed', () => {
    const state = team([member('a'), member('b')], 0);
    const snapshot = structuredClone(state);
    expect(assign(request('round-robin'), state)).toEqual(assign(request('round-robin'), state));
    expect(state).toEqual(snapshot);
  });

  it('predicates', () => {
    expect(isAway(member('a', { awayUntil: NOW + 1 }), NOW)).toBe(true);
    expect(isAway(member('a'), NOW)).toBe(false);
    expect(isAtCapacity(member('a', { capacity: 3, openTickets: 3 }))).toBe(true);
    expect(isAtCapacity(member('a', { openTickets: 300 }))).toBe(false);
    expect(holdsSkills(member('a', { skills: { x: 2 } }), [{ name: 'x', level: 2 }])).toBe(true);
    expect(holdsSkills(member('a', { skills: undefined }), [{ name: 'x', level: 1 }])).toBe(false);
    expect(holdsSkills(member('a', { skills: {} }), [{ name: 'constructor', level: 0 }])).toBe(false);
  });
});
