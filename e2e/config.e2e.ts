// The experiment panel: an invalid field shows the config's error and cannot be applied; a preset
// and a valid change restart both runs with the new settings.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { collectErrors, launchBrowser, screenshot } from './browser.ts';

let browser: Browser;
let page: Page;
let errors: string[];

describe('experiment panel', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    errors = collectErrors(page);
    await page.goto(inject('baseUrl'));
    await page.getByTestId('config-estimate').waitFor({ timeout: 120_000 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('names an invalid field and refuses to apply it', async () => {
    await page.getByLabel('Width d').fill('31');
    const error = page.getByTestId('config-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/"model.dModel": must be divisible by model.nHead \(2\), got 31/);
    expect(await page.getByLabel('Width d').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: /^Apply/ }).isDisabled()).toBe(true);
    await screenshot(page, 'config-invalid');
    await page.getByLabel('Width d').fill('32');
    await expect.poll(() => page.getByTestId('config-error').count()).toBe(0);
  });

  it('shows parameter counts and applies a change by restarting both runs', async () => {
    expect(await page.getByTestId('config-estimate').textContent()).toMatch(/29,216 parameters \(NTP\) and 41,504 \(NITP, head included\)/);
    await page.getByLabel('Steps', { exact: true }).fill('120');
    await page.getByRole('button', { name: /^Apply/ }).click();
    await expect.poll(async () => (await page.locator('.stats').textContent())?.includes('/ 120'), { timeout: 120_000 }).toBe(true);
    // a preset replaces the draft: λ set to 0.5 goes back to the preset's 1, and the tiny model
    // and 120 steps in use become the defaults the preset leaves unset (L 4, d 64, 2000 steps)
    await page.getByLabel('λ (0 = plain NTP)').fill('0.5');
    expect(await page.getByLabel('λ (0 = plain NTP)').inputValue()).toBe('0.5');
    await page.getByLabel('Preset').selectOption('Paper defaults');
    expect(await page.getByLabel('λ (0 = plain NTP)').inputValue()).toBe('1');
    expect(await page.getByLabel('Layers L').inputValue()).toBe('4');
    expect(await page.getByLabel('Width d').inputValue()).toBe('64');
    expect(await page.getByLabel('Steps', { exact: true }).inputValue()).toBe('2000');
    expect(errors).toEqual([]);
  });
});
