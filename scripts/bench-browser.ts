// bench-browser.ts: `npm run bench:browser` — the same report as `npm run bench`, measured in
// headless Chromium (a Web Worker, WebGPU on this machine's adapter; SwiftShader without a GPU).
//   npm run bench:browser [-- --steps N --repeats R --kernels auto|registers|workgroup --profile --json]
import { build, preview } from 'vite';
import { launchBrowser } from '../e2e/browser.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const query = new URLSearchParams({
  steps: option('--steps', '5'), repeats: option('--repeats', '3'), kernels: option('--kernels', 'auto'),
  profile: process.argv.includes('--profile') ? '1' : '0',
});
await build({ logLevel: 'warn' });
const server = await preview({ logLevel: 'warn', preview: { host: '127.0.0.1', port: 4174, strictPort: false } });
const browser = await launchBrowser();
let failed = false;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${server.resolvedUrls!.local[0]}bench.html?${query}`);
  await page.waitForFunction(() => 'benchResult' in window, null, { timeout: 1_800_000 });
  const result = await page.evaluate(() => (window as unknown as { benchResult: { error?: string } }).benchResult);
  failed = result.error !== undefined;
  console.log(process.argv.includes('--json') ? JSON.stringify(result) : await page.locator('#result').textContent());
} finally {
  await browser.close();
  await server.close();
}
process.exit(failed ? 1 : 0);
