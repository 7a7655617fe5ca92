// bench.ts: training throughput of the default lab model on this machine's adapter.
//   npm run bench [-- --steps N --repeats R --config FILE.json]
// Prints tokens/s of NTP training (λ = 0) and of NITP training (λ from the config, default 1),
// and the ratio of their step times, each the median over R timed runs of N steps.
// --profile adds a per-kernel breakdown of one NITP step (each command timed on its own).
import { readFileSync } from 'node:fs';
import { nodeGpu } from '../gpu/node.ts';
import { resolveConfig, type RunConfig } from '../model/config.ts';
import { Trainer } from '../train/trainer.ts';
import { Program } from '../gpu/program.ts';
import { loadDataset } from '../data/runData.ts';
import { nodeCorpusSource } from '../data/nodeSource.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Times every command of one training step on its own and prints the totals per kernel. */
async function printProfile(trainer: Trainer): Promise<void> {
  const program = new Program(trainer.model.device);
  trainer.model.recordTrainStep(program);
  await program.profile(); // warm-up
  const rows = await program.profile();
  program.destroy();
  const byKernel = new Map<string, { ms: number; count: number }>();
  for (const r of rows) {
    const e = byKernel.get(r.label) ?? { ms: 0, count: 0 };
    e.ms += r.ms;
    e.count++;
    byKernel.set(r.label, e);
  }
  const total = rows.reduce((a, r) => a + r.ms, 0);
  console.log(`profile of one NITP step: ${rows.length} commands, ${total.toFixed(0)} ms when each is waited for`);
  for (const [label, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`  ${label.padEnd(36)} ${String(e.count).padStart(3)}x ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}%`);
  }
}

async function main(argv: string[]): Promise<void> {
  const steps = Number(option(argv, '--steps') ?? 5);
  const repeats = Number(option(argv, '--repeats') ?? 3);
  const file = option(argv, '--config');
  const base = resolveConfig(file ? JSON.parse(readFileSync(file, 'utf8')) : {});
  const gpu = await nodeGpu();
  const data = await loadDataset(base, nodeCorpusSource());
  const nitpLambda = base.nitp.lambda > 0 ? base.nitp.lambda : 1;
  const variants: [string, RunConfig][] = [
    ['NTP', { ...base, nitp: { ...base.nitp, lambda: 0 } }],
    ['NITP', { ...base, nitp: { ...base.nitp, lambda: nitpLambda } }],
  ];
  const { nLayer, dModel, nHead, contextLength } = base.model;
  console.log(`adapter: ${gpu.description}`);
  console.log(`model: L=${nLayer} d=${dModel} heads=${nHead} T=${contextLength} B=${base.train.batchSize} V=${data.vocabSize}; ` +
    `${steps} steps per run, median of ${repeats} runs`);
  const stepSeconds = new Map<string, number>();
  for (const [name, config] of variants) {
    const trainer = new Trainer(gpu, config, data);
    const tokensPerStep = trainer.model.B * trainer.shape.T;
    // Warm-up: compiles pipelines and fills caches.
    trainer.trainStep();
    await trainer.flushMetrics();
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      for (let s = 0; s < steps; s++) trainer.trainStep();
      await trainer.flushMetrics(); // waits for the GPU to finish the steps
      times.push((performance.now() - t0) / 1000 / steps);
    }
    const perStep = median(times);
    stepSeconds.set(name, perStep);
    console.log(`${name.padEnd(5)} ${(tokensPerStep / perStep).toFixed(0).padStart(8)} tokens/s   ` +
      `${(perStep * 1000).toFixed(1)} ms/step   (${trainer.layout.count.toLocaleString('en-US')} parameters)`);
    if (name === 'NITP' && argv.includes('--profile')) await printProfile(trainer);
    trainer.destroy();
  }
  const ratio = stepSeconds.get('NITP')! / stepSeconds.get('NTP')!;
  console.log(`NITP/NTP step-time ratio: ${ratio.toFixed(3)} (${((ratio - 1) * 100).toFixed(1)}% extra per step)`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e) => {
    console.error((e as Error).message ?? e);
    process.exit(1);
  },
);
