// pcaDomain.test.ts: the scatter's robust symmetric domain and its widening across steps.
import { describe, expect, it } from 'vitest';
import { robustSymmetricDomain, widenDomain } from './pcaDomain.ts';

describe('robustSymmetricDomain', () => {
  it('is symmetric, set by the 99th percentile of |coordinate|, and ignores a few outliers', () => {
    const n = 1000;
    const points = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) {
      points[3 * i] = ((i % 100) - 49.5) / 49.5; // x in [-1, 1]
      points[3 * i + 1] = 0.5 * (((i * 7) % 100) - 49.5) / 49.5; // y in [-0.5, 0.5]
      points[3 * i + 2] = 3;
    }
    points[0] = 1000; // two outliers
    points[4] = -500;
    const d = robustSymmetricDomain([{ points }], [0, 1], { pad: 1 });
    expect(d.x[0]).toBe(-d.x[1]);
    expect(d.y[0]).toBe(-d.y[1]);
    expect(d.x[1]).toBeGreaterThan(0.97);
    expect(d.x[1]).toBeLessThanOrEqual(1.0001);
    expect(d.y[1]).toBeGreaterThan(0.48);
    expect(d.y[1]).toBeLessThanOrEqual(0.5001);
    // the third axis when asked for, and the default padding
    const d13 = robustSymmetricDomain([{ points }], [0, 2]);
    expect(d13.y[1]).toBeCloseTo(3.3, 5);
  });

  it('covers several snapshots (both runs) with one domain', () => {
    const a = Float32Array.from([1, 1, 0, -1, -1, 0]);
    const b = Float32Array.from([4, 2, 0, -4, -2, 0]);
    const d = robustSymmetricDomain([{ points: a }, { points: b }], [0, 1], { quantile: 1, pad: 1 });
    expect(d).toEqual({ x: [-4, 4], y: [-2, 2] });
  });

  it('adds the per-snapshot offsets of the raw view, and can square the domain', () => {
    const a = Float32Array.from([1, 1, 0, -1, -1, 0]);
    const d = robustSymmetricDomain([{ points: a }], [0, 1], { quantile: 1, pad: 1, offsets: [[5, 0, 0]] });
    expect(d.x).toEqual([-6, 6]);
    expect(d.y).toEqual([-1, 1]);
    expect(robustSymmetricDomain([{ points: a }], [0, 1], { quantile: 1, pad: 1, offsets: [[5, 0, 0]], square: true }).y).toEqual([-6, 6]);
  });

  it('falls back to [-1, 1] with no finite or only zero coordinates', () => {
    expect(robustSymmetricDomain([], [0, 1])).toEqual({ x: [-1, 1], y: [-1, 1] });
    expect(robustSymmetricDomain([{ points: new Float32Array(6) }], [0, 1])).toEqual({ x: [-1, 1], y: [-1, 1] });
    expect(robustSymmetricDomain([{ points: Float32Array.from([NaN, NaN, NaN]) }], [0, 1])).toEqual({ x: [-1, 1], y: [-1, 1] });
  });

  it('widenDomain grows and never shrinks', () => {
    const a = { x: [-2, 2] as [number, number], y: [-1, 1] as [number, number] };
    const b = { x: [-1, 1] as [number, number], y: [-3, 3] as [number, number] };
    expect(widenDomain(null, a)).toEqual(a);
    expect(widenDomain(a, b)).toEqual({ x: [-2, 2], y: [-3, 3] });
  });
});
