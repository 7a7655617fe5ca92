// browser.ts: headless Chromium with WebGPU on SwiftShader (Debian's chromium; never downloaded).
import { chromium, type Browser, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { inject } from 'vitest';

const BASE_ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan'];

/** Launches Chromium; `webgpu: false` gives a browser without navigator.gpu, as many users have; `args` are added. */
export async function launchBrowser({ webgpu = true, args = [] as string[] } = {}): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...BASE_ARGS, ...(webgpu ? WEBGPU_ARGS : []), ...args] });
}

/** Saves a screenshot under test-results/screenshots (kept as a CI artifact). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync('test-results/screenshots', { recursive: true });
  const path = `test-results/screenshots/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Collects page errors and console errors so a test can show them when it fails. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/**
 * Opens the lab in `page` (with a link's query string, if any) and waits until its engine is ready
 * (`ready`: the test id that shows it; presenter mode hides the settings and their engine-info).
 */
export async function openLab(page: Page, query = '', ready = 'engine-info'): Promise<Page> {
  const errors = collectErrors(page);
  await page.goto(new URL(query, inject('baseUrl')).href);
  await page.getByTestId(ready).waitFor({ timeout: 120_000 }).catch(() => {
    throw new Error(`engine did not initialise; page errors:\n${errors.join('\n')}`);
  });
  return page;
}
