import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchChromium,
  newPage,
  seriousA11yViolations,
  shoot,
  signIn,
  startStudioApp,
} from '../support/browser.js';
import { ADMIN_PASSWORD, bearer, call, createUser, login } from '../support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../support/tickets.js';

/**
 * The admin's journey on /admin/channels/records: the records a CRM sent, a trigger written in the editor and
 * tried on them (nothing stored), saved, run by hand, and its tickets showing on the records. In Debian's Chromium,
 * against the built studio.
 */
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let adminToken: string;
const errors: string[] = [];
const DAY = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  // Chromium starts while the app is set up.
  const launching = launchChromium();
  launching.catch(() => undefined);
  ({ app, baseUrl } = await startStudioApp('records_triggers_browser'));
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  const [, agent, designer] = await Promise.all([
    createUser(app, adminToken, { username: 'sales.zhou', roles: ['requester'] }),
    createUser(app, adminToken, { username: 'desk.xu', roles: ['agent'] }),
    createUser(app, adminToken, { username: 'designer.he', roles: ['designer'] }),
  ]);
  const put = async (url: string, payload: Record<string, unknown>, expected: number) => {
    const { status, body } = await call(app, { method: 'PUT', url, headers: bearer(adminToken), payload });
    expect(status, JSON.stringify(body)).toBe(expected);
  };
  // The type's routing names the teams: they exist before it is published.
  await Promise.all([
    createTeam(app, adminToken, { key: 'it-desk', members: [{ userId: agent.id }] }),
    createTeam(app, adminToken, { key: 'it-ops', members: [{ userId: agent.id }] }),
  ]);
  await Promise.all([
    publishType(app, designer.token, itIncidentDefinition()),
    put(
      '/api/record-systems/crm',
      {
        name: { 'zh-CN': '销售 CRM', en: 'Sales CRM' },
        types: [{ key: 'opportunity', name: { 'zh-CN': '商机', en: 'Opportunity' } }],
      },
      200,
    ),
    ...(
      [
        ['OPP-1', '华东区年度框架协议', 45],
        ['OPP-2', '华南区设备续保', 40],
        ['OPP-3', '西北区新客户试用', 3],
      ] as const
    ).map(([id, title, daysIdle]) =>
      put(
        `/api/records/crm/opportunity/${id}`,
        { title, owner: 'sales.zhou', updatedAt: new Date(Date.now() - daysIdle * DAY).toISOString() },
        201,
      ),
    ),
  ]);
  browser = await launching;
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('records and triggers page', () => {
  it('shows records, tries a trigger, saves and runs it, and the records show their tickets', async () => {
    const page = await newPage(browser, errors);
    const admin = { id: '', username: 'admin', password: ADMIN_PASSWORD, token: adminToken };
    await signIn(page, baseUrl, admin, '/admin/channels/records');
    await page.locator('.side-menu').getByText('外部记录与触发器', { exact: true }).waitFor();
    const records = page.locator('[data-test=records-table]');
    await records.getByText('华东区年度框架协议').waitFor();
    expect(await records.locator('.el-table__row').count()).toBe(3);
    expect(await records.innerText()).toContain('销售 CRM · 商机');
    await shoot(page, 'records/01-records');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A trigger for opportunities idle 30 days, tried before it is saved.
    await page.getByRole('tab', { name: '触发器' }).click();
    await page.locator('[data-test=trigger-create]').click();
    const editor = page.locator('.el-dialog[data-test=trigger-editor]');
    await editor.waitFor();
    await editor.locator('[data-test=trigger-name]').fill('闲置 30 天的商机');
    await editor.locator('[data-test=trigger-source-system]').click();
    await page.locator('.el-select-dropdown__item', { hasText: '销售 CRM' }).click();
    await editor.locator('[data-test=trigger-source-type]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '商机' }).click();
    await editor
      .locator('[data-test=trigger-condition]')
      .fill('{">=": [{"var": "daysSince.updatedAt"}, 30]}');
    await editor.locator('[data-test=trigger-ticket-type]').click();
    // By its name: the previous select's list may still be fading out, and its chosen option would match first.
    await page.locator('.el-select-dropdown__item:visible', { hasText: 'IT 故障报修' }).click();
    await editor.getByRole('combobox', { name: '提单人' }).fill('sales');
    await page.locator('.el-select-dropdown__item:visible', { hasText: 'sales.zhou' }).click();
    await editor
      .locator('[data-test=trigger-mapping]')
      .fill(
        '{"title": {"cat": ["跟进闲置商机：", {"var": "record.title"}]}, "service": "other", "impact": "person", "urgency": "low"}',
      );
    await editor.locator('[data-test=trigger-test]').click();
    const preview = editor.locator('[data-test=trigger-preview]');
    await preview.getByText('检查 3 条，符合 2 条').waitFor();
    expect(await preview.getByText('将开单').count()).toBe(2);
    await shoot(page, 'records/02-trigger-tried');
    // Nothing stored by trying.
    const listed = await call(app, { method: 'GET', url: '/api/triggers', headers: bearer(adminToken) });
    expect(listed.body.items).toEqual([]);

    await editor.locator('[data-test=trigger-save]').click();
    const triggers = page.locator('[data-test=triggers-table]');
    await triggers.getByText('闲置 30 天的商机').waitFor();
    await triggers.getByRole('button', { name: '立即运行' }).click();
    const runs = page.locator('[data-test=trigger-runs]');
    await runs.getByText('完成').waitFor({ timeout: 30_000 });
    expect(await runs.innerText()).toContain('新开 2');
    await shoot(page, 'records/03-run');
    await runs
      .getByRole('button', { name: /关闭|Close/ })
      .first()
      .click();

    // Back on the records: the two idle ones list their ticket.
    await page.getByRole('tab', { name: '记录' }).click();
    await records.getByText('华东区年度框架协议').waitFor();
    const rowOf = (title: string) => records.locator('.el-table__row', { hasText: title });
    await rowOf('华东区年度框架协议').locator('a.mono').waitFor();
    expect(await rowOf('华南区设备续保').locator('a.mono').count()).toBe(1);
    expect(await rowOf('西北区新客户试用').locator('a.mono').count()).toBe(0);
    // The sign-in page's first "who am I" answers 401 before signing in.
    expect(errors.filter((text) => !/status of 401/.test(text))).toEqual([]);
  }, 120_000);
});
