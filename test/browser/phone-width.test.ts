import type { FastifyInstance } from 'fastify';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, seriousA11yViolations, shoot, startStudioApp } from '../support/browser.js';
import { signLink } from '../../server/public/signed-link.js';
import {
  ADMIN_PASSWORD,
  TEST_SECRET,
  bearer,
  createUser,
  login,
  type CreatedUser,
} from '../support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../support/tickets.js';

/**
 * The studio on a phone (390 × 844, touch): the side menu is a drawer opened from the header's menu button — by
 * keyboard (focus moves in, Escape closes it, focus comes back) and by tap; a requester submits an IT incident
 * from the portal, finds it in "my requests" as a card and opens its page; an agent sees the queue as cards with
 * status and time left in view, opens the ticket and its "Why?". No page scrolls sideways, axe finds nothing
 * serious (the login page included), the requester confirms the fix from the e-mail link on a 375 px phone, and
 * the browser prints no error but the 401 of "who am I" before signing in.
 */
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let requester: CreatedUser;
let agent: CreatedUser;
const errors: string[] = [];
const PHONE = { width: 390, height: 844 };
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('phone_width_browser'));
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, {
    username: 'zhou.min',
    displayName: '周敏',
    roles: ['requester'],
    locale: 'zh-CN',
  });
  agent = await createUser(app, admin, {
    username: 'sun.hao',
    displayName: '孙浩',
    roles: ['agent'],
    locale: 'zh-CN',
  });
  await createTeam(app, admin, {
    key: 'it-ops',
    supervisor: agent.id,
    members: [{ userId: agent.id, skills: { server: 4 } }],
  });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  await publishType(app, admin, itIncidentDefinition());
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A phone: its width, touch and the mobile viewport; errors the page prints are kept. */
async function phonePage(width = PHONE.width): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width, height: PHONE.height },
    hasTouch: true,
    isMobile: true,
    locale: 'zh-CN',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return page;
}

async function signIn(page: Page, user: CreatedUser, then: string): Promise<void> {
  await page.goto(`${baseUrl}/login?redirect=${encodeURIComponent(then)}`);
  await page.locator('input[name=username]').fill(user.username);
  await page.locator('input[name=password]').fill(user.password);
  await page.locator('[data-test=login-submit]').tap();
  await page.waitForURL(`${baseUrl}${then}`);
}

/** Nothing wider than the screen: the page never scrolls sideways. */
async function fitsTheWidth(page: Page): Promise<void> {
  const widths = await page.evaluate<{ scroll: number; inner: number }>(
    '({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })',
  );
  expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
}

/** The element is on screen from left to right (not cut off by the screen's edge). */
async function inView(element: Locator): Promise<void> {
  await element.waitFor();
  const box = await element.boundingBox();
  expect(box).not.toBeNull();
  const width = await element.page().evaluate<number>('window.innerWidth');
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(width);
}

async function checkPage(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await fitsTheWidth(page);
  await shoot(page, `phone-width/${name}`);
  expect(await seriousA11yViolations(page)).toEqual([]);
}

/** The element that has the keyboard focus, by its data-test name or its drawer. */
function focused(page: Page): Promise<string> {
  return page.evaluate<string>(
    `(() => {
      const element = document.activeElement;
      if (!element) return '';
      if (element.closest('[data-test=menu-drawer]')) return 'drawer:' + (element.textContent || '').trim();
      return element.getAttribute('data-test') || element.tagName;
    })()`,
  );
}

function unexpectedErrors(): string[] {
  return errors.filter((error) => !/status of 401/.test(error));
}

let number = '';
let ticketId = '';
const TITLE = '手机上无法收取公司邮件';

describe('The studio at phone width', () => {
  it('a requester opens the menu drawer by keyboard and by tap, submits a ticket and finds it as a card', async () => {
    const page = await phonePage();
    // The login page first: it fits the phone and axe finds nothing serious on it.
    await page.goto(`${baseUrl}/login`);
    await page.locator('[data-test=login-submit]').waitFor();
    await checkPage(page, '00-login');
    await signIn(page, requester, '/');
    const button = page.locator('[data-test=menu-button]');
    const drawer = page.locator('[data-test=menu-drawer]');
    // No rail squeezing the page: the menu waits behind the button.
    expect(await page.locator('.shell__aside').count()).toBe(0);
    expect(await button.getAttribute('aria-label')).toBe('打开菜单');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    // The header keeps one line.
    const header = await page.locator('.shell__header').boundingBox();
    expect(header!.height).toBeLessThanOrEqual(57);
    await checkPage(page, '01-workbench');

    // Keyboard: Enter on the button opens the drawer with focus inside; Escape closes it and focus comes back.
    await button.focus();
    await page.keyboard.press('Enter');
    await drawer.waitFor();
    // Focus lands on the entry of the page on screen (the workbench).
    await poll(() => focused(page)).toBe('drawer:工作台');
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    // Tab walks the menu's entries, each named.
    await page.keyboard.press('Tab');
    await poll(() => focused(page)).toBe('drawer:工单');
    await checkPage(page, '02-menu-drawer');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
    await poll(() => focused(page)).toBe('menu-button');

    // Tap: the drawer opens, an entry goes to its page and the drawer closes.
    await button.tap();
    await drawer.waitFor();
    await drawer.getByText('提交工单', { exact: true }).tap();
    await page.waitForURL(`${baseUrl}/tickets/new`);
    await drawer.waitFor({ state: 'hidden' });
    await page.locator('[data-test="type-it.incident"]').waitFor();
    await checkPage(page, '03-portal-types');

    await page.locator('[data-test="type-it.incident"]').tap();
    const form = page.locator('[data-test=ticket-form]');
    await form.getByRole('heading', { name: 'IT 故障报修' }).waitFor();
    await form.locator('input[name=title]').fill(TITLE);
    await form.locator('[data-test=field-service] .el-select').tap();
    const option = page.locator('.el-select-dropdown__item:visible', { hasText: /^\s*邮件\s*$/ }).first();
    await option.tap();
    await option.waitFor({ state: 'hidden' });
    await form.locator('[data-test=option-impact-person]').tap();
    await form.locator('[data-test=option-urgency-medium]').tap();
    await checkPage(page, '04-portal-form');
    await page.locator('[data-test=ticket-submit]').tap();

    await page.waitForURL(/\/tickets\/t[0-9a-z]+$/);
    number = (await page.locator('[data-test=ticket-number]').innerText()).trim();
    expect(number).toMatch(/^INC-\d{4}-\d{6}$/);
    await page.locator('[data-test=ticket-title]', { hasText: TITLE }).waitFor();
    await page.locator('.el-message').first().waitFor({ state: 'hidden' });
    for (const clock of await page.locator('[data-test=ticket-header] .clock').all()) await inView(clock);
    await checkPage(page, '05-ticket');

    // My requests: the ticket as a card, title, number, status in view.
    await button.tap();
    await drawer.getByText('我的请求', { exact: true }).tap();
    await page.waitForURL(`${baseUrl}/tickets/mine`);
    const card = page.locator(`[data-test=mine-${number}]`);
    await card.getByText(TITLE).waitFor();
    await inView(card.getByText(TITLE));
    await inView(card.getByText(number));
    await inView(card.locator('[data-test=status-new]'));
    await checkPage(page, '06-my-requests');

    await card.tap();
    await page.waitForURL(/\/tickets\/t[0-9a-z]+$/);
    await page.locator('[data-test=ticket-title]', { hasText: TITLE }).waitFor();
    await fitsTheWidth(page);
    ticketId = page.url().split('/').pop()!;
    expect(unexpectedErrors()).toEqual([]);
    await page.context().close();
  }, 240_000);

  it('the survey of an e-mail link fits the narrowest phone (360 px)', async () => {
    const page = await phonePage(360);
    const token = signLink(TEST_SECRET, { ticketId, scope: 'survey', expiresAt: Date.now() + 3_600_000 });
    await page.goto(`${baseUrl}/public/survey/${token}`);
    await page.locator('[data-test=survey-page] h1').waitFor();
    await checkPage(page, '06b-survey-360');
    expect(unexpectedErrors()).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('an agent sees the queue as cards with status and time left, and the ticket with its reasons', async () => {
    const page = await phonePage();
    await signIn(page, agent, '/tickets');
    const card = page.locator(`[data-test=queue-card-${number}]`);
    await card.getByText(TITLE).waitFor();
    expect(await page.locator('[data-test=queue-table]').count()).toBe(0);
    await inView(card.getByText(TITLE));
    await inView(card.getByText(number));
    await inView(card.locator('[data-test^=status-]'));
    await inView(card.locator('[data-test=sla-left]'));
    expect(await card.locator('[data-test=sla-left]').innerText()).toMatch(/^剩余 /);
    await checkPage(page, '07-queue');

    await card.tap();
    await page.waitForURL(/\/tickets\/t[0-9a-z]+$/);
    await page.locator('[data-test=ticket-title]', { hasText: TITLE }).waitFor();
    await page.locator('[data-test=ticket-header] .clock').first().waitFor();
    for (const clock of await page.locator('[data-test=ticket-header] .clock').all()) await inView(clock);
    await checkPage(page, '08-agent-ticket');

    // "Why?" opens by keyboard and its explanation stays on the screen.
    const why = page.locator('[data-test=ticket-header] [data-test=why]').first();
    await why.focus();
    await page.keyboard.press('Enter');
    const body = page.locator('[data-test=why-body]:visible').first();
    await body.waitFor();
    await poll(async () => {
      const box = await body.locator('xpath=ancestor::*[contains(@class, "el-popover")][1]').boundingBox();
      return box !== null && box.x >= 0 && box.x + box.width <= PHONE.width;
    }).toBe(true);
    // Every sentence filled in: no placeholder left unsaid (the matrix's row and column names).
    expect(await body.textContent()).not.toMatch(/\{\w+\}/);
    // The matrix's row and column by the form's option labels, not their keys (person, medium).
    expect(await body.textContent()).toContain('影响范围为 仅我一人');
    await shoot(page, 'phone-width/09-why');
    await page.keyboard.press('Escape');

    // My steps: the agent's own list is cards too.
    await page.goto(`${baseUrl}/tickets/steps`);
    await page.locator('[data-test^=work-][data-test$=-list]').first().waitFor();
    await checkPage(page, '10-my-steps');
    expect(unexpectedErrors()).toEqual([]);
    await page.context().close();
  }, 240_000);

  it('the requester confirms the fix from the e-mail link on a 375 px phone', async () => {
    // The agent fixes the ticket; the requester is asked to confirm, with a signed link.
    const current = await app.inject({
      method: 'GET',
      url: `/api/tickets/${ticketId}`,
      headers: bearer(agent.token),
    });
    const fixed = await app.inject({
      method: 'POST',
      url: `/api/tickets/${ticketId}/commands`,
      headers: bearer(agent.token),
      payload: {
        command: 'complete-step',
        nodeId: 'triage',
        outcome: 'fixed',
        version: current.json<{ version: number }>().version,
      },
    });
    expect(fixed.statusCode, fixed.body).toBe(200);
    const notifications = await app.inject({
      method: 'GET',
      url: '/api/notifications?limit=100',
      headers: bearer(requester.token),
    });
    const request = notifications
      .json<{ items: { template: string; ticketNumber: string; link: string | null }[] }>()
      .items.find((item) => item.template === 'confirm-requested' && item.ticketNumber === number);
    expect(request?.link).toMatch(/\/public\/confirm\//);

    const page = await phonePage(375);
    await page.goto(`${baseUrl}${new URL(request!.link!).pathname}`);
    const confirmPage = page.locator('[data-test=confirm-page]');
    await confirmPage.waitFor();
    await confirmPage.getByText(number).waitFor();
    await inView(page.locator('[data-test=confirm-yes]'));
    await inView(page.locator('[data-test=confirm-reopen]'));
    await checkPage(page, '12-confirm-375');

    await page.locator('[data-test=confirm-comment]').fill('已经可以收邮件了，谢谢');
    await page.locator('[data-test=confirm-yes]').tap();
    await page.locator('[data-test=confirm-confirmed]').waitFor();
    await checkPage(page, '13-confirmed-375');
    expect(unexpectedErrors()).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('on a small laptop the rail starts collapsed, icon-only entries keep their names, the menu button toggles it', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'zh-CN' });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${baseUrl}/login?redirect=${encodeURIComponent('/tickets')}`);
    await page.locator('input[name=username]').fill(agent.username);
    await page.locator('input[name=password]').fill(agent.password);
    await page.locator('[data-test=login-submit]').click();
    await page.waitForURL(`${baseUrl}/tickets`);
    await page.locator('.side-menu.el-menu--collapse').waitFor();
    await page.locator('[data-test=queue-table]').waitFor();
    expect(await page.locator('[data-test=menu-drawer]').count()).toBe(0);
    const button = page.locator('[data-test=menu-button]');
    expect(await button.getAttribute('aria-label')).toBe('展开菜单');
    await checkPage(page, '11-laptop-collapsed-rail');
    await button.focus();
    await page.keyboard.press('Enter');
    await page.locator('.side-menu:not(.el-menu--collapse)').waitFor();
    expect(await button.getAttribute('aria-label')).toBe('收起菜单');
    expect(unexpectedErrors()).toEqual([]);
    await context.close();
  }, 120_000);
});
