import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CN_STANDARD_CALENDAR, addDuration, formatLocalDateTime } from '../../runtime/time/index.js';
import {
  RESULTS_DIR,
  launchChromium,
  newPage,
  seriousA11yViolations,
  shoot,
  signIn,
  startStudioApp,
} from '../support/browser.js';
import { ADMIN_PASSWORD, createUser, login, type CreatedUser } from '../support/server-app.js';

/**
 * The SLA, notifications and settings tabs as an analyst uses them: a type created from blank keeps the default
 * SLA table and the calculator gives the due time the runtime computes; a notification template is added, its
 * preview follows the edits and an unsafe template is refused where it is written; the type is renamed in
 * Settings; a reload finds it all saved. The business calendar page computes on the calendar it shows.
 */

let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let analyst: CreatedUser;
const browserErrors: string[] = [];
const pages: Page[] = [];

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('designer_sla_browser'));
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  analyst = await createUser(app, admin, {
    username: 'qian.li',
    displayName: '钱丽',
    roles: ['designer'],
    locale: 'zh-CN',
  });
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  for (const [index, page] of pages.entries())
    await shoot(page, `designer/sla-last-${index}`).catch(() => undefined);
  await browser?.close();
  await app?.close();
});

async function open(then: string, size: { height?: number } = {}): Promise<Page> {
  const page = await newPage(browser, browserErrors, size);
  pages.push(page);
  page.on('response', (response) => {
    if (response.status() >= 400 && response.status() !== 401)
      browserErrors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  await signIn(page, baseUrl, analyst, then);
  return page;
}

async function expectNoSeriousViolations(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
}

const title = (page: Page) => page.locator('.designer-header h1');
const saveStatus = (page: Page) => page.locator('[data-test=designer-save-status]');

/** Type a wall-clock time into an Element Plus date-time picker and close it. */
async function typeDateTime(page: Page, testId: string, text: string): Promise<void> {
  const input = page.locator(`[data-test=${testId}] input, input[data-test=${testId}]`).first();
  await input.click();
  await input.fill(text);
  await input.press('Enter');
  await page.keyboard.press('Escape');
}

// The machine running the suite may be busy: a whole page flow gets three minutes.
describe('designer SLA, notifications and settings', { timeout: 180_000 }, () => {
  it('keeps the default SLA and computes a due time the runtime agrees with', async () => {
    const page = await open('/designer');
    await page.locator('[data-test=designer-create]').click();
    await page.locator('input[name=nameZh]').fill('打印机报修');
    await page.locator('input[name=nameEn]').fill('Printer repair');
    await page.locator('input[name=key]').fill('it.printer');
    await page.locator('input[name=category]').fill('it');
    await page.locator('[data-test=designer-create-confirm]').click();
    await page.waitForURL(`${baseUrl}/designer/it.printer`);
    await expect.poll(() => title(page).textContent()).toContain('打印机报修');

    await page.getByRole('tab', { name: 'SLA' }).click();
    const tab = page.locator('[data-test=sla-tab]');
    await tab.waitFor();
    // The default table: urgent, high, medium, everything else.
    await expect.poll(() => tab.locator('[data-test=sla-targets] > li').count()).toBe(4);

    // Opened on the eve of the National Day holiday, priority medium: 4 business hours to first response.
    await typeDateTime(page, 'sla-calculator-opened', '2026-09-30 17:00');
    const firstResponse = page.locator('[data-test=sla-calculator-first-response]');
    const openedAt = Date.parse('2026-09-30T09:00:00Z');
    const expected = addDuration(CN_STANDARD_CALENDAR, openedAt, { amount: 4, unit: 'businessHours' });
    await expect.poll(() => firstResponse.getAttribute('data-instant')).toBe(String(expected));
    expect(formatLocalDateTime(expected, 'Asia/Shanghai')).toBe('2026-10-08 12:00');
    await expect.poll(() => firstResponse.textContent()).toContain('2026-10-08 12:00');
    const resolution = page.locator('[data-test=sla-calculator-resolution]');
    const expectedResolution = addDuration(CN_STANDARD_CALENDAR, openedAt, {
      amount: 3,
      unit: 'businessDays',
    });
    await expect.poll(() => resolution.getAttribute('data-instant')).toBe(String(expectedResolution));
    await expect.poll(() => page.locator('[data-test=sla-calculator-target]').textContent()).toContain('3');
    await shoot(page, 'designer/sla');
    await expectNoSeriousViolations(page);
  });

  it('adds a notification template, previews it and shows an unsafe one refused in place', async () => {
    const page = await open('/designer/it.printer');
    await page.getByRole('tab', { name: '通知' }).click();
    await page.locator('[data-test=notifications-tab]').waitFor();
    const keyPicker = page.locator('[data-test=notification-new-key]');
    await keyPicker.click();
    await page.keyboard.type('sla-breach');
    await page.keyboard.press('Enter');
    await page.locator('[data-test=notification-add]').click();
    await page.locator('[data-test=notification-key-sla-breach]').waitFor();

    const subject = page.locator('input[data-test=notification-subject]');
    await subject.fill('超时提醒：{{ticket.number}} {{ticket.title}}');
    const previewSubject = page.locator('[data-test=notification-preview-subject]');
    await expect
      .poll(() => previewSubject.textContent())
      .toMatch(/^超时提醒：PRINTER-\d{4}-00042 示例工单：三楼打印机无法打印$/);

    const body = page.locator('textarea[data-test=notification-body]');
    const original = await body.inputValue();
    await body.fill('<p>{{{ticket.title}}}</p>');
    const problem = page.locator('[data-test=notification-problem]');
    await expect.poll(() => problem.textContent()).toContain('正文');
    await expect.poll(() => problem.textContent()).toContain('{{{value}}}');
    await shoot(page, 'designer/notifications-refused');

    await body.fill(`${original}<p>{{ticket.statusName}}</p>`);
    await expect.poll(() => problem.count()).toBe(0);
    const frame = page.frameLocator('[data-test=notification-preview-body]');
    await expect.poll(() => frame.locator('body').textContent()).toContain('处理中');
    await expect.poll(() => saveStatus(page).getAttribute('data-state'), { timeout: 10_000 }).toBe('saved');
    await shoot(page, 'designer/notifications');
    await expectNoSeriousViolations(page);
  });

  it('renames the type in Settings and finds everything saved after a reload', async () => {
    const page = await open('/designer/it.printer');
    await page.getByRole('tab', { name: '设置' }).click();
    await page.locator('[data-test=settings-tab]').waitFor();
    expect(await page.locator('input[data-test=settings-key]').inputValue()).toBe('it.printer');
    await expect
      .poll(() => page.locator('[data-test=settings-number-example]').textContent())
      .toMatch(/PRINTER-\d{4}-00001/);
    await page.locator('input[data-test=settings-name-zh]').fill('打印机与复印机报修');
    await expect.poll(() => title(page).textContent()).toContain('打印机与复印机报修');
    await expect.poll(() => saveStatus(page).getAttribute('data-state'), { timeout: 10_000 }).toBe('saved');
    await shoot(page, 'designer/settings');
    await expectNoSeriousViolations(page);

    await page.reload();
    await expect.poll(() => title(page).textContent()).toContain('打印机与复印机报修');
    await page.getByRole('tab', { name: '通知' }).click();
    await page.locator('[data-test=notification-key-sla-breach]').waitFor();
    await expect
      .poll(() => page.locator('input[data-test=notification-subject]').inputValue())
      .toBe('超时提醒：{{ticket.number}} {{ticket.title}}');
    await page.getByRole('tab', { name: 'SLA' }).click();
    await expect.poll(() => page.locator('[data-test=sla-targets] > li').count()).toBe(4);
  });

  it('computes on the business calendar page with the calendar shown', async () => {
    // Tall enough to show the whole year view at once.
    const page = await open('/calendars', { height: 2400 });
    await page.locator('[data-test=calendar-item-cn-standard]').click();
    await page.locator('[data-test=calendar-editor]').waitFor();
    // The National Day holiday and its make-up Saturday are on the year view.
    await expect
      .poll(() => page.locator('button[data-date="2026-10-01"]').getAttribute('class'))
      .toContain('is-holiday');
    await expect
      .poll(() => page.locator('button[data-date="2026-10-10"]').getAttribute('class'))
      .toContain('is-extra-working');
    await typeDateTime(page, 'calendar-calculator-opened', '2026-09-30 17:00');
    const due = page.locator('[data-test=calendar-calculator-due]');
    const expected = addDuration(CN_STANDARD_CALENDAR, Date.parse('2026-09-30T09:00:00Z'), {
      amount: 8,
      unit: 'businessHours',
    });
    await expect.poll(() => due.getAttribute('data-instant')).toBe(String(expected));
    await expect.poll(() => due.textContent()).toContain(formatLocalDateTime(expected, 'Asia/Shanghai'));
    await shoot(page, 'designer/calendars');
    await expectNoSeriousViolations(page);

    // Christmas Eve as a company holiday, saved with the revision it was loaded at, still there after a reload.
    await page.locator('button[data-date="2026-12-24"]').click();
    const panel = page.locator('[data-test=calendar-day-panel]');
    await panel.locator('input').fill('公司年会');
    await panel.getByRole('button', { name: '设为节假日' }).click();
    await expect
      .poll(() => page.locator('button[data-date="2026-12-24"]').getAttribute('class'))
      .toContain('is-holiday');
    await page
      .locator('.year-grid')
      .screenshot({ path: path.join(RESULTS_DIR, 'designer/calendars-year.png') });
    await expectNoSeriousViolations(page);
    // Reload only once the save has answered (a reload while it is in flight could cancel it).
    const saved = page.waitForResponse(
      (response) =>
        response.request().method() === 'PUT' && response.url().includes('/api/calendars/cn-standard'),
    );
    await page.locator('[data-test=calendar-save]').click();
    expect((await saved).status()).toBe(200);
    await expect.poll(() => page.locator('[data-test=calendar-save]').isDisabled()).toBe(true);
    await page.reload();
    await page.locator('[data-test=calendar-item-cn-standard]').click();
    await expect
      .poll(() => page.locator('button[data-date="2026-12-24"]').getAttribute('class'))
      .toContain('is-holiday');
    await expect
      .poll(() => page.locator('button[data-date="2026-12-24"]').textContent())
      .toContain('公司年会');
  });

  it('printed no unexpected errors in the browser', () => {
    const unexpected = browserErrors.filter((text) => !/status of 401/.test(text));
    // Each refused request is listed twice: by the console and by its response (method and address).
    expect(unexpected).toEqual([]);
  });
});
