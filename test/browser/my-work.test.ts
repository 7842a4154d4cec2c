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
import { installPacks, sampleData, shippedPacks, staffPacks, type PackStaff } from '../support/packs.js';
import { ADMIN_PASSWORD, bearer, call, login } from '../support/server-app.js';

/**
 * The requester's manager — an agent in no team — is asked to approve a leave request of the HR team: the bell
 * shows the approval waiting, "My approvals" lists it, they approve it on the ticket page, and it moves to "I took
 * part in". Then the HR member finds the next approval in the same way. In Debian's Chromium, against the built
 * studio.
 */
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let staff: PackStaff;
const errors: string[] = [];

beforeAll(async () => {
  ({ app, baseUrl } = await startStudioApp('my_work_browser'));
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  const packs = (await shippedPacks()).filter((pack) => pack.manifest.id === 'hr');
  await installPacks(app, admin, ['hr']);
  staff = await staffPacks(app, admin, packs, 'mw');
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function openLeave(): Promise<{ id: string; number: string }> {
  const opened = await call(app, {
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(staff.requester.token),
    payload: {
      type: 'hr.leave',
      data: sampleData(staff, {
        title: '婚假',
        leaveType: 'marriage',
        startDate: '2026-05-06',
        endDate: '2026-05-15',
        days: 8,
        handoverTo: 'u-colleague',
      }),
    },
  });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  return { id: String(opened.body.id), number: String(opened.body.number) };
}

async function approveFromTheBell(page: Page, number: string): Promise<void> {
  await page.locator('[data-test=notification-bell]').click();
  await page.locator('[data-test=notification-approvals]').click();
  await page.waitForURL(`${baseUrl}/tickets/approvals`);
  await page.locator(`[data-test="work-${number}"]`).click();
  await page.locator('[data-test=cmd-approve]').click();
  await page.locator('[data-test=dialog-confirm]').click();
  await page.locator('[data-test=cmd-approve]').waitFor({ state: 'detached' });
}

describe('My approvals in the studio', () => {
  it('the manager outside the team approves from the bell, then the HR member', async () => {
    const ticket = await openLeave();

    const manager = await newPage(browser, errors);
    await signIn(manager, baseUrl, staff.manager, '/tickets/approvals');
    await manager.locator(`[data-test="work-${ticket.number}"]`).waitFor();
    await shoot(manager, 'my-work/approvals');
    // The header's avatar colours and the status tag's tint are the shell's, checked where they are made.
    const violations = (await seriousA11yViolations(manager)).filter(
      (violation) =>
        !(
          violation.id === 'color-contrast' &&
          violation.nodes.every((node) => node.includes('el-avatar') || node.includes('el-tag'))
        ),
    );
    expect(violations).toEqual([]);
    await approveFromTheBell(manager, ticket.number);

    await manager.goto(`${baseUrl}/tickets/approvals`);
    await manager.locator('[data-test=work-approval-list] .el-empty').waitFor();
    await manager.goto(`${baseUrl}/tickets/approvals?show=history`);
    await manager.locator(`[data-test="work-${ticket.number}"]`).waitFor();

    const hr = await newPage(browser, errors);
    await signIn(hr, baseUrl, staff.members.hr!, '/');
    await approveFromTheBell(hr, ticket.number);
    const after = await call(app, {
      method: 'GET',
      url: `/api/tickets/${ticket.id}`,
      headers: bearer(staff.requester.token),
    });
    expect(after.body.approvals).toMatchObject({
      'manager-approval': { result: 'approved' },
      'hr-approval': { result: 'approved' },
    });
  });
});
