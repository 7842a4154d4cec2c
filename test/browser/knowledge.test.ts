import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDeflections } from '../../server/knowledge/deflections.js';
import {
  launchChromium,
  newPage,
  seriousA11yViolations,
  shoot,
  signIn,
  startStudioApp,
} from '../support/browser.js';
import {
  ADMIN_PASSWORD,
  bearer,
  call,
  createUser,
  login,
  waitFor,
  type CreatedUser,
} from '../support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../support/tickets.js';

/**
 * The knowledge journey: a team lead (an agent supervising the desk) turns a resolved ticket into an article and
 * publishes it; a requester typing a similar problem in the portal sees it suggested, opens it and leaves without
 * submitting — a deflection. In Debian's Chromium, against the built studio.
 */
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let lead: CreatedUser;
let requester: CreatedUser;
let ticketId: string;
let articleId: string;
const errors: string[] = [];

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('knowledge_browser'));
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  requester = await createUser(app, admin, { username: 'kb.requester', roles: ['requester'] });
  lead = await createUser(app, admin, { username: 'kb.lead', roles: ['agent'] });
  for (const key of ['it-ops', 'it-desk'])
    await createTeam(app, admin, { key, supervisor: lead.id, members: [{ userId: lead.id }] });
  await publishType(app, admin, itIncidentDefinition());
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: {
      type: 'it.incident',
      data: {
        title: '打印机连接失败的处理办法',
        description: '三楼打印机显示脱机，打印任务一直排队。',
        service: 'printer',
        impact: 'team',
        urgency: 'medium',
      },
    },
  });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  ticketId = String(opened.body.id);
  const resolved = await call(app, {
    method: 'POST',
    url: `/api/tickets/${ticketId}/commands`,
    headers: bearer(lead.token),
    payload: {
      version: opened.body.version,
      command: 'complete-step',
      outcome: 'fixed',
      comment: '删除旧打印机，按新 IP 重新添加后恢复。',
    },
  });
  expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('knowledge base', () => {
  it('an article from a resolved ticket is published and deflects a similar request', async () => {
    const agentPage = await newPage(browser, errors);
    await signIn(agentPage, baseUrl, lead, `/tickets/${ticketId}`);
    await agentPage.locator('[data-test=kb-from-ticket]').click();
    await agentPage.waitForURL(/\/knowledge\/[0-9a-f]{24}$/);
    articleId = agentPage.url().split('/').pop()!;
    // Drafted from the ticket: its resolution is the solution.
    await waitFor(
      async () =>
        (await agentPage.locator('textarea[data-test=kb-solution]').inputValue()).includes(
          '按新 IP 重新添加',
        ),
      { what: 'the drafted solution' },
    );
    await agentPage.locator('[data-test=kb-visibility]').getByText('公开').click();
    await agentPage.locator('[data-test=kb-save]').click();
    await agentPage.locator('.el-message--success').first().waitFor();
    await agentPage.locator('[data-test=kb-move-published]').click();
    await agentPage.locator('[data-test=kb-status]', { hasText: '已发布' }).waitFor();
    await shoot(agentPage, 'knowledge/01-article-published');
    expect(await seriousA11yViolations(agentPage)).toEqual([]);

    const before = await countDeflections(app.db);
    const portal = await newPage(browser, errors);
    await signIn(portal, baseUrl, requester, '/tickets/new?type=it.incident');
    await portal.locator('[data-test=field-title] input').fill('打印机无法连接');
    const suggestion = portal.locator(`[data-test=kb-suggestion-${articleId}]`);
    await suggestion.waitFor();
    await shoot(portal, 'knowledge/02-portal-suggestion');
    expect(await seriousA11yViolations(portal)).toEqual([]);
    const [article] = await Promise.all([portal.context().waitForEvent('page'), suggestion.click()]);
    await article
      .locator('[data-test=help-article]')
      .getByText('按新 IP 重新添加', { exact: false })
      .waitFor();
    await shoot(article, 'knowledge/03-help-article');
    expect(await seriousA11yViolations(article)).toEqual([]);
    // The requester leaves without submitting: the opened article is a deflection.
    await article.close();
    await portal.close();
    await waitFor(async () => (await countDeflections(app.db)).deflected === before.deflected + 1, {
      what: 'the deflection to be recorded',
    });
    // 401s: the sign-in page asking who is signed in before anyone is.
    expect(errors.filter((text) => !/status of 401/.test(text))).toEqual([]);
  });

  it('a synonym group an admin adds is used by the next search; staff registering a call see the article', async () => {
    const admin = { id: '', username: 'admin', password: ADMIN_PASSWORD, token: '' };
    const page = await newPage(browser, errors);
    await signIn(page, baseUrl, admin, '/knowledge/settings');
    const trySearch = async () => {
      await page.locator('input[data-test=kb-synonym-try]').fill('inkjet');
      await page.locator('[data-test=kb-synonym-try-run]').click();
    };
    await trySearch();
    await page.locator('[data-test=kb-synonyms]').getByText('没有符合条件的文章').waitFor();
    const groups = page.locator('[data-test^=kb-synonym-group-]');
    const before = await groups.count();
    await page.locator('[data-test=kb-synonym-add]').click();
    const words = page.locator(`[data-test=kb-synonym-group-${before}] input`);
    await words.fill('inkjet');
    await words.press('Enter');
    await words.fill('打印机');
    await words.press('Enter');
    await page.locator('[data-test=kb-synonyms-save]').click();
    await page.locator('.el-message--success').first().waitFor();
    await trySearch();
    await page.locator(`[data-test=kb-synonym-hit-${articleId}]`).waitFor();
    await shoot(page, 'knowledge/04-synonyms');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();

    const desk = await newPage(browser, errors);
    await signIn(desk, baseUrl, lead, '/tickets/new?type=it.incident');
    await desk.locator('[data-test=field-title] input').fill('打印机无法连接');
    await desk.locator(`[data-test=kb-intake-${articleId}]`).waitFor();
    expect(await desk.locator(`[data-test=kb-intake-send-${articleId}]`).count()).toBe(1);
    await desk.close();
    expect(errors.filter((text) => !/status of 401/.test(text))).toEqual([]);
  });
});
