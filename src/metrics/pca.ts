// pca.ts: PCA axes of the final hidden state that stay put from one evaluation to the next, so an
// animated 2-D/3-D scatter neither flips nor jumps. The projections themselves run on the GPU
// (gpu/ops/metrics.ts project) for a fixed sample of tokens (pcaSampleRows); the 2-D view uses
// the first two of the k = 3 axes.
//
// Eigenvectors are only defined up to sign, and inside a group of (nearly) equal eigenvalues only
// up to a rotation of that group's subspace: a solver may return any basis of it, and a tiny
// change of the data can turn that basis by a large angle. So, from the covariance's eigenvalues
// λ_0 >= λ_1 >= ... and unit eigenvectors v_i:
// 1. Clusters: walking down the sorted eigenvalues, a cluster starting at s takes every following
//    i with λ_i >= (1 − gapTol)·λ_s (default gapTol 0.05). Measured from the cluster's top, not
//    link by link, so a cluster cannot chain down a slowly decaying spectrum: every axis in it has
//    a variance within gapTol of the cluster's top eigenvalue.
// 2. Axis positions are filled in order 0..k−1, each from the cluster that holds that position in
//    the eigenvalue order (a cluster straddling position k−1 offers its whole subspace).
//    Without a previous evaluation: axis j = v_j, signed so that its largest-magnitude component
//    is positive (ties: the first), a deterministic choice.
//    With previous axes a_0..a_{k−1}: axis j = the projection of a_j onto the cluster's subspace,
//    minus its components along the axes already taken from that cluster, normalised (the
//    direction of that subspace closest to a_j). This keeps order and orientation through sign
//    flips of the solver, rotations within degenerate subspaces, and eigenvalues that cross
//    within gapTol (matching by maximal overlap). If that projection is shorter than MIN_OVERLAP
//    (the previous axis has left the subspace: eigenvalues crossed by more than gapTol between
//    two evaluations), the axis is the cluster's next eigenvector in eigenvalue order, oriented
//    to a non-negative dot product with the previous axis it overlaps most. Order then follows
//    the eigenvalues: the animation shows the exchange of axes that really happened.
// The axes are orthonormal (Gram–Schmidt within a cluster; clusters are mutually orthogonal).
// Only the eigenvectors of the clusters that hold positions 0..k−1 are read: pcaVectorCount says
// how many leading ones a solver must supply (eigen.ts symmetricEigenTop), usually k, more when a
// cluster straddles position k−1.
import type { EigenPairs } from './eigen.ts';
import { Rng } from '../util/rng.ts';

export const DEFAULT_GAP_TOL = 0.05;
/** Below this projection length a previous axis is taken to have left a cluster's subspace. */
const MIN_OVERLAP = 0.5;
/** Sampled tokens of the PCA scatter unless a caller asks otherwise (the issue asks for >= 1000). */
export const DEFAULT_PCA_SAMPLE = 1024;

export interface PcaAxes {
  C: number;
  k: number;
  /** (k, C) orthonormal rows */
  axes: Float64Array;
  /** (k) variance of the data along each axis, aᵀ·Cov·a */
  variances: Float64Array;
  /** (k) variances[j] / trace(Cov): fraction of variance explained by each axis */
  explained: Float64Array;
}

/** The end of the cluster that starts at eigenvalue s (largest first): see the file header. */
function clusterEnd(values: ArrayLike<number>, s: number, gapTol: number): number {
  let e = s + 1;
  const floor = values[s] - gapTol * Math.abs(values[s]);
  while (e < values.length && values[e] >= floor) e++;
  return e;
}

/**
 * How many leading eigenvectors stablePcaAxes reads for k axes: the end of the cluster that
 * holds position k−1.
 * @param values (C) eigenvalues, largest first
 */
export function pcaVectorCount(values: ArrayLike<number>, k: number, gapTol = DEFAULT_GAP_TOL): number {
  if (!(Number.isInteger(k) && k >= 0 && k <= values.length)) throw new Error(`pcaVectorCount: k must be in 0..${values.length}, got ${k}`);
  let e = 0;
  while (e < k) e = clusterEnd(values, e, gapTol);
  return e;
}

/**
 * The first k PCA axes of a covariance with eigendecomposition `eigen`, kept consistent with
 * `previous` (the axes of the last evaluation, same C and k) as described in the file header.
 * @param eigen of the (C, C) covariance: all eigenvalues, and at least the first
 *   pcaVectorCount(values, k, gapTol) eigenvectors (symmetricEigenTop, or symmetricEigen's all)
 * @param k number of axes, 1..C
 */
export function stablePcaAxes(eigen: EigenPairs, k: number, previous?: PcaAxes | null, gapTol = DEFAULT_GAP_TOL): PcaAxes {
  const C = eigen.n;
  if (!(Number.isInteger(k) && k >= 1 && k <= C)) throw new Error(`stablePcaAxes: k must be in 1..${C}, got ${k}`);
  if (previous && (previous.C !== C || previous.k !== k)) {
    throw new Error(`stablePcaAxes: previous axes are (${previous.k}, ${previous.C}), expected (${k}, ${C})`);
  }
  const { values, vectors } = eigen;
  const needed = pcaVectorCount(values, k, gapTol);
  if (vectors.length < needed * C) {
    throw new Error(`stablePcaAxes: needs the first ${needed} eigenvectors (pcaVectorCount), got ${Math.floor(vectors.length / C)}`);
  }
  const vec = (i: number) => vectors.subarray(i * C, (i + 1) * C);
  const axes = new Float64Array(k * C);
  const variances = new Float64Array(k);
  let trace = 0;
  for (let i = 0; i < C; i++) trace += Math.max(values[i], 0);

  let s = 0; // start of the current cluster in eigenvalue order
  while (s < k) {
    const e = clusterEnd(values, s, gapTol);
    const members = Array.from({ length: e - s }, (_, i) => s + i);
    const taken: Float64Array[] = []; // axes chosen from this cluster so far
    let nextEigen = 0; // fallback: the cluster's eigenvectors in order
    for (let j = s; j < Math.min(e, k); j++) {
      let axis: Float64Array | null = null;
      if (previous) {
        const prev = previous.axes.subarray(j * C, (j + 1) * C);
        const w = new Float64Array(C);
        for (const i of members) addScaled(w, vec(i), dot(prev, vec(i)));
        for (const a of taken) addScaled(w, a, -dot(w, a));
        const len = Math.sqrt(dot(w, w));
        if (len >= MIN_OVERLAP) axis = w.map((x) => x / len);
      }
      if (!axis) {
        // the cluster's next eigenvector not yet (nearly) spanned by the axes taken
        for (; !axis && nextEigen < members.length; nextEigen++) {
          const w = Float64Array.from(vec(members[nextEigen]));
          for (const a of taken) addScaled(w, a, -dot(w, a));
          const len = Math.sqrt(dot(w, w));
          if (len > 1e-6) axis = w.map((x) => x / len);
        }
        if (!axis) throw new Error('stablePcaAxes: cluster exhausted'); // cannot happen: |taken| < |members|
        orient(axis, previous);
      }
      taken.push(axis);
      axes.set(axis, j * C);
      // variance along the axis: Σ over the cluster of λ_i (a·v_i)² (the axis lies in its span)
      for (const i of members) variances[j] += values[i] * dot(axis, vec(i)) ** 2;
    }
    s = e;
  }
  const explained = variances.map((v) => (trace > 0 ? v / trace : 0));
  return { C, k, axes, variances, explained };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function addScaled(out: Float64Array, x: ArrayLike<number>, scale: number): void {
  for (let i = 0; i < out.length; i++) out[i] += scale * x[i];
}

/**
 * Flips `axis` so that its dot product with the previous axis it overlaps most is >= 0; with no
 * previous axes (or none overlapping), so that its largest-magnitude component is positive.
 */
function orient(axis: Float64Array, previous?: PcaAxes | null): void {
  let best = 0;
  if (previous) {
    for (let j = 0; j < previous.k; j++) {
      const d = dot(axis, previous.axes.subarray(j * previous.C, (j + 1) * previous.C));
      if (Math.abs(d) > Math.abs(best)) best = d;
    }
  }
  if (Math.abs(best) < 1e-3) {
    let at = 0;
    for (let i = 1; i < axis.length; i++) if (Math.abs(axis[i]) > Math.abs(axis[at])) at = i;
    best = axis[at];
  }
  if (best < 0) for (let i = 0; i < axis.length; i++) axis[i] = -axis[i];
}

/**
 * The fixed sample of tokens the PCA scatter shows: nRows distinct rows of N, sorted, drawn from
 * the stream 'pca-sample' of the run's seed (all rows when nRows >= N).
 * @returns (min(nRows, N)) row indices
 */
export function pcaSampleRows(N: number, nRows: number, seed: number): Uint32Array {
  const all = Uint32Array.from({ length: N }, (_, i) => i);
  if (nRows >= N) return all;
  const rng = new Rng(seed, 'pca-sample');
  for (let i = 0; i < nRows; i++) {
    // partial Fisher–Yates: the first nRows entries become a uniform sample without replacement
    const j = i + rng.int(N - i);
    const t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  return all.slice(0, nRows).sort();
}

/** The axes as float32 (k, C) for upload to project(). */
export function axesForUpload(pca: PcaAxes): Float32Array {
  return Float32Array.from(pca.axes);
}
