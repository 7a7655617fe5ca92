// bands.ts: a group of runs (the seeds of one variant) drawn as one line with a spread: the mean
// over runs at each step every run has, and a band of min–max or ±1 sample sd around it.
import type { StepPoint } from './smoothing.ts';
import type { BandPoint } from './MetricChart.tsx';

export type BandMode = 'minmax' | 'sd';

/**
 * @param runs one series per run, each in step order
 * @returns the mean line and its band, at the steps where every run has a finite value (runs of a
 *   sweep share their evaluation schedule; an unfinished run shortens the band to its last step)
 */
export function bandOf(runs: readonly (readonly StepPoint[])[], mode: BandMode): { mean: StepPoint[]; band: BandPoint[] } {
  if (runs.length === 0) return { mean: [], band: [] };
  const maps = runs.map((r) => new Map(r.filter((p) => Number.isFinite(p.value)).map((p) => [p.step, p.value])));
  const steps = [...maps[0].keys()].filter((s) => maps.every((m) => m.has(s))).sort((a, b) => a - b);
  const mean: StepPoint[] = [];
  const band: BandPoint[] = [];
  for (const step of steps) {
    const xs = maps.map((m) => m.get(step)!);
    const mu = xs.reduce((a, b) => a + b, 0) / xs.length;
    mean.push({ step, value: mu });
    if (mode === 'minmax') band.push({ step, lo: Math.min(...xs), hi: Math.max(...xs) });
    else {
      const sd = xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mu) ** 2, 0) / (xs.length - 1));
      band.push({ step, lo: mu - sd, hi: mu + sd });
    }
  }
  return { mean, band };
}
