// smoothing.ts: the exponential moving average the metric charts draw over raw step series.
// Follows TensorBoard's scalar dashboard (tensorboard/plugins/scalar/vz_line_chart2/line-chart.ts,
// resmoothDataset), so curves read the same as there.

/** One point of a step-axis series. */
export interface StepPoint {
  step: number;
  value: number;
}

/**
 * Exponential moving average with debiasing:
 *   last_t = w * last_{t-1} + (1 - w) * v_t, last_0 = 0; smoothed_t = last_t / (1 - w^n_t)
 * where n_t counts the finite values seen so far (TensorBoard's `debiasWeight`). Non-finite values
 * pass through unchanged and do not enter the average. A series whose finite values are all equal
 * comes back unchanged (as in TensorBoard), so a constant line does not pick up rounding noise.
 * @param points (n) points in step order; not modified
 * @param weight smoothing weight, clamped to [0, 0.99]: 0 returns the values unchanged
 * @returns (n) points with the same steps and smoothed values
 */
export function emaSmooth(points: readonly StepPoint[], weight: number): StepPoint[] {
  const w = Math.min(Math.max(Number.isFinite(weight) ? weight : 0, 0), 0.99);
  const finite = points.filter((p) => Number.isFinite(p.value));
  const constant = finite.every((p) => p.value === finite[0].value);
  if (w === 0 || constant) return points.map((p) => ({ step: p.step, value: p.value }));
  let last = 0;
  let n = 0;
  return points.map((p) => {
    if (!Number.isFinite(p.value)) return { step: p.step, value: p.value };
    last = last * w + (1 - w) * p.value;
    n += 1;
    // debias: the average starts at 0, so divide by the total weight given to real values
    const debias = 1 - Math.pow(w, n);
    return { step: p.step, value: last / debias };
  });
}
