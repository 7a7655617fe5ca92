// effectiveRank.ts: effective rank and normalised spectrum of a covariance matrix, from its
// eigenvalues (docs/method.md §5).
//   p_i = max(σ_i, 0) / Σ_j max(σ_j, 0)        (negative eigenvalues are rounding: clipped to 0)
//   effectiveRank = exp(−Σ_i p_i ln p_i)       (0 · ln 0 = 0; Roy & Vetterli 2007)
// It is 1 for one direction of variance, r for r directions of equal variance, d for isotropic
// data in d dimensions. The zero matrix (no spread at all, e.g. a single token) has rank 0: we
// return 0 there rather than NaN, so a chart shows it as total collapse.

/**
 * exp(entropy of the normalised, clipped eigenvalues).
 * @param eigenvalues (d) in any order
 */
export function effectiveRank(eigenvalues: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < eigenvalues.length; i++) total += Math.max(eigenvalues[i], 0);
  if (!(total > 0)) return 0;
  let entropy = 0;
  for (let i = 0; i < eigenvalues.length; i++) {
    const p = Math.max(eigenvalues[i], 0) / total;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return Math.exp(entropy);
}

/**
 * The eigenvalues clipped at 0, sorted largest first and divided by their sum (all 0 for the
 * zero matrix): the fraction of variance along each principal direction.
 * @param eigenvalues (d) in any order
 * @returns (d) non-negative, non-increasing, sum 1
 */
export function normalizedSpectrum(eigenvalues: ArrayLike<number>): Float64Array {
  const s = Float64Array.from(eigenvalues, (v) => Math.max(v, 0)).sort().reverse();
  let total = 0;
  for (const v of s) total += v;
  if (total > 0) for (let i = 0; i < s.length; i++) s[i] /= total;
  return s;
}

/**
 * A spectrum for plotting: its first `top` entries and the mass of the rest.
 * @param spectrum (d) from normalizedSpectrum
 */
export function spectrumSummary(spectrum: ArrayLike<number>, top: number): { top: number[]; tail: number } {
  const head = Array.from({ length: Math.min(top, spectrum.length) }, (_, i) => spectrum[i]);
  let tail = 0;
  for (let i = head.length; i < spectrum.length; i++) tail += spectrum[i];
  return { top: head, tail };
}
