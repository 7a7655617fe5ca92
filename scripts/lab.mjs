// lab.mjs: `npm run lab [-- --port N] [-- --host ADDR] [-- --open]`. Serves the lab for the
// browser on this machine (Chrome or Edge, which bring their own WebGPU). Needs only Node and the
// npm packages, on any OS: no apt, no Chromium (those are for the tests, scripts/ensure-deps.sh).
// Plain JavaScript with no dependencies until `npm ci` has run, so it works on a fresh clone.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

// package.json "engines": what Vite 8 runs on
const [major, minor] = process.versions.node.split('.').map(Number);
if (!((major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23)) {
  console.error(`Node ${process.versions.node} is too old for the lab's tools (Vite 8 needs Node 20.19+ or 22.12+). Install Node 22 LTS or newer from https://nodejs.org and run npm run lab again.`);
  process.exit(1);
}

// npm ci when node_modules is missing or older than the lock file
const lock = (p) => (existsSync(p) ? statSync(p).mtimeMs : -1);
if (!existsSync('node_modules') || lock('package-lock.json') > lock('node_modules/.package-lock.json')) {
  console.log('Installing the npm packages (npm ci) ...');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const host = arg('--host') ?? '127.0.0.1';
const port = Number(arg('--port') ?? 5173);

// the corpus assets are built by the corpusAssets plugin (scripts/vite-site.ts) as the server starts
const { createServer } = await import('vite');
const server = await createServer({ server: { host, port } });
await server.listen();
const url = server.resolvedUrls?.local[0] ?? `http://localhost:${server.config.server.port}/`;
const lines = ['NITP Lab is running.', '', `Open  ${url}`, '', 'in Chrome or Edge (they have WebGPU). Ctrl+C stops the lab.'];
if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
  // navigator.gpu exists only in a secure context: https, or localhost
  lines.push('', 'Other machines reaching this one over plain http get no WebGPU:', 'give them https, or an SSH tunnel to localhost.');
}
const width = Math.max(...lines.map((l) => l.length)) + 4;
const bar = '═'.repeat(width);
console.log(`\n╔${bar}╗\n${lines.map((l) => `║  ${l.padEnd(width - 4)}  ║`).join('\n')}\n╚${bar}╝\n`);
if (process.argv.includes('--open')) server.openBrowser();
