// pointIndex.ts: the point under the cursor for scatter hover: nearest within a radius, through a
// d3 quadtree so thousands of points stay fast on every pointer move.

import { quadtree } from 'd3';

/** Nearest-point lookup over fixed points. */
export interface PointIndex {
  /**
   * The index of the point nearest to (x, y) within `radius` (Euclidean), or -1.
   * Ties go to whichever d3.quadtree visits first.
   */
  nearest(x: number, y: number, radius: number): number;
}

/**
 * A d3.quadtree over points (xs[i], ys[i]), e.g. in pixels; points with a non-finite coordinate
 * are left out. Build O(n log n), query about O(log n).
 * @param xs (n) x coordinates
 * @param ys (n) y coordinates
 */
export function pointIndex(xs: ArrayLike<number>, ys: ArrayLike<number>): PointIndex {
  const ids: number[] = [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) ids.push(i);
  const tree = quadtree<number>().x((i) => xs[i]).y((i) => ys[i]).addAll(ids);
  return {
    nearest: (x, y, radius) => tree.find(x, y, radius) ?? -1,
  };
}
