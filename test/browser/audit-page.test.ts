import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_COLLECTION, commitId } from '../../server/tickets/event-store.js';
import {
  launchChromium,
  newPage,
  seriousA11yViolations,
  shoot,
  signIn,
  startStudioApp,
} from '../support/browser.js';
import { installPacks } from '../support/packs.js';
import { ADMIN_PASSWORD, bearer, call, createUser, login, type CreatedUser } from '../support/server-app.js';

/**
 * The admin checks the audit trail: one ticket by its number (intact), anchors written on request, then every
 * ticket with progress — after one commit was edited directly in the database, the first break names that ticket
 * and the record. In Debian's Chromium, against the built studio.
 */
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let adminToken: string;
const tickets: { id: string; number: string }[] = [];
const errors: string[] = [];

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('audit_page_browser'));
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  await installPacks(app, adminToken, ['hr']);
  const manager = await createUser(app, adminToken, { username: 'audit.mgr', roles: ['agent'] });
  const requester: CreatedUser = await createUser(app, adminToken, {
    username: 'audit.req',
    roles: ['requester'],
    manager: manager.id,
  });
  for (const title of ['一月年假', '二月事假', '三月病假']) {
    const opened = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: {
        type: 'hr.leave',
        data: { title, leaveType: 'annual', startDate: '2026-12-28', endDate: '2026-12-28', days: 1 },
      },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    tickets.push({ id: String(opened.body.id), number: String(opened.body.number) });
  }
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('audit page', () => {
  it('checks one ticket, anchors, then finds the first break among all tickets', async () => {
    const page = await newPage(browser, errors);
    const admin = { id: '', username: 'admin', password: ADMIN_PASSWORD, token: adminToken };
    await signIn(page, baseUrl, admin, '/audit');
    await page.locator('.side-menu').getByText('审计', { exact: true }).waitFor();

    const [first, second] = tickets;
    await page.locator('input[data-test=audit-number]').fill(first!.number);
    await page.locator('[data-test=audit-verify]').click();
    const result = page.locator('[data-test=audit-one-result]');
    await result.getByText('记录完整').waitFor();
    expect(await result.innerText()).toContain(first!.number);

    await page.locator('[data-test=audit-anchor-now]').click();
    await page.locator('[data-test=audit-anchor-table] .el-table__row').first().waitFor();
    await page.locator('[data-test=audit-chain]', { hasText: '锚点链完整' }).waitFor();
    await shoot(page, 'audit/01-one-and-anchors');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Someone edits a commit of the second ticket behind the application's back.
    await app.db
      .collection(EVENTS_COLLECTION)
      .updateOne({ _id: commitId(second!.id, 1) as never }, { $set: { payload: '{"tampered":true}' } });
    await page.locator('[data-test=audit-all-start]').click();
    const progress = page.locator('[data-test=audit-all-progress]');
    await progress.getByText(`3 张中 1 张有断裂`).waitFor();
    const broken = page.locator('[data-test=audit-first-broken]');
    expect(await broken.innerText()).toContain(`${second!.number} 第 1 条记录`);
    expect(await broken.innerText()).toContain('内容被改动');
    await shoot(page, 'audit/02-all-broken');

    // Verifying the tampered ticket fails, so the browser logs no error for it: the route answers 200.
    expect(errors.filter((text) => !/status of 401/.test(text))).toEqual([]);
  });
});
