import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signLink } from '../../server/public/signed-link.js';
import {
  launchChromium,
  newPage,
  seriousA11yViolations,
  shoot,
  signIn,
  startStudioApp,
} from '../support/browser.js';
import { installPacks, shippedPacks, staffPacks, type PackStaff } from '../support/packs.js';
import { ADMIN_PASSWORD, TEST_SECRET, bearer, call, createUser, login } from '../support/server-app.js';

/**
 * Every field kind of the shipped forms filled in the portal, on a phone (390 px wide), by a requester — not an
 * admin — with the administration pack installed: office supplies (a required table: rows added and removed,
 * each cell's own message) and travel expense (a date range, a table with date, choice and money cells, receipts
 * uploaded with progress, a refused file with the server's verdict). The ticket page then shows the table as a
 * table and the receipts as download links. Also: the signed-link survey speaks the browser's language, else the
 * requester's; a cold load shows a loading indicator. In Debian's Chromium, against the built studio.
 */
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let staff: PackStaff;
let admin: string;
const errors: string[] = [];
const PHONE = { width: 390, height: 844 };
/** Wait for a condition with a deadline a busy machine can meet (vitest's default is one second). */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

/** A small PDF: the server reads a file's kind from its bytes. */
function pdf(text: string): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% ${text}\ntrailer << /Root 1 0 R >>\n%%EOF\n`,
  );
}

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('portal_field_kinds_browser'));
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  const packs = (await shippedPacks()).filter((pack) => pack.manifest.id === 'administration');
  await installPacks(app, admin, ['administration']);
  staff = await staffPacks(app, admin, packs, 'fk');
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/**
 * The errors the browser printed, except the refusals expected: "who am I" before signing in (401) and the file
 * this test has the server refuse (415).
 */
function unexpectedErrors(): string[] {
  return errors.filter((error) => !/status of (401|415)/.test(error));
}

/** No serious or critical axe violation on the page as it is now. */
async function expectNoSeriousViolations(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
}

/** Pick a choice of an Element Plus select (its list is drawn at the end of the page). */
async function choose(page: Page, select: ReturnType<Page['locator']>, option: string): Promise<void> {
  await select.click();
  const item = page.locator('.el-select-dropdown__item:visible', { hasText: option }).first();
  await item.click();
  // The list closed before the next select is opened: a closing list can lie over the next row's select.
  await item.waitFor({ state: 'hidden' });
}

async function fill(page: Page, selector: string, value: string): Promise<void> {
  const input = page.locator(selector);
  await input.fill(value);
  await input.press('Tab');
}

async function noHorizontalScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

describe('Every field kind of the shipped forms, on a phone', () => {
  it('a requester submits office supplies with table rows; the ticket page shows them as a table', async () => {
    const page = await newPage(browser, errors, PHONE);
    await signIn(page, baseUrl, staff.requester, '/tickets/new?type=admin.office-supplies');
    const form = page.locator('[data-test=ticket-form]');
    await form.locator('[data-test=table-items]').waitFor();
    // Never the old dead end.
    expect(await form.textContent()).not.toContain('暂不能在网页上填写');
    // The limits are said before anything is typed.
    await poll(() => form.locator('[data-test=table-items]').textContent()).toContain('需 1–30 行');

    await fill(page, '[data-test=field-title] input', '三楼打印区耗材');
    const table = form.locator('[data-test=table-items]');
    // The blank first row: a name but no quantity; a second row with a quantity but no name.
    await fill(page, '[data-test=cell-0-name] input', 'A4 复印纸');
    await table.locator('[data-test=add-row]').click();
    await table.locator('[data-test=row-1]').waitFor();
    await fill(page, '[data-test=cell-1-quantity] input', '2');
    await table.locator('[data-test=add-row]').click();
    await fill(page, '[data-test=cell-2-name] input', '待删除的一行');
    await page.locator('[data-test=option-urgency-normal]').click();
    await fill(page, '[data-test=field-deliverTo] input', '3 楼前台');

    await page.locator('[data-test=ticket-submit]').click();
    // Each problem on its own cell, worded for the cell.
    await poll(() =>
      table.locator('[data-test=cell-0-quantity] [data-test=cell-error]').textContent(),
    ).toContain('请填写“数量”');
    await poll(() => table.locator('[data-test=cell-1-name] [data-test=cell-error]').textContent()).toContain(
      '请填写“名称规格”',
    );
    expect(await table.locator('[data-test=cell-0-name] [data-test=cell-error]').count()).toBe(0);
    await table.scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await shoot(page, 'portal-field-kinds/office-supplies-cell-errors');
    await noHorizontalScroll(page);

    // Fixed: the quantity, the second row's name and unit; the third row removed.
    await fill(page, '[data-test=cell-0-quantity] input', '5');
    await choose(page, table.locator('[data-test=cell-0-unit] .el-select'), '包');
    await fill(page, '[data-test=cell-1-name] input', '黑色签字笔 0.5mm');
    await choose(page, table.locator('[data-test=cell-1-unit] .el-select'), '盒');
    await table.locator('[data-test=remove-row-2]').click();
    await table.locator('[data-test=row-2]').waitFor({ state: 'detached' });
    expect(await table.locator('[data-test=cell-error]').count()).toBe(0);
    await page.mouse.move(0, 0);
    await shoot(page, 'portal-field-kinds/office-supplies-form');
    await expectNoSeriousViolations(page);

    await page.locator('[data-test=ticket-submit]').click();
    await page.waitForURL(/\/tickets\/(?!new)[^/?]+$/);
    // The warning of the failed attempt does not follow onto the ticket page.
    await page.locator('[data-test=ticket-data]').waitFor();
    await poll(() => page.locator('.el-message--warning').count()).toBe(0);

    const items = page.locator('[data-test=value-items]');
    await items.locator('[data-test=table-row-1]').waitFor();
    expect(await items.locator('[data-test=table-row-0]').textContent()).toContain('A4 复印纸');
    expect(await items.locator('[data-test=table-row-0]').textContent()).toContain('5');
    expect(await items.locator('[data-test=table-row-0]').textContent()).toContain('包');
    expect(await items.locator('[data-test=table-row-1]').textContent()).toContain('黑色签字笔 0.5mm');
    expect(await items.locator('[data-test=table-row-2]').count()).toBe(0);
    await items.scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await shoot(page, 'portal-field-kinds/office-supplies-ticket');
    await expectNoSeriousViolations(page);
    await noHorizontalScroll(page);

    // What was stored is what the rows showed.
    const id = page.url().split('/').pop()!;
    const stored = await call(app, { method: 'GET', url: `/api/tickets/${id}`, headers: bearer(admin) });
    expect((stored.body.data as Record<string, unknown>).items).toEqual([
      { name: 'A4 复印纸', quantity: 5, unit: 'pack' },
      { name: '黑色签字笔 0.5mm', quantity: 2, unit: 'box' },
    ]);
    expect(unexpectedErrors()).toEqual([]);
    await page.context().close();
  }, 240_000);

  it('a requester submits travel expense with receipts uploaded; the ticket page links them', async () => {
    const page = await newPage(browser, errors, PHONE);
    await signIn(page, baseUrl, staff.requester, '/tickets/new?type=admin.travel-expense');
    const form = page.locator('[data-test=ticket-form]');
    const receipts = form.locator('[data-test=files-receipts]');
    await receipts.waitFor();
    // The limits before any upload: how many, how large, which kinds.
    expect(await receipts.textContent()).toMatch(/最多 10 个文件，每个不超过 20 MB/);

    await fill(page, '[data-test=field-title] input', '上海客户拜访差旅报销');
    await page.locator('[data-test=field-tripPurpose] textarea').fill('拜访华东区重点客户');
    await fill(page, '[data-test=field-destination] input', '上海');
    const range = page.locator('[data-test=field-tripDates] .el-range-input');
    await range.nth(0).fill('2026-02-24');
    await range.nth(1).fill('2026-02-26');
    await range.nth(1).press('Enter');
    await page.keyboard.press('Escape');

    const expenses = form.locator('[data-test=table-expenses]');
    const dateOf = (row: number) => page.locator(`[data-test=cell-${row}-date] input`);
    await dateOf(0).fill('2026-02-24');
    await dateOf(0).press('Enter');
    await page.keyboard.press('Escape');
    await choose(page, expenses.locator('[data-test=cell-0-category] .el-select'), '住宿');
    await fill(page, '[data-test=cell-0-amount] input', '1200');
    await fill(page, '[data-test=cell-0-invoiceNo] input', 'INV8891');
    await expenses.locator('[data-test=add-row]').click();
    await dateOf(1).fill('2026-02-24');
    await dateOf(1).press('Enter');
    await page.keyboard.press('Escape');
    await choose(page, expenses.locator('[data-test=cell-1-category] .el-select'), '城际交通');
    await fill(page, '[data-test=cell-1-amount] input', '553');

    // A file the server refuses keeps its place, with the server's sentence.
    await page.locator('[data-test=file-input-receipts]').setInputFiles({
      name: 'setup.exe',
      mimeType: 'application/x-msdownload',
      buffer: Buffer.from('MZ\x90\x00 not a receipt'),
    });
    const refused = receipts.locator('[data-test=file-failed]');
    await refused.waitFor();
    await poll(() => refused.textContent()).toMatch(/不能上传|安全原因/);

    // Two receipts; the first waits on the way, so its progress shows and the form is not sent meanwhile.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/attachments', async (route) => {
      await gate;
      await route.continue();
    });
    await page.locator('[data-test=file-input-receipts]').setInputFiles([
      { name: '高铁票.pdf', mimeType: 'application/pdf', buffer: pdf('train') },
      { name: 'hotel-invoice.pdf', mimeType: 'application/pdf', buffer: pdf('hotel') },
    ]);
    await receipts.locator('[data-test=file-uploading] .el-progress').first().waitFor();
    await page.locator('[data-test=option-paymentMethod-card-offset]').click();
    await page.locator('[data-test=ticket-submit]').click();
    await page.locator('.el-message', { hasText: '附件还在上传' }).waitFor();
    expect(page.url()).toContain('/tickets/new');
    await receipts.scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await shoot(page, 'portal-field-kinds/travel-expense-uploading');
    release();
    await poll(() => receipts.locator('[data-test=file-stored]').count()).toBe(2);
    await page.unroute('**/api/attachments');
    await refused.getByRole('button').click();
    await poll(() => receipts.locator('[data-test=file-failed]').count()).toBe(0);
    expect(await receipts.textContent()).toContain('hotel-invoice.pdf');
    await page.mouse.move(0, 0);
    await shoot(page, 'portal-field-kinds/travel-expense-form');
    await expectNoSeriousViolations(page);
    await noHorizontalScroll(page);

    await page.locator('[data-test=ticket-submit]').click();
    await page.waitForURL(/\/tickets\/(?!new)[^/?]+$/);
    const links = page.locator('[data-test=value-receipts] [data-test=file-link]');
    await poll(() => links.count()).toBe(2);
    await poll(() => links.nth(1).textContent()).toBe('hotel-invoice.pdf');
    expect(await links.nth(0).textContent()).toBe('高铁票.pdf');
    const expenseRows = page.locator('[data-test=value-expenses] tbody tr');
    expect(await expenseRows.count()).toBe(2);
    expect(await expenseRows.nth(0).textContent()).toContain('住宿');
    expect(await expenseRows.nth(0).textContent()).toContain('1,200.00');
    expect(await page.locator('[data-test=value-tripDates]').textContent()).toContain(
      '2026-02-24 ~ 2026-02-26',
    );
    // The link downloads the file, for this requester.
    const href = (await links.nth(1).getAttribute('href'))!;
    const download = await page.request.get(`${baseUrl}${href}`);
    expect(download.status()).toBe(200);
    expect((await download.body()).toString()).toContain('% hotel');
    await page.locator('[data-test=value-expenses]').scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await shoot(page, 'portal-field-kinds/travel-expense-ticket');
    await expectNoSeriousViolations(page);
    await noHorizontalScroll(page);

    const id = page.url().split('/').pop()!;
    const stored = await call(app, { method: 'GET', url: `/api/tickets/${id}`, headers: bearer(admin) });
    const data = stored.body.data as Record<string, unknown>;
    expect(data.tripDates).toEqual({ start: '2026-02-24', end: '2026-02-26' });
    expect(data.expenses).toEqual([
      { date: '2026-02-24', category: 'hotel', amount: 1200, invoiceNo: 'INV8891' },
      { date: '2026-02-24', category: 'transport', amount: 553 },
    ]);
    expect(unexpectedErrors()).toEqual([]);
    await page.context().close();
  }, 240_000);

  it('the survey link speaks the browser’s language, else the requester’s', async () => {
    const englishRequester = await createUser(app, admin, {
      username: 'fk-english',
      roles: ['requester'],
      locale: 'en',
    });
    const opened = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(englishRequester.token),
      payload: {
        type: 'admin.office-supplies',
        data: {
          title: 'Toner',
          items: [{ name: 'Toner', quantity: 1 }],
          urgency: 'normal',
          deliverTo: 'Desk 4',
        },
      },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const token = signLink(TEST_SECRET, {
      ticketId: String(opened.body.id),
      scope: 'survey',
      expiresAt: Date.now() + 3_600_000,
    });
    const heading = (page: Page) => page.locator('[data-test=survey-page] h1');

    // An en-US browser: English, though the product's default is Chinese.
    const english = await newPage(browser, errors, { ...PHONE, locale: 'en-US' });
    await english.goto(`${baseUrl}/public/survey/${token}`);
    await heading(english).waitFor();
    await poll(() => english.evaluate<string>('document.documentElement.lang')).toBe('en');
    expect(await heading(english).textContent()).not.toMatch(/[\u4e00-\u9fff]/);
    await shoot(english, 'portal-field-kinds/survey-en-browser');
    await expectNoSeriousViolations(english);
    await english.context().close();

    // A French browser (none of ours): the requester's language.
    const french = await newPage(browser, errors, { ...PHONE, locale: 'fr-FR' });
    await french.goto(`${baseUrl}/public/survey/${token}`);
    await heading(french).waitFor();
    await poll(() => french.evaluate<string>('document.documentElement.lang')).toBe('en');
    await french.context().close();

    // A Chinese browser: Chinese, whatever the requester's profile says.
    const chinese = await newPage(browser, errors, { ...PHONE, locale: 'zh-CN' });
    await chinese.goto(`${baseUrl}/public/survey/${token}`);
    await heading(chinese).waitFor();
    await poll(() => chinese.evaluate<string>('document.documentElement.lang')).toBe('zh-CN');
    expect(await heading(chinese).textContent()).toMatch(/[\u4e00-\u9fff]/);
    await chinese.context().close();
    expect(unexpectedErrors()).toEqual([]);
  }, 120_000);

  it('a cold load on a slow network shows a loading indicator until the app is there', async () => {
    const page = await newPage(browser, errors, PHONE);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/assets/*.js', async (route) => {
      await gate;
      await route.continue();
    });
    await page.goto(`${baseUrl}/login`, { waitUntil: 'commit' });
    const indicator = page.locator('[data-test=boot-loading]');
    await indicator.waitFor();
    expect(await indicator.getAttribute('role')).toBe('status');
    await shoot(page, 'portal-field-kinds/cold-load');
    release();
    await page.locator('input[name=username]').waitFor();
    expect(await indicator.count()).toBe(0);
    await page.context().close();
    expect(unexpectedErrors()).toEqual([]);
  }, 120_000);
});
