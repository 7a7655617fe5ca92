// tune.ts: the kernel autotuner. Before a host records a model on an adapter it has not seen, it
// times each kernel variant on the model's own shapes and keeps the fastest (gpu/kernels.ts):
//   1. row reductions: the cross-entropy of the model's (B·T, V) logits, a thread per row vs a
//      workgroup per row;
//   2. matmuls, by pass (forward NT, dinp NN, dweight TN), each timed on its largest shape;
//   3. while time is left, the remaining shapes one by one, largest first (the head's odd V).
// Pipelines compile at first use (~0.3 s each on SwiftShader, milliseconds on a GPU), so the
// budget (~2 s) may end the tuning early: a pass not timed takes the variant of the largest pass
// that was, a shape not timed that of its pass. The choice is cached per adapter, driver, kernel
// source and shape list (IndexedDB in the page, a file in the command line), so tuning happens
// once per adapter and model shape.
import common from '../shaders/common.wgsl?raw';
import matmulWgsl from '../shaders/matmul.wgsl?raw';
import crossentropyWgsl from '../shaders/crossentropy.wgsl?raw';
import reduceWgsl from '../shaders/reduce.wgsl?raw';
import { createStorage } from './buffers.ts';
import { Program, hashString, type Binding } from './program.ts';
import type { GpuContext } from './device.ts';
import {
  MATMUL_VARIANTS, ROW_VARIANTS, asKernelChoice, matmulShapeKey, setKernels,
  type KernelChoice, type MatmulShape, type MatmulVariant, type RowVariant,
} from './kernels.ts';
import { matmul } from './ops/matmul.ts';
import { crossentropyForwardBackward } from './ops/crossentropy.ts';
import { rowLayoutFor } from './ops/reduce.ts';

export const TUNE_BUDGET_MS = 2000;

/** Where tuned choices are kept between sessions: a key-value store of plain JSON. */
export interface KernelCache {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
}

/** What to tune for: the matmul shapes of a training step, and the rows of its cross-entropy (N rows of V classes, Vp apart). */
export interface TuneShapes {
  matmuls: MatmulShape[];
  rows: { N: number; V: number; Vp: number };
}

export interface TuneOptions {
  budgetMs?: number;
  cache?: KernelCache;
  /** called when timing starts (not on a cache hit): the page shows "tuning kernels for this GPU" */
  onTuning?: () => void;
}

/** One timed candidate, for the bench's report. */
export interface TuneTiming {
  what: string;
  variant: string;
  ms: number;
}

export interface TuneResult {
  choice: KernelChoice;
  /** every timing made (empty on a cache hit) */
  timings: TuneTiming[];
  fromCache: boolean;
}

const SOURCES = hashString(common + matmulWgsl + crossentropyWgsl + reduceWgsl).toString(16);

/**
 * The cache key: the adapter as WebGPU names it (vendor, architecture, device, description; Dawn's
 * description carries the driver version), the kernels' source and the shapes tuned for.
 */
export function tuneKey(info: Partial<GPUAdapterInfo> | undefined, shapes: TuneShapes): string {
  const adapter = [info?.vendor, info?.architecture, info?.device, info?.description].map((s) => s ?? '').join('|');
  const matmuls = shapes.matmuls.map(matmulShapeKey).join(' ');
  return `${adapter}#kernels ${SOURCES}#rows ${shapes.rows.N}x${shapes.rows.V}/${shapes.rows.Vp}#${matmuls}`;
}

/** Wall time of `program` run `repeat` times in one submission, until the GPU is done. */
async function timeOnce(device: GPUDevice, program: Program, repeat: number): Promise<number> {
  const encoder = device.createCommandEncoder();
  for (let r = 0; r < repeat; r++) program.encode(encoder);
  const t0 = performance.now();
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

/** A recorded candidate, compiled and warmed up, ready to be timed again and again. */
interface Candidate {
  /** milliseconds per run, from one submission of `repeat` runs */
  time(): Promise<number>;
  destroy(): void;
}

/**
 * Records and warms up what `record` records (the warm-up compiles it), and settles how many runs
 * one timing submits: doubled until a submission lasts 2 ms (a fast GPU finishes one small
 * dispatch in microseconds, below the submission's own cost).
 */
async function prepareCandidate(device: GPUDevice, record: (p: Program) => void): Promise<Candidate> {
  const program = new Program(device);
  let repeat = 1;
  try {
    record(program);
    await timeOnce(device, program, 1);
    while (repeat < 256 && (await timeOnce(device, program, repeat)) < 2) repeat *= 2;
  } catch (e) {
    program.destroy();
    throw e;
  }
  return { time: async () => (await timeOnce(device, program, repeat)) / repeat, destroy: () => program.destroy() };
}

/**
 * The fastest of `records`, as milliseconds per run of each: every candidate prepared, then timed
 * in turns (A, B, A, B) so that a change of load on a shared machine hits all of them alike; the
 * best of `rounds` timings each. A candidate 3x slower than the best after the first round is not
 * timed again.
 */
export async function timeCandidates(device: GPUDevice, records: ((p: Program) => void)[], rounds = 2): Promise<number[]> {
  const candidates: Candidate[] = [];
  try {
    for (const record of records) candidates.push(await prepareCandidate(device, record));
    const best = candidates.map(() => Infinity);
    for (let round = 0; round < rounds; round++) {
      const leader = Math.min(...best);
      for (let i = 0; i < candidates.length; i++) {
        if (round > 0 && best[i] > 3 * leader) continue;
        best[i] = Math.min(best[i], await candidates[i].time());
      }
    }
    return best;
  } finally {
    for (const c of candidates) c.destroy();
  }
}

type Pass = 'forward' | 'dinp' | 'dweight';
const passOf = (s: MatmulShape): Pass => (s.transA ? 'dweight' : s.transB ? 'forward' : 'dinp');
const flops = (s: MatmulShape) => 2 * s.M * s.N * s.K;

/**
 * Times the kernel variants for `shapes` on `gpu` (or takes a cached choice), sets the choice
 * on the device (kernelsOf) and returns it. Every variant computes the same results (each is
 * tested against the CPU reference); only speed decides.
 */
export async function tuneKernels(gpu: GpuContext, shapes: TuneShapes, options: TuneOptions = {}): Promise<TuneResult> {
  const device = gpu.device;
  const key = tuneKey(device.adapterInfo ?? gpu.adapter.info, shapes);
  const cached = options.cache ? await readCached(options.cache, key).catch((e) => cacheTrouble('read', e)) : null;
  if (cached) {
    setKernels(device, cached);
    return { choice: cached, timings: [], fromCache: true };
  }
  options.onTuning?.();
  const budget = options.budgetMs ?? TUNE_BUDGET_MS;
  const started = performance.now();
  // room for one more decision, if it costs what the last one did
  let decisionStarted = started;
  let lastDecision = 0;
  const timeLeft = () => {
    const now = performance.now();
    lastDecision = now - decisionStarted;
    decisionStarted = now;
    return now - started + lastDecision <= budget;
  };
  const timings: TuneTiming[] = [];
  // zero-filled inputs (speed does not depend on the values), one buffer per role and size
  const scratch = new Map<string, GPUBuffer>();
  const buffer = (role: string, floats: number): Binding => {
    const key = `${role} ${floats}`;
    let b = scratch.get(key);
    if (!b) scratch.set(key, (b = createStorage(device, floats, `tuning ${role}`)));
    return { buffer: b };
  };
  async function fastest<V extends string>(what: string, variants: readonly V[], record: (p: Program, v: V) => void): Promise<V> {
    const ms = await timeCandidates(device, variants.map((v) => (p: Program) => record(p, v)));
    variants.forEach((v, i) => timings.push({ what, variant: v, ms: ms[i] }));
    return variants[ms.indexOf(Math.min(...ms))];
  }
  const timeMatmul = (s: MatmulShape) => fastest<MatmulVariant>(matmulShapeKey(s), MATMUL_VARIANTS, (p, variant) => {
    matmul(p, { out: buffer('out', s.M * s.N), a: buffer('a', s.M * s.K), b: buffer('b', s.K * s.N), ...s, variant });
  });

  try {
    const { N, V, Vp } = shapes.rows;
    const rows = await fastest<RowVariant>(`rows ${N}x${V}`, ROW_VARIANTS, (p, variant) => {
      const logits = buffer('logits', N * Vp);
      crossentropyForwardBackward(p, buffer('losses', N), logits, logits, buffer('targets', N), N, V, 1 / N, Vp, rowLayoutFor(variant, V));
    });

    // passes by their share of the step's matmul work, each timed on its largest shape
    const byPass = new Map<Pass, MatmulShape[]>();
    for (const s of shapes.matmuls) byPass.set(passOf(s), [...(byPass.get(passOf(s)) ?? []), s]);
    const work = (ss: MatmulShape[]) => ss.reduce((a, s) => a + flops(s), 0);
    const passes = [...byPass].sort((x, y) => work(y[1]) - work(x[1]));
    const passChoice = new Map<Pass, MatmulVariant>();
    const timed = new Map<string, MatmulVariant>();
    for (const [pass, ss] of passes) {
      if (!timeLeft() && passChoice.size > 0) break;
      const largest = ss.reduce((a, s) => (flops(s) > flops(a) ? s : a));
      const v = await timeMatmul(largest);
      passChoice.set(pass, v);
      timed.set(matmulShapeKey(largest), v);
    }
    const fallback = passChoice.get(passes[0][0]) ?? 'workgroup';
    for (const s of [...shapes.matmuls].sort((x, y) => flops(y) - flops(x)).filter((s) => !timed.has(matmulShapeKey(s)))) {
      if (!timeLeft()) break;
      timed.set(matmulShapeKey(s), await timeMatmul(s));
    }
    const byShape: Record<string, MatmulVariant> = {};
    for (const s of shapes.matmuls) byShape[matmulShapeKey(s)] = timed.get(matmulShapeKey(s)) ?? passChoice.get(passOf(s)) ?? fallback;
    const seconds = (performance.now() - started) / 1000;
    const choice: KernelChoice = {
      matmul: { default: fallback, byShape },
      rows,
      source: `tuned in ${seconds.toFixed(1)} s (${timed.size} of ${shapes.matmuls.length} matmul shapes timed)`,
    };
    setKernels(device, choice);
    await options.cache?.set(key, choice).catch((e) => cacheTrouble('write', e));
    return { choice, timings, fromCache: false };
  } finally {
    for (const b of scratch.values()) b.destroy();
  }
}

/** A cache is an optimisation only: one that fails is reported and tuning goes on without it. */
function cacheTrouble(what: 'read' | 'write', e: unknown): null {
  console.warn(`the kernel cache could not be ${what === 'read' ? 'read' : 'written'} (${(e as Error)?.message ?? e}); the kernels are tuned without it`);
  return null;
}

async function readCached(cache: KernelCache, key: string): Promise<KernelChoice | null> {
  const choice = asKernelChoice(await cache.get(key));
  return choice && { ...choice, source: choice.source.startsWith('cached') ? choice.source : `cached (${choice.source})` };
}
