// Worker liveness (src/ui/hooks/engineWorker.ts): a training worker that throws, and one that hangs,
// is terminated and replaced; the call in flight (training) rejects instead of waiting forever, the
// page keeps what it measured and resumes from the last checkpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openLab, screenshot } from './browser.ts';

let browser: Browser;
const step = async (page: Page) => Number(await page.getByTestId('step').textContent());
const trainTo = async (page: Page, n: number) => {
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=step]')?.textContent) >= n, n, { timeout: 240_000 });
};

/** Breaks the worker in `how`, checks the page recovers and trains on from its last checkpoint. */
async function breakAndRecover(page: Page, how: 'throw' | 'hang', message: RegExp) {
  await trainTo(page, 12); // the tiny preset checkpoints at step 10 (evaluations every 5 steps)
  const [worker] = page.workers();
  await worker.evaluate((how) => {
    // later, from the worker's own event loop, as a real bug would
    setTimeout(() => {
      if (how === 'throw') throw new Error('boom in the worker');
      for (;;) { /* busy forever: no heartbeat, no answer */ }
    }, 0);
  }, how);
  const recovery = page.getByTestId('recovery');
  await recovery.waitFor({ timeout: 60_000 });
  expect(await page.getByTestId('recovery-message').textContent()).toMatch(message);
  // the training call that was in flight rejected: the page is idle, not waiting forever
  await expect.poll(() => page.getByRole('button', { name: 'Train', exact: true }).isEnabled(), { timeout: 30_000 }).toBe(true);
  const stoppedAt = await step(page);
  expect(stoppedAt).toBeGreaterThanOrEqual(12);
  const label = (await page.getByTestId('recovery-restore').textContent())!;
  expect(label).toMatch(/^Resume from step \d+$/);
  const from = Number(/(\d+)$/.exec(label)![1]);
  expect(from).toBeGreaterThanOrEqual(10);
  await screenshot(page, `worker-${how}`);
  await page.getByTestId('recovery-restore').click();
  await expect.poll(() => recovery.count(), { timeout: 120_000 }).toBe(0);
  expect(await step(page)).toBe(from);
  await trainTo(page, from + 10);
  expect(await recovery.count()).toBe(0);
}

describe('a crashed or hung training worker', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a worker that throws is replaced, and the pair resumes from its last checkpoint', async () => {
    const page = await openLab(await browser.newPage({ viewport: { width: 1280, height: 720 } }), '?v=2&p=tiny');
    await breakAndRecover(page, 'throw', /^The training worker crashed \(.*boom in the worker.*\); a new one was started\. Everything measured so far is kept\.$/);
    await page.close();
  });

  it('a worker that hangs is terminated after its heartbeat stops, replaced, and the pair resumes', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.addInitScript(() => { (globalThis as { nitpHungAfterMs?: number }).nitpHungAfterMs = 4000; });
    await openLab(page, '?v=2&p=tiny');
    await breakAndRecover(page, 'hang', /^The training worker stopped answering for \d+ s; a new one was started\./);
    await page.close();
  });
});
