// attention.ts (reference): causal multi-head self-attention on a packed qkv tensor, and its
// backward. Plain float64 loops, after llm.c's attention_forward/backward.
// inp = qkv: (B, T, 3C), q in channels 0..C, k in C..2C, v in 2C..3C; head h uses channels
// h*hs..(h+1)*hs of each (hs = C / NH). out: (B, T, C), heads concatenated.
// preatt, att: (B, NH, T, T) scores q·k/sqrt(hs) and softmax probabilities, zero above the diagonal.
// Forward: out, preatt, att all =. Backward: dinp, dpreatt, datt all = (overwritten, no clear needed).

/**
 * out = causal softmax(q·kᵀ / sqrt(hs)) · v per (b, head).
 * @param out (B, T, C)
 * @param preatt (B, NH, T, T)
 * @param att (B, NH, T, T)
 * @param inp (B, T, 3C)
 */
export function attentionForward(
  out: Float64Array, preatt: Float64Array, att: Float64Array, inp: Float64Array,
  B: number, T: number, C: number, NH: number,
): void {
  const hs = C / NH;
  const scale = 1 / Math.sqrt(hs);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      for (let t = 0; t < T; t++) {
        const q = (b * T + t) * 3 * C + h * hs;
        const row = ((b * NH + h) * T + t) * T;
        let max = -Infinity;
        for (let s = 0; s < T; s++) {
          if (s > t) {
            preatt[row + s] = 0;
            continue;
          }
          const k = (b * T + s) * 3 * C + C + h * hs;
          let dot = 0;
          for (let i = 0; i < hs; i++) dot += inp[q + i] * inp[k + i];
          preatt[row + s] = dot * scale;
          max = Math.max(max, dot * scale);
        }
        let sum = 0;
        for (let s = 0; s < T; s++) {
          // subtract the row max for stability
          att[row + s] = s <= t ? Math.exp(preatt[row + s] - max) : 0;
          sum += att[row + s];
        }
        for (let s = 0; s <= t; s++) att[row + s] /= sum;
        const o = (b * T + t) * C + h * hs;
        for (let i = 0; i < hs; i++) {
          let acc = 0;
          for (let s = 0; s <= t; s++) acc += att[row + s] * inp[(b * T + s) * 3 * C + 2 * C + h * hs + i];
          out[o + i] = acc;
        }
      }
    }
  }
}

/**
 * Backward of attentionForward. dinp, dpreatt and datt are all overwritten (=).
 * @param dinp (B, T, 3C) dq, dk, dv
 * @param dpreatt (B, NH, T, T) scratch: dL/dpreatt, zero above the diagonal
 * @param datt (B, NH, T, T) scratch: dL/datt, zero above the diagonal
 * @param dout (B, T, C)
 * @param inp (B, T, 3C) the forward's qkv
 * @param att (B, NH, T, T) the forward's probabilities
 */
export function attentionBackward(
  dinp: Float64Array, dpreatt: Float64Array, datt: Float64Array, dout: Float64Array, inp: Float64Array, att: Float64Array,
  B: number, T: number, C: number, NH: number,
): void {
  const hs = C / NH;
  const scale = 1 / Math.sqrt(hs);
  dinp.fill(0, 0, B * T * 3 * C);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      for (let t = 0; t < T; t++) {
        const row = ((b * NH + h) * T + t) * T;
        const o = (b * T + t) * C + h * hs;
        const q = (b * T + t) * 3 * C + h * hs;
        // datt[t, s] = dout[t] · v[s]; dv[s] += att[t, s] * dout[t]
        for (let s = 0; s < T; s++) {
          datt[row + s] = 0;
          if (s > t) continue;
          const v = (b * T + s) * 3 * C + 2 * C + h * hs;
          let dot = 0;
          for (let i = 0; i < hs; i++) {
            dot += dout[o + i] * inp[v + i];
            dinp[v + i] += att[row + s] * dout[o + i];
          }
          datt[row + s] = dot;
        }
        // softmax backward: dpreatt = att * (datt - sum_s att * datt)
        let d = 0;
        for (let s = 0; s <= t; s++) d += att[row + s] * datt[row + s];
        for (let s = 0; s < T; s++) dpreatt[row + s] = s <= t ? att[row + s] * (datt[row + s] - d) : 0;
        // preatt = scale * q·k: dq[t] += scale * dpreatt * k[s]; dk[s] += scale * dpreatt * q[t]
        for (let s = 0; s <= t; s++) {
          const k = (b * T + s) * 3 * C + C + h * hs;
          const g = dpreatt[row + s] * scale;
          for (let i = 0; i < hs; i++) {
            dinp[q + i] += g * inp[k + i];
            dinp[k + i] += g * inp[q + i];
          }
        }
      }
    }
  }
}
