// GPU limits and errors in the page (model/memory.ts, gpu/errors.ts): a link asking for a large
// model is not allocated unasked, one over the GPU's limits or the lab's budget is refused by name,
// and an uncaptured GPU error stops training with its message and a way back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openLab, screenshot } from './browser.ts';

let browser: Browser;
const open = async (query: string) => openLab(await browser.newPage({ viewport: { width: 1280, height: 720 } }), query);
const step = async (page: Page) => Number(await page.getByTestId('step').textContent());

describe('GPU limits and errors in the page', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('asks before loading a large model, and refuses one over the limits or the budget by name', async () => {
    const page = await open('?v=2&p=tiny&d=4096&L=48&T=4096&h=32');
    const notice = page.getByTestId('large-model');
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.textContent()).toMatch(/This link asks for a large model \(L 48 · d 4096 · T 4096 · B 8\): both runs need about [\d.]+ GiB of GPU memory/);
    // the default experiment is what the page holds meanwhile
    expect(await page.getByTestId('engine-info').textContent()).toMatch(/NTP \(29,216 parameters\) and NTP \+ NITP \(41,504/);
    await page.getByTestId('large-model-load').click();
    const refused = page.getByTestId('large-model-refused');
    await refused.waitFor({ timeout: 120_000 });
    expect(await refused.textContent()).toMatch(/^Not loaded: the buffer "NITP params" needs 36\.8 GiB, more than this GPU's largest buffer \(maxBufferSize [\d.]+ [GM]iB\): shrink model\.nLayer, model\.dModel$/);
    expect(await page.getByTestId('engine-info').textContent()).toMatch(/NTP \(29,216 parameters\) and NTP \+ NITP \(41,504/);
    await screenshot(page, 'large-model-refused');
    await page.close();

    // within every buffer limit, over the budget of both runs
    const wide = await open('?v=2&p=tiny&d=512&L=12&T=512&h=8&B=32');
    await wide.getByTestId('large-model-load').click();
    await wide.getByTestId('large-model-refused').waitFor({ timeout: 120_000 });
    expect(await wide.getByTestId('large-model-refused').textContent())
      .toMatch(/^Not loaded: both runs need [\d.]+ GiB of GPU memory, more than the lab's budget of 4\.0 GiB .*: shrink model\.contextLength, train\.batchSize/);
    await wide.close();
  });

  it('stops on an uncaptured GPU error with its message, and resumes from the last checkpoint', async () => {
    const page = await open('?v=2&p=tiny');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=step]')?.textContent) >= 12, null, { timeout: 240_000 });
    // a validation error outside any error scope, as a driver or a kernel bug would raise one
    const [worker] = page.workers();
    await worker.evaluate(() => {
      const device = (self as unknown as { nitpEngine: { gpu: { device: GPUDevice } } }).nitpEngine.gpu.device;
      device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
    });
    const recovery = page.getByTestId('recovery');
    await recovery.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('recovery-message').textContent()).toMatch(/^A GPU error stopped training: .+/);
    const stoppedAt = await step(page);
    const label = (await page.getByTestId('recovery-restore').textContent())!;
    expect(label).toMatch(/^Resume from step \d+$/);
    const from = Number(/(\d+)$/.exec(label)![1]);
    expect(from).toBeLessThanOrEqual(stoppedAt);
    // the spoiled pair neither trains nor steps until it is rebuilt
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    expect(await step(page)).toBe(stoppedAt);
    await page.getByTestId('recovery-restore').click();
    await expect.poll(() => recovery.count(), { timeout: 120_000 }).toBe(0);
    expect(await step(page)).toBe(from);
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=step]')?.textContent) >= n + 10, from, { timeout: 240_000 });
    expect(await recovery.count()).toBe(0);
    await page.close();
  });
});
