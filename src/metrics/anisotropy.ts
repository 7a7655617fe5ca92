// anisotropy.ts: anisotropy of hidden states = the mean cosine similarity over a fixed set of
// random pairs of different tokens (docs/method.md §5), and the histogram of NITP alignment cosines.
//   anisotropy = (1/P) Σ_k cos(h[i_k], h[j_k]),  i_k ≠ j_k,  cos = a·b / (max(‖a‖,1e-8) max(‖b‖,1e-8))
// ≈ 0 for isotropic (zero-mean) data, → 1 when all tokens share one dominant direction (a cone).
// The pairs are drawn once per run from its seed (drawPairs) and uploaded; the GPU computes one
// cosine per pair (gpu/ops/metrics.ts pairCosines) and the mean is taken here in float64.
import { Rng } from '../util/rng.ts';

/** Pairs per layer unless a caller asks otherwise: the mean's standard error is ≲ 1/√4096 ≈ 0.016. */
export const DEFAULT_PAIRS = 4096;

/**
 * nPairs random pairs (i, j) of rows of an (N, C) matrix that lie in different sequences (rows
 * i·S..i·S+S−1 form a sequence), uniform over such ordered pairs, from the stream
 * 'anisotropy-pairs' of `seed` (the same seed gives the same pairs). Tokens of one sequence share
 * context, so pairs within a sequence would measure that, not the geometry.
 * @param rowsPerSequence S (T for hidden states of (E, T) positions; 1: any two different rows)
 * @returns (nPairs, 2) row indices, in different sequences
 */
export function drawPairs(N: number, nPairs: number, seed: number, rowsPerSequence = 1): Uint32Array {
  const S = rowsPerSequence;
  if (!(N >= 2 * S) || N % S !== 0) throw new Error(`drawPairs: need at least 2 sequences of ${S} rows, got ${N} rows`);
  const rng = new Rng(seed, 'anisotropy-pairs');
  const pairs = new Uint32Array(2 * nPairs);
  for (let k = 0; k < nPairs; k++) {
    const i = rng.int(N);
    // uniform over the N - S rows of other sequences: skip i's own sequence
    const start = i - (i % S);
    let j = rng.int(N - S);
    if (j >= start) j += S;
    pairs[2 * k] = i;
    pairs[2 * k + 1] = j;
  }
  return pairs;
}

/**
 * Mean of the pair cosines, summed in float64 in index order.
 * @param cosines (P) one cosine per pair
 */
export function anisotropy(cosines: ArrayLike<number>): number {
  if (cosines.length === 0) throw new Error('anisotropy: no pairs');
  let sum = 0;
  for (let i = 0; i < cosines.length; i++) sum += cosines[i];
  return sum / cosines.length;
}

export interface Histogram {
  /** (bins + 1) bin edges, lo to hi */
  edges: Float64Array;
  /** (bins) counts; bin b holds edges[b] <= v < edges[b+1], the last one also v = hi */
  counts: Uint32Array;
  /** values more than 1e-5·(hi − lo) outside [lo, hi] (counted in no bin), and non-finite values */
  outside: number;
}

/**
 * Histogram of values on [lo, hi] with equal-width bins, e.g. the NITP alignment cosines
 * cos(P(h_t), z_{t+1}) from rowCosines. Values just outside the range by rounding (a float32
 * cosine of 1.0000001) count in the end bins.
 * @param values (n)
 */
export function histogram(values: ArrayLike<number>, bins: number, lo = -1, hi = 1): Histogram {
  const edges = Float64Array.from({ length: bins + 1 }, (_, b) => lo + ((hi - lo) * b) / bins);
  const counts = new Uint32Array(bins);
  const slack = 1e-5 * (hi - lo);
  let outside = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo - slack && v <= hi + slack)) {
      outside++;
      continue;
    }
    counts[Math.max(0, Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins)))]++;
  }
  return { edges, counts, outside };
}
