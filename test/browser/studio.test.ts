import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, bearer, buildTestApp, login } from '../support/server-app.js';

/**
 * The built studio in Debian's Chromium against the real server and store: sign in as the admin, create a user,
 * build a team around them, issue and revoke an API key, switch the language. Every wait is for a condition on the page, never for time.
 */

const STUDIO_DIST = fileURLToPath(new URL('../../studio/dist', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../../test-results', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

let app: FastifyInstance;
let browser: Browser;
let page: Page;
let baseUrl: string;
/** What the browser printed to its console as errors: a healthy studio prints none. */
const browserErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(path.join(STUDIO_DIST, 'index.html'))) {
    throw new Error(
      `The built studio is missing (${STUDIO_DIST}/index.html). Build it first: npm run build:studio`,
    );
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing. Install it with: bash scripts/ensure-chromium.sh`);
  }
  // Jobs run so that the home page can show a live worker heartbeat.
  app = await buildTestApp('studio_browser', { studioDir: STUDIO_DIST, runJobs: true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  baseUrl = `http://127.0.0.1:${address.port}`;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('console', (message) => {
    if (message.type() === 'error') browserErrors.push(message.text());
  });
  page.on('pageerror', (error) => browserErrors.push(error.message));
  await mkdir(RESULTS_DIR, { recursive: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(RESULTS_DIR, `${name}.png`), fullPage: true });
}

/** Pick an option of an Element Plus select; its list is teleported to <body>, so it is found there. */
async function choose(select: Locator, optionText: string): Promise<void> {
  await select.click();
  const option = page.locator('.el-select-dropdown__item:visible', { hasText: optionText }).first();
  await option.click();
  await option.waitFor({ state: 'hidden' });
}

/** A confirmation toast with this text has appeared. */
async function toast(text: string): Promise<void> {
  await page.locator('.el-message', { hasText: text }).first().waitFor();
}

describe('studio in the browser', () => {
  it('signs in, creates a user, a team with that member and an API key, and switches the language', async () => {
    // Signed out, every page leads to the login page.
    await page.goto(`${baseUrl}/admin/users`);
    await page.waitForURL(/\/login\?redirect=/);
    await page.getByRole('heading', { name: '欢迎使用 Ordo' }).waitFor();
    await shoot('01-login-zh');

    // A wrong password is refused in place, without saying which of the two was wrong.
    await page.locator('input[name=username]').fill('admin');
    await page.locator('input[name=password]').fill('not-the-password');
    await page.locator('[data-test=login-submit]').click();
    await page.locator('.el-form-item__error', { hasText: '用户名或密码错误' }).waitFor();

    await page.locator('input[name=password]').fill(ADMIN_PASSWORD);
    await page.locator('[data-test=login-submit]').click();
    // Back where the user wanted to go.
    await page.waitForURL(`${baseUrl}/admin/users`);
    await page.locator('[data-test=users-table]').getByText('admin', { exact: true }).waitFor();

    // The workbench: who I am and whether the system is healthy.
    await page.locator('.side-menu').getByText('工作台').click();
    await page.waitForURL(`${baseUrl}/`);
    await page.locator('[data-test=greeting]', { hasText: 'Administrator' }).waitFor();
    await page.locator('[data-test=health-database]', { hasText: '正常' }).waitFor();
    await page.locator('[data-test=health-worker]', { hasText: '正常' }).waitFor();
    await shoot('02-home-zh');

    // The admin's menu: the tickets pages, the designer, the knowledge base and the dashboards.
    const menu = page.locator('.side-menu');
    await menu.getByText('工单', { exact: true }).waitFor();
    await menu.getByText('工单队列', { exact: true }).waitFor();
    await menu.getByText('提交工单', { exact: true }).waitFor();
    await menu.getByText('设计器', { exact: true }).waitFor();
    await menu.getByText('知识库', { exact: true }).waitFor();

    // Admin → Users: create a colleague.
    await menu.getByText('用户', { exact: true }).click();
    await page.waitForURL(`${baseUrl}/admin/users`);
    await page.locator('[data-test=user-create]').click();
    const userDialog = page.locator('.el-dialog[data-test=user-dialog]');
    await userDialog.waitFor();
    // The form checks before it sends: an empty save shows what is missing.
    await userDialog.locator('[data-test=user-save]').click();
    await userDialog.locator('.el-form-item__error', { hasText: '请输入用户名' }).waitFor();

    await userDialog.locator('input[name=username]').fill('li.lei');
    await userDialog.locator('input[name=displayName]').fill('李雷');
    await userDialog.locator('input[name=email]').fill('li.lei@example.com');
    await userDialog.locator('input[name=password]').fill('li-lei-password');
    await userDialog.locator('input[name=department]').fill('信息技术部');
    await userDialog.locator('[data-test=role-agent]').click();
    await shoot('03-user-dialog-zh');
    await userDialog.locator('[data-test=user-save]').click();
    await toast('已创建用户 李雷');
    await userDialog.waitFor({ state: 'hidden' });
    await page.locator('[data-test=users-table]').getByText('li.lei', { exact: true }).waitFor();
    await shoot('04-users-zh');

    // Admin → Teams: a team with that member, a skill and a capacity.
    await menu.getByText('团队', { exact: true }).click();
    await page.waitForURL(`${baseUrl}/admin/teams`);
    await page.locator('[data-test=team-create]').click();
    const teamDialog = page.locator('.el-dialog[data-test=team-dialog]');
    await teamDialog.waitFor();
    await teamDialog.locator('input[name=key]').fill('it-service-desk');
    await teamDialog.locator('input[name=nameZh]').fill('IT 服务台');
    await teamDialog.locator('input[name=nameEn]').fill('IT Service Desk');
    await choose(teamDialog.locator('.el-form-item', { hasText: '主管' }).locator('.el-select'), '李雷');
    await teamDialog.locator('[data-test=member-add]').click();
    const memberRow = teamDialog.locator('[data-test=member-row-0]');
    await choose(memberRow.locator('.el-select'), '李雷');
    await memberRow.locator('input[data-test=skill-input]').fill('网络');
    await memberRow.locator('input[data-test=skill-input]').press('Enter');
    await memberRow.getByText('网络', { exact: true }).waitFor();
    await memberRow.locator('.el-input-number input').fill('5');
    await shoot('05-team-dialog-zh');
    await teamDialog.locator('[data-test=team-save]').click();
    await toast('已创建团队 IT 服务台');
    await teamDialog.waitFor({ state: 'hidden' });
    await page.locator('[data-test=teams-table]').getByText('IT 服务台').waitFor();

    // What the browser did is what the server stored.
    const adminToken = await login(app, 'admin', ADMIN_PASSWORD);
    const users = await app.inject({
      method: 'GET',
      url: '/api/users?q=li.lei',
      headers: bearer(adminToken),
    });
    const liLei = users.json<{ items: { id: string; roles: string[]; department?: string }[] }>().items[0];
    expect(liLei).toMatchObject({ roles: ['agent', 'requester'], department: '信息技术部' });
    const team = await app.inject({
      method: 'GET',
      url: '/api/teams/it-service-desk',
      headers: bearer(adminToken),
    });
    expect(team.statusCode).toBe(200);
    expect(team.json()).toMatchObject({
      name: { 'zh-CN': 'IT 服务台', en: 'IT Service Desk' },
      supervisor: liLei?.id,
      members: [{ userId: liLei?.id, skills: { 网络: 3 }, capacity: 5 }],
    });

    // Admin → API keys: the key is shown once, works as X-Api-Key, and stops working once revoked.
    await menu.getByText('API 密钥', { exact: true }).click();
    await page.waitForURL(`${baseUrl}/admin/api-keys`);
    await page.locator('[data-test=api-key-create]').click();
    const keyDialog = page.locator('.el-dialog[data-test=api-key-dialog]');
    await keyDialog.locator('input[name=name]').fill('监控告警接入');
    await keyDialog.locator('[data-test="scope-definitions:read"]').click();
    await keyDialog.locator('[data-test=api-key-save]').click();
    const secretDialog = page.locator('.el-dialog[data-test=api-key-secret-dialog]');
    const secretInput = secretDialog.locator('input[data-test=api-key-secret]');
    await secretInput.waitFor();
    const apiKey = await secretInput.inputValue();
    expect(apiKey.length).toBeGreaterThan(20);
    await secretDialog.locator('[data-test=api-key-copy]').click();
    await page
      .locator('.el-message')
      .filter({ hasText: /已复制到剪贴板|无法自动复制/ })
      .first()
      .waitFor();
    await shoot('06-api-key-created-zh');
    const withKey = () => app.inject({ method: 'GET', url: '/api/teams', headers: { 'x-api-key': apiKey } });
    expect((await withKey()).statusCode).toBe(200);
    await secretDialog.locator('[data-test=api-key-done]').click();
    await secretDialog.waitFor({ state: 'hidden' });
    const keysTable = page.locator('[data-test=api-keys-table]');
    await keysTable.getByText('监控告警接入').waitFor();
    // The secret is gone from the page once its dialog is closed.
    expect(await page.content()).not.toContain(apiKey);
    await keysTable.locator('[data-test^=api-key-revoke-]').first().click();
    await page.locator('.el-message-box').getByRole('button', { name: '吊销' }).click();
    await keysTable.getByText('已吊销').waitFor();
    expect((await withKey()).statusCode).toBe(401);
    await menu.getByText('团队', { exact: true }).click();
    await page.waitForURL(`${baseUrl}/admin/teams`);

    // Switch to English: menu, page and Element Plus texts follow, and the choice survives a reload.
    await page.locator('[data-test=locale-switch]').first().click();
    await page.locator('[data-test=locale-en]:visible').click();
    await page.getByRole('heading', { name: 'Teams' }).waitFor();
    await menu.getByText('API keys', { exact: true }).waitFor();
    await page.locator('[data-test=teams-table]').getByText('IT Service Desk').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Teams' }).waitFor();
    // Evaluated as text: this file is type-checked for Node, without the browser's globals.
    expect(await page.evaluate<string | null>("localStorage.getItem('ordo.locale')")).toBe('en');
    expect(await page.evaluate<string>('document.documentElement.lang')).toBe('en');
    await shoot('07-teams-en');

    // Log out: the session ends and the studio goes back to the login page.
    await page.locator('[data-test=account-menu]').first().click();
    await page.locator('[data-test=logout]:visible').click();
    await page.waitForURL(`${baseUrl}/login`);
    await page.getByRole('heading', { name: 'Welcome to Ordo' }).waitFor();

    expect(browserErrors.filter((text) => !isExpectedRefusal(text))).toEqual([]);
  }, 180_000);
});

/** The deliberate wrong password and the signed-out first visit are answered 401; the browser logs those. */
function isExpectedRefusal(text: string): boolean {
  return /status of 401/.test(text);
}
