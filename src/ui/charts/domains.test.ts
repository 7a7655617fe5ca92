// domains.test.ts: dataDomain and the log-axis filters against hand-computed values.
import { describe, expect, it } from 'vitest';
import { clampForLog, dataDomain, logDomainValues } from './domains.ts';

const pts = (values: number[], from = 1) => values.map((value, i) => ({ step: from + i, value }));

describe('log-domain clamping', () => {
  it('clampForLog turns non-positive and non-finite values into NaN, keeps steps', () => {
    const c = clampForLog(pts([1, 0, -2, Number.POSITIVE_INFINITY, 1e-9]));
    expect(c.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    expect(c[0].value).toBe(1);
    expect(c[1].value).toBeNaN();
    expect(c[2].value).toBeNaN();
    expect(c[3].value).toBeNaN();
    expect(c[4].value).toBe(1e-9);
  });

  it('logDomainValues keeps only positive finite values, in order', () => {
    expect(logDomainValues([0.5, 0, -1, Number.NaN, 2, Number.NEGATIVE_INFINITY, 3])).toEqual([0.5, 2, 3]);
  });
});

describe('dataDomain', () => {
  it('dataDomain spans the finite values of all arrays', () => {
    expect(dataDomain([[3, 1, Number.NaN], [7, Number.POSITIVE_INFINITY]])).toEqual([1, 7]);
  });
  it('widens a degenerate domain and falls back when nothing is finite', () => {
    expect(dataDomain([[2, 2]])).toEqual([1.5, 2.5]);
    expect(dataDomain([[100]])).toEqual([90, 110]);
    expect(dataDomain([[Number.NaN], []], [0, 4])).toEqual([0, 4]);
  });
});
