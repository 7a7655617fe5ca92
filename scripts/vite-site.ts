// vite-site.ts: Vite plugins that make the lab a complete static site (vite.config.ts): the
// corpus assets before the build copies public/, and the Content-Security-Policy meta tag in the
// built pages.
import { execFileSync } from 'node:child_process';
import type { Plugin } from 'vite';

/**
 * The policy every built page carries (a meta tag) and the test server sends as a header.
 * Nothing beyond the list was needed: scripts, the workers and the corpus fetches are
 * same-origin files; chart exports draw a blob: SVG into a canvas (img-src blob:) and embed the
 * PCA canvas as a data: PNG (img-src data:); React and chartExport.ts set styles through the
 * CSSOM (element.style), which style-src does not govern. frame-ancestors cannot be set by a
 * meta tag: the host sends it (README, "Put it online").
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

/**
 * Builds the corpus assets into public/data/ (scripts/build-corpus.ts; a no-op when up to date)
 * before a build copies public/ into dist/, and before the dev server serves it. In a child
 * process: the asset code finds the repository from its own file location, which bundling the
 * Vite config would move.
 */
export function corpusAssets(): Plugin {
  let command: 'build' | 'serve' = 'build';
  let root = process.cwd();
  let info = (msg: string) => console.log(msg);
  return {
    name: 'nitp:corpus-assets',
    configResolved(config) {
      command = config.command;
      root = config.root;
      info = (msg) => config.logger.info(msg); // quiet at --logLevel warn
    },
    buildStart() {
      // vitest starts a dev server too: its tests build the corpus on demand (src/data/nodeSource.ts)
      if (command === 'serve' && process.env.VITEST) return;
      info(execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-corpus.ts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trimEnd());
    },
  };
}

/**
 * Adds the CSP meta tag to the built pages only: the dev server injects inline scripts for hot
 * reloading, which the policy forbids. It goes right after <meta charset>, before every script
 * and stylesheet (a meta policy covers only what follows it).
 */
export function contentSecurityPolicy(policy = CONTENT_SECURITY_POLICY): Plugin {
  return {
    name: 'nitp:content-security-policy',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, { filename }) {
        const charset = /<meta charset="[^"]*"\s*\/?>/i;
        if (!charset.test(html) || policy.includes('"')) throw new Error(`${filename}: cannot place the Content-Security-Policy (no <meta charset>, or a quote in the policy)`);
        return html.replace(charset, (m) => `${m}\n    <meta http-equiv="Content-Security-Policy" content="${policy}" />`);
      },
    },
  };
}
