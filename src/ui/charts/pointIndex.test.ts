// pointIndex.test.ts: quadtree hover lookup against a brute-force nearest-point search.
import { describe, expect, it } from 'vitest';
import { pointIndex } from './pointIndex.ts';

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

describe('pointIndex', () => {
  it('finds the same nearest point as a brute-force search, within the radius only', () => {
    const r = rng(7);
    const n = 2000;
    const xs = Float32Array.from({ length: n }, () => r() * 500);
    const ys = Float32Array.from({ length: n }, () => r() * 400);
    xs[5] = Number.NaN; // left out, as the scatter does for points outside the view
    const index = pointIndex(xs, ys);
    for (let q = 0; q < 300; q++) {
      const x = r() * 520 - 10;
      const y = r() * 420 - 10;
      const radius = 12;
      let bestD = Infinity; // NaN distances (point 5) never win
      for (let i = 0; i < n; i++) {
        const d = Math.hypot(xs[i] - x, ys[i] - y);
        if (d < bestD) bestD = d;
      }
      const got = index.nearest(x, y, radius);
      if (bestD > radius) expect(got).toBe(-1);
      else expect(Math.hypot(xs[got] - x, ys[got] - y)).toBeCloseTo(bestD, 9); // same distance (ties may differ)
      expect(got).not.toBe(5);
    }
  });

  it('returns -1 for no points', () => {
    expect(pointIndex([], []).nearest(0, 0, 100)).toBe(-1);
  });
});
