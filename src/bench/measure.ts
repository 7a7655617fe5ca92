// measure.ts: the measurements shared by `npm run bench` (Node) and the browser benchmark page
// (bench.html, in a worker), all in one process so their ratios mean something on a noisy machine:
//   - the autotuner's choice for the model, timed afresh;
//   - NTP and NITP training throughput (medians of timed runs), FLOPs per token, GFLOP/s;
//   - the matmul ceiling: the best variant on a large square matmul and on the model's own
//     matmul shapes (weighted by how often a step records each), and utilisation against it;
//   - dispatches and submissions per step of the lab's pair;
//   - what evaluation costs a run at a preset's evaluation schedule.
import type { GpuContext } from '../gpu/device.ts';
import { isEvalStep, usesNitpHead, type RunConfig } from '../model/config.ts';
import type { Dataset } from '../data/dataset.ts';
import { Trainer, trainTogether } from '../train/trainer.ts';
import { Evaluator } from '../train/evaluator.ts';
import { Program } from '../gpu/program.ts';
import { createStorage } from '../gpu/buffers.ts';
import { matmul } from '../gpu/ops/matmul.ts';
import {
  MATMUL_VARIANTS, describeKernels, matmulShapeKey, setKernels, type KernelChoice, type MatmulShape, type MatmulVariant,
} from '../gpu/kernels.ts';
import { timeCandidates, tuneKernels, type TuneTiming } from '../gpu/tune.ts';
import { kernelTuneShapes } from '../model/gpt.ts';
import { modelShape } from '../model/params.ts';

export interface BenchResult {
  name: 'NTP' | 'NITP';
  tokensPerSecond: number;
  msPerStep: number;
  parameters: number;
  /** training FLOPs per token (flopsPerToken) */
  flopsPerToken: number;
  gflops: number;
  /** dispatches in one training step of this run */
  dispatches: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Training FLOPs per token of `config` (docs/architecture.md, "Speed"): three times the forward
 * pass (the backward costs two), whose per-token FLOPs are, with d the width, T the context and L
 * the depth: 24·d² per layer for the four linear maps (qkv 6d², projection 2d², MLP 16d²),
 * 2·T·d per layer for causal attention (q·k and att·v over T/2 positions on average), 2·d·V for
 * the output head, and 24·d² for the NITP SwiGLU head (three d×4d maps) where the run has one.
 * LayerNorm, GELU, softmax and the losses are left out (O(d) per token).
 */
export function flopsPerToken(config: RunConfig, vocabSize: number): number {
  const { nLayer: L, dModel: d, contextLength: T } = config.model;
  const forward = L * (24 * d * d + 2 * T * d) + 2 * d * vocabSize + (usesNitpHead(config) ? 24 * d * d : 0);
  return 3 * forward;
}

/** NTP (λ = 0) and NITP (λ from the config, or 1) throughput; `onTrainer` sees each trainer before it is freed. */
export async function measureThroughput(
  gpu: GpuContext, base: RunConfig, data: Dataset, steps: number, repeats: number,
  onTrainer?: (name: string, trainer: Trainer) => Promise<void>,
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const [name, config] of Object.entries(pairConfigs(base)) as [BenchResult['name'], RunConfig][]) {
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
    const flops = flopsPerToken(config, data.vocabSize);
    const tokensPerSecond = tokensPerStep / perStep;
    results.push({
      name, tokensPerSecond, msPerStep: perStep * 1000, parameters: trainer.layout.count,
      flopsPerToken: flops, gflops: (flops * tokensPerSecond) / 1e9, dispatches: trainer.dispatchesPerStep,
    });
    await onTrainer?.(name, trainer);
    trainer.destroy();
  }
  return results;
}

function pairConfigs(base: RunConfig): { NTP: RunConfig; NITP: RunConfig } {
  const lambda = base.nitp.lambda > 0 ? base.nitp.lambda : 1;
  return { NTP: { ...base, nitp: { ...base.nitp, lambda: 0 } }, NITP: { ...base, nitp: { ...base.nitp, lambda } } };
}

export interface MatmulCeiling {
  /** n of the n×n×n square */
  n: number;
  square: { variant: MatmulVariant; gflops: number }[];
  /** the model's matmuls: each shape with its count per NITP step and its best variant */
  shapes: { shape: string; count: number; variant: MatmulVariant; ms: number; gflops: number }[];
  /** Σ count·FLOPs / Σ count·best ms over the model's shapes */
  modelGflops: number;
  squareGflops: number;
}

const matmulFlops = (s: MatmulShape) => 2 * s.M * s.N * s.K;

/** The best variant's time on `shape`: each variant timed as the autotuner times it. */
async function bestMatmul(device: GPUDevice, shape: MatmulShape): Promise<{ variant: MatmulVariant; ms: number }> {
  let best: { variant: MatmulVariant; ms: number } | null = null;
  const buffers: GPUBuffer[] = [];
  const buf = (floats: number) => {
    const b = createStorage(device, floats, 'bench matmul');
    buffers.push(b);
    return { buffer: b };
  };
  const out = buf(shape.M * shape.N);
  const a = buf(shape.M * shape.K);
  const b = buf(shape.K * shape.N);
  const ms = await timeCandidates(device, MATMUL_VARIANTS.map((variant) => (p: Program) => matmul(p, { out, a, b, ...shape, variant })));
  for (const [i, variant] of MATMUL_VARIANTS.entries()) if (!best || ms[i] < best.ms) best = { variant, ms: ms[i] };
  for (const x of buffers) x.destroy();
  return best!;
}

/**
 * The matmul ceiling in this process: the best variant on an n×n×n square, and on every matmul
 * shape one training step of `config` records (counted from the recorded step).
 */
export async function measureMatmulCeiling(gpu: GpuContext, config: RunConfig, data: Dataset, n = 1024): Promise<MatmulCeiling> {
  const device = gpu.device;
  const square: MatmulCeiling['square'] = [];
  const sq: MatmulShape = { M: n, N: n, K: n, transA: false, transB: false };
  const buffers = [createStorage(device, n * n), createStorage(device, n * n), createStorage(device, n * n)];
  const squareMs = await timeCandidates(device, MATMUL_VARIANTS.map((variant) => (p: Program) =>
    matmul(p, { out: { buffer: buffers[0] }, a: { buffer: buffers[1] }, b: { buffer: buffers[2] }, ...sq, variant })));
  for (const b of buffers) b.destroy();
  MATMUL_VARIANTS.forEach((variant, i) => square.push({ variant, gflops: matmulFlops(sq) / squareMs[i] / 1e6 }));
  // the shapes (and how often) one NITP step records
  const trainer = new Trainer(gpu, pairConfigs(config).NITP, data);
  const program = new Program(device);
  trainer.model.recordTrainStep(program);
  const counts = new Map<string, { shape: MatmulShape; count: number }>();
  for (const { constants: c } of program.dispatches()) {
    if (!('TRANS_A' in c)) continue;
    const shape: MatmulShape = { M: c.M, N: c.N, K: c.K, transA: c.TRANS_A === 1, transB: c.TRANS_B === 1 };
    const key = matmulShapeKey(shape);
    counts.set(key, { shape, count: (counts.get(key)?.count ?? 0) + 1 });
  }
  program.destroy();
  trainer.destroy();
  const shapes: MatmulCeiling['shapes'] = [];
  let work = 0;
  let time = 0;
  for (const [key, { shape, count }] of counts) {
    const best = await bestMatmul(device, shape);
    shapes.push({ shape: key, count, variant: best.variant, ms: best.ms, gflops: matmulFlops(shape) / best.ms / 1e6 });
    work += count * matmulFlops(shape);
    time += count * best.ms;
  }
  shapes.sort((x, y) => y.count * y.ms - x.count * x.ms);
  return { n, square, shapes, modelGflops: work / time / 1e6, squareGflops: Math.max(...square.map((s) => s.gflops)) };
}

export interface PairLaunches {
  /** dispatches in one step of each run, and of the pair */
  dispatches: { ntp: number; nitp: number; pair: number };
  /** queue submissions and compute passes in one step of the pair, counted as it is encoded */
  submissions: number;
  passes: number;
}

/** Dispatches, compute passes and submissions of one lock-step step of the lab's pair (trainTogether). */
export function measurePairLaunches(gpu: GpuContext, config: RunConfig, data: Dataset): PairLaunches {
  const configs = pairConfigs(config);
  const ntp = new Trainer(gpu, configs.NTP, data);
  const nitp = new Trainer(gpu, configs.NITP, data);
  const device = gpu.device;
  const queue = device.queue;
  const submit = queue.submit;
  const createCommandEncoder = device.createCommandEncoder;
  let submissions = 0;
  let passes = 0;
  // counted on the way through: each encoder's compute passes, each submission
  queue.submit = (buffers) => {
    submissions++;
    submit.call(queue, buffers);
  };
  device.createCommandEncoder = (descriptor) => {
    const encoder = createCommandEncoder.call(device, descriptor);
    const beginComputePass = encoder.beginComputePass;
    encoder.beginComputePass = (pass) => {
      passes++;
      return beginComputePass.call(encoder, pass);
    };
    return encoder;
  };
  try {
    trainTogether([nitp, ntp]);
  } finally {
    queue.submit = submit;
    device.createCommandEncoder = createCommandEncoder;
  }
  const result = { dispatches: { ntp: ntp.dispatchesPerStep, nitp: nitp.dispatchesPerStep, pair: ntp.dispatchesPerStep + nitp.dispatchesPerStep }, submissions, passes };
  ntp.destroy();
  nitp.destroy();
  return result;
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

/** Everything `npm run bench` and bench.html report, in one object (their --json / window.benchResult). */
export interface BenchReport {
  adapter: string;
  model: { L: number; d: number; heads: number; T: number; B: number; V: number };
  steps: number;
  repeats: number;
  kernels: { choice: string; tuningMs: number; timings: TuneTiming[] };
  throughput: BenchResult[];
  ceiling: MatmulCeiling;
  launches: PairLaunches;
  /** evaluation at the teaching preset's schedule */
  evalCost: EvalCost;
  /** per-kernel profile of one NITP step (--profile) */
  profile?: ProfileRow[];
}

export interface ProfileRow {
  kernel: string;
  count: number;
  ms: number;
  share: number;
}

/** Times every command of one training step on its own (a submission each) and totals them per kernel. */
export async function profileStep(trainer: Trainer): Promise<ProfileRow[]> {
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
  return [...byKernel].map(([kernel, e]) => ({ kernel, count: e.count, ms: e.ms, share: e.ms / total })).sort((a, b) => b.ms - a.ms);
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The report as the console and the page print it. */
export function formatReport(r: BenchReport): string {
  const [ntp, nitp] = r.throughput;
  const m = r.model;
  const c = r.ceiling;
  const lines = [
    `adapter: ${r.adapter}`,
    `kernels: ${r.kernels.choice}`,
    `model: L=${m.L} d=${m.d} heads=${m.heads} T=${m.T} B=${m.B} V=${m.V}; ${r.steps} steps per run, median of ${r.repeats} runs`,
    '',
    'throughput (training FLOPs per token = 3 × forward; docs/architecture.md "Speed")',
    ...r.throughput.map((t) => `  ${t.name.padEnd(5)} ${t.tokensPerSecond.toFixed(0).padStart(7)} tokens/s  ${t.msPerStep.toFixed(1).padStart(8)} ms/step  ` +
      `${(t.flopsPerToken / 1e6).toFixed(3)} MFLOP/token  ${t.gflops.toFixed(2)} GFLOP/s  (${t.parameters.toLocaleString('en-US')} parameters)`),
    '',
    `matmul ceiling, this process: ${c.n}³ ${c.square.map((s) => `${s.variant} ${s.gflops.toFixed(2)}`).join(', ')} GFLOP/s; ` +
      `the model's own shapes, best variant each: ${c.modelGflops.toFixed(2)} GFLOP/s`,
    ...c.shapes.map((s) => `  ${s.shape.padEnd(16)} ${String(s.count).padStart(2)}x per step  ${s.variant.padEnd(9)} ${s.ms.toFixed(2).padStart(8)} ms  ${s.gflops.toFixed(2)} GFLOP/s`),
    `utilisation: NTP ${pct(ntp.gflops / c.modelGflops)}, NITP ${pct(nitp.gflops / c.modelGflops)} of the model-shape ceiling ` +
      `(${pct(ntp.gflops / c.squareGflops)}, ${pct(nitp.gflops / c.squareGflops)} of the ${c.n}³ one)`,
    `NITP step-time overhead: ${pct(nitp.msPerStep / ntp.msPerStep - 1)} against a FLOP share of ${pct(nitp.flopsPerToken / ntp.flopsPerToken - 1)} (the NITP head's FLOPs over NTP's)`,
    `launches per step of the pair: ${r.launches.dispatches.pair} dispatches (NTP ${r.launches.dispatches.ntp}, NITP ${r.launches.dispatches.nitp}), ` +
      `${r.launches.passes} compute passes, ${r.launches.submissions} submission${r.launches.submissions === 1 ? '' : 's'}`,
    formatEvalCost('teaching preset', r.evalCost),
  ];
  if (r.kernels.timings.length > 0) {
    lines.push(`autotuner: ${(r.kernels.tuningMs / 1000).toFixed(1)} s; ` + r.kernels.timings.map((t) => `${t.what} ${t.variant} ${t.ms.toFixed(2)} ms`).join('; '));
  }
  if (r.profile) {
    const total = r.profile.reduce((a, p) => a + p.ms, 0);
    lines.push(`profile of one NITP step: ${r.profile.reduce((a, p) => a + p.count, 0)} commands, ${total.toFixed(0)} ms when each is waited for`);
    for (const p of r.profile) lines.push(`  ${p.kernel.padEnd(36)} ${String(p.count).padStart(3)}x ${p.ms.toFixed(1).padStart(8)} ms ${pct(p.share).padStart(6)}`);
  }
  return lines.join('\n');
}

export function formatEvalCost(name: string, c: EvalCost): string {
  return `evaluation at the ${name} schedule: ${c.evaluations} evaluations in ${c.steps} steps, ${c.msPerEvaluation.toFixed(0)} ms each ` +
    `against ${c.msPerStep.toFixed(0)} ms per training step: ${(100 * c.share).toFixed(1)}% of training time`;
}

export interface BenchOptions {
  steps: number;
  repeats: number;
  /** a forced choice, or 'auto': the autotuner, timed afresh (no cache) */
  kernels: KernelChoice | 'auto';
  profile: boolean;
}

/**
 * The whole benchmark of `base` on `data` (and the evaluation cost of `teaching`), in this order:
 * kernels, throughput (and the profile), the matmul ceiling, launches, evaluation.
 */
export async function runBench(
  gpu: GpuContext, base: RunConfig, data: Dataset, teaching: { config: RunConfig; data: Dataset }, options: BenchOptions,
): Promise<BenchReport> {
  const { steps, repeats } = options;
  const t0 = performance.now();
  let timings: TuneTiming[] = [];
  let choice: KernelChoice;
  if (options.kernels === 'auto') {
    const nitp = pairConfigs(base).NITP;
    ({ choice, timings } = await tuneKernels(gpu, kernelTuneShapes(nitp, modelShape(nitp, data.vocabSize))));
  } else {
    choice = options.kernels;
    setKernels(gpu.device, choice);
  }
  const tuningMs = performance.now() - t0;
  let profile: ProfileRow[] | undefined;
  const throughput = await measureThroughput(gpu, base, data, steps, repeats, async (name, trainer) => {
    if (name === 'NITP' && options.profile) profile = await profileStep(trainer);
  });
  const ceiling = await measureMatmulCeiling(gpu, base, data);
  const launches = measurePairLaunches(gpu, base, data);
  const evalCost = await measureEvalCost(gpu, teaching.config, teaching.data, steps, repeats);
  const { nLayer: L, dModel: d, nHead: heads, contextLength: T } = base.model;
  return {
    adapter: gpu.description || gpu.architecture,
    model: { L, d, heads, T, B: base.train.batchSize, V: data.vocabSize },
    steps, repeats,
    kernels: { choice: describeKernels(choice), tuningMs, timings },
    throughput, ceiling, launches, evalCost, profile,
  };
}
