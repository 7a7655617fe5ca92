import { describe, expect, it } from 'vitest';
import { effectiveRank, normalizedSpectrum, spectrumSummary } from './effectiveRank.ts';
import { symmetricEigen } from './eigen.ts';
import { randomOrthogonal } from './testMatrices.ts';
import { covarianceStats } from '../ref/metrics.ts';
import { covarianceStatsLayout } from './geometry.ts';
import { Rng } from '../util/rng.ts';

/** Eigenvalues of the centred covariance of (N, C) data, via the float64 reference. */
function covarianceEigenvalues(x: Float64Array, N: number, C: number): Float64Array {
  const layout = covarianceStatsLayout(C);
  const stats = new Float64Array(layout.floats);
  covarianceStats(stats, x, N, C);
  return symmetricEigen(stats.subarray(layout.cov), C).values;
}

describe('effectiveRank', () => {
  it('known spectra: equal values give their count, negatives are clipped, zero matrix gives 0', () => {
    expect(effectiveRank([2, 2, 2, 2])).toBeCloseTo(4, 12);
    expect(effectiveRank([5, 0, 0])).toBe(1);
    expect(effectiveRank([3, 3, -1e-9])).toBeCloseTo(2, 12);
    expect(effectiveRank([0, 0, 0])).toBe(0);
    // exp of the entropy of p = (0.5, 0.25, 0.25): exp(1.5 ln 2) = 2^1.5
    expect(effectiveRank([2, 1, 1])).toBeCloseTo(2 ** 1.5, 12);
  });

  it('isotropic Gaussian in d = 16 dims, N = 20000: erank within 0.5% of d', () => {
    // Sample eigenvalues scatter around 1 with variance ≈ d/N (Marchenko–Pastur), which lowers
    // the entropy by ≈ d/(2N): erank ≈ d·(1 − d/(2N)) = 15.994 (measured 15.9939).
    const [N, d] = [20000, 16];
    const rng = new Rng(1, 'erank');
    const x = rng.fillNormal(new Float64Array(N * d), 1);
    const erank = effectiveRank(covarianceEigenvalues(x, N, d));
    expect(erank).toBeLessThanOrEqual(d);
    expect(erank).toBeGreaterThan(0.995 * d);
  });

  it('rank-r data with equal variances (and a large shared offset): erank = r to float error', () => {
    const [d, r] = [24, 5];
    const rng = new Rng(2, 'erank');
    const q = randomOrthogonal(rng, d); // directions u_0..u_{r-1}: rows of q
    const offset = rng.fillNormal(new Float64Array(d), 50);
    // rows ±3·u_k: mean exactly the offset, covariance Σ_k 18 u_k u_kᵀ / (N − 1)
    const N = 2 * r;
    const x = new Float64Array(N * d);
    for (let k = 0; k < r; k++) {
      for (let c = 0; c < d; c++) {
        x[2 * k * d + c] = offset[c] + 3 * q[k * d + c];
        x[(2 * k + 1) * d + c] = offset[c] - 3 * q[k * d + c];
      }
    }
    expect(Math.abs(effectiveRank(covarianceEigenvalues(x, N, d)) - r)).toBeLessThan(1e-9);
  });

  it('one dominant direction: erank ≈ 1', () => {
    const [N, d] = [4000, 32];
    const rng = new Rng(3, 'erank');
    const u = randomOrthogonal(rng, d).subarray(0, d);
    const x = new Float64Array(N * d);
    for (let n = 0; n < N; n++) {
      const a = 100 * rng.normal(); // variance 1e4 along u, 1e-4 per other direction
      for (let c = 0; c < d; c++) x[n * d + c] = a * u[c] + 0.01 * rng.normal();
    }
    const erank = effectiveRank(covarianceEigenvalues(x, N, d));
    // 31 other directions with p ≈ 1e-8 each: entropy ≈ 31e-8·ln(1e8) ≈ 6e-6, erank ≈ 1 + 6e-6
    expect(erank).toBeGreaterThanOrEqual(1);
    expect(erank).toBeLessThan(1.0001);
  });
});

describe('normalizedSpectrum, spectrumSummary', () => {
  it('sorts largest first, clips negatives, sums to 1; summary keeps the top and the tail mass', () => {
    const s = normalizedSpectrum([1, 4, -0.5, 3, 2]);
    expect(Array.from(s)).toEqual([0.4, 0.3, 0.2, 0.1, 0]);
    const { top, tail } = spectrumSummary(s, 2);
    expect(top).toEqual([0.4, 0.3]);
    expect(tail).toBeCloseTo(0.3, 15);
    expect(Array.from(normalizedSpectrum([0, 0]))).toEqual([0, 0]);
  });
});
