// The data panel in the browser: synthetic tasks show their ideal loss, uploads are validated
// (each bad file refused with a message naming the problem while the data in use stays), uploaded
// text has no tags and says so, BPE that runs out of merges says so.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { collectErrors, launchBrowser, screenshot } from './browser.ts';

let browser: Browser;
let page: Page;
let errors: string[];

async function useData(): Promise<void> {
  await page.getByRole('button', { name: 'Use this data' }).click();
  await page.getByRole('button', { name: 'Use this data' }).waitFor({ state: 'visible' });
  await page.waitForFunction(() => !document.querySelector('button')?.textContent?.includes('Preparing'), null, { timeout: 120_000 });
}

async function upload(name: string, bytes: Uint8Array): Promise<string> {
  await page.getByLabel('Corpus').selectOption('upload');
  await page.getByLabel(/Text file/).setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from(bytes) });
  await page.getByRole('button', { name: 'Use this data' }).click();
  const alert = page.getByTestId('data-error');
  await alert.waitFor({ timeout: 60_000 });
  return (await alert.textContent()) ?? '';
}

describe('data panel', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = collectErrors(page);
    await page.goto(inject('baseUrl'));
    await page.getByTestId('data-summary').waitFor({ timeout: 120_000 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the Brown corpus size and split', async () => {
    const summary = await page.getByTestId('data-summary').textContent();
    expect(summary).toMatch(/500 documents \(450 train \/ 50 validation, every 10th document held out\)/);
    expect(summary).toMatch(/training \/ .* validation tokens/);
    expect(await page.getByTestId('no-tags').count()).toBe(0);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['empty.txt', new Uint8Array(0), /empty/i],
    ['spaces.txt', new TextEncoder().encode('   \n\t  \n'.repeat(100)), /whitespace/i],
    ['binary.bin', Uint8Array.from({ length: 4000 }, (_, i) => (i * 7919) % 256), /NUL|binary|UTF-8/i],
    ['latin1.txt', Uint8Array.from([...new TextEncoder().encode('caf'), 0xe9, ...new TextEncoder().encode(' au lait '.repeat(200))]), /UTF-8/],
    ['short.txt', new TextEncoder().encode('too short'), /characters|needs/i],
  ];
  for (const [name, bytes, message] of bad) {
    it(`refuses ${name} with a message, keeping the data in use`, async () => {
      const before = await page.getByTestId('data-summary').textContent();
      const text = await upload(name, bytes);
      expect(text).toMatch(message);
      expect(text).toMatch(/did not change/);
      expect(await page.getByTestId('data-summary').textContent()).toBe(before);
    });
  }

  it('trains on uploaded text of one repeated character: no tags, loss towards 0, no NaN', async () => {
    await page.getByLabel('Corpus').selectOption('upload');
    await page.getByLabel(/Text file/).setInputFiles({ name: 'aaaa.txt', mimeType: 'text/plain', buffer: Buffer.from('a'.repeat(5000)) });
    await useData();
    await page.getByTestId('no-tags').waitFor({ timeout: 30_000 }).catch(async () => {
      throw new Error(`no "no tags" notice; data error: ${await page.getByTestId('data-error').textContent().catch(() => 'none')}; page errors: ${errors.join('; ')}`);
    });
    expect(await page.getByTestId('data-summary').textContent()).toMatch(/Uploaded "aaaa.txt": 5,000 bytes/);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=step]')?.textContent) >= 1);
    // one symbol: the next token is certain, so NTP is 0; the total adds the (finite) NITP term
    expect(Number(await page.getByTestId('ntp').textContent())).toBeLessThan(1e-3);
    expect(Number.isFinite(Number(await page.getByTestId('loss').textContent()))).toBe(true);
  });

  it('BPE on a text that allows few merges stops early and says so', async () => {
    await page.getByLabel('Corpus').selectOption('upload');
    await page.getByLabel(/Text file/).setInputFiles([]);
    await page.getByLabel(/paste text/).fill('ab '.repeat(400));
    await page.getByLabel('Tokenizer').selectOption('bpe');
    await useData();
    await page.getByTestId('tokenizer-note').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('tokenizer-note').textContent()).toMatch(/BPE stopped at \d+ tokens/);
  });

  it('a synthetic task shows its ideal loss as a line on the loss chart', async () => {
    await page.getByLabel('Corpus').selectOption('modadd');
    await page.getByLabel('Modulus').fill('11');
    await useData();
    await page.getByTestId('loss-floor').waitFor();
    expect(await page.getByTestId('loss-floor').textContent()).toMatch(/Ideal loss for this task: \d\.\d{3} nats\/token/);
    expect(await page.getByTestId('data-summary').textContent()).toMatch(/Synthetic task/);
    await page.getByTestId('no-tags').waitFor();
    await page.getByRole('button', { name: 'Train' }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=step]')?.textContent) >= 20, null, { timeout: 120_000 });
    await page.getByRole('button', { name: 'Pause' }).click();
    expect(await page.getByTestId('reference-line').count()).toBe(1);
    await screenshot(page, 'data-synthetic');
    expect(errors).toEqual([]);
  });
});
