import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newPage, shoot, signIn, startStudioApp } from '../support/browser.js';
import { ADMIN_PASSWORD, bearer, call, createUser, login, type CreatedUser } from '../support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../support/tickets.js';

/**
 * Live pages in the built studio, as two agents at two desks and a requester would meet them: the second agent's
 * open ticket page shows the first agent's comment without a reload, both see who else has the ticket open, the
 * queue shows a new ticket without a reload, and the requester's bell count rises when someone answers. Every
 * wait is for a condition; the pages are never reloaded (a marker set in each page would be lost).
 */

let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let adminToken: string;
let liLei: CreatedUser;
let hanMeimei: CreatedUser;
let wangFang: CreatedUser;
const errors: string[] = [];
/** Every answer of 400 or more the pages received, as `status path`. */
const refusals: string[] = [];

/** A page of a browser context of its own, whose refused requests are recorded. */
async function openPage(): Promise<Page> {
  const page = await newPage(browser, errors);
  page.on('response', (response) => {
    if (response.status() >= 400) refusals.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
  return page;
}

async function openTicket(title: string): Promise<{ id: string; number: string }> {
  const { status, body } = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(wangFang.token),
    payload: {
      type: 'it.incident',
      data: { title, service: 'printer', impact: 'person', urgency: 'medium' },
    },
  });
  if (status !== 201) throw new Error(`opening "${title}": ${JSON.stringify(body)}`);
  return { id: String(body.id), number: String(body.number) };
}

/** Mark the page; `stillSamePage` is false once it was reloaded or navigated away by the browser. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate('globalThis.__livePageMark = true');
}
async function stillSamePage(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('globalThis.__livePageMark === true');
}

async function badgeCount(page: Page): Promise<number> {
  const badge = page.locator('[data-test=notification-count] .el-badge__content');
  if (!(await badge.isVisible())) return 0;
  return Number((await badge.textContent())?.trim() ?? '0') || 0;
}

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('live_pages_browser'));
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  liLei = await createUser(app, adminToken, {
    username: 'li.lei',
    displayName: '李雷',
    roles: ['agent'],
    locale: 'zh-CN',
  });
  hanMeimei = await createUser(app, adminToken, {
    username: 'han.meimei',
    displayName: '韩梅梅',
    roles: ['agent'],
    locale: 'zh-CN',
  });
  wangFang = await createUser(app, adminToken, {
    username: 'wang.fang',
    displayName: '王芳',
    roles: ['requester'],
    locale: 'zh-CN',
  });
  const members = [{ userId: liLei.id }, { userId: hanMeimei.id }];
  await createTeam(app, adminToken, { key: 'it-ops', members });
  await createTeam(app, adminToken, { key: 'it-desk', members });
  await publishType(app, adminToken, itIncidentDefinition());
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('live pages', () => {
  it('update the ticket page, the queue and the bell without a reload, and show who else has a ticket open', async () => {
    const ticket = await openTicket('三楼打印机卡纸');

    // Both agents open the ticket; each sees the other in the presence bar.
    const first = await openPage();
    const second = await openPage();
    await signIn(first, baseUrl, liLei, `/tickets/${ticket.id}`);
    await signIn(second, baseUrl, hanMeimei, `/tickets/${ticket.id}`);
    await first.locator('[data-test=ticket-title]', { hasText: '三楼打印机卡纸' }).waitFor();
    await second.locator('[data-test=ticket-title]', { hasText: '三楼打印机卡纸' }).waitFor();
    await second.locator('[data-test=presence-names]', { hasText: '李雷' }).waitFor();
    await first.locator('[data-test=presence-names]', { hasText: '韩梅梅' }).waitFor();
    await shoot(second, 'live/01-presence-zh');
    await markPage(second);

    // The first agent comments from their page; the second agent's open page shows it without a reload.
    await first.locator('[data-test=composer] textarea').fill('已联系行政更换硒鼓，预计下午修好。');
    await first.locator('[data-test=composer-send]').click();
    await first.locator('[data-test=timeline]', { hasText: '已联系行政更换硒鼓' }).waitFor();
    await second
      .locator('[data-test=timeline]', { hasText: '已联系行政更换硒鼓' })
      .waitFor({ timeout: 10_000 });
    expect(await stillSamePage(second)).toBe(true);
    await shoot(second, 'live/02-comment-arrives-zh');

    // The first agent goes to the queue: the second no longer sees them on the ticket.
    await first.locator('.side-menu').getByText('工单队列', { exact: true }).click();
    await first.waitForURL(`${baseUrl}/tickets`);
    await second.locator('[data-test=presence-names]').waitFor({ state: 'detached' });

    // The queue shows a new ticket without a reload.
    const queue = first.locator('[data-test=queue-table]');
    await queue.locator('.el-table__row', { hasText: ticket.number }).waitFor();
    await markPage(first);
    const fresh = await openTicket('会议室投影仪无信号');
    await queue.locator('.el-table__row', { hasText: fresh.number }).waitFor({ timeout: 10_000 });
    await queue.getByText('会议室投影仪无信号').waitFor();
    expect(await stillSamePage(first)).toBe(true);
    await shoot(first, 'live/03-queue-new-ticket-zh');

    // The requester's bell count rises when an agent answers on her ticket.
    const requester = await openPage();
    await signIn(requester, baseUrl, wangFang, '/tickets/mine');
    await requester.locator('[data-test=notification-bell]').waitFor();
    // The first count is read from the server once the page settles.
    await requester.waitForLoadState('networkidle');
    const before = await badgeCount(requester);
    await markPage(requester);
    const current = await call(app, {
      method: 'GET',
      url: `/api/tickets/${fresh.id}`,
      headers: bearer(liLei.token),
    });
    const answered = await call(app, {
      method: 'POST',
      url: `/api/tickets/${fresh.id}/commands`,
      headers: bearer(liLei.token),
      payload: {
        command: 'comment',
        body: '请重启投影仪后再试一次。',
        visibility: 'public',
        version: current.body.version,
      },
    });
    expect(answered.status).toBe(200);
    await expect.poll(() => badgeCount(requester), { timeout: 10_000 }).toBeGreaterThan(before);
    expect(await stillSamePage(requester)).toBe(true);
    await shoot(requester, 'live/04-bell-rises-zh');

    // The only refusals: each signed-out first visit asks who is signed in (401), which the browser logs.
    expect(new Set(refusals)).toEqual(new Set(['401 /api/me']));
    const unexpected = errors.filter((text) => !/status of 401/.test(text));
    expect(unexpected, unexpected.join('\n')).toEqual([]);
    expect(errors.length).toBe(refusals.length);
  }, 180_000);
});
