// Saved runs in the browser: a run resumed after a reload continues exactly like an uninterrupted
// one; two tabs save side by side without harm; unreadable records are listed and deletable while
// the others load; a full disk stops saving with a message while training goes on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { launchBrowser, openLab, screenshot } from './browser.ts';

let browser: Browser;
let context: BrowserContext;
const LINK = '?v=1&T=16&L=2&d=16&h=2&steps=60&B=4&lr=0.003&wu=5&ev=20&seed=5';

const open = async (query: string, page?: Page) => openLab(page ?? await context.newPage(), query);

const step = async (page: Page) => Number(await page.getByTestId('step').textContent());
const trainTo = async (page: Page, n: number) => {
  await page.getByRole('button', { name: 'Train' }).click();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=step]')?.textContent) >= n, n, { timeout: 240_000 });
};
const waitIdle = (page: Page) => expect.poll(() => page.getByRole('button', { name: 'Train' }).isEnabled(), { timeout: 60_000 }).toBe(true);

/** Loss columns of the metrics CSV, keyed "run@step". */
async function losses(page: Page): Promise<Map<string, string>> {
  await page.locator('summary', { hasText: 'Export and import' }).click();
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Metrics CSV' }).click()]);
  const rows = readFileSync((await file.path())!, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  return new Map(rows.map((r) => [`${r[0]}@${r[1]}`, `${r[3]},${r[5]},${r[6]}`])); // loss, nitp, grad norm
}

describe('saved runs', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('resumes after a reload exactly as an uninterrupted run continues', async () => {
    const page = await open(LINK);
    await trainTo(page, 25);
    await page.getByRole('button', { name: 'Pause' }).click();
    await waitIdle(page);
    const paused = await step(page);
    // saved with a checkpoint of the step it paused at
    const resumeButton = page.getByRole('button', { name: `Resume from step ${paused}` });
    await resumeButton.waitFor({ timeout: 30_000 });
    await page.reload();
    await page.getByTestId('engine-info').waitFor({ timeout: 120_000 });
    await resumeButton.click();
    await expect.poll(() => step(page), { timeout: 60_000 }).toBe(paused);
    await trainTo(page, 60);
    await waitIdle(page);
    const resumed = await losses(page);
    await screenshot(page, 'runs-resumed');

    const straight = await open(LINK);
    await trainTo(straight, 60);
    await waitIdle(straight);
    const uninterrupted = await losses(straight);
    expect(resumed.size).toBe(122); // 60 steps of both runs, and each run's evaluation at step 0
    for (const run of ['ntp', 'nitp']) {
      for (let s = 1; s <= 60; s++) expect(resumed.get(`${run}@${s}`), `${run} step ${s}`).toBe(uninterrupted.get(`${run}@${s}`));
    }
    await page.close();
    await straight.close();
  });

  it('saves two tabs side by side, and lists unreadable records without losing the others', async () => {
    const short = LINK.replace('steps=60', 'steps=20');
    const [a, b] = await Promise.all([open(short), open(short)]);
    const before = await a.locator('[data-testid=saved-runs] li:not(.unreadable)').count();
    await Promise.all([trainTo(a, 20), trainTo(b, 20)]);
    await Promise.all([waitIdle(a), waitIdle(b)]);
    for (const page of [a, b]) {
      await expect.poll(() => page.locator('[data-testid=saved-runs] li:not(.unreadable)').count(), { timeout: 30_000 }).toBe(before + 2);
    }
    await b.close();
    await a.bringToFront(); // a background tab gets no animation frames (and no screenshots)
    // records a damaged or older lab left behind
    await a.evaluate(() => new Promise<void>((resolve, reject) => {
      const req = indexedDB.open('nitp-lab-runs');
      req.onsuccess = () => {
        const tx = req.result.transaction('runs', 'readwrite');
        tx.objectStore('runs').put({ format: 0, id: 'old', name: 'from an older lab' }, 'runs/old/meta');
        tx.objectStore('runs').put('garbage', 'runs/broken/meta');
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      };
      req.onerror = () => reject(req.error);
    }));
    await a.reload();
    await a.getByTestId('engine-info').waitFor({ timeout: 120_000 });
    const unreadable = a.locator('[data-testid=saved-runs] li.unreadable');
    await expect.poll(() => unreadable.count(), { timeout: 30_000 }).toBe(2);
    expect((await unreadable.allTextContents()).join('\n')).toMatch(/“old”: it was written in format 0; this lab reads format 1/);
    expect(await a.locator('[data-testid=saved-runs] li:not(.unreadable)').count()).toBe(before + 2);
    await unreadable.filter({ hasText: 'old' }).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => unreadable.count(), { timeout: 30_000 }).toBe(1);
    // the other runs still open: draw one over the charts
    await a.locator('[data-testid=saved-runs] li:not(.unreadable)').first().getByLabel('overlay on charts').click();
    await expect.poll(() => a.locator('path[data-series$=": NITP model — next-token loss (training)"]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    // and over the geometry charts, once this page has evaluations of its own
    await trainTo(a, 20);
    await waitIdle(a);
    const rankChart = a.locator('[data-testid=metric-chart][aria-label^="Effective rank"]');
    await expect.poll(() => rankChart.locator('path[data-series$=": NITP model"]:not([data-series="NITP model"])').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await screenshot(a, 'runs-list');
    await a.close();
  });

  it('keeps training when the storage is full, says so, and saves again once space is freed', async () => {
    const page = await context.newPage();
    // the browser refusing writes, as a full disk does
    await page.addInitScript(() => {
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<typeof put>) {
        if ((window as unknown as { __full?: boolean }).__full) throw new DOMException('the quota has been exceeded', 'QuotaExceededError');
        return put.apply(this, args);
      };
    });
    await open(LINK.replace('steps=60', 'steps=400'), page);
    await trainTo(page, 10);
    await page.evaluate(() => ((window as unknown as { __full?: boolean }).__full = true));
    const problem = page.getByTestId('save-problem');
    await problem.waitFor({ timeout: 60_000 });
    expect(await problem.textContent()).toMatch(/storage is full, so this run is no longer being saved; training goes on/);
    const at = await step(page);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=step]')?.textContent) >= n + 20, at, { timeout: 120_000 });
    await page.getByRole('button', { name: 'Pause' }).click();
    await waitIdle(page);
    await page.evaluate(() => ((window as unknown as { __full?: boolean }).__full = false));
    await problem.getByRole('button', { name: 'Delete the checkpoints of other runs' }).click();
    await problem.getByRole('button', { name: 'Save again' }).click();
    await expect.poll(() => problem.count(), { timeout: 30_000 }).toBe(0);
    const paused = await step(page);
    await page.locator('[data-testid=saved-runs] li.current').getByRole('button', { name: `Resume from step ${paused}` }).waitFor({ timeout: 30_000 });
    await page.close();
  });
});
