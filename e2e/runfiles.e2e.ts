// Results that travel: a run file saved after training opens in a fresh browser context (empty
// storage) with the same chart data and a working PCA replay; a folder written by train.py (the
// PyTorch export, in the CLI's layout) opens the same way; bad files are refused with a reason
// and nothing on the page changes; and a browser without WebGPU still opens runs, view only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectErrors, launchBrowser, openLab, screenshot } from './browser.ts';
import { main as train } from '../src/cli/train.ts';
import { main as exportPytorch } from '../src/export/pytorch.ts';

let browser: Browser;
const LINK = '?v=2&T=16&L=2&d=16&h=2&steps=20&B=4&lr=0.003&wu=5&ev=10&early=2-10&evn=8&seed=3';

/** What the charts hold: each drawn series' name and its number of points. */
const chartData = (page: Page) => page.locator('[data-testid=metric-chart] path[data-series]').evaluateAll((paths) =>
  paths.map((p) => `${p.getAttribute('data-series')}=${p.getAttribute('data-points')}`).sort());

async function download(page: Page, click: () => Promise<void>): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  return readFileSync((await d.path())!, 'utf8');
}

async function metricsCsv(page: Page): Promise<string> {
  await page.getByText('Export and import', { exact: true }).click();
  const csv = await download(page, () => page.getByRole('button', { name: 'Metrics CSV' }).click());
  await page.getByText('Export and import', { exact: true }).click();
  return csv;
}

/** The first python3 with PyTorch (NITP_PYTHON, python3, Debian's /usr/bin/python3), as the export's own test finds it. */
function pythonWithTorch(): string {
  for (const exe of [process.env.NITP_PYTHON, 'python3', '/usr/bin/python3'].filter((x): x is string => !!x)) {
    if (spawnSync(exe, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0) return exe;
  }
  throw new Error('no python3 with PyTorch: install Debian\'s python3-torch (scripts/ensure-deps.sh does) or set NITP_PYTHON');
}

describe('run files and folders', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a saved run file opens in a fresh context with the same charts, and the PCA replays', async () => {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    const page = await openLab(await context.newPage(), LINK);
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await expect.poll(() => page.getByTestId('step').textContent(), { timeout: 240_000 }).toBe('20');
    await expect.poll(() => page.getByRole('button', { name: 'Train', exact: true }).isEnabled(), { timeout: 60_000 }).toBe(true);
    // evaluations reach the charts in a transition: wait for all seven (steps 0, 2, 4, 6, 8, 10, 20)
    await expect.poll(() => chartData(page), { timeout: 30_000 }).toContain('NTP model — held-out loss=7');
    const original = { charts: await chartData(page), csv: await metricsCsv(page) };
    await page.getByText('Run files', { exact: true }).click();
    const file = await download(page, () => page.getByRole('button', { name: 'Save run file' }).click());
    expect(JSON.parse(file).format).toBe('nitp-lab-run');
    const path = join(mkdtempSync(join(tmpdir(), 'nitp-runfile-')), 'run.json');
    writeFileSync(path, file);
    await context.close();

    const fresh = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    const other = await openLab(await fresh.newPage());
    const errors = collectErrors(other);
    await other.getByText('Run files', { exact: true }).click();
    await other.getByLabel('Open run file').setInputFiles(path);
    await other.getByTestId('viewing').waitFor();
    expect(await other.getByTestId('viewing').textContent()).toMatch(/Showing run\.json \(run file\), read-only/);
    expect(await other.getByRole('button', { name: 'Train', exact: true }).isDisabled()).toBe(true);
    expect(await chartData(other)).toEqual(original.charts);
    await other.getByText('Run files', { exact: true }).click();
    expect(await metricsCsv(other)).toBe(original.csv);
    // the PCA scatter replays: back to the first evaluation (step 0)
    const replay = other.getByLabel('replay earlier evaluations');
    await replay.focus();
    await other.keyboard.press('Home');
    await expect.poll(() => other.getByTestId('pca-step').textContent()).toBe('0');
    await screenshot(other, 'runfile-opened');
    // a damaged file is refused with the reason; the shown run stays
    writeFileSync(path, file.slice(0, file.length / 3));
    await other.getByText('Run files', { exact: true }).click();
    await other.getByLabel('Open run file').setInputFiles(path);
    await expect.poll(() => other.getByTestId('runfile-error').textContent()).toMatch(/not valid JSON.*cut short.*Nothing on the page changed/);
    expect(await chartData(other)).toEqual(original.charts);
    // back to the pair this page trains
    await other.getByRole('button', { name: 'Back to the live run' }).click();
    await other.getByTestId('engine-info').waitFor();
    expect(errors).toEqual([]);
    await fresh.close();
  });

  it('a folder that train.py wrote (λ = 0 and λ = 1 of one config) opens with its points', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nitp-folder-'));
    const configFile = join(root, 'config.in.json');
    writeFileSync(configFile, JSON.stringify({ model: { contextLength: 16, nLayer: 2, dModel: 16, nHead: 2 }, train: { steps: 12, batchSize: 4, warmupSteps: 2, seed: 4 }, eval: { every: 6, sequences: 8 } }));
    expect(await train(['--config', configFile, '--out', join(root, 'lab'), '--save-batches'])).toBe(0);
    expect(await exportPytorch(['--run', join(root, 'lab'), '--out', join(root, 'py')])).toBe(0);
    const out = join(root, 'results');
    mkdirSync(out);
    const python = pythonWithTorch();
    for (const [name, lambda] of [['ntp', 0], ['nitp', 1]] as const) {
      const r = spawnSync(python, [join(root, 'py', 'train.py'), '--out', join(out, name), '--set', `nitp.lambda=${lambda}`], { encoding: 'utf8', cwd: join(root, 'py') });
      expect(r.status, `train.py (needs python3-torch): ${r.stderr}`).toBe(0);
    }
    const page = await openLab(await browser.newPage({ viewport: { width: 1280, height: 900 } }));
    const errors = collectErrors(page);
    await page.getByText('Run files', { exact: true }).click();
    await page.getByLabel('Open a CLI output folder').setInputFiles(out);
    await page.getByTestId('viewing').waitFor();
    expect(await page.getByTestId('viewing').textContent()).toMatch(/Showing results \(CLI folder\)/);
    const charts = await chartData(page);
    expect(charts).toContain('NTP model — training loss=12');
    expect(charts).toContain('NITP model — NITP loss=12');
    // evaluations at steps 0, 6 and 12 of each run, on the rank chart
    expect(charts).toContain('NTP model=3');
    expect(charts).toContain('NITP model=3');
    expect(await page.getByTestId('no-token-views').isVisible()).toBe(true); // no PCA in metrics.jsonl: nothing invented
    await screenshot(page, 'folder-opened');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('without WebGPU the page still opens run files and the gallery, view only', async () => {
    const plain = await launchBrowser({ webgpu: false });
    try {
      const page = await plain.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = collectErrors(page);
      await openLab(page, '?v=2&p=tiny', 'viewing');
      expect(await page.getByRole('alert').first().textContent()).toMatch(/WebGPU.*The gallery and run files still open, view only/);
      expect(await page.getByRole('button', { name: 'Train this config here' }).count()).toBe(0); // nothing here can train
      expect(await page.getByTestId('viewing').textContent()).toMatch(/gallery: Tiny and fast \(gallery\)/);
      expect((await chartData(page)).some((s) => /NTP model — training loss=\d{3}/.test(s))).toBe(true);
      expect(await page.getByRole('button', { name: 'Train', exact: true }).isDisabled()).toBe(true);
      await screenshot(page, 'no-webgpu-gallery');
      expect(errors.filter((e) => !/WebGPU/.test(e))).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});
