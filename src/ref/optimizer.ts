// optimizer.ts (reference): learning-rate schedule, global gradient norm, clipping and one AdamW
// step, in float64 (docs/method.md §4). The GPU version is gpu/ops/optimizer.ts + shaders/adamw.wgsl.
//
// Flat buffers: params, grads, m, v all (n), the flat parameter layout of model/params.ts; weight
// decay applies to [0, decayFloats) only (2-D tensors come first). Padding floats between tensors
// are zero in every buffer and stay zero. adamwStep updates params, m and v in place (=).
import type { LrSchedule } from '../gpu/ops/optimizer.ts';

export interface AdamwHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** factor applied to every gradient before the moment updates (clipScale(); 1 = no clipping) */
  clipScale: number;
}

/**
 * lr_s for the update at step s (1-based), as docs/method.md §4 defines it.
 * "wsd": lr·s/W for s ≤ W, else lr; over the last 20% (s > 0.8·S) lr·(S − s)/(0.2·S), the minimum
 * of both when they overlap. "cosine": warm-up as above, then lr·0.5·(1 + cos(π·(s − W)/(S − W))).
 * Past S the rate stays 0 (never negative, the cosine never rises again).
 */
export function learningRate(step: number, sched: LrSchedule): number {
  const { lr, warmupSteps: W, steps: S, schedule } = sched;
  const s = step;
  const warm = W > 0 && s <= W ? (lr * s) / W : lr;
  if (schedule === 'wsd') {
    if (s > 0.8 * S) return Math.min(warm, Math.max(0, (lr * (S - s)) / (0.2 * S)));
    return warm;
  }
  if (W > 0 && s <= W) return warm;
  if (s >= S) return 0;
  return lr * 0.5 * (1 + Math.cos((Math.PI * (s - W)) / (S - W)));
}

/** sqrt(sum of g²) over every float (padding included, which is zero). @param grads (n) */
export function gradientNorm(grads: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < grads.length; i++) sum += grads[i] * grads[i];
  return Math.sqrt(sum);
}

/**
 * PyTorch clip_grad_norm_: min(1, maxNorm / (norm + 1e-6)); maxNorm = 0 disables clipping (1).
 * A norm that is not finite gives 0: adamwStep then skips the update (docs/method.md §4).
 */
export function clipScale(norm: number, maxNorm: number): number {
  if (!Number.isFinite(norm)) return 0;
  if (maxNorm <= 0) return 1;
  return Math.min(1, maxNorm / (norm + 1e-6));
}

/**
 * One AdamW update at step s (1-based), in place:
 *   g = clipScale·grad; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 *   m̂ = m/(1−β1^s); v̂ = v/(1−β2^s); θ = θ − lr·(m̂/(√v̂ + ε) + wd·θ)  (wd only for i < decayFloats)
 * @param params (n) updated in place
 * @param grads (n) read only (Float32Array or Float64Array)
 * @param m (n) first moment, updated in place
 * @param v (n) second moment, updated in place
 * @param step s ≥ 1
 * @param lr lr_s for this step (learningRate(s, ...))
 */
export function adamwStep(
  params: Float64Array, grads: ArrayLike<number>, m: Float64Array, v: Float64Array,
  step: number, lr: number, decayFloats: number, hyper: AdamwHyper,
): void {
  const { beta1, beta2, eps, weightDecay, clipScale: clip } = hyper;
  if (clip === 0) return; // a skipped update (non-finite gradient norm): params and moments stay
  const bias1 = 1 - Math.pow(beta1, step);
  const bias2 = 1 - Math.pow(beta2, step);
  for (let i = 0; i < params.length; i++) {
    const g = grads[i] * clip;
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    const mHat = m[i] / bias1;
    const vHat = v[i] / bias2;
    const wd = i < decayFloats ? weightDecay : 0;
    params[i] -= lr * (mHat / (Math.sqrt(vHat) + eps) + wd * params[i]);
  }
}
