// nitpLoss.ts (reference): the NITP pair loss (docs/method.md §3) and its gradient, float64 loops.
import type { NitpLossKind, NitpShift } from '../model/config.ts';

const EPS = 1e-8;

/** Pairs per sequence: T - 1 under "next", T under "current". */
export function nitpPairsPerSequence(T: number, shift: NitpShift): number {
  return shift === 'next' ? Math.max(T - 1, 0) : T;
}

/**
 * Pair (b, t) is (p[b,t], z[b,t+1]) under "next" (t = 0..T-2) and (p[b,t], z[b,t]) under
 * "current" (t = 0..T-1). With a = p row, b = z row, e = a - b, the loss of a pair is
 * cosine: 1 - a·b / (max(|a|,1e-8) max(|b|,1e-8)); mse: mean over C of e²;
 * smoothl1: mean over C of (0.5 e² if |e| < 1 else |e| - 0.5).
 * @param losses (B, pairs per sequence) loss of each pair (=)
 * @param dp (B, T, C) dscale * dloss/dp: = (0 on rows without a pair), or += when accumulateDp
 * @param dz (B, T, C) dscale * dloss/dz (=, 0 on rows without a pair); null: not computed
 * @param p (B, T, C) head outputs
 * @param z (B, T, C) target-layer hidden states
 */
export function nitpLossForwardBackward(
  losses: Float64Array, dp: Float64Array, dz: Float64Array | null | undefined, p: Float64Array, z: Float64Array,
  B: number, T: number, C: number, shift: NitpShift, kind: NitpLossKind, dscale: number, accumulateDp = false,
): void {
  const s = shift === 'next' ? 1 : 0;
  const NP = nitpPairsPerSequence(T, shift);
  if (!accumulateDp) dp.fill(0, 0, B * T * C);
  dz?.fill(0, 0, B * T * C);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < NP; t++) {
      const pa = (b * T + t) * C; // row of a
      const zb = (b * T + t + s) * C; // row of b
      if (kind === 'cosine') {
        let dot = 0;
        let aa = 0;
        let bb = 0;
        for (let c = 0; c < C; c++) {
          dot += p[pa + c] * z[zb + c];
          aa += p[pa + c] * p[pa + c];
          bb += z[zb + c] * z[zb + c];
        }
        const normA = Math.sqrt(aa);
        const normB = Math.sqrt(bb);
        const na = Math.max(normA, EPS);
        const nb = Math.max(normB, EPS);
        const cos = dot / (na * nb);
        losses[b * NP + t] = 1 - cos;
        // dcos/da = b/(na nb) - cos a/na² (a clamped norm is a constant: no second term)
        const ka = normA > EPS ? cos / (na * na) : 0;
        const kb = normB > EPS ? cos / (nb * nb) : 0;
        for (let c = 0; c < C; c++) {
          const a = p[pa + c];
          const bz = z[zb + c];
          dp[pa + c] += -dscale * (bz / (na * nb) - a * ka);
          if (dz) dz[zb + c] = -dscale * (a / (na * nb) - bz * kb);
        }
      } else {
        let sum = 0;
        for (let c = 0; c < C; c++) {
          const e = p[pa + c] - z[zb + c];
          sum += kind === 'mse' ? e * e : Math.abs(e) < 1 ? 0.5 * e * e : Math.abs(e) - 0.5;
        }
        losses[b * NP + t] = sum / C;
        for (let c = 0; c < C; c++) {
          const e = p[pa + c] - z[zb + c];
          const g = (dscale * (kind === 'mse' ? 2 * e : Math.max(-1, Math.min(1, e)))) / C;
          dp[pa + c] += g;
          if (dz) dz[zb + c] = -g;
        }
      }
    }
  }
}
