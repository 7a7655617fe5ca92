import { describe, expect, it } from 'vitest';
import { BatchSampler, splitInputsTargets, unigramEntropy } from './batches.ts';
import { Rng } from '../util/rng.ts';

const arange = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe('BatchSampler', () => {
  it('returns B windows of T+1 consecutive tokens at offsets in [0, n-T-1]', () => {
    const [B, T, n] = [5, 7, 100];
    const s = new BatchSampler(arange(n), B, T, 1);
    for (let step = 0; step < 50; step++) {
      const batch = s.next();
      expect(batch.length).toBe(B * (T + 1));
      for (let b = 0; b < B; b++) {
        const o = batch[b * (T + 1)];
        expect(o).toBeGreaterThanOrEqual(0);
        expect(o).toBeLessThanOrEqual(n - T - 1);
        for (let t = 0; t <= T; t++) expect(batch[b * (T + 1) + t]).toBe(o + t);
      }
    }
  });

  it('draws every offset, both ends included, about uniformly', () => {
    const T = 4;
    const n = T + 4; // offsets 0..3
    const s = new BatchSampler(arange(n), 8, T, 7);
    const counts = [0, 0, 0, 0];
    for (let step = 0; step < 500; step++) {
      const batch = s.next();
      for (let b = 0; b < 8; b++) counts[batch[b * (T + 1)]]++;
    }
    // 4000 draws, 1000 expected each; binomial sd ~27, allow ~5 sd
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(140);
  });

  it('is deterministic per seed and stream, and uses Rng(seed, stream)', () => {
    const tokens = arange(1000);
    const a = new BatchSampler(tokens, 4, 16, 42);
    const b = new BatchSampler(tokens, 4, 16, 42);
    const c = new BatchSampler(tokens, 4, 16, 43);
    const d = new BatchSampler(tokens, 4, 16, 42, 'val');
    const batchesA = [a.next(), a.next()];
    expect(batchesA).toEqual([b.next(), b.next()]);
    expect(c.next()).not.toEqual(batchesA[0]);
    expect(d.next()).not.toEqual(batchesA[0]);
    // offsets are Rng(seed, 'batches').int(n - T), in order b = 0..B-1
    const rng = new Rng(42, 'batches');
    const expected = Array.from({ length: 8 }, () => rng.int(1000 - 16));
    expect([...batchesA[0], ...batchesA[1]].filter((_, i) => i % 17 === 0)).toEqual(expected);
  });

  it('fills a given output array and returns fresh arrays otherwise', () => {
    const s = new BatchSampler(arange(50), 2, 3, 5);
    const first = s.next();
    const second = s.next();
    expect(second).not.toBe(first);
    const out = new Int32Array(8);
    expect(s.next(out)).toBe(out);
    expect(() => s.next(new Int32Array(7))).toThrow('out has 7 elements, expected B*(T+1) = 8');
  });

  it('works when the text is exactly T+1 tokens and refuses shorter texts', () => {
    expect(Array.from(new BatchSampler(arange(5), 2, 4, 0).next())).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    expect(() => new BatchSampler(arange(4), 2, 4, 0)).toThrow('BatchSampler: the text has 4 tokens, fewer than the T + 1 = 5 one window needs');
    expect(() => new BatchSampler(arange(10), 0, 4, 0)).toThrow('batch size B must be a positive integer, got 0');
    expect(() => new BatchSampler(arange(10), 2, 1.5, 0)).toThrow('context length T must be a positive integer, got 1.5');
  });
});

describe('splitInputsTargets', () => {
  it('inputs = window[0..T-1], targets = window[1..T], into given arrays', () => {
    const tokens = Int32Array.from([10, 11, 12, 13, 20, 21, 22, 23]); // B = 2, T = 3
    const { inputs, targets } = splitInputsTargets(tokens, 2, 3);
    expect(Array.from(inputs)).toEqual([10, 11, 12, 20, 21, 22]);
    expect(Array.from(targets)).toEqual([11, 12, 13, 21, 22, 23]);
    const inp = new Int32Array(6).fill(-9);
    const tgt = new Int32Array(6).fill(-9);
    const r = splitInputsTargets(tokens, 2, 3, inp, tgt);
    expect(r.inputs).toBe(inp);
    expect(r.targets).toBe(tgt);
    expect(Array.from(tgt)).toEqual([11, 12, 13, 21, 22, 23]);
    expect(() => splitInputsTargets(tokens, 2, 4)).toThrow('tokens has 8 elements, expected B*(T+1) = 10');
    expect(() => splitInputsTargets(tokens, 2, 3, new Int32Array(5))).toThrow('inputs/targets have 5/6 elements, expected B*T = 6');
  });
});

describe('unigramEntropy', () => {
  it('is ln V for uniform tokens, 0 for one token, and -sum p ln p in general', () => {
    expect(unigramEntropy(Int32Array.from([0, 1, 2, 3, 4, 5, 6]), 7)).toBeCloseTo(Math.log(7), 14);
    expect(unigramEntropy(Int32Array.from([3, 3, 3]), 5)).toBe(0);
    const p = [0.5, 0.25, 0.25];
    expect(unigramEntropy(Int32Array.from([0, 1, 0, 2]), 4)).toBeCloseTo(-p.reduce((h, q) => h + q * Math.log(q), 0), 14);
    expect(() => unigramEntropy(Int32Array.from([0, 4]), 4)).toThrow('token 4 at position 1 is outside [0, 4)');
    expect(() => unigramEntropy(new Int32Array(0), 4)).toThrow('no tokens');
  });
});
