// Experiment links in the browser: a link opens its exact config and offers to run it; the run's
// link (copied with "Copy link") carries its result fingerprint, and a second page that opens it
// reproduces the run exactly; the address bar follows config changes; bad links open the lab with
// defaults and notices, never running or rendering anything injected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser, openLab, screenshot } from './browser.ts';

let browser: Browser;
let context: BrowserContext;

const open = async (query: string) => openLab(await context.newPage(), query);

describe('experiment links', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 720 }, permissions: ['clipboard-read', 'clipboard-write'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('restores a linked config, and a copied link reproduces the run exactly', async () => {
    const link = '?v=1&T=16&L=2&d=16&h=2&lam=0.5&steps=30&B=4&lr=0.003&wu=5&seed=21&ev=10';
    const a = await open(link);
    expect(await a.getByTestId('link-notices').count()).toBe(0);
    expect(await a.getByLabel('Steps', { exact: true }).inputValue()).toBe('30');
    expect(await a.getByLabel('Seed', { exact: true }).inputValue()).toBe('21');
    expect(await a.getByLabel('λ (0 = plain NTP)').inputValue()).toBe('0.5');
    expect(new URL(a.url()).search).toBe(link.replace('v=1', 'v=2')); // the address bar says the same, in the current format
    await a.getByRole('button', { name: 'Run it' }).click();
    await a.waitForFunction(() => Number(document.querySelector('[data-testid=step]')?.textContent) === 30, null, { timeout: 240_000 });
    // once finished, the link carries the fingerprint of the losses
    await expect.poll(() => new URL(a.url()).searchParams.get('fp'), { timeout: 30_000 }).toMatch(/^30\.[0-9a-f]{12}$/);
    await a.getByRole('button', { name: 'Copy link' }).click();
    await a.getByTestId('copy-status').waitFor();
    const copied = await a.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(a.url());
    const lossA = await a.getByTestId('loss').textContent();

    const b = await open(copied);
    expect(await b.getByTestId('shared-notice').textContent()).toMatch(/finished step 30 with result fingerprint [0-9a-f]{12}/);
    expect(await b.getByLabel('Seed', { exact: true }).inputValue()).toBe('21');
    await b.getByRole('button', { name: 'Run it' }).click();
    await b.getByTestId('fingerprint-verdict').waitFor({ timeout: 240_000 });
    expect(await b.getByTestId('fingerprint-verdict').textContent()).toMatch(/^Reproduced exactly/);
    expect(await b.getByTestId('loss').textContent()).toBe(lossA);
    await screenshot(b, 'share-reproduced');
    // a link whose fingerprint is not this run's says so
    const c = await open(copied.replace(/fp=30\.[0-9a-f]{12}/, 'fp=30.000000000000'));
    await c.getByRole('button', { name: 'Run it' }).click();
    await c.getByTestId('fingerprint-verdict').waitFor({ timeout: 240_000 });
    expect(await c.getByTestId('fingerprint-verdict').textContent()).toMatch(/^Differs from the shared run .*another GPU may differ in the last bits/);
    await c.close();

    // the address bar follows a config change (and drops the fingerprint of the old run)
    await b.getByLabel('Steps', { exact: true }).fill('40');
    await b.getByRole('button', { name: /^Apply/ }).click();
    await expect.poll(() => new URL(b.url()).searchParams.get('steps'), { timeout: 60_000 }).toBe('40');
    expect(new URL(b.url()).searchParams.get('fp')).toBeNull();
    expect(new URL(b.url()).searchParams.get('seed')).toBe('21');
    await a.close();
    await b.close();
  });

  it('opens a link of an unknown version with the defaults and a notice', async () => {
    const page = await open('?v=9&L=3');
    expect(await page.getByTestId('link-notices').textContent()).toMatch(/format version "9" is not one this lab knows/);
    expect(await page.getByLabel('Layers L').inputValue()).toBe('4'); // the default model
    await page.close();
  });

  it('names bad fields, keeps the good ones, and never runs injected markup', async () => {
    const evil = '<img src=x onerror="window.__injected=1">';
    const page = await open(`?v=1&p=${encodeURIComponent(evil)}&head=${encodeURIComponent('<script>window.__injected=2</script>')}` +
      `&L=abc&d=30&steps=99999999999&T=16&zzz=${'q'.repeat(500)}`);
    const notices = await page.getByTestId('link-notices').locator('li').allTextContents();
    expect(notices.join('\n')).toMatch(/preset "<img src=x onerror=/);
    expect(notices.join('\n')).toMatch(/"head" \(nitp\.head\) was not used/);
    expect(notices.join('\n')).toMatch(/"L" "abc" is not a number/);
    expect(notices.join('\n')).toMatch(/"steps" \(train\.steps\) was not used: must be in 1\.\.10000000/);
    expect(notices.join('\n')).toMatch(/value of "zzz" is 500 characters long/);
    expect(await page.getByLabel('Context length T').inputValue()).toBe('16'); // the good field is kept
    expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
    expect(await page.locator('img[src=x], .shared-notice script').count()).toBe(0);
    await screenshot(page, 'share-bad-link');
    await page.close();
  });
});
