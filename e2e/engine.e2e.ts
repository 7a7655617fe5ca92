// The training engine in a browser Web Worker: the page trains the tiny preset on WebGPU
// (SwiftShader here), the counters advance, the loss falls, pause stops the steps.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { collectErrors, launchBrowser, openLab, screenshot } from './browser.ts';

describe('engine in a Web Worker', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('tunes its kernels on first start on a GPU, says so, and remembers the choice', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    try {
      const page = await context.newPage();
      const errors = collectErrors(page);
      await page.goto(inject('baseUrl'));
      // a new browser profile has no cached choice: the page shows the tuning, then the engine
      await page.getByTestId('tuning').waitFor({ timeout: 120_000 });
      await screenshot(page, 'engine-tuning-1280');
      await page.getByTestId('engine-info').waitFor({ timeout: 120_000 });
      await screenshot(page, 'engine-tuned-1280');
      expect(await page.getByTestId('tuning').count()).toBe(0);
      expect(await page.getByTestId('engine-info').textContent())
        .toMatch(/\(kernels: matmul .+ · rows (thread|workgroup) · tuned in \d+\.\d s \(\d+ of \d+ matmul shapes timed\)\)/);
      // the same profile again: the choice comes from IndexedDB, nothing is timed
      const again = await context.newPage();
      await openLab(again);
      expect(await again.getByTestId('engine-info').textContent()).toMatch(/\(kernels: matmul .+ · cached \(tuned in \d+\.\d s/);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('trains in the worker: steps advance, loss falls, pause stops', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const errors = collectErrors(page);
    await openLab(page);
    expect(await page.getByTestId('engine-info').textContent()).toMatch(/NTP \([\d,]+ parameters\).*vocabulary \d+/);
    await page.getByRole('button', { name: 'Train' }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=step]')?.textContent) >= 60, null, { timeout: 240_000 });
    // both runs of the pair advance in lock-step (counted in one look at the page)
    const [nitpPoints, ntpPoints] = await page.evaluate(() => ['NITP model — next-token loss (training)', 'NTP model — training loss'].map((name) =>
      Number(document.querySelector(`path[data-series="${name}"]`)?.getAttribute('data-points'))));
    expect(nitpPoints).toBeGreaterThanOrEqual(60);
    expect(ntpPoints).toBe(nitpPoints);
    // an evaluation (every 50 steps by default) has put a validation point on the chart
    const evalPoints = await page.evaluate(() => Number(document.querySelector('path[data-series="NITP model — next-token loss (held-out)"]')?.getAttribute('data-points')));
    expect(evalPoints).toBeGreaterThanOrEqual(1);
    await page.getByRole('button', { name: 'Pause' }).click();
    // the worker finishes the chunk of steps in flight, then the Train button comes back
    await expect.poll(() => page.getByRole('button', { name: 'Train' }).isEnabled(), { timeout: 60_000 }).toBe(true);
    const stepAfterPause = Number(await page.getByTestId('step').textContent());
    await page.waitForTimeout(1500);
    expect(Number(await page.getByTestId('step').textContent())).toBe(stepAfterPause);
    // The loss starts near ln V (uniform prediction) and must have fallen clearly below it.
    const vocab = Number((await page.getByTestId('engine-info').textContent())!.match(/vocabulary (\d+)/)![1]);
    const loss = Number(await page.getByTestId('loss').textContent());
    expect(loss).toBeLessThan(Math.log(vocab) - 0.5);
    const tps = Number(await page.getByTestId('tps').textContent());
    expect(tps).toBeGreaterThan(0);
    expect(await page.getByTestId('eta').textContent()).toMatch(/^\d+ (s|min \d+ s|h \d+ min)$/);
    // geometry of both runs after the first evaluation: rank and anisotropy charts, heatmaps, spectrum
    await page.getByLabel('Hidden-state geometry').waitFor();
    expect(await page.getByTestId('layer-heatmap').count()).toBe(4);
    expect(await page.locator('[data-testid=heatmap-cell]').count()).toBeGreaterThanOrEqual(4 * 4); // 4 maps x (x0, 1, 2, final)
    expect(await page.locator('[data-testid=spectrum-chart] path[data-series]').count()).toBe(2);
    // PCA of both runs (1,024 of the evaluation set's 64 x 32 = 2,048 tokens), coloured by part of speech
    expect(await page.getByTestId('pca-scatter').count()).toBe(2);
    const drawn = await page.locator('[data-testid=pca-points]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-points')) + Number(e.getAttribute('data-outside') ?? 0)));
    expect(drawn).toEqual([1024, 1024]);
    await page.getByRole('button', { name: 'Run the probe now' }).click();
    await page.locator('[data-testid=probe-bars]').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid=probe-bars]').count()).toBe(2);
    // text from the paused NITP model, streamed into the page
    await page.getByLabel('Length', { exact: true }).fill('24');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Generate' }).isEnabled(), { timeout: 120_000 }).toBe(true);
    const generated = (await page.getByTestId('generated').textContent()) ?? '';
    const prompt = await page.getByLabel('Prompt').inputValue();
    expect(generated.startsWith(prompt)).toBe(true);
    expect(generated.length).toBe(prompt.length + 24); // char tokenizer: one character per token
    await screenshot(page, 'engine-training');
    // Reset starts both runs again from step 0
    await page.getByRole('button', { name: 'Reset' }).click();
    await expect.poll(() => page.getByTestId('step').textContent(), { timeout: 60_000 }).toBe('0');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('a browser without WebGPU', () => {
  it('shows what is missing and how to enable it instead of a blank page', async () => {
    const browser = await launchBrowser({ webgpu: false });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(inject('baseUrl'));
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    const text = await alert.textContent();
    expect(text).toMatch(/no WebGPU|gave the page no GPU adapter/);
    expect(text).toMatch(/--enable-unsafe-webgpu/);
    expect(await page.getByRole('button', { name: 'Train' }).isDisabled()).toBe(true);
    await screenshot(page, 'no-webgpu');
    await browser.close();
  });
});
