// histogram.test.ts: the mean from bin centres is within half a bin of the exact mean.
import { describe, expect, it } from 'vitest';
import { histogram } from '../../metrics/anisotropy.ts';
import { histogramMean } from './histogram.ts';

/** A small deterministic generator (mulberry32) so the tests do not depend on Math.random. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('histogramMean', () => {
  it('is within half a bin of the exact mean', () => {
    const r = rng(3);
    const values = Array.from({ length: 5000 }, () => Math.tanh(2 * (r() - 0.3)));
    const h = histogram(values, 40);
    const exact = values.reduce((s, v) => s + v, 0) / values.length;
    const m = histogramMean(h)!;
    expect(Math.abs(m - exact)).toBeLessThanOrEqual(0.5 * (2 / 40));
  });

  it('weights bin centres by counts, and is null for an empty histogram', () => {
    const h = { edges: Float64Array.from([-1, 0, 1]), counts: Uint32Array.from([1, 3]) };
    expect(histogramMean(h)).toBeCloseTo((-0.5 + 3 * 0.5) / 4, 12);
    expect(histogramMean(histogram([], 10))).toBeNull();
  });
});
