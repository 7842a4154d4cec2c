import { describe, expect, it } from 'vitest';
import { PRESET_CALENDARS, type BusinessCalendar } from '../../runtime/time/index.js';
import { listItemJson, listItemOf, listPageJson } from './ticket-list-page.js';
import { NO_DUE, type TicketDoc } from './ticket.projection.js';
import { collectMentions, listedMentions } from './ticket-names.js';
import { clockFace, timeLeft, timeLeftJson } from './ticket.sla.js';

const calendars: Record<string, BusinessCalendar> = Object.fromEntries(PRESET_CALENDARS);
const [workdays, alwaysOpen] = [...PRESET_CALENDARS.keys()];
// A Monday afternoon in Beijing.
const now = Date.parse('2026-03-02T07:30:00Z');

function doc(overrides: Partial<TicketDoc> = {}): TicketDoc {
  return {
    _id: 'T1',
    number: 'IT-000001',
    typeKey: 'it.incident',
    typeVersion: 1,
    title: '打印机 "卡纸" \\ 又坏了\u2028',
    statusCategory: 'open',
    statusKey: 'in-progress',
    priority: 'high',
    team: 'it-desk',
    assignee: null,
    requesterId: 'u1',
    channel: 'web',
    slaDueAt: new Date(now + 3_600_000),
    highlight: undefined,
    createdAt: new Date(now - 60_000),
    updatedAt: new Date(now),
    version: 3,
    firstResponseDueAt: NO_DUE,
    resolutionDueAt: new Date(now + 3_600_000),
    ...overrides,
  } as unknown as TicketDoc;
}

describe('the list written natively', () => {
  it('writes each time left as JSON.stringify writes the clock view', () => {
    for (const calendar of [workdays!, alwaysOpen!, 'no-such-calendar'])
      for (const clock of [
        { dueAt: now + 5 * 3_600_000, paused: false },
        { dueAt: now - 26 * 3_600_000, paused: false },
        { dueAt: now + 3_600_000, paused: true, pausedLeft: 42 },
      ]) {
        const face = clockFace(calendar, now, calendars);
        const expected = JSON.stringify(timeLeft({ calendar, ...clock }, now, calendars));
        expect(timeLeftJson(face, clock)).toBe(expected);
        // The face's JSON, once written, serves the next clock too.
        expect(timeLeftJson(face, clock)).toBe(expected);
      }
  });

  it('writes each item as JSON.stringify writes it, and again once the ticket changed', () => {
    const left = timeLeft({ calendar: workdays!, dueAt: now + 60_000, paused: false }, now, calendars);
    for (const listed of [doc(), doc({ highlight: 'breached', assignee: 'u2', slaDueAt: NO_DUE })]) {
      expect(listItemJson(listed, JSON.stringify(left))).toBe(JSON.stringify(listItemOf(listed, left)));
      expect(listItemJson(listed, 'null')).toBe(JSON.stringify(listItemOf(listed, null)));
    }
    // A changed entry (a new version of the same object) is written again.
    const changing = doc();
    expect((JSON.parse(listItemJson(changing, 'null')) as { title: string }).title).toBe(changing.title);
    Object.assign(changing, { version: 4, title: 'renamed' });
    expect(JSON.parse(listItemJson(changing, 'null'))).toMatchObject({ title: 'renamed', version: 4 });
  });

  it('writes the page as JSON.stringify writes it', () => {
    const items = [doc(), doc({ _id: 'T2' })];
    const names = { users: { u1: '张三' }, teams: { 'it-desk': { 'zh-CN': '桌面支持' } } };
    expect(
      listPageJson(
        items.map((item) => listItemJson(item, 'null')),
        'abc',
        names,
      ),
    ).toBe(JSON.stringify({ items: items.map((item) => listItemOf(item, null)), nextCursor: 'abc', names }));
    expect(listPageJson([], null, names)).toBe(JSON.stringify({ items: [], nextCursor: null, names }));
  });

  it('names the teams and assignees of the page as the walk over their fields does', () => {
    const listed = [
      { team: 'it-desk', assignee: '65f1c2a0b1c2d3e4f5a6b7c8' },
      { team: null, assignee: null },
      { team: '', assignee: 'not-an-id' },
      { team: 'x'.repeat(101), assignee: '65f1c2a0b1c2d3e4f5a6b7c9' },
      { team: 'it-desk', assignee: '65f1c2a0b1c2d3e4f5a6b7c8' },
    ];
    expect(listedMentions(listed)).toEqual(collectMentions(listed));
    expect(listedMentions(listed).users.size).toBe(2);
  });
});
