import type { FastifyInstance } from 'fastify';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchChromium,
  newPage,
  seriousA11yViolations,
  shoot,
  signIn,
  startStudioApp,
} from '../support/browser.js';
import { ADMIN_PASSWORD, bearer, call, createUser, login, type CreatedUser } from '../support/server-app.js';

/**
 * A fresh admin's first hour: "Submit a ticket" has nothing to submit and points the admin at the template
 * gallery; there the admin previews the HR pack (its leave form and flow, read-only), installs it by clicking and
 * sees what was created; then a requester submits a leave request from "Submit a ticket". Removing the pack is
 * then refused on its card, with the reason. In Debian's Chromium, against the built studio.
 */
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let adminToken: string;
let requester: CreatedUser;
const errors: string[] = [];

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('template_gallery_browser'));
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, adminToken, { username: 'wang.fang', roles: ['requester'] });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Pick an option of an Element Plus select; its list is teleported to <body>, so it is found there. */
async function choose(page: Page, select: Locator, optionText: RegExp): Promise<void> {
  await select.click();
  const option = page.locator('.el-select-dropdown__item:visible').filter({ hasText: optionText }).first();
  await option.click();
  await option.waitFor({ state: 'hidden' });
}

async function typeDate(field: Locator, value: string): Promise<void> {
  const input = field.locator('input');
  await input.click();
  await input.fill(value);
  await input.press('Enter');
  await expect.poll(() => input.inputValue()).toBe(value);
}

describe('template gallery', () => {
  it('a fresh admin installs the HR pack from the gallery, then a requester submits a leave request', async () => {
    const admin = await newPage(browser, errors);
    const adminUser = { id: '', username: 'admin', password: ADMIN_PASSWORD, token: adminToken };
    await signIn(admin, baseUrl, adminUser, '/tickets/new');

    // Nothing to submit yet: the admin is told where to go.
    const empty = admin.locator('[data-test=no-types]');
    await empty.getByText('模板库', { exact: false }).first().waitFor();
    await admin.locator('[data-test=no-types-gallery]').click();
    await admin.waitForURL(`${baseUrl}/admin/templates`);
    // The gallery is in the admin's menu too.
    await admin.locator('.side-menu').getByText('模板库', { exact: true }).waitFor();

    const hrCard = admin.locator('[data-test=pack-hr]');
    await hrCard.waitFor();
    await admin
      .locator('[data-test=scenario-hr]')
      .getByRole('heading', { name: '人力资源', level: 2 })
      .waitFor();
    await admin.locator('[data-test=scenario-manufacturing]').waitFor();
    await expect.poll(() => hrCard.locator('[data-test=pack-status-hr]').innerText()).toBe('未安装');
    const cardText = await hrCard.innerText();
    expect(cardText).toContain('请假申请');
    expect(cardText).toMatch(/SLA 目标 \d+ 项/);
    await shoot(admin, 'gallery/01-gallery');
    expect(await seriousA11yViolations(admin)).toEqual([]);

    // Preview: the leave form as requesters will get it, and its flow, both read-only.
    await hrCard.locator('[data-test=pack-preview-hr]').click();
    const drawer = admin.locator('[data-test=pack-preview]');
    const form = drawer.locator('[data-test="preview-form-hr.leave"]');
    await form.locator('[data-test=field-leaveType]').waitFor();
    expect(await form.locator('input[name=title]').isDisabled()).toBe(true);
    await shoot(admin, 'gallery/02-preview-form');
    await drawer.locator('[data-test=preview-view]').getByText('流程', { exact: true }).click();
    const flow = drawer.locator('[data-test="preview-flow-hr.leave"]');
    await flow.locator('.vue-flow__node').first().waitFor();
    expect(await flow.locator('.vue-flow__node').count()).toBeGreaterThan(3);
    await shoot(admin, 'gallery/03-preview-flow');
    await admin.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });

    // Install by clicking: progress on the card, then what was created, in place.
    await hrCard.locator('[data-test=pack-install-hr]').click();
    const result = hrCard.locator('[data-test=pack-result-hr]');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.innerText()).toContain('新建了团队');
    await expect
      .poll(() => hrCard.locator('[data-test=pack-status-hr]').innerText())
      .toMatch(/^已安装 \d+\.\d+\.\d+$/);
    await shoot(admin, 'gallery/04-installed');
    expect(await seriousA11yViolations(admin)).toEqual([]);

    // ---- The requester submits a leave request -----------------------------------------------------------------
    const page = await newPage(browser, errors);
    await signIn(page, baseUrl, requester, '/tickets/new');
    await page.locator('[data-test="type-hr.leave"]').click();
    const leave = page.locator('[data-test=ticket-form]');
    await leave.locator('input[name=title]').fill('5 月初年假');
    await choose(page, leave.locator('[data-test=field-leaveType] .el-select'), /年假/);
    await typeDate(leave.locator('[data-test=field-startDate]'), '2026-05-06');
    await typeDate(leave.locator('[data-test=field-endDate]'), '2026-05-07');
    await leave.locator('[data-test=field-days] input').fill('2');
    await leave.locator('[data-test=field-days] input').blur();
    await page.locator('[data-test=ticket-submit]').click();
    await page.waitForURL(/\/tickets\/t[0-9a-z]+$/);
    const id = page.url().split('/').pop()!;
    await shoot(page, 'gallery/05-leave-submitted');
    const ticket = await call(app, {
      method: 'GET',
      url: `/api/tickets/${id}`,
      headers: bearer(requester.token),
    });
    expect(ticket.body).toMatchObject({ type: 'hr.leave', data: { leaveType: 'annual', days: 2 } });

    // Now the pack is in use: removing it is refused on its card, saying why.
    await admin.reload();
    const inUse = admin.locator('[data-test=pack-in-use-hr]');
    await inUse.waitFor();
    expect(await inUse.innerText()).toContain('请假申请 1');
    expect(await admin.locator('[data-test=pack-remove-hr]').isDisabled()).toBe(true);

    // "Who am I" before each sign-in answers 401, which the browser logs; nothing else may be an error.
    expect(errors.filter((text) => !/status of 401/.test(text))).toEqual([]);
  });
});
