// run.ts: the GPU tests on a second WebGPU implementation: Deno's (wgpu, naga), on Mesa's lavapipe
// in CI (scripts/test-deno.sh). Every kernel against its float64 reference, the whole-model
// gradient check, and the short training run against the committed float64 trajectory. Writes
// its totals to test-results/deno-wgpu.json for the closing line of npm test.
import { reset, run, type Totals } from './vitest.ts';
import { testGpu } from './gpu.ts';

// the Deno APIs used here (tsc checks this file without Deno's own types)
declare const Deno: {
  args: string[];
  version: { deno: string };
  readDirSync(dir: URL): Iterable<{ name: string }>;
  mkdirSync(dir: URL, options: { recursive: boolean }): void;
  writeTextFileSync(file: URL, text: string): void;
  exit(code: number): never;
};

const FILES: [string, ((name: string) => boolean)?][] = [
  ...[...Deno.readDirSync(new URL('../../src/gpu/ops/', import.meta.url))]
    .map((e) => e.name).filter((n) => n.endsWith('.gpu.test.ts')).sort()
    .map((n) => [`../../src/gpu/ops/${n}`] as [string]),
  ['../../src/model/gpt.gpu.test.ts'],
  ['../../src/train/trainer.gpu.test.ts', (name) => name.includes('matches the committed float64 trajectory')],
];

const only = Deno.args[0];
const all: Totals = { passed: 0, failed: 0, failures: [] };
const adapter = await navigator.gpu.requestAdapter();
console.log(`WebGPU: Deno ${Deno.version.deno} (wgpu), adapter ${adapter?.info.description || adapter?.info.vendor || 'none'}`);
const started = performance.now();
for (const [file, filter] of FILES) {
  if (only && !file.includes(only)) continue;
  console.log(file.replace('../../', ''));
  reset();
  try {
    await import(file);
    const t = await run(filter);
    all.passed += t.passed;
    all.failed += t.failed;
    all.failures.push(...t.failures);
    // a shader or call this implementation refuses shows up here, even where a test's numbers pass
    const { errors } = await testGpu();
    if (errors.length > 0) {
      all.failed++;
      all.failures.push(`${file}: uncaptured WebGPU errors: ${errors.join(' | ')}`);
      console.log(`  × uncaptured WebGPU errors:\n      ${errors.join('\n      ')}`);
      errors.length = 0;
    }
  } catch (e) {
    all.failed++;
    all.failures.push(`${file}: ${(e as Error).stack ?? e}`);
    console.log(`  × ${file} did not load: ${(e as Error).message}`);
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(`deno-wgpu: ${all.passed} passed, ${all.failed} failed (${seconds.toFixed(0)} s)`);
Deno.mkdirSync(new URL('../../test-results/', import.meta.url), { recursive: true });
Deno.writeTextFileSync(new URL('../../test-results/deno-wgpu.json', import.meta.url), JSON.stringify({ ...all, seconds }, null, 2));
Deno.exit(all.failed > 0 ? 1 : 0);
