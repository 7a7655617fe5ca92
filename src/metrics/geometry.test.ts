import { describe, expect, it } from 'vitest';
import { covarianceStatsLayout, layerGeometry } from './geometry.ts';
import { covarianceStats, pairCosines } from '../ref/metrics.ts';
import { drawPairs } from './anisotropy.ts';
import { fromEigen, randomOrthogonal } from './testMatrices.ts';
import { symmetricEigen } from './eigen.ts';
import { effectiveRank, normalizedSpectrum } from './effectiveRank.ts';
import { Rng } from '../util/rng.ts';
import { expectClose } from '../test/compare.ts';

describe('covarianceStatsLayout', () => {
  it('mean at 0, meanNorm at C, cov at the next multiple of 64 floats', () => {
    expect(covarianceStatsLayout(1)).toEqual({ mean: 0, meanNorm: 1, cov: 64, floats: 65 });
    expect(covarianceStatsLayout(63)).toEqual({ mean: 0, meanNorm: 63, cov: 64, floats: 64 + 63 * 63 });
    expect(covarianceStatsLayout(64)).toEqual({ mean: 0, meanNorm: 64, cov: 128, floats: 128 + 4096 });
  });
});

describe('layerGeometry', () => {
  it('turns the reductions of one layer into erank, anisotropy, norm, spectrum and the eigenbasis', () => {
    // Data with a known covariance: x = offset + Σ_i sqrt(λ_i)·g_i·q_i with g_i ~ N(0, 1)
    const [N, C] = [6000, 8];
    const rng = new Rng(1, 'geometry');
    const lambda = [4, 2, 1, 1, 0.5, 0.25, 0.25, 0];
    const q = randomOrthogonal(rng, C);
    const offset = rng.fillNormal(new Float64Array(C), 1);
    const x = new Float64Array(N * C);
    for (let n = 0; n < N; n++) {
      x.set(offset, n * C);
      for (let i = 0; i < C; i++) {
        const g = Math.sqrt(lambda[i]) * rng.normal();
        for (let c = 0; c < C; c++) x[n * C + c] += g * q[i * C + c];
      }
    }
    const layout = covarianceStatsLayout(C);
    const stats = new Float64Array(layout.floats);
    covarianceStats(stats, x, N, C);
    const P = 4096;
    const cosines = new Float64Array(P);
    pairCosines(cosines, x, drawPairs(N, P, 1), P, C);

    const g = layerGeometry(stats, cosines, C, C); // every eigenvector, to check the basis below
    const total = lambda.reduce((s, v) => s + v, 0);
    const p = lambda.map((v) => v / total);
    const erank = Math.exp(-p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0));
    // sampling error of N = 6000 rows: a few % on each eigenvalue
    expect(g.effectiveRank).toBeGreaterThan(0.97 * erank);
    expect(g.effectiveRank).toBeLessThan(1.03 * erank);
    expectClose(g.spectrum, p, { atol: 0.01, rtol: 0.05 }, 'spectrum');
    expect(g.spectrum.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(g.anisotropy).toBe(cosines.reduce((s, v) => s + v, 0) / P);
    expect(g.meanNorm).toBe(stats[layout.meanNorm]);
    expectClose(g.mean, offset, { atol: 0.1, rtol: 0 }, 'mean');
    // the eigenbasis reproduces the covariance it came from
    expectClose(fromEigen(g.eigen.values, g.eigen.vectors, C), stats.subarray(layout.cov), { atol: 1e-12, rtol: 0 }, 'eigen');
    expect(() => layerGeometry(stats.subarray(0, 10), cosines, C)).toThrow(/needs/);
    // without PCA axes: the same metrics from the eigenvalues alone, no eigenvectors
    const plain = layerGeometry(stats, cosines, C);
    expect(plain.eigen.vectors.length).toBe(0);
    expect(plain.effectiveRank).toBe(g.effectiveRank);
    expect(Array.from(plain.spectrum)).toEqual(Array.from(g.spectrum));
    expect(layerGeometry(stats, cosines, C, 3).eigen.vectors.length).toBeGreaterThanOrEqual(3 * C);
  });

  // The page's numbers before the eigenvalue-only solver came from the Jacobi eigendecomposition.
  it('effective rank and spectrum equal the Jacobi-based ones to 1e-12, at widths 64 and 130 and for collapsed layers', () => {
    const rng = new Rng(2, 'geometry');
    for (const [N, C, rank] of [[500, 64, 64], [300, 130, 130], [400, 64, 3], [400, 64, 1]]) {
      // rank directions with decaying scales plus a common offset, like a partly collapsed layer
      const basis = rng.fillNormal(new Float64Array(rank * C), 1);
      const x = new Float64Array(N * C);
      for (let n = 0; n < N; n++) {
        for (let r = 0; r < rank; r++) {
          const g = rng.normal() / (1 + r);
          for (let c = 0; c < C; c++) x[n * C + c] += g * basis[r * C + c] + 0.3;
        }
      }
      const layout = covarianceStatsLayout(C);
      const stats = new Float64Array(layout.floats);
      covarianceStats(stats, x, N, C);
      const g = layerGeometry(stats, new Float64Array(1), C);
      const jacobi = symmetricEigen(stats.subarray(layout.cov), C).values;
      expect(Math.abs(g.effectiveRank - effectiveRank(jacobi)), `erank C=${C} rank=${rank}`).toBeLessThan(1e-12 * effectiveRank(jacobi));
      expectClose(g.spectrum, normalizedSpectrum(jacobi), { atol: 1e-13, rtol: 0 }, `spectrum C=${C} rank=${rank}`);
    }
  });
});
