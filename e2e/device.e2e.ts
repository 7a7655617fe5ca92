// A lost GPU device without a reload (train/worker.ts, useEngine.ts): the worker asks for a new
// adapter and device (bounded retries), both runs are rebuilt from the last checkpoint and
// training continues, twice in a row; when no adapter comes back the page says to restart the
// browser and keeps every step done. The device is destroyed through the worker's engine
// (self.nitpEngine), which is what a driver reset does to it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openLab, screenshot } from './browser.ts';

let browser: Browser;
const step = async (page: Page) => Number(await page.getByTestId('step').textContent());
const reach = (page: Page, n: number) => page.waitForFunction((n) => Number(document.querySelector('[data-testid=step]')?.textContent) >= n, n, { timeout: 240_000 });

/** Destroys the GPU device the worker trains on now; `noAdapter` first makes every later adapter request fail. */
async function loseDevice(page: Page, noAdapter = false): Promise<void> {
  const [worker] = page.workers();
  await worker.evaluate((noAdapter) => {
    if (noAdapter) navigator.gpu.requestAdapter = async () => null;
    (self as unknown as { nitpEngine: { gpu: { device: GPUDevice } } }).nitpEngine.gpu.device.destroy();
  }, noAdapter);
}

describe('a lost GPU device', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('is replaced twice, and training continues from the last checkpoint each time', async () => {
    const page = await openLab(await browser.newPage({ viewport: { width: 1280, height: 720 } }), '?v=2&p=tiny');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    const notice = page.getByTestId('engine-notice');
    let target = 12;
    for (let loss = 1; loss <= 2; loss++) {
      await reach(page, target);
      const before = await step(page);
      await loseDevice(page);
      // this loss's notice: lost at or after the step seen before it
      const lostAt = async () => ((await notice.count()) ? Number(/after step (\d+)/.exec((await notice.textContent()) ?? '')?.[1] ?? -1) : -1);
      await expect.poll(lostAt, { timeout: 120_000 }).toBeGreaterThanOrEqual(before);
      expect(await notice.textContent()).toMatch(/^The GPU device was lost \(destroyed: .*\) after step \d+; a new GPU device is ready\. Both runs were rebuilt from the checkpoint of step \d+ and continue\.$/);
      const from = Number(/checkpoint of step (\d+)/.exec((await notice.textContent())!)![1]);
      expect(from).toBeGreaterThan(0);
      expect(from).toBeLessThanOrEqual(before + 10);
      // training goes on by itself, past where it was lost, with no error
      target = Math.max(before, from) + 12;
      await reach(page, target);
      expect(await page.getByRole('alert').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Pause' }).isEnabled()).toBe(true);
    }
    await screenshot(page, 'device-lost-twice');
    await page.close();
  });

  it('without an adapter coming back, says to restart the browser and keeps the steps done', async () => {
    const page = await openLab(await browser.newPage({ viewport: { width: 1280, height: 720 } }), '?v=2&p=tiny');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await reach(page, 12);
    await loseDevice(page, true);
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 120_000 });
    const message = (await alert.textContent())!;
    expect(message).toMatch(/^The GPU device was lost \(destroyed: .*\) after step \d+, and no GPU adapter came back after 3 tries .*: restart the browser to train again\. Everything measured so far stays on the page/);
    const stoppedAt = Number(/after step (\d+)/.exec(message)![1]);
    expect(await step(page)).toBe(stoppedAt);
    const points = Number(await page.locator('path[data-series="NITP model — next-token loss (training)"]').first().getAttribute('data-points'));
    expect(points).toBe(stoppedAt);
    await expect.poll(() => page.getByRole('button', { name: 'Train', exact: true }).isEnabled()).toBe(true);
    await screenshot(page, 'device-gone');
    await page.close();
  });
});
