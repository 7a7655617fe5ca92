// probe.ts: a linear probe. How much of a label (part-of-speech id 0..K−1) can a linear map read
// off a layer's frozen hidden states? Held-out accuracy of a ridge-regularised linear classifier.
//
// Method (float64, deterministic):
// - Split the N tokens by a seeded shuffle (stream 'probe-split'): trainFraction to train,
//   valFraction to validation, the rest to test (defaults 0.6 / 0.2 / 0.2).
// - Standardise each feature by the mean and standard deviation of the fitting set (features
//   with no spread become 0).
// - One-vs-rest ridge regression onto one-hot targets: W = (XᵀX + λI)⁻¹ XᵀY, intercept = class
//   frequencies of the fitting set (X is centred, so the intercept decouples), predicted class =
//   argmax_k (xW + b)_k (ties: the smallest k). Solved by Cholesky of the C x C system.
// - λ = α·n (n = fitting-set size, so α is a per-token strength) with α from the fixed grid
//   ALPHAS, chosen by validation accuracy (ties: the larger α, the simpler model). Then refit on
//   train + validation with that α and report accuracy on the test part.
// Tokens of one sequence are correlated, so held-out tokens are not independent of the training
// ones; the probe compares layers and runs with each other, not against an absolute standard.
import { Rng } from '../util/rng.ts';

/** Ridge strengths per fitting token, smallest first. */
export const ALPHAS = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10] as const;

export interface ProbeOptions {
  /** seed of the split (default 0) */
  seed?: number;
  trainFraction?: number;
  valFraction?: number;
  alphas?: readonly number[];
}

export interface ProbeResult {
  /** accuracy on the test part, of the model refit on train + validation */
  accuracy: number;
  /** accuracy of that model on its own fitting set (train + validation) */
  fitAccuracy: number;
  /** validation accuracy of each α (fit on train only), in the order of `alphas` */
  valAccuracies: number[];
  alpha: number;
  /** test accuracy of always predicting the most frequent class of the fitting set */
  chance: number;
  nTrain: number;
  nVal: number;
  nTest: number;
}

interface RidgeModel {
  mean: Float64Array; // (C)
  invStd: Float64Array; // (C)
  weight: Float64Array; // (C, K)
  bias: Float64Array; // (K)
}

/**
 * Fits the probe and reports held-out accuracy (see the file header).
 * @param features (N, C) hidden states, row-major
 * @param labels (N) class ids in 0..K−1
 */
export function linearProbe(features: ArrayLike<number>, labels: ArrayLike<number>, N: number, C: number, K: number, options: ProbeOptions = {}): ProbeResult {
  const { seed = 0, trainFraction = 0.6, valFraction = 0.2, alphas = ALPHAS } = options;
  if (features.length < N * C || labels.length < N) throw new Error(`linearProbe: need (${N}, ${C}) features and ${N} labels`);
  for (let n = 0; n < N; n++) {
    if (!(Number.isInteger(labels[n]) && labels[n] >= 0 && labels[n] < K)) throw new Error(`linearProbe: label ${labels[n]} at ${n} is not in 0..${K - 1}`);
  }
  const order = Uint32Array.from({ length: N }, (_, i) => i);
  const rng = new Rng(seed, 'probe-split');
  for (let i = N - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const nTrain = Math.round(trainFraction * N);
  const nVal = Math.round(valFraction * N);
  const train = order.subarray(0, nTrain);
  const val = order.subarray(nTrain, nTrain + nVal);
  const fitSet = order.subarray(0, nTrain + nVal);
  const test = order.subarray(nTrain + nVal);
  if (train.length === 0 || val.length === 0 || test.length === 0) throw new Error(`linearProbe: ${N} tokens are too few to split`);

  const onTrain = normalEquations(features, labels, train, C, K);
  const valAccuracies = alphas.map((alpha) => accuracy(solve(onTrain, alpha * train.length), features, labels, val, C, K));
  let best = 0;
  for (let i = 1; i < alphas.length; i++) if (valAccuracies[i] >= valAccuracies[best]) best = i;
  const alpha = alphas[best];
  const model = solve(normalEquations(features, labels, fitSet, C, K), alpha * fitSet.length);

  const counts = new Float64Array(K);
  for (const n of fitSet) counts[labels[n]]++;
  let majority = 0;
  for (let k = 1; k < K; k++) if (counts[k] > counts[majority]) majority = k;
  let hits = 0;
  for (const n of test) if (labels[n] === majority) hits++;

  return {
    accuracy: accuracy(model, features, labels, test, C, K),
    fitAccuracy: accuracy(model, features, labels, fitSet, C, K),
    valAccuracies,
    alpha,
    chance: hits / test.length,
    nTrain,
    nVal,
    nTest: test.length,
  };
}

interface NormalEquations {
  C: number;
  K: number;
  mean: Float64Array; // (C)
  invStd: Float64Array; // (C)
  xtx: Float64Array; // (C, C) of the standardised features
  xty: Float64Array; // (C, K)
  freq: Float64Array; // (K) class frequencies
}

function normalEquations(features: ArrayLike<number>, labels: ArrayLike<number>, rows: Uint32Array, C: number, K: number): NormalEquations {
  const n = rows.length;
  const mean = new Float64Array(C);
  for (const r of rows) for (let c = 0; c < C; c++) mean[c] += features[r * C + c];
  for (let c = 0; c < C; c++) mean[c] /= n;
  const invStd = new Float64Array(C);
  for (const r of rows) for (let c = 0; c < C; c++) invStd[c] += (features[r * C + c] - mean[c]) ** 2;
  for (let c = 0; c < C; c++) {
    const std = Math.sqrt(invStd[c] / n);
    // no spread beyond the rounding of the mean: a constant feature, dropped
    invStd[c] = std > 1e-12 * Math.abs(mean[c]) && std > 0 ? 1 / std : 0;
  }
  const xtx = new Float64Array(C * C);
  const xty = new Float64Array(C * K);
  const freq = new Float64Array(K);
  const x = new Float64Array(C);
  for (const r of rows) {
    for (let c = 0; c < C; c++) x[c] = (features[r * C + c] - mean[c]) * invStd[c];
    for (let i = 0; i < C; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      for (let j = i; j < C; j++) xtx[i * C + j] += xi * x[j];
      xty[i * K + labels[r]] += xi;
    }
    freq[labels[r]] += 1 / n;
  }
  for (let i = 0; i < C; i++) for (let j = 0; j < i; j++) xtx[i * C + j] = xtx[j * C + i];
  return { C, K, mean, invStd, xtx, xty, freq };
}

/** Ridge solution W = (XᵀX + λI)⁻¹ XᵀY by Cholesky (λ > 0 makes the system positive definite). */
function solve(eq: NormalEquations, lambda: number): RidgeModel {
  const { C, K } = eq;
  if (!(lambda > 0)) throw new Error(`linearProbe: ridge strength must be positive, got ${lambda}`);
  const L = eq.xtx.slice(); // lower triangle becomes the Cholesky factor
  for (let i = 0; i < C; i++) L[i * C + i] += lambda;
  for (let j = 0; j < C; j++) {
    let d = L[j * C + j];
    for (let k = 0; k < j; k++) d -= L[j * C + k] ** 2;
    const ljj = Math.sqrt(d);
    L[j * C + j] = ljj;
    for (let i = j + 1; i < C; i++) {
      let s = L[i * C + j];
      for (let k = 0; k < j; k++) s -= L[i * C + k] * L[j * C + k];
      L[i * C + j] = s / ljj;
    }
  }
  const weight = eq.xty.slice();
  for (let col = 0; col < K; col++) {
    // L y = b, then Lᵀ w = y
    for (let i = 0; i < C; i++) {
      let s = weight[i * K + col];
      for (let k = 0; k < i; k++) s -= L[i * C + k] * weight[k * K + col];
      weight[i * K + col] = s / L[i * C + i];
    }
    for (let i = C - 1; i >= 0; i--) {
      let s = weight[i * K + col];
      for (let k = i + 1; k < C; k++) s -= L[k * C + i] * weight[k * K + col];
      weight[i * K + col] = s / L[i * C + i];
    }
  }
  return { mean: eq.mean, invStd: eq.invStd, weight, bias: eq.freq };
}

function accuracy(model: RidgeModel, features: ArrayLike<number>, labels: ArrayLike<number>, rows: Uint32Array, C: number, K: number): number {
  const score = new Float64Array(K);
  let hits = 0;
  for (const r of rows) {
    score.set(model.bias);
    for (let c = 0; c < C; c++) {
      const x = (features[r * C + c] - model.mean[c]) * model.invStd[c];
      if (x === 0) continue;
      for (let k = 0; k < K; k++) score[k] += x * model.weight[c * K + k];
    }
    let best = 0;
    for (let k = 1; k < K; k++) if (score[k] > score[best]) best = k;
    if (best === labels[r]) hits++;
  }
  return hits / rows.length;
}
