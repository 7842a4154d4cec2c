import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, seriousA11yViolations, shoot, signIn, startStudioApp } from '../support/browser.js';
import { installPacks } from '../support/packs.js';
import { ADMIN_PASSWORD, bearer, call, createUser, login, type CreatedUser } from '../support/server-app.js';

/**
 * What people read about one ticket, in Debian's Chromium against the built studio, with the IT pack installed:
 * the queue and the ticket page give the same time left (business time of the ticket's calendar, labelled so), due
 * times show in the reader's zone (here Berlin) with the calendar's (Shanghai) beside them, alike on the SLA card
 * and in the history; the IT incident's choices read as words in zh-CN and en, the team by its name, and the
 * history names the assignee — a requester and a colleague, who may list neither people nor teams, never see an
 * id or a key.
 */
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let requester: CreatedUser;
let holder: CreatedUser;
let colleague: CreatedUser;
let ticket: { id: string; number: string; assignee: string };
const errors: string[] = [];
/** Answers of 400 and above the pages received, as `status path`. */
const refusals: string[] = [];
const USER_ID = /\b[0-9a-f]{24}\b/;
const NAMES: Record<string, string> = {};

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('one_clock_browser'));
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  await installPacks(app, admin, ['it-service-desk']);
  requester = await createUser(app, admin, {
    username: 'zhao.min',
    displayName: '赵敏',
    roles: ['requester'],
  });
  const agents = [
    await createUser(app, admin, { username: 'wang.xiao', displayName: '王晓', roles: ['agent'] }),
    await createUser(app, admin, { username: 'li.na', displayName: '李娜', roles: ['agent'] }),
  ];
  NAMES[agents[0]!.id] = '王晓';
  NAMES[agents[1]!.id] = '李娜';
  const staffed = await call(app, {
    method: 'PUT',
    url: '/api/teams/it-desk',
    headers: bearer(admin),
    payload: {
      name: { 'zh-CN': 'IT 服务台', en: 'IT service desk' },
      members: agents.map((agent) => ({ userId: agent.id })),
    },
  });
  expect(staffed.status, JSON.stringify(staffed.body)).toBe(200);
  // A medium incident: its clocks count on the business calendar (4 business hours to a first response).
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: {
      type: 'it.incident',
      data: {
        title: 'Outlook 收不到外部邮件',
        service: 'email',
        impact: 'team',
        urgency: 'medium',
        description: '从昨天下午开始，外部发来的邮件都收不到。',
      },
    },
  });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  ticket = {
    id: String(opened.body.id),
    number: String(opened.body.number),
    assignee: String(opened.body.assignee),
  };
  holder = agents.find((agent) => agent.id === ticket.assignee)!;
  colleague = agents.find((agent) => agent.id !== ticket.assignee)!;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A page of its own, in Berlin, remembering what the browser printed as errors. */
async function berlinPage(locale = 'zh-CN'): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale,
    timezoneId: 'Europe/Berlin',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400) refusals.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
  return page;
}

async function bodyText(page: Page): Promise<string> {
  return page.evaluate<string>('document.body.innerText');
}

/** The time left the ticket page shows for the clock due first, in minutes. */
async function pageMinutes(page: Page): Promise<number> {
  const cards = page.locator('.clock[data-minutes]');
  await cards.first().waitFor();
  // Running clocks only carry minutes (a stopped clock has none).
  const values: number[] = [];
  for (let index = 0; index < (await cards.count()); index += 1)
    values.push(Number(await cards.nth(index).getAttribute('data-minutes')));
  return Math.min(...values);
}

describe('one clock', () => {
  it('the queue and the ticket page show the same business time left, due times in the reader’s zone', async () => {
    const page = await berlinPage();
    await signIn(page, baseUrl, holder, '/tickets');
    const row = page.locator('.el-table__row', { hasText: ticket.number });
    const left = row.locator('[data-test=sla-left]');
    await left.waitFor();
    expect(await left.textContent()).toMatch(/^\s*(剩余|已超时) .*工作时间\s*$/);
    const queueMinutes = Number(await left.getAttribute('data-minutes'));
    await shoot(page, 'one-clock/queue');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.goto(`${baseUrl}/tickets/${ticket.id}`);
    await page.locator('[data-test=ticket-title]').waitFor();
    const detailMinutes = await pageMinutes(page);
    // Read a moment apart: at most the minute that passed between them.
    expect(Math.abs(detailMinutes - queueMinutes)).toBeLessThanOrEqual(1);
    expect(await page.locator('.clock').first().textContent()).toContain('按工作时间计');

    // Due times: Berlin's clock first, Shanghai's beside it — the same words on the card and in the history.
    const due = (await page.locator('[data-test=sla-clock-due]').first().textContent())!.replace(
      /^到期 /,
      '',
    );
    expect(due).toContain('中国标准时间');
    await page.locator('[data-test=timeline]').getByText(due, { exact: false }).first().waitFor();
    await shoot(page, 'one-clock/ticket');
    // An endless animation (a spinner, a moving edge) never comes to rest: hold it still so the check can run —
    // it is no colour in transition.
    // (On the staff page: the flow overlay's pulse on the current step.)
    await page.evaluate<string[]>(`
      document.getAnimations()
        .filter((animation) => animation.effect && animation.effect.getTiming().iterations === Infinity)
        .map((animation) => {
          animation.pause();
          const target = animation.effect.target;
          return (animation.animationName || 'animation') + ' on ' + (target ? target.className.baseVal ?? target.className : '?');
        })
    `);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.context().close();
  });
});

describe('labels, never keys', () => {
  it('the requester reads choices, the team and the assignee by name, in zh-CN and en', async () => {
    const page = await berlinPage();
    await signIn(page, baseUrl, requester, `/tickets/${ticket.id}`);
    const data = page.locator('[data-test=ticket-data]');
    await data.getByText('整个团队').waitFor();
    expect(await page.locator('[data-test=value-service]').textContent()).toContain('邮件');
    expect(await page.locator('[data-test=value-urgency]').textContent()).toContain('中：');
    expect(await page.locator('[data-test=ticket-assignee]').textContent()).toContain(NAMES[ticket.assignee]);
    const text = await bodyText(page);
    expect(text).toContain('IT 服务台');
    expect(text).not.toMatch(USER_ID);
    expect(text).not.toMatch(/\b(it-desk|person|company)\b/);
    // The history names who took the ticket.
    await page.locator('[data-test=timeline]').getByText(NAMES[ticket.assignee]!).first().waitFor();
    await shoot(page, 'one-clock/requester-zh');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.locator('[data-test=locale-switch]').click();
    await page.locator('[data-test=locale-en]').click();
    await data.getByText('My team').waitFor();
    expect(await page.locator('[data-test=value-service]').textContent()).toContain('Email');
    expect(await page.locator('[data-test=value-urgency]').textContent()).toContain('Medium');
    const english = await bodyText(page);
    expect(english).toContain('IT service desk');
    expect(english).not.toMatch(USER_ID);
    await shoot(page, 'one-clock/requester-en');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('a colleague reads who holds the ticket, in the queue and in its history', async () => {
    const page = await berlinPage();
    await signIn(page, baseUrl, colleague, '/tickets');
    const row = page.locator('.el-table__row', { hasText: ticket.number });
    await row.getByText(NAMES[ticket.assignee]!).waitFor();
    expect(await row.textContent()).not.toContain('已分配');
    await page.goto(`${baseUrl}/tickets/${ticket.id}`);
    const timeline = page.locator('[data-test=timeline]');
    // "按轮流分配交给 王晓…": the engine's sentence with the name, never the id.
    await timeline.getByText(`按轮流分配交给 ${NAMES[ticket.assignee]}`, { exact: false }).first().waitFor();
    expect(await bodyText(page)).not.toMatch(USER_ID);
    await shoot(page, 'one-clock/colleague-ticket');

    // The side menu by keyboard: Tab reaches its entries, Enter opens one.
    const focusedText = () =>
      page.evaluate<string>(
        "document.activeElement && document.activeElement.closest('.side-menu') ? document.activeElement.textContent.trim() : ''",
      );
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    let reached = '';
    for (let press = 0; press < 40 && !reached.includes('我的请求'); press += 1) {
      await page.keyboard.press('Tab');
      reached = await focusedText();
    }
    expect(reached).toContain('我的请求');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${baseUrl}/tickets/mine`);
    await page.context().close();
  });

  it('printed no error in the browser', () => {
    // The only refusals: each signed-out first visit asks who is signed in (401), which the browser logs.
    expect(new Set(refusals)).toEqual(new Set(['401 /api/me']));
    expect(errors.filter((text) => !/status of 401/.test(text))).toEqual([]);
  });
});
