// A diverging pair in the browser (lr = 10, clip = 0; docs/method.md §4): training stops with the
// step, the metric and a hint, the saved checkpoint is the last good one (finite), and Roll back
// continues from it exactly: the same divergence at the same step again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openLab, screenshot } from './browser.ts';

let browser: Browser;
// warm-up 300: lr reaches ~1 by step 30, so the pair has checkpoints (eval.early every 5) before it diverges
const LINK = '?v=2&p=tiny&lr=10&clip=0&wu=300';

const step = async (page: Page) => Number(await page.getByTestId('step').textContent());

/** The newest saved run's checkpoint in IndexedDB: its step and whether every float in both files is finite. */
function savedCheckpoint(page: Page) {
  return page.evaluate(() => new Promise<{ metaStep: number | null; step: number; finite: boolean } | null>((resolve, reject) => {
    const req = indexedDB.open('nitp-lab-runs');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const store = req.result.transaction('runs').objectStore('runs');
      const all = store.getAll();
      const keys = store.getAllKeys();
      keys.onsuccess = () => { // requests complete in order: getAll has too
        const entries = new Map((keys.result as string[]).map((k, i) => [k, all.result[i]]));
        const metas = [...entries].filter(([k]) => k.endsWith('/meta')).map(([, v]) => v).sort((a, b) => b.updated - a.updated);
        if (!metas.length) return resolve(null);
        const cp = entries.get(`runs/${metas[0].id}/checkpoint`);
        if (!cp) return resolve(null);
        const finite = [cp.ntp, cp.nitp].every((bytes: Uint8Array) => {
          const header = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
          const data = bytes.slice(8 + header);
          return new Float32Array(data.buffer).every(Number.isFinite);
        });
        resolve({ metaStep: metas[0].checkpointStep, step: cp.step, finite });
      };
    };
  }));
}

describe('a diverging run in the browser', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('stops with the step, the metric and a hint, keeps a finite checkpoint, and Roll back continues from it', async () => {
    const page = await openLab(await browser.newPage({ viewport: { width: 1280, height: 720 } }), LINK);
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    const recovery = page.getByTestId('recovery');
    await recovery.waitFor({ timeout: 240_000 });
    const message = (await page.getByTestId('recovery-message').textContent())!;
    expect(message).toMatch(/^step \d+: the (NTP|NITP) run's (loss|evaluation) diverged.*Try a lower train\.lr, and keep train\.gradClip on\./);
    const diverged = Number(/^step (\d+)/.exec(message)![1]);
    expect(await step(page)).toBe(diverged);
    const restore = page.getByTestId('recovery-restore');
    const label = (await restore.textContent())!;
    expect(label).toMatch(/^Roll back to step \d+$/);
    const good = Number(/step (\d+)/.exec(label)![1]);
    expect(good).toBeGreaterThan(0);
    expect(good).toBeLessThan(diverged);
    // saved: the last good checkpoint, finite, and nothing later
    await expect.poll(() => savedCheckpoint(page), { timeout: 30_000 }).toEqual({ metaStep: good, step: good, finite: true });
    // the diverged weights neither train further nor get saved
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => recovery.count()).toBe(1);
    expect(await step(page)).toBe(diverged);
    await screenshot(page, 'diverged');

    await restore.click();
    await expect.poll(() => recovery.count(), { timeout: 120_000 }).toBe(0);
    expect(await step(page)).toBe(good);
    // the same state as before: training again diverges at the same step with the same message
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await recovery.waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('recovery-message').textContent()).toBe(message);
    await page.close();
  });
});
