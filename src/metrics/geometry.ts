// geometry.ts: the representation-geometry metrics of one layer (docs/method.md §5) from the two GPU
// reductions read back for it:
//   stats:   covarianceStats output (layout below): column mean, mean row norm, centred covariance
//   cosines: pairCosines output, one cosine per fixed random pair of different tokens
// → effectiveRank (of the covariance), anisotropy (mean pair cosine), meanNorm (mean ‖h‖),
//   spectrum (eigenvalues clipped at 0, sorted, normalised to sum 1), and, when asked for, the
//   leading eigenvectors (for the PCA axes of the final hidden state, metrics/pca.ts).
// Everything after the readback is float64. The metrics are functions of the eigenvalues alone,
// so every layer gets those (eigen.ts symmetricEigenTop: Householder + QR, no eigenvectors); only
// the layer that is projected also pays O(C²) per eigenvector for the few that PCA reads.
import { symmetricEigenTop, type EigenPairs } from './eigen.ts';
import { effectiveRank, normalizedSpectrum } from './effectiveRank.ts';
import { anisotropy } from './anisotropy.ts';
import { pcaVectorCount } from './pca.ts';

/**
 * Where covarianceStats puts its results, in floats: mean (C) at 0, meanNorm (1) at C, the
 * centred covariance Σ_n (h_n − mean)(h_n − mean)ᵀ / max(N − 1, 1) as (C, C) row-major at `cov`
 * (a multiple of 64 floats: 256 bytes, so each part can be bound on its own); `floats` in all.
 */
export function covarianceStatsLayout(C: number): { mean: number; meanNorm: number; cov: number; floats: number } {
  const cov = Math.ceil((C + 1) / 64) * 64;
  return { mean: 0, meanNorm: C, cov, floats: cov + C * C };
}

export interface LayerGeometry {
  effectiveRank: number;
  anisotropy: number;
  meanNorm: number;
  /** (C) normalised spectrum, largest first */
  spectrum: Float64Array;
  /** (C) column mean of the hidden states */
  mean: Float64Array;
  /**
   * of the covariance: all eigenvalues, largest first; as rows, the eigenvectors stablePcaAxes
   * reads for `pcaAxes` axes (pcaVectorCount of them; none when pcaAxes is 0)
   */
  eigen: EigenPairs;
}

/**
 * The geometry metrics of one layer.
 * @param stats covarianceStatsLayout(C).floats, as covarianceStats wrote them
 * @param cosines (P) pairCosines of the layer
 * @param C hidden width
 * @param pcaAxes 0..C: PCA axes that will be taken from this layer (the eigenvectors they need are computed)
 */
export function layerGeometry(stats: ArrayLike<number>, cosines: ArrayLike<number>, C: number, pcaAxes = 0): LayerGeometry {
  const layout = covarianceStatsLayout(C);
  if (stats.length < layout.floats) throw new Error(`layerGeometry: stats has ${stats.length} floats, needs ${layout.floats}`);
  const cov = new Float64Array(C * C);
  for (let i = 0; i < C * C; i++) cov[i] = stats[layout.cov + i];
  const eigen = symmetricEigenTop(cov, C, (values) => pcaVectorCount(values, pcaAxes));
  return {
    effectiveRank: effectiveRank(eigen.values),
    anisotropy: anisotropy(cosines),
    meanNorm: stats[layout.meanNorm],
    spectrum: normalizedSpectrum(eigen.values),
    mean: Float64Array.from({ length: C }, (_, i) => stats[layout.mean + i]),
    eigen,
  };
}
