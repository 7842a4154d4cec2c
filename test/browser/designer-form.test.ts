import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dragSortable, launchChromium, newPage, shoot, signIn, startStudioApp } from '../support/browser.js';
import { ADMIN_PASSWORD, createUser, login, type CreatedUser } from '../support/server-app.js';

/**
 * The form designer as an analyst uses it: a ticket type from blank, three fields and a section dragged from the
 * palette onto the canvas, one field shown only when another has a given value — the live preview (the portal's
 * own form, judged by the runtime) follows the values typed into it —, the same done by keyboard, and a reload
 * that finds it all saved.
 */

let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let analyst: CreatedUser;
const browserErrors: string[] = [];
const pages: Page[] = [];

beforeAll(async () => {
  // ORDO_STUDIO_DIST: a copy of the built studio, when others may rebuild studio/dist meanwhile.
  const studioDir = process.env.ORDO_STUDIO_DIST;
  ({ app, baseUrl } = await startStudioApp('designer_form_browser', studioDir ? { studioDir } : {}));
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  analyst = await createUser(app, admin, {
    username: 'he.jing',
    displayName: '何静',
    roles: ['designer'],
    locale: 'zh-CN',
  });
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  for (const [index, page] of pages.entries())
    await shoot(page, `designer/form-last-${index}`).catch(() => undefined);
  await browser?.close();
  await app?.close();
});

let axeSource: string | undefined;

/** axe-core's serious and critical violations inside the form tab (WCAG 2 A/AA rules), with the offending markup. */
async function formTabViolations(
  page: Page,
): Promise<{ id: string; impact: string | null; nodes: string[] }[]> {
  axeSource ??= await readFile(
    fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url)),
    'utf8',
  );
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<unknown> } }
    ).axe;
    const result = (await axe.run('[data-test=form-designer]', {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    })) as { violations: { id: string; impact: string | null; nodes: { html: string }[] }[] };
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      nodes: violation.nodes.slice(0, 5).map((node) => node.html.slice(0, 300)),
    }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

async function open(then: string): Promise<Page> {
  const page = await newPage(browser, browserErrors, { width: 1680, height: 1400 });
  pages.push(page);
  await signIn(page, baseUrl, analyst, then);
  return page;
}

const saveStatus = (page: Page) => page.locator('[data-test=designer-save-status]');
/** The keys of the fields of a section on the canvas, in order. */
async function canvasKeys(page: Page, section: number): Promise<(string | null)[]> {
  const items = page.locator(`[data-test=section-fields-${section}] > li`);
  const keys: (string | null)[] = [];
  for (let n = 0, count = await items.count(); n < count; n += 1)
    keys.push(await items.nth(n).getAttribute('data-key'));
  return keys;
}

const drag = dragSortable;

/** Write a condition through the rule builder (`rules/RuleBuilder.vue`) of the field's property panel. */
async function writeRule(page: Page, rule: string, logic: unknown): Promise<void> {
  const panel = page.locator(`[data-test=prop-rule-${rule}]`);
  await panel.locator(`[data-test=prop-rule-add-${rule}]`).click();
  // The rule builder's JSON tab: the produced rule is the same whichever tab wrote it.
  await panel.locator('[data-test=rule-tab-json]').click();
  const raw = panel.locator('textarea[data-test=rule-json]');
  await raw.fill(JSON.stringify(logic));
  await raw.blur();
}

async function pick(page: Page, field: Locator, option: string): Promise<void> {
  await field.locator('.el-select__wrapper').click();
  await page.getByRole('option', { name: option, exact: true }).locator('visible=true').click();
}

describe('form designer', () => {
  it('builds a form by dragging, makes a field conditional, previews it and finds it saved after a reload', async () => {
    const page = await open('/designer');
    await page.locator('[data-test=designer-create]').click();
    await page.locator('input[name=nameZh]').fill('门禁权限申请');
    await page.locator('input[name=nameEn]').fill('Door access request');
    await page.locator('input[name=key]').fill('admin.access');
    await page.locator('input[name=category]').fill('admin');
    await page.locator('[data-test=designer-create-confirm]').click();
    await page.waitForURL(`${baseUrl}/designer/admin.access`);
    const canvas = page.locator('[data-test=form-sections]');
    await canvas.waitFor();
    expect(await formTabViolations(page)).toEqual([]);

    // A choice onto the empty canvas gets a section of its own; a text into that section.
    await drag(page, page.locator('[data-test=palette-select]'), canvas, 'bottom', 'above');
    await expect.poll(() => canvasKeys(page, 0)).toEqual(['field_1']);
    await drag(page, page.locator('[data-test=palette-text]'), page.locator('[data-test=section-fields-0]'));
    await expect.poll(() => canvasKeys(page, 0)).toEqual(['field_1', 'field_2']);
    // A section below it, and a long text into the new section.
    await drag(page, page.locator('[data-test=palette-section]'), canvas, 'bottom', 'above');
    await page.locator('[data-test=section-fields-1]').waitFor();
    await drag(
      page,
      page.locator('[data-test=palette-textarea]'),
      page.locator('[data-test=section-fields-1]'),
    );
    await expect.poll(() => canvasKeys(page, 1)).toEqual(['field_3']);

    // Reorder by drag: the text goes above the choice.
    await drag(
      page,
      page.locator('[data-test=canvas-field-field_2] .fd-field__drag'),
      page.locator('[data-test=canvas-field-field_1]'),
      'top',
    );
    await expect.poll(() => canvasKeys(page, 0)).toEqual(['field_2', 'field_1']);

    // Name the fields: the keys follow the English names.
    await page.locator('[data-test=canvas-field-field_1] .fd-field__drag').click();
    const props = page.locator('[data-test=field-properties]');
    await props.locator('[data-test=prop-label-zh]').fill('权限类型');
    await props.locator('[data-test=prop-label-en]').fill('Access type');
    await expect.poll(() => props.locator('[data-test=prop-key]').inputValue()).toBe('accessType');
    await props.locator('[data-test=option-zh-1]').fill('机房');
    await props.locator('[data-test=option-value-1]').fill('datacenter');
    await props
      .locator('.el-switch', { has: page.getByRole('switch', { name: '必填', exact: true }) })
      .click();

    await page.locator('[data-test=canvas-field-field_3] .fd-field__drag').click();
    await props.locator('[data-test=prop-label-zh]').fill('申请理由');
    await props.locator('[data-test=prop-label-en]').fill('Reason');
    await expect.poll(() => props.locator('[data-test=prop-key]').inputValue()).toBe('reason');
    await writeRule(page, 'visibleWhen', { '==': [{ var: 'accessType' }, 'datacenter'] });
    await page.locator('[data-test=canvas-field-reason]').getByText('有条件').waitFor();

    // The preview follows the sample values typed into it.
    const preview = page.locator('[data-test=preview-frame]');
    await preview.locator('[data-test=field-accessType]').waitFor();
    await expect.poll(() => preview.locator('[data-test=field-reason]').count()).toBe(0);
    await pick(page, preview.locator('[data-test=field-accessType]'), '机房');
    await preview.locator('[data-test=field-reason]').waitFor();
    await page.getByRole('button', { name: '示例数据（JSON）' }).click();
    await expect
      .poll(() => page.locator('textarea[data-test=sample-json]').inputValue())
      .toContain('"accessType": "datacenter"');
    await shoot(page, 'designer/form-designer');
    expect(await formTabViolations(page)).toEqual([]);
    await pick(page, preview.locator('[data-test=field-accessType]'), '选项 1');
    await expect.poll(() => preview.locator('[data-test=field-reason]').count()).toBe(0);
    await expect
      .poll(() => page.locator('[data-test=canvas-field-reason]').getAttribute('class'))
      .toContain('is-hidden');

    // Phone width.
    await page.locator('[data-test=preview-width]').getByText('手机').click();
    // 390 CSS px inside the 8 px phone border.
    await expect.poll(async () => (await preview.boundingBox())?.width).toBe(390 + 2 * 8);
    await shoot(page, 'designer/form-preview-phone');

    // The same by keyboard: add a number after the selected field, move it up, delete it.
    await page.locator('[data-test=canvas-field-reason] .fd-field__drag').click();
    await page.locator('[data-test=palette-number]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => canvasKeys(page, 1)).toEqual(['reason', 'field_1']);
    await page.locator('[data-test=canvas-field-field_1] .fd-field__drag').focus();
    await page.keyboard.press('Alt+ArrowUp');
    await expect.poll(() => canvasKeys(page, 1)).toEqual(['field_1', 'reason']);
    await page.keyboard.press('Alt+ArrowUp');
    await expect.poll(() => canvasKeys(page, 0)).toEqual(['field_2', 'accessType', 'field_1']);
    await page.keyboard.press('Delete');
    await expect.poll(() => canvasKeys(page, 0)).toEqual(['field_2', 'accessType']);

    await expect.poll(() => saveStatus(page).getAttribute('data-state'), { timeout: 10_000 }).toBe('saved');
    await page.reload();
    await page.locator('[data-test=form-sections]').waitFor();
    await expect.poll(() => canvasKeys(page, 0)).toEqual(['field_2', 'accessType']);
    await expect.poll(() => canvasKeys(page, 1)).toEqual(['reason']);
    await page.locator('[data-test=canvas-field-reason]').getByText('有条件').waitFor();
    await page.locator('[data-test=canvas-field-accessType] .fd-field__drag').click();
    expect(await page.getByRole('switch', { name: '必填', exact: true }).isChecked()).toBe(true);

    // What was saved is the definition the runtime checks: schema and layout in step.
    await page.getByRole('tab', { name: 'JSON' }).click();
    const definition = JSON.parse(await page.locator('textarea[data-test=designer-json]').inputValue()) as {
      form: {
        schema: { properties: Record<string, { type?: string; enum?: unknown[] }>; required: string[] };
      };
    };
    expect(Object.keys(definition.form.schema.properties).sort()).toEqual([
      'accessType',
      'field_2',
      'reason',
    ]);
    expect(definition.form.schema.properties.accessType).toEqual({
      type: 'string',
      enum: ['option1', 'datacenter'],
    });
    expect(definition.form.schema.required).toEqual(['accessType']);
  }, 240_000);

  it('printed no unexpected errors in the browser', () => {
    const unexpected = browserErrors.filter((text) => !/status of 401/.test(text));
    expect(unexpected).toEqual([]);
  });
});
