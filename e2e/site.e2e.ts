// The built site as a static host would serve it: the fresh build (e2e/globalSetup.ts) under a
// subpath, /nitp-lab/, with the lab's Content-Security-Policy as a real response header (plus what
// only a header can carry: frame-ancestors, and a report-uri, so violations inside the workers are
// reported too). The page loads, trains the tiny preset for 20 steps and exports charts and
// metrics, and neither the page (securitypolicyviolation events) nor the browser (reports)
// records one violation, nor the page an error.
//
// The steps share one page and run in order. New steps (e.g. export a run file, open a gallery
// run) go before the last test, which checks the whole session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { existsSync, readFileSync } from 'node:fs';
import { collectErrors, launchBrowser, screenshot } from './browser.ts';
import { serveStatic, type StaticServer } from './staticServer.ts';
import { CONTENT_SECURITY_POLICY } from '../scripts/vite-site.ts';
import { CSV_COLUMNS } from '../src/share/exportMetrics.ts';

const PREFIX = '/nitp-lab/';
const HEADER_POLICY = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'; report-uri ${PREFIX}__csp-report`;

declare global {
  interface Window {
    cspViolations?: string[];
  }
}

describe('the built site from a subpath under a strict Content-Security-Policy', () => {
  let server: StaticServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  /** every URL the page and its workers asked for, and those that failed */
  const requested: string[] = [];
  const failed: string[] = [];
  /** the policy header each worker script came with (a worker does not inherit the page's meta tag) */
  const workerPolicies: (string | undefined)[] = [];

  beforeAll(async () => {
    server = await serveStatic('dist', { prefix: PREFIX, headers: { 'content-security-policy': HEADER_POLICY, 'x-content-type-options': 'nosniff' } });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
    await context.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        const policy = e.originalPolicy.includes('report-uri') ? 'header' : 'meta tag';
        window.cspViolations!.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber} (${policy})`);
      });
    });
    context.on('request', (r) => void requested.push(r.url()));
    context.on('requestfailed', (r) => void failed.push(`${r.url()}: ${r.failure()?.errorText}`));
    context.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.url()}: HTTP ${r.status()}`);
      if (/\/assets\/worker-[^/]*\.js$/.test(r.url())) workerPolicies.push(r.headers()['content-security-policy']);
    });
    page = await context.newPage();
    errors = collectErrors(page);
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  /** Clicks and returns the downloaded file's name and bytes. */
  async function download(click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
    const [file] = await Promise.all([page.waitForEvent('download'), click()]);
    return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
  }

  it('is a complete static site: the CSP meta tag in every page, the corpus included', () => {
    for (const html of ['dist/index.html', 'dist/bench.html']) {
      const text = readFileSync(html, 'utf8');
      expect(text, html).toContain(`<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />`);
      expect(text, html).not.toMatch(/(src|href)="\/(?!\/)/); // no root-absolute URL: the site works from any path
    }
    for (const f of ['meta.json', 'train.txt', 'val.txt', 'train.tags', 'val.tags']) expect(existsSync(`dist/data/brown-v2/${f}`), f).toBe(true);
  });

  it('loads at the subpath and trains the tiny preset for 20 steps', async () => {
    const response = await page.goto(`${server.url}?v=2&p=tiny&steps=20`);
    expect(response!.headers()['content-security-policy']).toBe(HEADER_POLICY);
    await page.getByTestId('engine-info').waitFor({ timeout: 120_000 }).catch(() => {
      throw new Error(`the engine did not start; errors:\n${errors.join('\n')}\nfailed:\n${failed.join('\n')}`);
    });
    await page.getByRole('button', { name: 'Train' }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=step]')?.textContent) === 20, null, { timeout: 240_000 });
    await expect.poll(() => page.getByRole('button', { name: 'Train' }).isEnabled(), { timeout: 60_000 }).toBe(true);
    // the worker fetched the corpus from under the subpath, and nothing was asked of anywhere else
    expect(requested).toContain(`${server.url}data/brown-v2/train.txt`);
    expect(requested.filter((u) => !u.startsWith(server.url) && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
    expect(failed).toEqual([]);
    expect(workerPolicies).toEqual([HEADER_POLICY]);
  });

  it('exports charts as PNG and SVG and the metrics as CSV', async () => {
    const svg = (await download(() => page.getByRole('button', { name: 'Download losses as SVG' }).click())).bytes.toString('utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('data-series="NITP model — next-token loss (training)"');
    const png = (await download(() => page.getByRole('button', { name: 'Download losses as PNG' }).click())).bytes;
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBeGreaterThan(500); // width of a 2x render
    // the PCA scatter is a canvas: embedded as a data: PNG in the SVG, drawn from a blob: for the PNG
    expect((await download(() => page.getByRole('button', { name: 'Download pca-nitp as SVG' }).click())).bytes.toString('utf8')).toContain('<image href="data:image/png;base64,');
    expect((await download(() => page.getByRole('button', { name: 'Download pca-nitp as PNG' }).click())).bytes.length).toBeGreaterThan(2000);
    await page.locator('summary', { hasText: 'Export and import' }).click();
    const csv = await download(() => page.getByRole('button', { name: 'Metrics CSV' }).click());
    expect(csv.name).toBe('nitp-lab-metrics.csv');
    const rows = csv.bytes.toString('utf8').trim().split('\n').map((l) => l.split(','));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(1 + 2 * 21); // steps 1..20 and the step-0 evaluation, of both runs
    await screenshot(page, 'site-subpath-csp');
  });

  it('saves a run file, and opens a gallery run from the same origin', async () => {
    await page.locator('summary', { hasText: 'Run files' }).click();
    const file = await download(() => page.getByRole('button', { name: 'Save run file' }).click());
    expect(JSON.parse(file.bytes.toString('utf8'))).toMatchObject({ format: 'nitp-lab-run', version: 1, info: { config: { train: { steps: 20 } } } });
    await page.locator('summary', { hasText: 'Gallery' }).click();
    await page.getByRole('button', { name: /Open “Tiny and fast”/ }).click();
    await page.getByTestId('viewing').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('viewing').textContent()).toMatch(/Showing gallery: Tiny and fast \(gallery\)/);
    expect(new URL(page.url()).searchParams.get('run')).toBe('gallery/tiny'); // the link now opens the gallery run
    expect(requested).toContain(`${server.url}gallery/tiny.json`);
    expect(await page.locator('path[data-series="NTP model — training loss"]').first().getAttribute('data-points')).toBe('500');
    await screenshot(page, 'site-gallery');
  });

  it('saw no CSP violation and no page error, and would have seen one', async () => {
    expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
    expect(server.cspReports).toEqual([]);
    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    // a deliberate violation shows that both policies (meta tag and header) are enforced, and
    // that both channels work: the page's events and the browser's report
    await page.evaluate(() => {
      const img = new Image();
      img.src = 'https://example.invalid/csp-probe.png';
      document.body.append(img);
    });
    const probe = (policy: string) => expect.stringMatching(new RegExp(`^img-src blocked https://example\\.invalid/csp-probe\\.png .*\\(${policy}\\)$`));
    await expect.poll(async () => (await page.evaluate(() => window.cspViolations))!.sort(), { timeout: 10_000 }).toEqual([probe('header'), probe('meta tag')]);
    await expect.poll(() => JSON.stringify(server.cspReports), { timeout: 15_000 }).toContain('example.invalid/csp-probe.png');
    expect(server.cspReports).toHaveLength(1);
  });
});

describe('the built site over plain http from another machine', () => {
  it('says that the page is not a secure context, and how to fix it', async () => {
    const server = await serveStatic('dist', { prefix: PREFIX, headers: { 'content-security-policy': HEADER_POLICY } });
    // a name that is not localhost, resolved to the loopback test server: what another machine sees
    const browser = await launchBrowser({ args: ['--host-resolver-rules=MAP lab.example 127.0.0.1'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      const errors = collectErrors(page);
      await page.goto(server.url.replace('127.0.0.1', 'lab.example'));
      expect(await page.evaluate(() => [window.isSecureContext, 'gpu' in navigator])).toEqual([false, false]);
      const alert = page.getByRole('alert').filter({ hasText: 'WebGPU' });
      await alert.waitFor({ timeout: 30_000 });
      const text = await alert.textContent();
      expect(text).toMatch(/not a secure context: it was opened over plain http from lab\.example:\d+/);
      expect(text).toMatch(/Open it as http:\/\/localhost:\d+\/nitp-lab\/ on the machine that serves it/);
      expect(text).toContain('or serve the site over https');
      expect(errors).toEqual([]);
      await screenshot(page, 'site-insecure-context');
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
