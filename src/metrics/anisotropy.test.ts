import { describe, expect, it } from 'vitest';
import { anisotropy, drawPairs, histogram } from './anisotropy.ts';
import { pairCosines } from '../ref/metrics.ts';
import { Rng } from '../util/rng.ts';

function meanPairCosine(x: Float64Array, N: number, C: number, nPairs: number, seed: number): number {
  const pairs = drawPairs(N, nPairs, seed);
  const cos = new Float64Array(nPairs);
  pairCosines(cos, x, pairs, nPairs, C);
  return anisotropy(cos);
}

describe('anisotropy', () => {
  it('drawPairs: fixed by the seed, rows in range, never a token with itself, every row used', () => {
    const N = 50;
    const a = drawPairs(N, 4096, 7);
    expect(Array.from(drawPairs(N, 4096, 7))).toEqual(Array.from(a));
    expect(Array.from(drawPairs(N, 4096, 8))).not.toEqual(Array.from(a));
    const seen = new Set<number>();
    for (let k = 0; k < 4096; k++) {
      expect(a[2 * k]).toBeLessThan(N);
      expect(a[2 * k + 1]).toBeLessThan(N);
      expect(a[2 * k]).not.toBe(a[2 * k + 1]);
      seen.add(a[2 * k]).add(a[2 * k + 1]);
    }
    expect(seen.size).toBe(N);
    expect(() => drawPairs(1, 4, 0)).toThrow(/at least 2/);
  });

  it('drawPairs with sequences: never two tokens of one sequence, every sequence and row used, both orders', () => {
    const S = 7;
    const N = 5 * S;
    const a = drawPairs(N, 4096, 3, S);
    const seen = new Set<number>();
    const ordered = new Set<string>();
    for (let k = 0; k < 4096; k++) {
      const [i, j] = [a[2 * k], a[2 * k + 1]];
      expect(i).toBeLessThan(N);
      expect(j).toBeLessThan(N);
      expect(Math.floor(i / S)).not.toBe(Math.floor(j / S));
      seen.add(i).add(j);
      ordered.add(`${Math.floor(i / S)}>${Math.floor(j / S)}`);
    }
    expect(seen.size).toBe(N);
    expect(ordered.size).toBe(5 * 4); // every ordered pair of different sequences occurs
    expect(() => drawPairs(S, 4, 0, S)).toThrow(/at least 2 sequences of 7 rows/);
    expect(() => drawPairs(2 * S + 1, 4, 0, S)).toThrow(/at least 2 sequences/);
  });

  it('isotropic zero-mean data: ≈ 0 (|mean| < 4 standard errors)', () => {
    const [N, C, P] = [2048, 64, 4096];
    const x = new Rng(1, 'aniso').fillNormal(new Float64Array(N * C), 1);
    // cos of two independent isotropic vectors has variance 1/C: standard error 1/sqrt(C·P)
    expect(Math.abs(meanPairCosine(x, N, C, P, 1))).toBeLessThan(4 / Math.sqrt(C * P));
  });

  it('a shared offset large against the spread: → 1', () => {
    const [N, C, P] = [2048, 64, 4096];
    const rng = new Rng(2, 'aniso');
    const offset = rng.fillNormal(new Float64Array(C), 1);
    const x = rng.fillNormal(new Float64Array(N * C), 0.01).map((v, i) => v + offset[i % C]);
    // ‖noise‖² / ‖offset‖² ≈ 1e-4 per row: cos ≈ 1 − 1e-4
    const a = meanPairCosine(x, N, C, P, 2);
    expect(a).toBeGreaterThan(0.999);
    expect(a).toBeLessThanOrEqual(1 + 1e-12);
  });
});

describe('histogram', () => {
  it('equal bins on [-1, 1]; the right edge in the last bin; rounding slack; outliers counted apart', () => {
    const h = histogram([-1, -0.5, -0.49, 0, 0.99, 1, 1.0000001, -1.0000001, 1.5, NaN], 4);
    expect(Array.from(h.edges)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(Array.from(h.counts)).toEqual([2, 2, 1, 3]);
    expect(h.outside).toBe(2);
  });
});
