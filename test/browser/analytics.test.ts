import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard } from '../../server/analytics/analytics.service.js';
import { ManualClock } from '../../server/lib/clock.js';
import {
  launchChromium,
  newPage,
  seriousA11yViolations,
  shoot,
  signIn,
  startStudioApp,
} from '../support/browser.js';
import { bearer, call, login } from '../support/server-app.js';
import { generateHistory, type History } from '../support/ticket-history.js';

/**
 * A manager opens the dashboard over two weeks of generated history, reads the figures with their definitions,
 * clicks the breached bar of a priority and lands on the ticket queue holding exactly those tickets; then the
 * busiest heat map cell and the p90 resolution time, each opening its own exact list. In Debian's
 * Chromium, against the built studio; the server's clock stands at the end of the history.
 */
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let history: History;
const clock = new ManualClock(Date.parse('2026-11-01T08:00:00+08:00'));
const errors: string[] = [];

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('analytics_browser', { clock, ticketCatalog: 'memory' }));
  history = await generateHistory(app, clock, { tickets: 24, seed: 5 });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('analytics dashboard', () => {
  it('a manager clicks the breached bar, a heat map cell and a p90, each landing on its exact ticket list', async () => {
    const manager = history.supervisor;
    const token = await login(app, manager.username, manager.password);
    const answer = await call(app, {
      method: 'GET',
      url: '/api/analytics/dashboard',
      headers: bearer(token),
    });
    const dashboard = answer.body as unknown as Dashboard;
    const rows = dashboard.distributions.priority.rows;
    expect(rows.some((row) => row.breached > 0)).toBe(true);

    const page = await newPage(browser, errors);
    await signIn(page, baseUrl, manager, '/analytics');
    const volume = page.locator('[data-test=kpi-volume]');
    await volume.getByText(String(dashboard.kpis.volume.value), { exact: true }).waitFor();
    // Each figure states its definition beside it.
    expect(await volume.innerText()).toContain('统计期间内创建的工单数');
    await page
      .locator('[data-test=duration-firstResponse-business]')
      .getByText('首次响应 · 工作时间')
      .waitFor();
    const chart = page.locator('[data-test=chart-priority]');
    await chart.locator('svg').waitFor();
    await shoot(page, 'analytics/01-dashboard');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The breached bars are the red ones; the legend's red mark is the smallest of them.
    const bars = chart.locator('svg path[fill="#c92a2a"]');
    await expect.poll(() => bars.count()).toBeGreaterThan(1);
    const boxes = await Promise.all(
      (await bars.all()).map(async (bar) => ({ bar, box: await bar.boundingBox() })),
    );
    const tallest = boxes
      .filter((entry) => entry.box !== null)
      .sort((a, b) => b.box!.height - a.box!.height)[0]!;
    await tallest.bar.click();

    await page.waitForURL(/\/tickets\?/);
    const address = new URL(page.url());
    expect(address.searchParams.get('flag')).toBe('breached');
    const priority = address.searchParams.get('priority');
    const row = rows.find((candidate) => candidate.key === priority)!;
    expect(row.breached).toBeGreaterThan(0);
    await page.locator('[data-test=queue-report-filter]').getByText('已超时').waitFor();
    const queue = page.locator('[data-test=queue-table]');
    const numbers = queue.locator('tbody tr a.mono');
    await expect.poll(() => numbers.count()).toBe(row.breached);
    const expected = await call(app, {
      method: 'GET',
      url: `/api/tickets?${row.breachedTickets}&limit=200`,
      headers: bearer(token),
    });
    const expectedNumbers = (expected.body.items as { number: string }[]).map((item) => item.number).sort();
    expect((await numbers.allInnerTexts()).sort()).toEqual(expectedNumbers);
    await shoot(page, 'analytics/02-breached-tickets');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The busiest heat map cell opens the tickets created on that weekday in that hour: as many as it counted.
    await page.goBack();
    const heatmap = page.locator('[data-test=chart-heatmap]');
    await heatmap.locator('svg').waitFor();
    const cells = dashboard.heatmap.cells;
    let busiest = { weekday: 0, hour: 0, count: -1 };
    cells.forEach((hours, weekday) =>
      hours.forEach((count, hour) => {
        if (count > busiest.count) busiest = { weekday, hour, count };
      }),
    );
    // The chart's grid (AnalyticsPage heatmapOption): 48 px left, 16 right, 8 top, 64 bottom; 24 hours × 7 days.
    // A click at a position within the element scrolls it into view first (the heat map is below the fold).
    const canvas = heatmap.locator('svg').first();
    const box = (await canvas.boundingBox())!;
    await canvas.click({
      position: {
        x: 48 + (busiest.hour + 0.5) * ((box.width - 48 - 16) / 24),
        y: 8 + (busiest.weekday + 0.5) * ((box.height - 8 - 64) / 7),
      },
    });
    await page.waitForURL(/createdHour=/);
    const cellAddress = new URL(page.url()).searchParams;
    expect([cellAddress.get('createdWeekday'), cellAddress.get('createdHour')]).toEqual([
      String(busiest.weekday + 1),
      String(busiest.hour),
    ]);
    await expect.poll(() => numbers.count()).toBe(busiest.count);

    // The p90 of the business resolution time opens the tickets at or beyond it, longest first.
    await page.goBack();
    const p90 = dashboard.kpis.resolution.business.p90;
    const cell = page.locator('[data-test=duration-resolution-business-p90]');
    expect(await cell.innerText()).toContain(`不少于 ${p90.value} 分钟`);
    await cell.getByRole('button').click();
    await page.waitForURL(/sort=-resolutionBusiness/);
    await page.locator('[data-test=queue-report-filter]').getByText('解决时长（工作时间）不少于').waitFor();
    await expect.poll(() => numbers.count()).toBe(p90.listed);
    await shoot(page, 'analytics/03-p90-tickets');
    // "Who am I" before signing in answers 401, which the browser logs; nothing else may be an error.
    expect(errors.filter((text) => !/status of 401/.test(text))).toEqual([]);
  }, 180_000);
});
