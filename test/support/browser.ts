/**
 * What every browser test needs: the real app serving the built studio on a free port, Debian's Chromium, pages
 * that remember what the browser printed as errors, sign-in through the login page, screenshots kept under
 * `test-results/`, and an accessibility check with axe-core injected into the page.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import type { AppOptions } from '../../server/app.js';
import { buildTestApp, type CreatedUser } from './server-app.js';

/** The built studio the browser tests serve: studio/dist, or the folder ORDO_TEST_STUDIO_DIST names (a build made
 * with `vite build --outDir <folder>`, so one build can be tested while another is being made). */
export const STUDIO_DIST =
  process.env.ORDO_TEST_STUDIO_DIST ?? fileURLToPath(new URL('../../studio/dist', import.meta.url));
export const RESULTS_DIR = fileURLToPath(new URL('../../test-results', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';
const AXE_SCRIPT = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));

/** The app with the built studio, listening on a free loopback port. */
export async function startStudioApp(
  databaseName: string,
  overrides: Partial<AppOptions> = {},
): Promise<{ app: FastifyInstance; baseUrl: string }> {
  if (!existsSync(path.join(STUDIO_DIST, 'index.html')))
    throw new Error(
      `The built studio is missing (${STUDIO_DIST}/index.html). Build it first: npm run build:studio`,
    );
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing. Install it with: bash scripts/ensure-chromium.sh`);
  const app = await buildTestApp(databaseName, { studioDir: STUDIO_DIST, ...overrides });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  return { app, baseUrl: `http://127.0.0.1:${address.port}` };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/** A browser context of its own (own cookies: another person, or the same one in another tab's session). */
export async function newPage(
  browser: Browser,
  errors: string[],
  options: { width?: number; height?: number; locale?: string } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1440, height: options.height ?? 900 },
    locale: options.locale ?? 'zh-CN',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('console', (message) => {
    // With the address a failed load names (the text alone does not say which request answered 404).
    const url = message.location().url;
    if (message.type() === 'error') errors.push(url ? `${message.text()} (${url})` : message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return page;
}

export async function signIn(page: Page, baseUrl: string, user: CreatedUser, then: string): Promise<void> {
  await page.goto(`${baseUrl}/login?redirect=${encodeURIComponent(then)}`);
  await page.locator('input[name=username]').fill(user.username);
  await page.locator('input[name=password]').fill(user.password);
  await page.locator('[data-test=login-submit]').click();
  await page.waitForURL(`${baseUrl}${then}`);
}

/** A full-page screenshot under `test-results/<name>.png` (`name` may hold a folder: `designer/form`). */
export async function shoot(page: Page, name: string): Promise<string> {
  const file = path.join(RESULTS_DIR, `${name}.png`);
  await mkdir(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

let axeSource: string | undefined;

/** axe-core's serious and critical violations on the page as it is now (WCAG 2 A/AA rules). */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(AXE_SCRIPT, 'utf8');
  // The page at rest: no control under the pointer in its hover colours.
  await page.mouse.move(0, 0);
  // Colours read mid-transition (a button leaving its loading state, a tag fading in) are not what people see.
  // (Page-side code is passed as text: the test project is type-checked without the DOM library.)
  // (Endless animations, such as the pulse on a flow's current step, never settle and are not waited for.)
  await page.waitForFunction(
    "document.getAnimations().every((animation) => animation.playState !== 'running' || animation.effect?.getTiming().iterations === Infinity)",
  );
  // Evaluated through the debugging protocol, which the page's CSP (no inline scripts) does not govern.
  if (!(await page.evaluate<boolean>("'axe' in window"))) await page.evaluate(axeSource);
  const violations = await page.evaluate<AxeViolation[]>(`
    axe
      .run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        resultTypes: ['violations'],
      })
      .then((result) =>
        result.violations.map((violation) => ({
          id: violation.id,
          impact: violation.impact,
          help: violation.help,
          nodes: violation.nodes
            .slice(0, 5)
            .map((node) => JSON.stringify(node.target) + ' ' + node.html.slice(0, 200) + ' — ' + (node.failureSummary || '')),
        })),
      )
  `);
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/**
 * Drag a SortableJS item with the mouse, in steps, as a person does: press, move over the page, release once the
 * list shows where it will land. `source` is a palette item or an item's drag handle; `target` the list to drop
 * into (from a palette) or the item to drop beside (`where`: above it or below it). The pointer comes from one
 * side of the drop (by default the side it is on), so the list does not shift under it. On a busy machine
 * SortableJS may miss a move event, so the pointer hovers over the drop a little more, as a hand would.
 */
export async function dragSortable(
  page: Page,
  source: Locator,
  target: Locator,
  where: 'top' | 'bottom' = 'bottom',
  from: 'above' | 'below' = where === 'top' ? 'above' : 'below',
): Promise<void> {
  const fromPalette = (await source.getAttribute('data-test'))?.startsWith('palette-') === true;
  const start = (await source.boundingBox())!;
  const to = (await target.boundingBox())!;
  const x = to.x + to.width / 2;
  const y = where === 'top' ? to.y + 4 : to.y + Math.max(4, to.height - 5);
  await page.mouse.move(start.x + start.width / 2, start.y + start.height / 2);
  await page.mouse.down();
  await page.mouse.move(start.x + start.width / 2 + 12, start.y + start.height / 2 + 12, { steps: 4 });
  await page.mouse.move(x, from === 'above' ? y - 40 : y + 40, { steps: 16 });
  await page.mouse.move(x, y, { steps: 8 });
  await page.mouse.move(x, y + (where === 'top' ? 1 : -1), { steps: 2 });
  // From a palette, the item shows in the list (SortableJS moves a copy in); an item moved within a list is drawn
  // as its ghost beside the target.
  const landed = fromPalette
    ? target.locator(':scope > [data-kind]')
    : target.locator(
        where === 'top'
          ? 'xpath=preceding-sibling::*[1][contains(@class, "sortable-ghost")]'
          : 'xpath=following-sibling::*[1][contains(@class, "sortable-ghost")]',
      );
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const shown = await landed
      .waitFor({ state: 'attached', timeout: 1_500 })
      .then(() => true)
      .catch(() => false);
    if (shown) break;
    const box = fromPalette ? ((await target.boundingBox()) ?? to) : to;
    const wiggle = attempt % 2 === 0 ? 3 : -3;
    const hoverY = fromPalette ? box.y + box.height / 2 : y + (where === 'top' ? 1 : -1);
    await page.mouse.move(box.x + box.width / 2 + wiggle, hoverY, { steps: 4 });
  }
  await landed.waitFor({ state: 'attached', timeout: 2_000 });
  await page.mouse.up();
}
