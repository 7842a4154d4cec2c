import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  waitFor,
  type CreatedUser,
} from '../support/server-app.js';

/**
 * The flow canvas in the built studio, as an analyst uses it: create a ticket type from blank, drag steps from the
 * palette and add one by keyboard, connect handles, make an approval any-of with two approvers in its panel, add a
 * decision with a conditional and a default path, see the dangling step marked on the canvas and fix it, copy,
 * paste and delete by keyboard, reload and find it all saved. Screenshots go to test-results/designer/; axe-core
 * checks the canvas page.
 */

/** The built studio; ORDO_STUDIO_DIST points at another build (e.g. one made with `vite build --outDir`). */
const STUDIO_DIST =
  process.env.ORDO_STUDIO_DIST ?? fileURLToPath(new URL('../../studio/dist', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../../test-results/designer', import.meta.url));
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const TYPE_KEY = 'hr.leave';

let app: FastifyInstance;
let browser: Browser;
let baseUrl: string;
let adminToken: string;
let approvers: CreatedUser[] = [];
const browserErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(path.join(STUDIO_DIST, 'index.html')))
    throw new Error(
      `The built studio is missing (${STUDIO_DIST}/index.html). Build it first: npm run build:studio`,
    );
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing. Install it with: bash scripts/ensure-chromium.sh`);
  app = await buildTestApp('designer_flow_browser', { studioDir: STUDIO_DIST });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  baseUrl = `http://127.0.0.1:${address.port}`;
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  approvers = [
    await createUser(app, adminToken, { username: 'zhao.min', displayName: '赵敏', roles: ['agent'] }),
    await createUser(app, adminToken, { username: 'qian.lei', displayName: '钱磊', roles: ['agent'] }),
  ];
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
  await mkdir(RESULTS_DIR, { recursive: true });
}, 600_000);

afterAll(async () => {
  if (browserErrors.length > 0) console.warn('Errors in the browser console:', browserErrors);
  for (const context of browser?.contexts() ?? [])
    for (const page of context.pages())
      await page.screenshot({ path: path.join(RESULTS_DIR, 'flow-last.png') }).catch(() => undefined);
  await browser?.close();
  await app?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('console', (message) => {
    if (message.type() === 'error') browserErrors.push(message.text());
  });
  page.on('pageerror', (error) => browserErrors.push(error.message));
  return page;
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(RESULTS_DIR, `${name}.png`), animations: 'disabled' });
}

/** axe-core injected into the page: no serious or critical violation. */
async function checkAccessibility(page: Page, what: string): Promise<void> {
  // Evaluated rather than added as a script tag: the studio's CSP refuses inline scripts.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(readFileSync(AXE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run: (
            context: unknown,
            options: unknown,
          ) => Promise<{
            violations: {
              id: string;
              impact: string;
              help: string;
              nodes: { target: string[]; html: string }[];
            }[];
          }>;
        };
      }
    ).axe;
    // The simulate panel below the canvas is checked by the versions test, which owns it.
    const result = await axe.run(
      { exclude: [['[data-test=simulate-panel]']] },
      { resultTypes: ['violations'] },
    );
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map(
        (violation) =>
          `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes
            .slice(0, 3)
            .map((node) => `${node.target.join(' ')} ${node.html.slice(0, 160)}`)
            .join(', ')}`,
      );
  });
  expect(violations, `accessibility of ${what}`).toEqual([]);
}

const canvasOf = (page: Page) => page.locator('[data-test=flow-canvas]');
const nodeOf = (page: Page, id: string) => canvasOf(page).locator(`.vue-flow__node[data-id="${id}"]`);
const edgeOf = (page: Page, id: string) => canvasOf(page).locator(`.vue-flow__edge[data-id="${id}"]`);

/** Click an edge on its line (the middle of its path, wherever the line bends). */
async function selectEdge(page: Page, id: string): Promise<void> {
  const point = await edgeOf(page, id)
    .locator('path.vue-flow__edge-path')
    .evaluate((element) => {
      // The test's TypeScript has no DOM types: the SVG path's geometry, as much as is used here.
      const path = element as unknown as {
        getTotalLength(): number;
        getPointAtLength(length: number): { x: number; y: number };
        getScreenCTM(): { a: number; b: number; c: number; d: number; e: number; f: number } | null;
      };
      const middle = path.getPointAtLength(path.getTotalLength() / 2);
      const matrix = path.getScreenCTM();
      if (!matrix) return null;
      return {
        x: middle.x * matrix.a + middle.y * matrix.c + matrix.e,
        y: middle.x * matrix.b + middle.y * matrix.d + matrix.f,
      };
    });
  if (!point) throw new Error(`edge ${id} not on screen`);
  await page.mouse.click(point.x, point.y);
}

/** Drag a palette entry onto the canvas at a point of the canvas (HTML drag and drop, as a mouse does it). */
async function dropFromPalette(page: Page, kind: string, at: { x: number; y: number }): Promise<void> {
  await page
    .locator(`[data-test=palette-item][data-kind=${kind}]`)
    .dragTo(canvasOf(page), { targetPosition: at, force: true });
}

/** Press on a node's output handle, move, and release on another node's input handle. */
async function connect(page: Page, from: string, to: string, outcome?: string): Promise<void> {
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

/** Drag a node by its body to another place on the screen. */
async function moveNode(page: Page, id: string, by: { x: number; y: number }): Promise<void> {
  const box = await nodeOf(page, id).locator('.ordo-node__label').boundingBox();
  if (!box) throw new Error(`node ${id} not on screen`);
  await page.mouse.move(box.x + 10, box.y + 5);
  await page.mouse.down();
  await page.mouse.move(box.x + 10 + by.x / 2, box.y + 5 + by.y / 2, { steps: 4 });
  await page.mouse.move(box.x + 10 + by.x, box.y + 5 + by.y, { steps: 4 });
  await page.mouse.up();
}

async function chooseOption(page: Page, select: Locator, optionText: string): Promise<void> {
  await select.click();
  const option = page.locator('.el-select-dropdown__item:visible').filter({ hasText: optionText }).first();
  await option.click();
}

async function draft(): Promise<{
  flow: { nodes: Record<string, unknown>[]; edges: Record<string, unknown>[] };
  form: Record<string, unknown>;
}> {
  const response = await call(app, {
    method: 'GET',
    url: `/api/ticket-types/${TYPE_KEY}?view=draft`,
    headers: bearer(adminToken),
  });
  expect(response.status).toBe(200);
  return response.body.definition as never;
}

async function waitSaved(page: Page): Promise<void> {
  await page.locator('[data-test=designer-save-status][data-state=saved]').waitFor();
}

describe('designer: flow canvas', () => {
  it('draws a flow from blank with the palette, panels and handles, shows and fixes problems, and keeps it', async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/login?redirect=${encodeURIComponent('/designer')}`);
    await page.locator('input[name=username]').fill('admin');
    await page.locator('input[name=password]').fill(ADMIN_PASSWORD);
    await page.locator('[data-test=login-submit]').click();
    await page.waitForURL(`${baseUrl}/designer`);

    // Create a type from blank.
    await page.locator('[data-test=designer-create]').click();
    await page.locator('input[name=nameZh]').fill('请假申请');
    await page.locator('input[name=nameEn]').fill('Leave request');
    await page.locator('input[name=key]').fill(TYPE_KEY);
    await page.locator('input[name=category]').fill('hr');
    await page.locator('[data-test=designer-create-confirm]').click();
    await page.waitForURL(new RegExp(`/designer/${TYPE_KEY.replace('.', '\\.')}`));

    await page.getByRole('tab', { name: '流程' }).click();
    await expect.poll(() => canvasOf(page).locator('.vue-flow__node').count()).toBe(3);
    // The workspace's problems list makes room for the canvas; the flow tab lists the flow's own.
    await page.locator('[data-test=designer-problems] .problems__header button').click();
    await shoot(page, 'flow-01-blank');

    // Remove start → handle, by selecting the edge and pressing Delete.
    await selectEdge(page, 'e-start-handle');
    await page.locator('[data-test=edge-panel]').waitFor();
    await page.keyboard.press('Delete');
    await expect.poll(() => edgeOf(page, 'e-start-handle').count()).toBe(0);

    // Drag an approval from the palette: it dangles, and the canvas says so.
    const pane = await canvasOf(page).boundingBox();
    if (!pane) throw new Error('no canvas');
    await dropFromPalette(page, 'approval', { x: pane.width * 0.8, y: 90 });
    await nodeOf(page, 'approval').waitFor();
    await expect.poll(() => nodeOf(page, 'approval').locator('.ordo-node__box.is-problem').count()).toBe(1);
    const dangling = page.locator('[data-test=flow-problem]', { hasText: 'approval' });
    await expect.poll(() => dangling.count()).toBeGreaterThan(0);
    expect(await nodeOf(page, 'approval').locator('.ordo-node__box').getAttribute('title')).toBeTruthy();
    await shoot(page, 'flow-02-dangling-approval');

    // Clicking a problem selects its node and opens its panel.
    await dangling.first().click();
    await page.locator('[data-test=node-panel][data-node-id=approval]').waitFor();

    // Any-of with two approvers, in the approval's panel.
    const panel = page.locator('[data-test=node-panel]');
    await panel.getByRole('radio', { name: '或签' }).click({ force: true });
    const people = panel
      .locator('.el-select')
      .filter({ has: page.locator('[aria-label="人员"]') })
      .first();
    await chooseOption(page, people, '赵敏');
    await chooseOption(page, people, '钱磊');
    await page.keyboard.press('Escape');

    // Start → approval, the fix for the dangling step (together with approval → decision below).
    await page.locator('[data-test=flow-fit]').click();
    await connect(page, 'start', 'approval');
    await expect.poll(() => edgeOf(page, 'e-start-approval').count()).toBe(1);

    // A decision added by keyboard: focus its palette entry and press Enter.
    await page.locator('[data-test=palette-item][data-kind=exclusive]').focus();
    await page.keyboard.press('Enter');
    await nodeOf(page, 'exclusive').waitFor();
    await connect(page, 'approval', 'exclusive');
    await connect(page, 'exclusive', 'handle');
    await connect(page, 'exclusive', 'end');
    await expect.poll(() => canvasOf(page).locator('.vue-flow__edge').count()).toBe(5);
    // Arrange: dagre lays the connected flow out top to bottom, and the canvas zooms to fit it.
    await page.locator('[data-test=flow-layout]').click();

    // The decision has no default and its two ways out neither condition nor default: each marked and listed;
    // clicking the listed problem selects the connection it is about.
    await expect
      .poll(() => edgeOf(page, 'e-exclusive-handle').getAttribute('class'))
      .toContain('ordo-edge--problem');
    await page.locator('[data-test=flow-problem]', { hasText: 'e-exclusive-handle' }).click();
    const edgePanel = page.locator('[data-test=edge-panel][data-edge-id=e-exclusive-handle]');
    await edgePanel.waitFor();
    // The conditional branch: exclusive → handle when the ticket is urgent (the rule builder, as JSON).
    await edgePanel.locator('[data-test=rule-tab-json]').click();
    await edgePanel
      .locator('[data-test=edge-condition] textarea')
      .fill('{"==": [{"var": "priority"}, "urgent"]}');
    await edgePanel.getByLabel('连线名称 · 中文').fill('需要处理');

    // The default branch: exclusive → end.
    await page.locator('[data-test=flow-problem]', { hasText: 'e-exclusive-end' }).click();
    const defaultPanel = page.locator('[data-test=edge-panel][data-edge-id=e-exclusive-end]');
    await defaultPanel.waitFor();
    await defaultPanel.locator('[data-test=edge-default]').click();

    // Move a node by dragging it: one change, kept.
    await moveNode(page, 'end', { x: 120, y: 40 });

    // No flow problem is left (the approval has approvers, every step is reached and ends).
    await expect.poll(() => page.locator('[data-test=flow-problem]').count()).toBe(0);
    await expect.poll(() => canvasOf(page).locator('.ordo-node__box.is-problem').count()).toBe(0);
    await shoot(page, 'flow-03-drawn');

    // Keyboard on the canvas: copy and paste a step, then delete the copy.
    await nodeOf(page, 'handle').click();
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await nodeOf(page, 'handle-2').waitFor();
    await page.keyboard.press('Delete');
    await expect.poll(() => nodeOf(page, 'handle-2').count()).toBe(0);

    // Keyboard in the panel: rename a step through its key field.
    await nodeOf(page, 'approval').click();
    const id = page.locator('[data-test=node-panel] input[data-test=node-id]');
    await id.focus();
    await id.fill('manager-approval');
    await id.press('Enter');
    await page.locator('[data-test=node-panel][data-node-id=manager-approval]').waitFor();
    await expect
      .poll(() => edgeOf(page, 'e-start-approval').getAttribute('aria-label'))
      .toContain('manager-approval');

    await checkAccessibility(page, 'the flow canvas');
    await waitSaved(page);

    // Saved: the draft on the server holds it, positions and all; reload shows the same.
    const saved = await waitFor(
      async () => {
        const current = await draft();
        return current.flow.nodes.length === 5 && current.flow.edges.length === 5 ? current : undefined;
      },
      { what: 'the drawn flow saved' },
    );
    const approval = saved.flow.nodes.find((node) => node.id === 'manager-approval');
    expect(approval?.data).toMatchObject({
      mode: 'any-of',
      approvers: { users: [approvers[0]!.id, approvers[1]!.id] },
    });
    const conditional = saved.flow.edges.find((edge) => edge.id === 'e-exclusive-handle');
    expect(conditional?.data).toMatchObject({
      when: { '==': [{ var: 'priority' }, 'urgent'] },
      label: { 'zh-CN': '需要处理' },
    });
    const fallback = saved.flow.edges.find((edge) => edge.id === 'e-exclusive-end');
    expect(fallback?.data).toEqual({ default: true });
    for (const node of saved.flow.nodes) {
      expect(Object.keys(node).sort()).toEqual(expect.arrayContaining(['id', 'position', 'type']));
      expect(Object.keys(node).filter((key) => !['id', 'type', 'position', 'data'].includes(key))).toEqual(
        [],
      );
    }
    for (const edge of saved.flow.edges)
      expect(
        Object.keys(edge).filter((key) => !['id', 'source', 'target', 'sourceHandle', 'data'].includes(key)),
      ).toEqual([]);

    await page.reload();
    await page.getByRole('tab', { name: '流程' }).click();
    await expect.poll(() => canvasOf(page).locator('.vue-flow__node').count()).toBe(5);
    await expect.poll(() => canvasOf(page).locator('.vue-flow__edge').count()).toBe(5);
    await nodeOf(page, 'manager-approval').click();
    await expect
      .poll(() => page.locator('[data-test=node-panel]').getByRole('radio', { name: '或签' }).isChecked())
      .toBe(true);
    await shoot(page, 'flow-04-reloaded');
    // Opening the saved flow again changed nothing.
    expect(await draft()).toEqual(saved);
  }, 180_000);
});
