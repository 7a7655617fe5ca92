// measure.ts: the throughput measurement shared by `npm run bench` (Node) and the browser
// benchmark page: NTP and NITP training of one config, medians of timed runs.
import type { GpuContext } from '../gpu/device.ts';
import type { RunConfig } from '../model/config.ts';
import type { Dataset } from '../data/dataset.ts';
import { Trainer } from '../train/trainer.ts';

export interface BenchResult {
  name: 'NTP' | 'NITP';
  tokensPerSecond: number;
  msPerStep: number;
  parameters: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** NTP (λ = 0) and NITP (λ from the config, or 1) throughput; `onTrainer` sees each trainer before it is freed. */
export async function measureThroughput(
  gpu: GpuContext, base: RunConfig, data: Dataset, steps: number, repeats: number,
  onTrainer?: (name: string, trainer: Trainer) => Promise<void>,
): Promise<BenchResult[]> {
  const lambda = base.nitp.lambda > 0 ? base.nitp.lambda : 1;
  const variants: [BenchResult['name'], RunConfig][] = [
    ['NTP', { ...base, nitp: { ...base.nitp, lambda: 0 } }],
    ['NITP', { ...base, nitp: { ...base.nitp, lambda } }],
  ];
  const results: BenchResult[] = [];
  for (const [name, config] of variants) {
    const trainer = new Trainer(gpu, config, data);
    const tokensPerStep = trainer.model.B * trainer.shape.T;
    trainer.trainStep(); // compiles pipelines, fills caches
    await trainer.flushMetrics();
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      for (let s = 0; s < steps; s++) trainer.trainStep();
      await trainer.flushMetrics(); // waits for the GPU to finish the steps
      times.push((performance.now() - t0) / 1000 / steps);
    }
    const perStep = median(times);
    results.push({ name, tokensPerSecond: tokensPerStep / perStep, msPerStep: perStep * 1000, parameters: trainer.layout.count });
    await onTrainer?.(name, trainer);
    trainer.destroy();
  }
  return results;
}

export function formatBench(results: BenchResult[]): string {
  const lines = results.map((r) => `${r.name.padEnd(5)} ${r.tokensPerSecond.toFixed(0).padStart(8)} tokens/s   ${r.msPerStep.toFixed(1)} ms/step   (${r.parameters.toLocaleString('en-US')} parameters)`);
  const [ntp, nitp] = results;
  const ratio = nitp.msPerStep / ntp.msPerStep;
  lines.push(`NITP/NTP step-time ratio: ${ratio.toFixed(3)} (${((ratio - 1) * 100).toFixed(1)}% extra per step)`);
  return lines.join('\n');
}
