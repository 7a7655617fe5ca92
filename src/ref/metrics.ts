// metrics.ts (reference): the geometry-metric reductions of shaders/metrics.wgsl in float64, same
// function names and argument order as gpu/ops/metrics.ts minus the Program. All outputs are =.
// No backward: the metrics are read, never differentiated.
import { covarianceStatsLayout } from '../metrics/geometry.ts';

const EPS = 1e-8; // norm clamp of the cosine, as nitp_loss.wgsl

/**
 * out = [mean (C), meanNorm, pad, cov (C, C)] (layout: covarianceStatsLayout(C)): the column mean,
 * the mean row norm (1/N) Σ_n ‖h_n‖ and the centred covariance Σ_n (h_n − mean)(h_n − mean)ᵀ /
 * max(N − 1, 1). Padding is left as it is.
 * @param out covarianceStatsLayout(C).floats
 * @param inp (N, C), N >= 1
 */
export function covarianceStats(out: Float64Array, inp: ArrayLike<number>, N: number, C: number): void {
  const layout = covarianceStatsLayout(C);
  const mean = new Float64Array(C);
  let norms = 0;
  for (let n = 0; n < N; n++) {
    let ss = 0;
    for (let c = 0; c < C; c++) {
      mean[c] += inp[n * C + c];
      ss += inp[n * C + c] ** 2;
    }
    norms += Math.sqrt(ss);
  }
  for (let c = 0; c < C; c++) mean[c] /= N;
  out.set(mean, layout.mean);
  out[layout.meanNorm] = norms / N;
  const cov = new Float64Array(C * C);
  const d = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) d[c] = inp[n * C + c] - mean[c];
    for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) cov[i * C + j] += d[i] * d[j];
  }
  const div = Math.max(N - 1, 1);
  for (let i = 0; i < C * C; i++) out[layout.cov + i] = cov[i] / div;
}

function cosine(x: ArrayLike<number>, i: number, y: ArrayLike<number>, j: number, C: number): number {
  let dot = 0;
  let xx = 0;
  let yy = 0;
  for (let c = 0; c < C; c++) {
    dot += x[i + c] * y[j + c];
    xx += x[i + c] ** 2;
    yy += y[j + c] ** 2;
  }
  return dot / (Math.max(Math.sqrt(xx), EPS) * Math.max(Math.sqrt(yy), EPS));
}

/**
 * out[k] = cos(inp[pairs[2k]], inp[pairs[2k+1]]), norms clamped at 1e-8.
 * @param out (nPairs)
 * @param inp (N, C)
 * @param pairs (nPairs, 2) row indices
 */
export function pairCosines(out: Float64Array, inp: ArrayLike<number>, pairs: ArrayLike<number>, nPairs: number, C: number): void {
  for (let k = 0; k < nPairs; k++) out[k] = cosine(inp, pairs[2 * k] * C, inp, pairs[2 * k + 1] * C, C);
}

/**
 * out[b, t] = cos(a[b, t], b[b, t + shift]) for t = 0..T−shift−1: the NITP alignment
 * cos(P(h_t), z_{t+shift}) within each sequence, norms clamped at 1e-8.
 * @param out (B, T − shift)
 * @param a (B, T, C), e.g. head outputs P(h)
 * @param b (B, T, C), e.g. target-layer hidden states z
 * @param shift 1 ("next") or 0 ("current"), < T
 */
export function rowCosines(out: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>, B: number, T: number, C: number, shift: number): void {
  const P = T - shift;
  for (let s = 0; s < B; s++) {
    for (let t = 0; t < P; t++) out[s * P + t] = cosine(a, (s * T + t) * C, b, (s * T + t + shift) * C, C);
  }
}

/**
 * out[r, j] = (inp[rowIndices[r]] − mean) · axes[j]: coordinates of sampled rows on k axes.
 * @param out (nRows, k)
 * @param inp (N, C)
 * @param rowIndices (nRows)
 * @param axes (k, C)
 * @param mean (C)
 */
export function project(
  out: Float64Array, inp: ArrayLike<number>, rowIndices: ArrayLike<number>, nRows: number, axes: ArrayLike<number>,
  mean: ArrayLike<number>, C: number, k: number,
): void {
  for (let r = 0; r < nRows; r++) {
    const row = rowIndices[r] * C;
    for (let j = 0; j < k; j++) {
      let acc = 0;
      for (let c = 0; c < C; c++) acc += (inp[row + c] - mean[c]) * axes[j * C + c];
      out[r * k + j] = acc;
    }
  }
}
