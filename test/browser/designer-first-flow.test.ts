import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RESULTS_DIR,
  dragSortable,
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
import { createTeam } from '../support/tickets.js';

/**
 * "The first flow in ten minutes", as a new analyst does it in the built studio from an empty database: create a
 * ticket type; drag three fields and one conditional field; draw start → approval (any-of, two approvers) →
 * decision with a conditional and a default branch → task → confirm → end; add a routing rule; keep the default
 * SLA; see the dangling step reported and fix it; simulate two samples and see two different paths drawn; publish.
 * A ticket opened through the API with that form then goes to closed along the drawn path. Every UI action (a
 * click, a drag, a field filled, a key pressed) is counted; above 80 the test fails. Then diff and rollback
 * through the UI: change a branch, publish v2, see the diff, restore v1 as the draft, publish v3 equal to v1.
 */

const TYPE_KEY = 'fin.purchase';
const MAX_ACTIONS = 80;

let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let adminToken: string;
let analyst: CreatedUser;
let approvers: CreatedUser[];
let buyer: CreatedUser;
let requester: CreatedUser;
const browserErrors: string[] = [];
const pages: Page[] = [];
const screenshots: string[] = [];

/** UI actions of the first flow, by kind. */
const actions = { click: 0, drag: 0, fill: 0, key: 0 };
const total = () => actions.click + actions.drag + actions.fill + actions.key;

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('designer_first_flow_browser'));
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  analyst = await createUser(app, adminToken, {
    username: 'zhou.min',
    displayName: '周敏',
    // Also an admin: the live counts on the canvas open the queue of every team's tickets, which admins read.
    roles: ['designer', 'admin'],
    locale: 'zh-CN',
  });
  approvers = [
    await createUser(app, adminToken, { username: 'zhao.min', displayName: '赵敏', roles: ['agent'] }),
    await createUser(app, adminToken, { username: 'qian.lei', displayName: '钱磊', roles: ['agent'] }),
  ];
  buyer = await createUser(app, adminToken, { username: 'sun.li', displayName: '孙丽', roles: ['agent'] });
  requester = await createUser(app, adminToken, {
    username: 'wu.fang',
    displayName: '吴芳',
    roles: ['requester'],
  });
  await createTeam(app, adminToken, { key: 'buyers', members: [{ userId: buyer.id }] });
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  for (const [index, page] of pages.entries())
    await shoot(page, `designer/first-flow-last-${index}`).catch(() => undefined);
  await browser?.close();
  await app?.close();
});

async function snap(page: Page, name: string): Promise<void> {
  screenshots.push(path.relative(path.join(RESULTS_DIR, '..'), await shoot(page, `designer/${name}`)));
}

// ----- counted UI actions --------------------------------------------------------------------------------------
async function click(target: Locator, options: { force?: boolean } = {}): Promise<void> {
  actions.click += 1;
  await target.click(options);
}
async function fill(target: Locator, value: string): Promise<void> {
  actions.fill += 1;
  await target.fill(value);
}
async function press(page: Page, key: string): Promise<void> {
  actions.key += 1;
  await page.keyboard.press(key);
}

/** Drag with the mouse in steps, as a person does (form fields: SortableJS). */
async function dragField(page: Page, source: Locator, target: Locator, from: 'above' | 'below' = 'below') {
  actions.drag += 1;
  await dragSortable(page, source, target, 'bottom', from);
}

const canvasOf = (page: Page) => page.locator('[data-test=flow-tab] [data-test=flow-canvas]');
const nodeOf = (page: Page, id: string) => canvasOf(page).locator(`.vue-flow__node[data-id="${id}"]`);
const edgeOf = (page: Page, id: string) => canvasOf(page).locator(`.vue-flow__edge[data-id="${id}"]`);

async function dropFromPalette(page: Page, kind: string, at: { x: number; y: number }): Promise<void> {
  actions.drag += 1;
  await page
    .locator(`[data-test=palette-item][data-kind=${kind}]`)
    .dragTo(canvasOf(page), { targetPosition: at, force: true });
}

/** Press on a node's output handle, move, and release on another node's input handle. */
async function connect(page: Page, from: string, to: string, outcome?: string): Promise<void> {
  actions.drag += 1;
  const source = outcome
    ? nodeOf(page, from).locator(`.vue-flow__handle.source[data-handleid="${outcome}"]`)
    : nodeOf(page, from).locator('.vue-flow__handle.source').first();
  const target = nodeOf(page, to).locator('.vue-flow__handle.target');
  const a = await source.boundingBox();
  const b = await target.boundingBox();
  if (!a || !b) throw new Error(`handles of ${from} → ${to} not on screen`);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2 + 10, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

/** Click an edge on its line (the middle of its path). */
async function selectEdge(page: Page, id: string): Promise<void> {
  actions.click += 1;
  const point = await edgeOf(page, id)
    .locator('path.vue-flow__edge-path')
    .evaluate((element) => {
      // The page's SVG path, typed by what is used of it (the server's TypeScript has no DOM library).
      const line = element as unknown as {
        getTotalLength(): number;
        getPointAtLength(at: number): { x: number; y: number };
        getScreenCTM(): { a: number; b: number; c: number; d: number; e: number; f: number } | null;
      };
      const middle = line.getPointAtLength(line.getTotalLength() / 2);
      const matrix = line.getScreenCTM();
      if (!matrix) return null;
      return {
        x: middle.x * matrix.a + middle.y * matrix.c + matrix.e,
        y: middle.x * matrix.b + middle.y * matrix.d + matrix.f,
      };
    });
  if (!point) throw new Error(`edge ${id} not on screen`);
  await page.mouse.click(point.x, point.y);
}

async function chooseOption(page: Page, select: Locator, optionText: string): Promise<void> {
  await click(select);
  await click(page.locator('.el-select-dropdown__item:visible').filter({ hasText: optionText }).first());
}

async function waitSaved(page: Page): Promise<void> {
  await expect
    .poll(() => page.locator('[data-test=designer-save-status]').getAttribute('data-state'), {
      timeout: 15_000,
    })
    .toBe('saved');
}

async function publishVersion(page: Page, note: string): Promise<number> {
  await click(page.locator('[data-test=designer-publish]'));
  const dialog = page.locator('[data-test=publish-dialog]');
  await dialog.locator('textarea[data-test=publish-note]').waitFor();
  await fill(dialog.locator('textarea[data-test=publish-note]'), note);
  await click(dialog.locator('[data-test=publish-submit]'));
  await dialog.waitFor({ state: 'hidden' });
  const versions = await call(app, {
    method: 'GET',
    url: `/api/ticket-types/${TYPE_KEY}/versions`,
    headers: bearer(adminToken),
  });
  return Number((versions.body as unknown as { version: number }[])[0]?.version);
}

/** In the page: ids of the canvas nodes drawn as on the path, sorted. */
function pathIdsOf(nodes: unknown[]): (string | null)[] {
  const elements = nodes as {
    querySelector(selector: string): unknown;
    getAttribute(name: string): string | null;
  }[];
  return elements
    .filter((node) => node.querySelector('.ordo-node__box.is-path') !== null)
    .map((node) => node.getAttribute('data-id'))
    .sort();
}

const pathNodes = (page: Page) => canvasOf(page).locator('.vue-flow__node').evaluateAll(pathIdsOf);

describe('the first flow in ten minutes', () => {
  it('designs, checks, simulates and publishes a flow, then a ticket follows the drawn path', async () => {
    const started = Date.now();
    const page = await newPage(browser, browserErrors, { width: 1800, height: 1300 });
    pages.push(page);
    await signIn(page, baseUrl, analyst, '/designer');

    // ---- a ticket type from blank ----
    await click(page.locator('[data-test=designer-create]'));
    await fill(page.locator('input[name=nameZh]'), '采购申请');
    await fill(page.locator('input[name=nameEn]'), 'Purchase request');
    await fill(page.locator('input[name=key]'), TYPE_KEY);
    await fill(page.locator('input[name=category]'), 'finance');
    await click(page.locator('[data-test=designer-create-confirm]'));
    await page.waitForURL(`${baseUrl}/designer/${TYPE_KEY}`);

    // ---- three fields and one conditional field ----
    const sections = page.locator('[data-test=form-sections]');
    await sections.waitFor();
    await dragField(page, page.locator('[data-test=palette-number]'), sections, 'above');
    await page.locator('[data-test=section-fields-0]').waitFor();
    await dragField(
      page,
      page.locator('[data-test=palette-text]'),
      page.locator('[data-test=section-fields-0]'),
    );
    await dragField(
      page,
      page.locator('[data-test=palette-date]'),
      page.locator('[data-test=section-fields-0]'),
    );
    await dragField(
      page,
      page.locator('[data-test=palette-textarea]'),
      page.locator('[data-test=section-fields-0]'),
    );
    await expect.poll(() => page.locator('[data-test^=canvas-field-field_]').count()).toBe(4);
    const props = page.locator('[data-test=field-properties]');
    await click(page.locator('[data-test=canvas-field-field_1] .fd-field__drag'));
    await fill(props.locator('[data-test=prop-label-zh]'), '金额');
    await fill(props.locator('[data-test=prop-label-en]'), 'Amount');
    await expect.poll(() => props.locator('[data-test=prop-key]').inputValue()).toBe('amount');
    // The reason is asked only for large amounts.
    await click(page.locator('[data-test=canvas-field-field_4] .fd-field__drag'));
    const visible = page.locator('[data-test=prop-rule-visibleWhen]');
    await click(visible.locator('[data-test=prop-rule-add-visibleWhen]'));
    await click(visible.locator('[data-test=rule-tab-json]'));
    await fill(visible.locator('textarea[data-test=rule-json]'), '{">": [{"var": "amount"}, 1000]}');
    await visible.locator('textarea[data-test=rule-json]').blur();
    await page.locator('[data-test=canvas-field-field_4]').getByText('有条件').waitFor();
    await snap(page, 'first-flow-01-form');

    // ---- the flow ----
    await click(page.getByRole('tab', { name: '流程' }));
    await expect.poll(() => canvasOf(page).locator('.vue-flow__node').count()).toBe(3);
    // The workspace's problem list is closed to give the canvas room (the flow tab lists its own).
    await click(page.locator('[data-test=designer-problems] .problems__header button'));
    await selectEdge(page, 'e-start-handle');
    await page.locator('[data-test=edge-panel]').waitFor();
    await press(page, 'Delete');
    await selectEdge(page, 'e-handle-end');
    await page.locator('[data-test=edge-panel]').waitFor();
    await press(page, 'Delete');
    await expect.poll(() => canvasOf(page).locator('.vue-flow__edge').count()).toBe(0);

    const pane = (await canvasOf(page).boundingBox())!;
    await dropFromPalette(page, 'approval', { x: pane.width * 0.8, y: 80 });
    await nodeOf(page, 'approval').waitFor();
    // The new step is not reached from the start: reported, marked on the canvas.
    const dangling = page.locator('[data-test=flow-problem]', { hasText: 'approval' });
    await expect.poll(() => dangling.count()).toBeGreaterThan(0);
    await expect.poll(() => nodeOf(page, 'approval').locator('.ordo-node__box.is-problem').count()).toBe(1);
    await snap(page, 'first-flow-02-dangling');

    await click(dangling.first());
    const panel = page.locator('[data-test=node-panel][data-node-id=approval]');
    await panel.waitFor();
    await click(panel.getByRole('radio', { name: '或签' }), { force: true });
    const people = panel
      .locator('.el-select')
      .filter({ has: page.locator('[aria-label="人员"]') })
      .first();
    await chooseOption(page, people, '赵敏');
    await chooseOption(page, people, '钱磊');
    await press(page, 'Escape');

    await dropFromPalette(page, 'confirm', { x: pane.width * 0.8, y: pane.height - 120 });
    await nodeOf(page, 'confirm').waitFor();
    await page.locator('[data-test=palette-item][data-kind=exclusive]').focus();
    await press(page, 'Enter');
    await nodeOf(page, 'exclusive').waitFor();
    await click(page.locator('[data-test=flow-layout]'));
    await connect(page, 'start', 'approval');
    await connect(page, 'approval', 'exclusive');
    await connect(page, 'exclusive', 'handle');
    await connect(page, 'exclusive', 'confirm');
    await connect(page, 'handle', 'confirm', 'done');
    await connect(page, 'confirm', 'end');
    await expect.poll(() => canvasOf(page).locator('.vue-flow__edge').count()).toBe(6);
    await click(page.locator('[data-test=flow-layout]'));

    // The large-amount branch goes to the buyer's task; everything else straight to confirmation.
    await click(page.locator('[data-test=flow-problem]', { hasText: 'e-exclusive-handle' }).first());
    const conditional = page.locator('[data-test=edge-panel][data-edge-id=e-exclusive-handle]');
    await conditional.waitFor();
    await click(conditional.locator('[data-test=rule-tab-json]'));
    await fill(
      conditional.locator('[data-test=edge-condition] textarea'),
      '{">": [{"var": "data.amount"}, 1000]}',
    );
    await click(page.locator('[data-test=flow-problem]', { hasText: 'e-exclusive-confirm' }).first());
    const fallback = page.locator('[data-test=edge-panel][data-edge-id=e-exclusive-confirm]');
    await fallback.waitFor();
    await click(fallback.locator('[data-test=edge-default]'));
    await expect.poll(() => page.locator('[data-test=flow-problem]').count()).toBe(0);
    await snap(page, 'first-flow-03-flow');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // ---- a routing rule; the default SLA is kept as it came ----
    await click(page.getByRole('tab', { name: '路由与优先级' }));
    await click(page.locator('[data-test=routing-add-default]'));
    const row = page.locator('[data-test=routing-row-0]');
    await click(row.locator('[data-test=routing-team] .el-select__wrapper'));
    await click(page.getByRole('option', { name: 'buyers', exact: true }).locator('visible=true'));
    await waitSaved(page);

    // ---- simulate two samples: two different paths ----
    await click(page.getByRole('tab', { name: '流程' }));
    const simulate = page.locator('[data-test=simulate-panel]');
    await simulate.waitFor();
    for (const [title, data] of [
      ['小额', { amount: 300, field_2: '鼠标' }],
      ['大额', { amount: 5000, field_2: '服务器', field_4: '机房扩容' }],
    ] as const) {
      await click(simulate.locator('[data-test=simulate-add-sample]'));
      await fill(simulate.locator('input[data-test=simulate-sample-title]'), title);
      await fill(simulate.locator('textarea[data-test=simulate-sample-data]'), JSON.stringify(data));
      await click(simulate.locator('[data-test=simulate-sample-save]'));
    }
    // The form preview's sample is empty here: leave it out.
    await click(simulate.locator('[data-test=simulate-sample-preview]'));
    await click(simulate.locator('[data-test=simulate-run]'));
    const small = simulate.locator('[data-test="simulate-result-小额"]');
    const large = simulate.locator('[data-test="simulate-result-大额"]');
    await small.locator('[data-test=simulate-ended]').waitFor();
    await large.locator('[data-test=simulate-ended]').waitFor();
    const smallPath = ['approval', 'confirm', 'end', 'exclusive', 'start'];
    const largePath = ['approval', 'confirm', 'end', 'exclusive', 'handle', 'start'];
    await expect.poll(() => pathNodes(page)).toEqual(smallPath);
    await expect.poll(() => small.locator('[data-test=simulate-gateway]').textContent()).toContain('默认');
    await snap(page, 'first-flow-04-simulate-small');
    await click(large.locator('[data-test="simulate-show-大额"]'));
    await expect.poll(() => pathNodes(page)).toEqual(largePath);
    await expect
      .poll(() => edgeOf(page, 'e-exclusive-handle').getAttribute('class'))
      .toContain('ordo-edge--path');
    await snap(page, 'first-flow-05-simulate-large');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // ---- publish ----
    await waitSaved(page);
    expect(await publishVersion(page, '第一版：按金额分流')).toBe(1);
    const elapsed = Date.now() - started;
    await snap(page, 'first-flow-06-published');

    const count = { ...actions, total: total(), seconds: Math.round(elapsed / 1000) };
    await writeFile(
      path.join(RESULTS_DIR, 'designer', 'first-flow-actions.json'),
      JSON.stringify({ ...count, screenshots }, null, 2),
    );
    console.log('first flow UI actions:', count);
    expect(total()).toBeLessThanOrEqual(MAX_ACTIONS);

    // ---- a ticket with that form follows the drawn (large amount) path to closed ----
    const opened = await call(app, {
      method: 'POST',
      url: '/api/tickets',
      headers: bearer(requester.token),
      payload: { type: TYPE_KEY, data: { amount: 5000, field_2: '服务器', field_4: '机房扩容' } },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const id = String(opened.body.id);
    const act = async (token: string, command: Record<string, unknown>) => {
      const current = await call(app, { method: 'GET', url: `/api/tickets/${id}`, headers: bearer(token) });
      const response = await call(app, {
        method: 'POST',
        url: `/api/tickets/${id}/commands`,
        headers: bearer(token),
        payload: { ...command, version: current.body.version },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as { status: { category: string }; steps: { nodeId: string }[] };
    };
    // Live positions: the open ticket waits at the approval; its count opens the queue filtered to it.
    await page.locator('[data-test=simulate-mode]').getByText('实时工单位置').click();
    await expect.poll(() => page.locator('[data-test=live-open]').textContent()).toContain('1');
    const liveCount = nodeOf(page, 'approval').locator('[data-test=flow-node-count]');
    await expect.poll(() => liveCount.textContent()).toContain('1');
    await snap(page, 'first-flow-07-live');
    await liveCount.click();
    await page.waitForURL(/\/tickets\?/);
    expect(new URL(page.url()).searchParams.get('node')).toBe('approval');
    await page.locator('[data-test=queue-step-filter]').waitFor();
    await expect
      .poll(() => page.locator('.el-table__body').textContent())
      .toContain(String(opened.body.number));
    await snap(page, 'first-flow-08-live-queue');

    await act(approvers[1]!.token, { command: 'approve', nodeId: 'approval' });
    await act(buyer.token, { command: 'complete-step', nodeId: 'handle', outcome: 'done' });
    const closed = await act(requester.token, { command: 'confirm' });
    expect(closed.status.category).toBe('closed');
    expect(closed.steps.map((step) => step.nodeId).sort()).toEqual(largePath);

    // The ticket page shows the same path on the read-only flow.
    const agentPage = await newPage(browser, browserErrors, { width: 1800, height: 1300 });
    pages.push(agentPage);
    await signIn(agentPage, baseUrl, buyer, `/tickets/${id}`);
    const ticketFlow = agentPage.locator('[data-test=ticket-flow] [data-test=flow-canvas]');
    await ticketFlow.waitFor();
    await expect.poll(() => ticketFlow.locator('.vue-flow__node').evaluateAll(pathIdsOf)).toEqual(largePath);
    await snap(agentPage, 'first-flow-09-ticket-path');
  }, 300_000);

  it('changes a branch, publishes v2, shows the diff, restores v1 as the draft and publishes v3 equal to v1', async () => {
    const page = await newPage(browser, browserErrors, { width: 1800, height: 1300 });
    pages.push(page);
    await signIn(page, baseUrl, analyst, `/designer/${TYPE_KEY}?tab=flow`);
    await canvasOf(page).waitFor();
    await edgeOf(page, 'e-exclusive-handle').waitFor();

    await selectEdge(page, 'e-exclusive-handle');
    const conditional = page.locator('[data-test=edge-panel][data-edge-id=e-exclusive-handle]');
    await conditional.waitFor();
    await click(conditional.locator('[data-test=rule-tab-json]'));
    await fill(
      conditional.locator('[data-test=edge-condition] textarea'),
      '{">": [{"var": "data.amount"}, 20000]}',
    );
    await waitSaved(page);
    expect(await publishVersion(page, '大额门槛提高到 20000')).toBe(2);

    // The history shows what v2 changed: the branch's condition, in words and on the flow.
    await click(page.locator('[data-test=designer-history]'));
    const drawer = page.locator('[data-test=history-drawer]');
    await drawer.locator('[data-test=history-diff]').waitFor();
    await expect
      .poll(() => drawer.locator('[data-test=history-diff-title]').textContent())
      .toContain('第 2 版');
    await expect.poll(() => drawer.locator('[data-group=edges]').textContent()).toContain('20000');
    await snap(page, 'first-flow-10-diff-list');
    await click(drawer.locator('[data-test=history-view]').getByText('流程图'));
    const diffCanvas = drawer.locator('[data-test=history-canvas] [data-test=flow-canvas]');
    await diffCanvas.waitFor();
    await expect
      .poll(() => diffCanvas.locator('.vue-flow__edge[data-id="e-exclusive-handle"]').getAttribute('class'))
      .toContain('ordo-edge--changed');
    await snap(page, 'first-flow-11-diff-canvas');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Roll back: version 1 becomes the draft (nothing published yet), then published as version 3.
    await click(drawer.locator('[data-test=history-restore-1]'));
    await click(
      page.getByRole('dialog', { name: '恢复第 1 版为草稿？' }).getByRole('button', { name: '恢复为草稿' }),
    );
    await expect
      .poll(() => drawer.locator('[data-test=history-diff-title]').textContent())
      .toContain('第 1 版');
    await drawer.locator('[data-test=history-no-difference]').waitFor();
    await press(page, 'Escape');
    await waitSaved(page);
    expect(await publishVersion(page, '回滚到第 1 版')).toBe(3);

    const version = async (n: number) =>
      (
        await call(app, {
          method: 'GET',
          url: `/api/ticket-types/${TYPE_KEY}/versions/${n}`,
          headers: bearer(adminToken),
        })
      ).body as { sha256: string };
    const [v1, v2, v3] = [await version(1), await version(2), await version(3)];
    expect(v3.sha256).toBe(v1.sha256);
    expect(v2.sha256).not.toBe(v1.sha256);
    const diff = await waitFor(
      async () => {
        const response = await call(app, {
          method: 'GET',
          url: `/api/ticket-types/${TYPE_KEY}/diff?from=1&to=3`,
          headers: bearer(adminToken),
        });
        return response.status === 200 ? (response.body as { diff: unknown[] }) : undefined;
      },
      { what: 'the diff of v1 and v3' },
    );
    expect(diff.diff).toEqual([]);
    await snap(page, 'first-flow-12-v3');
  }, 180_000);

  it('printed no unexpected errors in the browser', () => {
    const unexpected = browserErrors.filter((text) => !/status of (401|409)/.test(text));
    expect(unexpected).toEqual([]);
  });
});
