// The teaching mode as a student and a teacher meet it: the teaching link opens the tour, which is
// followed with the keyboard alone; training pauses itself at the NTP run's rank minimum, and the
// numbers the tour states are the ones the rank chart holds. Presenter mode at 1920x1080 and
// 1280x720: settings hidden, charts first and large, the arrow keys step the tour.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { collectErrors, launchBrowser, openLab, screenshot } from './browser.ts';

let browser: Browser;

/** Presses Tab (or Shift+Tab, `back`) until the focused element's text or label matches, and returns whether it did. */
async function tabTo(page: Page, name: RegExp, back = false, limit = 60): Promise<boolean> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return `${el?.getAttribute('aria-label') ?? ''} ${el?.textContent ?? ''} ${(el as HTMLInputElement | null)?.value ?? ''}`;
    });
    if (name.test(focused)) return true;
  }
  return false;
}

/** The number in a chart tooltip row that starts with `series`, e.g. "NTP model: 3.12". */
async function tooltipValue(page: Page, chartLabel: RegExp, series: string): Promise<number> {
  const chart = page.getByRole('img', { name: chartLabel });
  const rows = await chart.locator('[data-testid=cursor-tooltip] text').allTextContents();
  const row = rows.find((r) => r.startsWith(`${series}:`));
  if (!row) throw new Error(`no tooltip row for ${series}: ${rows.join(' | ')}`);
  return Number(row.slice(series.length + 1).trim().split(' ')[0].replace('−', '-'));
}

describe('teaching mode', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('follows the tour from the keyboard to the collapse, with the numbers of the charts', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const errors = collectErrors(page);
    await openLab(page, '?v=2&p=teaching');
    const tour = page.getByTestId('teach-panel');
    await expect.poll(() => tour.getByTestId('tour-text').textContent(), { timeout: 60_000 }).toMatch(/Before any update \(step 0\).* use [\d.]+ of the 64 dimensions/);
    const start = Number((await tour.getByTestId('tour-text').textContent())!.match(/use ([\d.]+) of the 64/)![1]);
    expect(start).toBeGreaterThan(16); // a round cloud: well over a quarter of d

    // keyboard only: Next, a prediction (Tab into the radio group, arrows choose), Next, then "Train and watch"
    expect(await tabTo(page, /Next tour step/)).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => tour.locator('h2').textContent()).toMatch(/2\/6: Predict/);
    expect(await tabTo(page, / rise$/)).toBe(true);
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    expect(await tour.getByLabel('It collapses to a few directions.').isChecked()).toBe(true);
    expect(await tabTo(page, /Next tour step/, true)).toBe(true); // the tour's buttons are above its text
    await page.keyboard.press('Enter');
    await expect.poll(() => tour.locator('h2').textContent()).toMatch(/3\/6: The collapse/);
    expect(await tabTo(page, /Train and watch/)).toBe(true);
    await page.keyboard.press('Enter');

    // the tour pauses training itself once NTP's rank has passed its minimum
    await tour.getByTestId('tour-paused').waitFor({ timeout: 600_000 });
    await expect.poll(() => page.getByRole('button', { name: 'Train', exact: true }).isEnabled(), { timeout: 60_000 }).toBe(true);
    const text = (await tour.getByTestId('tour-text').textContent())!;
    expect(text).toMatch(/NTP's rank fell from [\d.]+ to [\d.]+ by step \d+; anisotropy there [\d.]+/);
    const minimum = Number(await tour.getByTestId('tour-ntp-min').textContent());
    const minStep = Number(await tour.getByTestId('tour-ntp-min-step').textContent());
    expect(minimum).toBeLessThan(0.75 * start);
    expect(text).toContain(`fell from ${start.toFixed(1)}`);
    await screenshot(page, 'teach-collapse');

    // the rank chart: the tour put the shared cursor on the minimum, and marks it
    const rankChart = /^Effective rank of the final hidden state/;
    const note = page.getByRole('img', { name: rankChart }).locator('[data-testid=annotation]').first();
    expect(Number(await note.getAttribute('data-step'))).toBe(minStep);
    expect(Number(await note.getAttribute('data-value')).toFixed(1)).toBe(minimum.toFixed(1));
    await expect.poll(() => page.getByRole('img', { name: rankChart }).locator('.tooltip-head').textContent()).toBe(`step ${minStep}`);
    expect((await tooltipValue(page, rankChart, 'NTP model')).toFixed(1)).toBe(minimum.toFixed(1));
    // every evaluation the chart holds for NTP is at or above the minimum the tour names
    const chartSvg = await page.getByRole('img', { name: rankChart }).evaluate((svg) => svg.outerHTML);
    expect(chartSvg).toContain(`NTP minimum ${minimum.toFixed(1)} @ ${minStep}`);
    expect(errors).toEqual([]);
    await page.close();
  });

  for (const [width, height] of [[1920, 1080], [1280, 720]] as const) {
    it(`presenter mode is readable at ${width}x${height}, and the arrow keys step the tour`, async () => {
      const page = await browser.newPage({ viewport: { width, height } });
      const errors = collectErrors(page);
      await openLab(page, '?v=2&p=teaching&present=1', 'teach-panel');
      const tour = page.getByTestId('teach-panel');
      await expect.poll(() => tour.getByTestId('tour-text').textContent(), { timeout: 60_000 }).toMatch(/Before any update \(step 0\)/);
      expect(await page.locator('.sidebar').isVisible()).toBe(false);
      // the rank chart is on the first screen, wide, and its text is large enough for a projector
      const rank = page.getByRole('img', { name: /^Effective rank of/ }).first();
      const box = (await rank.boundingBox())!;
      expect(box.y + box.height / 2).toBeLessThan(height);
      expect(box.width).toBeGreaterThan(width * 0.4);
      const tickPx = await rank.evaluate((svg) => {
        const tick = svg.querySelector('.tick') as SVGTextElement;
        return tick.getBoundingClientRect().height;
      });
      expect(tickPx).toBeGreaterThanOrEqual(12);
      expect(parseFloat(await tour.evaluate((el) => getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(20);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => tour.locator('h2').textContent()).toMatch(/2\/6: Predict/);
      await page.keyboard.press('ArrowLeft');
      await expect.poll(() => tour.locator('h2').textContent()).toMatch(/1\/6: The starting cloud/);
      expect(new URL(page.url()).searchParams.get('present')).toBe('1'); // the link keeps the flag
      await screenshot(page, `present-${width}x${height}`);
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
