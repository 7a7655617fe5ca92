// bench-browser.ts: `npm run bench:browser` — the same throughput benchmark as `npm run bench`,
// in headless Chromium (a Web Worker, WebGPU on this machine's adapter; SwiftShader without a GPU).
import { build, preview } from 'vite';
import { launchBrowser } from '../e2e/browser.ts';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const steps = option('--steps', 5);
const repeats = option('--repeats', 3);
await build({ logLevel: 'warn' });
const server = await preview({ logLevel: 'warn', preview: { host: '127.0.0.1', port: 4174, strictPort: false } });
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${server.resolvedUrls!.local[0]}bench.html?steps=${steps}&repeats=${repeats}`);
  await page.waitForFunction(() => 'benchResult' in window, null, { timeout: 1_800_000 });
  console.log(await page.locator('#result').textContent());
} finally {
  await browser.close();
  await server.close();
}
