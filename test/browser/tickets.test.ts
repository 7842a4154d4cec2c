import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signLink } from '../../server/public/signed-link.js';
import {
  ADMIN_PASSWORD,
  TEST_SECRET,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from '../support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../support/tickets.js';

/**
 * A ticket's whole life in the built studio, in Debian's Chromium against the real server and store: a requester
 * fills the IT incident form (the host name appears only for servers), the agent finds it in the queue, replies,
 * notes something internally and fixes it, the requester sees it resolved and gets the bell's notification, then
 * confirms and rates through the signed links of the emails — without signing in. Every wait is for a condition.
 */

const MINUTE = 60_000;
/** The server's clock: real time plus an offset the test sets, so tickets can be made to have been opened earlier. */
const clock = {
  offset: 0,
  now(): number {
    return Date.now() + this.offset;
  },
};

const STUDIO_DIST =
  process.env.ORDO_TEST_STUDIO_DIST ?? fileURLToPath(new URL('../../studio/dist', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../../test-results', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

let app: FastifyInstance;
let browser: Browser;
let baseUrl: string;
let requester: CreatedUser;
let agent: CreatedUser;
const contexts: BrowserContext[] = [];
/** Set when the server failed to serve the studio for a signed-link page and the test stood in for it. */
/** What the browsers printed as errors: refusals the test provokes are expected, anything else is not. */
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
  app = await buildTestApp('tickets_browser', { studioDir: STUDIO_DIST, clock });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  baseUrl = `http://127.0.0.1:${address.port}`;

  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, {
    username: 'wang.fang',
    displayName: '王芳',
    roles: ['requester'],
    locale: 'zh-CN',
  });
  agent = await createUser(app, admin, {
    username: 'li.lei',
    displayName: '李雷',
    roles: ['agent'],
    locale: 'zh-CN',
  });
  // Server faults go to it-ops by skill; everything else to the service desk.
  await createTeam(app, admin, {
    key: 'it-ops',
    supervisor: agent.id,
    members: [{ userId: agent.id, skills: { server: 4 } }],
  });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  await publishType(app, admin, itIncidentDefinition());
  await olderUrgentTickets();

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
  await mkdir(RESULTS_DIR, { recursive: true });
}, 600_000);

afterAll(async () => {
  const unexpected = browserErrors.filter((text) => !isExpectedRefusal(text));
  if (unexpected.length > 0) console.warn('Errors in the browser console:', unexpected);
  // Whatever the pages showed when the test stopped: the first thing to look at when it failed.
  for (const [index, context] of contexts.entries())
    for (const page of context.pages())
      await page
        .screenshot({ path: path.join(RESULTS_DIR, `tickets-last-${index}.png`) })
        .catch(() => undefined);
  await browser?.close();
  await app?.close();
});

/**
 * Two urgent printer outages (15 min to first response, 2 h to resolution) opened 100 minutes ago: one answered
 * at once, so only its resolution is near (warning), the other never answered (breached). The SLA timers fire as
 * the worker would fire them, and the queue has rows to highlight.
 */
async function olderUrgentTickets(): Promise<void> {
  clock.offset = -100 * MINUTE;
  const ids: string[] = [];
  for (const title of ['打印服务全部中断', '三楼打印机无法打印']) {
    const opened = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: {
        type: 'it.incident',
        data: { title, service: 'printer', impact: 'company', urgency: 'high' },
      },
    });
    if (opened.status !== 201) throw new Error(`opening "${title}": ${JSON.stringify(opened.body)}`);
    ids.push(String(opened.body.id));
  }
  const answered = await call(app, {
    method: 'POST',
    url: `/api/tickets/${ids[0]}/commands`,
    headers: bearer(agent.token),
    payload: { command: 'comment', body: '已派人到现场。', visibility: 'public', version: 1 },
  });
  if (answered.status !== 200) throw new Error(`answering: ${JSON.stringify(answered.body)}`);
  clock.offset = 0;
  await app.ticketJobs.fireDueTimers(clock.now());
}

/** A browser of its own (own cookies), as a second person at another desk. */
async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('console', (message) => {
    if (message.type() === 'error') browserErrors.push(message.text());
  });
  page.on('pageerror', (error) => browserErrors.push(error.message));
  return page;
}

async function signIn(page: Page, user: CreatedUser, then: string): Promise<void> {
  await page.goto(`${baseUrl}/login?redirect=${encodeURIComponent(then)}`);
  await page.locator('input[name=username]').fill(user.username);
  await page.locator('input[name=password]').fill(user.password);
  await page.locator('[data-test=login-submit]').click();
  await page.waitForURL(`${baseUrl}${then}`);
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({
    path: path.join(RESULTS_DIR, `${name}.png`),
    fullPage: true,
    animations: 'disabled',
  });
}

/** Pick an option of an Element Plus select; its list is teleported to <body>, so it is found there. */
async function choose(page: Page, select: Locator, optionText: string): Promise<void> {
  await select.click();
  const option = page
    .locator('.el-select-dropdown__item:visible')
    .filter({ hasText: new RegExp(`^\\s*${optionText}\\s*$`) })
    .first();
  await option.click();
  await option.waitFor({ state: 'hidden' });
}

async function toast(page: Page, text: string): Promise<void> {
  await page.locator('.el-message', { hasText: text }).first().waitFor();
}

/** The newest in-app notification of this template for the requester, and the signed link it carries. */
async function linkFromNotification(template: string): Promise<string> {
  const list = await call(app, {
    method: 'GET',
    url: '/api/notifications?limit=50',
    headers: bearer(requester.token),
  });
  const items = list.body.items as { template: string; link: string | null }[];
  const link = items.find((item) => item.template === template && item.link)?.link;
  if (!link) throw new Error(`no ${template} notification with a link: ${JSON.stringify(items)}`);
  // The link names the configured public address; the page is the same on this test server.
  return new URL(link).pathname;
}

describe('tickets in the browser', () => {
  it('opens a ticket through the form, works it from the queue, and confirms and rates it by signed links', async () => {
    // ---- The requester fills the IT incident form -------------------------------------------------------------
    const requesterPage = await newPage();
    await signIn(requesterPage, requester, '/tickets/new');
    const menu = requesterPage.locator('.side-menu');
    await menu.getByText('我的请求', { exact: true }).waitFor();
    // A requester has no queue.
    expect(await menu.getByText('工单队列', { exact: true }).count()).toBe(0);
    await requesterPage.locator('[data-test="type-it.incident"]').click();
    const form = requesterPage.locator('[data-test=ticket-form]');
    await form.getByRole('heading', { name: 'IT 故障报修' }).waitFor();

    await form.locator('input[name=title]').fill('数据库服务器无法连接');
    const hostname = form.locator('[data-test=field-hostname]');
    await choose(requesterPage, form.locator('[data-test=field-service] .el-select'), '邮件');
    expect(await hostname.count()).toBe(0);
    // The rule of the definition, evaluated in the browser as the user chooses: servers need a host name.
    await choose(requesterPage, form.locator('[data-test=field-service] .el-select'), '服务器');
    await hostname.waitFor();
    expect(await hostname.getAttribute('class')).toContain('is-required');
    await form.locator('[data-test=option-impact-team]').click();
    await form.locator('[data-test=option-urgency-high]').click();
    await form.locator('textarea').first().fill('从 9 点起应用连不上 db-01，报错 connection refused。');

    // Submitting without the host name is refused on the field, before anything is sent.
    await requesterPage.locator('[data-test=ticket-submit]').click();
    await hostname.locator('.el-form-item__error', { hasText: '主机名' }).waitFor();
    await shoot(requesterPage, 'tickets-01-new-ticket-form-zh');
    await hostname.locator('input').fill('db-01');
    await hostname.locator('.el-form-item__error').waitFor({ state: 'detached' });
    await requesterPage.locator('[data-test=ticket-submit]').click();

    await requesterPage.waitForURL(/\/tickets\/t[0-9a-z]+$/);
    await toast(requesterPage, '已提交工单');
    const ticketId = requesterPage.url().split('/').pop()!;
    const number = (await requesterPage.locator('[data-test=ticket-number]').innerText()).trim();
    expect(number).toMatch(/^INC-\d{4}-\d{6}$/);
    await requesterPage
      .locator('[data-test=ticket-header] [data-test=status-new]', { hasText: '已提交' })
      .waitFor();
    await requesterPage.locator('[data-test=value-hostname]', { hasText: 'db-01' }).waitFor();
    await shoot(requesterPage, 'tickets-02-requester-ticket-zh');
    await menu.getByText('我的请求', { exact: true }).click();
    await requesterPage.locator(`[data-test=mine-${number}]`, { hasText: '数据库服务器无法连接' }).waitFor();
    await shoot(requesterPage, 'tickets-02b-my-requests-zh');

    // ---- The agent works it from the queue ---------------------------------------------------------------------
    const agentPage = await newPage();
    // This agent's network drops event streams (as some proxies do): the page works without live updates, and a
    // reply to a ticket changed meanwhile is refused as stale (live updates: test/browser/live-pages.test.ts).
    await agentPage.route(/\/api\/live(\?|$)/, (route) =>
      route.fulfill({ status: 200, contentType: 'text/event-stream', body: '' }),
    );
    await signIn(agentPage, agent, '/tickets');
    const queue = agentPage.locator('[data-test=queue-table]');
    const row = queue.locator('.el-table__row', { hasText: number });
    await row.waitFor();
    await row.getByText('数据库服务器无法连接').waitFor();
    await row.getByText('高', { exact: true }).waitFor();
    await row.getByText(/^剩余 /).waitFor();
    // Nearest SLA due first; the outage nobody answered is red, the one close to its resolution target amber.
    const rows = queue.locator('.el-table__row');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.nth(0).getAttribute('class')).toContain('is-breached');
    await rows.nth(0).getByText('三楼打印机无法打印').waitFor();
    await rows
      .nth(0)
      .getByText(/^已超时 /)
      .waitFor();
    expect(await rows.nth(1).getAttribute('class')).toContain('is-warning');
    await rows.nth(1).getByText('打印服务全部中断').waitFor();
    expect(await rows.nth(2).getAttribute('class')).not.toMatch(/is-(warning|breached)/);
    await shoot(agentPage, 'tickets-03-queue-zh');
    // Filters narrow the list: nobody's tickets are unassigned here.
    await agentPage.locator('[data-test=filter-assignee]').getByText('未分配').click();
    await queue.getByText('没有符合条件的工单').waitFor();
    await agentPage.locator('[data-test=filter-assignee]').getByText('全部').click();
    await row.waitFor();
    await row.getByText('数据库服务器无法连接').click();
    await agentPage.waitForURL(`${baseUrl}/tickets/${ticketId}`);
    await agentPage.locator('[data-test=ticket-assignee]', { hasText: '李雷' }).waitFor();

    // "Why?" shows the engine's reasons in the reader's language.
    await agentPage.locator('[data-test=ticket-header] [data-test=why]').nth(1).click();
    const why = agentPage.locator('[data-test=why-body]:visible', { hasText: '分派规则' });
    await why.waitFor();
    // People are named, not shown by their ids.
    await why.getByText('李雷').waitFor();
    await shoot(agentPage, 'tickets-03b-agent-ticket-why-zh');
    await agentPage.locator('[data-test=ticket-title]').click();
    await why.waitFor({ state: 'hidden' });

    // Someone else changes the ticket while the agent reads it: the agent's reply is refused as stale, the page
    // reloads and says so, and the text is still there to send again.
    const meanwhile = await call(app, {
      method: 'POST',
      url: `/api/tickets/${ticketId}/commands`,
      headers: bearer(requester.token),
      payload: { command: 'comment', body: '补充：其他同事也连不上。', visibility: 'public', version: 1 },
    });
    expect(meanwhile.status, JSON.stringify(meanwhile.body)).toBe(200);
    const composer = agentPage.locator('[data-test=composer]');
    await composer.locator('textarea').fill('已收到，正在检查 db-01。');
    await composer.locator('[data-test=composer-send]').click();
    await toast(agentPage, '工单刚被其他人更新过');
    await agentPage.locator('[data-test=timeline-comment]', { hasText: '其他同事也连不上' }).waitFor();
    expect(await composer.locator('textarea').inputValue()).toBe('已收到，正在检查 db-01。');
    await composer.locator('[data-test=composer-send]').click();
    await agentPage.locator('[data-test=timeline-comment]', { hasText: '正在检查 db-01' }).waitFor();

    // An internal note: marked as such, and never shown to the requester.
    await composer.locator('[data-test=visibility-internal]').click();
    await composer.locator('textarea').fill('重启了 db-01 的监听进程。');
    await composer.locator('[data-test=composer-send]').click();
    await agentPage.locator('[data-test=timeline-internal]', { hasText: '重启了 db-01' }).waitFor();

    // Complete the triage step with the outcome "fixed".
    await agentPage.locator('[data-test=task-triage] [data-test=outcome-fixed]').click();
    const completeDialog = agentPage.locator('.el-dialog[data-test=dialog-complete]');
    await completeDialog.getByText('处理结果：已修复').waitFor();
    await completeDialog.locator('[data-test=dialog-confirm]').click();
    await agentPage
      .locator('[data-test=ticket-header] [data-test=status-resolved]', { hasText: '待确认' })
      .waitFor();
    await agentPage
      .locator('[data-test=timeline-activity]', { hasText: '完成步骤“分诊处理”，结果：已修复' })
      .waitFor();
    await shoot(agentPage, 'tickets-04-agent-resolved-zh');

    // ---- The requester sees it resolved, with the bell telling them ----------------------------------------------
    await requesterPage.goto(`${baseUrl}/tickets/${ticketId}`);
    await requesterPage
      .locator('[data-test=ticket-header] [data-test=status-resolved]', { hasText: '待确认' })
      .waitFor();
    await requesterPage.locator('[data-test=timeline-comment]', { hasText: '正在检查 db-01' }).waitFor();
    expect(await requesterPage.getByText('重启了 db-01').count()).toBe(0);
    await requesterPage.locator('[data-test=cmd-confirm]').waitFor();
    await requesterPage.locator('[data-test=notification-count] .el-badge__content').waitFor();
    await requesterPage.locator('[data-test=notification-bell]').click();
    await requesterPage.locator('[data-test=notification-confirm-requested]', { hasText: number }).waitFor();
    await shoot(requesterPage, 'tickets-05-requester-resolved-bell-zh');
    await requesterPage.locator('[data-test=notification-read-all]').click();
    await requesterPage
      .locator('[data-test=notification-count] .el-badge__content')
      .waitFor({ state: 'hidden' });

    // ---- The confirmation link, opened without signing in -------------------------------------------------------
    const confirmPath = await linkFromNotification('confirm-requested');
    expect(confirmPath).toMatch(/^\/public\/confirm\/1\.c\./);
    const publicPage = await newPage();

    // A mangled link and an expired one say so plainly.
    await publicPage.goto(`${baseUrl}${confirmPath.slice(0, -3)}abc`);
    await publicPage.locator('[data-test=link-invalid]', { hasText: '链接无效' }).waitFor();
    const resolvedAt = (
      await call(app, { method: 'GET', url: `/api/tickets/${ticketId}`, headers: bearer(agent.token) })
    ).body.flags as { resolvedAt: number };
    const expired = signLink(TEST_SECRET, {
      ticketId,
      scope: 'confirm',
      expiresAt: Date.now() - 60_000,
      round: resolvedAt.resolvedAt,
    });
    await publicPage.goto(`${baseUrl}/public/confirm/${expired}`);
    await publicPage.locator('[data-test=link-expired]', { hasText: '链接已过期' }).waitFor();

    await publicPage.goto(`${baseUrl}${confirmPath}`);
    const confirmCard = publicPage.locator('[data-test=confirm-page]');
    await confirmCard.locator('[data-test=public-ticket]', { hasText: number }).waitFor();
    await confirmCard.getByText('数据库服务器无法连接').waitFor();
    await confirmCard.getByText('待确认').waitFor();
    // No app shell on the public pages.
    expect(await publicPage.locator('.side-menu').count()).toBe(0);
    await shoot(publicPage, 'tickets-06-public-confirm-zh');
    await confirmCard.locator('[data-test=confirm-comment]').fill('现在可以正常连接了，谢谢！');
    await confirmCard.locator('[data-test=confirm-yes]').click();
    await publicPage.locator('[data-test=confirm-confirmed]', { hasText: '感谢确认' }).waitFor();
    await shoot(publicPage, 'tickets-07-public-confirmed-zh');
    // The link works once.
    await publicPage.reload();
    await publicPage.locator('[data-test=link-used]', { hasText: '链接已使用' }).waitFor();

    // ---- The survey link: three faces and a comment, one answer -------------------------------------------------
    const surveyPath = await linkFromNotification('survey');
    await publicPage.goto(`${baseUrl}${surveyPath}`);
    const surveyCard = publicPage.locator('[data-test=survey-page]');
    await surveyCard.locator('[data-test=public-ticket]', { hasText: number }).waitFor();
    // Choosing nothing is caught on the page.
    await surveyCard.locator('[data-test=survey-submit]').click();
    await surveyCard.getByText('请先选择一个评价').waitFor();
    await surveyCard.locator('[data-test=rating-satisfied]').click();
    await surveyCard.locator('[data-test=survey-comment]').fill('响应很快，处理专业。');
    await shoot(publicPage, 'tickets-08-public-survey-zh');
    await surveyCard.locator('[data-test=survey-submit]').click();
    await publicPage.locator('[data-test=survey-thanks]', { hasText: '感谢你的评价' }).waitFor();
    // Coming back shows the answer already given, in the language the reader picks.
    await publicPage.reload();
    await publicPage.locator('[data-test=survey-already]', { hasText: '满意' }).waitFor();
    await publicPage.locator('[data-test=locale-switch]').first().click();
    await publicPage.locator('[data-test=locale-en]:visible').click();
    await publicPage.locator('[data-test=survey-already]', { hasText: 'Already rated' }).waitFor();
    await shoot(publicPage, 'tickets-09-public-survey-already-en');

    // What the pages did is what the server stored.
    const final = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticketId}`,
      headers: bearer(agent.token),
    });
    expect(final.body).toMatchObject({
      status: { category: 'closed' },
      priority: 'high',
      team: 'it-ops',
      data: { service: 'server', hostname: 'db-01', impact: 'team', urgency: 'high' },
      flags: { rating: { value: 'satisfied', comment: '响应很快，处理专业。' } },
    });

    // The requester's ticket page tells the end of the story.
    await requesterPage.reload();
    await requesterPage
      .locator('[data-test=ticket-header] [data-test=status-closed]', { hasText: '已关闭' })
      .waitFor();
    await requesterPage.locator('[data-test=ticket-rating]', { hasText: '满意' }).waitFor();
    const closingRemark = requesterPage.locator('[data-test=timeline-comment]', {
      hasText: '现在可以正常连接了',
    });
    await closingRemark.waitFor();
    await shoot(requesterPage, 'tickets-10-requester-closed-zh');
    await requesterPage.locator('[data-test=timeline]').scrollIntoViewIfNeeded();
    await shoot(requesterPage, 'tickets-11-requester-history-zh');

    expect(browserErrors.filter((text) => !isExpectedRefusal(text))).toEqual([]);
  }, 120_000);
});

/**
 * Answers the test provokes, which the browser logs as errors: "who am I" before signing in (401), the stale
 * command (409), and the mangled, expired and spent links (404, 410).
 */
function isExpectedRefusal(text: string): boolean {
  return /status of (401|404|409|410)/.test(text);
}
