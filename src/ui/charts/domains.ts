// domains.ts: the value range an axis or colour scale covers: [min, max] over several series (one
// shared scale for runs drawn side by side), and the values a log axis can show at all.

import { extent } from 'd3';
import type { StepPoint } from './smoothing.ts';

/**
 * [min, max] over the finite values of several arrays (e.g. the NTP and NITP series, so both use
 * one scale). A degenerate range [v, v] widens to [v - 0.5, v + 0.5] (or [v*0.9, v*1.1] for
 * |v| > 5) so the scale has a non-zero span; no finite value gives `fallback`.
 * @param arrays any number of value arrays
 * @param fallback returned when no value is finite
 */
export function dataDomain(arrays: readonly (readonly number[])[], fallback: [number, number] = [0, 1]): [number, number] {
  // extent skips NaN but not ±Infinity, hence the accessor
  const [lo, hi] = extent(arrays.flat(), (v) => (Number.isFinite(v) ? v : undefined));
  if (lo === undefined || hi === undefined) return [fallback[0], fallback[1]];
  if (lo === hi) {
    const pad = Math.abs(lo) > 5 ? Math.abs(lo) * 0.1 : 0.5;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/**
 * Replace values a log axis cannot show (<= 0 or non-finite) with NaN, so line generators
 * break the line there instead of plotting -Infinity.
 * @param points (n) points
 * @returns (n) points, value NaN where value <= 0 or not finite
 */
export function clampForLog(points: readonly StepPoint[]): StepPoint[] {
  return points.map((p) => ({ step: p.step, value: p.value > 0 && Number.isFinite(p.value) ? p.value : Number.NaN }));
}

/**
 * The values a log axis can show: finite and strictly positive.
 * @param values (n) any numbers
 * @returns (m <= n) the positive finite ones, in order
 */
export function logDomainValues(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v) && v > 0);
}
