import { describe, expect, it } from 'vitest';
import { pcaSampleRows, pcaVectorCount, stablePcaAxes, type PcaAxes } from './pca.ts';
import { symmetricEigen, symmetricEigenTop, type SymmetricEigen } from './eigen.ts';
import { fromEigen, randomOrthogonal } from './testMatrices.ts';
import { Rng } from '../util/rng.ts';

function row(a: Float64Array, i: number, C: number): Float64Array {
  return a.subarray(i * C, (i + 1) * C);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** A solver with arbitrary signs: flips the eigenvectors whose index is in `flip`. */
function withFlips(e: SymmetricEigen, flip: (i: number) => boolean): SymmetricEigen {
  const vectors = e.vectors.slice();
  for (let i = 0; i < e.n; i++) if (flip(i)) for (let c = 0; c < e.n; c++) vectors[i * e.n + c] *= -1;
  return { ...e, vectors };
}

/** Symmetric noise of Frobenius scale ~eps·C. */
function perturbed(a: Float64Array, C: number, rng: Rng, eps: number): Float64Array {
  const b = a.slice();
  for (let i = 0; i < C; i++) {
    for (let j = 0; j <= i; j++) {
      const e = eps * rng.normal();
      b[i * C + j] += e;
      if (i !== j) b[j * C + i] += e;
    }
  }
  return b;
}

function expectOrthonormal(p: PcaAxes): void {
  for (let i = 0; i < p.k; i++) {
    for (let j = 0; j < p.k; j++) expect(Math.abs(dot(row(p.axes, i, p.C), row(p.axes, j, p.C)) - (i === j ? 1 : 0))).toBeLessThan(1e-12);
  }
}

describe('stablePcaAxes', () => {
  const C = 10;
  const values = [9, 6, 4, 2, 1.5, 1, 0.8, 0.5, 0.2, 0.1];

  it('first evaluation: the top-k eigenvectors, largest component positive, variances = eigenvalues', () => {
    const q = randomOrthogonal(new Rng(1, 'pca'), C);
    const eigen = symmetricEigen(fromEigen(values, q, C), C);
    const p = stablePcaAxes(eigen, 3);
    expectOrthonormal(p);
    for (let j = 0; j < 3; j++) {
      const a = row(p.axes, j, C);
      expect(Math.abs(dot(a, row(q, j, C)))).toBeGreaterThan(1 - 1e-12);
      let at = 0;
      for (let c = 1; c < C; c++) if (Math.abs(a[c]) > Math.abs(a[at])) at = c;
      expect(a[at]).toBeGreaterThan(0);
      expect(p.variances[j]).toBeCloseTo(values[j], 10);
      expect(p.explained[j]).toBeCloseTo(values[j] / values.reduce((s, v) => s + v, 0), 10);
    }
  });

  it('small perturbations with arbitrary solver signs: no axis flips or changes place', () => {
    const rng = new Rng(2, 'pca');
    const q = randomOrthogonal(rng, C);
    const cov = fromEigen(values, q, C);
    let prev = stablePcaAxes(symmetricEigen(cov, C), 3);
    let rawFlips = 0;
    for (let step = 0; step < 20; step++) {
      const eigen = withFlips(symmetricEigen(perturbed(cov, C, rng, 0.02), C), () => rng.uniform() < 0.5);
      const next = stablePcaAxes(eigen, 3, prev);
      expectOrthonormal(next);
      for (let j = 0; j < 3; j++) {
        expect(dot(row(next.axes, j, C), row(prev.axes, j, C))).toBeGreaterThan(0.99);
        if (dot(row(eigen.vectors, j, C), row(prev.axes, j, C)) < 0) rawFlips++; // what the raw solver output would do
      }
      prev = next;
    }
    expect(rawFlips).toBeGreaterThan(10); // the raw eigenvectors do flip: the test can fail
  });

  it('two nearly equal eigenvalues: the axes stay put although the eigenvectors spin in their plane', () => {
    const rng = new Rng(3, 'pca');
    const q = randomOrthogonal(rng, C);
    const near = [9, 4, 3.999, 2, 1.5, 1, 0.8, 0.5, 0.2, 0.1];
    const prev = stablePcaAxes(symmetricEigen(fromEigen(near, q, C), C), 3);
    // Next evaluation: the eigenvalues of the pair swap order and their eigenvectors turn by 40°
    // inside their plane; the data along that plane is isotropic to 0.025%, so the old axes are
    // as good as any: they must not move.
    const turned = q.slice();
    const [c, s] = [Math.cos((40 * Math.PI) / 180), Math.sin((40 * Math.PI) / 180)];
    for (let k = 0; k < C; k++) {
      turned[1 * C + k] = c * q[1 * C + k] + s * q[2 * C + k];
      turned[2 * C + k] = -s * q[1 * C + k] + c * q[2 * C + k];
    }
    const swapped = [9, 3.999, 4, 2, 1.5, 1, 0.8, 0.5, 0.2, 0.1];
    const eigen = withFlips(symmetricEigen(perturbed(fromEigen(swapped, turned, C), C, rng, 1e-6), C), (i) => i === 1);
    // the solver's vectors 1 and 2 are far from the previous axes 1 and 2
    expect(Math.abs(dot(row(eigen.vectors, 1, C), row(prev.axes, 1, C)))).toBeLessThan(0.8);
    const next = stablePcaAxes(eigen, 3, prev);
    expectOrthonormal(next);
    for (let j = 0; j < 3; j++) expect(dot(row(next.axes, j, C), row(prev.axes, j, C))).toBeGreaterThan(1 - 1e-6);
    // the axes are still principal: their variances are within the cluster's gap of the eigenvalues
    expect(next.variances[1]).toBeGreaterThan(3.999 - 1e-5);
    expect(next.variances[2]).toBeLessThan(4 + 1e-5);
    // with no previous axes the spun eigenvectors would be used
    const fresh = stablePcaAxes(eigen, 3);
    expect(Math.abs(dot(row(fresh.axes, 1, C), row(prev.axes, 1, C)))).toBeLessThan(0.8);
  });

  it('eigenvalues that cross by more than the gap: axes swap places (order follows variance), signs kept', () => {
    const rng = new Rng(4, 'pca');
    const q = randomOrthogonal(rng, C);
    const prev = stablePcaAxes(symmetricEigen(fromEigen(values, q, C), C), 3);
    const crossed = [9, 4, 6, 2, 1.5, 1, 0.8, 0.5, 0.2, 0.1]; // directions 1 and 2 exchange variance
    const eigen = withFlips(symmetricEigen(fromEigen(crossed, q, C), C), () => true);
    const next = stablePcaAxes(eigen, 3, prev);
    expect(dot(row(next.axes, 0, C), row(prev.axes, 0, C))).toBeGreaterThan(1 - 1e-9);
    expect(dot(row(next.axes, 1, C), row(prev.axes, 2, C))).toBeGreaterThan(1 - 1e-9); // same direction, same sign
    expect(dot(row(next.axes, 2, C), row(prev.axes, 1, C))).toBeGreaterThan(1 - 1e-9);
    expect(Array.from(next.variances).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([9, 6, 4]);
  });

  it('from the leading eigenvectors only (symmetricEigenTop): the same axes as from all of them', () => {
    const rng = new Rng(6, 'pca');
    // 4, 3.9 and 3.85 form one cluster (within 5% of 4) that straddles the third axis
    const straddling = [9, 6, 4, 3.9, 3.85, 1, 0.8, 0.5, 0.2, 0.1];
    const q = randomOrthogonal(rng, C);
    const cov = fromEigen(straddling, q, C);
    expect(pcaVectorCount(symmetricEigen(cov, C).values, 3)).toBe(5);
    const top = symmetricEigenTop(cov, C, (v) => pcaVectorCount(v, 3));
    expect(top.vectors.length).toBe(5 * C);
    const full = symmetricEigen(cov, C);
    const fresh = stablePcaAxes(top, 3);
    for (const [got, want] of [[fresh, stablePcaAxes(full, 3)], [stablePcaAxes(top, 3, fresh), stablePcaAxes(full, 3, fresh)]]) {
      for (let i = 0; i < 3 * C; i++) expect(Math.abs(got.axes[i] - want.axes[i])).toBeLessThan(1e-12);
      for (let j = 0; j < 3; j++) expect(Math.abs(got.explained[j] - want.explained[j])).toBeLessThan(1e-14);
    }
    // the previous axes rotated within the cluster: followed through the cluster's whole subspace
    const prev = stablePcaAxes(top, 3);
    const turned = stablePcaAxes(symmetricEigenTop(perturbed(cov, C, rng, 1e-3), C, (v) => pcaVectorCount(v, 3)), 3, prev);
    for (let j = 0; j < 3; j++) expect(dot(row(turned.axes, j, C), row(prev.axes, j, C))).toBeGreaterThan(0.99);
    // fewer vectors than the cluster needs is an error, not a silently different axis
    expect(() => stablePcaAxes(symmetricEigenTop(cov, C, 3), 3)).toThrow(/needs the first 5 eigenvectors/);
  });

  it('pcaVectorCount: k, or the end of the cluster holding position k − 1', () => {
    expect(pcaVectorCount(values, 3)).toBe(3);
    expect(pcaVectorCount([5, 5, 5, 5, 1], 1)).toBe(4);
    expect(pcaVectorCount([5, 4, 3.9, 3.8, 1], 2)).toBe(4); // measured from the cluster's top, 4·0.95 = 3.8
    expect(pcaVectorCount([5, 4, 3.9, 3.79, 1], 2)).toBe(3);
    expect(pcaVectorCount([0, 0, 0], 2)).toBe(3);
  });

  it('checks k and the previous axes shape', () => {
    const eigen = symmetricEigen(fromEigen(values, randomOrthogonal(new Rng(5, 'pca'), C), C), C);
    expect(() => stablePcaAxes(eigen, 0)).toThrow(/k must be/);
    expect(() => stablePcaAxes(eigen, 3, stablePcaAxes(eigen, 2))).toThrow(/previous axes/);
  });
});

describe('pcaSampleRows', () => {
  it('distinct sorted rows, fixed by the seed; all rows when asking for more', () => {
    const rows = pcaSampleRows(2048, 1024, 11);
    expect(rows.length).toBe(1024);
    expect(new Set(rows).size).toBe(1024);
    for (let i = 1; i < rows.length; i++) expect(rows[i]).toBeGreaterThan(rows[i - 1]);
    expect(rows[rows.length - 1]).toBeLessThan(2048);
    expect(Array.from(pcaSampleRows(2048, 1024, 11))).toEqual(Array.from(rows));
    expect(Array.from(pcaSampleRows(2048, 1024, 12))).not.toEqual(Array.from(rows));
    expect(Array.from(pcaSampleRows(5, 10, 1))).toEqual([0, 1, 2, 3, 4]);
  });
});
