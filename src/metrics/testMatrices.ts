// testMatrices.ts: matrices with a known eigendecomposition, for the tests of metrics/.
import type { Rng } from '../util/rng.ts';

/** A random orthogonal matrix (rows orthonormal): Gram–Schmidt of Gaussian rows. */
export function randomOrthogonal(rng: Rng, n: number): Float64Array {
  const q = rng.fillNormal(new Float64Array(n * n), 1);
  for (let i = 0; i < n; i++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        let d = 0;
        for (let k = 0; k < n; k++) d += q[i * n + k] * q[j * n + k];
        for (let k = 0; k < n; k++) q[i * n + k] -= d * q[j * n + k];
      }
    }
    let s = 0;
    for (let k = 0; k < n; k++) s += q[i * n + k] ** 2;
    for (let k = 0; k < n; k++) q[i * n + k] /= Math.sqrt(s);
  }
  return q;
}

/** Σ_i values[i] q_i q_iᵀ with q_i row i of q. */
export function fromEigen(values: ArrayLike<number>, q: Float64Array, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < n; r++) {
      const x = values[i] * q[i * n + r];
      for (let c = 0; c < n; c++) a[r * n + c] += x * q[i * n + c];
    }
  }
  return a;
}
