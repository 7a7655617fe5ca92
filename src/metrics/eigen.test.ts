import { describe, expect, it } from 'vitest';
import { symmetricEigen, symmetricEigenTop, symmetricEigenvalues, type EigenPairs, type SymmetricEigen } from './eigen.ts';
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

/** A = GᵀG/n + I with G (n, n) Gaussian, seeded by n: symmetric positive definite, well spread. */
function randomSpd(n: number): Float64Array {
  const g = new Rng(n, 'eigen').fillNormal(new Float64Array(n * n), 1);
  const a = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c <= r; c++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += g[k * n + r] * g[k * n + c];
      a[r * n + c] = a[c * n + r] = s / n + (r === c ? 1 : 0);
    }
  }
  return a;
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
      const a = randomSpd(n);
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

/** Largest |λ| of a Jacobi reference: ‖A‖₂. */
function spectralNorm(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

/** max_i ‖A v_i − λ_i v_i‖ over the returned vectors, and max |v_i·v_j − δ_ij|. */
function pairErrors(a: Float64Array, e: EigenPairs): { residual: number; orthogonality: number } {
  const { n } = e;
  const m = e.vectors.length / n;
  let residual = 0;
  let orthogonality = 0;
  for (let i = 0; i < m; i++) {
    const v = e.vectors.subarray(i * n, (i + 1) * n);
    let r2 = 0;
    for (let row = 0; row < n; row++) {
      let av = 0;
      for (let c = 0; c < n; c++) av += a[row * n + c] * v[c];
      r2 += (av - e.values[i] * v[row]) ** 2;
    }
    residual = Math.max(residual, Math.sqrt(r2));
    for (let j = 0; j < m; j++) {
      let d = 0;
      for (let c = 0; c < n; c++) d += v[c] * e.vectors[j * n + c];
      orthogonality = Math.max(orthogonality, Math.abs(d - (i === j ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

/** A random symmetric matrix with Gaussian entries (indefinite). */
function randomSymmetric(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  return a;
}

/** Σ_s x_s x_sᵀ for `rank` Gaussian vectors x_s: a covariance collapsed onto `rank` directions. */
function collapsed(rng: Rng, n: number, rank: number): Float64Array {
  const x = rng.fillNormal(new Float64Array(rank * n), 1);
  const a = new Float64Array(n * n);
  for (let s = 0; s < rank; s++) for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) a[r * n + c] += x[s * n + r] * x[s * n + c];
  return a;
}

/**
 * The eigenvalue-only solver and the top-k eigenvectors against the Jacobi reference: values
 * within `valueTol`·‖A‖₂; each of the first k vectors with |v·v_ref| ≈ 1 where its eigenvalue is
 * separated from its neighbours by more than 1e-6·‖A‖₂ (elsewhere only the residual counts);
 * residual ‖Av − λv‖ within 1e-12·‖A‖₂ (1e-13·n for the ones with a plain Gaussian start).
 */
function checkAgainstJacobi(a: Float64Array, n: number, k: number, valueTol = 1e-12): EigenPairs {
  const ref = symmetricEigen(a, n);
  const norm = spectralNorm(ref.values);
  const values = symmetricEigenvalues(a, n);
  const top = symmetricEigenTop(a, n, k);
  expect(Array.from(top.values)).toEqual(Array.from(values)); // one spectrum, two entry points
  expectClose(values, ref.values, { atol: valueTol * norm, rtol: 0 }, `eigenvalues n=${n}`);
  for (let i = 1; i < n; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
  expect(top.vectors.length).toBe(k * n);
  const { residual, orthogonality } = pairErrors(a, top);
  expect(residual, 'residual').toBeLessThanOrEqual(1e-12 * norm);
  expect(orthogonality, 'orthogonality').toBeLessThan(1e-12);
  for (let i = 0; i < k; i++) {
    const gap = Math.min(i > 0 ? ref.values[i - 1] - ref.values[i] : Infinity, i < n - 1 ? ref.values[i] - ref.values[i + 1] : Infinity);
    if (gap <= 1e-6 * norm) continue;
    let d = 0;
    for (let c = 0; c < n; c++) d += top.vectors[i * n + c] * ref.vectors[i * n + c];
    // the eigenvector's error is about eps·‖A‖/gap
    expect(Math.abs(Math.abs(d) - 1), `|v·v_ref| of vector ${i}`).toBeLessThan(1e-13 * norm / gap + 1e-14);
  }
  return top;
}

describe('symmetricEigenvalues / symmetricEigenTop (Householder + implicit QR)', () => {
  for (const n of [1, 2, 3, 7, 64, 130]) {
    it(`random indefinite symmetric n=${n}: eigenvalues and top-3 vectors agree with Jacobi`, () => {
      checkAgainstJacobi(randomSymmetric(new Rng(100 + n, 'eigen'), n), n, Math.min(3, n));
    });
  }

  it('2x2 with equal diagonal and the 1x1 case exactly', () => {
    expect(Array.from(symmetricEigenvalues([4], 1))).toEqual([4]);
    expect(Array.from(symmetricEigenTop([4], 1, 1).vectors)).toEqual([1]);
    expectClose(symmetricEigenvalues([1, 2, 2, 1], 2), [3, -1], { atol: 1e-15, rtol: 0 }, '[[1,2],[2,1]]');
  });

  it('repeated eigenvalues: exact values, top vectors span each eigenspace', () => {
    const rng = new Rng(3, 'eigen');
    for (const [n, values] of [
      [9, [5, 5, 5, 2, 2, 0, 0, 0, 0]],
      [64, Array.from({ length: 64 }, (_, i) => (i < 3 ? 7 : i < 10 ? 1 : 0.5))],
    ] as [number, number[]][]) {
      const q = randomOrthogonal(rng, n);
      const a = fromEigen(values, q, n);
      const top = checkAgainstJacobi(a, n, 5);
      // the first three vectors span the eigenspace of the top value: same projector as q's rows 0..2
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) {
          let got = 0;
          let want = 0;
          for (let i = 0; i < 3; i++) {
            got += top.vectors[i * n + r] * top.vectors[i * n + c];
            want += q[i * n + r] * q[i * n + c];
          }
          expect(Math.abs(got - want)).toBeLessThan(1e-12);
        }
      }
    }
  });

  for (const rank of [1, 3]) {
    it(`collapsed covariance: rank ${rank} in n=64, zero eigenvalues stay ~0`, () => {
      const n = 64;
      const a = collapsed(new Rng(rank, 'collapse'), n, rank);
      checkAgainstJacobi(a, n, 3);
      const values = symmetricEigenvalues(a, n);
      for (let i = rank; i < n; i++) expect(Math.abs(values[i])).toBeLessThan(1e-13 * values[0]);
      expect(values[rank - 1]).toBeGreaterThan(1e-3 * values[0]);
    });
  }

  it('diagonal matrix: exact values, unit axes, ties in diagonal order', () => {
    const d = [3, -1, 7, 0, 2.5, 3];
    const n = d.length;
    const a = new Float64Array(n * n);
    d.forEach((v, i) => (a[i * n + i] = v));
    const e = symmetricEigenTop(a, n, n);
    expect(Array.from(e.values)).toEqual([7, 3, 3, 2.5, 0, -1]);
    const axes = [2, 0, 5, 4, 3, 1];
    axes.forEach((axis, i) => expect(Math.abs(e.vectors[i * n + axis])).toBe(1));
  });

  it('huge dynamic range (1e-12..1e3): every eigenvalue to 1e-12·‖A‖', () => {
    const n = 64;
    const values = Array.from({ length: n }, (_, i) => 10 ** (3 - (15 * i) / (n - 1)));
    const a = fromEigen(values, randomOrthogonal(new Rng(7, 'eigen'), n), n);
    checkAgainstJacobi(a, n, 3);
    expectClose(symmetricEigenvalues(a, n), values, { atol: 1e-12 * 1e3, rtol: 0 }, 'known values');
  });

  it('zero matrix: zero eigenvalues, orthonormal vectors', () => {
    const n = 5;
    const e = symmetricEigenTop(new Float64Array(n * n), n, n);
    expect(Array.from(e.values)).toEqual(new Array(n).fill(0));
    expect(pairErrors(new Float64Array(n * n), e)).toEqual({ residual: 0, orthogonality: 0 });
  });

  it('Wilkinson W21+ (pairs of eigenvalues ~1e-14 apart), as given and rotated: orthogonal vectors, small residuals', () => {
    const n = 21;
    const w = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      w[i * n + i] = Math.abs(10 - i);
      if (i + 1 < n) w[i * n + i + 1] = w[(i + 1) * n + i] = 1;
    }
    const q = randomOrthogonal(new Rng(21, 'eigen'), n);
    const rotated = fromEigen(symmetricEigen(w, n).values, q, n); // same spectrum, dense
    for (const a of [w, rotated]) {
      const e = symmetricEigenTop(a, n, 6);
      expect(e.values[0] - e.values[1]).toBeLessThan(1e-12); // the close pair is really there
      const { residual, orthogonality } = pairErrors(a, e);
      expect(residual).toBeLessThan(1e-13 * e.values[0]);
      expect(orthogonality).toBeLessThan(1e-12);
    }
  });

  it('every vector (count = n): reconstructs A like the Jacobi reference', () => {
    const n = 40;
    const a = randomSymmetric(new Rng(40, 'eigen'), n);
    const e = symmetricEigenTop(a, n, n);
    const { reconstruction, orthogonality } = errors(a, { ...e, sweeps: 0, dropped: 0 });
    expect(reconstruction).toBeLessThan(1e-14);
    expect(orthogonality).toBeLessThan(1e-13);
  });

  it('count from the eigenvalues; non-symmetric input is symmetrised; bad input throws', () => {
    const n = 6;
    const values = [4, 3.9, 1, 1, 0.5, 0];
    const a = fromEigen(values, randomOrthogonal(new Rng(6, 'eigen'), n), n);
    const e = symmetricEigenTop(a, n, (v) => v.filter((x) => x > 2).length);
    expect(e.vectors.length).toBe(2 * n);
    const skew = a.slice();
    skew[1] += 0.25; // (a + aᵀ)/2 moves A[0,1] and A[1,0] by 0.125 each
    skew[n] -= 0.25;
    expectClose(symmetricEigenvalues(skew, n), symmetricEigen(skew, n).values, { atol: 1e-14, rtol: 0 }, 'symmetrised');
    expect(() => symmetricEigenvalues([1, 2, Infinity, 1], 2)).toThrow(/non-finite entry Infinity at \(1, 0\)/);
    expect(() => symmetricEigenvalues([NaN, 0, 0, 1], 2)).toThrow(/non-finite entry NaN at \(0, 0\)/);
    expect(() => symmetricEigenTop([1, 0, 0], 2, 1)).toThrow(/needs 4/);
    expect(() => symmetricEigenTop([1, 0, 0, 1], 2, 3)).toThrow(/count must be in 0..2/);
  });

  // The accuracy and timings documented in eigen.ts's header.
  for (const n of [64, 256]) {
    it(`random SPD n=${n}: agrees with Jacobi to ~1e-15·‖A‖, top-3 residual ~1e-15`, () => {
      const a = randomSpd(n);
      const t0 = performance.now();
      const values = symmetricEigenvalues(a, n);
      const t1 = performance.now();
      const top = symmetricEigenTop(a, n, 3);
      const t2 = performance.now();
      const ref = symmetricEigen(a, n);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(values[i] - ref.values[i]));
      const norm = ref.values[0];
      const { residual, orthogonality } = pairErrors(a, top);
      console.log(`householder+QR n=${n}: values ${(t1 - t0).toFixed(1)} ms, values + top-3 vectors ${(t2 - t1).toFixed(1)} ms; ` +
        `max |λ − λ_jacobi| ${(worst / norm).toExponential(1)}·‖A‖, residual ${(residual / norm).toExponential(1)}·‖A‖, orthogonality ${orthogonality.toExponential(1)}`);
      expect(worst).toBeLessThan(2e-14 * norm);
      expect(residual).toBeLessThan(2e-14 * norm);
      expect(orthogonality).toBeLessThan(1e-14);
    });
  }
});
