import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchChromium,
  newPage,
  seriousA11yViolations,
  shoot,
  signIn,
  startStudioApp,
} from '../support/browser.js';
import { ADMIN_PASSWORD, createUser, login, type CreatedUser } from '../support/server-app.js';

/**
 * The designer's workspace as analysts use it: a ticket type created from blank in the list, changed, undone and
 * redone, saved by itself; the same draft changed meanwhile by a colleague in another browser is shown as a
 * conflict, never overwritten; a problem clicked opens the tab it is about; a reload finds everything saved.
 */

let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let analyst: CreatedUser;
let colleague: CreatedUser;
const browserErrors: string[] = [];
const pages: Page[] = [];

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('designer_workspace_browser'));
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  analyst = await createUser(app, admin, {
    username: 'zhou.min',
    displayName: '周敏',
    roles: ['designer'],
    locale: 'zh-CN',
  });
  colleague = await createUser(app, admin, {
    username: 'lin.tao',
    displayName: '林涛',
    roles: ['designer'],
    locale: 'zh-CN',
  });
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  for (const [index, page] of pages.entries())
    await shoot(page, `designer/workspace-last-${index}`).catch(() => undefined);
  await browser?.close();
  await app?.close();
});

async function open(user: CreatedUser, then: string): Promise<Page> {
  const page = await newPage(browser, browserErrors);
  pages.push(page);
  await signIn(page, baseUrl, user, then);
  return page;
}

async function expectNoSeriousViolations(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
}

const title = (page: Page) => page.locator('.designer-header h1');
const saveStatus = (page: Page) => page.locator('[data-test=designer-save-status]');

/** Rename the type through the JSON tab, as an analyst pasting an edited definition would. */
async function renameInJson(page: Page, zhName: string): Promise<void> {
  await page.getByRole('tab', { name: 'JSON' }).click();
  const text = page.locator('textarea[data-test=designer-json]');
  const definition = JSON.parse(await text.inputValue()) as { name: Record<string, string> };
  definition.name['zh-CN'] = zhName;
  await text.fill(JSON.stringify(definition, null, 2));
  await page.locator('[data-test=designer-json-apply]').click();
  await expect.poll(() => title(page).textContent()).toContain(zhName);
}

describe('designer workspace', { timeout: 180_000 }, () => {
  it('creates a type from blank, undoes and redoes across tabs, saves by itself and survives a reload', async () => {
    const page = await open(analyst, '/designer');
    await page.locator('[data-test=designer-create]').waitFor();
    await expectNoSeriousViolations(page);
    await shoot(page, 'designer/workspace-list-empty');

    await page.locator('[data-test=designer-create]').click();
    await page.locator('input[name=nameZh]').fill('会议室预约');
    await page.locator('input[name=nameEn]').fill('Meeting room booking');
    await page.locator('input[name=key]').fill('admin.room');
    await page.locator('input[name=category]').fill('admin');
    await page.locator('[data-test=designer-create-confirm]').click();
    await page.waitForURL(`${baseUrl}/designer/admin.room`);
    await expect.poll(() => title(page).textContent()).toContain('会议室预约');
    await expect.poll(() => saveStatus(page).getAttribute('data-state')).toBe('saved');
    await expectNoSeriousViolations(page);

    await renameInJson(page, '会议室预约（总部）');
    await expect.poll(() => saveStatus(page).getAttribute('data-state'), { timeout: 10_000 }).toBe('saved');

    // Undo and redo are the workspace's, whatever tab made the change.
    await page.getByRole('tab', { name: '表单' }).click();
    await page.locator('[data-test=designer-undo]').click();
    await expect.poll(() => title(page).textContent()).not.toContain('（总部）');
    await page.locator('[data-test=designer-redo]').click();
    await expect.poll(() => title(page).textContent()).toContain('（总部）');
    await expect.poll(() => saveStatus(page).getAttribute('data-state'), { timeout: 10_000 }).toBe('saved');

    await page.reload();
    await expect.poll(() => title(page).textContent()).toContain('会议室预约（总部）');
    await shoot(page, 'designer/workspace-saved');
  });

  it('shows the problems the runtime finds and opens the tab a problem is about', async () => {
    const page = await open(analyst, '/designer/admin.room');
    const problems = page.locator('[data-test=designer-problems]');
    // A blank type has no routing rule yet.
    const routing = problems.locator('button[data-path="/routing"]');
    await routing.waitFor();
    await routing.click();
    await expect
      .poll(() => page.getByRole('tab', { name: '路由与优先级' }).getAttribute('aria-selected'))
      .toBe('true');
    await page.locator('[data-test=designer-validate]').click();
    await expect.poll(() => problems.locator('.problems__source').textContent()).toContain('服务器');
    await shoot(page, 'designer/workspace-problems');
    await expectNoSeriousViolations(page);
  });

  it('never overwrites what a colleague saved meanwhile: the conflict is shown and the analyst chooses', async () => {
    const mine = await open(analyst, '/designer/admin.room');
    await expect.poll(() => title(mine).textContent()).toContain('会议室预约');
    const theirs = await open(colleague, '/designer/admin.room');
    await renameInJson(theirs, '会议室预约（林涛改）');
    await expect.poll(() => saveStatus(theirs).getAttribute('data-state'), { timeout: 10_000 }).toBe('saved');

    await renameInJson(mine, '会议室预约（周敏改）');
    const dialog = mine.getByRole('dialog', { name: '草稿已被他人修改' });
    await dialog.waitFor({ timeout: 10_000 });
    await shoot(mine, 'designer/workspace-conflict');
    await expectNoSeriousViolations(mine);
    await dialog.locator('[data-test=conflict-take-theirs]').click();
    await expect.poll(() => title(mine).textContent()).toContain('林涛改');
    // Mine is one undo away, and saving it then is a deliberate act on top of their revision.
    await mine.locator('[data-test=designer-undo]').click();
    await expect.poll(() => title(mine).textContent()).toContain('周敏改');
    await expect.poll(() => saveStatus(mine).getAttribute('data-state'), { timeout: 10_000 }).toBe('saved');
    await theirs.reload();
    await expect.poll(() => title(theirs).textContent()).toContain('周敏改');
  });

  it('printed no unexpected errors in the browser', () => {
    // 401 before sign-in and the refused save of the conflict are expected; nothing else is.
    const unexpected = browserErrors.filter((text) => !/status of (401|409)/.test(text));
    expect(unexpected).toEqual([]);
  });
});
