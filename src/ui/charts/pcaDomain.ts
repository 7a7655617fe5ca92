// pcaDomain.ts: the x and y ranges of the PCA scatter: one symmetric domain for every snapshot
// shown (both runs, all steps so far), robust to a few outlying tokens, and never shrinking
// during live training so the view does not jump between evaluations.

import { quantile } from 'd3';

/** The x and y ranges of a scatter plot. */
export interface PlotDomain {
  x: [number, number];
  y: [number, number];
}

export interface RobustDomainOptions {
  /** quantile of |coordinate| that sets the half-width (default 0.99: 1% of points may fall outside) */
  quantile?: number;
  /** factor on that quantile, room around the points (default 1.1) */
  pad?: number;
  /**
   * per snapshot, a shift added to its coordinates (the projection of the PCA mean on the three
   * axes, PcaSnapshot.meanProjection, for the "raw" view); null or missing: none
   */
  offsets?: readonly (ArrayLike<number> | null | undefined)[];
  /** same half-width on both axes, so distances read the same in x and y (default false) */
  square?: boolean;
}

/**
 * A symmetric domain [−a, a] × [−b, b] around 0 for the scatter of several snapshots with
 * a = pad · quantile(|x|), b likewise. Quantiles are d3's (R-7: linear between order statistics).
 * A half-width with no finite coordinate, or 0, is 1.
 * @param snapshots each with points (n, dims) row-major (PcaSnapshot.points: dims = 3)
 * @param axes the two coordinate indices shown, e.g. [0, 1] for PC1 × PC2
 * @param dims coordinates per point (3)
 */
export function robustSymmetricDomain(
  snapshots: readonly { points: ArrayLike<number> }[],
  axes: readonly [number, number],
  options: RobustDomainOptions = {},
  dims = 3,
): PlotDomain {
  const q = options.quantile ?? 0.99; // d3.quantile clamps it to [0, 1]
  const pad = options.pad ?? 1.1;
  const half = axes.map((axis) => {
    const abs: number[] = [];
    snapshots.forEach((s, k) => {
      const shift = options.offsets?.[k]?.[axis] ?? 0;
      for (let i = axis; i < s.points.length; i += dims) {
        const v = Math.abs(s.points[i] + shift);
        if (Number.isFinite(v)) abs.push(v);
      }
    });
    const a = pad * (quantile(abs, q) ?? Number.NaN);
    return a > 0 && Number.isFinite(a) ? a : 1;
  });
  if (options.square) half[0] = half[1] = Math.max(half[0], half[1]);
  return { x: [-half[0], half[0]], y: [-half[1], half[1]] };
}

/**
 * The smallest domain holding both: for live training, so the view grows with the points but
 * never shrinks back and forth from one evaluation to the next.
 * @param prev the domain shown so far, or null
 * @param next the domain of the current data
 */
export function widenDomain(prev: PlotDomain | null, next: PlotDomain): PlotDomain {
  if (!prev) return { x: [next.x[0], next.x[1]], y: [next.y[0], next.y[1]] };
  return {
    x: [Math.min(prev.x[0], next.x[0]), Math.max(prev.x[1], next.x[1])],
    y: [Math.min(prev.y[0], next.y[0]), Math.max(prev.y[1], next.y[1])],
  };
}
