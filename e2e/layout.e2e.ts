// Layout and keyboard of the lab page: it fits a 1280x720 screen, charts follow the window's width,
// and everything works from the keyboard with a label on every input. (A lost GPU device:
// e2e/device.e2e.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openLab, screenshot } from './browser.ts';

let browser: Browser;

const openAt = async (width: number, height: number) => openLab(await browser.newPage({ viewport: { width, height } }));

const lossChartWidth = (page: Page) => page.locator('[data-testid=metric-chart]').first().evaluate((svg) => svg.getBoundingClientRect().width);

describe('layout and keyboard', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('fits 1280x720, resizes charts with the window, and works from the keyboard', async () => {
    const page = await openAt(1280, 720);
    // the controls and the loss chart are on the first screen, with no sideways scrolling
    const chartTop = await page.locator('[data-testid=metric-chart]').first().evaluate((svg) => svg.getBoundingClientRect().top);
    expect(chartTop).toBeLessThan(720 - 150);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);

    // every form control has an accessible name (a <label>, or aria-label)
    const unlabelled = await page.locator('input, select, textarea').evaluateAll((els) => els
      .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.outerHTML.slice(0, 80)));
    expect(unlabelled).toEqual([]);

    // keyboard only: Tab reaches Train, Enter starts training
    let focused = '';
    for (let i = 0; i < 10 && focused !== 'Train'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    }
    expect(focused).toBe('Train');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=step]')?.textContent) >= 20, null, { timeout: 240_000 });
    // Pause is the next stop in the tab order; Space presses it
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Pause');
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByRole('button', { name: 'Train' }).isEnabled(), { timeout: 60_000 }).toBe(true);

    // the loss chart takes focus; arrow keys move the shared cursor, Escape hides it
    const chart = page.locator('[data-testid=metric-chart]').first();
    await chart.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    // Home is step 0 (the held-out loss before any update), then steps 1 and 2
    expect(await chart.locator('[data-testid=cursor-tooltip] .tooltip-head').textContent()).toBe('step 2');
    await page.keyboard.press('Escape');
    expect(await chart.locator('[data-testid=cursor]').count()).toBe(0);

    // a panel folds away from the keyboard (it is a <details>): its fields disappear
    await page.locator('summary', { hasText: 'Experiment' }).focus();
    await page.keyboard.press('Enter');
    expect(await page.getByLabel('Width d').isVisible()).toBe(false);
    await page.keyboard.press('Enter');
    expect(await page.getByLabel('Width d').isVisible()).toBe(true);
    await screenshot(page, 'layout-1280x720');

    // charts follow the window: narrower window, narrower chart, still no sideways scrolling
    const wide = await lossChartWidth(page);
    await page.setViewportSize({ width: 700, height: 720 }); // one column below 1000 px
    await expect.poll(() => lossChartWidth(page)).toBeLessThan(wide - 100);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(700);
    await screenshot(page, 'layout-700');
    await page.setViewportSize({ width: 1600, height: 900 });
    await expect.poll(() => lossChartWidth(page)).toBeGreaterThan(wide);
    await page.close();
  });
});
