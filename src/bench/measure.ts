// measure.ts: the measurements shared by `npm run bench` (Node) and the browser benchmark page:
// NTP and NITP training throughput of one config, and what evaluation costs a run at a preset's
// evaluation schedule; medians of timed runs.
import type { GpuContext } from '../gpu/device.ts';
import { isEvalStep, type RunConfig } from '../model/config.ts';
import type { Dataset } from '../data/dataset.ts';
import { Trainer } from '../train/trainer.ts';
import { Evaluator } from '../train/evaluator.ts';

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

export interface EvalCost {
  /** evaluations in a whole run at the config's schedule (step 0 included) */
  evaluations: number;
  steps: number;
  msPerStep: number;
  msPerEvaluation: number;
  /** evaluation time over training time for the whole run */
  share: number;
}

/**
 * What evaluation costs a run of `config` (one model, λ from the config) at its evaluation
 * schedule: median step time and median evaluation time, scaled by how many of each a run has.
 */
export async function measureEvalCost(gpu: GpuContext, config: RunConfig, data: Dataset, steps: number, repeats: number): Promise<EvalCost> {
  const trainer = new Trainer(gpu, config, data);
  const evaluator = new Evaluator(trainer);
  trainer.trainStep();
  await trainer.flushMetrics();
  await evaluator.evaluate(); // compiles the evaluation's pipelines
  const stepTimes: number[] = [];
  const evalTimes: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) trainer.trainStep();
    await trainer.flushMetrics();
    stepTimes.push((performance.now() - t0) / steps);
    const t1 = performance.now();
    await evaluator.evaluate();
    evalTimes.push(performance.now() - t1);
  }
  evaluator.destroy();
  trainer.destroy();
  const total = config.train.steps;
  let evaluations = 0;
  for (let s = 0; s <= total; s++) if (isEvalStep(config, s)) evaluations++;
  const msPerStep = median(stepTimes);
  const msPerEvaluation = median(evalTimes);
  return { evaluations, steps: total, msPerStep, msPerEvaluation, share: (evaluations * msPerEvaluation) / (total * msPerStep) };
}

export function formatEvalCost(name: string, c: EvalCost): string {
  return `evaluation at the ${name} schedule: ${c.evaluations} evaluations in ${c.steps} steps, ${c.msPerEvaluation.toFixed(0)} ms each ` +
    `against ${c.msPerStep.toFixed(0)} ms per training step: ${(100 * c.share).toFixed(1)}% of training time`;
}
