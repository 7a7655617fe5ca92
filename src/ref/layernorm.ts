// layernorm.ts (reference): LayerNorm over the last dim, eps 1e-5, biased variance (docs/method.md §2),
// and its backward. Plain float64 loops, after llm.c's layernorm_forward/backward.
// Forward: out, mean, rstd all =. Backward: dinp += (residual stream), dweight += and dbias +=.

export const LAYERNORM_EPS = 1e-5;

/**
 * out = (inp - mean) * rstd * weight + bias, per row.
 * @param out (N, C)
 * @param mean (N) saved for the backward
 * @param rstd (N) 1 / sqrt(var + eps), saved for the backward
 * @param inp (N, C)
 * @param weight (C)
 * @param bias (C)
 */
export function layernormForward(
  out: Float64Array, mean: Float64Array, rstd: Float64Array, inp: Float64Array, weight: Float64Array, bias: Float64Array,
  N: number, C: number,
): void {
  for (let n = 0; n < N; n++) {
    const x = n * C;
    let m = 0;
    for (let c = 0; c < C; c++) m += inp[x + c];
    m /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (inp[x + c] - m) ** 2;
    v /= C; // biased variance, as PyTorch's LayerNorm
    const s = 1 / Math.sqrt(v + LAYERNORM_EPS);
    for (let c = 0; c < C; c++) out[x + c] = (inp[x + c] - m) * s * weight[c] + bias[c];
    mean[n] = m;
    rstd[n] = s;
  }
}

/**
 * Backward of layernormForward. dinp +=, dweight +=, dbias +=.
 * @param dinp (N, C)
 * @param dweight (C)
 * @param dbias (C)
 * @param dout (N, C)
 * @param inp (N, C)
 * @param weight (C)
 * @param mean (N) from the forward
 * @param rstd (N) from the forward
 */
export function layernormBackward(
  dinp: Float64Array, dweight: Float64Array, dbias: Float64Array, dout: Float64Array, inp: Float64Array,
  weight: Float64Array, mean: Float64Array, rstd: Float64Array, N: number, C: number,
): void {
  for (let n = 0; n < N; n++) {
    const x = n * C;
    // the two row means of the standard LayerNorm backward
    let dnormMean = 0;
    let dnormNormMean = 0;
    for (let c = 0; c < C; c++) {
      const norm = (inp[x + c] - mean[n]) * rstd[n];
      const dnorm = weight[c] * dout[x + c];
      dnormMean += dnorm;
      dnormNormMean += dnorm * norm;
    }
    dnormMean /= C;
    dnormNormMean /= C;
    for (let c = 0; c < C; c++) {
      const norm = (inp[x + c] - mean[n]) * rstd[n];
      const dnorm = weight[c] * dout[x + c];
      dbias[c] += dout[x + c];
      dweight[c] += norm * dout[x + c];
      dinp[x + c] += (dnorm - dnormMean - norm * dnormNormMean) * rstd[n];
    }
  }
}
