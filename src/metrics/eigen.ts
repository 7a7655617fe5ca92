// eigen.ts: eigenvalues (and eigenvectors) of a real symmetric matrix in float64, two ways.
//
// 1. symmetricEigenvalues / symmetricEigenTop: what the geometry metrics use (C x C covariances,
//    C = model width up to 4096). Householder reduction to tridiagonal form T = QᵀAQ (Golub & Van
//    Loan §8.3.1; 4/3·n³ flops, only the lower triangle updated), then implicit QR steps with
//    Wilkinson shifts on T for the eigenvalues alone (G&VL Algorithms 8.3.2–8.3.3; O(n²)).
//    Eigenvectors only for the leading few (the PCA axes): inverse iteration on T with partial
//    pivoting, reorthogonalised within clusters of close eigenvalues (as LAPACK's dstein), then
//    Q applied from its stored reflectors, O(n²) per vector. Off-diagonal entries of T below
//    eps·(|d_i| + |d_{i+1}|) or FLOOR·‖A‖_F are set to 0, splitting T into blocks; the eigenvalue
//    error is then a small multiple of eps·‖A‖ (backward stable), against Jacobi's relative
//    accuracy, which the metrics (effective rank, spectrum: sums of λ/Σλ) do not need.
//    Measured (eigen.test.ts; against Jacobi, max |λ − λ_jacobi| / ‖A‖₂):
//      random SPD n = 64: 1.9e-15, n = 256: 4.8e-15; indefinite n = 1..130, rank-1 and rank-3
//      collapsed n = 64, repeated values, spectrum 1e-12..1e3: all below 1e-12 (the test bound);
//      top-3 eigenvectors: ‖Av − λv‖ ≤ 3e-15·‖A‖, |vᵢ·vⱼ − δᵢⱼ| ≤ 7e-16, |v·v_jacobi| = 1 to
//      ~eps·‖A‖/gap; Wilkinson's W21+ (pairs 1e-14 apart) still gives orthonormal vectors.
//    Timings (npm run bench:eval -- --eigen-only: Node 20, 2-core machine shared with other jobs,
//    dense synthetic covariances; eigenvalues / eigenvalues + top-3 vectors / Jacobi, all vectors):
//      n =  256:   22 ms /    21 ms /   0.62 s      n = 2048:  5.7 s /  6.1 s / (not run)
//      n =  512:  123 ms /    96 ms /    9.2 s      n = 4096:   63 s /   65 s / (not run: hours)
//      n = 1024:  0.70 s /  0.74 s /    114 s
//    about 1.5–2 GFLOP/s of the 4/3·n³; the top-3 vectors add ~6n² flops (within the noise).
//    Jacobi grows faster than n³ once A leaves the cache (its column updates stride through
//    memory). Per evaluation multiply by L+2 layers.
//
// 2. symmetricEigen: the cyclic Jacobi method (below), the reference the tests compare against.
//
// Cyclic Jacobi (Golub & Van Loan, Matrix Computations, §8.5; rotation formulas as Numerical
// Recipes' `jacobi`). Every eigenvector, high relative accuracy, ~12 n³ flops per sweep: the
// geometry metrics used it until widths beyond 256 made it the slowest part of an evaluation.
//
// A sweep visits every pair p < q in row order and, unless a_pq is negligible, applies the plane
// rotation that zeroes it. a_pq is negligible, and set to 0, when
//   |a_pq| <= TOL · sqrt(|a_pp · a_qq|)   (relative to its diagonal: Demmel & Veselić 1992), or
//   |a_pq| <= FLOOR · ‖A‖_F              (below anything float64 can resolve next to ‖A‖),
// with TOL = 1e-15 and FLOOR = 1e-30. The method stops after the first sweep that rotates nothing,
// so on return every off-diagonal entry was below that threshold. Zeroing a pair a_pq = a_qp
// perturbs A by √2·|a_pq| in Frobenius norm; the sum of these (returned as `dropped`) bounds the
// distance from the input to a matrix whose exact eigendecomposition this is, up to rounding of
// order 1e-16·‖A‖_F per rotation; so |λ̂_i − λ_i| ≤ dropped + rounding (Weyl).
// Measured (eigen.test.ts, random SPD matrices A = GᵀG/n + I with G Gaussian), in Node:
//   n = 64:  10 sweeps, ‖A − VᵀΛV‖_F / ‖A‖_F = 2.2e-15, max |VVᵀ − I| = 1.2e-15, ~8 ms
//   n = 256: 13 sweeps, reconstruction 4.4e-15, orthogonality 1.6e-15, ~0.55 s
// Cost: about 12 n³ flops per sweep (both triangles of A kept in step, plus V); the last sweeps
// mostly skip negligible entries.

const TOL = 1e-15;
const FLOOR = 1e-30;
const MAX_SWEEPS = 60; // quadratic convergence: more than ~15 sweeps means the input is broken

export interface SymmetricEigen {
  n: number;
  /** (n) eigenvalues, largest first (ties keep the order of the diagonal) */
  values: Float64Array;
  /** (n, n) row i is the unit eigenvector of values[i]; its sign is whatever the rotations left */
  vectors: Float64Array;
  /** sweeps done (the last one rotated nothing) */
  sweeps: number;
  /** Σ √2·|a_pq| over the entries zeroed as negligible: a bound on the perturbation they made */
  dropped: number;
}

/**
 * Eigenvalues and eigenvectors of the symmetric matrix `a`: a = Σ_i values[i] · v_i v_iᵀ with v_i
 * row i of `vectors`. The input is symmetrised ((a + aᵀ)/2) and not modified. Throws on
 * non-finite input (and, defensively, if the sweeps do not converge).
 * @param a (n, n) row-major
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length < n * n) throw new Error(`symmetricEigen: matrix has ${a.length} elements, needs ${n * n}`);
  const A = new Float64Array(n * n);
  let norm2 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = 0.5 * (a[i * n + j] + a[j * n + i]);
      if (!Number.isFinite(v)) throw new Error(`symmetricEigen: non-finite entry at (${i}, ${j})`);
      A[i * n + j] = v;
      norm2 += v * v;
    }
  }
  const floor = FLOOR * Math.sqrt(norm2);
  // V holds the eigenvectors as rows: V[p*n + k] is component k of vector p (V = Jᵀ...Jᵀ I).
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;

  let sweeps = 0;
  let dropped = 0;
  for (;;) {
    if (sweeps === MAX_SWEEPS) throw new Error(`symmetricEigen: no convergence after ${MAX_SWEEPS} sweeps (n = ${n})`);
    sweeps++;
    let rotations = 0;
    for (let p = 0; p < n - 1; p++) {
      const rp = p * n;
      for (let q = p + 1; q < n; q++) {
        const rq = q * n;
        const apq = A[rp + q];
        if (apq === 0) continue;
        const app = A[rp + p];
        const aqq = A[rq + q];
        const abs = Math.abs(apq);
        if (abs <= TOL * Math.sqrt(Math.abs(app * aqq)) || abs <= floor) {
          dropped += Math.SQRT2 * abs;
          A[rp + q] = 0;
          A[rq + p] = 0;
          continue;
        }
        rotations++;
        // The rotation angle: t = tan φ, the smaller root of t² + 2θt − 1 = 0 (|φ| ≤ π/4).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.abs(theta) > 1e150 ? 0.5 / theta : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        const tau = s / (1 + c);
        // rows p, q (contiguous) and, by symmetry, columns p, q; the 2x2 block is set below
        for (let k = 0; k < n; k++) {
          const g = A[rp + k];
          const h = A[rq + k];
          const gk = g - s * (h + g * tau);
          const hk = h + s * (g - h * tau);
          A[rp + k] = gk;
          A[k * n + p] = gk;
          A[rq + k] = hk;
          A[k * n + q] = hk;
        }
        A[rp + p] = app - t * apq;
        A[rq + q] = aqq + t * apq;
        A[rp + q] = 0;
        A[rq + p] = 0;
        for (let k = 0; k < n; k++) {
          const g = V[rp + k];
          const h = V[rq + k];
          V[rp + k] = g - s * (h + g * tau);
          V[rq + k] = h + s * (g - h * tau);
        }
      }
    }
    if (rotations === 0) break;
  }

  // Sort largest first; a stable sort keeps ties in diagonal order, so the result is deterministic.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[j * n + j] - A[i * n + i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = A[src * n + src];
    vectors.set(V.subarray(src * n, src * n + n), dst * n);
  });
  return { n, values, vectors, sweeps, dropped };
}

// ---------------------------------------------------------------------------------------------
// Eigenvalues only (and a few leading eigenvectors): Householder tridiagonalisation + implicit QR.

const EPS = Number.EPSILON; // 2^-52
const MAX_QR_STEPS_PER_VALUE = 30; // Wilkinson shifts converge cubically: ~2 steps per eigenvalue
const INVERSE_ITERATIONS = 3; // each multiplies the error by ~eps/gap
const CLUSTER_GAP = 1e-3; // eigenvalues closer than this · ‖T_block‖₁ get reorthogonalised (LAPACK dstein's ORTOL)

/**
 * Eigenvalues, all of them, and unit eigenvectors for the leading ones. A Jacobi `SymmetricEigen`
 * is one with every vector.
 */
export interface EigenPairs {
  n: number;
  /** (n) eigenvalues, largest first */
  values: Float64Array;
  /** (m, n), m = vectors.length / n (0..n): row i is the unit eigenvector of values[i], sign arbitrary */
  vectors: Float64Array;
}

/** A = Q T Qᵀ with T symmetric tridiagonal and Q = H_0 H_1 ··· H_{n−3}, H_k = I − β_k v_k v_kᵀ. */
interface Tridiagonal {
  n: number;
  /** (n) T[i, i] */
  diagonal: Float64Array;
  /** (n − 1) T[i, i+1] = T[i+1, i]; the negligible ones set to exactly 0 (see splitNegligible) */
  offDiagonal: Float64Array;
  /** (n, n) row k, columns k+1..n−1: v_k (the rest of the array is workspace left over) */
  reflectors: Float64Array;
  /** (n) β_k; 0 where H_k = I */
  betas: Float64Array;
  /** ‖A‖_F of the symmetrised input */
  norm: number;
}

/**
 * Householder reduction of the symmetrised `a` to tridiagonal form (Golub & Van Loan §8.3.1).
 * Step k reflects column k below the diagonal onto its first entry and applies the reflection to
 * the trailing block as a symmetric rank-2 update A22 −= v wᵀ + w vᵀ, with p = β·A22·v and
 * w = p − (β/2)(pᵀv)·v. Only the lower triangle is updated (4/3·n³ flops in all); v_k is kept in
 * the upper triangle of row k, which the lower-triangle updates never touch.
 */
function tridiagonalize(a: ArrayLike<number>, n: number, caller: string): Tridiagonal {
  if (a.length < n * n) throw new Error(`${caller}: matrix has ${a.length} elements, needs ${n * n}`);
  const W = new Float64Array(n * n);
  let norm2 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = a[i * n + j];
      const y = a[j * n + i];
      if (!Number.isFinite(x)) throw new Error(`${caller}: non-finite entry ${x} at (${i}, ${j})`);
      if (!Number.isFinite(y)) throw new Error(`${caller}: non-finite entry ${y} at (${j}, ${i})`);
      const v = 0.5 * x + 0.5 * y; // halves first: the sum of two huge entries must not overflow
      W[i * n + j] = v;
      norm2 += i === j ? v * v : 2 * v * v;
    }
  }
  const diagonal = new Float64Array(n);
  const offDiagonal = new Float64Array(Math.max(n - 1, 0));
  const betas = new Float64Array(n);
  const v = new Float64Array(n); // v_k at indices k+1..n−1
  const p = new Float64Array(n); // then w, same indices
  for (let k = 0; k < n - 2; k++) {
    diagonal[k] = W[k * n + k];
    // x = column k below the diagonal, scaled by its largest entry (no overflow or underflow in ‖x‖²)
    let scale = 0;
    for (let i = k + 1; i < n; i++) scale = Math.max(scale, Math.abs(W[i * n + k]));
    const x0 = W[(k + 1) * n + k];
    let tail2 = 0; // Σ_{i > k+1} (x_i / scale)²
    if (scale > 0) {
      for (let i = k + 2; i < n; i++) tail2 += (W[i * n + k] / scale) ** 2;
    }
    if (tail2 === 0) {
      // already tridiagonal in this column: H_k = I
      offDiagonal[k] = x0;
      continue;
    }
    const xnorm = scale * Math.sqrt((x0 / scale) ** 2 + tail2);
    const alpha = x0 > 0 ? -xnorm : xnorm; // opposite sign to x0: v_0 = x0 − α has no cancellation
    const beta = 1 / (xnorm * (xnorm + Math.abs(x0))); // 2 / vᵀv
    v[k + 1] = x0 - alpha;
    for (let i = k + 2; i < n; i++) v[i] = W[i * n + k];
    offDiagonal[k] = alpha;
    betas[k] = beta;
    for (let j = k + 1; j < n; j++) W[k * n + j] = v[j];

    // p = β · A22 · v, from the lower triangle: entry (i, j), j < i, serves rows i and j
    p.fill(0, k + 1, n);
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      let s = 0;
      for (let j = k + 1; j < i; j++) {
        const aij = W[row + j];
        s += aij * v[j];
        p[j] += aij * vi;
      }
      p[i] += s + W[row + i] * vi;
    }
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i] *= beta;
      pv += p[i] * v[i];
    }
    const half = 0.5 * beta * pv;
    for (let i = k + 1; i < n; i++) p[i] -= half * v[i]; // p is now w
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      const wi = p[i];
      for (let j = k + 1; j <= i; j++) W[row + j] -= vi * p[j] + wi * v[j];
    }
  }
  if (n >= 2) {
    diagonal[n - 2] = W[(n - 2) * n + n - 2];
    offDiagonal[n - 2] = W[(n - 1) * n + n - 2];
  }
  if (n >= 1) diagonal[n - 1] = W[(n - 1) * n + n - 1];
  const norm = Math.sqrt(norm2);
  splitNegligible(diagonal, offDiagonal, norm);
  return { n, diagonal, offDiagonal, reflectors: W, betas, norm };
}

/** Whether T[i, i+1] = e is negligible next to its diagonal neighbours, or next to ‖A‖ at all. */
function negligible(e: number, di: number, dj: number, floor: number): boolean {
  const abs = Math.abs(e);
  return abs <= EPS * (Math.abs(di) + Math.abs(dj)) || abs <= floor;
}

/**
 * Sets the negligible off-diagonal entries to 0 (a perturbation below eps relative to their
 * neighbours, or FLOOR·‖A‖), so T is block diagonal with unreduced blocks. Both the eigenvalues
 * and the inverse iteration then work on the same blocks.
 */
function splitNegligible(d: Float64Array, e: Float64Array, norm: number): void {
  for (let i = 0; i < e.length; i++) if (negligible(e[i], d[i], d[i + 1], FLOOR * norm)) e[i] = 0;
}

/**
 * Eigenvalues of the symmetric tridiagonal (d, e) by implicit QR steps with Wilkinson shifts
 * (Golub & Van Loan Algorithms 8.3.2–8.3.3): the bottom of the unreduced block [lo, hi] deflates
 * once its off-diagonal entry is negligible. Works on copies.
 * @returns (n) the eigenvalues, eigenvalue i belonging to T's unreduced block that holds index i
 */
function tridiagonalEigenvalues(diagonal: Float64Array, offDiagonal: Float64Array, norm: number): Float64Array {
  const d = diagonal.slice();
  const e = offDiagonal.slice();
  const n = d.length;
  const floor = FLOOR * norm;
  let budget = MAX_QR_STEPS_PER_VALUE * n;
  let hi = n - 1;
  while (hi > 0) {
    if (negligible(e[hi - 1], d[hi - 1], d[hi], floor)) {
      e[hi - 1] = 0;
      hi--;
      continue;
    }
    let lo = hi - 1;
    while (lo > 0 && !negligible(e[lo - 1], d[lo - 1], d[lo], floor)) lo--;
    if (lo > 0) e[lo - 1] = 0;
    if (budget-- === 0) throw new Error(`symmetric eigenvalues: implicit QR did not converge (n = ${n})`);
    qrStep(d, e, lo, hi);
  }
  return d;
}

/**
 * One implicit QR step on the unreduced block [lo, hi] of (d, e): Givens rotations of rows and
 * columns (k, k+1), k = lo..hi−1, the first chosen from the first column of T − μI, each later
 * one zeroing the bulge the previous one left at (k+1, k−1).
 */
function qrStep(d: Float64Array, e: Float64Array, lo: number, hi: number): void {
  // Wilkinson shift: the eigenvalue of the trailing 2×2 block closer to its last diagonal entry
  const b = e[hi - 1];
  const delta = 0.5 * (d[hi - 1] - d[hi]);
  const root = Math.hypot(delta, b);
  const mu = d[hi] - b * (b / (delta + (delta >= 0 ? root : -root)));
  let x = d[lo] - mu; // (k, k−1) entry to keep, or T − μI's first column on the first rotation
  let z = e[lo]; // (k+1, k−1) entry to zero: the bulge
  for (let k = lo; k < hi; k++) {
    const r = Math.hypot(x, z);
    const c = r === 0 ? 1 : x / r;
    const s = r === 0 ? 0 : z / r;
    if (k > lo) e[k - 1] = r;
    const a = d[k];
    const off = e[k];
    const next = d[k + 1];
    // rows/columns k, k+1 ← [c s; −s c] applied on both sides, written as changes of the old
    // entries (trace kept exactly): a rotation near the identity then barely rounds them, which
    // c²a + 2cs·off + s²·next would not (measured: 10x the eigenvalue error at n = 256)
    const g = s * (next - a) + 2 * c * off;
    const shift = s * g;
    d[k] = a + shift;
    d[k + 1] = next - shift;
    e[k] = c * g - off;
    if (k + 1 < hi) {
      x = e[k];
      z = s * e[k + 1]; // the new bulge at (k+2, k)
      e[k + 1] *= c;
    }
  }
}

/** The eigenvalues of T in decreasing order, each with the index of the block it belongs to. */
function sortedSpectrum(t: Tridiagonal): { values: Float64Array; positions: number[] } {
  const byPosition = tridiagonalEigenvalues(t.diagonal, t.offDiagonal, t.norm);
  // stable sort: equal eigenvalues keep their position order, so the result is deterministic
  const positions = Array.from({ length: t.n }, (_, i) => i).sort((i, j) => byPosition[j] - byPosition[i]);
  return { values: Float64Array.from(positions, (i) => byPosition[i]), positions };
}

/**
 * The eigenvalues of the symmetric matrix `a`, largest first: Householder tridiagonalisation
 * then implicit QR (see the file header for accuracy and cost). The input is symmetrised
 * ((a + aᵀ)/2) and not modified. Throws on non-finite input, naming the entry.
 * @param a (n, n) row-major
 * @returns (n)
 */
export function symmetricEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  return sortedSpectrum(tridiagonalize(a, n, 'symmetricEigenvalues')).values;
}

/**
 * All eigenvalues of the symmetric matrix `a` and the unit eigenvectors of the `count` largest:
 * inverse iteration on the tridiagonal, then Q applied (O(n²) per vector). `count` may depend on
 * the eigenvalues (e.g. the PCA axes' clusters, pca.ts pcaVectorCount).
 * @param a (n, n) row-major; symmetrised, not modified
 * @param count 0..n, or a function of the eigenvalues (largest first) that returns it
 */
export function symmetricEigenTop(a: ArrayLike<number>, n: number, count: number | ((values: Float64Array) => number)): EigenPairs {
  const t = tridiagonalize(a, n, 'symmetricEigenTop');
  const { values, positions } = sortedSpectrum(t);
  const m = typeof count === 'number' ? count : count(values);
  if (!(Number.isInteger(m) && m >= 0 && m <= n)) throw new Error(`symmetricEigenTop: count must be in 0..${n}, got ${m}`);
  const vectors = new Float64Array(m * n);
  const blocks = new Map<number, { lastValue: number; cluster: Float64Array[]; scale: number }>();
  for (let r = 0; r < m; r++) {
    const [b0, b1] = blockAround(t.offDiagonal, positions[r]);
    let block = blocks.get(b0);
    if (!block) {
      block = { lastValue: Infinity, cluster: [], scale: blockNorm(t, b0, b1) };
      blocks.set(b0, block);
    }
    // Values arrive in decreasing order, so the chain of close ones in this block is `cluster`.
    let value = values[r];
    if (block.lastValue - value > CLUSTER_GAP * block.scale) block.cluster = [];
    // equal shifts would give equal LU factors: keep them apart by a few ulps of ‖T‖ (as dstein)
    const minStep = 10 * EPS * block.scale;
    if (block.lastValue !== Infinity && block.lastValue - value < minStep) value = block.lastValue - minStep;
    block.lastValue = value;
    const y = inverseIteration(t, b0, b1, value, block.scale, block.cluster, r);
    block.cluster.push(y);
    vectors.set(y, r * n + b0);
  }
  applyQ(t, vectors, m);
  return { n, values, vectors };
}

/** The unreduced block [b0, b1] of T that holds index i. */
function blockAround(e: Float64Array, i: number): [number, number] {
  let b0 = i;
  while (b0 > 0 && e[b0 - 1] !== 0) b0--;
  let b1 = i;
  while (b1 < e.length && e[b1] !== 0) b1++;
  return [b0, b1];
}

/** ‖T_block‖₁ (largest column sum of |entries|); at least the smallest normal number. */
function blockNorm(t: Tridiagonal, b0: number, b1: number): number {
  const d = t.diagonal;
  const e = t.offDiagonal;
  let norm = 0;
  for (let i = b0; i <= b1; i++) {
    norm = Math.max(norm, Math.abs(d[i]) + (i > b0 ? Math.abs(e[i - 1]) : 0) + (i < b1 ? Math.abs(e[i]) : 0));
  }
  return Math.max(norm, Number.MIN_VALUE * 2 ** 52);
}

/**
 * A unit eigenvector of the block [b0, b1] of T for the eigenvalue `value`, by inverse
 * iteration: solve (T_block − value·I) y = x with partial pivoting, a few times from a fixed
 * pseudo-random start, orthogonalising against `cluster` (the vectors of close eigenvalues of
 * this block found already) after each solve. Works on T_block / ‖T_block‖₁ so that the
 * replaced zero pivots (eps) and the growth of y stay far from overflow.
 * @returns (b1 − b0 + 1) the vector's entries b0..b1 (T's other entries are 0 in it)
 */
function inverseIteration(t: Tridiagonal, b0: number, b1: number, value: number, scale: number, cluster: Float64Array[], seed: number): Float64Array {
  const size = b1 - b0 + 1;
  const y = new Float64Array(size);
  if (size === 1) {
    y[0] = 1;
    return y;
  }
  const lu = factorShifted(t, b0, size, value, scale);
  // a fixed start (xorshift32): results are the same run after run
  let state = (0x9e3779b9 ^ (seed * 0x85ebca6b)) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    y[i] = state / 2 ** 32 - 0.5;
  }
  normalize(y);
  for (let it = 0; it < INVERSE_ITERATIONS; it++) {
    solveShifted(lu, y);
    normalize(y);
    for (const q of cluster) {
      let d = 0;
      for (let i = 0; i < size; i++) d += q[i] * y[i];
      for (let i = 0; i < size; i++) y[i] -= d * q[i];
    }
    normalize(y);
  }
  return y;
}

interface ShiftedLu {
  size: number;
  /** (size) U's diagonal, then its first and second superdiagonals */
  u0: Float64Array;
  u1: Float64Array;
  u2: Float64Array;
  /** (size − 1) the elimination multiplier of step i, and whether rows i, i+1 were swapped first */
  multiplier: Float64Array;
  swapped: Uint8Array;
}

/**
 * LU with partial pivoting of (T_block − value·I) / scale: a row swap at step i makes U's row i
 * the next row of T (three entries), so U has two superdiagonals. Pivots below eps are replaced
 * by ±eps: inverse iteration wants the near-singular system, not an exact zero.
 */
function factorShifted(t: Tridiagonal, b0: number, size: number, value: number, scale: number): ShiftedLu {
  const d = t.diagonal;
  const e = t.offDiagonal;
  const u0 = new Float64Array(size);
  const u1 = new Float64Array(size);
  const u2 = new Float64Array(size);
  const multiplier = new Float64Array(size - 1);
  const swapped = new Uint8Array(size - 1);
  // the row being eliminated: entries at columns i and i+1
  let w0 = (d[b0] - value) / scale;
  let w1 = e[b0] / scale;
  for (let i = 0; i < size - 1; i++) {
    const below = e[b0 + i] / scale; // next row: (below, diag, right) at columns i, i+1, i+2
    const diag = (d[b0 + i + 1] - value) / scale;
    const right = i + 2 < size ? e[b0 + i + 1] / scale : 0;
    if (Math.abs(w0) >= Math.abs(below)) {
      if (w0 === 0) w0 = EPS; // only if `below` is 0 too, which an unreduced block rules out
      u0[i] = w0;
      u1[i] = w1;
      multiplier[i] = below / w0;
      w0 = diag - multiplier[i] * w1;
      w1 = right;
    } else {
      u0[i] = below;
      u1[i] = diag;
      u2[i] = right;
      swapped[i] = 1;
      multiplier[i] = w0 / below;
      w0 = w1 - multiplier[i] * diag;
      w1 = -multiplier[i] * right;
    }
  }
  u0[size - 1] = w0;
  for (let i = 0; i < size; i++) if (Math.abs(u0[i]) < EPS) u0[i] = u0[i] < 0 ? -EPS : EPS;
  return { size, u0, u1, u2, multiplier, swapped };
}

/** x ← (T_block − value·I)⁻¹ · scale · x, from factorShifted's factors. */
function solveShifted(lu: ShiftedLu, x: Float64Array): void {
  const { size, u0, u1, u2, multiplier, swapped } = lu;
  for (let i = 0; i < size - 1; i++) {
    if (swapped[i]) {
      const tmp = x[i];
      x[i] = x[i + 1];
      x[i + 1] = tmp;
    }
    x[i + 1] -= multiplier[i] * x[i];
  }
  x[size - 1] /= u0[size - 1];
  x[size - 2] = (x[size - 2] - u1[size - 2] * x[size - 1]) / u0[size - 2];
  for (let i = size - 3; i >= 0; i--) x[i] = (x[i] - u1[i] * x[i + 1] - u2[i] * x[i + 2]) / u0[i];
}

function normalize(x: Float64Array): void {
  let big = 0;
  for (let i = 0; i < x.length; i++) big = Math.max(big, Math.abs(x[i]));
  if (!(big > 0 && Number.isFinite(big))) throw new Error(`symmetricEigenTop: inverse iteration lost its vector (${big})`);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] / big) ** 2;
  const inv = 1 / (big * Math.sqrt(s));
  for (let i = 0; i < x.length; i++) x[i] *= inv;
}

/** Rows 0..m−1 of `vectors` (eigenvectors of T) ← Q · row = H_0 (H_1 (··· H_{n−3} row)). */
function applyQ(t: Tridiagonal, vectors: Float64Array, m: number): void {
  const { n, reflectors, betas } = t;
  for (let k = n - 3; k >= 0; k--) {
    const beta = betas[k];
    if (beta === 0) continue;
    const v = k * n; // v_k: reflectors[v + j], j = k+1..n−1
    for (let r = 0; r < m; r++) {
      const y = r * n;
      let s = 0;
      for (let j = k + 1; j < n; j++) s += reflectors[v + j] * vectors[y + j];
      s *= beta;
      if (s === 0) continue;
      for (let j = k + 1; j < n; j++) vectors[y + j] -= s * reflectors[v + j];
    }
  }
}
