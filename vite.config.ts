import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: { rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } } },
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
