// matmul.ts (reference): matrix multiply and its fused epilogues in plain float64 loops
// (llm.c matmul_forward_naive / matmul_backward). Same names and argument order as
// gpu/ops/matmul.ts, minus the Program. Semantics (= / +=) are stated on each function.

const GELU_SCALE = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (docs/method.md §2). */
export function gelu(u: number): number {
  return 0.5 * u * (1 + Math.tanh(GELU_SCALE * (u + 0.044715 * u * u * u)));
}

/** d gelu(u) / du */
export function geluGrad(u: number): number {
  const t = Math.tanh(GELU_SCALE * (u + 0.044715 * u * u * u));
  return 0.5 * (1 + t) + 0.5 * u * (1 - t * t) * GELU_SCALE * (1 + 3 * 0.044715 * u * u);
}

export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** d silu(x) / dx */
export function siluGrad(x: number): number {
  const s = 1 / (1 + Math.exp(-x));
  return s * (1 + x * (1 - s));
}

export type MatmulEpilogue =
  | { kind: 'none' }
  | { kind: 'gelu'; post: Float64Array }
  | { kind: 'swiglu'; gate: Float64Array; post: Float64Array }
  | { kind: 'geluBackward'; pre: Float64Array }
  | { kind: 'swigluBackward'; gate: Float64Array; up: Float64Array; dUp: Float64Array };

/** As gpu/ops/matmul.ts MatmulSpec, with arrays for bindings (no variant). */
export interface MatmulSpec {
  out: Float64Array; // (M, N)
  a: Float64Array; // (M, K), or (K, M) with transA
  b: Float64Array; // (K, N), or (N, K) with transB
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  bias?: Float64Array; // (N)
  addend?: Float64Array; // (M, N)
  accumulate?: boolean;
  epilogue?: MatmulEpilogue;
}

/**
 * acc = A·B over k in order, then per element (gate/up/pre/post/dUp are (M, N)):
 * none: out (=, or += with accumulate) acc + bias[n] + addend[m,n];
 * gelu: out = acc + bias[n], post = gelu(out); swiglu: out = acc, post = silu(gate) * acc;
 * geluBackward: out = acc * geluGrad(pre); swigluBackward: out = acc * up * siluGrad(gate),
 * dUp = acc * silu(gate).
 */
export function matmul(spec: MatmulSpec): void {
  const { out, a, b, M, N, K, transA, transB, bias, addend } = spec;
  const epilogue = spec.epilogue ?? { kind: 'none' };
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) {
        acc += (transA ? a[k * M + m] : a[m * K + k]) * (transB ? b[n * K + k] : b[k * N + n]);
      }
      const i = m * N + n;
      if (bias) acc += bias[n];
      if (addend) acc += addend[i];
      switch (epilogue.kind) {
        case 'none':
          out[i] = spec.accumulate ? out[i] + acc : acc;
          break;
        case 'gelu':
          out[i] = acc;
          epilogue.post[i] = gelu(acc);
          break;
        case 'swiglu':
          out[i] = acc;
          epilogue.post[i] = silu(epilogue.gate[i]) * acc;
          break;
        case 'geluBackward':
          out[i] = acc * geluGrad(epilogue.pre[i]);
          break;
        case 'swigluBackward':
          out[i] = acc * epilogue.up[i] * siluGrad(epilogue.gate[i]);
          epilogue.dUp[i] = acc * silu(epilogue.gate[i]);
          break;
      }
    }
  }
}

/**
 * out = inp · weightᵀ + bias, overwritten.
 * @param out (N, OC)
 * @param inp (N, C)
 * @param weight (OC, C)
 * @param bias (OC) or null
 */
export function matmulForward(out: Float64Array, inp: Float64Array, weight: Float64Array, bias: Float64Array | null, N: number, C: number, OC: number): void {
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OC; o++) {
      let acc = bias ? bias[o] : 0;
      for (let c = 0; c < C; c++) acc += inp[n * C + c] * weight[o * C + c];
      out[n * OC + o] = acc;
    }
  }
}

/**
 * All +=: dinp += dout · weight; dweight += doutᵀ · inp; dbias += column sums of dout.
 * @param dinp (N, C)
 * @param dweight (OC, C)
 * @param dbias (OC) or null
 * @param dout (N, OC)
 * @param inp (N, C)
 * @param weight (OC, C)
 */
export function matmulBackward(
  dinp: Float64Array, dweight: Float64Array, dbias: Float64Array | null, dout: Float64Array, inp: Float64Array, weight: Float64Array,
  N: number, C: number, OC: number,
): void {
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OC; o++) {
      const d = dout[n * OC + o];
      for (let c = 0; c < C; c++) {
        dinp[n * C + c] += d * weight[o * C + c];
        dweight[o * C + c] += d * inp[n * C + c];
      }
      if (dbias) dbias[o] += d;
    }
  }
}

/** dbias (N) += column sums of dout (M, N) (as gpu/ops/matmul.ts matmulBackwardBias). */
export function matmulBackwardBias(dbias: Float64Array, dout: Float64Array, M: number, N: number): void {
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) dbias[n] += dout[m * N + n];
  }
}
