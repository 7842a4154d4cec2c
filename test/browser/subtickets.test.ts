import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  type CreatedUser,
} from '../support/server-app.js';
import { createTeam, itIncidentDefinition, publishType } from '../support/tickets.js';

/**
 * Sub-tickets in the built studio: the parent's page lists the sub-ticket its flow opened (a link to it, still in
 * progress) and its history says so; the sub-ticket's page links back to the ticket it was opened from.
 */

const STUDIO_DIST = fileURLToPath(new URL('../../studio/dist', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../../test-results', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

let app: FastifyInstance;
let browser: Browser;
let baseUrl: string;
let agent: CreatedUser;
let parent: { id: string; number: string };

type Body = Record<string, unknown>;
const node = (id: string, type: string, data: Body = {}) => ({ id, type, position: { x: 0, y: 0 }, data });

beforeAll(async () => {
  if (!existsSync(path.join(STUDIO_DIST, 'index.html')))
    throw new Error(
      `The built studio is missing (${STUDIO_DIST}/index.html). Build it first: npm run build:studio`,
    );
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing. Install it with: bash scripts/ensure-chromium.sh`);
  app = await buildTestApp('subtickets_browser', { studioDir: STUDIO_DIST });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  baseUrl = `http://127.0.0.1:${address.port}`;

  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  const requester = await createUser(app, admin, {
    username: 'zhou.min',
    roles: ['requester'],
    locale: 'zh-CN',
  });
  agent = await createUser(app, admin, {
    username: 'qian.hao',
    displayName: '钱浩',
    roles: ['agent'],
    locale: 'en',
  });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  const base = itIncidentDefinition();
  const work = (id: string) =>
    node(id, 'task', { name: { 'zh-CN': id, en: id }, assign: 'routing', outcomes: ['done'] });
  await publishType(app, admin, {
    ...base,
    key: 'ops.child',
    name: { 'zh-CN': '账号开通', en: 'Account setup' },
    numberFormat: 'ACC-{seq:4}',
    flow: {
      nodes: [node('start', 'start'), work('work'), node('end', 'end', { status: 'closed' })],
      edges: [
        { id: 'c1', source: 'start', target: 'work' },
        { id: 'c2', source: 'work', sourceHandle: 'done', target: 'end' },
      ],
    },
  });
  const copy = { title: { var: 'data.title' }, service: 'email', impact: 'person', urgency: 'low' };
  await publishType(app, admin, {
    ...base,
    key: 'ops.parent',
    name: { 'zh-CN': '新员工入职', en: 'Onboarding' },
    numberFormat: 'ONB-{seq:4}',
    flow: {
      nodes: [
        node('start', 'start'),
        node('accounts', 'action', {
          name: { 'zh-CN': '开通账号', en: 'Set up accounts' },
          subticket: { type: 'ops.child', data: copy, wait: true },
        }),
        work('welcome'),
        node('end', 'end', { status: 'closed' }),
      ],
      edges: [
        { id: 'p1', source: 'start', target: 'accounts' },
        { id: 'p2', source: 'accounts', target: 'welcome' },
        { id: 'p3', source: 'welcome', sourceHandle: 'done', target: 'end' },
      ],
    },
  });
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: {
      type: 'ops.parent',
      data: { title: '张三入职准备', service: 'email', impact: 'person', urgency: 'low' },
    },
  });
  if (opened.status !== 201) throw new Error(`opening: ${JSON.stringify(opened.body)}`);
  parent = { id: String(opened.body.id), number: String(opened.body.number) };

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
  await browser?.close();
  await app?.close();
});

async function signIn(page: Page, user: CreatedUser, then: string): Promise<void> {
  await page.goto(`${baseUrl}/login?redirect=${encodeURIComponent(then)}`);
  await page.locator('input[name=username]').fill(user.username);
  await page.locator('input[name=password]').fill(user.password);
  await page.locator('[data-test=login-submit]').click();
  await page.waitForURL(`${baseUrl}${then}`);
}

describe('sub-tickets in the studio', () => {
  it('links the parent and its sub-ticket both ways, with the history entry', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    try {
      await signIn(page, agent, `/tickets/${parent.id}`);
      const related = page.locator('[data-test=related-tickets]');
      await related.waitFor();
      const child = related.locator('[data-test=related-subticket]');
      await expect.poll(() => child.count()).toBe(1);
      const childText = await child.innerText();
      expect(childText).toMatch(/ACC-\d{4}/);
      expect(childText).toContain('Account setup');
      expect(childText).toContain('In progress');
      expect(childText).toContain('Set up accounts');
      const childNumber = /ACC-\d{4}/.exec(childText)![0];
      await expect
        .poll(() => page.locator('[data-test=timeline]').innerText())
        .toContain(`Opened sub-ticket ${childNumber} (Account setup)`);

      await child.locator('a').click();
      await page.waitForURL(/\/tickets\/s[0-9a-f]+$/);
      const back = page.locator('[data-test=related-parent]');
      await back.waitFor();
      expect(await back.innerText()).toContain(parent.number);
      await page.screenshot({ path: path.join(RESULTS_DIR, 'subtickets-child.png'), fullPage: true });
      await back.click();
      await page.waitForURL(`${baseUrl}/tickets/${parent.id}`);
    } finally {
      await context.close();
    }
  }, 120_000);
});
