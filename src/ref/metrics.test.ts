import { describe, expect, it } from 'vitest';
import { covarianceStats, pairCosines, project, rowCosines } from './metrics.ts';
import { covarianceStatsLayout } from '../metrics/geometry.ts';
import { expectClose } from '../test/compare.ts';

// No backward to check by finite differences (metrics are never differentiated): the reference
// is checked on examples worked by hand.
describe('ref metrics', () => {
  it('covarianceStats: mean, mean norm and centred covariance of a 3 x 2 example; padding untouched', () => {
    // rows (1,2) (3,4) (5,0): mean (3,2); deviations (-2,0) (0,2) (2,-2)
    // Σ dᵀd = [[8, -4], [-4, 8]], / (N-1) = [[4, -2], [-2, 4]]; norms √5, 5, 5
    const inp = [1, 2, 3, 4, 5, 0];
    const layout = covarianceStatsLayout(2);
    const out = new Float64Array(layout.floats).fill(-1);
    covarianceStats(out, inp, 3, 2);
    expect(Array.from(out.subarray(0, 2))).toEqual([3, 2]);
    expect(out[layout.meanNorm]).toBeCloseTo((Math.sqrt(5) + 10) / 3, 14);
    expect(Array.from(out.subarray(layout.cov))).toEqual([4, -2, -2, 4]);
    expect(out.subarray(3, layout.cov).every((v) => v === -1)).toBe(true);
    // a single row: covariance 0 (divided by max(N - 1, 1))
    covarianceStats(out, [1, 2], 1, 2);
    expect(Array.from(out.subarray(layout.cov))).toEqual([0, 0, 0, 0]);
  });

  it('pairCosines and rowCosines: parallel 1, opposite -1, orthogonal 0, zero row 0', () => {
    const inp = [1, 0, 2, 0, 0, 3, -1, 0, 0, 0]; // rows (1,0) (2,0) (0,3) (-1,0) (0,0)
    const out = new Float64Array(4);
    pairCosines(out, inp, [0, 1, 0, 2, 1, 3, 4, 0], 4, 2);
    expect(Array.from(out)).toEqual([1, 0, -1, 0]);
    // a = rows of (B=1, T=3); b: cos(a[t], b[t+1]) and cos(a[t], b[t])
    const a = [1, 0, 0, 1, 1, 1];
    const b = [5, 5, 0, 2, 3, 3];
    const next = new Float64Array(2);
    rowCosines(next, a, b, 1, 3, 2, 1);
    expectClose(next, [0, 1 / Math.SQRT2], { atol: 1e-15, rtol: 0 });
    const same = new Float64Array(3);
    rowCosines(same, a, b, 1, 3, 2, 0);
    expectClose(same, [1 / Math.SQRT2, 1, 1], { atol: 1e-15, rtol: 0 });
  });

  it('project: coordinates of centred rows on the axes', () => {
    const inp = [1, 2, 3, 4, 5, 6]; // rows (1,2) (3,4) (5,6)
    const axes = [1, 0, 0.6, 0.8]; // (2, 2)
    const out = new Float64Array(4);
    project(out, inp, [2, 0], 2, axes, [3, 4], 2, 2);
    // row 2 − mean = (2, 2): (2, 2.8); row 0 − mean = (−2, −2): (−2, −2.8)
    expectClose(out, [2, 2.8, -2, -2.8], { atol: 1e-15, rtol: 0 });
  });
});
