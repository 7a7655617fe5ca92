// bench.ts: how fast the default lab model trains on this machine's adapter, against what the
// same adapter's matmul kernels do alone, all measured in this one process (src/bench/measure.ts):
//   npm run bench [-- --steps N --repeats R --config FILE.json --adapter auto|default|swiftshader
//                     --kernels auto|registers|workgroup --profile --json]
// Prints the autotuner's choice (timed afresh; --kernels forces one), tokens/s and GFLOP/s of NTP
// and NITP training, the matmul ceiling (the best variant on 1024³ and on the model's own shapes)
// and utilisation against it, the NITP overhead against its FLOP share, dispatches and
// submissions per step of the pair, and the share of training time that evaluation takes at the
// teaching preset's schedule. --profile adds a per-kernel breakdown of one NITP step (each command
// timed on its own); --json prints the report as one JSON object instead.
import { readFileSync } from 'node:fs';
import { nodeGpu, parseAdapterRequest } from '../gpu/node.ts';
import { parseKernels } from '../gpu/kernels.ts';
import { resolveConfig } from '../model/config.ts';
import { formatReport, runBench } from '../bench/measure.ts';
import { presetById } from '../model/presets.ts';
import { loadDataset } from '../data/runData.ts';
import { nodeCorpusSource } from '../data/nodeSource.ts';
import { positiveInt, runAsCommand } from './args.ts';

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const steps = positiveInt('--steps', option(argv, '--steps') ?? '5');
  const repeats = positiveInt('--repeats', option(argv, '--repeats') ?? '3');
  const file = option(argv, '--config');
  const base = resolveConfig(file ? JSON.parse(readFileSync(file, 'utf8')) : {});
  const kernels = parseKernels(option(argv, '--kernels') ?? 'auto');
  const gpu = await nodeGpu(parseAdapterRequest(option(argv, '--adapter') ?? 'auto'));
  const data = await loadDataset(base, nodeCorpusSource());
  const teachingConfig = resolveConfig(presetById('teaching')!.config);
  const teaching = { config: teachingConfig, data: await loadDataset(teachingConfig, nodeCorpusSource()) };
  const report = await runBench(gpu, base, data, teaching, { steps, repeats, kernels, profile: argv.includes('--profile') });
  console.log(argv.includes('--json') ? JSON.stringify(report) : formatReport(report));
  return 0;
}

runAsCommand(import.meta.url, main);
