// bench.ts: training throughput of the default lab model on this machine's adapter.
//   npm run bench [-- --steps N --repeats R --config FILE.json --adapter auto|default|swiftshader]
// Prints tokens/s of NTP training (λ = 0) and of NITP training (λ from the config, default 1),
// and the ratio of their step times, each the median over R timed runs of N steps; then the share
// of training time that evaluation takes at the teaching preset's schedule (NITP run).
// --profile adds a per-kernel breakdown of one NITP step (each command timed on its own).
import { readFileSync } from 'node:fs';
import { adapterLine, nodeGpu, parseAdapterRequest } from '../gpu/node.ts';
import { resolveConfig } from '../model/config.ts';
import { formatBench, formatEvalCost, measureEvalCost, measureThroughput } from '../bench/measure.ts';
import { presetById } from '../model/presets.ts';
import { Trainer } from '../train/trainer.ts';
import { Program } from '../gpu/program.ts';
import { loadDataset } from '../data/runData.ts';
import { nodeCorpusSource } from '../data/nodeSource.ts';

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
  const gpu = await nodeGpu(parseAdapterRequest(option(argv, '--adapter') ?? 'auto'));
  const data = await loadDataset(base, nodeCorpusSource());
  const { nLayer, dModel, nHead, contextLength } = base.model;
  console.log(adapterLine(gpu));
  console.log(`model: L=${nLayer} d=${dModel} heads=${nHead} T=${contextLength} B=${base.train.batchSize} V=${data.vocabSize}; ` +
    `${steps} steps per run, median of ${repeats} runs`);
  const results = await measureThroughput(gpu, base, data, steps, repeats, async (name, trainer) => {
    if (name === 'NITP' && argv.includes('--profile')) await printProfile(trainer);
  });
  console.log(formatBench(results));
  // the teaching preset evaluates densely early: what that costs its whole run
  const teaching = resolveConfig(presetById('teaching')!.config);
  const teachingData = await loadDataset(teaching, nodeCorpusSource());
  console.log(formatEvalCost('teaching preset', await measureEvalCost(gpu, teaching, teachingData, steps, repeats)));
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e) => {
    console.error((e as Error).message ?? e);
    process.exit(1);
  },
);
