import type { FastifyInstance } from 'fastify';
import nodemailer from 'nodemailer';
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
 * The admin's journey on /admin/channels/mail: a mailbox created in the dialog (a default the ticket type's form
 * refuses is shown under the defaults, then corrected), a pasted sample mail tried (what it would create; nothing
 * stored), a real auto-reply sent over SMTP to the app's listener and listed as not turned into a ticket, then
 * replayed into one. In Debian's Chromium, against the built studio.
 */
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let adminToken: string;
const errors: string[] = [];
const MAILBOX = 'help@ordo.test';

beforeAll(async () => {
  // The mail channel reads its listener from the environment when the app is built: an ephemeral port.
  process.env.ORDO_SMTP_LISTEN = '127.0.0.1:0';
  try {
    ({ app, baseUrl } = await startStudioApp('mail_channel_browser'));
  } finally {
    delete process.env.ORDO_SMTP_LISTEN;
  }
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  const agent = await createUser(app, adminToken, { username: 'desk.mail', roles: ['agent'] });
  for (const key of ['it-desk', 'it-ops', 'service-desk'])
    await createTeam(app, adminToken, { key, members: [{ userId: agent.id }] });
  const designer = await createUser(app, adminToken, { username: 'designer.mail', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const sample = [
  'From: Wang Fang <wang.fang@customer.test>',
  `To: ${MAILBOX}`,
  'Subject: 三楼打印机一直卡纸',
  'Message-ID: <sample-1@customer.test>',
  'Content-Type: text/plain; charset=utf-8',
  '',
  '三楼打印机从早上开始一直卡纸，换纸也不行。',
].join('\n');

async function stored(): Promise<{ messages: number; tickets: number; senders: number }> {
  return {
    messages: await app.mailChannel.intake.messages.countDocuments({}),
    tickets: await app.tickets.tickets.countDocuments({}),
    senders: await app.models.User.countDocuments({ email: 'wang.fang@customer.test' }),
  };
}

describe('mail channel page', () => {
  it('creates a mailbox, tries a pasted mail (nothing stored), lists a real auto-reply and replays it', async () => {
    const page = await newPage(browser, errors);
    const admin = { id: '', username: 'admin', password: ADMIN_PASSWORD, token: adminToken };
    await signIn(page, baseUrl, admin, '/admin/channels/mail');
    await page.locator('[data-test=mail-status]').getByText('正在 127.0.0.1:').waitFor();

    // The mailbox: address, ticket type, team, which fields subject and body fill, fixed values.
    await page.locator('[data-test=mailbox-create]').click();
    const dialog = page.locator('[data-test=mailbox-dialog]');
    await dialog.locator('input[data-test=mailbox-address]').fill(MAILBOX);
    await dialog.locator('input[data-test=mailbox-name]').fill('IT 服务台');
    await dialog.locator('[data-test=mailbox-type]').click();
    await page.locator('.el-select-dropdown__item:visible').first().click();
    await dialog.locator('.el-form-item', { hasText: '处理团队' }).locator('.el-select').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: 'service-desk' }).click();
    await dialog.locator('.el-form-item', { hasText: '正文填入' }).locator('.el-select').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: /^description$/ }).click();
    const defaults = dialog.locator('textarea[data-test=mailbox-defaults]');
    await defaults.fill(JSON.stringify({ service: 'printer', impact: '全公司', urgency: 'low' }));
    await dialog.locator('[data-test=mailbox-save]').click();
    // The type's form refuses the value: said under the defaults, naming the field; nothing saved.
    const refused = dialog.locator('[data-test=mailbox-defaults-item] .el-form-item__error');
    await refused.getByText('默认值 impact').waitFor();
    expect(await refused.innerText()).toContain('只能从给定选项中选择');
    await shoot(page, 'mail/01-default-refused');
    expect(await app.mailChannel.intake.mailboxes.countDocuments({})).toBe(0);
    await defaults.fill(JSON.stringify({ service: 'printer', impact: 'team', urgency: 'low' }));
    await dialog.locator('[data-test=mailbox-save]').click();
    await dialog.waitFor({ state: 'hidden' });
    const table = page.locator('[data-test=mailboxes-table]');
    await table.getByText(MAILBOX).waitFor();
    expect(await table.innerText()).toContain('service-desk');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shoot(page, 'mail/02-mailboxes');

    // Try a pasted mail: what it would create, with nothing stored.
    const before = await stored();
    await page.getByRole('tab', { name: '试一试' }).click();
    await page.locator('textarea[data-test=mail-test-raw]').fill(sample);
    await page.locator('[data-test=mail-test-run]').click();
    const result = page.locator('[data-test=mail-test-result]');
    await result.getByText('将新建工单').waitFor();
    const shown = await result.innerText();
    expect(shown).toContain('三楼打印机一直卡纸');
    expect(shown).toContain('wang.fang@customer.test');
    expect(shown).toContain('新登记');
    expect(shown).toContain('impact: team');
    expect(await stored()).toEqual(before);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shoot(page, 'mail/03-tried');

    // A real mail over SMTP: an auto-reply, set aside with its reason.
    const smtp = app.mailChannel.smtpAddress()!;
    const transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: false,
      ignoreTLS: true,
    });
    const sent = (await transport.sendMail({
      from: 'Wang Fang <wang.fang@customer.test>',
      to: MAILBOX,
      subject: '自动回复：打印机又卡纸了',
      text: '我正在休假，但三楼打印机又卡纸了，请帮忙处理。',
      headers: { 'Auto-Submitted': 'auto-replied' },
    })) as { response: string };
    transport.close();
    expect(sent.response).toMatch(/^250/);
    await page.getByRole('tab', { name: '收件记录' }).click();
    const list = page.locator('[data-test=mail-messages]');
    const row = list.locator('.el-table__row', { hasText: '自动回复：打印机又卡纸了' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/未建单\s*· 自动回复/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shoot(page, 'mail/04-set-aside');

    // Replayed as the customer's mail: a ticket now, listed with its number.
    await row.locator('[data-test=mail-replay]').click();
    await page.locator('.el-message-box__btns .el-button--primary').click();
    await page.locator('.el-message', { hasText: '已重新处理：已建单' }).waitFor();
    await row.waitFor({ state: 'detached' });
    const tickets = await call(app, { method: 'GET', url: '/api/tickets', headers: bearer(adminToken) });
    const items = tickets.body.items as { id: string; number: string; title: string }[];
    expect(items.map((item) => item.title)).toEqual(['自动回复：打印机又卡纸了']);
    await page.locator('[data-test=mail-outcome]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '全部' }).click();
    await list.getByRole('link', { name: items[0]!.number }).waitFor();
    await shoot(page, 'mail/05-replayed');
    // The sign-in page's first look at /api/me (401) and the refused save (400), nothing else.
    expect(errors.filter((text) => !/status of (400|401)/.test(text))).toEqual([]);
  }, 120_000);
});
