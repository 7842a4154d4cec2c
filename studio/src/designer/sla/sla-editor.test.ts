import { describe, expect, it } from 'vitest';
import {
  ALWAYS_OPEN_CALENDAR,
  CN_STANDARD_CALENDAR,
  CN_STANDARD_CALENDAR_DEFINITION,
  addDuration,
  formatLocalDateTime,
} from '../../../../runtime/time';
import type { SlaPolicy } from '../../../../runtime/sla';
import { defaultSlaPolicy } from '../blank-type';
import {
  ACTION_KINDS,
  actionKindOf,
  actionOf,
  actionParameterOf,
  compileCalendars,
  dueAfter,
  isInlinePolicy,
  parseLocalDateTime,
  policyDueTimes,
  priorityShortcutOf,
  ruleOfPriorityShortcut,
} from './sla-editor';

const policy = defaultSlaPolicy() as unknown as SlaPolicy;

describe('priority shortcut', () => {
  it('reads and writes the rules the quick picker shows', () => {
    expect(priorityShortcutOf({ '==': [{ var: 'priority' }, 'high'] })).toBe('high');
    expect(priorityShortcutOf({ '===': ['low', { var: 'priority' }] })).toBe('low');
    expect(priorityShortcutOf(true)).toBe('always');
    for (const shortcut of ['urgent', 'high', 'medium', 'low', 'always'] as const)
      expect(priorityShortcutOf(ruleOfPriorityShortcut(shortcut))).toBe(shortcut);
  });

  it('leaves any other rule to the rule builder', () => {
    expect(priorityShortcutOf({ '==': [{ var: 'priority' }, 'critical'] })).toBeUndefined();
    expect(priorityShortcutOf({ '==': [{ var: 'channel' }, 'email'] })).toBeUndefined();
    expect(priorityShortcutOf({ and: [true] })).toBeUndefined();
    expect(priorityShortcutOf(false)).toBeUndefined();
    expect(priorityShortcutOf(undefined)).toBeUndefined();
  });

  it('tells an inline policy from a shared policy key', () => {
    expect(isInlinePolicy(policy)).toBe(true);
    expect(isInlinePolicy('standard')).toBe(false);
    expect(isInlinePolicy([])).toBe(false);
  });
});

describe('escalation actions', () => {
  it('round-trips every kind', () => {
    for (const kind of ACTION_KINDS) expect(actionKindOf(actionOf(kind))).toBe(kind);
    expect(actionOf('notify-role', 'duty-manager')).toEqual({ notify: { role: 'duty-manager' } });
    expect(actionParameterOf({ notify: { role: 'duty-manager' } })).toBe('duty-manager');
    expect(actionOf('raise-priority', 2)).toEqual({ raisePriority: 2 });
    expect(actionOf('raise-priority', 'x')).toEqual({ raisePriority: 1 });
    expect(actionParameterOf({ reassign: { team: 'l2' } })).toBe('l2');
    expect(actionParameterOf({ highlight: 'warning' })).toBeUndefined();
  });
});

describe('calculator', () => {
  it('reads wall-clock times in the zone', () => {
    expect(parseLocalDateTime('2026-10-09 17:00', 'Asia/Shanghai')).toBe(Date.parse('2026-10-09T09:00:00Z'));
    expect(parseLocalDateTime('2026-10-09T17:00:30', 'Asia/Shanghai')).toBe(
      Date.parse('2026-10-09T09:00:30Z'),
    );
    expect(parseLocalDateTime('tomorrow', 'Asia/Shanghai')).toBeUndefined();
    expect(parseLocalDateTime('2026-02-30 10:00', 'Asia/Shanghai')).toBeUndefined();
  });

  it('counts business time over the National Day holiday and its make-up day', () => {
    // Friday 2026-09-30 17:00 + 3 business hours: 1 h that day, then 1–7 Oct off, Thursday 8 Oct 09:00 + 2 h.
    const opened = parseLocalDateTime('2026-09-30 17:00', 'Asia/Shanghai')!;
    const due = dueAfter(CN_STANDARD_CALENDAR, opened, { amount: 3, unit: 'businessHours' });
    expect(due.local).toBe('2026-10-08 11:00');
    expect(due.at).toBe(addDuration(CN_STANDARD_CALENDAR, opened, { amount: 3, unit: 'businessHours' }));
    expect(due.zone).toBe('Asia/Shanghai');
  });

  it('says never on a calendar without working time', () => {
    const closed = compileCalendars([
      { key: 'closed', name: { 'zh-CN': '停', en: 'Closed' }, zone: 'UTC', week: {} },
    ]);
    const due = dueAfter(closed.closed!, 0, { amount: 1, unit: 'businessDays' });
    expect(due.at).toBeNull();
    expect(due.local).toBe('');
  });

  it('uses the target the runtime selects, on its calendar', () => {
    const calendars = compileCalendars([]);
    const opened = parseLocalDateTime('2026-10-09 17:00', 'Asia/Shanghai')!;
    const urgent = policyDueTimes(policy, { priority: 'urgent' }, opened, calendars);
    expect(urgent.targetIndex).toBe(0);
    expect(urgent.calendar).toBe('24x7');
    expect(urgent.firstResponse?.local).toBe(
      formatLocalDateTime(opened + 15 * 60_000, ALWAYS_OPEN_CALENDAR.zone),
    );
    const medium = policyDueTimes(policy, { priority: 'medium' }, opened, calendars);
    expect(medium.targetIndex).toBe(2);
    expect(medium.calendar).toBe('cn-standard');
    // Friday 17:00 + 4 business hours: 1 h on Friday, Saturday 10 Oct is a make-up working day → 12:00.
    expect(medium.firstResponse?.local).toBe('2026-10-10 12:00');
    expect(medium.resolution?.at).toBe(
      addDuration(CN_STANDARD_CALENDAR, opened, { amount: 3, unit: 'businessDays' }),
    );
    const low = policyDueTimes(policy, { priority: 'low' }, opened, calendars);
    expect(low.targetIndex).toBe(3);
  });

  it('reports an unknown calendar instead of computing', () => {
    const custom: SlaPolicy = {
      calendar: 'nowhere',
      targets: [{ when: true, resolution: { amount: 1, unit: 'businessDays' } }],
    };
    const result = policyDueTimes(custom, {}, 0, compileCalendars([]));
    expect(result.calendarKnown).toBe(false);
    expect(result.resolution).toBeUndefined();
  });

  it('lets a server calendar override a preset of the same key', () => {
    const extended = { ...CN_STANDARD_CALENDAR_DEFINITION, holidays: [{ date: '2026-10-09' }] };
    const calendars = compileCalendars([extended]);
    const opened = parseLocalDateTime('2026-10-09 09:00', 'Asia/Shanghai')!;
    expect(dueAfter(calendars['cn-standard']!, opened, { amount: 1, unit: 'businessHours' }).local).toBe(
      '2026-10-10 10:00',
    );
  });
});
