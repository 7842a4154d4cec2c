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
import { ADMIN_PASSWORD, bearer, createUser, login, type CreatedUser } from '../support/server-app.js';

/**
 * The Routing & priority tab as an analyst uses it: a type created from blank gets a default rule and a routing
 * rule whose condition is built with the rule builder; "try it" on the sample ticket shows which row matched and
 * the engine's explanation, and follows the sample as it changes.
 */

let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let analyst: CreatedUser;
const browserErrors: string[] = [];
const pages: Page[] = [];

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('designer_routing_browser'));
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  analyst = await createUser(app, admin, {
    username: 'zhou.min',
    displayName: '周敏',
    roles: ['designer'],
    locale: 'zh-CN',
  });
  for (const [key, zh, en] of [
    ['network', '网络组', 'Network'],
    ['service-desk', '服务台', 'Service desk'],
  ] as const) {
    const created = await app.inject({
      method: 'POST',
      url: '/api/teams',
      headers: bearer(admin),
      payload: { key, name: { 'zh-CN': zh, en } },
    });
    expect(created.statusCode).toBe(201);
  }
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  for (const [index, page] of pages.entries())
    await shoot(page, `designer/routing-last-${index}`).catch(() => undefined);
  await browser?.close();
  await app?.close();
});

async function open(then: string): Promise<Page> {
  const page = await newPage(browser, browserErrors);
  pages.push(page);
  page.on('response', (response) => {
    if (response.status() >= 400 && response.status() !== 401)
      browserErrors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  await signIn(page, baseUrl, analyst, then);
  return page;
}

/** Open an Element Plus select and pick the visible option with this name. */
async function pick(page: Page, select: ReturnType<Page['locator']>, option: string): Promise<void> {
  await select.click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

const saveStatus = (page: Page) => page.locator('[data-test=designer-save-status]');

describe('designer routing & priority', () => {
  it('adds a routing rule with the rule builder and tries it on the sample ticket', async () => {
    const page = await open('/designer');
    await page.locator('[data-test=designer-create]').click();
    await page.locator('input[name=nameZh]').fill('网络接入申请');
    await page.locator('input[name=nameEn]').fill('Network access');
    await page.locator('input[name=key]').fill('it.access');
    await page.locator('input[name=category]').fill('it');
    await page.locator('[data-test=designer-create-confirm]').click();
    await page.waitForURL(`${baseUrl}/designer/it.access`);

    await page.getByRole('tab', { name: '路由与优先级' }).click();
    const tab = page.locator('[data-test=routing-tab]');
    await tab.waitFor();

    // A blank type has no routing: the tab says so and offers the default rule.
    await page.locator('[data-test=routing-add-default]').click();
    const defaultRow = page.locator('[data-test=routing-row-0]');
    await defaultRow.waitFor();
    await pick(page, defaultRow.locator('[data-test=routing-team]'), '服务台');

    // A rule before it: tickets by email go to the network team.
    await page.locator('[data-test=routing-add]').click();
    const row = page.locator('[data-test=routing-row-0]');
    await expect.poll(() => page.locator('[data-test=routing-row-1]').textContent()).toContain('默认规则');
    const builder = row.locator('[data-test=rule-builder]');
    await builder.waitFor();
    const field = builder.locator('[data-test=rule-field]');
    await field.click();
    await page.keyboard.type('渠道');
    await page.getByRole('option', { name: '渠道', exact: true }).click();
    await pick(page, builder.locator('[data-test=rule-value] .el-select'), '邮件');
    await pick(page, row.locator('[data-test=routing-team]'), '网络组');

    // Try it on the sample ticket: by email → row 1, with the engine's explanation.
    const tryIt = page.locator('[data-test=routing-try-it]');
    await pick(page, tryIt.locator('[data-test=routing-try-channel]'), 'email');
    const matched = tryIt.locator('[data-test=routing-try-matched]');
    await expect.poll(() => matched.textContent()).toContain('命中第 1 条规则“rule-1”');
    await expect
      .poll(() => tryIt.locator('[data-test=routing-try-explanation]').textContent())
      .toMatch(/rule-1.*channel = "email".*network/s);
    await expect.poll(() => row.locator('[data-test=routing-matched]').count()).toBe(1);
    await expect.poll(() => saveStatus(page).getAttribute('data-state'), { timeout: 10_000 }).toBe('saved');
    await shoot(page, 'designer/routing');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // From the portal the first rule does not hold: the default row matches.
    await pick(page, tryIt.locator('[data-test=routing-try-channel]'), 'portal');
    await expect.poll(() => matched.textContent()).toContain('命中默认规则“default-1”');
    await expect
      .poll(() => page.locator('[data-test=routing-row-1] [data-test=routing-matched]').count())
      .toBe(1);

    // The rule builder's JSON tab shows the json-logic it wrote.
    await builder.locator('[data-test=rule-tab-json]').click();
    await expect
      .poll(
        async () =>
          JSON.parse(await builder.locator('textarea[data-test=rule-json]').inputValue()) as unknown,
      )
      .toEqual({ '==': [{ var: 'channel' }, 'email'] });

    // Saved as the API takes it: reload and find the two rules.
    await page.reload();
    await page.getByRole('tab', { name: '路由与优先级' }).click();
    await expect.poll(() => page.locator('[data-test=routing-row-0]').textContent()).toContain('网络组');
    await expect.poll(() => page.locator('[data-test=routing-row-1]').textContent()).toContain('服务台');
  });

  it('reorders rules by keyboard and by drag, opens the row a problem names, and prices by the matrix', async () => {
    const page = await open('/designer/it.access');
    await page.getByRole('tab', { name: '路由与优先级' }).click();
    await page.locator('[data-test=routing-tab]').waitFor();
    await page.locator('[data-test=routing-add]').click();
    const second = page.locator('[data-test=routing-row-1]');
    await expect.poll(() => second.textContent()).toContain('rule-2');

    // Assigning to a named person without naming one is a problem; clicking it opens that row.
    await pick(page, second.locator('[data-test=routing-strategy]'), '指定人员');
    await second.locator('.routing-row__summary').click();
    await expect
      .poll(() => second.locator('.routing-row__summary').getAttribute('aria-expanded'))
      .toBe('false');
    const problem = page.locator('[data-test=designer-problems] button[data-path="/routing/1/then/user"]');
    await problem.click();
    await expect
      .poll(() => second.locator('.routing-row__summary').getAttribute('aria-expanded'))
      .toBe('true');
    await pick(page, second.locator('[data-test=routing-strategy]'), '负载最少者优先');
    await expect.poll(() => problem.count()).toBe(0);

    // Keyboard: move rule 2 up; it now decides first.
    await page.getByRole('button', { name: '上移规则 2' }).click();
    await expect
      .poll(() => page.locator('[data-test=routing-row-0] .routing-row__summary').textContent())
      .toContain('rule-2');
    // Drag: rule-1 back to the top by its handle.
    const handle = page.locator('[data-test=routing-row-1] .routing-row__handle');
    const target = page.locator('[data-test=routing-row-0] .routing-row__handle');
    const from = await handle.boundingBox();
    const to = await target.boundingBox();
    if (!from || !to) throw new Error('the rows are not on screen');
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(from.x + from.width / 2 + 6, from.y + from.height / 2 - 6, { steps: 4 });
    await page.mouse.move(to.x + to.width / 2, to.y + 2, { steps: 10 });
    // SortableJS moves the dragged row (drawn as its ghost) to the top while the pointer is there. On a busy
    // machine it may miss a move event, so the pointer hovers over the drop a little more, as a hand would.
    const movedFirst = page.locator('[data-test=routing-list] > :first-child.sortable-ghost');
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const moved = await movedFirst
        .waitFor({ state: 'attached', timeout: 1_000 })
        .then(() => true)
        .catch(() => false);
      if (moved) break;
      await page.mouse.move(to.x + to.width / 2 + (attempt % 2 === 0 ? 3 : -3), to.y + 2 + (attempt % 3), {
        steps: 4,
      });
    }
    await page.mouse.up();
    await expect
      .poll(() => page.locator('[data-test=routing-row-0] .routing-row__summary').textContent())
      .toContain('rule-1');
    await expect
      .poll(() => page.locator('[data-test=routing-row-1] .routing-row__summary').textContent())
      .toContain('rule-2');
    // The default rule stays last.
    await expect.poll(() => page.locator('[data-test=routing-row-2]').textContent()).toContain('默认规则');

    // Priority by the impact × urgency grid: high × high is urgent for the sample.
    await page.locator('[data-test=priority-mode-matrix]').click();
    const grid = page.locator('[data-test=priority-matrix]');
    await grid.waitFor();
    await page.locator('textarea[data-test=routing-try-data]').fill('{"impact": "high", "urgency": "low"}');
    const priority = page.locator('[data-test=routing-try-priority]');
    await expect.poll(() => priority.textContent()).toContain('中');
    await pick(
      page,
      grid.locator('.el-select', { has: page.getByRole('combobox', { name: 'high × low 的优先级' }) }),
      '高',
    );
    await expect.poll(() => priority.textContent()).toContain('高');
    await expect.poll(() => saveStatus(page).getAttribute('data-state'), { timeout: 10_000 }).toBe('saved');
    await shoot(page, 'designer/routing-priority');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('printed no unexpected errors in the browser', () => {
    const unexpected = browserErrors.filter((text) => !/status of 401/.test(text));
    expect(unexpected).toEqual([]);
  });
});
