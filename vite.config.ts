import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { contentSecurityPolicy, corpusAssets } from './scripts/vite-site.ts';

export default defineConfig({
  plugins: [react(), corpusAssets(), contentSecurityPolicy()],
  // relative URLs: the built site works from any path (e.g. https://someone.github.io/nitp-lab/)
  base: './',
  worker: { format: 'es' },
  // every chunk, workers included, one folder below the site root: src/util/siteUrl.ts relies on it
  build: { assetsDir: 'assets', rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } } },
  test: {
    // Dawn is a native module: each test file runs in its own process.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'], environment: 'node' } },
      {
        extends: true,
        test: { name: 'e2e', include: ['e2e/**/*.e2e.ts'], environment: 'node', globalSetup: ['e2e/globalSetup.ts'], maxWorkers: 1, testTimeout: 300_000 },
      },
    ],
  },
});
