import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/lib/clock.js';
import {
  launchChromium,
  newPage,
  seriousA11yViolations,
  shoot,
  signIn,
  startStudioApp,
} from '../support/browser.js';
import { installPacks } from '../support/packs.js';
import {
  ADMIN_PASSWORD,
  bearer,
  call,
  createUser,
  login,
  waitFor,
  type CreatedUser,
} from '../support/server-app.js';

/**
 * The HR supervisor opens the board: the team's members with their load against capacity (one of them away), the
 * leave request whose SLA breached while nobody took it, and the breach notification in "escalations to me"; they
 * reassign the ticket by picking a member, and the board shows it with them. In Debian's Chromium, against the
 * built studio; the server's clock is moved on by three days before anyone signs in, so the SLA breaches.
 */
const DAY = 24 * 60 * 60 * 1000;
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let supervisor: CreatedUser;
/** The two available members: the ticket goes to one of them on its own, the supervisor gives it to the other. */
let available: { user: CreatedUser; name: string; capacity: number }[];
let target: { user: CreatedUser; name: string; capacity: number };
let ticket: { id: string; number: string };
const clock = new ManualClock(Date.now());
const errors: string[] = [];

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('supervisor_board_browser', { clock }));
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  await installPacks(app, admin, ['hr']);
  supervisor = await createUser(app, admin, { username: 'sun.li', roles: ['agent'], displayName: '孙丽' });
  const wu = await createUser(app, admin, { username: 'wu.min', roles: ['agent'], displayName: '吴敏' });
  const zhou = await createUser(app, admin, { username: 'zhou.jie', roles: ['agent'], displayName: '周杰' });
  available = [
    { user: wu, name: '吴敏', capacity: 5 },
    { user: zhou, name: '周杰', capacity: 4 },
  ];
  const zhao = await createUser(app, admin, { username: 'zhao.lei', roles: ['agent'], displayName: '赵磊' });
  const manager = await createUser(app, admin, { username: 'qian.mgr', roles: ['agent'] });
  const requester = await createUser(app, admin, {
    username: 'li.na',
    roles: ['requester'],
    manager: manager.id,
  });
  const staffed = await call(app, {
    method: 'PUT',
    url: '/api/teams/hr',
    headers: bearer(admin),
    payload: {
      name: { 'zh-CN': '人力资源部', en: 'Human resources' },
      supervisor: supervisor.id,
      members: [
        { userId: wu.id, skills: {}, capacity: 5 },
        { userId: zhou.id, skills: {}, capacity: 4 },
        {
          userId: zhao.id,
          skills: {},
          capacity: 3,
          awayUntil: new Date(clock.now() + 30 * DAY).toISOString(),
        },
      ],
    },
  });
  expect(staffed.status, JSON.stringify(staffed.body)).toBe(200);
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: {
      type: 'hr.leave',
      data: {
        title: '年底年假',
        leaveType: 'annual',
        startDate: '2026-12-28',
        endDate: '2026-12-29',
        days: 2,
      },
    },
  });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  ticket = { id: String(opened.body.id), number: String(opened.body.number) };
  const assignee = opened.body.assignee as string | null;
  target = available.find((member) => member.user.id !== assignee)!;

  // Three days on, nobody has answered: the SLA breaches and the supervisor is notified.
  clock.advance(3 * DAY);
  while ((await app.ticketJobs.fireDueTimers(clock.now())) > 0);
  const token = await login(app, supervisor.username, supervisor.password);
  await waitFor(
    async () => {
      const board = await call(app, { method: 'GET', url: '/api/tickets/board', headers: bearer(token) });
      const escalations = board.body.escalations as { template: string }[] | undefined;
      return escalations?.some((item) => item.template === 'sla-breach');
    },
    { what: 'the breach notification of the supervisor' },
  );
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('supervisor board', () => {
  it('a supervisor reassigns a breached ticket from the board by picking the member', async () => {
    const page = await newPage(browser, errors);
    await signIn(page, baseUrl, supervisor, '/supervisor');
    await page.locator('.side-menu').getByText('主管看板', { exact: true }).waitFor();

    const team = page.locator('[data-test=board-team-hr]');
    const row = team.locator(`[data-test=board-list-breached] [data-test="board-ticket-${ticket.number}"]`);
    await row.waitFor();
    const targetLoad = team.locator(`[data-test="board-load-${target.user.username}"]`);
    expect(await targetLoad.innerText()).toBe(`0 / ${target.capacity}`);
    expect(await team.locator('[data-test=board-member-zhao\\.lei]').innerText()).toContain('不在岗');
    await page
      .locator(`[data-test=board-escalations] [data-test="board-escalation-${ticket.number}"]`)
      .first()
      .waitFor();
    await shoot(page, 'supervisor-board/01-breached');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Pick the member: the away colleague is marked as away in the list.
    await row.locator(`[data-test="board-reassign-${ticket.number}"]`).click();
    const options = page.locator('.el-select-dropdown__item:visible');
    await options.filter({ hasText: '赵磊 · 不在岗' }).waitFor();
    await options.filter({ hasText: target.name }).click();
    await page
      .locator(`[data-test=board-list-breached] [data-test="board-assignee-${ticket.number}"]`, {
        hasText: target.name,
      })
      .waitFor();
    await expect.poll(() => targetLoad.innerText()).toBe(`1 / ${target.capacity}`);
    await shoot(page, 'supervisor-board/02-reassigned');

    const after = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}`,
      headers: bearer(await login(app, 'admin', ADMIN_PASSWORD)),
    });
    expect(after.body.assignee).toBe(target.user.id);
    // "Who am I" before signing in answers 401, which the browser logs; nothing else may be an error.
    expect(errors.filter((text) => !/status of 401/.test(text))).toEqual([]);
  });
});
