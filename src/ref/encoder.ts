// encoder.ts (reference): x0 = wte[token] + wpe[position], and its backward.

/**
 * @param out (B, T, C)
 * @param inp (B, T) token ids
 * @param wte (V, C)
 * @param wpe (maxT, C)
 */
export function encoderForward(out: Float64Array, inp: Int32Array, wte: Float64Array, wpe: Float64Array, B: number, T: number, C: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * C;
      const ix = inp[b * T + t];
      for (let c = 0; c < C; c++) out[o + c] = wte[ix * C + c] + wpe[t * C + c];
    }
  }
}

/** Parameter grads +=. @param dout (B, T, C) */
export function encoderBackward(dwte: Float64Array, dwpe: Float64Array, dout: Float64Array, inp: Int32Array, B: number, T: number, C: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * C;
      const ix = inp[b * T + t];
      for (let c = 0; c < C; c++) {
        dwte[ix * C + c] += dout[o + c];
        dwpe[t * C + c] += dout[o + c];
      }
    }
  }
}
