// Exports and checkpoint import in the browser: metrics as CSV and JSON, charts as SVG and PNG, a
// checkpoint as safetensors with nanoGPT names and shapes; the checkpoint loads back into a run,
// which continues from its step; every bad file is refused with a message naming the problem.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { launchBrowser, openLab, screenshot } from './browser.ts';
import { readSafetensors, writeSafetensors } from '../src/io/safetensors.ts';
import { resolveConfig } from '../src/model/config.ts';
import { modelShape, paramLayout, parameterSpecs } from '../src/model/params.ts';
import { CSV_COLUMNS } from '../src/share/exportMetrics.ts';

let browser: Browser;

/** Clicks `button` and returns the downloaded file's name and bytes. */
async function download(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
}

describe('exports and checkpoint import', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('downloads metrics, charts and checkpoints, and loads a checkpoint back', async () => {
    const page = await openLab(await browser.newPage({ viewport: { width: 1280, height: 720 }, acceptDownloads: true }),
      '?v=1&T=16&L=2&d=16&h=2&steps=20&B=4&lr=0.003&wu=5&ev=10');
    await page.getByRole('button', { name: 'Train' }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=step]')?.textContent) === 20, null, { timeout: 240_000 });
    await expect.poll(() => page.getByRole('button', { name: 'Train' }).isEnabled(), { timeout: 60_000 }).toBe(true);
    await page.locator('summary', { hasText: 'Export and import' }).click();

    // metrics
    const csv = await download(page, () => page.getByRole('button', { name: 'Metrics CSV' }).click());
    expect(csv.name).toBe('nitp-lab-metrics.csv');
    const rows = csv.bytes.toString('utf8').trim().split('\n').map((l) => l.split(','));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(1 + 2 * 21); // steps 1..20 and the evaluation at step 0, of both runs
    const valNtp = CSV_COLUMNS.indexOf('val_ntp');
    expect(rows.slice(1).filter((r) => r[valNtp] !== '').map((r) => `${r[0]}@${r[1]}`)).toEqual(['ntp@0', 'ntp@10', 'ntp@20', 'nitp@0', 'nitp@10', 'nitp@20']);
    const json = JSON.parse((await download(page, () => page.getByRole('button', { name: 'Metrics JSON' }).click())).bytes.toString('utf8'));
    expect(json.runs.nitp.steps).toHaveLength(20);
    expect(json.runs.ntp.evals.map((e: { step: number }) => e.step)).toEqual([0, 10, 20]);
    expect(json.config.train.steps).toBe(20);

    // charts: SVG with the chart's own content and inlined styles; PNG with its signature
    const svg = (await download(page, () => page.getByRole('button', { name: 'Download losses as SVG' }).click())).bytes.toString('utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('data-series="NITP model — next-token loss (training)"');
    expect(svg).toMatch(/style="[^"]*stroke:/);
    const png = (await download(page, () => page.getByRole('button', { name: 'Download losses as PNG' }).click())).bytes;
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBeGreaterThan(500); // width of a 2x render
    const pcaSvg = (await download(page, () => page.getByRole('button', { name: 'Download pca-nitp as SVG' }).click())).bytes.toString('utf8');
    expect(pcaSvg).toContain('<image href="data:image/png;base64,');
    const pcaPng = (await download(page, () => page.getByRole('button', { name: 'Download pca-nitp as PNG' }).click())).bytes;
    expect(pcaPng.length).toBeGreaterThan(2000);
    mkdirSync('test-results/screenshots', { recursive: true });
    writeFileSync('test-results/screenshots/export-losses.png', png); // kept to look at
    writeFileSync('test-results/screenshots/export-pca-nitp.png', pcaPng);

    // the NITP run's checkpoint: nanoGPT names and shapes, AdamW moments, step and config metadata
    const checkpoint = await download(page, () => page.getByRole('button', { name: 'Download checkpoint' }).click());
    expect(checkpoint.name).toBe('nitp-lab-nitp-step20.safetensors');
    const file = readSafetensors(new Uint8Array(checkpoint.bytes));
    expect(file.metadata.step).toBe('20');
    const config = resolveConfig(JSON.parse(file.metadata.config));
    const V = file.tensors.get('transformer.wte.weight')!.shape[0];
    const layout = paramLayout(parameterSpecs(config, modelShape(config, V)));
    for (const t of layout.tensors) {
      expect(file.tensors.get(t.name)?.shape, t.name).toEqual(t.shape);
      expect(file.tensors.get(`optim.v.${t.name}`)?.shape, t.name).toEqual(t.shape);
    }
    expect(file.tensors.get('transformer.h.0.attn.c_attn.weight')!.shape).toEqual([48, 16]);

    // loaded back after a reset, the NITP run continues from step 20
    await page.getByRole('button', { name: 'Reset' }).click();
    await expect.poll(() => page.getByTestId('step').textContent(), { timeout: 60_000 }).toBe('0');
    const load = (name: string, buffer: Buffer) => page.getByLabel('Load a checkpoint').setInputFiles({ name, mimeType: 'application/octet-stream', buffer });
    await load('good.safetensors', checkpoint.bytes);
    await expect.poll(() => page.getByTestId('files-status').textContent(), { timeout: 60_000 }).toMatch(/Loaded good\.safetensors into the NTP \+ NITP run: it continues from step 20/);
    await page.getByLabel('Checkpoint of run').selectOption('ntp');

    // bad files, each refused with its reason
    const refused = async (name: string, buffer: Buffer, reason: RegExp) => {
      await load(name, buffer);
      await expect.poll(() => page.getByTestId('files-error').textContent(), { timeout: 30_000 }).toMatch(new RegExp(`${name.replace('.', '\\.')} was not loaded: ${reason.source}`));
    };
    const entries = [...file.tensors.entries()].map(([name, t]) => ({ name, ...t }));
    await refused('notes.safetensors', Buffer.from('just some text, not tensors'), /safetensors: /);
    await refused('nitp.safetensors', checkpoint.bytes, /the checkpoint has an NITP head .*load it into the NTP \+ NITP run/);
    await page.getByLabel('Checkpoint of run').selectOption('nitp');
    const reshaped = writeSafetensors(entries.map((e) => (e.name === 'lm_head.weight' || e.name === 'transformer.wte.weight' ? { ...e, shape: [e.shape[1], e.shape[0]] } : e)), file.metadata);
    await refused('shape.safetensors', Buffer.from(reshaped), new RegExp(`tensor transformer.wte.weight has shape \\[16, ${V}\\], expected \\[${V}, 16\\]`));
    const missing = writeSafetensors(entries.filter((e) => e.name !== 'transformer.h.1.ln_2.bias'), file.metadata);
    await refused('missing.safetensors', Buffer.from(missing), /checkpoint is missing tensor transformer\.h\.1\.ln_2\.bias \(expected shape \[16\]\)/);
    const otherConfig = writeSafetensors(entries, { ...file.metadata, config: JSON.stringify({ ...config, model: { ...config.model, contextLength: 32 } }) });
    await refused('other.safetensors', Buffer.from(otherConfig), /the checkpoint was made with model\.contextLength = 32; this run has 16/);

    // the loaded run trains on from its step
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => page.getByTestId('step').textContent(), { timeout: 60_000 }).toBe('21');
    await screenshot(page, 'exports');
    await page.close();
  });
});
