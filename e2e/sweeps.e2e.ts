// Research workflow in the browser: a config queued at 2 seeds survives a reload, trains both
// pairs one after another into Saved runs, and the two compare with a diff table showing only
// train.seed and bands over the seeds; a folder `npm run sweep` wrote opens with a band per
// variant on every chart and its summary table, sortable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectErrors, launchBrowser, openLab, screenshot } from './browser.ts';
import { runSweep } from '../src/cli/sweep.ts';

let browser: Browser;
let sweepDir: string;
const LINK = '?v=2&T=16&L=2&d=16&h=2&steps=20&B=4&lr=0.003&wu=5&ev=10&evn=8';

describe('queue, comparison and sweeps', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    sweepDir = join(mkdtempSync(join(tmpdir(), 'nitp-sweep-e2e-')), 'lambda-sweep');
    await runSweep(['--config', 'examples/tiny.json', '--vary', 'nitp.lambda=0,1', '--seeds', '2', '--steps', '12',
      '--set', 'train.warmupSteps=2', '--set', 'eval.every=4', '--set', 'eval.sequences=8', '--set', 'data.corpus=markov', '--out', sweepDir], () => undefined);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('queues a config at 2 seeds, trains both, compares them, and opens a sweep folder with bands', async () => {
    const page = await openLab(await browser.newPage({ viewport: { width: 1280, height: 900 } }), LINK);
    const errors = collectErrors(page);
    await page.getByText('Queue and ablations', { exact: true }).click();
    await page.getByLabel('Seeds per experiment').fill('2');
    await page.getByRole('button', { name: 'Queue this config at 2 seeds' }).click();
    const statuses = () => page.getByTestId('queue-items').locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-status')));
    expect(await statuses()).toEqual(['waiting', 'waiting']);

    // the queue is kept across a reload
    await page.reload();
    await page.getByTestId('engine-info').waitFor({ timeout: 120_000 });
    await page.getByText('Queue and ablations', { exact: true }).click();
    expect(await statuses()).toEqual(['waiting', 'waiting']);
    expect(await page.getByTestId('queue-items').textContent()).toMatch(/seed 1337.*seed 1338/);

    await page.getByRole('button', { name: 'Run queue' }).click();
    await expect.poll(statuses, { timeout: 600_000, interval: 1000 }).toEqual(['done', 'done']);
    await screenshot(page, 'queue-done');
    // the Ablations menu says what the paper reports and what to expect here
    await page.getByLabel('Ablation', { exact: true }).selectOption('abl-lambda');
    expect(await page.getByTestId('ablation-note').textContent()).toMatch(/λ = 3/);
    await page.locator('details.panel', { hasText: 'Queue and ablations' }).screenshot({ path: 'test-results/screenshots/queue-panel.png' });
    expect(await page.getByTestId('step').textContent()).toBe('20');

    // both land in Saved runs, named after their items; compare them
    await page.getByText('Sweeps and comparisons', { exact: true }).click();
    const compareList = page.getByTestId('compare-list');
    await expect.poll(() => compareList.textContent(), { timeout: 30_000 }).toMatch(/Experiment, seed 1337.*step 20/);
    await expect.poll(() => compareList.textContent(), { timeout: 30_000 }).toMatch(/Experiment, seed 1338.*step 20/);
    await page.getByLabel('Compare Experiment, seed 1337').check();
    await page.getByLabel('Compare Experiment, seed 1338').check();
    await page.getByRole('button', { name: 'Compare selected (2)' }).click();
    const table = page.getByTestId('diff-table');
    await table.waitFor();
    expect(await table.locator('th[data-field]').evaluateAll((ths) => ths.map((th) => th.getAttribute('data-field')))).toEqual(['train.seed']);
    expect(await table.locator('tbody tr').count()).toBe(2);
    // grouped by λ: the NTP and NITP models, 2 seeds each, a band on each of the 3 charts
    const view = page.getByTestId('research-view');
    await expect.poll(() => view.locator('[data-testid=series-band]').count()).toBe(6);
    expect(await view.getByTestId('summary-row').count()).toBe(2);
    await screenshot(page, 'compare-two-seeds');
    await view.screenshot({ path: 'test-results/screenshots/compare-two-seeds-view.png' });
    await page.getByRole('button', { name: 'Overlay these on the charts' }).click();
    await expect.poll(() => page.locator('path[data-series^="Experiment, seed 1338: NITP model"]').count()).toBeGreaterThan(0);

    // a sweep folder written by the CLI: a band per variant on the loss, rank and anisotropy charts
    await page.getByLabel('Open a sweep folder').setInputFiles(sweepDir);
    await expect.poll(() => view.locator('h2').textContent()).toBe('Sweep: lambda-sweep');
    const bands = await view.locator('[data-testid=series-band]').evaluateAll((ps) => ps.map((p) => [p.getAttribute('data-series'), p.getAttribute('data-points'), (p.getAttribute('d') ?? '').length > 10]));
    // evaluations at steps 0, 4, 8, 12 of each run
    expect(bands).toEqual([0, 1, 2].flatMap(() => [['nitp.lambda = 0 (NTP) (2 runs)', '4', true], ['nitp.lambda = 1 (2 runs)', '4', true]]));
    const rows = view.getByTestId('summary-row');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().locator('td').first().textContent()).toBe('0');
    // sortable: λ descending puts λ = 1 first
    const lambdaHeader = view.getByRole('button', { name: /^nitp\.lambda( [▲▼])?$/ });
    await lambdaHeader.click();
    await lambdaHeader.click();
    expect(await rows.first().locator('td').first().textContent()).toBe('1');
    expect(await rows.first().textContent()).toMatch(/Δ .* \(\d\/2\)/);
    await screenshot(page, 'sweep-folder');
    await view.screenshot({ path: 'test-results/screenshots/sweep-folder-view.png' });
    expect(errors).toEqual([]);
    await page.close();
  }, 900_000);
});
