// cosineRegularizer.ts (reference): the paper's generic cosine regularizer (docs/method.md §3, a
// baseline, not NITP), the mean cosine between final hidden states of different positions of a
// sequence, and its gradient. Float64 loops.

const EPS = 1e-8;

/**
 * losses[b] = sum over ordered pairs t != t' of cos(h[b,t], h[b,t']) / (T (T - 1)) (=), with
 * max(|h|, 1e-8) norms, computed pair by pair; mean over b of losses is the regularizer.
 * dh += dscale * dlosses[b]/dh. With u_t = h_t / n_t, n_t = max(|h_t|, 1e-8), S = sum_t u_t:
 * dlosses/du_t = 2 (S - u_t) / K, K = T (T - 1), and dh_t = (g - [|h_t| > 1e-8] u_t (u_t·g)) / n_t.
 * T = 1: losses 0, dh unchanged.
 * @param losses (B)
 * @param dh (B, T, C) accumulated (+=)
 * @param h (B, T, C)
 */
export function cosineRegularizerForwardBackward(
  losses: Float64Array, dh: Float64Array, h: Float64Array, B: number, T: number, C: number, dscale: number,
): void {
  const norms = new Float64Array(T); // |h_t|
  const u = new Float64Array(T * C); // (T, C) unit vectors
  const S = new Float64Array(C);
  for (let b = 0; b < B; b++) {
    const o = b * T * C;
    losses[b] = 0;
    if (T < 2) continue;
    const K = T * (T - 1);
    S.fill(0);
    for (let t = 0; t < T; t++) {
      let ss = 0;
      for (let c = 0; c < C; c++) ss += h[o + t * C + c] ** 2;
      norms[t] = Math.sqrt(ss);
      const n = Math.max(norms[t], EPS);
      for (let c = 0; c < C; c++) {
        u[t * C + c] = h[o + t * C + c] / n;
        S[c] += u[t * C + c];
      }
    }
    let sum = 0;
    for (let t = 0; t < T; t++) {
      for (let t2 = 0; t2 < T; t2++) {
        if (t2 === t) continue;
        let cos = 0;
        for (let c = 0; c < C; c++) cos += u[t * C + c] * u[t2 * C + c];
        sum += cos;
      }
    }
    losses[b] = sum / K;
    for (let t = 0; t < T; t++) {
      const n = Math.max(norms[t], EPS);
      const g = new Float64Array(C);
      let ug = 0;
      for (let c = 0; c < C; c++) {
        g[c] = (2 * (S[c] - u[t * C + c])) / K;
        ug += u[t * C + c] * g[c];
      }
      const project = norms[t] > EPS ? 1 : 0;
      for (let c = 0; c < C; c++) dh[o + t * C + c] += (dscale * (g[c] - project * u[t * C + c] * ug)) / n;
    }
  }
}
