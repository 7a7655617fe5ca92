// optimizer.ts (GPU): launchers for shaders/gradnorm.wgsl and shaders/adamw.wgsl. One optimizer
// step, with nothing read back:
//   gradNormPartials(p, partials, grads, n, gap?)            partials = sums of grads² (fixed order)
//   optimizerPrepare(p, scalars, stepCounter, partials, ...) step += 1; norm, clip, lr_s, total loss
//   adamw(p, params, grads, m, v, scalars, stepCounter, ...) params, m, v updated in place
// Reference: ref/optimizer.ts (learningRate, gradientNorm, clipScale, adamwStep).
//
// GPU state: `stepCounter` is one u32 holding the number of updates done (0 at the start);
// `scalars` is (SCALAR_COUNT) f32, slots below. Slots NTP and AUX are written by the loss
// reductions before optimizerPrepare runs; the trainer copies `scalars` into its readback ring.
// Bindings of n floats may be any size >= n floats, but at least 16 bytes (createStorage's minimum).
import common from '../../shaders/common.wgsl?raw';
import gradnorm from '../../shaders/gradnorm.wgsl?raw';
import adamwShader from '../../shaders/adamw.wgsl?raw';
import { grid, groups, type Binding, type Program } from '../program.ts';
import type { Schedule } from '../../model/config.ts';

const normCode = common + gradnorm;
const adamwCode = common + adamwShader;
const WG = 64;
/**
 * gradNormPartials gives each workgroup at least this many vec4s (16384 floats). SwiftShader pays
 * per workgroup (the barrier tree): at 262k floats 16 partials took 2.6 ms, 256 partials 22 ms.
 */
const MIN_VEC4_PER_PARTIAL = WG * 64;
/** optimizerPrepare adds the partials in one thread; more would only make it slower. */
const MAX_PARTIALS = 1024;

// Scalar slots (must match the constants in shaders/adamw.wgsl).
export const SCALAR_LOSS = 0; // L = NTP + λ·AUX, written by optimizerPrepare
export const SCALAR_NTP = 1; // mean next-token cross-entropy (written by the loss reduction)
export const SCALAR_AUX = 2; // mean auxiliary (NITP) loss (written by the loss reduction)
export const SCALAR_GRAD_NORM = 3; // global L2 norm of the gradients, before clipping
export const SCALAR_LR = 4; // lr_s of the update
export const SCALAR_CLIP = 5; // factor the gradients are multiplied by (1 = not clipped)
export const SCALAR_BIAS1 = 6; // 1 − β1^s (written by adamw)
export const SCALAR_BIAS2 = 7; // 1 − β2^s (written by adamw)
/** floats in the scalars buffer, the row the trainer copies into its readback ring each step */
export const SCALAR_COUNT = 8;

/** The learning-rate schedule of a run (ref/optimizer.ts learningRate gives lr_s in float64). */
export interface LrSchedule {
  lr: number; // peak learning rate
  warmupSteps: number; // W (0 = no warm-up)
  steps: number; // S, total steps of the run
  schedule: Schedule;
}

export interface OptimizerSettings extends LrSchedule {
  /** max global L2 norm of the gradients; 0 disables clipping */
  maxNorm: number;
  /** weight λ of the auxiliary loss in SCALAR_LOSS */
  lambda: number;
}

export interface AdamwSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

function checkCount(name: string, n: number, min: number): void {
  if (!Number.isInteger(n) || n < min || n >= 2 ** 31) throw new Error(`${name} must be an integer >= ${min}, got ${n}`);
}

/** A sub-range of a binding: `bytes` from the binding's start. */
function range(b: Binding, bytes: number): Binding {
  return { buffer: b.buffer, offset: b.offset ?? 0, size: bytes };
}

/** Number of f32 partial sums gradNormPartials writes for n floats (the partials buffer size). */
export function gradNormPartialsSize(n: number): number {
  const nVec4 = Math.floor(n / 4);
  return Math.min(MAX_PARTIALS, Math.max(1, Math.ceil(nVec4 / MIN_VEC4_PER_PARTIAL)));
}

/**
 * A stretch of the gradient buffer that gradNormPartials steps over: the floats it sums from `at`
 * on lie `floats` further on in the buffer. Both multiples of 4. The engine's padded vocabulary
 * (model/params.ts paddingGap) leaves such a gap of zeros, which the norm skips so that its sum
 * runs in the order of the unpadded layout (bit-identical steps).
 */
export interface NormGap {
  at: number;
  floats: number;
}

/**
 * partials (gradNormPartialsSize(n)) = sums of squares of consecutive chunks of grads (n), each
 * summed in a fixed order; their sum is the squared global gradient norm. With `gap`, grads holds
 * n + gap.floats floats and the gap's are left out (the chunks are those of the n summed floats).
 */
export function gradNormPartials(p: Program, partials: Binding, grads: Binding, n: number, gap: NormGap = { at: 0, floats: 0 }): void {
  checkCount('n', n, 1);
  if (!(Number.isInteger(gap.at) && Number.isInteger(gap.floats) && gap.at % 4 === 0 && gap.floats % 4 === 0 && gap.at >= 0 && gap.at <= n && gap.floats >= 0)) {
    throw new Error(`gradNormPartials: a gap needs at and floats as multiples of 4, at in 0..n (${n}), got ${JSON.stringify(gap)}`);
  }
  const nVec4 = Math.floor(n / 4);
  const nPartials = gradNormPartialsSize(n);
  const chunk = Math.max(1, Math.ceil(nVec4 / nPartials));
  const constants = { WG, GAP_AT: gap.at / 4, GAP: gap.floats / 4 };
  p.dispatch({
    code: normCode, entryPoint: 'gradNormPartials', constants,
    bindings: [range(partials, nPartials * 4), range(grads, Math.max(16, (nVec4 * 4 + gap.floats) * 4)), range(grads, (n + gap.floats) * 4)],
    uniform: { binding: 3, data: new Uint32Array([nVec4, n, chunk, nPartials]).buffer },
    workgroups: [nPartials],
  });
}

const SCHEDULE_CODE = { wsd: 0, cosine: 1 } as const;

/**
 * One thread: stepCounter += 1; with s the new value, writes scalars[SCALAR_GRAD_NORM] =
 * sqrt(sum of partials[0..nPartials) in order), [SCALAR_CLIP] = min(1, maxNorm/(norm + 1e-6))
 * (1 when maxNorm = 0), [SCALAR_LR] = lr_s, [SCALAR_LOSS] = [SCALAR_NTP] +
 * λ·[SCALAR_AUX] (exactly [SCALAR_NTP] when λ = 0).
 * @param scalars (SCALAR_COUNT) f32
 * @param stepCounter (1) u32
 * @param partials (nPartials) from gradNormPartials
 */
export function optimizerPrepare(
  p: Program, scalars: Binding, stepCounter: Binding, partials: Binding, nPartials: number, settings: OptimizerSettings,
): void {
  checkCount('nPartials', nPartials, 1);
  for (const [name, value] of [['steps', settings.steps], ['warmupSteps', settings.warmupSteps]] as const) {
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** 24) throw new Error(`${name} must be an integer in 0..2^24, got ${value}`);
  }
  const data = new ArrayBuffer(32);
  const f = new Float32Array(data);
  const u = new Uint32Array(data);
  f[0] = settings.lr;
  u[1] = settings.warmupSteps;
  u[2] = settings.steps;
  u[3] = SCHEDULE_CODE[settings.schedule];
  f[4] = settings.maxNorm;
  f[5] = settings.lambda;
  u[6] = nPartials;
  p.dispatch({
    code: adamwCode, entryPoint: 'optimizerPrepare',
    bindings: [...new Array<undefined>(10), range(scalars, SCALAR_COUNT * 4), range(stepCounter, 4), range(partials, nPartials * 4)],
    uniform: { binding: 13, data },
    workgroups: [1],
  });
}

/**
 * One AdamW update, in place, at step s = stepCounter (run optimizerPrepare first): reads lr_s
 * and the clip factor from scalars, writes scalars[SCALAR_BIAS1], [SCALAR_BIAS2], then
 * params, m, v (n) = the update of ref/optimizer.ts adamwStep; weight decay on [0, decayFloats).
 * @param params (n) f32, updated in place
 * @param grads (n) f32, read only
 * @param m (n) f32 first moment, updated in place
 * @param v (n) f32 second moment, updated in place
 * @param scalars (SCALAR_COUNT) f32
 * @param stepCounter (1) u32, read only
 */
export function adamw(
  p: Program, params: Binding, grads: Binding, m: Binding, v: Binding, scalars: Binding, stepCounter: Binding,
  n: number, decayFloats: number, hyper: AdamwSettings,
): void {
  checkCount('n', n, 1);
  if (!Number.isInteger(decayFloats) || decayFloats < 0 || decayFloats > n) throw new Error(`decayFloats must be an integer in 0..n (${n}), got ${decayFloats}`);
  const nVec4 = Math.floor(n / 4);
  const data = new ArrayBuffer(32);
  const f = new Float32Array(data);
  const u = new Uint32Array(data);
  u[0] = nVec4;
  u[1] = n;
  u[2] = decayFloats;
  f[3] = hyper.beta1;
  f[4] = hyper.beta2;
  f[5] = hyper.eps;
  f[6] = hyper.weightDecay;
  const uniform = { binding: 5, data };
  const scalarsRead = range(scalars, SCALAR_COUNT * 4);
  p.dispatch({
    code: adamwCode, entryPoint: 'adamwPrepare',
    bindings: [, , , , , , , , , , scalarsRead, range(stepCounter, 4)],
    uniform, workgroups: [1],
  });
  if (nVec4 > 0) {
    const bytes = nVec4 * 16;
    p.dispatch({
      code: adamwCode, entryPoint: 'adamwUpdate', constants: { WG },
      bindings: [range(params, bytes), range(grads, bytes), range(m, bytes), range(v, bytes), scalarsRead],
      uniform, workgroups: grid(groups(nVec4, WG)),
    });
  }
  if (n % 4 !== 0) {
    const bytes = n * 4;
    p.dispatch({
      code: adamwCode, entryPoint: 'adamwTail',
      bindings: [, , , , scalarsRead, , range(params, bytes), range(grads, bytes), range(m, bytes), range(v, bytes)],
      uniform, workgroups: [1],
    });
  }
}
