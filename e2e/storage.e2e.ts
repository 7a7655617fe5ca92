// Saved runs under pressure: the same saved run open in two tabs has one writer (Web Locks; the
// other tab is told and writes nothing), and a real quota exhaustion, set through the DevTools
// protocol (Storage.overrideQuotaForOrigin), stops saving with a message while training goes on,
// until space is there again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { inject } from 'vitest';
import { launchBrowser, openLab, screenshot } from './browser.ts';

let browser: Browser;
const LINK = '?v=1&T=16&L=2&d=16&h=2&steps=400&B=4&lr=0.003&wu=5&ev=20&seed=7';
const step = async (page: Page) => Number(await page.getByTestId('step').textContent());
const trainTo = async (page: Page, n: number) => {
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=step]')?.textContent) >= n, n, { timeout: 240_000 });
};
const pause = async (page: Page) => {
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect.poll(() => page.getByRole('button', { name: 'Train', exact: true }).isEnabled(), { timeout: 60_000 }).toBe(true);
};

/** The stored meta of every saved run: id, step and checkpoint step. */
const storedRuns = (page: Page) => page.evaluate(() => new Promise<{ id: string; step: number; checkpointStep: number | null }[]>((resolve, reject) => {
  const req = indexedDB.open('nitp-lab-runs');
  req.onerror = () => reject(req.error);
  req.onsuccess = () => {
    const store = req.result.transaction('runs').objectStore('runs');
    const keys = store.getAllKeys();
    const all = store.getAll();
    all.onsuccess = () => resolve((keys.result as string[]).flatMap((k, i) => (k.endsWith('/meta') ? [{ id: all.result[i].id, step: all.result[i].step, checkpointStep: all.result[i].checkpointStep }] : [])));
  };
}));

describe('saved runs under pressure', () => {
  let context: BrowserContext;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the same saved run in two tabs: one tab writes it, the other is told and writes nothing', async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const a = await openLab(await context.newPage(), LINK);
    await trainTo(a, 20);
    await pause(a);
    const paused = await step(a);
    const resume = (page: Page) => page.locator('[data-testid=saved-runs] li').first().getByRole('button', { name: `Resume from step ${paused}` });
    await resume(a).waitFor({ timeout: 30_000 });
    const [run] = await storedRuns(a);
    // tab A resumes the run and so becomes its writer; tab B opens the same run
    await resume(a).click();
    await expect.poll(() => step(a), { timeout: 60_000 }).toBe(paused);
    const b = await openLab(await context.newPage(), LINK);
    await resume(b).waitFor({ timeout: 30_000 });
    await resume(b).click();
    await expect.poll(() => step(b), { timeout: 60_000 }).toBe(paused);
    await trainTo(b, paused + 30);
    await pause(b);
    const problem = b.getByTestId('save-problem');
    await problem.waitFor({ timeout: 30_000 });
    expect(await problem.textContent()).toMatch(/^This saved run is open in another tab, which saves it; this tab goes on training without saving/);
    await b.bringToFront();
    await screenshot(b, 'storage-second-tab');
    // nothing of tab B's reached the stored run; tab A still saves it
    expect((await storedRuns(a)).find((r) => r.id === run.id)!.step).toBe(paused);
    await a.bringToFront();
    await trainTo(a, paused + 10);
    await pause(a);
    await expect.poll(async () => (await storedRuns(a)).find((r) => r.id === run.id)!.step, { timeout: 30_000 }).toBe(await step(a));
    expect(await a.getByTestId('save-problem').count()).toBe(0);
    // once tab A is closed, tab B may save again
    await a.close();
    await b.bringToFront();
    await problem.getByRole('button', { name: 'Save again' }).click();
    await expect.poll(() => problem.count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(async () => (await storedRuns(b)).find((r) => r.id === run.id)!.step, { timeout: 30_000 }).toBe(await step(b));
    await context.close();
  });

  it('a real quota exhaustion stops saving with a message while training goes on, and saving resumes with space', async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const origin = new URL(inject('baseUrl')).origin;
    // room for the metrics, none for a checkpoint of both runs
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 60_000 });
    await openLab(page, LINK);
    await trainTo(page, 25);
    const problem = page.getByTestId('save-problem');
    await problem.waitFor({ timeout: 60_000 });
    expect(await problem.textContent()).toMatch(/^The browser storage is full, so this run is no longer being saved; training goes on\./);
    const at = await step(page);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=step]')?.textContent) >= n + 20, at, { timeout: 120_000 });
    await pause(page);
    await screenshot(page, 'storage-quota');
    // the disk has room again: saving starts over and the run can be resumed from its pause
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 512 * 2 ** 20 });
    await problem.getByRole('button', { name: 'Save again' }).click();
    await expect.poll(() => problem.count(), { timeout: 30_000 }).toBe(0);
    const paused = await step(page);
    await page.locator('[data-testid=saved-runs] li.current').getByRole('button', { name: `Resume from step ${paused}` }).waitFor({ timeout: 30_000 });
    await cdp.send('Storage.overrideQuotaForOrigin', { origin }); // back to the browser's own quota
    await context.close();
  });
});
