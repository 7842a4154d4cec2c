import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { StatusCategory } from '../common/types.js';
import {
  CN_STANDARD_CALENDAR,
  businessMinutesBetween,
  compileCalendar,
  formatLocalDateTime,
  type BusinessCalendarDefinition,
} from '../time/index.js';
import {
  applyStatusChange,
  clockProgress,
  recordFirstResponse,
  retargetClocks,
  startClocks,
  type SlaClocks,
  type SlaEnv,
  type SlaPolicy,
} from './index.js';
import { IT_INCIDENT_SLA } from './sla.fixture.js';

const at = (local: string): number => DateTime.fromISO(local, { zone: 'Asia/Shanghai' }).toMillis();
const show = (instant: number | null | undefined): string =>
  instant === null || instant === undefined ? String(instant) : formatLocalDateTime(instant, 'Asia/Shanghai');

function open(
  priority: string,
  openedAt: string,
  policy: SlaPolicy = IT_INCIDENT_SLA,
  env: SlaEnv = {},
): SlaClocks {
  const { clocks } = startClocks(policy, { priority }, at(openedAt), env);
  if (!clocks) throw new Error('expected clocks');
  return clocks;
}

/** Apply status changes in order: `[category, local time]`. */
function walk(clocks: SlaClocks, changes: [StatusCategory, string][], policy: SlaPolicy = IT_INCIDENT_SLA) {
  return changes.reduce(
    (current, [category, when]) => applyStatusChange(current, policy, category, at(when)).clocks,
    clocks,
  );
}

describe('targets of the reference table (IT incident example)', () => {
  const cases = [
    {
      priority: 'urgent',
      opened: '2026-10-03T23:50',
      calendar: '24x7',
      firstResponseDue: '2026-10-04 00:05',
      resolutionDue: '2026-10-04 01:50',
      resolutionWarn: '2026-10-04 01:20',
    },
    {
      priority: 'high',
      opened: '2026-10-01T10:00',
      calendar: '24x7',
      firstResponseDue: '2026-10-01 11:00',
      resolutionDue: '2026-10-01 18:00',
      resolutionWarn: '2026-10-01 16:00',
    },
    {
      priority: 'medium',
      opened: '2026-09-30T16:00',
      calendar: 'cn-standard',
      firstResponseDue: '2026-10-08 11:00',
      resolutionDue: '2026-10-10 16:00',
      resolutionWarn: '2026-10-09 18:00',
    },
    {
      priority: 'low',
      opened: '2026-09-30T16:00',
      calendar: 'cn-standard',
      firstResponseDue: '2026-10-10 16:00',
      resolutionDue: '2026-10-15 16:00',
      resolutionWarn: '2026-10-13 18:00',
    },
  ];

  it.each(cases)('$priority opened $opened', (entry) => {
    const clocks = open(entry.priority, entry.opened);
    expect(clocks.resolution?.calendar).toBe(entry.calendar);
    expect(show(clocks.firstResponse?.dueAt)).toBe(entry.firstResponseDue);
    expect(show(clocks.resolution?.dueAt)).toBe(entry.resolutionDue);
    expect(show(clocks.resolution?.warnAt)).toBe(entry.resolutionWarn);
    expect(clocks.resolution).toMatchObject({ state: 'running', cycle: 1, startedAt: at(entry.opened) });
  });

  it('explains the start of each clock', () => {
    const { explanations } = startClocks(IT_INCIDENT_SLA, { priority: 'medium' }, at('2026-09-30T16:00'));
    expect(explanations.map((explanation) => explanation.code)).toEqual([
      'sla.target.selected',
      'sla.clock.started',
      'sla.clock.started',
    ]);
    expect(explanations[2]?.text['zh-CN']).toBe(
      '解决开始计时：目标 3 个工作日，预计 2026-10-10 16:00 到期。',
    );
    expect(explanations[2]?.text.en).toBe(
      'The resolution clock started: target 3 business days, due 2026-10-10 16:00.',
    );
  });

  it('starts no clock when no target applies, and only the clocks a target has', () => {
    const policy: SlaPolicy = {
      targets: [
        { when: { '==': [{ var: 'priority' }, 'low'] }, resolution: { amount: 1, unit: 'businessDays' } },
      ],
    };
    expect(startClocks(policy, { priority: 'high' }, at('2026-03-10T09:00')).clocks).toBeUndefined();
    const clocks = open('low', '2026-03-10T09:00', policy);
    expect(clocks.firstResponse).toBeUndefined();
    expect(show(clocks.resolution?.dueAt)).toBe('2026-03-10 18:00');
  });

  it('starts paused when the ticket starts in a pausing category', () => {
    const { clocks } = startClocks(
      IT_INCIDENT_SLA,
      { priority: 'medium' },
      at('2026-03-10T09:00'),
      {},
      'pending',
    );
    expect(clocks?.resolution).toMatchObject({
      state: 'paused',
      pausedSince: at('2026-03-10T09:00'),
      runs: [],
    });
    const resumed = applyStatusChange(
      clocks as SlaClocks,
      IT_INCIDENT_SLA,
      'open',
      at('2026-03-11T09:00'),
    ).clocks;
    expect(show(resumed.resolution?.dueAt)).toBe('2026-03-13 18:00');
  });
});

describe('pauses move the due time by the paused business time', () => {
  const cases = [
    {
      name: 'a business day in pending (medium, business calendar)',
      priority: 'medium',
      pause: '2026-03-10T10:00',
      resume: '2026-03-11T10:00',
      pausedMinutes: 480,
      resolutionDue: '2026-03-13 18:00',
      firstResponseDue: '2026-03-11 14:00',
    },
    {
      name: 'a night in pending counts nothing',
      priority: 'medium',
      pause: '2026-03-10T18:30',
      resume: '2026-03-11T08:00',
      pausedMinutes: 0,
      resolutionDue: '2026-03-12 18:00',
      firstResponseDue: '2026-03-10 14:00',
    },
    {
      name: 'a weekend in pending counts only the working hours around it',
      priority: 'low',
      pause: '2026-03-13T17:00',
      resume: '2026-03-16T10:00',
      pausedMinutes: 120,
      resolutionDue: '2026-03-19 14:00',
      firstResponseDue: '2026-03-13 11:00',
    },
    {
      name: 'half an hour in pending on the 24x7 calendar (urgent)',
      priority: 'urgent',
      pause: '2026-03-10T09:05',
      resume: '2026-03-10T09:35',
      pausedMinutes: 30,
      resolutionDue: '2026-03-10 11:30',
      firstResponseDue: '2026-03-10 09:45',
    },
  ];

  it.each(cases)('$name', (entry) => {
    const opened = entry.priority === 'low' ? '2026-03-10T11:00' : '2026-03-10T09:00';
    const started = open(entry.priority, opened);
    const paused = applyStatusChange(started, IT_INCIDENT_SLA, 'pending', at(entry.pause));
    expect(paused.clocks.resolution).toMatchObject({ state: 'paused', pausedSince: at(entry.pause) });
    // Frozen while paused: nothing falls due.
    expect(paused.clocks.resolution?.dueAt).toBe(started.resolution?.dueAt);
    const resumed = applyStatusChange(paused.clocks, IT_INCIDENT_SLA, 'open', at(entry.resume));
    const resolution = resumed.clocks.resolution;
    expect(resolution?.state).toBe('running');
    expect(resolution?.pausedBusinessMinutes).toBe(entry.pausedMinutes);
    expect(show(resolution?.dueAt)).toBe(entry.resolutionDue);
    expect(show(resumed.clocks.firstResponse?.dueAt)).toBe(entry.firstResponseDue);
    const calendar = resolution?.calendar === '24x7' ? undefined : CN_STANDARD_CALENDAR;
    if (calendar && started.resolution?.dueAt && resolution?.dueAt) {
      expect(businessMinutesBetween(calendar, started.resolution.dueAt, resolution.dueAt)).toBe(
        entry.pausedMinutes,
      );
    }
  });

  it('explains pause and resume', () => {
    const started = open('medium', '2026-03-10T09:00');
    const paused = applyStatusChange(started, IT_INCIDENT_SLA, 'pending', at('2026-03-10T10:00'));
    expect(paused.explanations[1]?.text['zh-CN']).toBe(
      '工单进入“等待中”类状态，解决暂停计时（已用 1 小时）。',
    );
    const resumed = applyStatusChange(paused.clocks, IT_INCIDENT_SLA, 'open', at('2026-03-11T10:00'));
    expect(resumed.explanations[1]?.text.en).toBe(
      'The resolution clock resumed: it was paused for 8 h of its time, so it is now due 2026-03-13 18:00.',
    );
    expect(resumed.explanations[1]?.params).toMatchObject({ pausedMinutes: 480, clockKind: 'resolution' });
  });

  it('honours a policy that pauses in other categories too', () => {
    const policy: SlaPolicy = { ...IT_INCIDENT_SLA, pauseIn: ['new', 'pending'] };
    const { clocks } = startClocks(policy, { priority: 'medium' }, at('2026-03-10T09:00'), {}, 'new');
    expect(clocks?.resolution?.state).toBe('paused');
    const working = applyStatusChange(clocks as SlaClocks, policy, 'open', at('2026-03-10T10:00')).clocks;
    expect(show(working.resolution?.dueAt)).toBe('2026-03-13 10:00');
  });

  it('ignores a change to the same category and clamps a change dated before the last one', () => {
    const started = open('medium', '2026-03-10T09:00');
    expect(applyStatusChange(started, IT_INCIDENT_SLA, 'new', at('2026-03-10T10:00'))).toEqual({
      clocks: started,
      explanations: [],
    });
    const paused = applyStatusChange(started, IT_INCIDENT_SLA, 'pending', at('2026-03-10T08:00')).clocks;
    expect(paused.resolution?.runs).toEqual([
      { from: at('2026-03-10T09:00'), to: at('2026-03-10T09:00'), businessMinutes: 0 },
    ]);
  });

  it('several pauses add up', () => {
    const clocks = walk(open('medium', '2026-03-10T09:00'), [
      ['pending', '2026-03-10T10:00'],
      ['open', '2026-03-10T11:00'],
      ['pending', '2026-03-10T14:00'],
      ['open', '2026-03-10T16:00'],
    ]);
    expect(clocks.resolution?.pausedBusinessMinutes).toBe(180);
    expect(clocks.resolution?.elapsedBusinessMinutes).toBe(60 + 120);
    expect(clocks.resolution?.runs).toHaveLength(3);
    expect(show(clocks.resolution?.dueAt)).toBe('2026-03-13 12:00');
  });
});

describe('stopping', () => {
  it('first response stops at the first visible agent action, met', () => {
    const started = open('medium', '2026-03-10T09:00');
    const { clocks, explanations } = recordFirstResponse(started, IT_INCIDENT_SLA, at('2026-03-10T10:30'));
    expect(clocks.firstResponse).toMatchObject({
      state: 'stopped',
      stopReason: 'responded',
      stoppedAt: at('2026-03-10T10:30'),
      elapsedBusinessMinutes: 90,
    });
    expect(clocks.firstResponse?.breachedAt).toBeUndefined();
    expect(explanations[0]?.code).toBe('sla.clock.stopped-met');
    expect(explanations[0]?.text.en).toBe(
      'The first-response clock stopped (first response given): 1 h 30 min used, within the target of 4 business hours.',
    );
    expect(recordFirstResponse(clocks, IT_INCIDENT_SLA, at('2026-03-10T11:00'))).toEqual({
      clocks,
      explanations: [],
    });
    expect(clocks.resolution?.state).toBe('running');
  });

  it('first response given late is recorded as breached at its due time', () => {
    const { clocks, explanations } = recordFirstResponse(
      open('medium', '2026-03-10T09:00'),
      IT_INCIDENT_SLA,
      at('2026-03-10T15:00'),
    );
    expect(show(clocks.firstResponse?.breachedAt)).toBe('2026-03-10 14:00');
    expect(explanations[0]?.code).toBe('sla.clock.stopped-breached');
    expect(explanations[0]?.text['zh-CN']).toBe(
      '首次响应已停止（已首次响应）：用时 5 小时，超出目标 4 个工作小时（2026-03-10 14:00 超时）。',
    );
  });

  it.each([
    ['resolved', 'resolved'],
    ['closed', 'closed'],
    ['cancelled', 'cancelled'],
  ] as const)('%s stops both clocks', (category, reason) => {
    const clocks = walk(open('medium', '2026-03-10T09:00'), [[category, '2026-03-10T11:00']]);
    for (const clock of [clocks.firstResponse, clocks.resolution]) {
      expect(clock).toMatchObject({ state: 'stopped', stopReason: reason, elapsedBusinessMinutes: 120 });
    }
  });

  it('a paused clock stops where it paused', () => {
    const clocks = walk(open('medium', '2026-03-10T09:00'), [
      ['pending', '2026-03-10T10:00'],
      ['resolved', '2026-03-11T10:00'],
    ]);
    expect(clocks.resolution).toMatchObject({ state: 'stopped', elapsedBusinessMinutes: 60 });
    expect(clocks.resolution?.pausedSince).toBeUndefined();
  });

  it('a ticket created already closed has stopped clocks', () => {
    const { clocks } = startClocks(
      IT_INCIDENT_SLA,
      { priority: 'low' },
      at('2026-03-10T09:00'),
      {},
      'closed',
    );
    expect(clocks?.resolution).toMatchObject({
      state: 'stopped',
      stopReason: 'closed',
      elapsedBusinessMinutes: 0,
    });
  });
});

describe('reopening restarts the resolution clock', () => {
  const resolvedThenReopened: [StatusCategory, string][] = [
    ['resolved', '2026-03-10T15:00'],
    ['open', '2026-03-11T10:00'],
  ];

  it('by default it carries on from the time already used; time spent resolved does not count', () => {
    const started = open('medium', '2026-03-10T09:00');
    const resolved = applyStatusChange(started, IT_INCIDENT_SLA, 'resolved', at('2026-03-10T15:00'));
    const reopened = applyStatusChange(resolved.clocks, IT_INCIDENT_SLA, 'open', at('2026-03-11T10:00'));
    expect(reopened.clocks.resolution).toMatchObject({
      state: 'running',
      cycle: 1,
      elapsedBusinessMinutes: 300,
      pausedBusinessMinutes: 240,
      runningSince: at('2026-03-11T10:00'),
    });
    expect(reopened.clocks.resolution?.stoppedAt).toBeUndefined();
    expect(show(reopened.clocks.resolution?.dueAt)).toBe('2026-03-13 14:00');
    expect(reopened.clocks.firstResponse).toMatchObject({ state: 'stopped', stopReason: 'resolved' });
    expect(reopened.explanations.map((explanation) => explanation.code)).toEqual([
      'sla.clock.reopened-resumed',
    ]);
    expect(reopened.explanations[0]?.text['zh-CN']).toBe(
      '工单重新打开，解决从已用的 5 小时继续计时，预计 2026-03-13 14:00 到期。',
    );
  });

  it('with reopen: restart it starts a new full cycle', () => {
    const policy: SlaPolicy = { ...IT_INCIDENT_SLA, reopen: 'restart' };
    const { clocks } = applyStatusChange(
      walk(
        open('medium', '2026-03-10T09:00', policy),
        [resolvedThenReopened[0] as [StatusCategory, string]],
        policy,
      ),
      policy,
      'open',
      at('2026-03-11T10:00'),
    );
    expect(clocks.resolution).toMatchObject({
      state: 'running',
      cycle: 2,
      startedAt: at('2026-03-11T10:00'),
      elapsedBusinessMinutes: 0,
    });
    expect(show(clocks.resolution?.dueAt)).toBe('2026-03-16 10:00');
  });

  it('reopening into a pausing category resumes paused', () => {
    const clocks = walk(open('medium', '2026-03-10T09:00'), [
      ['resolved', '2026-03-10T15:00'],
      ['pending', '2026-03-11T10:00'],
      ['open', '2026-03-11T11:00'],
    ]);
    expect(clocks.resolution).toMatchObject({
      state: 'running',
      elapsedBusinessMinutes: 300,
      pausedBusinessMinutes: 300,
    });
  });

  it('a reopened clock that had breached keeps its breach', () => {
    const clocks = walk(open('urgent', '2026-03-10T09:00'), [
      ['resolved', '2026-03-10T12:00'],
      ['open', '2026-03-10T13:00'],
    ]);
    expect(show(clocks.resolution?.breachedAt)).toBe('2026-03-10 11:00');
    expect(show(clocks.resolution?.dueAt)).toBe('2026-03-10 11:00');
  });
});

describe('retargeting when the ticket changes', () => {
  it('raising the priority re-aims running clocks at the new target, re-measuring time used', () => {
    const started = open('medium', '2026-03-10T09:00');
    const { clocks, explanations } = retargetClocks(
      started,
      IT_INCIDENT_SLA,
      { priority: 'high' },
      at('2026-03-10T11:00'),
    );
    expect(clocks?.targetIndex).toBe(1);
    expect(clocks?.resolution).toMatchObject({ calendar: '24x7', targetMinutes: 480 });
    expect(show(clocks?.resolution?.dueAt)).toBe('2026-03-10 17:00');
    // One hour on 24x7 was reached at 10:00, before the change: the new first-response target is already missed.
    expect(show(clocks?.firstResponse?.breachedAt)).toBe('2026-03-10 10:00');
    expect(explanations.map((explanation) => explanation.code)).toEqual([
      'sla.target.selected',
      'sla.clock.retargeted',
      'sla.clock.retargeted',
    ]);
  });

  it('re-measures runs and pauses on the new calendar', () => {
    const clocks = walk(open('medium', '2026-03-10T09:00'), [
      ['pending', '2026-03-10T17:00'],
      ['open', '2026-03-11T10:00'],
    ]);
    const retargeted = retargetClocks(
      clocks,
      IT_INCIDENT_SLA,
      { priority: 'urgent' },
      at('2026-03-11T10:30'),
    ).clocks;
    expect(retargeted?.resolution).toMatchObject({
      elapsedBusinessMinutes: 480,
      pausedBusinessMinutes: 17 * 60,
    });
  });

  it('keeps the clocks when the same target still applies, or when none does', () => {
    const started = open('medium', '2026-03-10T09:00');
    expect(
      retargetClocks(started, IT_INCIDENT_SLA, { priority: 'medium' }, at('2026-03-10T11:00')).clocks,
    ).toBe(started);
    const narrow: SlaPolicy = {
      targets: [
        { when: { '==': [{ var: 'priority' }, 'medium'] }, resolution: { amount: 1, unit: 'hours' } },
      ],
    };
    expect(
      retargetClocks(
        open('medium', '2026-03-10T09:00', narrow),
        narrow,
        { priority: 'low' },
        at('2026-03-10T11:00'),
      ).clocks?.targetIndex,
    ).toBe(0);
  });

  it('drops a clock the new target lacks, keeps stopped results, starts missing clocks', () => {
    const policy: SlaPolicy = {
      targets: [
        { when: { '==': [{ var: 'priority' }, 'urgent'] }, resolution: { amount: 2, unit: 'hours' } },
        {
          when: { '==': [{ var: 'priority' }, 'low'] },
          firstResponse: { amount: 1, unit: 'hours' },
          resolution: { amount: 1, unit: 'businessDays' },
        },
        { when: true, firstResponse: { amount: 4, unit: 'hours' } },
      ],
    };
    const low = open('low', '2026-03-10T09:00', policy);
    const dropped = retargetClocks(low, policy, { priority: 'urgent' }, at('2026-03-10T10:00'));
    expect(dropped.clocks?.firstResponse).toBeUndefined();
    expect(dropped.explanations.map((explanation) => explanation.code)).toContain('sla.clock.dropped');

    const responded = recordFirstResponse(low, policy, at('2026-03-10T09:30')).clocks;
    const kept = retargetClocks(responded, policy, { priority: 'urgent' }, at('2026-03-10T10:00')).clocks;
    expect(kept?.firstResponse).toEqual(responded.firstResponse);

    const onlyFirstResponse = open('medium', '2026-03-10T09:00', policy);
    const added = retargetClocks(
      onlyFirstResponse,
      policy,
      { priority: 'urgent' },
      at('2026-03-10T10:00'),
    ).clocks;
    expect(added?.resolution).toMatchObject({ startedAt: at('2026-03-10T10:00'), calendar: '24x7' });
    expect(show(added?.resolution?.dueAt)).toBe('2026-03-10 12:00');
    const resolved = applyStatusChange(onlyFirstResponse, policy, 'resolved', at('2026-03-10T09:30')).clocks;
    expect(
      retargetClocks(resolved, policy, { priority: 'urgent' }, at('2026-03-10T10:00')).clocks?.resolution,
    ).toBeUndefined();
  });

  it('starts the clocks when there were none yet', () => {
    const started = retargetClocks(undefined, IT_INCIDENT_SLA, { priority: 'high' }, at('2026-03-10T09:00'));
    expect(show(started.clocks?.resolution?.dueAt)).toBe('2026-03-10 17:00');
  });
});

describe('calendars', () => {
  const companyDefinition: BusinessCalendarDefinition = {
    key: 'company',
    name: { 'zh-CN': '公司', en: 'Company' },
    zone: 'Asia/Shanghai',
    week: { monday: [{ from: '08:00', to: '12:00' }] },
  };

  it('uses calendars the caller supplies', () => {
    const policy: SlaPolicy = {
      calendar: 'company',
      targets: [{ when: true, resolution: { amount: 2, unit: 'businessHours' } }],
    };
    const env = { calendars: { company: compileCalendar(companyDefinition) } };
    const clocks = open('low', '2026-03-10T09:00', policy, env);
    expect(show(clocks.resolution?.dueAt)).toBe('2026-03-16 10:00');
  });

  it('counts around the clock and says so when a calendar is missing', () => {
    const policy: SlaPolicy = {
      calendar: 'company',
      targets: [{ when: true, resolution: { amount: 2, unit: 'businessHours' } }],
    };
    const { clocks, explanations } = startClocks(policy, {}, at('2026-03-10T09:00'));
    expect(show(clocks?.resolution?.dueAt)).toBe('2026-03-10 11:00');
    expect(explanations.map((explanation) => explanation.code)).toContain('sla.calendar.missing');
    const paused = applyStatusChange(clocks as SlaClocks, policy, 'pending', at('2026-03-10T10:00'));
    expect(paused.explanations[0]?.code).toBe('sla.calendar.missing');
  });

  it('a calendar without working time never falls due, and says so', () => {
    const env = { calendars: { company: compileCalendar({ ...companyDefinition, week: {} }) } };
    const policy: SlaPolicy = {
      calendar: 'company',
      targets: [{ when: true, resolution: { amount: 2, unit: 'businessDays' } }],
    };
    const { clocks, explanations } = startClocks(policy, {}, at('2026-03-10T09:00'), env);
    expect(clocks?.resolution).toMatchObject({ dueAt: null, warnAt: null });
    expect(explanations[1]?.code).toBe('sla.clock.started-never-due');
    expect(
      clockProgress(clocks?.resolution as NonNullable<SlaClocks['resolution']>, at('2026-03-20T09:00'), env),
    ).toMatchObject({
      remainingMinutes: null,
      breached: false,
    });
  });
});

describe('stored clocks', () => {
  it('round-trip through JSON unchanged, with no undefined, NaN or Infinity', () => {
    const policy: SlaPolicy = { ...IT_INCIDENT_SLA, reopen: 'restart' };
    let clocks = open('medium', '2026-03-10T09:00', policy);
    clocks = recordFirstResponse(clocks, policy, at('2026-03-10T09:20')).clocks;
    clocks = walk(
      clocks,
      [
        ['pending', '2026-03-10T10:00'],
        ['open', '2026-03-11T10:00'],
        ['resolved', '2026-03-12T10:00'],
        ['open', '2026-03-12T11:00'],
      ],
      policy,
    );
    const stored = JSON.stringify(clocks);
    expect(JSON.parse(stored)).toStrictEqual(clocks);
    expect(stored).not.toMatch(/NaN|Infinity/);
  });

  it('clockProgress tells lists how far each clock is', () => {
    const clocks = open('high', '2026-03-10T09:00');
    const resolution = clocks.resolution as NonNullable<SlaClocks['resolution']>;
    expect(clockProgress(resolution, at('2026-03-10T15:00'))).toMatchObject({
      state: 'running',
      elapsedMinutes: 360,
      remainingMinutes: 120,
      fractionUsed: 0.75,
      warned: true,
      breached: false,
    });
    expect(clockProgress(resolution, at('2026-03-10T18:00'))).toMatchObject({
      remainingMinutes: -60,
      breached: true,
    });
  });
});
