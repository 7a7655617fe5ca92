// smoothing.test.ts: emaSmooth against hand-computed values.
import { describe, expect, it } from 'vitest';
import { emaSmooth } from './smoothing.ts';

const pts = (values: number[], from = 1) => values.map((value, i) => ({ step: from + i, value }));

describe('emaSmooth', () => {
  it('matches hand values with debiasing (w = 0.5)', () => {
    // last: 0.5, 1.25, 2.125; debias: 0.5, 0.75, 0.875
    const s = emaSmooth(pts([1, 2, 3]), 0.5);
    expect(s.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(s[0].value).toBeCloseTo(1, 12);
    expect(s[1].value).toBeCloseTo(1.25 / 0.75, 12);
    expect(s[2].value).toBeCloseTo(2.125 / 0.875, 12);
    // the same number as a weighted mean with weights w^(n-1-i)
    expect(s[2].value).toBeCloseTo((0.25 * 1 + 0.5 * 2 + 1 * 3) / 1.75, 12);
  });

  it('first smoothed value equals the first raw value (debiasing removes the pull to 0)', () => {
    for (const w of [0.1, 0.6, 0.9, 0.99]) expect(emaSmooth(pts([7.5, 1]), w)[0].value).toBeCloseTo(7.5, 10);
  });

  it('weight 0 is the identity, and weights clamp to [0, 0.99]', () => {
    const raw = pts([3, 1, 4, 1, 5]);
    expect(emaSmooth(raw, 0)).toEqual(raw);
    expect(emaSmooth(raw, -2)).toEqual(raw);
    expect(emaSmooth(raw, 5)).toEqual(emaSmooth(raw, 0.99));
    expect(emaSmooth(raw, Number.NaN)).toEqual(raw);
  });

  it('passes non-finite values through and leaves them out of the average', () => {
    const s = emaSmooth(pts([2, Number.NaN, 4]), 0.5);
    expect(s[1].value).toBeNaN();
    // second finite value is the 2nd accumulated: last = 0.5*1 + 0.5*4 = 2.5; debias 0.75
    expect(s[2].value).toBeCloseTo(2.5 / 0.75, 12);
  });

  it('keeps a constant series exact and does not mutate its input', () => {
    const raw = pts([0.3, 0.3, 0.3, 0.3]);
    const copy = raw.map((p) => ({ ...p }));
    expect(emaSmooth(raw, 0.9).map((p) => p.value)).toEqual([0.3, 0.3, 0.3, 0.3]);
    expect(raw).toEqual(copy);
    expect(emaSmooth([], 0.9)).toEqual([]);
  });
});
