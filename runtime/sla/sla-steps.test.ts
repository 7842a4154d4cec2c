import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { formatLocalDateTime } from '../time/index.js';
import {
  applyStatusChange,
  describeActions,
  dueSteps,
  recordFirstResponse,
  recordSteps,
  startClocks,
  type SlaClocks,
  type SlaPolicy,
} from './index.js';
import { IT_INCIDENT_SLA } from './sla.fixture.js';

const at = (local: string): number => DateTime.fromISO(local, { zone: 'Asia/Shanghai' }).toMillis();
const show = (instant: number | null | undefined): string =>
  instant === null || instant === undefined ? String(instant) : formatLocalDateTime(instant, 'Asia/Shanghai');

function open(priority: string, openedAt: string, policy: SlaPolicy = IT_INCIDENT_SLA): SlaClocks {
  const { clocks } = startClocks(policy, { priority }, at(openedAt));
  if (!clocks) throw new Error('expected clocks');
  return clocks;
}

describe('dueSteps on the reference policy (high priority, 24x7: 1 h / 8 h, warn at 75 %)', () => {
  // Opened Thu 2026-10-01 10:00 (a holiday: 24x7 does not care).
  const clocks = open('high', '2026-10-01T10:00');

  const cases: { now: string; done: string[]; due: [string, string][]; next: string }[] = [
    { now: '2026-10-01T10:30', done: [], due: [], next: '2026-10-01 10:45' },
    {
      now: '2026-10-01T10:45',
      done: [],
      due: [['firstResponse:warning', '2026-10-01 10:45']],
      next: '2026-10-01 11:00',
    },
    {
      now: '2026-10-01T11:00',
      done: ['firstResponse:warning'],
      due: [
        ['firstResponse:breach', '2026-10-01 11:00'],
        ['firstResponse:breach:1', '2026-10-01 11:00'],
      ],
      next: '2026-10-01 16:00',
    },
    {
      now: '2026-10-01T16:00',
      done: ['firstResponse:warning', 'firstResponse:breach', 'firstResponse:breach:1'],
      due: [
        ['resolution:warning', '2026-10-01 16:00'],
        ['resolution:warning:0', '2026-10-01 16:00'],
      ],
      next: '2026-10-01 18:00',
    },
    {
      // A worker that was down all evening finds everything at once, in order.
      now: '2026-10-01T23:00',
      done: [],
      due: [
        ['firstResponse:warning', '2026-10-01 10:45'],
        ['firstResponse:breach', '2026-10-01 11:00'],
        ['firstResponse:breach:1', '2026-10-01 11:00'],
        ['resolution:warning', '2026-10-01 16:00'],
        ['resolution:warning:0', '2026-10-01 16:00'],
        ['resolution:breach', '2026-10-01 18:00'],
        ['resolution:breach:1', '2026-10-01 18:00'],
        ['resolution:breach:2', '2026-10-01 19:00'],
      ],
      next: 'null',
    },
  ];

  it.each(cases)('at $now with $done.length steps done', ({ now, done, due, next }) => {
    const result = dueSteps(clocks, IT_INCIDENT_SLA, at(now), new Set(done));
    expect(result.steps.map((step) => [step.key, show(step.dueAt)])).toEqual(due);
    expect(show(result.nextDueAt)).toBe(next);
  });

  it('carries the actions of each escalation', () => {
    const { steps } = dueSteps(clocks, IT_INCIDENT_SLA, at('2026-10-01T19:00'));
    const byKey = Object.fromEntries(steps.map((step) => [step.key, step]));
    expect(byKey['resolution:warning']).toMatchObject({ kind: 'warning', actions: [] });
    expect(byKey['resolution:warning:0']).toMatchObject({
      kind: 'escalation',
      at: 'warning',
      escalationIndex: 0,
      actions: [{ notify: 'assignee' }, { highlight: 'warning' }],
    });
    expect(byKey['resolution:breach:2']).toMatchObject({
      kind: 'escalation',
      at: 'breach',
      reachedAt: at('2026-10-01T19:00'),
      actions: [{ reassign: 'backup-team' }, { raisePriority: 1 }],
    });
  });

  it('explains warnings, breaches and escalations in both languages', () => {
    const { steps } = dueSteps(clocks, IT_INCIDENT_SLA, at('2026-10-01T19:00'));
    const text = Object.fromEntries(steps.map((step) => [step.key, step.explanation.text]));
    expect(text['resolution:warning']).toEqual({
      'zh-CN': '解决已用去目标 8 小时的 75%，将于 2026-10-01 18:00 到期。',
      en: '75% of the resolution target of 8 hours is used; it falls due 2026-10-01 18:00.',
    });
    expect(text['resolution:breach']).toEqual({
      'zh-CN': '解决超时：目标 8 小时已于 2026-10-01 18:00 到期。',
      en: 'The resolution target of 8 hours was breached at 2026-10-01 18:00.',
    });
    expect(text['resolution:breach:2']).toEqual({
      'zh-CN': '解决超时已达 1 小时，升级处理：转派给升级团队、优先级提升 1 级。',
      en: 'The resolution clock has been breached for 1 hour: escalating — reassign to the escalation team, raise the priority by 1 level.',
    });
    expect(text['resolution:warning:0']?.en).toBe(
      'The resolution clock reached its warning threshold: escalating — notify the assignee, highlight as at risk in lists.',
    );
  });
});

describe('each step is decided at most once', () => {
  it('recorded steps are never reported again, and recording twice changes nothing', () => {
    const clocks = open('urgent', '2026-03-10T09:00');
    const first = dueSteps(clocks, IT_INCIDENT_SLA, at('2026-03-10T09:20'));
    expect(first.steps.map((step) => step.key)).toEqual([
      'firstResponse:warning',
      'firstResponse:breach',
      'firstResponse:breach:1',
    ]);
    const recorded = recordSteps(clocks, first.steps);
    expect(recorded.stepsDone).toEqual([
      'firstResponse:warning',
      'firstResponse:breach',
      'firstResponse:breach:1',
    ]);
    expect(show(recorded.firstResponse?.warnedAt)).toBe('2026-03-10 09:11');
    expect(show(recorded.firstResponse?.breachedAt)).toBe('2026-03-10 09:15');
    expect(dueSteps(recorded, IT_INCIDENT_SLA, at('2026-03-10T09:20')).steps).toEqual([]);
    expect(dueSteps(recorded, IT_INCIDENT_SLA, at('2026-03-10T09:59')).steps).toEqual([]);
    expect(recordSteps(recorded, first.steps)).toEqual(recorded);
    // The input is never changed.
    expect(clocks.stepsDone).toEqual([]);
  });

  it('keys are deterministic: the same stored clocks give the same steps on any worker', () => {
    const clocks = JSON.parse(JSON.stringify(open('high', '2026-10-01T10:00'))) as SlaClocks;
    const now = at('2026-10-01T20:00');
    expect(dueSteps(clocks, IT_INCIDENT_SLA, now)).toEqual(
      dueSteps(open('high', '2026-10-01T10:00'), IT_INCIDENT_SLA, now),
    );
  });

  it('a restarted resolution clock has steps of its own cycle', () => {
    const policy: SlaPolicy = { ...IT_INCIDENT_SLA, reopen: 'restart' };
    let clocks = open('urgent', '2026-03-10T09:00', policy);
    clocks = recordSteps(clocks, dueSteps(clocks, policy, at('2026-03-10T12:00')).steps);
    clocks = applyStatusChange(clocks, policy, 'resolved', at('2026-03-10T12:00')).clocks;
    clocks = applyStatusChange(clocks, policy, 'open', at('2026-03-10T13:00')).clocks;
    const { steps } = dueSteps(clocks, policy, at('2026-03-10T16:00'));
    expect(steps.map((step) => step.key)).toEqual([
      'resolution#2:warning',
      'resolution#2:warning:0',
      'resolution#2:breach',
      'resolution#2:breach:1',
      'resolution#2:breach:2',
    ]);
    expect(steps.every((step) => step.cycle === 2)).toBe(true);
  });
});

describe('pauses and stops hold the ladder back', () => {
  it('escalation delays are counted on the clock: a pause after the breach delays breach + 1 h', () => {
    let clocks = open('urgent', '2026-03-10T09:00');
    clocks = recordFirstResponse(clocks, IT_INCIDENT_SLA, at('2026-03-10T09:05')).clocks;
    clocks = applyStatusChange(clocks, IT_INCIDENT_SLA, 'pending', at('2026-03-10T11:30')).clocks;
    const paused = dueSteps(clocks, IT_INCIDENT_SLA, at('2026-03-10T13:00'));
    // Reached before the pause: still reported. Breach + 1 h (12:00) was not reached: nothing scheduled.
    expect(paused.steps.map((step) => step.key)).toEqual([
      'resolution:warning',
      'resolution:warning:0',
      'resolution:breach',
      'resolution:breach:1',
    ]);
    expect(paused.nextDueAt).toBeNull();
    clocks = recordSteps(clocks, paused.steps);
    clocks = applyStatusChange(clocks, IT_INCIDENT_SLA, 'open', at('2026-03-10T14:00')).clocks;
    const resumed = dueSteps(clocks, IT_INCIDENT_SLA, at('2026-03-10T14:00'));
    expect(resumed.steps).toEqual([]);
    expect(show(resumed.nextDueAt)).toBe('2026-03-10 14:30');
  });

  it('a stopped clock has no steps', () => {
    let clocks = open('urgent', '2026-03-10T09:00');
    clocks = applyStatusChange(clocks, IT_INCIDENT_SLA, 'resolved', at('2026-03-10T09:10')).clocks;
    expect(dueSteps(clocks, IT_INCIDENT_SLA, at('2026-03-10T20:00'))).toEqual({ steps: [], nextDueAt: null });
  });

  it('business-calendar clocks fall due in working time only', () => {
    // Medium, Wed 2026-09-30 16:00: first response due Thu 2026-10-08 11:00 after National Day.
    const clocks = open('medium', '2026-09-30T16:00');
    const { steps, nextDueAt } = dueSteps(clocks, IT_INCIDENT_SLA, at('2026-10-05T12:00'));
    expect(steps.map((step) => step.key)).toEqual([]);
    expect(show(nextDueAt)).toBe('2026-10-08 10:00');
    expect(show(dueSteps(clocks, IT_INCIDENT_SLA, at('2026-10-08T11:00')).steps.at(-1)?.dueAt)).toBe(
      '2026-10-08 11:00',
    );
  });
});

describe('businessHoursOnly escalations wait for the policy calendar', () => {
  const policy: SlaPolicy = {
    calendar: 'cn-standard',
    targets: [{ when: true, calendar: '24x7', firstResponse: { amount: 15, unit: 'minutes' } }],
    escalations: [
      {
        id: 'wake-supervisor',
        at: 'breach',
        clock: 'firstResponse',
        do: [{ notify: 'supervisor' }],
        businessHoursOnly: true,
      },
      { at: 'breach', clock: 'firstResponse', do: [{ highlight: 'breached' }] },
    ],
  };

  it('a breach on a holiday night notifies the supervisor on the next working morning', () => {
    const clocks = open('urgent', '2026-10-03T23:50', policy);
    const night = dueSteps(clocks, policy, at('2026-10-04T01:00'));
    expect(night.steps.map((step) => step.key)).toEqual([
      'firstResponse:warning',
      'firstResponse:breach',
      'firstResponse:breach:1',
    ]);
    expect(show(night.nextDueAt)).toBe('2026-10-08 09:00');
    const morning = dueSteps(recordSteps(clocks, night.steps), policy, at('2026-10-08T09:00'));
    expect(morning.steps).toHaveLength(1);
    expect(morning.steps[0]).toMatchObject({
      key: 'firstResponse:breach:0',
      escalationId: 'wake-supervisor',
      reachedAt: at('2026-10-04T00:05'),
      dueAt: at('2026-10-08T09:00'),
    });
  });
});

describe('clocks that never fall due', () => {
  it('have no steps and schedule nothing', () => {
    const clocks = open('low', '2026-03-10T09:00');
    const never: SlaClocks = {
      ...clocks,
      resolution: clocks.resolution && { ...clocks.resolution, dueAt: null },
    };
    const { steps } = dueSteps(never, IT_INCIDENT_SLA, at('2027-03-10T09:00'));
    expect(steps.every((step) => step.clock === 'firstResponse')).toBe(true);
  });
});

describe('describeActions', () => {
  it('names every action', () => {
    expect(
      describeActions([
        { notify: 'assignee' },
        { notify: 'supervisor' },
        { notify: { role: 'duty-manager' } },
        { highlight: 'warning' },
        { highlight: 'breached' },
        { raisePriority: 2 },
        { reassign: 'backup-person' },
        { reassign: 'backup-team' },
        { reassign: { team: 'major-incident' } },
      ]),
    ).toEqual({
      'zh-CN':
        '通知处理人、通知主管、通知角色“duty-manager”、在列表中标记为即将超时、在列表中标记为已超时、优先级提升 2 级、转派给备用处理人、转派给升级团队、转派给团队“major-incident”',
      en: 'notify the assignee, notify the supervisor, notify the role “duty-manager”, highlight as at risk in lists, highlight as breached in lists, raise the priority by 2 levels, reassign to the backup person, reassign to the escalation team, reassign to the team “major-incident”',
    });
  });

  it('words a delay after the warning', () => {
    const policy: SlaPolicy = {
      ...IT_INCIDENT_SLA,
      escalations: [
        {
          at: 'warning',
          after: { amount: 30, unit: 'minutes' },
          clock: 'any',
          do: [{ notify: 'supervisor' }],
        },
      ],
    };
    const { steps } = dueSteps(open('high', '2026-10-01T10:00', policy), policy, at('2026-10-01T11:15'));
    const escalation = steps.find((step) => step.key === 'firstResponse:warning:0');
    expect(show(escalation?.dueAt)).toBe('2026-10-01 11:15');
    expect(escalation?.explanation.text['zh-CN']).toBe(
      '首次响应达到预警线后又过了 30 分钟，升级处理：通知主管。',
    );
  });
});
