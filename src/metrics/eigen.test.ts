import { describe, expect, it } from 'vitest';
import { symmetricEigen, type SymmetricEigen } from './eigen.ts';
import { Rng } from '../util/rng.ts';
import { expectClose } from '../test/compare.ts';
import { fromEigen, randomOrthogonal } from './testMatrices.ts';

function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** ‖A − VᵀΛV‖_F / ‖A‖_F and max |VVᵀ − I|. */
function errors(a: Float64Array, e: SymmetricEigen): { reconstruction: number; orthogonality: number } {
  const { n } = e;
  const r = fromEigen(e.values, e.vectors, n);
  let diff = 0;
  for (let i = 0; i < n * n; i++) diff += (r[i] - a[i]) ** 2;
  let orth = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let k = 0; k < n; k++) d += e.vectors[i * n + k] * e.vectors[j * n + k];
      orth = Math.max(orth, Math.abs(d - (i === j ? 1 : 0)));
    }
  }
  return { reconstruction: Math.sqrt(diff) / frobenius(a), orthogonality: orth };
}

/** |dot| of each computed eigenvector with the expected one (1 when they agree up to sign). */
function alignment(e: SymmetricEigen, q: Float64Array, order: number[]): number[] {
  const { n } = e;
  return order.map((src, i) => {
    let d = 0;
    for (let k = 0; k < n; k++) d += e.vectors[i * n + k] * q[src * n + k];
    return Math.abs(d);
  });
}

describe('symmetricEigen (cyclic Jacobi)', () => {
  it('diagonal matrix: values sorted largest first, vectors are unit axes', () => {
    const d = [3, -1, 7, 0, 2.5];
    const n = d.length;
    const a = new Float64Array(n * n);
    d.forEach((v, i) => (a[i * n + i] = v));
    const e = symmetricEigen(a, n);
    expect(Array.from(e.values)).toEqual([7, 3, 2.5, 0, -1]);
    const axes = [2, 0, 4, 3, 1];
    axes.forEach((axis, i) => expect(Math.abs(e.vectors[i * n + axis])).toBe(1));
    expect(e.sweeps).toBe(1);
  });

  it('rotated diagonal: recovers the eigenvalues and eigenvectors (up to sign)', () => {
    const rng = new Rng(2, 'eigen');
    const n = 12;
    const values = Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (i + 1) * 0.7); // indefinite, distinct
    const q = randomOrthogonal(rng, n);
    const e = symmetricEigen(fromEigen(values, q, n), n);
    const order = values.map((_, i) => i).sort((i, j) => values[j] - values[i]);
    expectClose(e.values, order.map((i) => values[i]), { atol: 1e-13, rtol: 1e-13 }, 'values');
    expectClose(alignment(e, q, order), new Array(n).fill(1), { atol: 1e-12, rtol: 0 }, '|dot|');
  });

  it('repeated eigenvalues: exact values, and the vectors span each eigenspace', () => {
    const rng = new Rng(3, 'eigen');
    const n = 9;
    const values = [5, 5, 5, 2, 2, 0, 0, 0, 0]; // rank 5, three distinct values
    const q = randomOrthogonal(rng, n);
    const a = fromEigen(values, q, n);
    const e = symmetricEigen(a, n);
    expectClose(e.values, values, { atol: 1e-13, rtol: 1e-13 }, 'values');
    // Within an eigenspace any orthonormal basis is right: check the projector onto each one.
    for (const [from, to] of [[0, 3], [3, 5], [5, 9]]) {
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) {
          let got = 0;
          let want = 0;
          for (let i = from; i < to; i++) {
            got += e.vectors[i * n + r] * e.vectors[i * n + c];
            want += q[i * n + r] * q[i * n + c];
          }
          expect(Math.abs(got - want)).toBeLessThan(1e-12);
        }
      }
    }
    const { reconstruction, orthogonality } = errors(a, e);
    expect(reconstruction).toBeLessThan(1e-14);
    expect(orthogonality).toBeLessThan(1e-14);
  });

  it('1x1, zero and non-finite inputs', () => {
    expect(Array.from(symmetricEigen([4], 1).values)).toEqual([4]);
    const z = symmetricEigen(new Float64Array(9), 3);
    expect(Array.from(z.values)).toEqual([0, 0, 0]);
    expect(() => symmetricEigen([1, NaN, NaN, 1], 2)).toThrow(/non-finite/);
  });

  it('rank-deficient covariance (3 samples in 64 dims) converges; zero eigenvalues stay ~0', () => {
    const rng = new Rng(4, 'eigen');
    const n = 64;
    const x = rng.fillNormal(new Float64Array(3 * n), 1);
    const a = new Float64Array(n * n);
    for (let s = 0; s < 3; s++) for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) a[r * n + c] += x[s * n + r] * x[s * n + c];
    const e = symmetricEigen(a, n);
    expect(e.sweeps).toBeLessThan(15);
    for (let i = 3; i < n; i++) expect(Math.abs(e.values[i])).toBeLessThan(1e-13 * e.values[0]);
    expect(errors(a, e).reconstruction).toBeLessThan(1e-14);
  });

  // The accuracy documented in eigen.ts's header.
  for (const n of [64, 256]) {
    it(`random SPD n=${n}: reconstruction and orthogonality to ~1e-15`, () => {
      const rng = new Rng(n, 'eigen');
      const g = rng.fillNormal(new Float64Array(n * n), 1);
      const a = new Float64Array(n * n);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c <= r; c++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += g[k * n + r] * g[k * n + c];
          a[r * n + c] = a[c * n + r] = s / n + (r === c ? 1 : 0);
        }
      }
      const t0 = performance.now();
      const e = symmetricEigen(a, n);
      const ms = performance.now() - t0;
      const { reconstruction, orthogonality } = errors(a, e);
      console.log(`jacobi n=${n}: ${ms.toFixed(1)} ms, ${e.sweeps} sweeps, reconstruction ${reconstruction.toExponential(1)}, orthogonality ${orthogonality.toExponential(1)}, dropped ${(e.dropped / frobenius(a)).toExponential(1)} of ‖A‖`);
      expect(reconstruction).toBeLessThan(2e-14);
      expect(orthogonality).toBeLessThan(2e-14);
      for (let i = 1; i < n; i++) expect(e.values[i]).toBeLessThanOrEqual(e.values[i - 1]);
      expect(e.values[n - 1]).toBeGreaterThan(0.99); // A ≥ I
    });
  }
});
