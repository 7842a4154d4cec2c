import type { FastifyInstance } from 'fastify';
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
import { ADMIN_PASSWORD, createUser, login } from '../support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../support/tickets.js';

/**
 * The admin's journey on /admin/channels/alerts: a channel created in the dialog (its key shown once), an alert
 * storm posted with that key making one ticket whose page shows the occurrence count, a payload tried (nothing
 * stored) and a refused one listed with its reason. In Debian's Chromium, against the built studio.
 */
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let adminToken: string;
const errors: string[] = [];

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('alert_channels_browser'));
  adminToken = await login(app, 'admin', ADMIN_PASSWORD);
  await createUser(app, adminToken, { username: 'monitoring', roles: ['requester'] });
  const agent = await createUser(app, adminToken, { username: 'ops.lin', roles: ['agent'] });
  await createTeam(app, adminToken, { key: 'it-desk', members: [{ userId: agent.id }] });
  await createTeam(app, adminToken, {
    key: 'it-ops',
    members: [{ userId: agent.id, skills: { server: 3 } }],
  });
  const designer = await createUser(app, adminToken, { username: 'designer.qin', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const alertmanager = (fingerprint: string) => ({
  version: '4',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighLoad', instance: 'db-1', job: 'node', severity: 'critical' },
      annotations: { summary: '负载持续高于 10' },
      startsAt: new Date().toISOString(),
      fingerprint,
    },
  ],
});

describe('alert channels page', () => {
  it('creates a channel, an alert storm makes one ticket with its count, a payload is tried and a refusal listed', async () => {
    const page = await newPage(browser, errors);
    const admin = { id: '', username: 'admin', password: ADMIN_PASSWORD, token: adminToken };
    await signIn(page, baseUrl, admin, '/admin/channels/alerts');
    await page.locator('.side-menu').getByText('告警通道', { exact: true }).waitFor();

    await page.locator('[data-test=alert-channel-create]').click();
    const form = page.locator('[data-test=alert-channel-form]');
    await form.waitFor();
    await form.getByPlaceholder('如：生产环境 Prometheus').fill('生产 Prometheus');
    await form.locator('[data-test=alert-channel-type]').click();
    await page.locator('.el-select-dropdown__item:visible').first().click();
    await form.getByRole('combobox', { name: '提单人' }).fill('monitoring');
    await page.locator('.el-select-dropdown__item:visible', { hasText: 'monitoring' }).click();
    await form.locator('textarea[data-test=alert-channel-data-mapping]').fill(
      JSON.stringify({
        title: { path: '$.alert.title' },
        service: { logic: 'server' },
        hostname: { path: '$.alert.labels.instance' },
      }),
    );
    await form
      .locator('textarea[data-test=alert-channel-priority-data]')
      .fill(JSON.stringify({ urgent: { impact: 'company', urgency: 'high' } }));
    await page.locator('[data-test=alert-channel-save]').click();

    const key = (await page.locator('[data-test=alert-key]').innerText()).trim();
    expect(key).toMatch(/^oak_/);
    const address = (await page.locator('[data-test=alert-webhook-address]').innerText()).trim();
    await shoot(page, 'alerts/01-key-once');
    await page.locator('[data-test=alert-secret-done]').click();
    await page.locator('[data-test=alert-channels-table]').getByText('生产 Prometheus').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A storm of 50 identical alerts, posted as Alertmanager would (bearer key).
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(address, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify(alertmanager('db-1-load')),
        }).then(async (response) => ({
          status: response.status,
          body: (await response.json()) as { items: { ticketId: string }[] },
        })),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 202));
    const ticketIds = new Set(answers.map((answer) => answer.body.items[0]!.ticketId));
    expect(ticketIds.size).toBe(1);

    await page.goto(`${baseUrl}/tickets/${[...ticketIds][0]!}`);
    const panel = page.locator('[data-test=alert-occurrences]');
    await panel.waitFor();
    expect((await panel.locator('[data-test=alert-occurrence-count]').innerText()).trim()).toBe('50');
    await shoot(page, 'alerts/02-ticket-occurrences');

    // Try a payload: the known fingerprint adds to its ticket, a new one would open; nothing stored.
    await page.goto(`${baseUrl}/admin/channels/alerts`);
    await page.locator('[data-test=alert-channels-table]').getByRole('button', { name: '试一试' }).click();
    await page.locator('textarea[data-test=alert-test-payload]').fill(
      JSON.stringify({
        ...alertmanager('db-1-load'),
        alerts: [...alertmanager('db-1-load').alerts, ...alertmanager('db-2-disk').alerts],
      }),
    );
    await page.locator('[data-test=alert-test-run]').click();
    const results = page.locator('[data-test=alert-test-results]');
    await results.getByText('累加到已有工单').waitFor();
    await results.getByText('开新工单').waitFor();
    expect(await results.innerText()).toContain('已发生 50 次');
    await shoot(page, 'alerts/03-tried');

    // A payload that does not match the preset is refused and listed with its reason.
    const refused = await fetch(address, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ordo-alert-key': key },
      body: JSON.stringify({ alerts: [] }),
    });
    expect(refused.status).toBe(422);
    await page.getByRole('tab', { name: '未开单记录' }).click();
    await page.locator('[data-test=alert-rejections]').getByText('告警数组为空').waitFor();
    await shoot(page, 'alerts/04-rejections');
    // The sign-in page's first look at /api/me (401) and nothing else.
    expect(errors.filter((text) => !/status of 401/.test(text))).toEqual([]);
  }, 180_000);
});
