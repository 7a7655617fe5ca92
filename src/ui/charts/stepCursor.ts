// stepCursor.ts: where a chart's step cursor lands: the data step nearest a pointer position, and
// the neighbouring data step for arrow keys. Ties go to the smaller step so the cursor is stable.

/**
 * Index of the point whose step is nearest to `step`. Points need not be sorted.
 * Ties (two points equally far) go to the smaller step; equal steps go to the first such point.
 * @param points (n) points
 * @param step target step
 * @returns index into points, or -1 when points is empty or step is not finite
 */
export function nearestStep(points: readonly { step: number }[], step: number): number {
  if (!Number.isFinite(step)) return -1;
  let best = -1;
  let bestDist = Infinity;
  for (let i = 0; i < points.length; i++) {
    const s = points[i].step;
    if (!Number.isFinite(s)) continue;
    const d = Math.abs(s - step);
    if (d < bestDist || (d === bestDist && best >= 0 && s < points[best].step)) {
      best = i;
      bestDist = d;
    }
  }
  return best;
}

/**
 * The data step nearest to `step` over several series (e.g. to snap a hover cursor to a step
 * that has data). Same tie rule as nearestStep: the smaller step wins.
 * @param series any number of point arrays
 * @param step target step
 * @returns the nearest step, or null when no series has a point
 */
export function snapToData(series: readonly (readonly { step: number }[])[], step: number): number | null {
  let best: number | null = null;
  for (const points of series) {
    const i = nearestStep(points, step);
    if (i < 0) continue;
    const s = points[i].step;
    const d = Math.abs(s - step);
    if (best === null || d < Math.abs(best - step) || (d === Math.abs(best - step) && s < best)) best = s;
  }
  return best;
}

/**
 * The data step next to `step` in direction `dir` over several series (arrow-key cursor moves):
 * +1 the smallest step above, -1 the largest below; with no cursor (`step` null) the last step
 * for -1 and the first for +1. Stays at `step` at either end; null when there are no points.
 */
export function stepBeside(series: readonly (readonly { step: number }[])[], step: number | null, dir: 1 | -1): number | null {
  // with no cursor, look from beyond the far end, so the search walks back onto the data
  const from = step ?? (dir > 0 ? -Infinity : Infinity);
  let best: number | null = null;
  for (const points of series) {
    for (const { step: s } of points) {
      const ahead = dir > 0 ? s > from : s < from;
      if (ahead && (best === null || (dir > 0 ? s < best : s > best))) best = s;
    }
  }
  return best ?? step;
}
