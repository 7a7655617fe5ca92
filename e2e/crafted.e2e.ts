// Crafted files in the page: an upload over the limit is refused from its size alone (not a byte
// read), a text with too many distinct characters names the count, and checkpoints with a
// "__proto__" config or a hostile step are refused by name, changing nothing in the worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { launchBrowser, openLab } from './browser.ts';
import { readSafetensors, writeSafetensors } from '../src/io/safetensors.ts';

let browser: Browser;
let page: Page;

describe('crafted files in the page', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    page = await openLab(await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true }), '?v=2&p=tiny');
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('an upload over the size limit is refused from its size alone', async () => {
    await page.getByLabel('Corpus').selectOption('upload');
    // a 64 MiB + 1 file made in the page; every read of a file's bytes is counted
    await page.evaluate(() => {
      const w = window as unknown as { reads: number };
      w.reads = 0;
      for (const name of ['arrayBuffer', 'text', 'bytes', 'stream'] as const) {
        const original = (Blob.prototype as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
        if (!original) continue;
        (Blob.prototype as unknown as Record<string, unknown>)[name] = function (this: Blob, ...a: unknown[]) {
          w.reads++;
          return original.apply(this, a);
        };
      }
      const input = [...document.querySelectorAll('input[type=file]')].find((i) => (i as HTMLInputElement).accept.includes('.txt')) as HTMLInputElement;
      const files = new DataTransfer();
      files.items.add(new File([new Uint8Array(64 * 2 ** 20 + 1)], 'huge.txt', { type: 'text/plain' }));
      input.files = files.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await page.getByRole('button', { name: 'Use this data' }).click();
    const error = page.getByTestId('data-error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.textContent()).toMatch(/^"huge\.txt" is 64\.0 MiB \(67,108,865 bytes\), larger than the upload limit of 64\.0 MiB \(67,108,864 bytes\)\. The data in use did not change\./);
    expect(await page.evaluate(() => (window as unknown as { reads: number }).reads)).toBe(0);
  });

  it('a text with more distinct characters than the char tokenizer takes is refused, naming the count', async () => {
    const symbols = Array.from({ length: 9000 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    await page.getByLabel(/Text file/).setInputFiles({ name: 'symbols.txt', mimeType: 'text/plain', buffer: Buffer.from(symbols) });
    await page.getByRole('button', { name: 'Use this data' }).click();
    const error = page.getByTestId('data-error');
    await expect.poll(() => error.textContent(), { timeout: 60_000 }).toMatch(/the text has 9,000 distinct characters; the char tokenizer takes at most 8,192: choose the BPE tokenizer/);
    expect(await page.getByTestId('data-summary').textContent()).toMatch(/Brown/);
  });

  it('checkpoints with a "__proto__" config or a hostile step are refused by name; nothing changes', async () => {
    await page.locator('summary', { hasText: 'Export and import' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download checkpoint' }).click()]);
    const file = readSafetensors(readFileSync((await download.path())!));
    const tensors = [...file.tensors].map(([name, t]) => ({ name, ...t }));
    const load = async (name: string, metadata: Record<string, string>) => {
      await page.getByLabel('Load a checkpoint').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(writeSafetensors(tensors, metadata)) });
      const error = page.getByTestId('files-error');
      await error.waitFor({ timeout: 30_000 });
      return error.textContent();
    };
    expect(await load('proto.safetensors', { ...file.metadata, config: '{"__proto__":{"toString":"x","polluted":1}}' }))
      .toBe(`proto.safetensors was not loaded: the checkpoint's metadata "config" has a key "__proto__", which the lab refuses. The NTP + NITP run did not change.`);
    expect(await load('step.safetensors', { ...file.metadata, step: '99999999999' }))
      .toMatch(/^step\.safetensors was not loaded: the checkpoint's step "99999999999" is not an integer in 0\.\.10,000,000\./);
    expect(await load('late.safetensors', { ...file.metadata, step: '5000000' }))
      .toMatch(/^late\.safetensors was not loaded: the checkpoint is of step 5000000, past this run's last step \(train\.steps = 500\)\./);
    // the worker's objects are as they were, and the run still trains
    const [worker] = page.workers();
    expect(await worker.evaluate(() => typeof ({}).toString === 'function' && !('polluted' in {}) && Object.prototype.toString.call([]) === '[object Array]')).toBe(true);
    expect(await page.evaluate(() => typeof ({}).toString === 'function' && !('polluted' in {}))).toBe(true);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(async () => Number(await page.getByTestId('step').textContent())).toBe(1);
  });
});
